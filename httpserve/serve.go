// Package httpserve serves an MCP server over HTTP: streamable HTTP at /mcp or the
// older SSE transport at /sse and /message, with health endpoints, request size
// limits and graceful shutdown. The MCP protocol itself is mcp-go's.
package httpserve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/mark3labs/mcp-go/server"
)

// Transport names.
const (
	StreamableHTTP = "http"
	SSE            = "sse"
)

// Paths served.
const (
	MCPPath     = "/mcp"
	SSEPath     = "/sse"
	MessagePath = "/message"
	HealthzPath = "/healthz"
	ReadyzPath  = "/readyz"
)

// Options configures the HTTP front of the MCP server.
type Options struct {
	// Transport is StreamableHTTP (default) or SSE.
	Transport string
	// Stateless makes streamable HTTP keep no session state, so any replica behind
	// a load balancer can answer any request.
	Stateless bool
	// MaxRequestBytes bounds one request body (default 4 MiB).
	MaxRequestBytes int64
	// ShutdownTimeout bounds the graceful shutdown (default 10s).
	ShutdownTimeout time.Duration
	// Ready reports whether the server can take traffic (for /readyz); nil means ready.
	Ready func(context.Context) error
	// Intercept, with stateless streamable HTTP, sees each JSON-RPC request
	// POSTed to /mcp before mcp-go does; when it answers (handled), its answer
	// is sent as the response and mcp-go never sees the request. It is how
	// requests that mcp-go would answer from one process's memory (MCP tasks)
	// are answered by any replica (tools.Deps.HandleStatelessTask).
	Intercept func(ctx context.Context, msg []byte) (answer any, handled bool)
	// MaxSessions bounds the streamable HTTP sessions open at once (default
	// DefaultMaxSessions); a request that would start another gets 503.
	MaxSessions int
	// SessionIdleTimeout ends a streamable HTTP session that has seen no
	// request for this long and has no open stream (default
	// DefaultSessionIdleTimeout); its client must initialize again.
	SessionIdleTimeout time.Duration
	// Security guards the MCP endpoints.
	Security Security
	// Logger receives start, stop and rejected-request lines.
	Logger *slog.Logger
}

func (o *Options) defaults() {
	if o.Transport == "" {
		o.Transport = StreamableHTTP
	}
	if o.MaxRequestBytes <= 0 {
		o.MaxRequestBytes = 4 << 20
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = 10 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxSessions <= 0 {
		o.MaxSessions = DefaultMaxSessions
	}
	if o.SessionIdleTimeout <= 0 {
		o.SessionIdleTimeout = DefaultSessionIdleTimeout
	}
}

// Server is an MCP server's HTTP front.
type Server struct {
	opts       Options
	handler    http.Handler
	streamable *server.StreamableHTTPServer
	sessions   *sessionTable // nil when stateless or SSE
	sse        *server.SSEServer
	// draining is set once shutdown begins, so /readyz turns load balancers away.
	draining atomic.Bool
}

// New builds the handler for mcp over opts.Transport.
func New(mcp *server.MCPServer, opts Options) (*Server, error) {
	opts.defaults()
	s := &Server{opts: opts}
	if opts.Security.PerRequestCARTOToken && (opts.Transport != StreamableHTTP || !opts.Stateless) {
		// A token that lives for one request cannot back a session that outlives it.
		return nil, errors.New("per-request CARTO tokens need the stateless streamable HTTP transport")
	}
	mux := http.NewServeMux()
	guard, err := opts.Security.middleware()
	if err != nil {
		return nil, err
	}
	switch opts.Transport {
	case StreamableHTTP:
		httpOpts := []server.StreamableHTTPOption{
			server.WithEndpointPath(MCPPath),
			server.WithStateLess(opts.Stateless),
			server.WithStreamableHTTPLogger(opts.Logger),
		}
		if !opts.Stateless {
			s.sessions = newSessionTable(opts.MaxSessions, opts.SessionIdleTimeout)
			httpOpts = append(httpOpts, server.WithSessionIdManager(s.sessions))
		}
		s.streamable = server.NewStreamableHTTPServer(mcp, httpOpts...)
		var h http.Handler = s.streamable
		if s.sessions != nil {
			s.sessions.end = endThrough(s.streamable)
			h = s.sessions.middleware(h)
		}
		if opts.Stateless && opts.Intercept != nil {
			h = intercept(h, opts.Intercept)
		}
		mux.Handle(MCPPath, guard(h))
	case SSE:
		streams := newSSEStreams()
		s.sse = server.NewSSEServer(mcp,
			server.WithSSEEndpoint(SSEPath),
			server.WithMessageEndpoint(MessagePath),
			server.WithSessionIDGenerator(streams.generate),
			server.WithSSEContextFunc(streams.messageContext),
		)
		streams.install(mcp)
		// CORS is off: mcp-go's SSE endpoint would allow every origin.
		mux.Handle(SSEPath, guard(withoutCORS(s.sse)))
		mux.Handle(MessagePath, guard(withoutCORS(s.sse)))
	default:
		return nil, fmt.Errorf("unknown HTTP transport %q: want %q or %q", opts.Transport, StreamableHTTP, SSE)
	}
	mux.HandleFunc("GET "+HealthzPath, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintln(w, `{"status":"ok"}`)
	})
	mux.HandleFunc("GET "+ReadyzPath, s.readyz)
	s.handler = limitBody(mux, opts.MaxRequestBytes)
	return s, nil
}

// Handler is the whole HTTP surface, for tests and for embedding in another mux.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if s.draining.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, `{"status":"shutting down"}`)
		return
	}
	if s.opts.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		if err := s.opts.Ready(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, "{\"status\":\"unavailable\",\"error\":%q}\n", err.Error())
			return
		}
	}
	fmt.Fprintln(w, `{"status":"ready"}`)
}

// limitBody refuses request bodies over max: a 413 before the body is read when
// Content-Length says so, a read error (which mcp-go answers as a parse error)
// otherwise.
func limitBody(next http.Handler, max int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			http.Error(w, fmt.Sprintf("request body of %d bytes is over the limit of %d bytes", r.ContentLength, max),
				http.StatusRequestEntityTooLarge)
			return
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, max)
		}
		next.ServeHTTP(w, r)
	})
}

// Serve answers on ln until ctx is done, then shuts down gracefully: new
// connections are refused, MCP sessions are closed, in-flight calls get
// ShutdownTimeout to finish.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		// No WriteTimeout: SSE and streamed responses legitimately stay open.
		IdleTimeout: 2 * time.Minute,
		ErrorLog:    slog.NewLogLogger(s.opts.Logger.Handler(), slog.LevelWarn),
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if s.sessions != nil {
		sweepCtx, stopSweep := context.WithCancel(context.Background())
		sweepDone := make(chan struct{})
		go func() { defer close(sweepDone); s.sessions.run(sweepCtx) }()
		defer func() { stopSweep(); <-sweepDone }()
	}
	s.opts.Logger.Info("serving MCP over HTTP", "transport", s.opts.Transport, "addr", ln.Addr().String(),
		"endpoint", s.endpoint(ln.Addr()))

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.draining.Store(true)
	sctx, cancel := context.WithTimeout(context.Background(), s.opts.ShutdownTimeout)
	defer cancel()
	if s.streamable != nil {
		s.streamable.CloseSessions(sctx)
	}
	if s.sse != nil {
		s.sse.CloseSessions()
	}
	err := srv.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		// A call still running after the grace period (a long query) is cut
		// off: the stop was asked for, so it is not a failure of the server.
		s.opts.Logger.Warn("requests still running after the shutdown grace period were cut off", "grace", s.opts.ShutdownTimeout)
		err = srv.Close()
	}
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	s.opts.Logger.Info("HTTP server stopped")
	return err
}

func (s *Server) endpoint(addr net.Addr) string {
	path := MCPPath
	if s.opts.Transport == SSE {
		path = SSEPath
	}
	return "http://" + addr.String() + path
}

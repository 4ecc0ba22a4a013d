package httpserve

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// The SSE transport's client receives answers on its GET /sse stream and
// posts requests to /message. mcp-go runs each posted request on a context cut
// loose from everything, so a client that closes its stream left its queries
// running until their timeout. sseStreams ties every request to its stream:
// when the stream ends, the request's context ends, as it does at once on
// stdio and streamable HTTP.
type sseStreams struct {
	mu      sync.Mutex
	streams map[string]context.Context // session id -> the GET /sse request's context
}

type sseStreamKey struct{}

func newSSEStreams() *sseStreams { return &sseStreams{streams: map[string]context.Context{}} }

// generate issues a session id for a new stream (mcp-go's session id
// generator) and remembers the stream's context until it ends.
func (s *sseStreams) generate(ctx context.Context, _ *http.Request) (string, error) {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	id := hex.EncodeToString(b[:])
	s.mu.Lock()
	s.streams[id] = ctx
	s.mu.Unlock()
	context.AfterFunc(ctx, func() {
		s.mu.Lock()
		delete(s.streams, id)
		s.mu.Unlock()
	})
	return id, nil
}

// messageContext carries a posted request's stream into its context (mcp-go
// keeps values, not cancellation).
func (s *sseStreams) messageContext(ctx context.Context, r *http.Request) context.Context {
	s.mu.Lock()
	stream, ok := s.streams[r.URL.Query().Get("sessionId")]
	s.mu.Unlock()
	if !ok {
		return ctx
	}
	return context.WithValue(ctx, sseStreamKey{}, stream)
}

// withStream returns ctx, cancelled as well when the request's SSE stream
// ends; stop releases it.
func withStream(ctx context.Context) (context.Context, context.CancelFunc) {
	stream, ok := ctx.Value(sseStreamKey{}).(context.Context)
	if !ok {
		return ctx, func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(stream, cancel)
	return ctx, func() { stop(); cancel() }
}

// install makes mcp's tool, resource and prompt handlers end with their
// request's stream.
func (s *sseStreams) install(mcpServer *server.MCPServer) {
	mcpServer.Use(func(next server.ToolHandlerFunc) server.ToolHandlerFunc {
		return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			ctx, stop := withStream(ctx)
			defer stop()
			return next(ctx, req)
		}
	})
	server.WithResourceHandlerMiddleware(func(next server.ResourceHandlerFunc) server.ResourceHandlerFunc {
		return func(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
			ctx, stop := withStream(ctx)
			defer stop()
			return next(ctx, req)
		}
	})(mcpServer)
}

// withoutCORS drops the Access-Control-Allow-Origin header mcp-go's SSE
// transport sets to "*": CORS is off, so that a page in a browser cannot read
// a local server's answers.
func withoutCORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&corsStripper{ResponseWriter: w}, r)
	})
}

type corsStripper struct {
	http.ResponseWriter
	wrote bool
}

func (c *corsStripper) strip() {
	if !c.wrote {
		c.wrote = true
		c.Header().Del("Access-Control-Allow-Origin")
	}
}

func (c *corsStripper) WriteHeader(status int) {
	c.strip()
	c.ResponseWriter.WriteHeader(status)
}

func (c *corsStripper) Write(p []byte) (int, error) {
	c.strip()
	return c.ResponseWriter.Write(p)
}

// Flush keeps the stream streaming.
func (c *corsStripper) Flush() {
	c.strip()
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (c *corsStripper) Unwrap() http.ResponseWriter { return c.ResponseWriter }

package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/carto-mcp/carto-mcp/client"
	"github.com/carto-mcp/carto-mcp/httpserve"
	"github.com/carto-mcp/carto-mcp/inproc"
	"github.com/carto-mcp/carto-mcp/localwarehouse"
	"github.com/carto-mcp/carto-mcp/tools"
)

// stdioWorkers is how many tool calls a stdio session runs at once.
const stdioWorkers = 32

// localBaseURL is never dialled: the in-process transport answers it.
const localBaseURL = "http://local-warehouse.invalid"

// env is the program's outside world, passed in so tests can drive run.
type env struct {
	getenv         func(string) string
	stdin          io.Reader
	stdout, stderr io.Writer
	// listening, when set, is told the address the HTTP transports bound.
	listening func(net.Addr)
}

// run is the whole program. Logs go to stderr only: on stdio, stdout belongs to
// the protocol. A refused setting is printed on stderr here, whoever started the
// server: an MCP client shows a server's stderr, and nothing else, when it fails
// to start.
func run(ctx context.Context, args []string, e env) error {
	err := serve(ctx, args, e)
	if errors.Is(err, errUsage) {
		msg := strings.TrimPrefix(err.Error(), errUsage.Error()+": ")
		fmt.Fprintf(e.stderr, "carto-mcp: %s\nRun carto-mcp --help for usage.\n", msg)
	}
	return err
}

func serve(ctx context.Context, args []string, e env) error {
	getenv, stdin, stdout, stderr := e.getenv, e.stdin, e.stdout, e.stderr
	cfg, err := parseFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	if cfg.showVersion {
		fmt.Fprintln(stdout, "carto-mcp", version)
		return nil
	}
	// Logs go to stderr at --log-level; a call's own lines also go to its MCP
	// client at the level the client sets (logging/setLevel).
	logger := slog.New(tools.ClientLogHandler(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.logLevel})))

	guard, err := queryGuard(cfg)
	if err != nil {
		return err
	}
	backend, err := newBackend(ctx, cfg, getenv, logger)
	if err != nil {
		return err
	}
	defer backend.close()
	cartoClient := backend.client

	statelessTasks := cfg.transport == "http" && cfg.stateless
	taskSecret, err := taskSecret(cfg, statelessTasks, logger)
	if err != nil {
		return err
	}
	mcpServer, deps, err := tools.NewServerWithDeps(tools.Options{
		Client:              cartoClient,
		ReadOnly:            cfg.readOnly,
		Local:               cfg.local.enabled,
		QueryGuard:          guard,
		ConnectionProviders: cfg.providers,
		DefaultRows:         cfg.defaultRows,
		MaxRows:             cfg.maxRows,
		MaxTextBytes:        cfg.maxText,
		CallTimeout:         cfg.callTimeout,
		MaxWaitSeconds:      cfg.maxWait,
		Context:             ctx,
		Logger:              logger,
		Version:             version,
		StatelessTasks:      statelessTasks,
		TaskSecret:          taskSecret,
	})
	if err != nil {
		return err
	}
	// Deferred after closeBackend, so it runs first: job watchers and tasks stop
	// before the local warehouse they poll is closed.
	defer deps.Close()
	logger.Info("carto-mcp starting", "version", version, "transport", cfg.transport,
		"backend", backendName(cfg), "connection", cartoClient.DefaultConnection(), "read_only", cfg.readOnly)

	if cfg.transport == "stdio" {
		// A client starts a stdio server and waits for its handshake
		// (initialize, then tools/list): warm the backend up after that, so that
		// the two do not compete for the CPU.
		if hooks := mcpServer.GetHooks(); hooks != nil {
			hooks.AddAfterListTools(func(context.Context, any, *mcp.ListToolsRequest, *mcp.ListToolsResult) { backend.start() })
		} else {
			backend.start()
		}
		if isTerminal(stdin) {
			logger.Info("speaking MCP on stdin/stdout: start this command from an MCP client (see the README's Clients section), " +
				"or run it with --transport http; press Ctrl-C to stop")
		}
		stdio := server.NewStdioServer(mcpServer)
		stdio.SetErrorLogger(log.New(stderr, "carto-mcp: ", log.LstdFlags))
		// mcp-go runs 5 tool calls at once on stdio by default; a job wait holds
		// one for up to --max-wait, so leave room for the calls around it.
		server.WithWorkerPoolSize(stdioWorkers)(stdio)
		err := stdio.Listen(ctx, stdin, stdout)
		if ctx.Err() != nil && errors.Is(err, context.Canceled) {
			// SIGTERM or Ctrl-C: the way a stdio server is asked to stop.
			logger.Info("carto-mcp stopped", "reason", context.Cause(ctx).Error())
			return nil
		}
		return err
	}
	backend.start()
	sec := httpserve.Security{
		BearerToken:          cfg.httpToken,
		AllowedOrigins:       splitList(cfg.allowedOrigins),
		PerRequestCARTOToken: cfg.perRequestToken,
		WithCARTOToken:       client.ContextWithToken,
	}
	if err := httpserve.CheckListenAddr(cfg.addr, sec, cfg.insecureRemote); err != nil {
		return err
	}
	if cfg.insecureRemote && cfg.httpToken == "" && !cfg.perRequestToken {
		logger.Warn("INSECURE: serving without authentication on a non-loopback address; anyone who reaches it uses your CARTO credentials", "addr", cfg.addr)
	}
	front, err := httpserve.New(mcpServer, httpserve.Options{
		Transport: cfg.transport,
		Stateless: cfg.stateless,
		Intercept: deps.HandleStatelessTask,
		Security:  sec,
		// Stateless mode has no sessions to bound.
		MaxSessions:        cfg.maxSessions,
		SessionIdleTimeout: cfg.sessionIdle,
		Ready:              backend.ready,
		Logger:             logger,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("--addr %s: %w", cfg.addr, err)
	}
	if e.listening != nil {
		e.listening(ln.Addr())
	}
	return front.Serve(ctx, ln)
}

// backend is the one CARTO client and what it runs on.
type backend struct {
	client *client.Client
	// start warms the backend up (opens the local warehouse); a call that needs
	// it starts it anyway.
	start func()
	close func()
	// ready is nil when there is nothing to wait for.
	ready func(context.Context) error
}

// newBackend builds the one CARTO client: on the embedded warehouse with
// --local, otherwise on CARTO with credentials from the environment.
func newBackend(ctx context.Context, cfg *config, getenv func(string) string, logger *slog.Logger) (*backend, error) {
	if cfg.local.enabled {
		conn := cfg.connection
		if conn == "" {
			conn = localwarehouse.DefaultConnection
		}
		wh := newLazyWarehouse(ctx, localwarehouse.Options{
			Connection: conn,
			Path:       cfg.local.path,
			ReadOnly:   cfg.readOnly,
			Logger:     logger.With("component", "localwarehouse"),
		}, logger)
		c, err := client.New(client.Config{
			BaseURL:    localBaseURL,
			Connection: conn,
			// The in-process warehouse requires no token; the client always sends one.
			Token:      client.StaticToken("local"),
			HTTPClient: &http.Client{Transport: inproc.New(wh)},
			Logger:     logger.With("component", "client"),
			// The warehouse bounds its own work; the bound here is the same as for CARTO.
			MaxConcurrentCalls: cfg.maxCalls,
		})
		if err != nil {
			wh.Close()
			return nil, err
		}
		return &backend{client: c, start: wh.Start, close: wh.Close, ready: wh.Ready}, nil
	}

	var ccfg client.Config
	var err error
	if cfg.perRequestToken {
		// Each request's own token and nothing else: a shared server never falls
		// back to server-wide credentials.
		ccfg = client.Config{
			BaseURL:    getenv(client.EnvBaseURL),
			Connection: getenv(client.EnvConnection),
			Token:      client.RequestTokenSource{},
		}
	} else if ccfg, err = client.ConfigFromEnv(getenv, nil); err != nil {
		return nil, fmt.Errorf("%w (or run with --local to try the embedded demo warehouse)", err)
	}
	if cfg.connection != "" {
		ccfg.Connection = cfg.connection
	}
	if cfg.baseURL != "" {
		ccfg.BaseURL = cfg.baseURL
	}
	ccfg.Logger = logger.With("component", "client")
	ccfg.MaxConcurrentCalls = cfg.maxCalls
	ccfg.UserAgent = "carto-mcp/" + version
	c, err := client.New(ccfg)
	if err != nil {
		return nil, err
	}
	for _, u := range c.CleartextURLs() {
		logger.Warn("INSECURE: this CARTO URL is plain http:// to another machine, so the CARTO token (or OAuth client secret) "+
			"sent to it crosses the network unencrypted; use https:// in "+client.EnvBaseURL+" (--base-url) or "+client.EnvAuthURL, "url", u)
	}
	return &backend{client: c, start: func() {}, close: func() {}}, nil
}

func backendName(cfg *config) string {
	switch {
	case cfg.local.enabled && cfg.local.path != "":
		return "local:" + cfg.local.path
	case cfg.local.enabled:
		return "local (in-memory demo data)"
	}
	return "carto"
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// isTerminal reports whether r is an interactive terminal, i.e. a person rather
// than an MCP client started the server. Being a character device is not
// enough: /dev/null is one too (a service started with no stdin), so the
// terminal test is the one isatty(3) makes (see terminal_*.go).
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	return isTTY(f)
}

// taskSecret is the key that signs stateless task ids: --task-secret, or, when
// none is set, a random one, valid in this process only (a single replica, or
// tasks that each stay on one).
func taskSecret(cfg *config, stateless bool, logger *slog.Logger) ([]byte, error) {
	if !stateless {
		return nil, nil
	}
	if cfg.taskSecret != "" {
		return []byte(cfg.taskSecret), nil
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("making a task secret: %w", err)
	}
	logger.Warn("stateless server without CARTO_MCP_TASK_SECRET: MCP task ids minted here are valid on this process only; " +
		"behind a load balancer, give every replica the same secret")
	return secret, nil
}

package client

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/carto-mcp/carto-mcp/cartofake"
	"github.com/carto-mcp/carto-mcp/internal/testctx"

	"github.com/carto-mcp/carto-mcp/internal/syncbuf"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testCtx bounds a test's calls by the test binary's deadline: a guard
// against hangs, never an assertion about how long something takes.
func testCtx(t testing.TB) context.Context {
	t.Helper()
	return testctx.Context(t)
}

// fastRetry keeps retry tests quick.
var fastRetry = RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}

type clientOpt func(*Config)

func withRetry(p RetryPolicy) clientOpt       { return func(c *Config) { c.Retry = p } }
func withLogger(l *slog.Logger) clientOpt     { return func(c *Config) { c.Logger = l } }
func withToken(ts TokenSource) clientOpt      { return func(c *Config) { c.Token = ts } }
func withHTTPClient(h *http.Client) clientOpt { return func(c *Config) { c.HTTPClient = h } }
func withBaseURL(u string) clientOpt          { return func(c *Config) { c.BaseURL = u } }

// newTestClient returns a client for srv with the default token, connection
// "conn" and fast retries. Its HTTP client is the server's, whose idle
// connections close with the server.
func newTestClient(t testing.TB, srv *cartofake.Server, opts ...clientOpt) *Client {
	t.Helper()
	cfg := Config{
		BaseURL:    srv.URL,
		Connection: "conn",
		Token:      StaticToken(cartofake.DefaultToken),
		HTTPClient: srv.Client(),
		Retry:      fastRetry,
	}
	for _, o := range opts {
		o(&cfg)
	}
	c, err := New(cfg)
	require.NoError(t, err)
	return c
}

// dialCounter is an HTTP client whose dials are counted and, for the first
// `refuse` dials, sent to an address where nothing listens (connection refused).
type dialCounter struct {
	dials  atomic.Int32
	refuse int32
	dead   string // host:port of a closed listener
	client *http.Client
}

func newDialCounter(t testing.TB, refuse int) *dialCounter {
	t.Helper()
	d := &dialCounter{refuse: int32(refuse), dead: strings.TrimPrefix(cartofake.UnreachableURL(t), "http://")}
	var nd net.Dialer
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if d.dials.Add(1) <= d.refuse {
				addr = d.dead
			}
			return nd.DialContext(ctx, network, addr)
		},
	}
	d.client = &http.Client{Transport: tr}
	t.Cleanup(tr.CloseIdleConnections)
	return d
}

func debugLogger(buf *syncbuf.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

var testCols = []cartofake.Column{
	{Name: "id", Type: "bigint"},
	{Name: "name", Type: "string"},
	{Name: "amount", Type: "number"},
}

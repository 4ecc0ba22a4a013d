package tools_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	mcpclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/cartofake"
	"github.com/carto-mcp/carto-mcp/client"
	"github.com/carto-mcp/carto-mcp/tools"
	"github.com/carto-mcp/carto-mcp/tools/toolstest"

	"github.com/carto-mcp/carto-mcp/internal/testctx"

	"github.com/carto-mcp/carto-mcp/internal/syncbuf"
)

// env is one MCP client session, through mcp-go's client and the in-process
// transport (every message is JSON-encoded and decoded, as on a wire), against a
// carto-mcp server whose CARTO is a cartofake server.
type env struct {
	t     *testing.T
	fake  *cartofake.Server
	mcp   *mcpclient.Client
	logs  *syncbuf.Buffer
	deps  *tools.Deps
	clock *tools.FakeClock // nil unless withFakeClock
	carto *client.Client   // the server's CARTO client
}

type envConfig struct {
	opts       tools.Options
	connection string // the client's default connection; "" for none
	token      string
	fakeOpts   []cartofake.Option
	fakeClock  bool
	protocol   string // the MCP protocol version to ask for; default the latest
	clientCfg  []func(*client.Config)
}

// withClientConfig changes the CARTO client's configuration before it is built.
func withClientConfig(f func(*client.Config)) func(*envConfig) {
	return func(c *envConfig) { c.clientCfg = append(c.clientCfg, f) }
}

// withFakeClock makes waits take no time: the waiter's sleeps return at once.
func withFakeClock() func(*envConfig) { return func(c *envConfig) { c.fakeClock = true } }

// withProtocol makes the client ask for protocol version v.
func withProtocol(v string) func(*envConfig) { return func(c *envConfig) { c.protocol = v } }

func withOptions(f func(*tools.Options)) func(*envConfig) {
	return func(c *envConfig) { f(&c.opts) }
}

func withoutDefaultConnection() func(*envConfig) { return func(c *envConfig) { c.connection = "" } }

func withToken(tok string) func(*envConfig) { return func(c *envConfig) { c.token = tok } }

func withFake(o ...cartofake.Option) func(*envConfig) {
	return func(c *envConfig) { c.fakeOpts = append(c.fakeOpts, o...) }
}

const defaultConn = "carto_dw"

func newEnv(t *testing.T, mods ...func(*envConfig)) *env {
	t.Helper()
	return newEnvOn(t, nil, mods...)
}

// newEnvOn is newEnv on an existing fake CARTO (nil for a new one).
func newEnvOn(t *testing.T, fake *cartofake.Server, mods ...func(*envConfig)) *env {
	t.Helper()
	cfg := envConfig{connection: defaultConn, token: cartofake.DefaultToken}
	for _, m := range mods {
		m(&cfg)
	}
	if fake == nil {
		fake = cartofake.New(t, cfg.fakeOpts...)
	}
	logs := &syncbuf.Buffer{}
	ccfg := client.Config{
		BaseURL:    fake.URL,
		Connection: cfg.connection,
		Token:      client.StaticToken(cfg.token),
		HTTPClient: fake.Client(),
		Retry:      client.RetryPolicy{MaxAttempts: 1},
		Logger:     slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, f := range cfg.clientCfg {
		f(&ccfg)
	}
	c, err := client.New(ccfg)
	require.NoError(t, err)
	opts := cfg.opts
	opts.Client = c
	opts.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, deps, err := tools.NewServerWithDeps(opts)
	require.NoError(t, err)
	t.Cleanup(deps.Close)
	var clock *tools.FakeClock
	if cfg.fakeClock {
		clock = tools.UseFakeClock(deps)
	}

	mc := toolstest.NewInProcessClient(t, srv)
	t.Cleanup(func() { _ = mc.Close() })
	ctx := testContext(t)
	require.NoError(t, mc.Start(ctx))
	var init mcp.InitializeRequest
	init.Params.ProtocolVersion = cmp.Or(cfg.protocol, mcp.LATEST_PROTOCOL_VERSION)
	init.Params.ClientInfo = mcp.Implementation{Name: "tools-test", Version: "1"}
	_, err = mc.Initialize(ctx, init)
	require.NoError(t, err)
	return &env{t: t, fake: fake, mcp: mc, logs: logs, deps: deps, clock: clock, carto: c}
}

// testContext bounds a test's MCP calls, so that a hang fails instead of
// blocking; it is not a timing assertion.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(testctx.From(t, t.Context()))
	t.Cleanup(cancel)
	return ctx
}

// call calls a tool. args is a map, or a string of raw JSON sent verbatim.
func (e *env) call(name string, args any) *mcp.CallToolResult {
	e.t.Helper()
	res, err := e.callErr(name, args)
	require.NoError(e.t, err, "calling %s: a protocol error where a result was expected", name)
	return res
}

func (e *env) callErr(name string, args any) (*mcp.CallToolResult, error) {
	var req mcp.CallToolRequest
	req.Params.Name = name
	if s, ok := args.(string); ok {
		req.Params.Arguments = json.RawMessage(s)
	} else {
		req.Params.Arguments = args
	}
	return e.mcp.CallTool(testContext(e.t), req)
}

// ok checks a successful call and decodes its structured content into out.
func (e *env) ok(res *mcp.CallToolResult, out any) string {
	e.t.Helper()
	text := textOf(e.t, res)
	require.False(e.t, res.IsError, "unexpected isError result: %s", text)
	require.NotEmpty(e.t, res.RawStructuredContent, "a successful call has structured content")
	dec := json.NewDecoder(bytes.NewReader(res.RawStructuredContent))
	dec.DisallowUnknownFields()
	require.NoError(e.t, dec.Decode(out), "structured content: %s", res.RawStructuredContent)
	return text
}

// failed checks an isError result and returns its text. Error results carry no
// structured content (it would have to match the output schema).
func (e *env) failed(res *mcp.CallToolResult) string {
	e.t.Helper()
	text := textOf(e.t, res)
	require.True(e.t, res.IsError, "expected an isError result, got: %s", text)
	require.Empty(e.t, res.RawStructuredContent)
	require.NotContains(e.t, text, cartofake.DefaultToken, "a token leaked into a tool result")
	return text
}

func textOf(t *testing.T, res *mcp.CallToolResult) string {
	t.Helper()
	require.NotNil(t, res)
	require.Len(t, res.Content, 1, "one content block")
	tc, ok := res.Content[0].(mcp.TextContent)
	require.True(t, ok, "text content, got %T", res.Content[0])
	return tc.Text
}

// containsAll reports the substrings of want missing from s (case-insensitive).
func missing(s string, want ...string) []string {
	var out []string
	ls := strings.ToLower(s)
	for _, w := range want {
		if !strings.Contains(ls, strings.ToLower(w)) {
			out = append(out, w)
		}
	}
	return out
}

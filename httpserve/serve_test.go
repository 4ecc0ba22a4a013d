package httpserve

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	mcpclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/carto-mcp/carto-mcp/internal/testctx"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type tokenKey struct{}

// echoServer has one tool that says which CARTO token its call's context carries.
func echoServer() *server.MCPServer {
	s := server.NewMCPServer("echo", "1.0.0")
	s.AddTool(mcp.NewTool("whoami"), func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		tok, _ := ctx.Value(tokenKey{}).(string)
		return mcp.NewToolResultText("token=" + tok), nil
	})
	return s
}

func withToken(ctx context.Context, tok string) context.Context {
	return context.WithValue(ctx, tokenKey{}, tok)
}

// start serves opts on a loopback port and stops it, gracefully, at cleanup.
func start(t *testing.T, opts Options) string {
	t.Helper()
	front, err := New(echoServer(), opts)
	require.NoError(t, err)
	base, stop := serveFront(t, front)
	t.Cleanup(func() { require.NoError(t, stop()) })
	return base
}

// serveFront serves front on a loopback port and returns its base URL and
// stop, which asks Serve to stop and returns what it returned.
func serveFront(t *testing.T, front *Server) (base string, stop func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- front.Serve(ctx, ln) }()
	return "http://" + ln.Addr().String(), func() error { cancel(); return <-done }
}

// initialize starts c and makes the MCP handshake.
func initialize(t *testing.T, ctx context.Context, c *mcpclient.Client) {
	t.Helper()
	require.NoError(t, c.Start(ctx))
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "test", Version: "1"}
	_, err := c.Initialize(ctx, init)
	require.NoError(t, err)
}

func callWhoami(t *testing.T, c *mcpclient.Client) string {
	t.Helper()
	ctx, cancel := context.WithCancel(testctx.Context(t))
	defer cancel()
	initialize(t, ctx, c)
	req := mcp.CallToolRequest{}
	req.Params.Name = "whoami"
	res, err := c.CallTool(ctx, req)
	require.NoError(t, err)
	require.False(t, res.IsError)
	return res.Content[0].(mcp.TextContent).Text
}

func TestStreamableHTTPSession(t *testing.T) {
	t.Parallel()
	for _, stateless := range []bool{false, true} {
		base := start(t, Options{Transport: StreamableHTTP, Stateless: stateless})
		c, err := mcpclient.NewStreamableHttpClient(base + MCPPath)
		require.NoError(t, err)
		assert.Equal(t, "token=", callWhoami(t, c))
		require.NoError(t, c.Close())
	}
}

func TestSSESession(t *testing.T) {
	t.Parallel()
	base := start(t, Options{Transport: SSE})
	c, err := mcpclient.NewSSEMCPClient(base + SSEPath)
	require.NoError(t, err)
	assert.Equal(t, "token=", callWhoami(t, c))
	require.NoError(t, c.Close())
}

func TestBearerTokenIsRequired(t *testing.T) {
	t.Parallel()
	base := start(t, Options{Security: Security{BearerToken: "s3cret-bearer"}})

	resp, err := http.Post(base+MCPPath, "application/json", strings.NewReader(`{}`))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Equal(t, `Bearer realm="carto-mcp"`, resp.Header.Get("WWW-Authenticate"))
	assert.Contains(t, string(body), "bearer token")
	assert.NotContains(t, string(body), "s3cret-bearer")

	c, err := mcpclient.NewStreamableHttpClient(base+MCPPath,
		transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer s3cret-bearer"}))
	require.NoError(t, err)
	defer c.Close()
	assert.Equal(t, "token=", callWhoami(t, c))

	// Health stays open for load balancers.
	resp, err = http.Get(base + HealthzPath)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestOriginCheck(t *testing.T) {
	t.Parallel()
	base := start(t, Options{Security: Security{AllowedOrigins: []string{"https://app.example.com"}}})
	for _, tc := range []struct {
		origin string
		status int
	}{
		{"https://evil.example.net", http.StatusForbidden},
		{"http://localhost.evil.example.net", http.StatusForbidden},
		{"null", http.StatusForbidden},
		{"https://app.example.com", http.StatusBadRequest}, // allowed; then refused by MCP for the empty body
		{"http://localhost:6274", http.StatusBadRequest},
		{"http://127.0.0.1:3000", http.StatusBadRequest},
		{"", http.StatusBadRequest},
	} {
		req, _ := http.NewRequest(http.MethodPost, base+MCPPath, strings.NewReader(""))
		req.Header.Set("Content-Type", "application/json")
		if tc.origin != "" {
			req.Header.Set("Origin", tc.origin)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		if tc.status == http.StatusForbidden {
			assert.Equal(t, tc.status, resp.StatusCode, tc.origin)
		} else {
			assert.NotEqual(t, http.StatusForbidden, resp.StatusCode, tc.origin)
		}
		assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"), "CORS stays off")
	}
}

func TestPerRequestCARTOToken(t *testing.T) {
	t.Parallel()
	_, err := New(echoServer(), Options{Security: Security{PerRequestCARTOToken: true, WithCARTOToken: withToken}})
	require.Error(t, err, "sessions must be off")
	_, err = New(echoServer(), Options{Stateless: true, Security: Security{PerRequestCARTOToken: true}})
	require.Error(t, err, "needs a context function")

	base := start(t, Options{Stateless: true, Security: Security{PerRequestCARTOToken: true, WithCARTOToken: withToken}})
	resp, err := http.Post(base+MCPPath, "application/json", strings.NewReader(`{}`))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Contains(t, string(body), CARTOTokenHeader)

	c, err := mcpclient.NewStreamableHttpClient(base+MCPPath,
		transport.WithHTTPHeaders(map[string]string{CARTOTokenHeader: "user-token-1"}))
	require.NoError(t, err)
	defer c.Close()
	assert.Equal(t, "token=user-token-1", callWhoami(t, c))
}

func TestRequestBodyLimit(t *testing.T) {
	t.Parallel()
	base := start(t, Options{MaxRequestBytes: 1024})
	resp, err := http.Post(base+MCPPath, "application/json", strings.NewReader(strings.Repeat("x", 4096)))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
}

func TestReadyz(t *testing.T) {
	t.Parallel()
	base := start(t, Options{Ready: func(context.Context) error { return errors.New("warehouse closed") }})
	resp, err := http.Get(base + ReadyzPath)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Contains(t, string(body), "warehouse closed")
}

func TestCheckListenAddr(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		addr     string
		sec      Security
		insecure bool
		ok       bool
	}{
		{"127.0.0.1:8080", Security{}, false, true},
		{"localhost:8080", Security{}, false, true},
		{"[::1]:8080", Security{}, false, true},
		{"0.0.0.0:8080", Security{}, false, false},
		{":8080", Security{}, false, false},
		{"192.0.2.10:8080", Security{}, false, false},
		{"0.0.0.0:8080", Security{BearerToken: "x"}, false, true},
		{"0.0.0.0:8080", Security{PerRequestCARTOToken: true}, false, true},
		{"0.0.0.0:8080", Security{}, true, true},
		{"nonsense", Security{}, false, false},
	} {
		err := CheckListenAddr(tc.addr, tc.sec, tc.insecure)
		if tc.ok {
			assert.NoError(t, err, tc.addr)
		} else {
			assert.Error(t, err, tc.addr)
		}
	}
	assert.ErrorIs(t, CheckListenAddr("0.0.0.0:1", Security{}, false), ErrUnsafeListen)
}

func TestUnknownTransport(t *testing.T) {
	t.Parallel()
	_, err := New(echoServer(), Options{Transport: "grpc"})
	require.Error(t, err)
}

func TestReadyzReportsShutdown(t *testing.T) {
	t.Parallel()
	front, err := New(echoServer(), Options{})
	require.NoError(t, err)
	base, stop := serveFront(t, front)

	resp, err := http.Get(base + ReadyzPath)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	// After shutdown began, the listener is closed: ask the handler directly.
	require.NoError(t, stop())
	rec := httptest.NewRecorder()
	front.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, ReadyzPath, nil))
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Contains(t, rec.Body.String(), "shutting down")
}

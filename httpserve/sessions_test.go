package httpserve

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mcpclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/internal/testctx"
)

const initializeBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`

// sessionFront is a stateful streamable HTTP front on a server that counts
// the sessions mcp-go unregisters, with a clock the test moves.
type sessionFront struct {
	front   *Server
	base    string // the front's URL
	ended   atomic.Int64
	mu      sync.Mutex
	nowTime time.Time
}

func newSessionFront(t *testing.T, opts Options) *sessionFront {
	t.Helper()
	f := &sessionFront{nowTime: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	hooks := &server.Hooks{}
	hooks.AddOnUnregisterSession(func(context.Context, server.ClientSession) { f.ended.Add(1) })
	s := server.NewMCPServer("echo", "1.0.0", server.WithHooks(hooks))
	s.AddTool(mcp.NewTool("whoami"), func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return mcp.NewToolResultText("me"), nil
	})
	front, err := New(s, opts)
	require.NoError(t, err)
	require.NotNil(t, front.sessions)
	front.sessions.now = f.now
	f.front = front
	ts := httptest.NewServer(front.Handler())
	t.Cleanup(ts.Close)
	f.base = ts.URL
	return f
}

func (f *sessionFront) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.nowTime
}

func (f *sessionFront) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nowTime = f.nowTime.Add(d)
}

func (f *sessionFront) post(t *testing.T, session, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.base+MCPPath, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if session != "" {
		req.Header.Set(server.HeaderKeySessionID, session)
		req.Header.Set("MCP-Protocol-Version", "2025-06-18")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func (f *sessionFront) initialize(t *testing.T) string {
	t.Helper()
	resp := f.post(t, "", initializeBody)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	id := resp.Header.Get(server.HeaderKeySessionID)
	require.NotEmpty(t, id)
	return id
}

const listTools = `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`

// Session ids this server never issued are refused, on every method: mcp-go
// alone accepts any well-formed id on POST and opens a stream for any id on GET.
func TestSessionIDsNeverIssuedAreRefused(t *testing.T) {
	t.Parallel()
	f := newSessionFront(t, Options{})
	id := f.initialize(t)
	assert.Equal(t, http.StatusOK, f.post(t, id, listTools).StatusCode)

	forged := "mcp-session-" + "0b7e8f5c-6f0e-4f7d-9f5e-8e2a3c1d4b6a"
	assert.Equal(t, http.StatusNotFound, f.post(t, forged, listTools).StatusCode)
	req, _ := http.NewRequest(http.MethodGet, f.base+MCPPath, nil)
	req.Header.Set(server.HeaderKeySessionID, forged)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Contains(t, string(body), "initialize")

	// An ended session is gone for good.
	req, _ = http.NewRequest(http.MethodDelete, f.base+MCPPath, nil)
	req.Header.Set(server.HeaderKeySessionID, id)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, http.StatusNotFound, f.post(t, id, listTools).StatusCode)
	assert.Zero(t, f.front.sessions.Len())
}

// A session its client abandoned (no DELETE) ends once idle, and mcp-go's
// state for it is freed; a session in use, or with a stream open, does not.
func TestIdleSessionsEnd(t *testing.T) {
	t.Parallel()
	f := newSessionFront(t, Options{SessionIdleTimeout: time.Minute})
	var abandoned []string
	for range 20 {
		abandoned = append(abandoned, f.initialize(t))
	}
	used := f.initialize(t)

	// A listening client: its GET stream stays open across the idle timeout.
	listening := f.initialize(t)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.base+MCPPath, nil)
	req.Header.Set(server.HeaderKeySessionID, listening)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)

	f.advance(59 * time.Second)
	assert.Equal(t, http.StatusOK, f.post(t, used, listTools).StatusCode)
	assert.Zero(t, f.front.sessions.sweep(), "nothing is idle for a minute yet")
	f.advance(2 * time.Second)
	assert.Equal(t, 20, f.front.sessions.sweep(), "the abandoned sessions end")
	assert.Equal(t, int64(20), f.ended.Load(), "mcp-go unregistered them")
	for _, id := range abandoned {
		assert.Equal(t, http.StatusNotFound, f.post(t, id, listTools).StatusCode)
	}
	assert.Equal(t, http.StatusOK, f.post(t, used, listTools).StatusCode)
	f.advance(time.Hour)
	assert.Equal(t, 1, f.front.sessions.sweep(), "the used one idles out in its turn, the listening one does not")
	assert.Equal(t, http.StatusNotFound, f.post(t, used, listTools).StatusCode)
	assert.Equal(t, http.StatusOK, f.post(t, listening, listTools).StatusCode)

	cancel()
	resp.Body.Close()
}

// At most MaxSessions are open; one more is refused with 503 and
// Retry-After, until a session ends or idles out.
func TestSessionsAreBounded(t *testing.T) {
	t.Parallel()
	f := newSessionFront(t, Options{MaxSessions: 2, SessionIdleTimeout: time.Minute})
	first := f.initialize(t)
	f.initialize(t)
	resp := f.post(t, "", initializeBody)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.NotEmpty(t, resp.Header.Get("Retry-After"))
	assert.Equal(t, http.StatusOK, f.post(t, first, listTools).StatusCode, "open sessions keep working")
	// Requests that start no session are not refused.
	assert.NotEqual(t, http.StatusServiceUnavailable, f.post(t, "", listTools).StatusCode)

	f.advance(2 * time.Minute)
	f.initialize(t) // idle ones made room
	assert.Equal(t, 1, f.front.sessions.Len())
}

// The sweeper runs while Serve does, and stops with it (goleak checks the
// latter). Its ticks and clock are the test's: a real idle timeout would end
// the session between two requests of a slow client.
func TestSessionSweeperRunsWithServe(t *testing.T) {
	t.Parallel()
	front, err := New(echoServer(), Options{SessionIdleTimeout: time.Minute})
	require.NoError(t, err)
	f := &sessionFront{front: front, nowTime: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	front.sessions.now = f.now
	ticks := make(chan time.Time)
	front.sessions.ticks = func(time.Duration) (<-chan time.Time, func()) { return ticks, func() {} }
	var stop func() error
	f.base, stop = serveFront(t, front)

	id := f.initialize(t)
	assert.Equal(t, http.StatusOK, f.post(t, id, listTools).StatusCode)
	f.advance(2 * time.Minute) // idle past the timeout
	hang := testctx.Context(t)
	for range 2 { // the second tick is taken once the first sweep is over
		select {
		case ticks <- time.Time{}:
		case <-hang.Done():
			t.Fatal("the sweeper does not run while Serve does")
		}
	}
	assert.Zero(t, front.sessions.Len(), "the sweeper ended the idle session")
	assert.Equal(t, http.StatusNotFound, f.post(t, id, listTools).StatusCode)
	require.NoError(t, stop())
}

// "Authorization: bearer <token>" is accepted: the scheme is case-insensitive.
func TestBearerSchemeIsCaseInsensitive(t *testing.T) {
	t.Parallel()
	base := start(t, Options{Security: Security{BearerToken: "s3cret-bearer"}})
	for _, h := range []string{"bearer s3cret-bearer", "BEARER s3cret-bearer", "Bearer  s3cret-bearer "} {
		c, err := mcpclient.NewStreamableHttpClient(base+MCPPath, transport.WithHTTPHeaders(map[string]string{"Authorization": h}))
		require.NoError(t, err)
		assert.Equal(t, "token=", callWhoami(t, c), h)
		require.NoError(t, c.Close())
	}
	for _, h := range []string{"Basic s3cret-bearer", "s3cret-bearer", "Bearer s3cret-bearerX", "Bearer"} {
		req, _ := http.NewRequest(http.MethodPost, base+MCPPath, strings.NewReader(initializeBody))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", h)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, h)
	}
}

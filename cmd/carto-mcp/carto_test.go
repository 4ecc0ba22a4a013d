package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	mcpclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/cartofake"
	"github.com/carto-mcp/carto-mcp/httpserve"
	"github.com/carto-mcp/carto-mcp/tools/toolstest"

	"github.com/carto-mcp/carto-mcp/internal/testctx"

	"github.com/carto-mcp/carto-mcp/internal/syncbuf"
)

// The same server against a fake CARTO, over each transport: the real client
// path with credentials from the environment.

const cartoSQL = "SELECT name, population FROM carto_dw.demo.cities"

func fakeCARTO(t *testing.T, opts ...cartofake.Option) (*cartofake.Server, func(string) string) {
	t.Helper()
	fake := cartofake.New(t, opts...)
	fake.SetQueryResult(cartoSQL, []cartofake.Column{{Name: "name", Type: "string"}, {Name: "population", Type: "bigint"}},
		[][]any{{"Tokyo", json.Number("37400068")}, {"Delhi", json.Number("9007199254740993")}})
	vars := map[string]string{
		"CARTO_API_BASE_URL":     fake.URL,
		"CARTO_API_ACCESS_TOKEN": cartofake.DefaultToken,
		"CARTO_CONNECTION":       "carto_dw",
	}
	return fake, func(k string) string { return vars[k] }
}

// exerciseCARTO checks the tools, a query with an exact big integer, a job, and
// a CARTO error as a tool error.
func exerciseCARTO(t *testing.T, ctx context.Context, c *mcpclient.Client) {
	t.Helper()
	initialize(t, ctx, c)
	call := func(name string, args map[string]any) *mcp.CallToolResult { return callTool(t, ctx, c, name, args) }
	res := call("run_query", map[string]any{"sql": cartoSQL})
	require.False(t, res.IsError, "%v", res.Content)
	assert.Contains(t, string(res.RawStructuredContent), "9007199254740993")

	res = call("submit_job", map[string]any{"sql": "CREATE TABLE t AS SELECT 1"})
	require.False(t, res.IsError, "%v", res.Content)
	var job struct {
		JobID string `json:"job_id"`
	}
	require.NoError(t, json.Unmarshal(res.RawStructuredContent, &job))
	res = call("get_job", map[string]any{"job_id": job.JobID})
	require.False(t, res.IsError, "%v", res.Content)

	res = call("run_query", map[string]any{"sql": "SELECT * FROM nowhere"})
	require.True(t, res.IsError)
	text := res.Content[0].(mcp.TextContent).Text
	assert.Contains(t, text, "HTTP 400")
	assert.NotContains(t, text, cartofake.DefaultToken)
}

func TestStdioOnFakeCARTO(t *testing.T) {
	t.Parallel()
	_, getenv := fakeCARTO(t)
	ctx, cancel := context.WithCancel(testctx.Context(t))
	defer cancel()
	var stderr syncbuf.Buffer
	c, end := startStdio(t, ctx, []string{"--log-level", "debug"}, getenv, io.Discard, &stderr)
	exerciseCARTO(t, ctx, c)
	require.NoError(t, end())
	assert.Contains(t, stderr.String(), "carto request", "debug logs record the CARTO calls")
	assert.NotContains(t, stderr.String(), cartofake.DefaultToken, "and never the token")
}

func TestHTTPTransportsOnFakeCARTO(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		transport, path string
		args            []string
	}{
		{"http", "/mcp", nil},
		{"http", "/mcp", []string{"--stateless"}},
		{"sse", "/sse", nil},
	} {
		_, getenv := fakeCARTO(t)
		base, stop, done := serveHTTPWith(t, getenv, append([]string{"--transport", tc.transport}, tc.args...)...)
		ctx, cancel := context.WithCancel(testctx.Context(t))
		var c *mcpclient.Client
		if tc.transport == "sse" {
			c = toolstest.NewSSEClient(t, base+tc.path)
		} else {
			c = toolstest.NewStreamableHTTPClient(t, base+tc.path)
		}
		require.NoError(t, c.Start(ctx))
		exerciseCARTO(t, ctx, c)
		require.NoError(t, c.Close())
		cancel()
		stop()
		require.NoError(t, <-done)
	}
}

// runQueryWithToken runs cartoSQL in a new streamable HTTP session with the
// server at base, every request carrying token as its caller's CARTO token.
func runQueryWithToken(t *testing.T, base, token string) *mcp.CallToolResult {
	t.Helper()
	ctx, cancel := context.WithCancel(testctx.Context(t))
	defer cancel()
	c := toolstest.NewStreamableHTTPClient(t, base+"/mcp",
		transport.WithHTTPHeaders(map[string]string{httpserve.CARTOTokenHeader: token}))
	defer c.Close()
	require.NoError(t, c.Start(ctx))
	initialize(t, ctx, c)
	return callTool(t, ctx, c, "run_query", map[string]any{"sql": cartoSQL})
}

// With --per-request-token, each request's own CARTO token is used for that
// request, and a request without one is refused before it reaches CARTO.
func TestPerRequestTokenEndToEnd(t *testing.T) {
	t.Parallel()
	const userToken = "user-token-0123456789"
	fake, getenv := fakeCARTO(t, cartofake.WithToken(userToken))
	noCredentials := func(k string) string {
		if k == "CARTO_API_ACCESS_TOKEN" {
			return "" // a shared server holds no credentials of its own
		}
		return getenv(k)
	}
	base, stop, done := serveHTTPWith(t, noCredentials, "--transport", "http", "--per-request-token")
	defer func() { stop(); require.NoError(t, <-done) }()

	resp, err := http.Post(base+"/mcp", "application/json", strings.NewReader(`{}`))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	res := runQueryWithToken(t, base, userToken)
	require.False(t, res.IsError, "%v", res.Content)
	reqs := fake.RequestsTo("POST", "/query")
	require.NotEmpty(t, reqs)
	assert.Equal(t, "Bearer "+userToken, reqs[len(reqs)-1].Header.Get("Authorization"))
}

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	mcpclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/tools"
	"github.com/carto-mcp/carto-mcp/tools/toolstest"

	"github.com/carto-mcp/carto-mcp/internal/testctx"

	"github.com/carto-mcp/carto-mcp/internal/syncbuf"
)

func TestVersion(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	require.NoError(t, run(context.Background(), []string{"--version"}, env{getenv: func(string) string { return "" }, stdout: &out, stderr: io.Discard}))
	assert.Equal(t, "carto-mcp dev\n", out.String())
}

func TestMissingCredentialsNameTheVariablesAndSuggestLocal(t *testing.T) {
	t.Parallel()
	err := run(context.Background(), nil, env{getenv: func(string) string { return "" }, stdout: io.Discard, stderr: io.Discard})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "CARTO_API_ACCESS_TOKEN")
	assert.Contains(t, err.Error(), "CARTO_CLIENT_ID")
	assert.Contains(t, err.Error(), "--local")
}

func TestRemoteListenNeedsAuthentication(t *testing.T) {
	t.Parallel()
	err := run(context.Background(), []string{"--local", "--transport", "http", "--addr", "0.0.0.0:0"},
		env{getenv: func(string) string { return "" }, stdout: io.Discard, stderr: io.Discard})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "--http-token")
}

func initialize(t *testing.T, ctx context.Context, c *mcpclient.Client) {
	t.Helper()
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "cmd-test", Version: "1"}
	_, err := c.Initialize(ctx, init)
	require.NoError(t, err)
}

// callTool calls the tool name with args through c and returns its result;
// a protocol error fails the test, a tool error is the caller's to check.
func callTool(t *testing.T, ctx context.Context, c *mcpclient.Client, name string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	res, err := c.CallTool(ctx, req)
	require.NoError(t, err, name)
	return res
}

// exercise lists the tools and runs a query on the demo data through c.
func exercise(t *testing.T, ctx context.Context, c *mcpclient.Client) {
	t.Helper()
	initialize(t, ctx, c)
	list, err := c.ListTools(ctx, mcp.ListToolsRequest{})
	require.NoError(t, err)
	var names []string
	for _, tool := range list.Tools {
		names = append(names, tool.Name)
	}
	assert.ElementsMatch(t, tools.ToolNames, names)

	res := callTool(t, ctx, c, tools.ToolRunQuery, map[string]any{"sql": "SELECT count(*) AS n FROM demo.cities", "max_rows": 1})
	require.False(t, res.IsError, "%v", res.Content)
	b, err := json.Marshal(res.StructuredContent)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"rows":[[`)
}

// startStdio runs the server with args over in-memory pipes, as an MCP client
// would start it, and returns a started client of it. end closes the client and
// the server's input, which ends the session, and returns what run returned.
func startStdio(t *testing.T, ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (c *mcpclient.Client, end func() error) {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, args, env{getenv: getenv, stdin: inR, stdout: io.MultiWriter(outW, stdout), stderr: stderr})
		outW.Close()
	}()
	c = toolstest.NewIOClient(t, outR, inW, io.NopCloser(strings.NewReader("")))
	require.NoError(t, c.Start(ctx))
	return c, func() error {
		require.NoError(t, c.Close())
		inW.Close() // end of input ends the stdio session
		return <-done
	}
}

func TestStdioOnLocalWarehouse(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(testctx.Context(t))
	defer cancel()
	var stdout, stderr syncbuf.Buffer
	c, end := startStdio(t, ctx, []string{"--local", "--log-level", "debug"}, func(string) string { return "" }, &stdout, &stderr)
	exercise(t, ctx, c)
	require.NoError(t, end())

	// stdout belongs to the protocol: every line is a JSON-RPC message.
	sc := bufio.NewScanner(strings.NewReader(stdout.String()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	lines := 0
	for sc.Scan() {
		var msg map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &msg), "non-JSON on stdout: %q", sc.Text())
		assert.Equal(t, "2.0", msg["jsonrpc"])
		lines++
	}
	assert.Positive(t, lines)
	assert.Contains(t, stderr.String(), "carto-mcp starting", "logs go to stderr")
}

func serveHTTP(t *testing.T, args ...string) (string, context.CancelFunc, chan error) {
	t.Helper()
	return serveHTTPWith(t, func(string) string { return "" }, append([]string{"--local"}, args...)...)
}

// httpSession serves the local warehouse over streamable HTTP with args
// (see serveHTTP) and returns an initialized client session on it, its
// context and the server's base URL. The session, then the server, end
// with the test.
func httpSession(t *testing.T, args ...string) (context.Context, *mcpclient.Client, string) {
	t.Helper()
	base, stop, done := serveHTTP(t, append([]string{"--transport", "http"}, args...)...)
	t.Cleanup(func() { stop(); require.NoError(t, <-done) })
	ctx, cancel := context.WithCancel(testctx.Context(t))
	t.Cleanup(cancel)
	c := toolstest.NewStreamableHTTPClient(t, base+"/mcp")
	t.Cleanup(func() { _ = c.Close() })
	require.NoError(t, c.Start(ctx))
	initialize(t, ctx, c)
	return ctx, c, base
}

// serveHTTPWith runs the server with getenv and args on a free loopback port.
func serveHTTPWith(t *testing.T, getenv func(string) string, args ...string) (string, context.CancelFunc, chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"--addr", "127.0.0.1:0", "--log-level", "warn"}, args...),
			env{getenv: getenv, stdout: io.Discard, stderr: io.Discard,
				listening: func(a net.Addr) { addrc <- a }})
	}()
	select {
	case a := <-addrc:
		return "http://" + a.String(), cancel, done
	case err := <-done:
		cancel()
		t.Fatalf("server did not start: %v", err)
	case <-time.After(testctx.Remaining(t)): // hang guard
		cancel()
		t.Fatal("server did not start listening")
	}
	return "", nil, nil
}

func TestStreamableHTTPOnLocalWarehouse(t *testing.T) {
	t.Parallel()
	for _, stateless := range []string{"--stateless=false", "--stateless=true"} {
		base, stop, done := serveHTTP(t, "--transport", "http", stateless)
		ctx, cancel := context.WithCancel(testctx.Context(t))
		c := toolstest.NewStreamableHTTPClient(t, base+"/mcp")
		require.NoError(t, c.Start(ctx))
		exercise(t, ctx, c)
		require.NoError(t, c.Close())
		cancel()
		stop() // graceful shutdown
		require.NoError(t, <-done)
	}
}

func TestSSEOnLocalWarehouse(t *testing.T) {
	t.Parallel()
	base, stop, done := serveHTTP(t, "--transport", "sse")
	ctx, cancel := context.WithCancel(testctx.Context(t))
	defer cancel()
	c := toolstest.NewSSEClient(t, base+"/sse")
	require.NoError(t, c.Start(ctx))
	exercise(t, ctx, c)
	require.NoError(t, c.Close())
	stop()
	require.NoError(t, <-done)
}

func TestReadOnlyOnLocalWarehouse(t *testing.T) {
	t.Parallel()
	ctx, c, _ := httpSession(t, "--read-only")

	list, err := c.ListTools(ctx, mcp.ListToolsRequest{})
	require.NoError(t, err)
	var names []string
	for _, tool := range list.Tools {
		names = append(names, tool.Name)
		if tool.Name == "run_query" {
			require.NotNil(t, tool.Annotations.ReadOnlyHint)
			assert.True(t, *tool.Annotations.ReadOnlyHint)
		}
	}
	reads := slices.DeleteFunc(slices.Clone(tools.ToolNames), func(name string) bool {
		return name == tools.ToolSubmitJob || name == tools.ToolCancelJob
	})
	assert.ElementsMatch(t, reads, names, "every tool but the two that write")

	query := func(sql string) *mcp.CallToolResult {
		return callTool(t, ctx, c, tools.ToolRunQuery, map[string]any{"sql": sql})
	}
	res := query("SELECT count(*) FROM carto_local.demo.cities")
	assert.False(t, res.IsError, "%v", res.Content)
	for _, sql := range []string{
		"DELETE FROM carto_local.demo.cities",
		"SELECT 'a;b' AS s; DROP TABLE carto_local.demo.cities",
		"/* hi */ CREATE TABLE carto_local.demo.x AS SELECT 1",
		"WITH d AS (DELETE FROM carto_local.demo.cities RETURNING *) SELECT * FROM d",
	} {
		res := query(sql)
		require.True(t, res.IsError, sql)
		text := res.Content[0].(mcp.TextContent).Text
		assert.Contains(t, text, "read-only", sql)
	}
	// Nothing was written.
	res = query("SELECT count(*) AS n FROM carto_local.demo.cities")
	assert.False(t, res.IsError)
}

func TestBadSQLDialect(t *testing.T) {
	t.Parallel()
	err := run(context.Background(), []string{"--local", "--read-only", "--sql-dialect", "cobol"},
		env{getenv: func(string) string { return "" }, stdout: io.Discard, stderr: io.Discard})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "--sql-dialect")
}

// A local warehouse that cannot start (here: a file in a directory that does not
// exist) does not stop the server from answering: every tool call says why it
// fails, and /readyz reports it.
func TestLocalWarehouseThatCannotStart(t *testing.T) {
	t.Parallel()
	bad := filepath.Join(t.TempDir(), "missing-dir", "demo.duckdb")
	ctx, c, base := httpSession(t, "--local="+bad)

	res := callTool(t, ctx, c, tools.ToolRunQuery, map[string]any{"sql": "SELECT 1"})
	require.True(t, res.IsError)
	text := res.Content[0].(mcp.TextContent).Text
	assert.Contains(t, text, "the embedded local warehouse could not start")
	assert.Contains(t, text, "retrying will not help", "the failure lasts, and the result must say so")
	assert.NotContains(t, text, "Retry in a little while")

	resp, err := http.Get(base + "/readyz")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Contains(t, string(body), "unavailable")
}

// SIGTERM or Ctrl-C (main turns both into ctx's end) is how a stdio server is
// asked to stop: it exits cleanly, idle or not, and says so on stderr.
func TestStdioStopsCleanlyOnSignal(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	defer inW.Close()
	var stderr syncbuf.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--local"}, env{getenv: envOf(nil), stdin: inR, stdout: outW, stderr: &stderr})
		outW.Close()
	}()
	c := toolstest.NewIOClient(t, outR, inW, io.NopCloser(strings.NewReader("")))
	callCtx, callCancel := context.WithCancel(testctx.Context(t))
	defer callCancel()
	require.NoError(t, c.Start(callCtx))
	initialize(t, callCtx, c)

	cancel() // the signal
	select {
	case err := <-done:
		require.NoError(t, err, "a requested stop is not a failure")
	case <-callCtx.Done(): // hang guard
		t.Fatal("the server did not stop")
	}
	_ = c.Close()
	assert.Contains(t, stderr.String(), "carto-mcp stopped")
}

// SIGTERM while a get_job wait is in flight over HTTP: the waiting client gets
// a tool result at once (not a broken connection), which tells the truth about
// the job (on --local it is cancelled with the warehouse), and the server
// exits cleanly.
func TestShutdownEndsJobWaitsWithTheTruth(t *testing.T) {
	t.Parallel()
	base, stop, done := serveHTTP(t, "--transport", "http")
	ctx, cancel := context.WithCancel(testctx.Context(t)) // hang guard
	defer cancel()
	c, err := mcpclient.NewStreamableHttpClient(base + "/mcp")
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.Start(ctx))
	initialize(t, ctx, c)
	waiting := make(chan struct{}, 1)
	c.OnNotification(func(n mcp.JSONRPCNotification) {
		if n.Method == string(mcp.MethodNotificationProgress) {
			select {
			case waiting <- struct{}{}:
			default:
			}
		}
	})

	res := callTool(t, ctx, c, tools.ToolSubmitJob, map[string]any{"sql": "SELECT pg_sleep(3600)"})
	require.False(t, res.IsError, "%v", res.Content)
	var job struct {
		JobID string `json:"job_id"`
	}
	b, _ := json.Marshal(res.StructuredContent)
	require.NoError(t, json.Unmarshal(b, &job))

	type result struct {
		res *mcp.CallToolResult
		err error
	}
	got := make(chan result, 1)
	go func() {
		req := mcp.CallToolRequest{}
		req.Params.Name = "get_job"
		req.Params.Arguments = map[string]any{"job_id": job.JobID, "wait_seconds": 40}
		req.Params.Meta = &mcp.Meta{ProgressToken: "w"}
		res, err := c.CallTool(ctx, req)
		got <- result{res, err}
	}()
	select {
	case <-waiting:
	case <-ctx.Done():
		t.Fatal("the wait did not start")
	}
	stop() // SIGTERM
	r := <-got
	require.NoError(t, r.err, "a tool result, not a transport failure")
	require.False(t, r.res.IsError, "%v", r.res.Content)
	var out struct {
		Done     bool   `json:"done"`
		Notice   string `json:"notice"`
		NextStep string `json:"next_step"`
	}
	b, _ = json.Marshal(r.res.StructuredContent)
	require.NoError(t, json.Unmarshal(b, &out))
	assert.False(t, out.Done)
	assert.Contains(t, out.Notice, "shutting down")
	assert.Contains(t, out.NextStep, "the job is being cancelled")
	assert.NotContains(t, out.NextStep, "keeps running in CARTO")
	require.NoError(t, <-done, "a requested stop exits cleanly")
}

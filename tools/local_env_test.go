package tools_test

import (
	"cmp"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	mcpclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/client"
	"github.com/carto-mcp/carto-mcp/inproc"
	"github.com/carto-mcp/carto-mcp/localwarehouse"
	"github.com/carto-mcp/carto-mcp/tools"
	"github.com/carto-mcp/carto-mcp/tools/toolstest"

	"github.com/carto-mcp/carto-mcp/internal/syncbuf"
)

// slowSQL runs for an hour in DuckDB without using the CPU (so that it does
// not slow down the tests running beside it), yet stops within milliseconds
// when interrupted: tests cancel it rather than wait for it.
const slowSQL = "SELECT pg_sleep(3600)"

// The transports a local session can use.
const (
	inProcess      = "in-process"
	stdioPipes     = "stdio"
	streamableHTTP = "streamable-http"
	sseHTTP        = "sse"
)

// newLocalEnv is an MCP client session, over transport, with a carto-mcp
// server built by tools.NewServerWithDeps whose CARTO is the embedded
// warehouse behind the real client: the same assembly as `carto-mcp --local`.
// protocol is the MCP version the client asks for ("" for the latest).
func newLocalEnv(t *testing.T, transportName, protocol string) *env {
	t.Helper()
	// No demo data: building it costs CPU that the tests beside this one need.
	return newLocalEnvWith(t, transportName, protocol, localwarehouse.Options{NoDemoData: true}, tools.Options{})
}

// localClient is the real CARTO client on an embedded warehouse over the
// in-process transport, as `carto-mcp --local` builds it; the warehouse
// closes when the test ends.
func localClient(t testing.TB, opts localwarehouse.Options) *client.Client {
	t.Helper()
	wh, err := localwarehouse.New(t.Context(), opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = wh.Close() })
	c, err := client.New(client.Config{
		BaseURL:    "http://local-warehouse.invalid",
		Connection: localwarehouse.DefaultConnection,
		Token:      client.StaticToken("local"),
		HTTPClient: &http.Client{Transport: inproc.New(wh.Handler())},
	})
	require.NoError(t, err)
	return c
}

// newLocalEnvWith is newLocalEnv with the warehouse's and the tools' options.
func newLocalEnvWith(t *testing.T, transportName, protocol string, whOpts localwarehouse.Options, opts tools.Options) *env {
	t.Helper()
	logs := &syncbuf.Buffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opts.Client, opts.Logger, opts.Local = localClient(t, whOpts), logger, true
	srv, deps, err := tools.NewServerWithDeps(opts)
	require.NoError(t, err)
	t.Cleanup(deps.Close)

	mc := connect(t, srv, transportName)
	ctx := testContext(t)
	var init mcp.InitializeRequest
	init.Params.ProtocolVersion = cmp.Or(protocol, mcp.LATEST_PROTOCOL_VERSION)
	init.Params.ClientInfo = mcp.Implementation{Name: "tools-local-test", Version: "1"}
	_, err = mc.Initialize(ctx, init)
	require.NoError(t, err)
	return &env{t: t, mcp: mc, logs: logs, deps: deps}
}

var stdioMu sync.Mutex

// connect starts a client for srv over the named transport; everything it
// starts stops at cleanup.
func connect(t *testing.T, srv *server.MCPServer, name string) *mcpclient.Client {
	t.Helper()
	var mc *mcpclient.Client
	switch name {
	case inProcess:
		mc = toolstest.NewInProcessClient(t, srv)
	case stdioPipes:
		// mcp-go's stdio server has one session for the whole process, so two
		// running at once would see each other's notifications.
		stdioMu.Lock()
		t.Cleanup(stdioMu.Unlock) // after the server below has stopped
		clientRead, serverWrite := io.Pipe()
		serverRead, clientWrite := io.Pipe()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = server.NewStdioServer(srv).Listen(ctx, serverRead, serverWrite)
		}()
		t.Cleanup(func() {
			_ = clientWrite.Close()
			_ = serverWrite.Close()
			cancel()
			<-done
		})
		mc = toolstest.NewIOClient(t, clientRead, clientWrite, io.NopCloser(strings.NewReader("")))
	case streamableHTTP:
		hs := server.NewStreamableHTTPServer(srv)
		ts := httptest.NewServer(hs)
		t.Cleanup(func() {
			_ = hs.Shutdown(context.Background())
			ts.Close()
		})
		mc = toolstest.NewStreamableHTTPClient(t, ts.URL+"/mcp")
	case sseHTTP:
		var sse *server.SSEServer
		ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { sse.ServeHTTP(w, r) }))
		sse = server.NewSSEServer(srv, server.WithBaseURL("http://"+ts.Listener.Addr().String()))
		ts.Start()
		t.Cleanup(func() {
			_ = sse.Shutdown(context.Background())
			ts.Close()
		})
		mc = toolstest.NewSSEClient(t, ts.URL+"/sse")
	default:
		t.Fatalf("unknown transport %q", name)
	}
	t.Cleanup(func() { _ = mc.Close() })
	require.NoError(t, mc.Start(testContext(t)))
	return mc
}

// callWith calls a tool with a context and _meta of the caller's choosing.
func (e *env) callWith(ctx context.Context, name string, args map[string]any, meta *mcp.Meta) (*mcp.CallToolResult, error) {
	var req mcp.CallToolRequest
	req.Params.Name = name
	req.Params.Arguments = args
	req.Params.Meta = meta
	return e.mcp.CallTool(ctx, req)
}

// runningJob lists the running jobs and returns the only one.
func (e *env) runningJob() tools.Job {
	e.t.Helper()
	var listed tools.ListJobsOutput
	e.ok(e.call(tools.ToolListJobs, nil), &listed)
	require.Equal(e.t, 1, listed.Count, "one running job: %+v", listed.Jobs)
	return listed.Jobs[0]
}

// cancelAndCheck cancels a job with cancel_job and checks it ends cancelled.
//
// cancel_job waits a bounded time (the warehouse's and its own) for the job
// to stop. DuckDB normally stops within milliseconds, but how long it takes
// depends on the machine: when cancel_job's wait runs out first, its answer
// says so, and get_job waits for the end, as a client would.
func (e *env) cancelAndCheck(jobID string) tools.CancelJobOutput {
	e.t.Helper()
	var out tools.CancelJobOutput
	e.ok(e.call(tools.ToolCancelJob, map[string]any{"job_id": jobID}), &out)
	require.True(e.t, out.CancelRequested, "%+v", out)
	if !out.Done {
		require.Contains(e.t, out.NextStep, "Call get_job with wait_seconds", "a cancel not yet in effect says how to follow it")
		out.Job = e.jobEnd(jobID)
	}
	require.Equal(e.t, "failure", out.Status)
	require.Equal(e.t, "cancelled", out.Error.Code)
	return out
}

// jobEnd follows a job with get_job (wait_seconds=50, again while it runs)
// until it ends, and returns its final state. A wait that runs out is what a
// slow machine does, not a failure; the test's deadline bounds the whole.
func (e *env) jobEnd(jobID string) tools.Job {
	e.t.Helper()
	for {
		var got tools.GetJobOutput
		e.ok(e.call(tools.ToolGetJob, map[string]any{"job_id": jobID, "wait_seconds": 50}), &got)
		if got.Done {
			return got.Job
		}
	}
}

// runJob submits sql with submit_job, waiting (wait_seconds=50), and follows
// the job to its end if the wait runs out first (see jobEnd).
func (e *env) runJob(sql string) tools.Job {
	e.t.Helper()
	var out tools.SubmitJobOutput
	e.ok(e.call(tools.ToolSubmitJob, map[string]any{"sql": sql, "wait_seconds": 50}), &out)
	if out.Done {
		return out.Job
	}
	return e.jobEnd(out.JobID)
}

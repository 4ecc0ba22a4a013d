package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	mcpclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/carto-mcp/carto-mcp/cartofake"

	"github.com/carto-mcp/carto-mcp/internal/testctx"

	"github.com/carto-mcp/carto-mcp/internal/syncbuf"
)

// Many replicas behind a load balancer: two carto-mcp processes (this test
// binary re-executed as the real command) with --stateless and one task
// secret, on one fake CARTO, behind a round-robin reverse proxy. A client's
// consecutive requests land on alternate replicas, and everything works:
// tools, jobs, and MCP tasks started on one replica and followed, answered and
// cancelled on the other.

// replicaChildEnv makes the test binary run carto-mcp's main instead of tests.
const replicaChildEnv = "CARTO_MCP_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(replicaChildEnv) == "1" {
		main()
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}

var listenAddr = regexp.MustCompile(`msg="serving MCP over HTTP".* addr=(\S+)`)

// startReplica runs carto-mcp in a process of its own with env and returns
// its base URL. The process is stopped (SIGTERM, then waited for) when the
// test ends.
func startReplica(t *testing.T, env map[string]string, args ...string) *url.URL {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(exe, append([]string{"--transport", "http", "--stateless", "--addr", "127.0.0.1:0", "--log-level", "info"}, args...)...)
	cmd.Env = []string{replicaChildEnv + "=1", "PATH=" + os.Getenv("PATH")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	logs := &syncbuf.Buffer{}
	addrc := make(chan string, 1)
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			logs.Write([]byte(line + "\n"))
			if m := listenAddr.FindStringSubmatch(line); m != nil {
				addrc <- m[1]
			}
		}
		close(addrc)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		<-copied
		err := cmd.Wait()
		assert.NoError(t, err, "replica exit; its log:\n%s", logs.String())
		assert.NotContains(t, logs.String(), cartofake.DefaultToken, "a token in the logs")
	})
	select {
	case addr, ok := <-addrc:
		require.True(t, ok, "the replica stopped before listening; its log:\n%s", logs.String())
		return &url.URL{Scheme: "http", Host: addr}
	case <-time.After(testctx.Remaining(t)): // hang guard
		t.Fatalf("the replica did not start listening; its log:\n%s", logs.String())
		return nil
	}
}

// roundRobin is a reverse proxy that sends each request to the next replica
// in turn, and records which replica served which JSON-RPC method.
type roundRobin struct {
	replicas []*url.URL
	next     atomic.Int64
	mu       sync.Mutex
	served   map[string]map[int]bool // method -> replicas that served it
	srv      *httptest.Server
}

type replicaKey struct{}

func newRoundRobin(t *testing.T, replicas ...*url.URL) *roundRobin {
	rr := &roundRobin{replicas: replicas, served: map[string]map[int]bool{}}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(rr.replicas[pr.In.Context().Value(replicaKey{}).(int)])
		},
		FlushInterval: -1, // streamed (SSE) answers pass at once
	}
	rr.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(rr.next.Add(1)-1) % len(rr.replicas)
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var msg struct {
			Method string `json:"method"`
		}
		if json.Unmarshal(body, &msg) == nil && msg.Method != "" {
			rr.mu.Lock()
			if rr.served[msg.Method] == nil {
				rr.served[msg.Method] = map[int]bool{}
			}
			rr.served[msg.Method][i] = true
			rr.mu.Unlock()
		}
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		proxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), replicaKey{}, i)))
	}))
	t.Cleanup(rr.srv.Close)
	return rr
}

// on makes the client's next request go to replica i: the client sends one
// request at a time, so pings move the turn along.
func (rr *roundRobin) on(t *testing.T, ctx context.Context, c *mcpclient.Client, i int) {
	t.Helper()
	for int(rr.next.Load())%len(rr.replicas) != i {
		require.NoError(t, c.Ping(ctx))
	}
}

func (rr *roundRobin) servedBy(method string) map[int]bool {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	return rr.served[method]
}

func TestTasksAcrossReplicas(t *testing.T) {
	t.Parallel()
	fake, _ := fakeCARTO(t)
	fake.SetJobScript(cartofake.Statuses("running")...) // jobs run until the test ends them
	env := map[string]string{
		"CARTO_API_BASE_URL":     fake.URL,
		"CARTO_API_ACCESS_TOKEN": cartofake.DefaultToken,
		"CARTO_CONNECTION":       "carto_dw",
		"CARTO_MCP_TASK_SECRET":  "replica-test-secret-8f2c41d0b7e9",
	}
	rr := newRoundRobin(t, startReplica(t, env), startReplica(t, env))

	ctx, cancel := context.WithCancel(testctx.Context(t)) // hang guard
	defer cancel()
	c, err := mcpclient.NewStreamableHttpClient(rr.srv.URL + "/mcp")
	require.NoError(t, err)
	require.NoError(t, c.Start(ctx))
	defer c.Close()
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_LEGACY_PROTOCOL_VERSION // tasks as of 2025-11-25
	init.Params.ClientInfo = mcp.Implementation{Name: "replicas-test", Version: "1"}
	_, err = c.Initialize(ctx, init)
	require.NoError(t, err)

	call := func(name string, args map[string]any, out any) {
		t.Helper()
		req := mcp.CallToolRequest{}
		req.Params.Name, req.Params.Arguments = name, args
		res, err := c.CallTool(ctx, req)
		require.NoError(t, err)
		require.False(t, res.IsError, "%s: %v", name, res.Content)
		require.NoError(t, json.Unmarshal(res.RawStructuredContent, out))
	}
	var seq atomic.Int64
	startTask := func(sql string) mcp.Task {
		t.Helper()
		resp, err := c.GetTransport().SendRequest(ctx, transport.JSONRPCRequest{
			JSONRPC: mcp.JSONRPC_VERSION, ID: mcp.NewRequestId(1<<40 + seq.Add(1)), Method: string(mcp.MethodToolsCall),
			Params: map[string]any{"name": "submit_job", "arguments": map[string]any{"sql": sql}, "task": map[string]any{}},
		})
		require.NoError(t, err)
		require.Nil(t, resp.Error, "tools/call as a task: %+v", resp.Error)
		var created mcp.CreateTaskResult
		require.NoError(t, json.Unmarshal(resp.Result, &created), "%s", resp.Result)
		return created.Task
	}
	getTask := func(id string) mcp.Task {
		t.Helper()
		res, err := c.GetTask(ctx, mcp.GetTaskRequest{Params: mcp.GetTaskParams{TaskId: id}})
		require.NoError(t, err)
		return res.Task
	}
	type job struct {
		JobID      string `json:"job_id"`
		Connection string `json:"connection"`
		Status     string `json:"status"`
		Done       bool   `json:"done"`
	}

	// Tools on each replica.
	for i := range 2 {
		rr.on(t, ctx, c, i)
		var q struct {
			RowCount int `json:"row_count"`
		}
		call("run_query", map[string]any{"sql": cartoSQL}, &q)
		assert.Equal(t, 2, q.RowCount)
	}

	// A task started on replica 0 is followed on both, and its job read with
	// get_job on replica 1.
	rr.on(t, ctx, c, 0)
	task := startTask("CREATE TABLE t1 AS SELECT 1")
	assert.Equal(t, mcp.TaskStatusWorking, task.Status)
	jobs := fake.Jobs()
	require.Len(t, jobs, 1)
	jobID := jobs[0].ID
	assert.Contains(t, task.StatusMessage, jobID)
	for _, i := range []int{1, 0} {
		rr.on(t, ctx, c, i)
		got := getTask(task.TaskId)
		assert.Equal(t, mcp.TaskStatusWorking, got.Status, "replica %d", i)
		assert.Equal(t, task.TaskId, got.TaskId)
	}
	rr.on(t, ctx, c, 1)
	var j job
	call("get_job", map[string]any{"job_id": jobID}, &j)
	assert.Equal(t, "running", j.Status)

	// Answered on replica 1: tasks/result waits for the job's end.
	rr.on(t, ctx, c, 1)
	type result struct {
		res *mcp.TaskResultResult
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := c.TaskResult(ctx, mcp.TaskResultRequest{Params: mcp.TaskResultParams{TaskId: task.TaskId}})
		done <- result{res, err}
	}()
	// Whether the wait has begun or not, the job's end is what answers it.
	require.True(t, fake.SetJobStatus(jobID, "success", nil))
	r := <-done
	require.NoError(t, r.err)
	b, err := json.Marshal(r.res.StructuredContent)
	require.NoError(t, err)
	var final job
	require.NoError(t, json.Unmarshal(b, &final), "%s", b)
	assert.Equal(t, job{JobID: jobID, Connection: "carto_dw", Status: "success", Done: true}, final)
	rr.on(t, ctx, c, 0)
	assert.Equal(t, mcp.TaskStatusCompleted, getTask(task.TaskId).Status)

	// A task started on replica 1 is cancelled on replica 0, which cancels
	// its job; replica 1 then reports it cancelled.
	rr.on(t, ctx, c, 1)
	task2 := startTask("CREATE TABLE t2 AS SELECT 2")
	rr.on(t, ctx, c, 0)
	cancelled, err := c.CancelTask(ctx, mcp.CancelTaskRequest{Params: mcp.CancelTaskParams{TaskId: task2.TaskId}})
	require.NoError(t, err)
	assert.Equal(t, mcp.TaskStatusCancelled, cancelled.Status)
	var job2 cartofake.Job
	for _, fj := range fake.Jobs() {
		if fj.ID != jobID {
			job2 = fj
		}
	}
	assert.Equal(t, "failure", job2.Status)
	require.NotNil(t, job2.Error)
	assert.Contains(t, job2.Error.Msg, "cancelled")
	rr.on(t, ctx, c, 1)
	assert.Equal(t, mcp.TaskStatusCancelled, getTask(task2.TaskId).Status)
	_, err = c.CancelTask(ctx, mcp.CancelTaskRequest{Params: mcp.CancelTaskParams{TaskId: task2.TaskId}})
	require.Error(t, err, "a cancelled task cannot be cancelled again")
	assert.Contains(t, err.Error(), "terminal status")

	// An id this deployment did not sign is not a task, on any replica.
	forged := task.TaskId[:len(task.TaskId)-2] + "AA"
	if forged == task.TaskId {
		forged = task.TaskId[:len(task.TaskId)-2] + "BB"
	}
	for i := range 2 {
		rr.on(t, ctx, c, i)
		_, err := c.GetTask(ctx, mcp.GetTaskRequest{Params: mcp.GetTaskParams{TaskId: forged}})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "not issued by this deployment")
	}

	// Jobs throughout: list_jobs and cancel_job on either replica.
	rr.on(t, ctx, c, 0)
	var sub job
	call("submit_job", map[string]any{"sql": "CREATE TABLE t3 AS SELECT 3"}, &sub)
	rr.on(t, ctx, c, 1)
	var listed struct {
		Count int   `json:"count"`
		Jobs  []job `json:"jobs"`
	}
	call("list_jobs", map[string]any{}, &listed)
	require.Equal(t, 1, listed.Count, "%+v", listed)
	assert.Equal(t, sub.JobID, listed.Jobs[0].JobID)
	rr.on(t, ctx, c, 0)
	var cj struct {
		CancelRequested bool `json:"cancel_requested"`
	}
	call("cancel_job", map[string]any{"job_id": sub.JobID}, &cj)
	assert.True(t, cj.CancelRequested)

	for _, method := range []string{"tools/call", "tasks/get", "tasks/result", "tasks/cancel"} {
		assert.NotEmpty(t, rr.servedBy(method), method)
	}
	assert.Len(t, rr.servedBy("tasks/get"), 2, "tasks/get reached both replicas")
	assert.Len(t, rr.servedBy("tools/call"), 2, "tools reached both replicas")
}

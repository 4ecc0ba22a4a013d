package tools_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/cartofake"
	"github.com/carto-mcp/carto-mcp/client"
	"github.com/carto-mcp/carto-mcp/tools"
)

// Task-augmented submit_job (MCP tasks, protocol 2025-11-25) on the embedded
// warehouse, through a real client session.

var taskRequestID atomic.Int64

// callAsTask sends a task-augmented tools/call (mcp-go's client has no call
// for one: its CallTool expects a tool result) and returns the created task.
func (e *env) callAsTask(name string, args map[string]any) mcp.Task {
	e.t.Helper()
	return e.callAsTaskCtx(testContext(e.t), name, args)
}

func (e *env) callAsTaskCtx(ctx context.Context, name string, args map[string]any) mcp.Task {
	e.t.Helper()
	resp, err := e.mcp.GetTransport().SendRequest(ctx, transport.JSONRPCRequest{
		JSONRPC: mcp.JSONRPC_VERSION,
		ID:      mcp.NewRequestId(1<<40 + taskRequestID.Add(1)),
		Method:  string(mcp.MethodToolsCall),
		Params:  map[string]any{"name": name, "arguments": args, "task": map[string]any{}},
	})
	require.NoError(e.t, err)
	require.Nil(e.t, resp.Error, "tools/call as a task: %+v", resp.Error)
	var created mcp.CreateTaskResult
	require.NoError(e.t, json.Unmarshal(resp.Result, &created), "%s", resp.Result)
	require.NotEmpty(e.t, created.Task.TaskId)
	return created.Task
}

func (e *env) task(id string) mcp.Task {
	e.t.Helper()
	res, err := e.mcp.GetTask(testContext(e.t), mcp.GetTaskRequest{Params: mcp.GetTaskParams{TaskId: id}})
	require.NoError(e.t, err)
	return res.Task
}

func (e *env) waitTask(id string) mcp.Task {
	e.t.Helper()
	res, err := e.mcp.WaitForTask(testContext(e.t), mcp.GetTaskRequest{Params: mcp.GetTaskParams{TaskId: id}}, 20*time.Millisecond)
	require.NoError(e.t, err)
	return res.Task
}

// waitRunningJob waits for the one running job (a task submits it in the
// background) and returns it.
func (e *env) waitRunningJob() tools.Job {
	e.t.Helper()
	var listed tools.ListJobsOutput
	waitFor(e.t, "the task's job to run", func() bool {
		e.ok(e.call(tools.ToolListJobs, nil), &listed)
		return listed.Count == 1
	})
	return listed.Jobs[0]
}

func TestLocalTaskToolAdvertised(t *testing.T) {
	t.Parallel()
	e := newLocalEnv(t, inProcess, mcp.LATEST_LEGACY_PROTOCOL_VERSION)
	list, err := e.mcp.ListTools(testContext(t), mcp.ListToolsRequest{})
	require.NoError(t, err)
	for _, tool := range list.Tools {
		if tool.Name == tools.ToolSubmitJob {
			require.NotNil(t, tool.Execution)
			assert.Equal(t, mcp.TaskSupportOptional, tool.Execution.TaskSupport)
		} else if tool.Execution != nil {
			assert.NotEqual(t, mcp.TaskSupportOptional, tool.Execution.TaskSupport, tool.Name)
		}
	}
}

// TestLocalTaskCancelledMidJob: tasks/cancel on a running task cancels its
// CARTO job.
func TestLocalTaskCancelledMidJob(t *testing.T) {
	t.Parallel()
	e := newLocalEnv(t, inProcess, mcp.LATEST_LEGACY_PROTOCOL_VERSION)
	task := e.callAsTask(tools.ToolSubmitJob, map[string]any{"sql": slowSQL})
	assert.Equal(t, mcp.TaskStatusWorking, task.Status)
	job := e.waitRunningJob()
	assert.Equal(t, mcp.TaskStatusWorking, e.task(task.TaskId).Status, "the task lives as long as the job")

	res, err := e.mcp.CancelTask(testContext(t), mcp.CancelTaskRequest{Params: mcp.CancelTaskParams{TaskId: task.TaskId}})
	require.NoError(t, err)
	assert.Equal(t, mcp.TaskStatusCancelled, res.Status)

	got := e.jobEnd(job.JobID)
	assert.Equal(t, "failure", got.Status, "cancelling the task cancelled the job: %+v", got)
	assert.Equal(t, "cancelled", got.Error.Code)
	assert.Equal(t, mcp.TaskStatusCancelled, e.task(task.TaskId).Status)
	waitFor(t, "the task run to log the cancel", func() bool {
		return strings.Contains(e.logs.String(), "task cancelled: job cancelled")
	})
}

// TestLocalTaskResults: tasks/get follows the job to its end; tasks/result
// gives the final job; a failed job fails the task and a job cancelled in
// CARTO cancels it.
func TestLocalTaskResults(t *testing.T) {
	t.Parallel()
	e := newLocalEnv(t, inProcess, mcp.LATEST_LEGACY_PROTOCOL_VERSION)

	task := e.callAsTask(tools.ToolSubmitJob, map[string]any{"sql": "CREATE TABLE t1 AS SELECT 42 AS answer"})
	assert.Equal(t, mcp.TaskStatusCompleted, e.waitTask(task.TaskId).Status)
	res, err := e.mcp.TaskResult(testContext(t), mcp.TaskResultRequest{Params: mcp.TaskResultParams{TaskId: task.TaskId}})
	require.NoError(t, err)
	assert.False(t, res.IsError)
	b, err := json.Marshal(res.StructuredContent)
	require.NoError(t, err)
	var out tools.SubmitJobOutput
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&out), "%s", b)
	assert.Equal(t, "success", out.Status)
	assert.True(t, out.Done)
	assert.Contains(t, out.NextStep, "finished successfully")

	task = e.callAsTask(tools.ToolSubmitJob, map[string]any{"sql": "CREATE TABLE t2 AS SELECT * FROM no_such_table"})
	ended := e.waitTask(task.TaskId)
	assert.Equal(t, mcp.TaskStatusFailed, ended.Status)
	assert.Empty(t, missing(ended.StatusMessage, "failed", "no_such_table", "Final job"))
	_, err = e.mcp.TaskResult(testContext(t), mcp.TaskResultRequest{Params: mcp.TaskResultParams{TaskId: task.TaskId}})
	require.Error(t, err)
	assert.Empty(t, missing(err.Error(), "no_such_table", `"status":"failure"`))

	task = e.callAsTask(tools.ToolSubmitJob, map[string]any{"sql": slowSQL})
	job := e.waitRunningJob()
	e.cancelAndCheck(job.JobID)
	ended = e.waitTask(task.TaskId)
	assert.Equal(t, mcp.TaskStatusCancelled, ended.Status)
	assert.Contains(t, ended.StatusMessage, "was cancelled")

	// Bad arguments fail the task (input schemas are not checked on this path).
	task = e.callAsTask(tools.ToolSubmitJob, map[string]any{"sql": "  "})
	ended = e.waitTask(task.TaskId)
	assert.Equal(t, mcp.TaskStatusFailed, ended.Status)
	assert.Contains(t, ended.StatusMessage, "`sql` is empty")
}

// TestTaskRefusedWithPerRequestToken: a request that brought its own CARTO
// token (a shared HTTP server) cannot start a task, which would keep the token
// after the request. (In process, the client's context is the server's.)
func TestTaskRefusedWithPerRequestToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withProtocol(mcp.LATEST_LEGACY_PROTOCOL_VERSION))
	task := e.callAsTaskCtx(client.ContextWithToken(testContext(t), "caller-token"), tools.ToolSubmitJob, map[string]any{"sql": "SELECT 1"})
	ended := e.waitTask(task.TaskId)
	assert.Equal(t, mcp.TaskStatusFailed, ended.Status)
	assert.Contains(t, ended.StatusMessage, "cannot run as a task here")
	assert.Empty(t, e.fake.RequestsTo("POST", "/job"), "no job was submitted")
}

// TestTaskOnFakeCARTO: a task follows its job through CARTO's statuses to the
// end (fake clock: no waiting).
func TestTaskOnFakeCARTO(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withFakeClock(), withProtocol(mcp.LATEST_LEGACY_PROTOCOL_VERSION))
	e.fake.SetJobScript(cartofake.Statuses("running", "running", "running", "success")...)
	task := e.callAsTask(tools.ToolSubmitJob, map[string]any{"sql": tilesetSQL})
	assert.Equal(t, mcp.TaskStatusCompleted, e.waitTask(task.TaskId).Status)
	res, err := e.mcp.TaskResult(testContext(t), mcp.TaskResultRequest{Params: mcp.TaskResultParams{TaskId: task.TaskId}})
	require.NoError(t, err)
	b, err := json.Marshal(res.StructuredContent)
	require.NoError(t, err)
	var out tools.SubmitJobOutput
	require.NoError(t, json.Unmarshal(b, &out))
	assert.Equal(t, "success", out.Status)
	assert.Len(t, e.fake.RequestsTo("GET", "/job/"+out.JobID), 4)
	assert.Equal(t, seconds(0.05, 0.1, 0.2, 0.4), e.clock.Sleeps())

	// The same tool, called plainly, answers at once.
	var sub tools.SubmitJobOutput
	e.ok(e.call(tools.ToolSubmitJob, map[string]any{"sql": tilesetSQL}), &sub)
	assert.Equal(t, "pending", sub.Status)
}

// TestLocalCloseEndsBackgroundWork: Deps.Close stops the task runs and
// subscription watches, but not the CARTO jobs they follow.
func TestLocalCloseEndsBackgroundWork(t *testing.T) {
	t.Parallel()
	e := newLocalEnv(t, inProcess, mcp.LATEST_LEGACY_PROTOCOL_VERSION)
	task := e.callAsTask(tools.ToolSubmitJob, map[string]any{"sql": slowSQL})
	job := e.waitRunningJob()
	require.NoError(t, e.mcp.Subscribe(testContext(t), mcp.SubscribeRequest{Params: mcp.SubscribeParams{URI: job.ResourceURI}}))
	require.Equal(t, 1, tools.Watching(e.deps))

	e.deps.Close()
	assert.Zero(t, tools.Watching(e.deps))
	ended := e.waitTask(task.TaskId)
	assert.Equal(t, mcp.TaskStatusFailed, ended.Status)
	// In the server the warehouse closes right after, which cancels the job:
	// the task says so rather than "keeps running in CARTO".
	assert.Empty(t, missing(ended.StatusMessage, "shutting down", "local warehouse", "being cancelled", "submit it again"))
	assert.NotContains(t, ended.StatusMessage, "CARTO")
	assert.Equal(t, job.JobID, e.runningJob().JobID, "Deps.Close alone leaves the warehouse's job running")

	// No new background work starts; plain calls still work.
	task = e.callAsTask(tools.ToolSubmitJob, map[string]any{"sql": "SELECT 1"})
	assert.Contains(t, e.waitTask(task.TaskId).StatusMessage, "shutting down")
	e.cancelAndCheck(job.JobID)
}

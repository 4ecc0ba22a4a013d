package tools

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/carto-mcp/carto-mcp/client"
)

// Task-augmented submit_job (MCP tasks, protocol 2025-11-25).
//
// submit_job is a regular tool with TaskSupportOptional: a plain call behaves
// as always, and a call with params.task makes mcp-go create a task and run the
// same handler in the background, which routes it to submitJobTask. The task
// lives as long as the CARTO job:
//
//	tasks/get     working while the job is pending or running; then completed
//	              (success), failed (failure: statusMessage has CARTO's error)
//	              or cancelled (cancelled in CARTO, or by tasks/cancel)
//	tasks/result  the final job, as submit_job's result (a failed job: the
//	              JSON-RPC error carries the error and the final job)
//	tasks/cancel  cancels the CARTO job (Jobs.Cancel), then confirms its end
//
// In a task, wait_seconds is ignored: the task itself waits for the job. A
// request that carries a per-request CARTO token (a shared HTTP server) is
// refused as a task, since the task would keep the token past its request.
// These tasks live in this process's memory: behind a load balancer, tasks/get
// must reach the replica that created the task. A stateless server
// (Options.StatelessTasks) serves task-augmented calls without memory instead:
// see statelesstasks.go.
//
// Two facts about mcp-go v1.2.1 shape this file:
//
//   - The task's context is derived from the tools/call request's, which
//     mcp-go cancels as soon as it has answered with the created task. A
//     task handler cannot tell that apart from tasks/cancel by its context,
//     so the run ignores its context's cancellation (keeping its values, such
//     as a per-request CARTO token) and learns of tasks/cancel from the
//     OnTaskCancelled task hook instead.
//   - The handler is not told its task id. A BeforeCallTool hook tags a
//     task-augmented submit_job request with a random key in _meta and
//     remembers it under the request's context; OnTaskCreated, called with
//     that same context, links the key to the task id; the handler finds its
//     task through the key.

// taskKeyMeta is the _meta key that links a task-augmented request to its task.
const taskKeyMeta = "io.github.carto-mcp/task-key"

type taskRuns struct {
	d       *Deps
	mu      sync.Mutex
	pending map[context.Context]string // request context → key, until the task is created
	byKey   map[string]*taskRun
	byTask  map[string]*taskRun
}

// taskRun is one task-augmented submit_job call: its task, and a context
// cancelled by tasks/cancel.
type taskRun struct {
	key, taskID string
	cancelled   context.Context
	cancel      context.CancelFunc
}

func newTaskRuns(d *Deps) *taskRuns {
	return &taskRuns{d: d, pending: map[context.Context]string{}, byKey: map[string]*taskRun{}, byTask: map[string]*taskRun{}}
}

// addHooks wires the registry to mcp-go's request and task hooks.
func (r *taskRuns) addHooks(h *server.Hooks, th *server.TaskHooks) {
	h.AddBeforeCallTool(func(ctx context.Context, _ any, req *mcp.CallToolRequest) {
		if req.Params.Name != ToolSubmitJob || req.Params.Task == nil || !reflect.TypeOf(ctx).Comparable() {
			return
		}
		key := randomKey()
		if req.Params.Meta == nil {
			req.Params.Meta = &mcp.Meta{}
		}
		if req.Params.Meta.AdditionalFields == nil {
			req.Params.Meta.AdditionalFields = map[string]any{}
		}
		req.Params.Meta.AdditionalFields[taskKeyMeta] = key
		r.mu.Lock()
		r.pending[ctx] = key
		r.mu.Unlock()
	})
	forget := func(ctx context.Context) {
		if !reflect.TypeOf(ctx).Comparable() {
			return
		}
		r.mu.Lock()
		delete(r.pending, ctx)
		r.mu.Unlock()
	}
	h.AddAfterCallTool(func(ctx context.Context, _ any, _ *mcp.CallToolRequest, _ any) { forget(ctx) })
	h.AddOnError(func(ctx context.Context, _ any, method mcp.MCPMethod, _ any, _ error) {
		if method == mcp.MethodToolsCall {
			forget(ctx)
		}
	})
	th.AddOnTaskCreated(func(ctx context.Context, m server.TaskMetrics) {
		if m.ToolName != ToolSubmitJob || !reflect.TypeOf(ctx).Comparable() {
			return
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		key, ok := r.pending[ctx]
		if !ok {
			return
		}
		delete(r.pending, ctx)
		cancelled, cancel := context.WithCancel(context.Background())
		run := &taskRun{key: key, taskID: m.TaskID, cancelled: cancelled, cancel: cancel}
		r.byKey[key] = run
		r.byTask[m.TaskID] = run
	})
	// Called by tasks/cancel (with mcp-go's task lock held: only signal here).
	th.AddOnTaskCancelled(func(_ context.Context, m server.TaskMetrics) {
		r.mu.Lock()
		run := r.byTask[m.TaskID]
		r.mu.Unlock()
		if run != nil {
			run.cancel()
		}
	})
}

// claim returns the run of a task-augmented request (nil if it has none).
func (r *taskRuns) claim(req mcp.CallToolRequest) *taskRun {
	if req.Params.Meta == nil {
		return nil
	}
	key, _ := req.Params.Meta.AdditionalFields[taskKeyMeta].(string)
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byKey[key]
}

// release forgets a run once its handler returns.
func (r *taskRuns) release(run *taskRun) {
	if run == nil {
		return
	}
	run.cancel()
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.byKey, run.key)
	delete(r.byTask, run.taskID)
}

func randomKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// errJobCancelled marks a task whose job ended cancelled: mcp-go reports a
// handler error that is a context.Canceled as a cancelled task.
var errJobCancelled = fmt.Errorf("the CARTO job was cancelled: %w", context.Canceled)

// submitJobTask serves a task-augmented submit_job call: it submits the job and
// follows it to its end, however long that takes.
func (d *Deps) submitJobTask(reqCtx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	run := d.tasks.claim(req)
	defer d.tasks.release(run)
	if carriesRequestToken(reqCtx) {
		return nil, errors.New("this server runs every request with its caller's own CARTO token and keeps no token beyond its request, " +
			"so submit_job cannot run as a task here: call it without a task, with wait_seconds, and follow it with get_job")
	}
	if !d.track() {
		return nil, errors.New("carto-mcp is shutting down: the job was not submitted")
	}
	defer d.untrack()
	ctx, cancel := context.WithCancel(context.WithoutCancel(reqCtx))
	defer cancel()
	defer context.AfterFunc(d.root, cancel)()

	var in SubmitJobInput
	if err := bindArguments(req, &in); err != nil {
		return nil, fmt.Errorf("invalid arguments: %v. Check the argument names and types against the tool's input schema", err)
	}
	var info callInfo
	cctx, ccancel := context.WithTimeout(ctx, d.opts.CallTimeout)
	j, conn, cerr := d.createJob(cctx, in, &info)
	ccancel()
	if cerr != nil {
		return nil, errors.New(cerr.text)
	}
	logAttrs := []any{"job_id", j.ID, "connection", conn}
	if run != nil {
		logAttrs = append(logAttrs, "task_id", run.taskID)
	} else {
		d.log.Warn("task-augmented submit_job without its task hooks: tasks/cancel cannot cancel the job", logAttrs...)
	}
	d.log.Info("task following job", logAttrs...)

	waitCtx := ctx
	if run != nil {
		var wcancel context.CancelFunc
		waitCtx, wcancel = context.WithCancel(ctx)
		defer wcancel()
		defer context.AfterFunc(run.cancelled, wcancel)()
	}
	out, err := d.waitJob(waitCtx, waitSpec{conn: conn, id: j.ID}, j)
	switch {
	case run != nil && run.cancelled.Err() != nil:
		// tasks/cancel: mcp-go has marked the task cancelled already; cancel
		// the work it stood for.
		cctx, ccancel := context.WithTimeout(ctx, d.opts.CallTimeout)
		defer ccancel()
		final, cerr := d.cancelAndConfirm(cctx, conn, j.ID)
		status := "unknown"
		if final != nil {
			status = string(final.Status)
		}
		attrs := append(logAttrs, "status", status)
		if cerr != nil {
			attrs = append(attrs, "error", cerr.text)
		}
		d.log.Info("task cancelled: job cancelled", attrs...)
		return nil, errJobCancelled
	case ctx.Err() != nil:
		return nil, d.stoppedFollowing(j.ID)
	case err != nil:
		return nil, fmt.Errorf("job %s could not be followed: %s", j.ID, describeError(opGetJob, err, d.opts.CallTimeout).text)
	}
	d.log.Info("task ended", append(logAttrs, "status", string(out.job.Status))...)
	return d.taskOutcome(out.job, conn, out)
}

// carriesRequestToken reports whether ctx holds a per-request CARTO token
// (client.ContextWithToken, as a shared HTTP server sets it). Such a token is
// promised never to outlive its request, so no background work may keep it.
func carriesRequestToken(ctx context.Context) bool {
	_, err := client.RequestTokenSource{}.Token(ctx)
	return err == nil
}

// jobCancelled reports whether an ended job was cancelled (CARTO may report
// that as a failure whose error says so).
func jobCancelled(j *client.Job) bool {
	switch j.Status {
	case client.JobCancelled, "canceled":
		return true
	case client.JobFailure:
		return cancelled(j.Error)
	}
	return false
}

// stoppedFollowing is a task's error when the server stops while it follows
// job id. It says what becomes of the job: a CARTO job runs on, but a job of
// the local warehouse, which runs inside this server, is cancelled when the
// warehouse closes.
func (d *Deps) stoppedFollowing(id string) error {
	if d.opts.Local {
		return fmt.Errorf("carto-mcp stopped following job %s (the server is shutting down); the job runs in the embedded local warehouse, "+
			"which stops with the server, so it is being cancelled: once carto-mcp runs again, submit it again if it is still needed", id)
	}
	return fmt.Errorf("carto-mcp stopped following job %s (the server is shutting down); the job keeps running in CARTO: follow it with get_job", id)
}

package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/carto-mcp/carto-mcp/client"
)

// Stateless tasks: task-augmented submit_job for servers that keep no state
// between requests (Options.StatelessTasks).
//
// mcp-go keeps a task in the memory of the process that created it, so behind
// a load balancer tasks/get would have to reach that replica. Here nothing is
// kept: a task is its CARTO job. tools/call with params.task submits the job at
// once and answers with a task whose id carries the connection and job id,
// signed (taskid.go); tasks/get reads the job from CARTO, tasks/result polls it
// until it ends, tasks/cancel cancels it. Any replica with the same task secret
// answers any of them, and a per-request CARTO token serves each request alone,
// as for any other call. tasks/list is not offered: there is no list to give.
//
// HandleStatelessTask is called by the HTTP front before mcp-go sees a request
// (mcp-go has no hook that can answer a tasks/* request itself).

// taskPollIntervalMs is the pollInterval suggested to clients.
const taskPollIntervalMs = 2000

// rpcRequest is the part of a JSON-RPC request HandleStatelessTask reads.
type rpcRequest struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      *mcp.RequestId  `json:"id"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
}

// HandleStatelessTask answers msg, one JSON-RPC message, when it is a request
// about a stateless task: a task-augmented submit_job call, or tasks/get,
// tasks/result or tasks/cancel naming a task id of this package's format. It
// returns the JSON-RPC response and true, or nil and false for every other
// message (then mcp-go should answer it). It returns false for everything
// unless Options.StatelessTasks is set.
func (d *Deps) HandleStatelessTask(ctx context.Context, msg []byte) (any, bool) {
	if d.taskIDs == nil || !bytes.Contains(msg, []byte(`"task`)) {
		return nil, false
	}
	var req rpcRequest
	if err := json.Unmarshal(msg, &req); err != nil || req.ID == nil || req.ID.IsNil() || req.JSONRPC != mcp.JSONRPC_VERSION {
		return nil, false // not a request: mcp-go says what is wrong with it
	}
	switch mcp.MCPMethod(req.Method) {
	case mcp.MethodToolsCall:
		var p struct {
			Name      string          `json:"name"`
			Arguments json.RawMessage `json:"arguments"`
			Task      *mcp.TaskParams `json:"task"`
		}
		if json.Unmarshal(req.Params, &p) != nil || p.Name != ToolSubmitJob || p.Task == nil || d.opts.ReadOnly {
			return nil, false
		}
		return d.rpcAnswer(*req.ID, func() (any, *rpcError) { return d.startStatelessTask(ctx, p.Arguments) }), true
	case mcp.MethodTasksGet, mcp.MethodTasksResult, mcp.MethodTasksCancel:
		var p struct {
			TaskID string `json:"taskId"`
		}
		if json.Unmarshal(req.Params, &p) != nil {
			return nil, false
		}
		conn, job, ours, ok := d.taskIDs.parse(p.TaskID)
		if !ours {
			return nil, false // one of mcp-go's in-memory tasks, or no task at all
		}
		return d.rpcAnswer(*req.ID, func() (any, *rpcError) {
			if !ok {
				return nil, &rpcError{mcp.INVALID_PARAMS, fmt.Sprintf("task not found: %s was not issued by this deployment "+
					"(every replica must run with the same task secret, CARTO_MCP_TASK_SECRET)", p.TaskID)}
			}
			switch mcp.MCPMethod(req.Method) {
			case mcp.MethodTasksGet:
				return d.getStatelessTask(ctx, p.TaskID, conn, job)
			case mcp.MethodTasksResult:
				return d.statelessTaskResult(ctx, p.TaskID, conn, job)
			default:
				return d.cancelStatelessTask(ctx, p.TaskID, conn, job)
			}
		}), true
	}
	return nil, false
}

// rpcError is a JSON-RPC error answer.
type rpcError struct {
	code int
	text string
}

func (d *Deps) rpcAnswer(id mcp.RequestId, f func() (any, *rpcError)) any {
	res, rerr := f()
	if rerr != nil {
		return mcp.JSONRPCError{JSONRPC: mcp.JSONRPC_VERSION, ID: id, Error: mcp.NewJSONRPCErrorDetails(rerr.code, rerr.text, nil)}
	}
	return mcp.NewJSONRPCResultResponse(id, res)
}

// readError turns a failure to read a task's job into a JSON-RPC error.
func readError(id string, op opKind, err error, timeout time.Duration) *rpcError {
	var apiErr *client.APIError
	if errors.As(err, &apiErr) && apiErr.StatusCode == 404 {
		return &rpcError{mcp.INVALID_PARAMS, "task not found: CARTO no longer knows the job of task " + id + " (" + apiErr.Error() + ")"}
	}
	return &rpcError{mcp.INTERNAL_ERROR, describeError(op, err, timeout).text}
}

// startStatelessTask submits the job of a task-augmented submit_job call and
// answers with its task (wait_seconds is ignored: the task is the wait).
func (d *Deps) startStatelessTask(ctx context.Context, args json.RawMessage) (any, *rpcError) {
	var in SubmitJobInput
	if err := bindArguments(mcp.CallToolRequest{Params: mcp.CallToolParams{Arguments: args}}, &in); err != nil {
		return nil, &rpcError{mcp.INVALID_PARAMS, fmt.Sprintf("Invalid arguments: %v. Check the argument names and types against the tool's input schema.", err)}
	}
	ctx, cancel := context.WithTimeout(ctx, d.opts.CallTimeout)
	defer cancel()
	var info callInfo
	j, conn, cerr := d.createJob(ctx, in, &info)
	if cerr != nil {
		code := mcp.INTERNAL_ERROR
		if cerr.kind == "bad_argument" {
			code = mcp.INVALID_PARAMS
		}
		d.log.Info("task not started", "tool", ToolSubmitJob, "connection", info.connection, "error_kind", cerr.kind)
		return nil, &rpcError{code, cerr.text}
	}
	id := d.taskIDs.mint(conn, j.ID)
	d.log.Info("task started", "task_id", id, "job_id", j.ID, "connection", conn)
	return mcp.CreateTaskResult{Task: d.taskOf(id, j, conn)}, nil
}

func (d *Deps) getStatelessTask(ctx context.Context, id, conn, job string) (any, *rpcError) {
	ctx, cancel := context.WithTimeout(ctx, d.opts.CallTimeout)
	defer cancel()
	j, err := d.carto(ctx).Jobs.Get(ctx, conn, job)
	if err != nil {
		return nil, readError(id, opGetJob, err, d.opts.CallTimeout)
	}
	return mcp.NewGetTaskResult(d.taskOf(id, j, conn)), nil
}

// statelessTaskResult waits for the job to end, as long as the request lasts
// (tasks/result blocks until the task ends), and answers with its outcome.
func (d *Deps) statelessTaskResult(ctx context.Context, id, conn, job string) (any, *rpcError) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(d.root, cancel)()
	rctx, rcancel := context.WithTimeout(ctx, d.opts.CallTimeout)
	j, err := d.carto(rctx).Jobs.Get(rctx, conn, job)
	rcancel()
	if err != nil {
		return nil, readError(id, opGetJob, err, d.opts.CallTimeout)
	}
	out, err := d.waitJob(ctx, waitSpec{conn: conn, id: job}, j)
	switch {
	case d.root.Err() != nil:
		return nil, &rpcError{mcp.INTERNAL_ERROR, fmt.Sprintf("carto-mcp is shutting down and stopped waiting for job %s, which keeps running in CARTO: "+
			"ask for the task's result again (another replica can answer)", job)}
	case ctx.Err() != nil:
		return nil, &rpcError{mcp.REQUEST_INTERRUPTED, ctx.Err().Error()}
	case err != nil:
		return nil, &rpcError{mcp.INTERNAL_ERROR, fmt.Sprintf("job %s could not be followed: %s", job, describeError(opGetJob, err, d.opts.CallTimeout).text)}
	}
	res, terr := d.taskOutcome(out.job, conn, out)
	if terr != nil {
		return nil, &rpcError{mcp.INTERNAL_ERROR, terr.Error()}
	}
	return mcp.TaskResultResult{
		Result:            mcp.Result{Meta: mcp.WithRelatedTask(id)},
		Content:           res.Content,
		StructuredContent: res.StructuredContent,
	}, nil
}

// cancelStatelessTask cancels the task's job and answers with the task as it
// ended.
func (d *Deps) cancelStatelessTask(ctx context.Context, id, conn, job string) (any, *rpcError) {
	ctx, cancel := context.WithTimeout(ctx, d.opts.CallTimeout)
	defer cancel()
	j, err := d.carto(ctx).Jobs.Get(ctx, conn, job)
	if err != nil {
		return nil, readError(id, opGetJob, err, d.opts.CallTimeout)
	}
	if task := d.taskOf(id, j, conn); task.Status.IsTerminal() {
		return nil, &rpcError{mcp.INVALID_PARAMS, fmt.Sprintf("cannot cancel task in terminal status: %s", task.Status)}
	}
	final, cerr := d.cancelAndConfirm(ctx, conn, job)
	attrs := []any{"task_id", id, "job_id", job, "connection", conn}
	if cerr != nil {
		d.log.Info("task not cancelled", append(attrs, "error", cerr.text)...)
		return nil, &rpcError{mcp.INTERNAL_ERROR, cerr.text}
	}
	d.log.Info("task cancelled: CARTO job cancelled", append(attrs, "status", string(final.Status))...)
	task := d.taskOf(id, final, conn)
	// The cancel is accepted: the task is cancelled even if the warehouse
	// has not confirmed the job's end yet.
	task.Status = mcp.TaskStatusCancelled
	task.StatusMessage = "Task cancelled by request: the CARTO job " + job + " was cancelled (job status " + string(final.Status) + ")"
	return mcp.NewCancelTaskResult(task), nil
}

// taskOf is the task that stands for job j on conn.
func (d *Deps) taskOf(id string, j *client.Job, conn string) mcp.Task {
	created := j.CreatedAt
	if created.IsZero() {
		created = d.opts.Now()
	}
	updated := j.UpdatedAt
	if updated.IsZero() {
		updated = created
	}
	task := mcp.NewTask(id, mcp.WithTaskPollInterval(taskPollIntervalMs))
	task.CreatedAt = created.UTC().Format(time.RFC3339)
	task.LastUpdatedAt = updated.UTC().Format(time.RFC3339)
	switch {
	case !j.Status.Done():
		task.Status = mcp.TaskStatusWorking
		task.StatusMessage = fmt.Sprintf("CARTO job %s is %s", j.ID, j.Status)
	case j.Status == client.JobSuccess:
		task.Status = mcp.TaskStatusCompleted
	case jobCancelled(j):
		task.Status = mcp.TaskStatusCancelled
		task.StatusMessage = fmt.Sprintf("the CARTO job %s was cancelled", j.ID)
	default:
		task.Status = mcp.TaskStatusFailed
		_, err := d.taskOutcome(j, conn, waitOutcome{job: j})
		if err != nil {
			task.StatusMessage = err.Error()
		}
	}
	return task
}

// taskOutcome is the outcome of a task-augmented submit_job call whose job has
// ended as final: submit_job's result for a success, an error otherwise (one
// that is a context.Canceled when the job was cancelled).
func (d *Deps) taskOutcome(final *client.Job, conn string, out waitOutcome) (*mcp.CallToolResult, error) {
	result := SubmitJobOutput{Job: jobFromClient(final, conn)}
	d.jobs.remember(result.JobID, result.Connection)
	result.NextStep = d.jobNextStep(final, out)
	switch {
	case final.Status == client.JobSuccess:
		res, cerr := structuredResult(result, renderJSONText(result))
		if cerr != nil {
			return nil, errors.New(cerr.text)
		}
		return res, nil
	case jobCancelled(final):
		return nil, fmt.Errorf("the CARTO job %s was cancelled. Final job: %s: %w", final.ID, renderJSONText(result), context.Canceled)
	default:
		return nil, fmt.Errorf("the CARTO job %s failed. %s Final job: %s", final.ID, result.NextStep, renderJSONText(result))
	}
}

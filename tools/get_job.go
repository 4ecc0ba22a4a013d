package tools

import (
	"context"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// GetJobInput is the arguments of get_job.
type GetJobInput struct {
	JobID       string `json:"job_id" jsonschema:"required,minLength=1" jsonschema_description:"The job_id returned by submit_job (or listed by list_jobs)."`
	Connection  string `json:"connection,omitempty" jsonschema_description:"Connection the job runs on. Not needed for jobs this server submitted or listed; otherwise the server's default connection is used."`
	WaitSeconds int    `json:"wait_seconds,omitempty" jsonschema:"minimum=0,maximum=300,default=0" jsonschema_description:"Seconds to wait for the job to end before answering (default 0: answer at once). The call returns as soon as the job ends, or when the wait runs out with done false and next_step saying how to keep waiting. A value above the server's maximum (50 s by default) is lowered to it. Cancelling the call stops the wait, not the job."`
}

// GetJobOutput is the job's current state.
type GetJobOutput struct {
	Job
	WaitReport
}

const getJobDescription = `Get the state of a CARTO SQL job: its status (pending, running, success, failure, cancelled), done, the error when it failed, and next_step, which says what to do now.

Pass wait_seconds (e.g. 50) to wait for a running job instead of polling: the server polls CARTO with growing intervals, returns as soon as the job ends, and, if the request has a progress token, sends progress notifications meanwhile. When the wait runs out, done is false: call get_job with wait_seconds again. Cancelling a waiting call stops only the wait, never the job (cancel_job does that).

Only job_id is needed for jobs this server submitted or listed; pass connection for others. Without wait_seconds, a running job does not finish faster when polled more often: wait the time next_step suggests between calls.`

// GetJob is the get_job tool.
func GetJob(d *Deps) server.ServerTool {
	return server.ServerTool{
		Tool:    mustTool(ToolGetJob, "Get a SQL job's status", getJobDescription, annotations(true, false, true)),
		Handler: handle(d, ToolGetJob, d.getJob),
	}
}

func (d *Deps) getJob(ctx context.Context, in GetJobInput, info *callInfo) (*mcp.CallToolResult, *callError) {
	id := strings.TrimSpace(in.JobID)
	if id == "" {
		return nil, badArgument("`job_id` is empty: pass the job_id that submit_job returned.")
	}
	wait, notice, cerr := d.waitGrant(in.WaitSeconds)
	if cerr != nil {
		return nil, cerr
	}
	conn, cerr := d.jobConnection(ctx, id, in.Connection)
	info.connection = conn
	if cerr != nil {
		return nil, cerr
	}
	j, err := d.carto(ctx).Jobs.Get(ctx, conn, id)
	if err != nil {
		return nil, describeError(opGetJob, err, d.opts.CallTimeout)
	}
	d.jobs.remember(j.ID, conn)
	job, report, cerr := d.reportJob(ctx, conn, j, wait, notice, info)
	if cerr != nil {
		return nil, cerr
	}
	out := GetJobOutput{Job: job, WaitReport: report}
	return structuredResult(out, renderJSONText(out))
}

// jobConnection picks the connection for a job call: the argument, else the
// one remembered for the job, else the server's default.
func (d *Deps) jobConnection(ctx context.Context, jobID, arg string) (string, *callError) {
	if c := strings.TrimSpace(arg); c != "" {
		return c, nil
	}
	if c, ok := d.jobs.lookup(jobID); ok {
		return c, nil
	}
	if c := d.carto(ctx).DefaultConnection(); c != "" {
		return c, nil
	}
	return "", &callError{kind: "no_connection", text: "This server does not know job " + jobID +
		" (it did not submit or list it, or has forgotten it) and has no default connection. " +
		"Pass `connection`: the connection the job was submitted on (list_jobs shows it for running jobs)."}
}

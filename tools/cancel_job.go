package tools

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/carto-mcp/carto-mcp/client"
)

// CancelJobInput is the arguments of cancel_job.
type CancelJobInput struct {
	JobID      string `json:"job_id" jsonschema:"required,minLength=1" jsonschema_description:"The job_id of the job to cancel."`
	Connection string `json:"connection,omitempty" jsonschema_description:"Connection the job runs on. Not needed for jobs this server submitted or listed; otherwise the server's default connection is used."`
}

// CancelJobOutput is the state the job is in after the cancel request.
type CancelJobOutput struct {
	Job
	CancelRequested bool `json:"cancel_requested" jsonschema:"required" jsonschema_description:"True when CARTO accepted the cancel request; false when the job had already ended and there was nothing to cancel."`
}

const cancelJobDescription = `Cancel a running CARTO SQL job, then report the state it ended in (status, done, next_step): the server waits briefly for the cancel to take effect.

Cancelling stops the work in the warehouse; what a job already wrote may stay (warehouses differ). Cancelling a job that has already ended changes nothing and reports its final state. Only job_id is needed for jobs this server submitted or listed.

This is the only way to stop a job: cancelling a submit_job or get_job call that is waiting for a job stops the wait, not the job.`

// cancelConfirmWait bounds how long cancel_job polls for a cancelled job to
// end: warehouses take a moment to stop a statement.
const cancelConfirmWait = 10 * time.Second

// CancelJob is the cancel_job tool. It is left out in read-only mode.
func CancelJob(d *Deps) server.ServerTool {
	return server.ServerTool{
		Tool:    mustTool(ToolCancelJob, "Cancel a SQL job", cancelJobDescription, annotations(false, true, true)),
		Handler: handle(d, ToolCancelJob, d.cancelJob),
	}
}

func (d *Deps) cancelJob(ctx context.Context, in CancelJobInput, info *callInfo) (*mcp.CallToolResult, *callError) {
	id := strings.TrimSpace(in.JobID)
	if id == "" {
		return nil, badArgument("`job_id` is empty: pass the job_id of the job to cancel.")
	}
	conn, cerr := d.jobConnection(ctx, id, in.Connection)
	info.connection = conn
	if cerr != nil {
		return nil, cerr
	}
	c, cerr := d.cancelAndRead(ctx, conn, id)
	if cerr != nil {
		return nil, cerr
	}
	j := c.job
	if j == nil {
		out := CancelJobOutput{Job: Job{JobID: id, Connection: conn, Status: "unknown", ResourceURI: jobURI(conn, id)}, CancelRequested: true}
		out.NextStep = "CARTO accepted the cancel request, but reading the job back failed (" + c.readErr.Error() +
			"). Call get_job in a few seconds to see the state it ended in."
		d.jobs.remember(id, conn)
		return structuredResult(out, renderJSONText(out))
	}
	out := CancelJobOutput{Job: jobFromClient(j, conn), CancelRequested: c.requested}
	d.jobs.remember(out.JobID, out.Connection)
	switch {
	case !c.requested:
		out.NextStep = "The job had already ended with status " + out.Status + "; there was nothing to cancel."
	case j.Status.Done():
		out.NextStep = "The job has ended with status " + out.Status + "."
		if j.Status == client.JobSuccess {
			out.NextStep += " It finished before the cancel took effect, so its work is done."
		}
	default:
		out.NextStep = fmt.Sprintf("CARTO accepted the cancel request; the job still reads %s after %s while the warehouse stops it. "+
			"Call get_job with wait_seconds to see it end.", out.Status, roundSeconds(c.waited))
		if d.opts.MaxWaitSeconds == 0 {
			out.NextStep = "CARTO accepted the cancel request; the job still reads " + out.Status +
				" while the warehouse stops it. Call get_job in about 5 s to confirm it ended."
		}
	}
	info.attrs = append(info.attrs, slog.String("job_id", out.JobID), slog.String("status", out.Status))
	return structuredResult(out, renderJSONText(out))
}

// cancelResult is what cancelAndRead found.
type cancelResult struct {
	job       *client.Job // the state read back; nil when it could not be read
	requested bool        // CARTO accepted the cancel (false: the job had already ended)
	readErr   error       // why job is nil
	waited    time.Duration
}

// cancelAndRead asks CARTO to cancel the job, then reads it back, polling for
// up to cancelConfirmWait until it reads ended. A refusal is an error unless
// the job turns out to have ended already.
func (d *Deps) cancelAndRead(ctx context.Context, conn, id string) (cancelResult, *callError) {
	jobs := d.carto(ctx).Jobs
	cancelled, err := jobs.Cancel(ctx, conn, id)
	requested := err == nil
	if err != nil && !alreadyEnded(err) {
		return cancelResult{}, describeError(opCancelJob, err, d.opts.CallTimeout)
	}
	// Read the job back to report the state the cancel left it in.
	j, getErr := jobs.Get(ctx, conn, id)
	switch {
	case getErr == nil:
	case !requested:
		// CARTO refused the cancel and the job cannot be read: report the refusal.
		return cancelResult{}, describeError(opCancelJob, err, d.opts.CallTimeout)
	case cancelled != nil:
		j = cancelled
	default:
		return cancelResult{requested: true, readErr: getErr}, nil
	}
	if !requested && !j.Status.Done() {
		// Refused, yet still running: the refusal is the news.
		return cancelResult{}, describeError(opCancelJob, err, d.opts.CallTimeout)
	}
	res := cancelResult{job: j, requested: requested}
	if requested && !j.Status.Done() {
		// The warehouse may take a moment to stop: wait for the end, briefly.
		out, _ := d.waitJob(ctx, waitSpec{conn: conn, id: id, budget: cancelConfirmWait}, j)
		res.job, res.waited = out.job, out.elapsed
	}
	return res, nil
}

// cancelAndConfirm cancels a job and returns the state it ended in (for
// tasks/cancel).
func (d *Deps) cancelAndConfirm(ctx context.Context, conn, id string) (*client.Job, *callError) {
	res, cerr := d.cancelAndRead(ctx, conn, id)
	if cerr != nil {
		return nil, cerr
	}
	return res.job, nil
}

// alreadyEnded reports whether a cancel failed in the way CARTO refuses to
// cancel a job that is no longer running (a client error other than auth or
// not found); the job is then read back to see.
func alreadyEnded(err error) bool {
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	switch apiErr.StatusCode {
	case http.StatusBadRequest, http.StatusConflict, http.StatusGone, http.StatusUnprocessableEntity:
		return true
	}
	return false
}

package tools

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/carto-mcp/carto-mcp/client"
)

// WaitReport is what submit_job and get_job add to a job when they were asked
// to wait for it.
type WaitReport struct {
	WaitedSeconds float64 `json:"waited_seconds,omitempty" jsonschema:"minimum=0" jsonschema_description:"How long this call waited for the job, in seconds (only when wait_seconds was given). When done is still false, the wait ran out: next_step says how to keep waiting."`
	Notice        string  `json:"notice,omitempty" jsonschema_description:"Present when the wait needs attention: wait_seconds was lowered to this server's maximum, or CARTO could not be read at the end of the wait."`
}

// waitGrant turns a requested wait_seconds into the wait this server grants,
// with a notice when it was lowered.
func (d *Deps) waitGrant(requested int) (time.Duration, string, *callError) {
	switch {
	case requested < 0:
		return 0, "", badArgument("`wait_seconds` must be between 0 and %d, got %d.", MaxWaitSecondsLimit, requested)
	case requested > d.opts.MaxWaitSeconds && d.opts.MaxWaitSeconds == 0:
		return 0, "This server does not wait for jobs, so wait_seconds was ignored: follow the job as next_step says.", nil
	case requested > d.opts.MaxWaitSeconds:
		return time.Duration(d.opts.MaxWaitSeconds) * time.Second,
			fmt.Sprintf("wait_seconds %d was lowered to this server's maximum, %d.", requested, d.opts.MaxWaitSeconds), nil
	}
	return time.Duration(requested) * time.Second, "", nil
}

// awaitJob waits up to wait for job j (the state just read or created) to end,
// sending progress notifications when the call asked for them. It returns the
// state to report, the wait's outcome, and a notice for the result.
//
// A cancelled call (notifications/cancelled, or the client closing the
// request) ends the wait at once with an error result; the job itself is left
// running.
func (d *Deps) awaitJob(ctx context.Context, conn string, j *client.Job, wait time.Duration, info *callInfo) (*client.Job, waitOutcome, string, *callError) {
	if wait <= 0 || j.Status.Done() {
		return j, waitOutcome{job: j}, "", nil
	}
	spec := waitSpec{conn: conn, id: j.ID, budget: wait}
	if p := d.newProgress(ctx, j.ID, wait); p != nil {
		p.report(j, 0)
		spec.onPoll, spec.onTick = p.report, p.report
	}
	// A server shutting down ends the wait at once, with a result rather
	// than a broken connection (see shutdownNotice).
	wctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	defer context.AfterFunc(d.root, func() { cancel(errShuttingDown) })()
	if d.root.Err() != nil {
		cancel(errShuttingDown) // at once, not on AfterFunc's goroutine
	}
	out, err := d.waitJob(wctx, spec, j)
	info.attrs = append(info.attrs, slog.Duration("waited", out.elapsed), slog.Int("polls", out.polls))
	var notice string
	switch {
	case err == nil:
	case ctx.Err() == nil && errors.Is(context.Cause(wctx), errShuttingDown):
		out.shutdown = true
		if out.job == nil {
			out.job = j
		}
		notice = fmt.Sprintf("carto-mcp is shutting down, so the wait ended after %s: next_step says what becomes of the job.", roundSeconds(out.elapsed))
	case errors.Is(err, context.Canceled):
		return nil, out, "", &callError{kind: "wait_cancelled", text: fmt.Sprintf("The wait for job %s was cancelled after %s. "+
			"Cancelling a wait does not cancel the job: it keeps running in %s (list_jobs shows it). "+
			"Follow it with get_job (with wait_seconds to wait again), or stop it with cancel_job.", j.ID, roundSeconds(out.elapsed), d.jobHome())}
	case errors.Is(err, context.DeadlineExceeded):
		out.timedOut = true
		notice = "The call's time ran out while waiting; the state shown is the last one read."
	default:
		cerr := describeError(opGetJob, err, d.opts.CallTimeout)
		cerr.text = fmt.Sprintf("Waiting for job %s failed after %s; the job itself is not affected (do not submit it again). %s",
			j.ID, roundSeconds(out.elapsed), cerr.text)
		return nil, out, "", cerr
	}
	if out.pollErr != nil {
		notice = "CARTO could not be read at the end of the wait (" + out.pollErr.Error() + "); the state shown is the last one read."
	}
	return out.job, out, notice, nil
}

// reportJob waits up to wait for job j on conn (see awaitJob) and reports the
// state it is in then: the job, remembered for later calls, with its next step,
// and the wait, with grantNotice (from waitGrant) first among its notices.
// submit_job and get_job both end here.
func (d *Deps) reportJob(ctx context.Context, conn string, j *client.Job, wait time.Duration, grantNotice string, info *callInfo) (Job, WaitReport, *callError) {
	final, waited, waitNotice, cerr := d.awaitJob(ctx, conn, j, wait, info)
	if cerr != nil {
		return Job{}, WaitReport{}, cerr
	}
	job := jobFromClient(final, conn)
	d.jobs.remember(job.JobID, job.Connection)
	job.NextStep = d.jobNextStep(final, waited)
	report := WaitReport{Notice: joinNotices(grantNotice, waitNotice)}
	if wait > 0 {
		report.WaitedSeconds = waitedSeconds(waited.elapsed)
	}
	info.attrs = append(info.attrs, slog.String("job_id", job.JobID), slog.String("status", job.Status))
	return job, report, nil
}

// waitedSeconds is elapsed for waited_seconds, to a tenth of a second.
func waitedSeconds(elapsed time.Duration) float64 {
	return math.Round(elapsed.Seconds()*10) / 10
}

// errShuttingDown ends the waits in progress when the server stops.
var errShuttingDown = errors.New("carto-mcp is shutting down")

// shutdownNotice tells a wait cut short by the server stopping what becomes
// of its job: a CARTO job runs on; a job of the local warehouse, which runs
// inside this server, is cancelled when the warehouse closes.
func (d *Deps) shutdownNotice(out waitOutcome) string {
	s := fmt.Sprintf("carto-mcp is shutting down, so this wait ended after %s. ", roundSeconds(out.elapsed))
	if out.job.Status.Done() {
		return s + "The job had already ended."
	}
	if d.opts.Local {
		return s + "This job runs in the server's embedded local warehouse, which stops with it: the job is being cancelled, " +
			"and nothing of it survives the restart. Once carto-mcp runs again, submit it again with submit_job if it is still needed."
	}
	return s + "The job itself keeps running in CARTO: once carto-mcp runs again, follow it with get_job (job_id " +
		out.job.ID + "). Do not submit it again."
}

// jobNextStep is next_step for a job a call may have waited for.
func (d *Deps) jobNextStep(j *client.Job, out waitOutcome) string {
	if out.shutdown && !j.Status.Done() {
		return d.shutdownNotice(out)
	}
	s := nextStep(j, d.opts.Now(), !d.opts.ReadOnly, d.opts.MaxWaitSeconds)
	if out.timedOut && !j.Status.Done() {
		s = fmt.Sprintf("Waited %s; the job has not ended yet. ", roundSeconds(out.elapsed)) + s
	}
	return s
}

// joinNotices joins non-empty notices with a space.
func joinNotices(notices ...string) string {
	var s string
	for _, n := range notices {
		if n == "" {
			continue
		}
		if s != "" {
			s += " "
		}
		s += n
	}
	return s
}

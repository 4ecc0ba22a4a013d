package tools

import (
	"context"
	"time"

	"github.com/carto-mcp/carto-mcp/client"
)

// The waiter is the one place that polls CARTO for a job's status: submit_job
// and get_job with wait_seconds, cancel_job confirming a cancel, task-augmented
// submit_job calls and resource subscriptions all go through waitJob.
//
// It polls with growing intervals: pollFirst, doubled up to pollFast, then
// ×pollGrowth each time, up to pollMax (0.05 s, 0.1 s, 0.2 s, 0.4 s, 0.6 s,
// 0.9 s, 1.35 s, 2 s, 3 s, 4.6 s, 5 s, 5 s, ...): a job of a few milliseconds
// (common on the local warehouse) answers within 50 ms rather than after a
// 0.5 s floor, a job that takes seconds is seen to end within a fraction of
// its run time, and a job that takes hours costs one request every 5 s.
const (
	pollFirst  = 50 * time.Millisecond
	pollFast   = 400 * time.Millisecond
	pollGrowth = 1.5
	pollMax    = 5 * time.Second
	// heartbeatEvery bounds the time between two onTick calls while a wait
	// sleeps between polls (used for progress notifications).
	heartbeatEvery = 2 * time.Second
	// deadlineReserve is what a wait leaves of its context's deadline for
	// the caller to answer after the last poll.
	deadlineReserve = 5 * time.Second
	// failingFor is how long an unbounded wait (a task, a subscription) keeps
	// polling through temporary failures before it gives up.
	failingFor = 5 * time.Minute
)

// nextPoll is the interval after prev (0 for the first one).
func nextPoll(prev time.Duration) time.Duration {
	switch {
	case prev <= 0:
		return pollFirst
	case prev < pollFast:
		return min(prev*2, pollFast)
	}
	return min(time.Duration(float64(prev)*pollGrowth), pollMax)
}

// clock is the waiter's time source. Tests replace it with a fake that sleeps
// instantly, so that backoff and budgets are tested without wall-clock timing.
type clock interface {
	Now() time.Time
	// Sleep waits d, or until ctx is done (then it returns ctx's error).
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// waitSpec describes one wait for a job.
type waitSpec struct {
	conn, id string
	// budget bounds the wait; 0 waits until the job ends (or ctx does).
	budget time.Duration
	// onPoll, when set, is called with each state read from CARTO.
	onPoll func(j *client.Job, elapsed time.Duration)
	// onTick, when set, is called at least every heartbeatEvery while the
	// wait sleeps between polls, with the last state seen.
	onTick func(j *client.Job, elapsed time.Duration)
}

// waitOutcome is how a wait ended.
type waitOutcome struct {
	job      *client.Job // the last state read (or the one the wait started from)
	elapsed  time.Duration
	polls    int
	timedOut bool  // the budget ran out before the job ended
	shutdown bool  // the server began shutting down during the wait
	pollErr  error // the last poll's temporary failure, when the wait ended on one
}

// waitJob polls the job in spec until it ends, the budget runs out or ctx is
// done. last is the state the caller already holds (nil to poll at once). A
// temporary failure of a poll (network, 5xx, 429) is retried on the same
// schedule; any other failure, or ctx ending, ends the wait with that error,
// and the outcome then still holds the last state seen.
func (d *Deps) waitJob(ctx context.Context, spec waitSpec, last *client.Job) (waitOutcome, error) {
	start := d.clock.Now()
	budget, bounded := spec.budget, spec.budget > 0
	if dl, ok := ctx.Deadline(); ok && bounded {
		budget = max(min(budget, time.Until(dl)-deadlineReserve), 0)
	}
	out := waitOutcome{job: last}
	var interval time.Duration
	var failingSince time.Time
	pollNow := last == nil
	for {
		if out.job != nil && out.job.Status.Done() {
			return out, nil
		}
		out.elapsed = d.clock.Now().Sub(start)
		if !pollNow {
			if bounded && out.elapsed >= budget {
				out.timedOut = true
				if out.job == nil {
					return out, out.pollErr
				}
				return out, nil
			}
			interval = nextPoll(interval)
			sleep := interval
			if bounded {
				sleep = min(sleep, budget-out.elapsed)
			}
			if err := d.sleepTicking(ctx, sleep, start, out.job, spec.onTick); err != nil {
				return out, err
			}
		}
		pollNow = false
		j, err := d.carto(ctx).Jobs.Get(ctx, spec.conn, spec.id)
		out.polls++
		out.elapsed = d.clock.Now().Sub(start)
		if err != nil {
			if ctx.Err() != nil {
				return out, ctx.Err()
			}
			if !client.IsRetryable(err) {
				return out, err
			}
			if failingSince.IsZero() {
				failingSince = d.clock.Now()
			}
			out.pollErr = err
			if !bounded && d.clock.Now().Sub(failingSince) > failingFor {
				return out, err
			}
			continue
		}
		failingSince, out.pollErr = time.Time{}, nil
		out.job = j
		if spec.onPoll != nil {
			spec.onPoll(j, out.elapsed)
		}
	}
}

// sleepTicking sleeps d, calling onTick (when set) at least every
// heartbeatEvery with the time elapsed since start.
func (d *Deps) sleepTicking(ctx context.Context, dur time.Duration, start time.Time, j *client.Job,
	onTick func(*client.Job, time.Duration)) error {
	if onTick == nil {
		return d.clock.Sleep(ctx, dur)
	}
	for dur > 0 {
		step := min(dur, heartbeatEvery)
		if err := d.clock.Sleep(ctx, step); err != nil {
			return err
		}
		dur -= step
		if dur > 0 {
			onTick(j, d.clock.Now().Sub(start))
		}
	}
	return nil
}

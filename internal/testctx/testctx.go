// Package testctx bounds the waits of tests by the test binary's own deadline
// (go test -timeout, 10 minutes by default), never by a fixed duration: a busy
// machine makes a test slower, not failing. A wait that never ends still fails,
// with its own message, shortly before the binary's deadline would kill it.
package testctx

import (
	"context"
	"testing"
	"time"
)

// margin is what a wait leaves of the binary's deadline, for its failure to
// be reported and the test's cleanup to run.
const margin = 30 * time.Second

// Deadline is when a test's waits give up; ok is false when the binary has no
// deadline (-timeout 0), and then waits have no bound.
func Deadline(t testing.TB) (deadline time.Time, ok bool) {
	dt, hasDeadline := t.(interface{ Deadline() (time.Time, bool) })
	if !hasDeadline {
		return time.Time{}, false
	}
	d, ok := dt.Deadline()
	if !ok {
		return time.Time{}, false
	}
	if left := time.Until(d); left < 2*margin {
		return d.Add(-left / 2), true
	}
	return d.Add(-margin), true
}

// Context is a context for the test's calls, done at Deadline or when the
// test ends (after its cleanups, so they may use it too).
func Context(t testing.TB) context.Context {
	return From(t, context.Background())
}

// From is Context with parent as the parent.
func From(t testing.TB, parent context.Context) context.Context {
	ctx, cancel := context.WithCancel(parent)
	if d, ok := Deadline(t); ok {
		ctx, cancel = context.WithDeadline(parent, d)
	}
	t.Cleanup(cancel)
	return ctx
}

// Remaining is how long until Deadline: the window for a poll such as
// require.Eventually. Without a deadline it is a day.
func Remaining(t testing.TB) time.Duration {
	if d, ok := Deadline(t); ok {
		return time.Until(d)
	}
	return 24 * time.Hour
}

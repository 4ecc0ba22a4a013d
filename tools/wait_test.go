package tools_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/cartofake"
	"github.com/carto-mcp/carto-mcp/client"
	"github.com/carto-mcp/carto-mcp/schemas"
	"github.com/carto-mcp/carto-mcp/tools"
)

// The waiter, on the fake CARTO and a fake clock: every poll interval, budget
// and progress value below is exact, and no test sleeps.

func seconds(f ...float64) []time.Duration {
	out := make([]time.Duration, len(f))
	for i, s := range f {
		out[i] = time.Duration(s * float64(time.Second))
	}
	return out
}

func TestNextPollGrowsToCap(t *testing.T) {
	t.Parallel()
	var got []time.Duration
	var d time.Duration
	for range 12 {
		d = tools.NextPoll(d)
		got = append(got, d)
	}
	assert.Equal(t, seconds(0.05, 0.1, 0.2, 0.4, 0.6, 0.9, 1.35, 2.025, 3.0375, 4.55625, 5, 5), got)
}

// TestSubmitJobWaitsUntilDone: submit_job with wait_seconds polls with growing
// intervals and answers with the job's end.
func TestSubmitJobWaitsUntilDone(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withFakeClock())
	e.fake.SetJobScript(cartofake.Statuses("running", "running", "running", "running", "running", "running", "success")...)

	var out tools.SubmitJobOutput
	e.ok(e.call(tools.ToolSubmitJob, map[string]any{"sql": "CREATE TABLE a.b.c AS SELECT 1", "wait_seconds": 50}), &out)
	assert.Equal(t, "success", out.Status)
	assert.True(t, out.Done)
	assert.Empty(t, out.Notice)
	assert.Equal(t, 3.6, out.WaitedSeconds) // 0.05 + 0.1 + ... + 1.35
	assert.Equal(t, seconds(0.05, 0.1, 0.2, 0.4, 0.6, 0.9, 1.35), e.clock.Sleeps())
	assert.Len(t, e.fake.RequestsTo("GET", "/job/"+out.JobID), 7, "one GET per interval")
	assert.Contains(t, out.NextStep, "finished successfully")
	assert.Equal(t, tools.JobURI(defaultConn, out.JobID), out.ResourceURI)
}

// TestGetJobWaitRunsOut: the wait ends at its budget, with one last poll
// there, and the result says how to keep waiting.
func TestGetJobWaitRunsOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withFakeClock())
	e.fake.SetJobScript(cartofake.Statuses("running")...)
	var sub tools.SubmitJobOutput
	e.ok(e.call(tools.ToolSubmitJob, map[string]any{"sql": "INSERT INTO t SELECT 1"}), &sub)
	assert.Zero(t, sub.WaitedSeconds, "no wait asked")
	assert.Empty(t, missing(sub.NextStep, "wait_seconds=50", "get_job", "do not submit it again"))

	var got tools.GetJobOutput
	e.ok(e.call(tools.ToolGetJob, map[string]any{"job_id": sub.JobID, "wait_seconds": 3}), &got)
	assert.False(t, got.Done)
	assert.Equal(t, "running", got.Status)
	assert.Equal(t, 3.0, got.WaitedSeconds)
	assert.Equal(t, seconds(0.05, 0.1, 0.2, 0.4, 0.6, 0.9, 0.75), e.clock.Sleeps(), "the last interval is cut to the budget")
	assert.Len(t, e.fake.RequestsTo("GET", "/job/"+sub.JobID), 8, "the first read, then one poll per interval")
	assert.Empty(t, missing(got.NextStep, "Waited 3 s", "has not ended", "get_job", "wait_seconds=50", "do not submit it again", "cancel_job"))
}

func TestWaitSecondsLoweredToServerMaximum(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withFakeClock(), withOptions(func(o *tools.Options) { o.MaxWaitSeconds = 5 }))
	e.fake.SetJobScript(cartofake.Statuses("running")...)
	var sub tools.SubmitJobOutput
	e.ok(e.call(tools.ToolSubmitJob, map[string]any{"sql": "INSERT INTO t SELECT 1", "wait_seconds": 120}), &sub)
	assert.False(t, sub.Done)
	assert.Equal(t, 5.0, sub.WaitedSeconds)
	assert.Contains(t, sub.Notice, "wait_seconds 120 was lowered to this server's maximum, 5")
	assert.Contains(t, sub.NextStep, "wait_seconds=5 ")

	text := e.failed(e.call(tools.ToolGetJob, map[string]any{"job_id": sub.JobID, "wait_seconds": 301}))
	assert.Empty(t, missing(text, "wait_seconds", "out of range", "300"))
}

func TestWaitDisabledWhenCallTimeoutLeavesNoRoom(t *testing.T) {
	t.Parallel()
	// 10 s is the largest deadline that leaves a wait no room (waits end 10 s
	// before it), and the call's own work is far inside it.
	e := newEnv(t, withOptions(func(o *tools.Options) { o.CallTimeout = 10 * time.Second }))
	assert.Equal(t, 0, e.deps.Options().MaxWaitSeconds)
	e.fake.SetJobScript(cartofake.Statuses("running")...)
	var sub tools.SubmitJobOutput
	e.ok(e.call(tools.ToolSubmitJob, map[string]any{"sql": "INSERT INTO t SELECT 1", "wait_seconds": 10}), &sub)
	assert.False(t, sub.Done)
	assert.Zero(t, sub.WaitedSeconds)
	assert.Contains(t, sub.Notice, "does not wait")
	assert.NotContains(t, sub.NextStep, "wait_seconds")
	assert.Contains(t, sub.NextStep, "in about 5 s")
}

func TestMaxWaitSecondsOptions(t *testing.T) {
	t.Parallel()
	fake := cartofake.New(t)
	c, err := client.New(client.Config{BaseURL: fake.URL, Token: client.StaticToken("x")})
	require.NoError(t, err)
	for _, tc := range []struct {
		maxWait int
		timeout time.Duration
		want    int
		err     string
	}{
		{0, 0, tools.DefaultMaxWaitSeconds, ""},
		{0, 30 * time.Second, 20, ""},
		{-1, 0, 0, ""},
		{65, 0, 65, ""},
		{66, 0, 0, "must end 10s before CallTimeout"},
		{tools.MaxWaitSecondsLimit + 1, time.Hour, 0, "at most 300"},
	} {
		d, err := tools.NewDeps(tools.Options{Client: c, MaxWaitSeconds: tc.maxWait, CallTimeout: tc.timeout})
		if tc.err != "" {
			assert.ErrorContains(t, err, tc.err, "%+v", tc)
			continue
		}
		require.NoError(t, err, "%+v", tc)
		assert.Equal(t, tc.want, d.Options().MaxWaitSeconds, "%+v", tc)
		d.Close()
	}
}

func TestWaitSecondsSchemasMatchLimit(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{tools.ToolSubmitJob, tools.ToolGetJob} {
		b, err := schemas.Input(tool)
		require.NoError(t, err)
		var doc struct {
			Properties map[string]struct {
				Type    string   `json:"type"`
				Minimum *float64 `json:"minimum"`
				Maximum *float64 `json:"maximum"`
				Default any      `json:"default"`
			} `json:"properties"`
		}
		require.NoError(t, json.Unmarshal(b, &doc))
		ws := doc.Properties["wait_seconds"]
		require.NotNil(t, ws.Maximum, tool)
		assert.Equal(t, "integer", ws.Type)
		assert.Equal(t, float64(tools.MaxWaitSecondsLimit), *ws.Maximum)
		assert.Equal(t, 0.0, *ws.Minimum)
		assert.Equal(t, 0.0, ws.Default)
	}
}

// TestWaitRidesOutTemporaryFailures: a 503 while polling is retried on the
// schedule; a 404 ends the wait with an error that keeps the model from
// submitting again.
func TestWaitRidesOutTemporaryFailures(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withFakeClock())
	e.fake.SetJobScript(cartofake.Statuses("running", "running", "success")...)
	var sub tools.SubmitJobOutput
	e.ok(e.call(tools.ToolSubmitJob, map[string]any{"sql": "INSERT INTO t SELECT 1"}), &sub)
	e.fake.Inject(failReads(sub.JobID, 2, 3, 503))
	var got tools.GetJobOutput
	e.ok(e.call(tools.ToolGetJob, map[string]any{"job_id": sub.JobID, "wait_seconds": 50}), &got)
	assert.Equal(t, "success", got.Status)
	assert.Empty(t, got.Notice)

	e.fake.SetJobScript(cartofake.Statuses("running")...)
	e.ok(e.call(tools.ToolSubmitJob, map[string]any{"sql": "INSERT INTO t SELECT 2"}), &sub)
	e.fake.Inject(failReads(sub.JobID, 2, 1000, 503))
	e.ok(e.call(tools.ToolGetJob, map[string]any{"job_id": sub.JobID, "wait_seconds": 2}), &got)
	assert.False(t, got.Done)
	assert.Empty(t, missing(got.Notice, "could not be read at the end of the wait", "HTTP 503"))
	e.fake.ClearFaults()

	e.ok(e.call(tools.ToolSubmitJob, map[string]any{"sql": "INSERT INTO t SELECT 3"}), &sub)
	e.fake.Inject(failReads(sub.JobID, 2, 1000, 404))
	text := e.failed(e.call(tools.ToolGetJob, map[string]any{"job_id": sub.JobID, "wait_seconds": 10}))
	assert.Empty(t, missing(text, "Waiting for job "+sub.JobID+" failed", "do not submit it again", "HTTP 404", "fault 404"))
}

// failReads fails the reads of a job numbered from to to (1-based) with
// status.
func failReads(jobID string, from, to, status int) cartofake.Fault {
	var mu sync.Mutex
	reads := 0
	return cartofake.Fault{Method: "GET", PathSuffix: "/job/" + jobID, Status: status,
		Body: fmt.Sprintf(`{"error":"fault %d","status":%d}`, status, status),
		Match: func(*http.Request) bool {
			mu.Lock()
			defer mu.Unlock()
			reads++
			return reads >= from && reads <= to
		}}
}

// TestWaitFailedJobReturnsAtOnce: a job that fails ends the wait at once, with
// its error and what to do.
func TestWaitFailedJobReturnsAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withFakeClock())
	e.fake.SetJobScript(cartofake.JobStep{Status: "failure", Error: &cartofake.JobError{Code: 400, Msg: "Syntax error at [1:8]"}})
	var out tools.SubmitJobOutput
	e.ok(e.call(tools.ToolSubmitJob, map[string]any{"sql": "SELECT FROM", "wait_seconds": 50}), &out)
	assert.True(t, out.Done)
	assert.Equal(t, "failure", out.Status)
	assert.Equal(t, &tools.JobError{Code: "400", Msg: "Syntax error at [1:8]"}, out.Error)
	assert.Equal(t, seconds(0.05), e.clock.Sleeps())
	assert.Empty(t, missing(out.NextStep, "failed: Syntax error", "submit a new job"))
}

// TestCancelJobWaitsForTheEnd: when CARTO accepts a cancel but the job still
// reads running, cancel_job polls until it reads ended.
func TestCancelJobWaitsForTheEnd(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withFakeClock())
	e.fake.SetJobScript(cartofake.Statuses("running")...)
	var sub tools.SubmitJobOutput
	e.ok(e.call(tools.ToolSubmitJob, map[string]any{"sql": "INSERT INTO t SELECT 1"}), &sub)
	// The DELETE is accepted, yet the warehouse takes three more reads to stop.
	e.fake.Inject(cartofake.Fault{Method: "DELETE", Times: 1, Status: 200, Body: "{}"})
	stopped := &cartofake.JobError{Code: "JOB_CANCELLED", Msg: "Job cancelled by user"}
	var gets int
	var mu sync.Mutex
	e.fake.Inject(cartofake.Fault{Method: "GET", PathSuffix: "/job/" + sub.JobID, Match: func(*http.Request) bool {
		mu.Lock()
		defer mu.Unlock()
		gets++
		if gets == 3 {
			e.fake.SetJobStatus(sub.JobID, "failure", stopped)
		}
		return false
	}})
	var out tools.CancelJobOutput
	e.ok(e.call(tools.ToolCancelJob, map[string]any{"job_id": sub.JobID}), &out)
	assert.True(t, out.CancelRequested)
	assert.True(t, out.Done)
	assert.Equal(t, "failure", out.Status)
	assert.Contains(t, out.NextStep, "has ended with status failure")
	assert.Equal(t, seconds(0.05, 0.1), e.clock.Sleeps())
}

// TestProgressNotifications: a waiting call with a progress token gets
// notifications/progress at the start, after every poll and at least every
// 2 s, with progress = seconds waited and total = the wait.
func TestProgressNotifications(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withFakeClock())
	e.fake.SetJobScript(cartofake.Statuses("running")...)
	var sub tools.SubmitJobOutput
	e.ok(e.call(tools.ToolSubmitJob, map[string]any{"sql": "INSERT INTO t SELECT 1"}), &sub)

	progress := collectProgress(e.mcp)
	var req mcp.CallToolRequest
	req.Params.Name = tools.ToolGetJob
	req.Params.Arguments = map[string]any{"job_id": sub.JobID, "wait_seconds": 8}
	req.Params.Meta = &mcp.Meta{ProgressToken: "tok-1"}
	res, err := e.mcp.CallTool(testContext(t), req)
	require.NoError(t, err)
	var got tools.GetJobOutput
	e.ok(res, &got)
	require.False(t, got.Done)

	// Polls at 0.05, 0.15, 0.35, 0.75, 1.35, 2.25, 3.6, 5.625 and 8; the
	// sleeps over 2 s before the last two tick at 5.6 and 7.625 (the poll at
	// 5.625 rounds to 5.6 too, and progress must grow, so it sends nothing).
	want := []float64{0, 0.1, 0.2, 0.4, 0.8, 1.4, 2.3, 3.6, 5.6, 7.6, 8}
	notes := progress.wait(t, "tok-1", len(want))
	var values []float64
	for _, n := range notes {
		values = append(values, n.Progress)
		assert.Equal(t, 8.0, n.Total)
		assert.Contains(t, n.Message, "CARTO job "+sub.JobID+" is running")
		assert.Contains(t, n.Message, "of 8 s")
	}
	assert.Equal(t, want, values)
	assert.Equal(t, seconds(0.05, 0.1, 0.2, 0.4, 0.6, 0.9, 1.35, 2, 0.025, 2, 0.375), e.clock.Sleeps())

	// No token, no notifications.
	e.ok(e.call(tools.ToolGetJob, map[string]any{"job_id": sub.JobID, "wait_seconds": 2}), &got)
	assert.Len(t, progress.all(), len(want))
}

// TestWaitEndsAtShutdown: when the server stops (Options.Context ends), a
// wait ends at once with a result, not a broken call, and says what becomes of
// the job: a CARTO job keeps running.
func TestWaitEndsAtShutdown(t *testing.T) {
	t.Parallel()
	ctx, stop := context.WithCancel(context.Background())
	e := newEnv(t, withFakeClock(), withOptions(func(o *tools.Options) { o.Context = ctx }))
	e.fake.SetJobScript(cartofake.Statuses("running")...)
	var sub tools.SubmitJobOutput
	e.ok(e.call(tools.ToolSubmitJob, map[string]any{"sql": "INSERT INTO t SELECT 1"}), &sub)

	stop() // SIGTERM
	var got tools.GetJobOutput
	e.ok(e.call(tools.ToolGetJob, map[string]any{"job_id": sub.JobID, "wait_seconds": 30}), &got)
	assert.False(t, got.Done)
	assert.Equal(t, "running", got.Status)
	assert.Contains(t, got.Notice, "shutting down")
	assert.Empty(t, missing(got.NextStep, "shutting down", "keeps running in CARTO", "get_job", sub.JobID, "Do not submit it again"))
	assert.Empty(t, e.clock.Sleeps(), "the wait did not go on polling")
}

// TestFastJobAnswersWithoutAFloor: a job that ends within milliseconds (the
// local warehouse's usual) is seen at the first poll, 50 ms in, not after a
// half-second floor.
func TestFastJobAnswersWithoutAFloor(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withFakeClock())
	e.fake.SetJobScript(cartofake.Statuses("success")...) // created pending, done at the first read
	var out tools.SubmitJobOutput
	e.ok(e.call(tools.ToolSubmitJob, map[string]any{"sql": "INSERT INTO t SELECT 1", "wait_seconds": 50}), &out)
	assert.True(t, out.Done)
	assert.Equal(t, seconds(0.05), e.clock.Sleeps(), "one poll, 50 ms after the job was created")
	assert.Equal(t, 0.1, out.WaitedSeconds)
}

package tools_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/cartofake"
	"github.com/carto-mcp/carto-mcp/tools"
)

const tilesetSQL = "CALL carto.CREATE_TILESET('`p.d.src`', '`p.d.src_tileset`', NULL)"

func TestJobLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.fake.SetJobScript(cartofake.Statuses("running", "running", "success")...)

	var sub tools.SubmitJobOutput
	text := e.ok(e.call(tools.ToolSubmitJob, `{"sql":"`+tilesetSQL+`","metadata":{"origin":"test","n":12345678901234567890},"parameters":{"x":1}}`), &sub)
	assert.Equal(t, "job_000001", sub.JobID)
	assert.Equal(t, defaultConn, sub.Connection)
	assert.Equal(t, "pending", sub.Status)
	assert.False(t, sub.Done)
	assert.Equal(t, tilesetSQL, sub.Query)
	assert.Equal(t, cartofake.DefaultUser, sub.User)
	assert.JSONEq(t, `{"type":"cartofake","warehouseJobId":"wh_000001"}`, string(sub.Provider))
	_, err := time.Parse(time.RFC3339Nano, sub.CreatedAt)
	assert.NoError(t, err)
	assert.Empty(t, missing(sub.NextStep, "still pending", "get_job", "in about 5 s", "do not submit it again"))
	var fromText tools.SubmitJobOutput
	require.NoError(t, json.Unmarshal([]byte(text), &fromText), "the text form is the JSON")
	assert.Equal(t, sub, fromText)

	created := e.fake.RequestsTo("POST", "/v3/sql/"+defaultConn+"/job")
	require.Len(t, created, 1)
	assert.Equal(t, tilesetSQL, created[0].SQL)
	assert.JSONEq(t, `{"x":1}`, string(created[0].Params))
	assert.Contains(t, string(created[0].Body), `"metadata":{"origin":"test","n":12345678901234567890}`, "metadata is sent as is")

	var listed tools.ListJobsOutput
	e.ok(e.call(tools.ToolListJobs, nil), &listed)
	require.Equal(t, 1, listed.Count)
	assert.Equal(t, sub.JobID, listed.Jobs[0].JobID)
	assert.Equal(t, defaultConn, listed.Jobs[0].Connection)
	assert.Empty(t, listed.Jobs[0].NextStep)

	var got tools.GetJobOutput
	for _, want := range []string{"running", "running", "success"} {
		e.ok(e.call(tools.ToolGetJob, map[string]any{"job_id": sub.JobID}), &got)
		assert.Equal(t, want, got.Status)
		assert.Equal(t, want == "success", got.Done)
	}
	assert.Empty(t, missing(got.NextStep, "finished successfully", "run_query"))

	e.ok(e.call(tools.ToolListJobs, map[string]any{}), &listed)
	assert.Equal(t, 0, listed.Count)
	assert.Equal(t, []tools.Job{}, listed.Jobs)
}

func TestJobFailure(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.fake.SetJobScript(cartofake.JobStep{Status: "failure", Error: &cartofake.JobError{Code: 400,
		Msg: "Already Exists: Table p:d.src_tileset"}})
	var sub tools.SubmitJobOutput
	e.ok(e.call(tools.ToolSubmitJob, map[string]any{"sql": tilesetSQL}), &sub)
	var got tools.GetJobOutput
	e.ok(e.call(tools.ToolGetJob, map[string]any{"job_id": sub.JobID}), &got)
	assert.Equal(t, "failure", got.Status)
	assert.True(t, got.Done)
	assert.Equal(t, &tools.JobError{Code: "400", Msg: "Already Exists: Table p:d.src_tileset"}, got.Error)
	assert.Empty(t, missing(got.NextStep, "failed: Already Exists", "submit a new job", "drop it first or choose another name"))
}

func TestJobUnknownStatusIsNotDone(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.fake.SetJobScript(cartofake.Statuses("queued_in_warehouse")...)
	var sub tools.SubmitJobOutput
	e.ok(e.call(tools.ToolSubmitJob, map[string]any{"sql": "INSERT INTO t VALUES (1)"}), &sub)
	var got tools.GetJobOutput
	e.ok(e.call(tools.ToolGetJob, map[string]any{"job_id": sub.JobID}), &got)
	assert.Equal(t, "queued_in_warehouse", got.Status)
	assert.False(t, got.Done)
	assert.Empty(t, missing(got.NextStep, "does not know", "get_job again"))
}

// TestJobRegistry: the server remembers the connection of the jobs it submits
// (and lists), so get_job and cancel_job need only the job id, even on a server
// with no default connection.
func TestJobRegistry(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withoutDefaultConnection())
	e.fake.SetJobScript(cartofake.Statuses("running")...)

	var sub tools.SubmitJobOutput
	e.ok(e.call(tools.ToolSubmitJob, map[string]any{"sql": "CREATE TABLE a.b.c AS SELECT 1", "connection": "snowflake_conn"}), &sub)
	assert.Equal(t, "snowflake_conn", sub.Connection)

	var got tools.GetJobOutput
	e.ok(e.call(tools.ToolGetJob, map[string]any{"job_id": sub.JobID}), &got)
	assert.Equal(t, "snowflake_conn", got.Connection)
	assert.Equal(t, "running", got.Status)
	gets := e.fake.RequestsTo("GET", "/v3/sql/snowflake_conn/job/"+sub.JobID)
	assert.Len(t, gets, 1)

	var cancelled tools.CancelJobOutput
	e.ok(e.call(tools.ToolCancelJob, map[string]any{"job_id": sub.JobID}), &cancelled)
	assert.Equal(t, "snowflake_conn", cancelled.Connection)
	assert.Len(t, e.fake.RequestsTo("DELETE", "/v3/sql/snowflake_conn/job/"+sub.JobID), 1)

	// A job this server never saw needs a connection.
	text := e.failed(e.call(tools.ToolGetJob, map[string]any{"job_id": "job_424242"}))
	assert.Empty(t, missing(text, "does not know job job_424242", "Pass `connection`", "list_jobs"))
	text = e.failed(e.call(tools.ToolCancelJob, map[string]any{"job_id": "job_424242"}))
	assert.Contains(t, text, "Pass `connection`")

}

func TestJobListedJobsAreRemembered(t *testing.T) {
	t.Parallel()
	// Two MCP servers share one fake CARTO: the second learns the job from list_jobs.
	first := newEnv(t, withoutDefaultConnection())
	first.fake.SetJobScript(cartofake.Statuses("running")...)
	var sub tools.SubmitJobOutput
	first.ok(first.call(tools.ToolSubmitJob, map[string]any{"sql": "SELECT 1", "connection": "pg"}), &sub)

	second := newEnvOn(t, first.fake, withoutDefaultConnection())
	second.failed(second.call(tools.ToolGetJob, map[string]any{"job_id": sub.JobID}))
	var listed tools.ListJobsOutput
	second.ok(second.call(tools.ToolListJobs, nil), &listed)
	require.Equal(t, 1, listed.Count)
	var got tools.GetJobOutput
	second.ok(second.call(tools.ToolGetJob, map[string]any{"job_id": sub.JobID}), &got)
	assert.Equal(t, "pg", got.Connection)
}

func TestCancelJob(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.fake.SetJobScript(cartofake.Statuses("running")...)
	var sub tools.SubmitJobOutput
	e.ok(e.call(tools.ToolSubmitJob, map[string]any{"sql": tilesetSQL}), &sub)

	var out tools.CancelJobOutput
	e.ok(e.call(tools.ToolCancelJob, map[string]any{"job_id": sub.JobID}), &out)
	assert.True(t, out.CancelRequested)
	assert.True(t, out.Done, "the fake reports a cancelled job as failure at once")
	assert.Equal(t, "failure", out.Status)
	assert.Equal(t, &tools.JobError{Code: "JOB_CANCELLED", Msg: "Job cancelled by user"}, out.Error)
	assert.Contains(t, out.NextStep, "has ended with status failure")
	// Cancel, then read back the state it ended in.
	var methods []string
	for _, r := range e.fake.Requests() {
		methods = append(methods, r.Method)
	}
	assert.Equal(t, []string{"POST", "DELETE", "GET"}, methods)

	var got tools.GetJobOutput
	e.ok(e.call(tools.ToolGetJob, map[string]any{"job_id": sub.JobID}), &got)
	assert.Contains(t, got.NextStep, "The job was cancelled (Job cancelled by user)")

	// Cancelling again is harmless.
	e.ok(e.call(tools.ToolCancelJob, map[string]any{"job_id": sub.JobID}), &out)
	assert.True(t, out.Done)
}

func TestCancelJobStillRunningAndAlreadyEnded(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withFakeClock()) // cancel_job waits a while for the job to end
	e.fake.SetJobScript(cartofake.Statuses("running")...)
	var sub tools.SubmitJobOutput
	e.ok(e.call(tools.ToolSubmitJob, map[string]any{"sql": "INSERT INTO t SELECT 1"}), &sub)

	// CARTO accepts the cancel, yet the warehouse still reports the job running.
	e.fake.Inject(cartofake.Fault{Method: "DELETE", Times: 1, Status: 200, Body: "{}"})
	var out tools.CancelJobOutput
	e.ok(e.call(tools.ToolCancelJob, map[string]any{"job_id": sub.JobID}), &out)
	assert.True(t, out.CancelRequested)
	assert.False(t, out.Done)
	assert.Equal(t, "running", out.Status)
	assert.Empty(t, missing(out.NextStep, "accepted the cancel request", "still reads running", "get_job"))

	// A job that already ended: CARTO refuses the cancel, and the tool reports the final state.
	require.True(t, e.fake.SetJobStatus(sub.JobID, "success", nil))
	e.fake.Inject(cartofake.Fault{Method: "DELETE", Times: 1, Status: 400, Body: `{"error":"Job is not running","status":400}`})
	e.ok(e.call(tools.ToolCancelJob, map[string]any{"job_id": sub.JobID}), &out)
	assert.False(t, out.CancelRequested)
	assert.True(t, out.Done)
	assert.Equal(t, "success", out.Status)
	assert.Contains(t, out.NextStep, "had already ended with status success")

	// Refused while still running: the refusal is an error.
	require.True(t, e.fake.SetJobStatus(sub.JobID, "running", nil))
	e.fake.Inject(cartofake.Fault{Method: "DELETE", Times: 1, Status: 400, Body: `{"error":"Cannot cancel","status":400}`})
	text := e.failed(e.call(tools.ToolCancelJob, map[string]any{"job_id": sub.JobID}))
	assert.Empty(t, missing(text, "HTTP 400", "Cannot cancel", "get_job"))
}

func TestListJobsWrapped(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withFake(cartofake.WithWrappedJobList()))
	e.fake.SetJobScript(cartofake.Statuses("running")...)
	for i := range 3 {
		var sub tools.SubmitJobOutput
		e.ok(e.call(tools.ToolSubmitJob, map[string]any{"sql": fmt.Sprintf("INSERT INTO t VALUES (%d)", i), "connection": fmt.Sprintf("c%d", i)}), &sub)
	}
	var listed tools.ListJobsOutput
	text := e.ok(e.call(tools.ToolListJobs, nil), &listed)
	require.Equal(t, 3, listed.Count)
	for i, j := range listed.Jobs {
		assert.Equal(t, fmt.Sprintf("c%d", i), j.Connection)
		assert.Equal(t, "pending", j.Status)
	}
	assert.True(t, strings.HasPrefix(text, `{"jobs":[`))
}

func TestNextStepPollingGrowsWithAge(t *testing.T) {
	t.Parallel()
	// A fixed clock, an hour after the fake creates the job: no wall-clock timing.
	e := newEnv(t, withOptions(func(o *tools.Options) {
		o.Now = func() time.Time { return time.Now().Add(time.Hour) }
	}))
	e.fake.SetJobScript(cartofake.Statuses("running")...)
	var sub tools.SubmitJobOutput
	e.ok(e.call(tools.ToolSubmitJob, map[string]any{"sql": "INSERT INTO t SELECT 1"}), &sub)
	assert.Empty(t, missing(sub.NextStep, "submitted 1h", "ago", "in about 60 s"))
}

func TestReadOnlyGetJob(t *testing.T) {
	t.Parallel()
	writer := newEnv(t)
	writer.fake.SetJobScript(cartofake.Statuses("running")...)
	var sub tools.SubmitJobOutput
	writer.ok(writer.call(tools.ToolSubmitJob, map[string]any{"sql": "INSERT INTO t SELECT 1"}), &sub)
	assert.Contains(t, sub.NextStep, "cancel_job stops it")

	reader := newEnvOn(t, writer.fake, withOptions(func(o *tools.Options) { o.ReadOnly = true }))
	var got tools.GetJobOutput
	reader.ok(reader.call(tools.ToolGetJob, map[string]any{"job_id": sub.JobID}), &got)
	assert.Equal(t, "running", got.Status)
	assert.NotContains(t, got.NextStep, "cancel_job", "read-only mode offers no cancel_job")
	var listed tools.ListJobsOutput
	reader.ok(reader.call(tools.ToolListJobs, nil), &listed)
	assert.Equal(t, 1, listed.Count)
}

// A pending job has not started: next_step says when it was submitted.
func TestPendingJobIsNotSaidToHaveStarted(t *testing.T) {
	t.Parallel()
	// The clock reads 2 s after the fake created the job, however long the
	// call took (a clock of time.Now()+2s read 3 s once the call took 0.5 s).
	var e *env
	e = newEnv(t, withOptions(func(o *tools.Options) {
		o.Now = func() time.Time {
			if jobs := e.fake.Jobs(); len(jobs) > 0 {
				return jobs[0].CreatedAt.Add(2 * time.Second)
			}
			return time.Now()
		}
	}))
	e.fake.SetJobScript(cartofake.Statuses("pending")...)
	var sub tools.SubmitJobOutput
	e.ok(e.call(tools.ToolSubmitJob, map[string]any{"sql": "INSERT INTO t SELECT 1"}), &sub)
	assert.Equal(t, "pending", sub.Status)
	assert.Contains(t, sub.NextStep, "still pending (submitted 2s ago)")
	assert.NotContains(t, sub.NextStep, "started")
}

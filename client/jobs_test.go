package client

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/cartofake"
)

func TestJobLifecycle(t *testing.T) {
	t.Parallel()
	srv := cartofake.New(t)
	c := newTestClient(t, srv)
	ctx := testCtx(t)

	const sql = "CALL carto.CREATE_TILESET('`p.d.src`', '`p.d.src_tileset`', NULL)"
	job, err := c.Jobs.Create(ctx, &CreateJobRequest{SQL: sql, Parameters: json.RawMessage(`{"z":12}`),
		Metadata: json.RawMessage(`{"origin":"carto-mcp"}`)})
	require.NoError(t, err)
	assert.NotEmpty(t, job.ID)
	assert.Equal(t, JobPending, job.Status)
	assert.Equal(t, "conn", job.Connection)
	assert.Equal(t, cartofake.DefaultUser, job.User)
	assert.Equal(t, sql, job.Query)
	assert.False(t, job.CreatedAt.IsZero())
	assert.WithinDuration(t, time.Now(), job.CreatedAt, time.Hour) // parsed as RFC 3339, not a timing check
	assert.JSONEq(t, `{"type":"cartofake","warehouseJobId":"wh_000001"}`, string(job.Provider))

	reqs := srv.RequestsTo(http.MethodPost, "/job")
	require.Len(t, reqs, 1)
	assert.Equal(t, "/v3/sql/conn/job", reqs[0].Path)
	assert.Equal(t, "application/json", reqs[0].Header.Get("Content-Type"))
	assert.JSONEq(t, `{"query":`+mustJSON(t, sql)+`,"queryParameters":{"z":12},"metadata":{"origin":"carto-mcp"}}`, string(reqs[0].Body))

	list, err := c.Jobs.List(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, job.ID, list[0].ID)

	for _, want := range []JobStatus{JobRunning, JobSuccess, JobSuccess} {
		got, err := c.Jobs.Get(ctx, "", job.ID)
		require.NoError(t, err)
		assert.Equal(t, want, got.Status)
		assert.Equal(t, want.Done(), got.Status.Done())
	}
	list, err = c.Jobs.List(ctx)
	require.NoError(t, err)
	assert.Empty(t, list)
	assert.NotNil(t, list)

	lreqs := srv.RequestsTo(http.MethodGet, "/v3/sql/jobs")
	require.NotEmpty(t, lreqs)
	assert.Equal(t, "/v3/sql/jobs", lreqs[0].Path)
}

func TestJobFailureAndRawFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		step     cartofake.JobStep
		wantStat JobStatus
		wantErr  *JobError
		known    bool
		done     bool
	}{
		{name: "failure with numeric code", step: cartofake.JobStep{Status: "failure", Error: &cartofake.JobError{Code: 400, Msg: "Table exists"}},
			wantStat: JobFailure, wantErr: &JobError{Code: "400", Msg: "Table exists"}, known: true, done: true},
		{name: "failure with string code", step: cartofake.JobStep{Status: "failure", Error: &cartofake.JobError{Code: "BQ_ERR", Msg: "boom"}},
			wantStat: JobFailure, wantErr: &JobError{Code: "BQ_ERR", Msg: "boom"}, known: true, done: true},
		{name: "failure without code", step: cartofake.JobStep{Status: "failure", Error: &cartofake.JobError{Msg: "no code"}},
			wantStat: JobFailure, wantErr: &JobError{Msg: "no code"}, known: true, done: true},
		{name: "unknown status kept raw", step: cartofake.JobStep{Status: "queued_in_warehouse"},
			wantStat: JobStatus("queued_in_warehouse")},
		{name: "cancelled", step: cartofake.JobStep{Status: "cancelled"}, wantStat: JobCancelled, known: true, done: true},
		{name: "provider replaced", step: cartofake.JobStep{Status: "running", Provider: json.RawMessage(`{"bigquery":{"jobId":"bq_1","n":9007199254740993}}`)},
			wantStat: JobRunning, known: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := cartofake.New(t)
			srv.SetJobScript(tt.step)
			c := newTestClient(t, srv)
			job, err := c.Jobs.Create(testCtx(t), &CreateJobRequest{SQL: "CALL x()"})
			require.NoError(t, err)
			got, err := c.Jobs.Get(testCtx(t), "conn", job.ID)
			require.NoError(t, err)
			assert.Equal(t, tt.wantStat, got.Status)
			assert.Equal(t, tt.wantErr, got.Error)
			assert.Equal(t, tt.known, got.Status.Known())
			assert.Equal(t, tt.done, got.Status.Done())
			if tt.step.Provider != nil {
				assert.Equal(t, string(tt.step.Provider), string(got.Provider), "provider kept byte for byte")
			}
		})
	}
}

func TestJobDecodeTolerance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want Job
	}{
		{name: "error with message instead of msg", body: `{"jobId":"j","status":"failure","error":{"code":"E","message":"m"}}`,
			want: Job{ID: "j", Status: JobFailure, Error: &JobError{Code: "E", Msg: "m"}}},
		{name: "error as a bare string", body: `{"jobId":"j","status":"failure","error":"it broke"}`,
			want: Job{ID: "j", Status: JobFailure, Error: &JobError{Msg: "it broke"}}},
		{name: "error null", body: `{"jobId":"j","status":"success","error":null}`,
			want: Job{ID: "j", Status: JobSuccess}},
		{name: "odd timestamps left zero", body: `{"jobId":"j","status":"running","createdAt":"yesterday","updatedAt":1700000000}`,
			want: Job{ID: "j", Status: JobRunning}},
		{name: "RFC 3339 timestamps", body: `{"jobId":"j","status":"running","createdAt":"2024-05-01T10:00:00.123Z","updatedAt":"2024-05-01T12:00:00+02:00"}`,
			want: Job{ID: "j", Status: JobRunning, CreatedAt: time.Date(2024, 5, 1, 10, 0, 0, 123e6, time.UTC),
				UpdatedAt: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)}},
		{name: "metadata and provider raw", body: `{"jobId":"j","status":"pending","metadata":{"a":[1]},"provider":"opaque"}`,
			want: Job{ID: "j", Status: JobPending, Metadata: json.RawMessage(`{"a":[1]}`), Provider: json.RawMessage(`"opaque"`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var j Job
			require.NoError(t, json.Unmarshal([]byte(tt.body), &j))
			assert.True(t, tt.want.CreatedAt.Equal(j.CreatedAt), "createdAt %v", j.CreatedAt)
			assert.True(t, tt.want.UpdatedAt.Equal(j.UpdatedAt), "updatedAt %v", j.UpdatedAt)
			j.CreatedAt, j.UpdatedAt, tt.want.CreatedAt, tt.want.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
			assert.Equal(t, tt.want, j)
		})
	}
}

func TestJobList(t *testing.T) {
	t.Parallel()
	for _, wrapped := range []bool{false, true} {
		name := "bare array"
		if wrapped {
			name = "wrapped object"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var opts []cartofake.Option
			if wrapped {
				opts = append(opts, cartofake.WithWrappedJobList())
			}
			srv := cartofake.New(t, opts...)
			srv.SetJobScript(cartofake.Statuses("running")...)
			c := newTestClient(t, srv)
			ctx := testCtx(t)
			var ids []string
			for _, conn := range []string{"a", "b", "c"} {
				j, err := c.Jobs.Create(ctx, &CreateJobRequest{Connection: conn, SQL: "CALL x()"})
				require.NoError(t, err)
				ids = append(ids, j.ID)
			}
			_, err := c.Jobs.Get(ctx, "b", ids[1]) // -> running, still listed
			require.NoError(t, err)
			require.True(t, srv.SetJobStatus(ids[2], "success", nil))

			list, err := c.Jobs.List(ctx)
			require.NoError(t, err)
			require.Len(t, list, 2)
			assert.Equal(t, ids[0], list[0].ID)
			assert.Equal(t, JobPending, list[0].Status)
			assert.Equal(t, ids[1], list[1].ID)
			assert.Equal(t, "b", list[1].Connection)
			assert.Equal(t, JobRunning, list[1].Status)
		})
	}
}

func TestDecodeJobList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body    string
		wantIDs []string
		wantErr error
	}{
		{body: `[]`, wantIDs: []string{}},
		{body: `null`, wantIDs: []string{}},
		{body: ``, wantIDs: []string{}},
		{body: `[{"jobId":"1"},{"jobId":"2"}]`, wantIDs: []string{"1", "2"}},
		{body: `[null,{"jobId":"1"},{"status":"running"}]`, wantIDs: []string{"1"}},
		{body: `{"jobs":[{"jobId":"1"}]}`, wantIDs: []string{"1"}},
		{body: `{"data":[{"jobId":"1"}],"total":1}`, wantIDs: []string{"1"}},
		{body: `{"results":[{"jobId":"1"}]}`, wantIDs: []string{"1"}},
		{body: `{"jobs":null}`, wantIDs: []string{}},
		{body: `{"data":{"jobs":[{"jobId":"1"}]}}`, wantIDs: []string{"1"}},
		{body: `{"warnings":[],"jobs":[{"jobId":"1"}]}`, wantIDs: []string{"1"}},
		// Shapes not understood are said to be so, never read as "no jobs"
		// (issue 15.6).
		{body: `{"whatever":[{"jobId":"1"}]}`, wantErr: ErrUnknownShape},
		{body: `{"warnings":[],"items_v2":[{"jobId":"1"}]}`, wantErr: ErrUnknownShape},
		{body: `{"total":0}`, wantErr: ErrUnknownShape},
		{body: `{}`, wantErr: ErrUnknownShape},
		{body: `{"data":{"data":{"jobs":[]}}}`, wantErr: ErrUnknownShape},
		{body: `"x"`, wantErr: ErrInvalidResponse},
		{body: `[1]`, wantErr: ErrInvalidResponse},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			t.Parallel()
			jobs, err := decodeJobList(json.RawMessage(tt.body), 0)
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			ids := []string{}
			for _, j := range jobs {
				ids = append(ids, j.ID)
			}
			assert.Equal(t, tt.wantIDs, ids)
		})
	}
}

// TestListJobsUnknownShapeIsDeterministic: an answer with several arrays under
// names the client does not know gets the same error every time, naming the
// keys it saw (it used to pick one at random in map order).
func TestListJobsUnknownShapeIsDeterministic(t *testing.T) {
	t.Parallel()
	srv := cartofake.New(t)
	srv.Inject(cartofake.Fault{PathSuffix: "/v3/sql/jobs", Status: http.StatusOK, Times: 20,
		Body: `{"warnings":[],"items_v2":[{"jobId":"job_1","status":"running"}],"other":[]}`})
	c := newTestClient(t, srv)
	var first string
	for range 20 {
		jobs, err := c.Jobs.List(testCtx(t))
		require.ErrorIs(t, err, ErrUnknownShape)
		assert.Nil(t, jobs)
		if first == "" {
			first = err.Error()
		}
		assert.Equal(t, first, err.Error())
	}
	assert.Contains(t, first, `["items_v2", "other", "warnings"]`)
}

func TestJobCancel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fault   *cartofake.Fault // replaces the fake's answer to DELETE
		wantJob bool
		wantErr bool
	}{
		{name: "job body", wantJob: true},
		{name: "204 no content", fault: &cartofake.Fault{Method: http.MethodDelete, Status: http.StatusNoContent}},
		{name: "200 empty", fault: &cartofake.Fault{Method: http.MethodDelete, Status: http.StatusOK}},
		{name: "200 other JSON", fault: &cartofake.Fault{Method: http.MethodDelete, Status: http.StatusOK, Body: `{"ok":true}`}},
		{name: "200 plain text", fault: &cartofake.Fault{Method: http.MethodDelete, Status: http.StatusOK, Body: "Job cancelled", ContentType: "text/plain"}},
		{name: "202 accepted", fault: &cartofake.Fault{Method: http.MethodDelete, Status: http.StatusAccepted, Body: `{"status":"cancelling"}`}},
		{name: "404", fault: &cartofake.Fault{Method: http.MethodDelete, Status: 404, Body: `{"error":"Job not found"}`}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := cartofake.New(t)
			c := newTestClient(t, srv)
			ctx := testCtx(t)
			job, err := c.Jobs.Create(ctx, &CreateJobRequest{SQL: "CALL x()"})
			require.NoError(t, err)
			if tt.fault != nil {
				srv.Inject(*tt.fault)
			}
			got, err := c.Jobs.Cancel(ctx, "", job.ID)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			if tt.wantJob {
				require.NotNil(t, got)
				assert.Equal(t, job.ID, got.ID)
				assert.Equal(t, JobFailure, got.Status)
				require.NotNil(t, got.Error)
				assert.Equal(t, "JOB_CANCELLED", got.Error.Code)
			} else {
				assert.Nil(t, got)
			}
			reqs := srv.RequestsTo(http.MethodDelete, "")
			require.Len(t, reqs, 1)
			assert.Equal(t, "/v3/sql/conn/job/"+job.ID, reqs[0].Path)
		})
	}
}

func TestJobErrors(t *testing.T) {
	t.Parallel()
	srv := cartofake.New(t)
	c := newTestClient(t, srv)
	ctx := testCtx(t)

	_, err := c.Jobs.Get(ctx, "", "job_missing")
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 404, apiErr.StatusCode)
	assert.Equal(t, "get job", apiErr.Op)
	assert.Equal(t, "conn", apiErr.Connection)
	assert.Contains(t, apiErr.Message, "Job not found")

	_, err = c.Jobs.Cancel(ctx, "", "job_missing")
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "cancel job", apiErr.Op)

	for _, id := range []string{"", "  "} {
		_, err = c.Jobs.Get(ctx, "", id)
		assert.ErrorContains(t, err, "empty job id")
		_, err = c.Jobs.Cancel(ctx, "", id)
		assert.ErrorContains(t, err, "empty job id")
	}
	_, err = c.Jobs.Create(ctx, &CreateJobRequest{SQL: "x", Metadata: json.RawMessage(`[1]`)})
	assert.ErrorContains(t, err, "metadata must be a JSON object")

	// A 200 without a jobId is not a job.
	srv.Inject(cartofake.Fault{Method: http.MethodPost, PathSuffix: "/job", Times: 1, Status: 200, Body: `{"status":"pending"}`})
	_, err = c.Jobs.Create(ctx, &CreateJobRequest{SQL: "x"})
	assert.ErrorIs(t, err, ErrInvalidResponse)
	assert.Empty(t, srv.Jobs())

	// A job id with path characters is escaped as one segment.
	_, err = c.Jobs.Get(ctx, "", "a/b?c")
	require.ErrorAs(t, err, &apiErr)
	reqs := srv.RequestsTo(http.MethodGet, "")
	assert.Equal(t, "/v3/sql/conn/job/a/b?c", reqs[len(reqs)-1].Path)
	assert.Equal(t, "client=carto-mcp", reqs[len(reqs)-1].RawQuery)
}

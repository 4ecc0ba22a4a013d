package localwarehouse

import (
	"encoding/json"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func (e *testEnv) jobPath() string { return "/v3/sql/" + e.conn() + "/job" }

// submitJob posts a job that must be accepted.
func (e *testEnv) submitJob(query string, extra map[string]any) jobJSON {
	e.t.Helper()
	body := map[string]any{"query": query}
	for k, v := range extra {
		body[k] = v
	}
	r := e.postJSON(e.jobPath(), body)
	require.Equal(e.t, http.StatusCreated, r.status, "%s", r.body)
	return decodeJob(e.t, r.body)
}

func (e *testEnv) getJob(id string) (int, jobJSON) {
	e.t.Helper()
	r := e.do(http.MethodGet, e.jobPath()+"/"+id, "", nil, nil)
	if r.status != http.StatusOK {
		return r.status, jobJSON{}
	}
	return r.status, decodeJob(e.t, r.body)
}

func (e *testEnv) cancelJob(id string) jobJSON {
	e.t.Helper()
	r := e.do(http.MethodDelete, e.jobPath()+"/"+id, "", nil, nil)
	require.Equal(e.t, http.StatusOK, r.status, "%s", r.body)
	return decodeJob(e.t, r.body)
}

func (e *testEnv) listJobs() []jobJSON {
	e.t.Helper()
	r := e.do(http.MethodGet, "/v3/sql/jobs", "", nil, nil)
	require.Equal(e.t, http.StatusOK, r.status, "%s", r.body)
	var list []jobJSON
	require.NoError(e.t, json.Unmarshal(r.body, &list), "%s", r.body)
	return list
}

// waitJob polls until the job has one of the statuses.
func (e *testEnv) waitJob(id string, statuses ...string) jobJSON {
	e.t.Helper()
	var j jobJSON
	eventually(e.t, "job "+id+" to reach "+joinStatuses(statuses), func() bool {
		status, got := e.getJob(id)
		require.Equal(e.t, http.StatusOK, status)
		j = got
		for _, s := range statuses {
			if j.Status == s {
				return true
			}
		}
		return false
	})
	return j
}

func joinStatuses(s []string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func decodeJob(t testing.TB, body []byte) jobJSON {
	t.Helper()
	var j jobJSON
	require.NoError(t, json.Unmarshal(body, &j), "%s", body)
	return j
}

func TestJobSuccess(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})

	j := e.submitJob("CREATE TABLE demo.big_cities AS SELECT * FROM demo.cities WHERE population > @min",
		map[string]any{"queryParameters": map[string]any{"min": 20000000}, "metadata": map[string]any{"foo": "bar"}})
	assert.Equal(t, statusPending, j.Status)
	assert.Equal(t, e.conn(), j.Connection)
	assert.Equal(t, "local", j.User)
	assert.Equal(t, "CREATE TABLE demo.big_cities AS SELECT * FROM demo.cities WHERE population > @min", j.Query)
	assert.JSONEq(t, `{"foo":"bar"}`, string(j.Metadata))
	assert.Len(t, j.JobID, 36)
	for _, ts := range []string{j.CreatedAt, j.UpdatedAt} {
		_, err := time.Parse(time.RFC3339, ts)
		assert.NoError(t, err, ts)
	}

	done := e.waitJob(j.JobID, statusSuccess, statusFailure)
	require.Equal(t, statusSuccess, done.Status, "%+v", done.Error)
	assert.Nil(t, done.Error)
	assert.Equal(t, "duckdb", done.Provider.Engine)
	require.NotNil(t, done.Provider.RowsAffected)
	assert.Equal(t, int64(9), *done.Provider.RowsAffected, "CREATE TABLE ... AS SELECT counts the rows it wrote")
	assert.JSONEq(t, `{"foo":"bar"}`, string(done.Metadata))

	res := e.query("SELECT count(*) AS n FROM carto_local.demo.big_cities", nil)
	assert.Equal(t, "9", res.value(0, "n"))

	// Finished jobs are not listed.
	assert.Empty(t, e.listJobs())
}

func TestJobFailure(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{NoDemoData: true})

	j := e.submitJob("SELECT * FROM no_such_table", nil)
	done := e.waitJob(j.JobID, statusSuccess, statusFailure)
	assert.Equal(t, statusFailure, done.Status)
	require.NotNil(t, done.Error)
	assert.Equal(t, errCodeQuery, done.Error.Code)
	assert.Contains(t, done.Error.Msg, "no_such_table")
	assert.Nil(t, done.Provider.RowsAffected)
}

func TestJobCancelRunning(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{NoDemoData: true})

	j := e.submitJob(slowSQL, nil)
	e.waitJob(j.JobID, statusRunning)

	cancelled := e.cancelJob(j.JobID)
	if cancelled.Status == statusRunning { // still stopping; DELETE only waits a little
		cancelled = e.waitJob(j.JobID, statusFailure)
	}
	assert.Equal(t, statusFailure, cancelled.Status)
	require.NotNil(t, cancelled.Error)
	assert.Equal(t, errCodeCancelled, cancelled.Error.Code)

	// Cancelling a finished job changes nothing.
	again := e.cancelJob(j.JobID)
	assert.Equal(t, cancelled, again)
}

func TestJobPendingWhileSlotsAreFull(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{NoDemoData: true, MaxConcurrentJobs: 1})

	slow := e.submitJob(slowSQL, nil)
	e.waitJob(slow.JobID, statusRunning)
	queued := e.submitJob("SELECT 1", nil)
	other := e.submitJob("CREATE TABLE t AS SELECT 42 AS v", nil)

	// Only the slow job can run; the others wait, in order.
	_, got := e.getJob(queued.JobID)
	assert.Equal(t, statusPending, got.Status)
	list := e.listJobs()
	require.Len(t, list, 3)
	assert.Equal(t, []string{slow.JobID, queued.JobID, other.JobID}, []string{list[0].JobID, list[1].JobID, list[2].JobID})
	assert.Equal(t, []string{statusRunning, statusPending, statusPending}, []string{list[0].Status, list[1].Status, list[2].Status})

	// Cancelling a pending job takes it out of the queue at once.
	c := e.cancelJob(queued.JobID)
	assert.Equal(t, statusFailure, c.Status)
	assert.Equal(t, errCodeCancelled, c.Error.Code)

	// Freeing the slot lets the next job run.
	e.cancelJob(slow.JobID)
	done := e.waitJob(other.JobID, statusSuccess, statusFailure)
	assert.Equal(t, statusSuccess, done.Status)
	eventually(t, "no active jobs", func() bool { return len(e.listJobs()) == 0 })
}

func TestJobConcurrencyBounded(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{NoDemoData: true, MaxConcurrentJobs: 2})

	var ids []string
	for range 5 {
		ids = append(ids, e.submitJob(slowSQL, nil).JobID)
	}
	eventually(t, "two running jobs", func() bool {
		running := 0
		for _, j := range e.listJobs() {
			if j.Status == statusRunning {
				running++
			}
		}
		return running == 2
	})
	list := e.listJobs()
	require.Len(t, list, 5)
	counts := map[string]int{}
	for _, j := range list {
		counts[j.Status]++
	}
	assert.Equal(t, map[string]int{statusRunning: 2, statusPending: 3}, counts)

	for _, id := range ids {
		e.cancelJob(id)
	}
	for _, id := range ids {
		j := e.waitJob(id, statusFailure)
		assert.Equal(t, errCodeCancelled, j.Error.Code)
	}
	assert.Empty(t, e.listJobs())
}

func TestJobRetention(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{NoDemoData: true, MaxFinishedJobs: 2, JobRetention: time.Hour})
	// A fake clock: tests move it forward instead of sleeping.
	var offset atomic.Int64
	base := time.Now()
	e.w.jobs.mu.Lock()
	e.w.now = func() time.Time { return base.Add(time.Duration(offset.Load())) }
	e.w.jobs.mu.Unlock()

	var ids []string
	for range 3 {
		j := e.submitJob("SELECT 1", nil)
		e.waitJob(j.JobID, statusSuccess)
		ids = append(ids, j.JobID)
	}
	// Count limit: only the two most recent finished jobs remain.
	status, _ := e.getJob(ids[0])
	assert.Equal(t, http.StatusNotFound, status)
	status, _ = e.getJob(ids[2])
	assert.Equal(t, http.StatusOK, status)

	// Age limit.
	offset.Store(int64(2 * time.Hour))
	r := e.do(http.MethodGet, e.jobPath()+"/"+ids[2], "", nil, nil)
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.JSONEq(t, `{"error":"Job not found","status":404}`, string(r.body))
}

func TestJobRequestErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{NoDemoData: true})

	r := e.postJSON(e.jobPath(), map[string]any{"q": "SELECT 1"})
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Contains(t, r.json(t)["hint"], `"query"`)

	r = e.postJSON(e.jobPath(), map[string]any{"query": "SELECT @a", "queryParameters": map[string]any{}})
	assert.Equal(t, http.StatusBadRequest, r.status)

	r = e.do(http.MethodGet, e.jobPath(), "", nil, nil)
	assert.Equal(t, http.StatusMethodNotAllowed, r.status)
	assert.Equal(t, "POST", r.header.Get("Allow"))

	r = e.do(http.MethodPost, "/v3/sql/jobs", "", nil, nil)
	assert.Equal(t, http.StatusMethodNotAllowed, r.status)

	r = e.do(http.MethodPatch, e.jobPath()+"/x", "", nil, nil)
	assert.Equal(t, http.StatusMethodNotAllowed, r.status)

	for _, m := range []string{http.MethodGet, http.MethodDelete} {
		r = e.do(m, e.jobPath()+"/no-such-job", "", nil, nil)
		assert.Equal(t, http.StatusNotFound, r.status)
		assert.JSONEq(t, `{"error":"Job not found","status":404}`, string(r.body))
	}
	r = e.do(http.MethodGet, "/v3/sql/other/job/x", "", nil, nil)
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Contains(t, r.json(t)["error"], "Connection not found")
}

func TestCloseCancelsJobs(t *testing.T) {
	t.Parallel()
	w, err := New(t.Context(), Options{NoDemoData: true, MaxConcurrentJobs: 1})
	require.NoError(t, err)
	running, err := w.jobs.submit(slowSQL, slowSQL, nil, nil)
	require.NoError(t, err)
	pending, err := w.jobs.submit("SELECT 1", "SELECT 1", nil, nil)
	require.NoError(t, err)
	eventually(t, "job running", func() bool {
		j, _ := w.jobs.get(running.JobID)
		return j.Status == statusRunning
	})

	require.NoError(t, w.Close())
	for _, id := range []string{running.JobID, pending.JobID} {
		j, ok := w.jobs.get(id)
		require.True(t, ok)
		assert.Equal(t, statusFailure, j.Status)
		assert.Equal(t, errCodeCancelled, j.Error.Code)
	}
	_, err = w.jobs.submit("SELECT 1", "SELECT 1", nil, nil)
	assert.ErrorIs(t, err, errClosed)
	assert.NoError(t, w.Close(), "Close is idempotent")
}

// rowsAffected counts what each kind of statement wrote.
func TestJobRowsAffected(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{NoDemoData: true})
	for _, tc := range []struct {
		sql  string
		want int64
	}{
		{"CREATE TABLE t AS SELECT * FROM range(7)", 7},
		{"INSERT INTO t SELECT * FROM range(3)", 3},
		{"UPDATE t SET range = 0 WHERE range < 2", 4}, // 0 and 1, twice
		{"DELETE FROM t WHERE range = 0", 4},
		{"CREATE TABLE empty (x INTEGER)", 0},
		{"CREATE OR REPLACE TABLE t2 AS SELECT 1 AS a; CREATE TABLE t3 AS SELECT * FROM range(4)", 4},
		{"SELECT * FROM range(5)", 0},
	} {
		j := e.submitJob(tc.sql, nil)
		done := e.waitJob(j.JobID, statusSuccess, statusFailure)
		require.Equal(t, statusSuccess, done.Status, "%s: %+v", tc.sql, done.Error)
		require.NotNil(t, done.Provider.RowsAffected, tc.sql)
		assert.Equal(t, tc.want, *done.Provider.RowsAffected, tc.sql)
	}
}

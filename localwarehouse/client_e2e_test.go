package localwarehouse_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/client"
	"github.com/carto-mcp/carto-mcp/inproc"
	"github.com/carto-mcp/carto-mcp/localwarehouse"

	"github.com/carto-mcp/carto-mcp/internal/testctx"
)

// The warehouse is tested here the way carto-mcp uses it: the real CARTO client
// from client/ against it, over loopback HTTP and over the in-process transport
// --local uses. Everything goes through the client's real path.

// slowSQL runs for far longer than any test: it is only ever cancelled.
const slowSQL = "SELECT count(*) FROM range(100000000000) a"

func newWarehouse(t *testing.T, opts localwarehouse.Options) *localwarehouse.Warehouse {
	t.Helper()
	w, err := localwarehouse.New(context.Background(), opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, w.Close()) })
	return w
}

// clients returns a client over loopback HTTP and one over inproc, both with tok.
func clients(t *testing.T, w *localwarehouse.Warehouse, tok string) map[string]*client.Client {
	t.Helper()
	srv := httptest.NewServer(w.Handler())
	t.Cleanup(srv.Close)
	out := map[string]*client.Client{}
	for name, cfg := range map[string]client.Config{
		"http":   {BaseURL: srv.URL, HTTPClient: srv.Client()},
		"inproc": {BaseURL: "http://local-warehouse.invalid", HTTPClient: &http.Client{Transport: inproc.New(w.Handler())}},
	} {
		cfg.Connection = localwarehouse.DefaultConnection
		cfg.Token = client.StaticToken(tok)
		cfg.Retry = client.RetryPolicy{MaxAttempts: 1}
		c, err := client.New(cfg)
		require.NoError(t, err)
		out[name] = c
	}
	return out
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithCancel(testctx.Context(t)) // hang guard only
	t.Cleanup(cancel)
	return c
}

func TestClientQueries(t *testing.T) {
	t.Parallel()
	w := newWarehouse(t, localwarehouse.Options{})
	for name, c := range clients(t, w, "any") {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			res, err := c.Queries.Run(ctx(t), &client.QueryRequest{
				SQL: "SELECT name, population, geom FROM carto_local.demo.cities ORDER BY population DESC LIMIT 5",
			}, client.QueryLimits{MaxRows: 3})
			require.NoError(t, err)
			assert.Equal(t, []client.Column{{Name: "name", Type: "string"}, {Name: "population", Type: "bigint"},
				{Name: "geom", Type: "geometry"}}, res.Columns)
			assert.False(t, res.SchemaInferred, "the warehouse sends the schema first")
			assert.True(t, res.Truncated)
			assert.Len(t, res.Rows, 3)
			assert.True(t, strings.HasPrefix(string(res.Rows[0][2]), `"POINT (`), string(res.Rows[0][2]))

			// Exact numbers through the whole path.
			res, err = c.Queries.Run(ctx(t), &client.QueryRequest{
				SQL: "SELECT 9007199254740993::BIGINT AS big, 12.30::DECIMAL(10,2) AS money"}, client.QueryLimits{})
			require.NoError(t, err)
			assert.Equal(t, "9007199254740993", string(res.Rows[0][0]))
			assert.Equal(t, "12.30", string(res.Rows[0][1]))

			// The cached path uses GET and gives the same answer.
			res, err = c.Queries.Run(ctx(t), &client.QueryRequest{SQL: "SELECT 1 AS one", Cached: true}, client.QueryLimits{})
			require.NoError(t, err)
			assert.Equal(t, "GET", res.Method)
			assert.Equal(t, "1", string(res.Rows[0][0]))
		})
	}
}

func TestClientParametersAreBound(t *testing.T) {
	t.Parallel()
	w := newWarehouse(t, localwarehouse.Options{})
	for name, c := range clients(t, w, "any") {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			res, err := c.Queries.Run(ctx(t), &client.QueryRequest{
				SQL:        "SELECT name FROM demo.cities WHERE country = @country AND population > @min ORDER BY name LIMIT 1",
				Parameters: json.RawMessage(`{"country":"Japan","min":1000000}`),
			}, client.QueryLimits{})
			require.NoError(t, err)
			require.Len(t, res.Rows, 1)

			res, err = c.Queries.Run(ctx(t), &client.QueryRequest{
				SQL:        "SELECT $1 AS s, $2 AS n",
				Parameters: json.RawMessage(`["x'); DROP TABLE demo.cities; --", 9007199254740993]`),
			}, client.QueryLimits{})
			require.NoError(t, err)
			assert.Equal(t, `"x'); DROP TABLE demo.cities; --"`, string(res.Rows[0][0]), "bound, never spliced")
			assert.Equal(t, "9007199254740993", string(res.Rows[0][1]))
		})
	}
}

func waitDone(t *testing.T, c *client.Client, id string) *client.Job {
	t.Helper()
	var job *client.Job
	require.Eventually(t, func() bool {
		var err error
		job, err = c.Jobs.Get(ctx(t), "", id)
		require.NoError(t, err)
		return job.Status.Done()
	}, testctx.Remaining(t), 20*time.Millisecond)
	return job
}

func TestClientJobStates(t *testing.T) {
	t.Parallel()
	w := newWarehouse(t, localwarehouse.Options{MaxConcurrentJobs: 1})
	c := clients(t, w, "any")["inproc"]

	// success: the table a job creates is there to query.
	job, err := c.Jobs.Create(ctx(t), &client.CreateJobRequest{
		SQL:      "CREATE TABLE demo.big AS SELECT * FROM demo.cities WHERE population > 5000000",
		Metadata: json.RawMessage(`{"origin":"test"}`),
	})
	require.NoError(t, err)
	assert.Equal(t, client.JobPending, job.Status)
	assert.Equal(t, localwarehouse.DefaultConnection, job.Connection)
	job = waitDone(t, c, job.ID)
	assert.Equal(t, client.JobSuccess, job.Status)
	res, err := c.Queries.Run(ctx(t), &client.QueryRequest{SQL: "SELECT count(*) FROM demo.big"}, client.QueryLimits{})
	require.NoError(t, err)
	assert.NotEqual(t, "0", string(res.Rows[0][0]))

	// failure, with the engine's message.
	job, err = c.Jobs.Create(ctx(t), &client.CreateJobRequest{SQL: "SELECT * FROM demo.nowhere"})
	require.NoError(t, err)
	job = waitDone(t, c, job.ID)
	assert.Equal(t, client.JobFailure, job.Status)
	require.NotNil(t, job.Error)
	assert.Contains(t, job.Error.Msg, "nowhere")

	// running, then pending behind it (one slot), both listed; cancel interrupts.
	long, err := c.Jobs.Create(ctx(t), &client.CreateJobRequest{SQL: slowSQL})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		j, err := c.Jobs.Get(ctx(t), "", long.ID)
		require.NoError(t, err)
		return j.Status == client.JobRunning
	}, testctx.Remaining(t), 10*time.Millisecond)
	queued, err := c.Jobs.Create(ctx(t), &client.CreateJobRequest{SQL: "SELECT 1"})
	require.NoError(t, err)
	q, err := c.Jobs.Get(ctx(t), "", queued.ID)
	require.NoError(t, err)
	assert.Equal(t, client.JobPending, q.Status, "a job waits for a free slot")
	listed, err := c.Jobs.List(ctx(t))
	require.NoError(t, err)
	var ids []string
	for _, j := range listed {
		ids = append(ids, j.ID)
	}
	assert.ElementsMatch(t, []string{long.ID, queued.ID}, ids)

	cancelled, err := c.Jobs.Cancel(ctx(t), "", long.ID)
	require.NoError(t, err)
	require.NotNil(t, cancelled)
	end := waitDone(t, c, long.ID)
	assert.Equal(t, client.JobFailure, end.Status)
	require.NotNil(t, end.Error)
	assert.Equal(t, "cancelled", end.Error.Code)
	assert.Equal(t, client.JobSuccess, waitDone(t, c, queued.ID).Status, "the queued job runs once the slot frees")
}

func TestClientConcurrentJobs(t *testing.T) {
	t.Parallel()
	w := newWarehouse(t, localwarehouse.Options{MaxConcurrentJobs: 2})
	c := clients(t, w, "any")["http"]
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			job, err := c.Jobs.Create(ctx(t), &client.CreateJobRequest{
				SQL: "CREATE TABLE demo.t" + string(rune('a'+i)) + " AS SELECT * FROM range(1000)"})
			if err != nil {
				errs <- err
				return
			}
			if end := waitDone(t, c, job.ID); end.Status != client.JobSuccess {
				errs <- errors.New(string(end.Status))
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
}

func TestClientLimitsAndErrors(t *testing.T) {
	t.Parallel()
	w := newWarehouse(t, localwarehouse.Options{MaxRows: 1000, Token: "right"})
	cs := clients(t, w, "right")
	c := cs["http"]
	// Only the query that runs for minutes meets this warehouse's deadline: the
	// others run where a busy machine's slowness cannot turn them into timeouts.
	timeouts := clients(t, newWarehouse(t, localwarehouse.Options{NoDemoData: true, QueryTimeout: 200 * time.Millisecond, Token: "right"}), "right")["http"]

	_, err := c.Queries.Run(ctx(t), &client.QueryRequest{SQL: "SELECT * FROM range(5000)"}, client.QueryLimits{MaxRows: 10})
	var apiErr *client.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusBadRequest, apiErr.StatusCode)
	assert.Contains(t, strings.ToLower(apiErr.Message+apiErr.Hint), "job", "the row limit suggests a job")

	_, err = timeouts.Queries.Run(ctx(t), &client.QueryRequest{SQL: slowSQL}, client.QueryLimits{})
	require.ErrorAs(t, err, &apiErr)
	assert.Contains(t, strings.ToLower(apiErr.Message+apiErr.Hint), "timeout")

	_, err = c.Queries.Run(ctx(t), &client.QueryRequest{SQL: "SELEC 1"}, client.QueryLimits{})
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusBadRequest, apiErr.StatusCode)
	assert.Contains(t, apiErr.Message, "syntax error")

	_, err = c.Jobs.Get(ctx(t), "", "no-such-job")
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusNotFound, apiErr.StatusCode)

	_, err = c.Queries.Run(ctx(t), &client.QueryRequest{Connection: "other", SQL: "SELECT 1"}, client.QueryLimits{})
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusNotFound, apiErr.StatusCode)

	wrong := clients(t, w, "wrong")["http"]
	_, err = wrong.Jobs.List(ctx(t))
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusForbidden, apiErr.StatusCode)
	assert.NotContains(t, err.Error(), "wrong", "the token never appears in an error")
	assert.NotContains(t, err.Error(), "right")
}

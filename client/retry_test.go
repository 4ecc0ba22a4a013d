package client

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/cartofake"

	"github.com/carto-mcp/carto-mcp/internal/testctx"
)

// op is one kind of client call, run against a fake that can answer it.
type op struct {
	name       string
	method     string
	pathSuffix string
	idempotent bool
	run        func(ctx context.Context, c *Client, jobID string) error
}

var ops = []op{
	{name: "GET query", method: http.MethodGet, pathSuffix: "/query", idempotent: true,
		run: func(ctx context.Context, c *Client, _ string) error {
			_, err := c.Queries.Run(ctx, &QueryRequest{SQL: "SELECT 1", Cached: true}, QueryLimits{})
			return err
		}},
	{name: "get job", method: http.MethodGet, pathSuffix: "/job/job_000001", idempotent: true,
		run: func(ctx context.Context, c *Client, id string) error {
			_, err := c.Jobs.Get(ctx, "", id)
			return err
		}},
	{name: "list jobs", method: http.MethodGet, pathSuffix: "/v3/sql/jobs", idempotent: true,
		run: func(ctx context.Context, c *Client, _ string) error {
			_, err := c.Jobs.List(ctx)
			return err
		}},
	{name: "cancel job", method: http.MethodDelete, pathSuffix: "/job/job_000001", idempotent: true,
		run: func(ctx context.Context, c *Client, id string) error {
			_, err := c.Jobs.Cancel(ctx, "", id)
			return err
		}},
	{name: "POST query", method: http.MethodPost, pathSuffix: "/query",
		run: func(ctx context.Context, c *Client, _ string) error {
			_, err := c.Queries.Run(ctx, &QueryRequest{SQL: "SELECT 1"}, QueryLimits{})
			return err
		}},
	{name: "create job", method: http.MethodPost, pathSuffix: "/job",
		run: func(ctx context.Context, c *Client, _ string) error {
			_, err := c.Jobs.Create(ctx, &CreateJobRequest{SQL: "CALL x()"})
			return err
		}},
}

// newOpServer returns a fake with a query and one job (job_000001) ready.
func newOpServer(t *testing.T) *cartofake.Server {
	t.Helper()
	srv := cartofake.New(t)
	srv.SetQueryResult("SELECT 1", testCols, [][]any{{1, "a", 2}})
	srv.SetJobScript(cartofake.Statuses("running")...)
	// Set up over a connection of its own: a test's first request then opens a
	// fresh connection, which net/http never retries by itself.
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := newTestClient(t, srv, withHTTPClient(&http.Client{Transport: tr}))
	_, err := c.Jobs.Create(testCtx(t), &CreateJobRequest{SQL: "CALL setup()"})
	require.NoError(t, err)
	srv.ResetRequests()
	return srv
}

func TestRetries(t *testing.T) {
	t.Parallel()
	faults := []struct {
		name  string
		fault cartofake.Fault
		// retryable for idempotent calls; POSTs never retry these
		retryable bool
	}{
		{name: "429", fault: cartofake.Fault{Status: 429, Body: `{"error":"Too many requests"}`}, retryable: true},
		{name: "502", fault: cartofake.Fault{Status: 502, Body: "<html>bad gateway</html>", ContentType: "text/html"}, retryable: true},
		{name: "503", fault: cartofake.Fault{Status: 503, Body: `{"error":"unavailable"}`}, retryable: true},
		{name: "504", fault: cartofake.Fault{Status: 504}, retryable: true},
		{name: "dropped connection", fault: cartofake.Fault{DropConnection: true}, retryable: true},
		{name: "500", fault: cartofake.Fault{Status: 500, Body: `{"error":"internal"}`}},
		{name: "400", fault: cartofake.Fault{Status: 400, Body: `{"error":"bad sql"}`}},
		{name: "404", fault: cartofake.Fault{Status: 404, Body: `{"error":"not found"}`}},
	}
	for _, o := range ops {
		for _, f := range faults {
			for _, times := range []int{2, 0} { // 2: fails twice then succeeds; 0: fails every time
				name := o.name + "/" + f.name + "/twice"
				if times == 0 {
					name = o.name + "/" + f.name + "/always"
				}
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					srv := newOpServer(t)
					fault := f.fault
					fault.Method, fault.PathSuffix, fault.Times = o.method, o.pathSuffix, times
					srv.Inject(fault)
					c := newTestClient(t, srv)
					err := o.run(testCtx(t), c, "job_000001")
					n := len(srv.RequestsTo(o.method, o.pathSuffix))
					switch {
					case o.idempotent && f.retryable && times == 2:
						require.NoError(t, err)
						assert.Equal(t, 3, n, "two failures, then success")
					case o.idempotent && f.retryable:
						require.Error(t, err)
						assert.Equal(t, fastRetry.MaxAttempts, n, "gives up after MaxAttempts")
					default:
						require.Error(t, err)
						assert.Equal(t, 1, n, "not retried")
					}
					if err != nil && f.fault.DropConnection {
						assert.True(t, IsRetryable(err), "a dropped connection is retryable: %v", err)
						assert.Contains(t, err.Error(), "connection was closed before a response")
					}
					if err != nil && f.fault.Status != 0 {
						var apiErr *APIError
						require.ErrorAs(t, err, &apiErr)
						assert.Equal(t, f.fault.Status, apiErr.StatusCode)
					}
					if !o.idempotent {
						assert.LessOrEqual(t, len(srv.Jobs()), 2, "a job creation is never doubled")
					}
				})
			}
		}
	}
}

// A POST that certainly never reached the server (connection refused) is
// retried; the fake then sees it exactly once.
func TestRetryUnreachable(t *testing.T) {
	t.Parallel()
	for _, o := range ops {
		t.Run(o.name+"/refused twice then reached", func(t *testing.T) {
			t.Parallel()
			srv := newOpServer(t)
			d := newDialCounter(t, 2)
			c := newTestClient(t, srv, withHTTPClient(d.client))
			require.NoError(t, o.run(testCtx(t), c, "job_000001"))
			assert.Equal(t, int32(3), d.dials.Load())
			assert.Len(t, srv.RequestsTo(o.method, o.pathSuffix), 1)
		})
		t.Run(o.name+"/never reachable", func(t *testing.T) {
			t.Parallel()
			d := newDialCounter(t, 1<<30)
			c, err := New(Config{BaseURL: cartofake.UnreachableURL(t), Connection: "conn", Token: StaticToken(cartofake.DefaultToken),
				HTTPClient: d.client, Retry: fastRetry})
			require.NoError(t, err)
			err = o.run(testCtx(t), c, "job_000001")
			require.Error(t, err)
			assert.True(t, errors.Is(err, syscall.ECONNREFUSED), "%v", err)
			assert.True(t, IsRetryable(err))
			assert.Equal(t, int32(fastRetry.MaxAttempts), d.dials.Load())
			assert.NotContains(t, err.Error(), cartofake.DefaultToken)
			assert.NotContains(t, err.Error(), "SELECT 1", "no URL (with its SQL) in the error")
		})
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	t.Run("honoured", func(t *testing.T) {
		t.Parallel()
		// The backoff is far longer than the context allows, so the call can only
		// succeed by waiting the 1 second Retry-After instead.
		srv := newOpServer(t)
		srv.Inject(cartofake.Fault{PathSuffix: "/v3/sql/jobs", Times: 1, Status: 503, RetryAfter: "1"})
		c := newTestClient(t, srv, withRetry(RetryPolicy{MaxAttempts: 2, BaseDelay: time.Hour, MaxDelay: time.Hour}))
		_, err := c.Jobs.List(testCtx(t))
		require.NoError(t, err)
		assert.Len(t, srv.RequestsTo("", "/v3/sql/jobs"), 2)
	})
	t.Run("as an HTTP date", func(t *testing.T) {
		t.Parallel()
		srv := newOpServer(t)
		// The client reads the date against its own clock, held still here, so
		// the wait is 1 s however long the request took to be answered.
		now := time.Now().Truncate(time.Second)
		srv.Inject(cartofake.Fault{PathSuffix: "/v3/sql/jobs", Times: 1, Status: 429,
			RetryAfter: now.Add(time.Second).UTC().Format(http.TimeFormat)})
		c := newTestClient(t, srv, withRetry(RetryPolicy{MaxAttempts: 2, BaseDelay: time.Hour, MaxDelay: time.Hour}))
		c.now = func() time.Time { return now }
		_, err := c.Jobs.List(testCtx(t))
		require.NoError(t, err)
		assert.Len(t, srv.RequestsTo("", "/v3/sql/jobs"), 2)
	})
	t.Run("longer than MaxDelay is returned, not waited for", func(t *testing.T) {
		t.Parallel()
		srv := newOpServer(t)
		srv.Inject(cartofake.Fault{PathSuffix: "/v3/sql/jobs", Status: 503, RetryAfter: "3600"})
		c := newTestClient(t, srv)
		_, err := c.Jobs.List(testCtx(t))
		var apiErr *APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, time.Hour, apiErr.RetryAfter)
		assert.Len(t, srv.Requests(), 1)
	})
	t.Run("beyond the context deadline is returned, not waited for", func(t *testing.T) {
		t.Parallel()
		srv := newOpServer(t)
		// Retry-After is an hour, past a deadline of half an hour, which the
		// first answer is far inside: the deadline is never what ends the call.
		srv.Inject(cartofake.Fault{PathSuffix: "/v3/sql/jobs", Status: 503, RetryAfter: "3600"})
		c := newTestClient(t, srv, withRetry(RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Hour}))
		ctx, cancel := context.WithTimeout(testCtx(t), 30*time.Minute)
		defer cancel()
		_, err := c.Jobs.List(ctx)
		var apiErr *APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, 503, apiErr.StatusCode)
		assert.Equal(t, time.Hour, apiErr.RetryAfter)
		assert.NotErrorIs(t, err, context.DeadlineExceeded, "returned at once, not waited for")
		assert.Len(t, srv.Requests(), 1)
	})
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	c := &Client{retry: RetryPolicy{MaxAttempts: 100, BaseDelay: 200 * time.Millisecond, MaxDelay: 10 * time.Second}}
	for attempt := 1; attempt <= 100; attempt++ {
		want := min(200*time.Millisecond<<min(attempt-1, 20), 10*time.Second)
		for range 20 {
			d := c.backoff(attempt)
			assert.GreaterOrEqual(t, d, want/2, "attempt %d", attempt)
			assert.LessOrEqual(t, d, want, "attempt %d", attempt)
		}
	}
}

// runBounded runs f and fails the test if it has not returned before the test's deadline.
func runBounded(t *testing.T, f func() error) error {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- f() }()
	select {
	case err := <-errc:
		return err
	case <-time.After(testctx.Remaining(t)):
		buf := make([]byte, 1<<20)
		t.Fatalf("call did not return: hang\n%s", buf[:runtime.Stack(buf, true)])
		return nil
	}
}

func TestContextHonoured(t *testing.T) {
	t.Parallel()
	slow := RetryPolicy{MaxAttempts: 10, BaseDelay: time.Hour, MaxDelay: time.Hour}
	tests := []struct {
		name   string
		fault  cartofake.Fault
		retry  RetryPolicy
		cancel bool // cancel (after the first request) instead of a deadline
		// the retry is given up before the deadline (the next wait would pass it)
		// and the last real cause is returned
		wantAPIErr int
		run        func(ctx context.Context, c *Client) error
	}{
		{name: "cancelled while waiting to retry a 503", fault: cartofake.Fault{Status: 503}, retry: slow, cancel: true},
		{name: "backoff past the deadline returns the 503 at once", fault: cartofake.Fault{Status: 503}, retry: slow, wantAPIErr: 503},
		{name: "cancelled while waiting to retry a dropped connection", fault: cartofake.Fault{DropConnection: true}, retry: slow, cancel: true},
		{name: "deadline while waiting to retry a dropped connection", fault: cartofake.Fault{DropConnection: true}, retry: slow},
		{name: "cancelled while waiting for headers", fault: cartofake.Fault{Delay: time.Hour}, retry: fastRetry, cancel: true},
		{name: "deadline while waiting for headers", fault: cartofake.Fault{Delay: time.Hour}, retry: fastRetry},
		{name: "deadline in a slow body", fault: cartofake.Fault{SlowBody: 1, SlowInterval: 20 * time.Millisecond}, retry: fastRetry},
		{name: "cancelled in a slow body", fault: cartofake.Fault{SlowBody: 1, SlowInterval: 20 * time.Millisecond}, retry: fastRetry, cancel: true},
		{name: "deadline in a slow job body", fault: cartofake.Fault{SlowBody: 1, SlowInterval: 20 * time.Millisecond}, retry: fastRetry,
			run: func(ctx context.Context, c *Client) error {
				_, err := c.Jobs.Get(ctx, "", "job_000001")
				return err
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newOpServer(t)
			arrived := make(chan struct{})
			var once sync.Once
			f := tt.fault
			f.Match = func(*http.Request) bool {
				once.Do(func() { close(arrived) })
				return true
			}
			srv.Inject(f)
			c := newTestClient(t, srv, withRetry(tt.retry))
			run := tt.run
			if run == nil {
				run = func(ctx context.Context, c *Client) error {
					_, err := c.Queries.Run(ctx, &QueryRequest{SQL: "SELECT 1", Cached: true}, QueryLimits{})
					return err
				}
			}
			var ctx context.Context
			var cancel context.CancelFunc
			switch {
			case tt.cancel:
				// No deadline: a deadline would make the client give up the wait
				// at once; runBounded is the hang guard. Cancel at the moment the
				// case is about: once the client waits to retry, or else once
				// CARTO holds the request (an hour's delay or a body that
				// trickles in for seconds), whatever the machine's speed.
				ctx, cancel = context.WithCancel(context.Background())
				if tt.retry == slow {
					c.sleep = func(ctx context.Context, _ time.Duration) error {
						cancel()
						<-ctx.Done()
						return ctx.Err()
					}
				} else {
					go func() {
						select {
						case <-arrived:
						case <-ctx.Done():
						}
						cancel()
					}()
				}
			case tt.wantAPIErr != 0:
				// The deadline is for the backoff to pass, not for the first
				// answer to beat: half an hour is far beyond the answer and
				// far within the hour's backoff.
				ctx, cancel = context.WithTimeout(testCtx(t), 30*time.Minute)
			default:
				// Only the deadline can end these calls (an hour's backoff or
				// delay, a body of one byte per 20 ms).
				ctx, cancel = context.WithTimeout(testCtx(t), 200*time.Millisecond)
			}
			defer cancel()
			err := runBounded(t, func() error { return run(ctx, c) })
			require.Error(t, err)
			var apiErr *APIError
			if tt.fault.Status != 0 {
				require.ErrorAs(t, err, &apiErr, "the last response stays visible")
				assert.Equal(t, tt.fault.Status, apiErr.StatusCode)
			}
			if tt.cancel {
				assert.ErrorIs(t, err, context.Canceled)
			} else if tt.wantAPIErr == 0 {
				assert.ErrorIs(t, err, context.DeadlineExceeded)
			}
			assert.NotContains(t, err.Error(), cartofake.DefaultToken)
		})
	}
}

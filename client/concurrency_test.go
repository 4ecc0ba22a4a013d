package client

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/internal/testctx"
)

// MaxConcurrentCalls is a real bound: with every slot held by a call CARTO has not
// answered, another call waits, and gives up with its own context.
func TestMaxConcurrentCallsBoundsCallsInFlight(t *testing.T) {
	t.Parallel()
	var active, peak atomic.Int32
	gate := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := active.Add(1)
		defer active.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		select {
		case <-gate:
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`[]`))
	}))
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL, Token: StaticToken("t"), MaxConcurrentCalls: 2})
	require.NoError(t, err)

	var wg sync.WaitGroup
	errs := make(chan error, 5)
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Jobs.List(context.Background())
			errs <- err
		}()
	}
	require.Eventually(t, func() bool { return active.Load() == 2 }, testctx.Remaining(t), 5*time.Millisecond)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = c.Jobs.List(ctx)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "waiting for one of the 2 concurrent CARTO call slots")
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	close(gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	assert.Equal(t, int32(2), peak.Load())
}

// A query holds its slot while its body streams, and frees it when done.
func TestSlotIsReleasedAfterTheBodyIsRead(t *testing.T) {
	t.Parallel()
	var fail atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fail.Load() {
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"error":"bad"}`))
			return
		}
		w.Write([]byte(`{"rows":[{"a":1},{"a":2}],"schema":[{"name":"a","type":"number"}]}`))
	}))
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL, Token: StaticToken("t"), Connection: "x", MaxConcurrentCalls: 1})
	require.NoError(t, err)
	for range 3 { // would block forever on the second call if a slot leaked
		_, err := c.Queries.Run(context.Background(), &QueryRequest{SQL: "select"}, QueryLimits{MaxRows: 1})
		require.NoError(t, err)
	}
	fail.Store(true)
	for range 3 { // and on errors
		_, err := c.Queries.Run(context.Background(), &QueryRequest{SQL: "select"}, QueryLimits{})
		require.Error(t, err)
	}
}

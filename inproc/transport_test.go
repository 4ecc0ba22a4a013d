package inproc

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/carto-mcp/carto-mcp/internal/testctx"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func client(h http.Handler) *http.Client { return &http.Client{Transport: New(h)} }

func TestRoundTripServesStatusHeaderBodyAndRequest(t *testing.T) {
	t.Parallel()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, r.Method+" "+r.URL.Path+" "+r.URL.Query().Get("q")+" "+r.Header.Get("Authorization")+" "+string(b))
	})
	resp, err := client(h).Post("http://local.invalid/v3/sql/x/query?q=1", "text/plain", strings.NewReader("payload"))
	require.NoError(t, err)
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	assert.Equal(t, "POST /v3/sql/x/query 1  payload", string(got))
}

func TestImplicitOKAndEmptyBody(t *testing.T) {
	t.Parallel()
	resp, err := client(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).Get("http://local.invalid/")
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Empty(t, b)
}

// A reader that stops early must stop the handler too: it is what keeps a capped
// query from running the whole result through memory.
func TestClosingBodyStopsAStreamingHandler(t *testing.T) {
	t.Parallel()
	var written atomic.Int64
	stopped := make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := []byte(strings.Repeat("x", 1024))
		for {
			n, err := w.Write(chunk)
			written.Add(int64(n))
			if err != nil {
				stopped <- r.Context().Err()
				return
			}
		}
	})
	resp, err := client(h).Get("http://local.invalid/")
	require.NoError(t, err)
	buf := make([]byte, 4096)
	_, err = io.ReadFull(resp.Body, buf)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	select {
	case ctxErr := <-stopped:
		assert.ErrorIs(t, ctxErr, context.Canceled)
	case <-time.After(testctx.Remaining(t)): // hang guard, not a timing assertion
		t.Fatal("handler kept writing after the body was closed")
	}
	assert.Less(t, written.Load(), int64(1<<20), "the handler must be paced by the reader")
}

func TestCancelBeforeHeaderReturnsContextError(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
		close(release)
	})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://local.invalid/", nil)
	go cancel()
	_, err := client(h).Do(req)
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	<-release
}

func TestHandlerPanicIsAnErrorNotACrash(t *testing.T) {
	t.Parallel()
	_, err := client(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") })).Get("http://local.invalid/")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "handler panicked: boom")

	// After the header: the body breaks instead.
	resp, err := client(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "partial")
		panic("late")
	})).Get("http://local.invalid/")
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	assert.Equal(t, "partial", string(b))
	require.Error(t, err)
	assert.False(t, errors.Is(err, io.EOF))
}

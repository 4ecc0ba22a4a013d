package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/carto-mcp/carto-mcp/internal/testctx"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func noEnv(string) string { return "" }

func TestParseFlags(t *testing.T) {
	cfg, err := parseFlags(nil, io.Discard, noEnv)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:8090", cfg.addr)
	assert.Equal(t, "carto_local", cfg.opts.Connection)
	assert.Equal(t, time.Minute, cfg.opts.QueryTimeout)

	cfg, err = parseFlags([]string{"--db", "x.duckdb", "--read-only", "--query-timeout", "5s",
		"--max-concurrent-jobs", "2", "--connection", "dw", "--log-level", "debug"}, io.Discard, noEnv)
	require.NoError(t, err)
	assert.Equal(t, "x.duckdb", cfg.opts.Path)
	assert.True(t, cfg.opts.ReadOnly)
	assert.Equal(t, 5*time.Second, cfg.opts.QueryTimeout)
	assert.Equal(t, 2, cfg.opts.MaxConcurrentJobs)
	assert.Equal(t, "dw", cfg.opts.Connection)
	assert.Equal(t, slog.LevelDebug, cfg.logLevel)
}

func TestParseFlagsLoopbackOnlyWithoutToken(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:8090", ":8090", "192.168.1.10:80", "example.com:80"} {
		_, err := parseFlags([]string{"--addr", addr}, io.Discard, noEnv)
		assert.Error(t, err, addr)
		_, err = parseFlags([]string{"--addr", addr, "--token", "t"}, io.Discard, noEnv)
		assert.NoError(t, err, addr)
	}
	for _, addr := range []string{"127.0.0.1:1", "[::1]:1", "localhost:1"} {
		_, err := parseFlags([]string{"--addr", addr}, io.Discard, noEnv)
		assert.NoError(t, err, addr)
	}
	// The token may come from the environment.
	cfg, err := parseFlags([]string{"--addr", ":8090"}, io.Discard, func(k string) string {
		if k == "CARTO_LOCAL_TOKEN" {
			return "from-env"
		}
		return ""
	})
	require.NoError(t, err)
	assert.Equal(t, "from-env", cfg.opts.Token)
}

func TestHelpDocumentsFlags(t *testing.T) {
	var out bytes.Buffer
	_, err := parseFlags([]string{"--help"}, &out, noEnv)
	assert.ErrorIs(t, err, flag.ErrHelp)
	for _, f := range []string{"--addr", "-db", "-token", "-connection", "-read-only", "-query-timeout", "-max-concurrent-jobs", "CARTO_LOCAL_TOKEN"} {
		assert.Contains(t, out.String(), f[1:])
	}
}

func TestRunServesAndShutsDown(t *testing.T) {
	cfg, err := parseFlags([]string{"--addr", "127.0.0.1:0", "--no-demo-data"}, io.Discard, noEnv)
	require.NoError(t, err)
	// The port the kernel chose, read from the log line run writes once it
	// listens: no port chosen beforehand that something else could take, and
	// no polling until the server answers.
	urls := make(chan string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, slog.New(&servingURL{urls: urls})) }()

	var url string
	select {
	case url = <-urls:
	case err := <-done:
		t.Fatalf("run ended before serving: %v", err)
	case <-testctx.Context(t).Done(): // hang guard
		t.Fatal("run did not start serving")
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get(url + "?q=SELECT+1+AS+one")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), `"rows":[{"one":1}]`)

	cancel()
	assert.NoError(t, <-done)
}

// servingURL is a slog handler that sends the url of run's "serving" line.
type servingURL struct{ urls chan<- string }

func (h *servingURL) Enabled(context.Context, slog.Level) bool { return true }
func (h *servingURL) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *servingURL) WithGroup(string) slog.Handler            { return h }
func (h *servingURL) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "url" {
			select {
			case h.urls <- a.Value.String():
			default: // only the first is waited for
			}
			return false
		}
		return true
	})
	return nil
}

package localwarehouse

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/carto-mcp/carto-mcp/internal/testctx"
)

// TestMain checks that no goroutine outlives the tests: job goroutines,
// database/sql's helpers and HTTP connections must all be gone after Close.
// DuckDB's own threads are C threads, invisible to goleak, so no ignore
// options are needed.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testEnv is a warehouse behind an httptest server.
type testEnv struct {
	t   testing.TB
	w   *Warehouse
	srv *httptest.Server
}

func newEnv(t testing.TB, opts Options) *testEnv {
	t.Helper()
	w, err := New(context.Background(), opts)
	require.NoError(t, err)
	srv := httptest.NewServer(w.Handler())
	t.Cleanup(func() {
		srv.Close()
		require.NoError(t, w.Close())
	})
	return &testEnv{t: t, w: w, srv: srv}
}

// response is an HTTP response with its body read.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&m), "body: %s", r.body)
	return m
}

func (e *testEnv) do(method, path, contentType string, body io.Reader, header map[string]string) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	require.NoError(e.t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	// The server's own client: httptest closes its idle connections, which
	// keeps goleak quiet.
	resp, err := e.srv.Client().Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(e.t, err)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func (e *testEnv) conn() string { return e.w.opts.Connection }

// get runs a GET query.
func (e *testEnv) get(q string, params string) response {
	e.t.Helper()
	v := url.Values{"q": {q}}
	if params != "" {
		v.Set("queryParameters", params)
	}
	return e.do(http.MethodGet, "/v3/sql/"+e.conn()+"/query?"+v.Encode(), "", nil, nil)
}

func (e *testEnv) postJSON(path string, body any) response {
	e.t.Helper()
	b, err := json.Marshal(body)
	require.NoError(e.t, err)
	return e.do(http.MethodPost, path, "application/json", bytes.NewReader(b), nil)
}

// query runs a POST query that must succeed and returns the decoded body.
func (e *testEnv) query(q string, params any) queryResult {
	e.t.Helper()
	body := map[string]any{"q": q}
	if params != nil {
		body["queryParameters"] = params
	}
	r := e.postJSON("/v3/sql/"+e.conn()+"/query", body)
	require.Equal(e.t, http.StatusOK, r.status, "query %q: %s", q, r.body)
	return decodeQueryResult(e.t, r.body)
}

// queryError runs a POST query that must fail with status and returns the error body.
func (e *testEnv) queryError(status int, q string, params any) map[string]any {
	e.t.Helper()
	body := map[string]any{"q": q}
	if params != nil {
		body["queryParameters"] = params
	}
	r := e.postJSON("/v3/sql/"+e.conn()+"/query", body)
	require.Equal(e.t, status, r.status, "query %q: %s", q, r.body)
	return r.json(e.t)
}

type schemaField struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

type queryResult struct {
	Schema []schemaField                `json:"schema"`
	Rows   []map[string]json.RawMessage `json:"rows"`
	Meta   map[string]any               `json:"meta"`
	raw    []byte
}

func decodeQueryResult(t testing.TB, body []byte) queryResult {
	t.Helper()
	var res queryResult
	require.NoError(t, json.Unmarshal(body, &res), "body: %.500s", body)
	res.raw = body
	return res
}

// value returns row i's column as raw JSON text.
func (r queryResult) value(i int, col string) string { return string(r.Rows[i][col]) }

// topLevelKeys returns the keys of the JSON object in body, in order.
func topLevelKeys(t testing.TB, body []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	require.NoError(t, err)
	require.Equal(t, json.Delim('{'), tok)
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		require.NoError(t, err)
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		require.NoError(t, dec.Decode(&skip))
	}
	return keys
}

// eventually polls cond until it holds; the deadline is generous because
// -race builds and loaded CI machines are slow, and nothing here asserts
// how fast anything is.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testctx.Remaining(t))
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// startServer serves w until the test ends (or the caller closes it first).
func startServer(t testing.TB, w *Warehouse) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(w.Handler())
	t.Cleanup(srv.Close)
	return srv
}

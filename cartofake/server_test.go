package cartofake_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/carto-mcp/carto-mcp/cartofake"

	"github.com/carto-mcp/carto-mcp/internal/testctx"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func do(t *testing.T, s *cartofake.Server, method, path, token, body string) (*http.Response, []byte, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(testctx.Context(t))
	defer cancel()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.URL+path, rd)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if strings.HasPrefix(path, "/oauth") {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

var cols = []cartofake.Column{{Name: "id", Type: "bigint"}, {Name: "name", Type: "string"}}

func TestQuery(t *testing.T) {
	t.Parallel()
	s := cartofake.New(t)
	s.SetQueryResult("select 1", cols, [][]any{{json.Number("9007199254740993"), "a\"b"}, {2, cartofake.Omit}})

	resp, body, err := do(t, s, "POST", "/v3/sql/conn/query", cartofake.DefaultToken, `{"q":"select 1","queryParameters":[1]}`)
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	assert.JSONEq(t, `{"rows":[{"id":9007199254740993,"name":"a\"b"},{"id":2}],"schema":[{"name":"id","type":"bigint"},{"name":"name","type":"string"}],"meta":{"cacheHit":false,"location":"US","totalBytesProcessed":"0"}}`, string(body))
	assert.True(t, strings.HasPrefix(string(body), `{"rows":`))

	resp, body, err = do(t, s, "GET", "/v3/sql/conn/query?q="+url.QueryEscape("select 1"), cartofake.DefaultToken, "")
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode, string(body))
	_, body, _ = do(t, s, "GET", "/v3/sql/conn/query?q="+url.QueryEscape("select 1"), cartofake.DefaultToken, "")
	assert.Contains(t, string(body), `"cacheHit":true`)

	resp, body, _ = do(t, s, "POST", "/v3/sql/conn/query", cartofake.DefaultToken, `{"q":"select 2"}`)
	assert.Equal(t, 400, resp.StatusCode)
	assert.Contains(t, string(body), `"status":400`)

	resp, body, _ = do(t, s, "POST", "/v3/sql/conn/query", "", `{"q":"select 1"}`)
	assert.Equal(t, 401, resp.StatusCode)
	assert.JSONEq(t, `{"error":"Token not defined","status":401}`, string(body))
	resp, _, _ = do(t, s, "POST", "/v3/sql/conn/query", "nope", `{"q":"select 1"}`)
	assert.Equal(t, 403, resp.StatusCode)

	reqs := s.RequestsTo("POST", "/query")
	require.Len(t, reqs, 4)
	assert.Equal(t, "conn", reqs[0].Connection)
	assert.Equal(t, "select 1", reqs[0].SQL)
	assert.JSONEq(t, `[1]`, string(reqs[0].Params))
}

func TestSchemaFirstAndGenerator(t *testing.T) {
	t.Parallel()
	s := cartofake.New(t, cartofake.WithSchemaFirst())
	s.SetQueryGenerator("gen", cols, 20000, func(i int) []any { return []any{i, "x"} })
	resp, body, err := do(t, s, "POST", "/v3/sql/c/query", cartofake.DefaultToken, `{"q":"gen"}`)
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	assert.True(t, strings.HasPrefix(string(body), `{"schema":`))
	var doc struct{ Rows []map[string]any }
	require.NoError(t, json.Unmarshal(body, &doc))
	assert.Len(t, doc.Rows, 20000)
	assert.Equal(t, int64(len(body)), int64(len(cartofake.Body(cartofake.Result{Columns: cols, N: 20000, Row: func(i int) []any { return []any{i, "x"} }, SchemaFirst: true}))))
}

func TestOAuth(t *testing.T) {
	t.Parallel()
	s := cartofake.New(t, cartofake.WithOAuthClient("id", "secret", time.Hour))
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"id"}, "client_secret": {"secret"}, "audience": {"carto-cloud-native-api"}}
	resp, body, err := do(t, s, "POST", "/oauth/token", "", form.Encode())
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode, string(body))
	var tr struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	require.NoError(t, json.Unmarshal(body, &tr))
	assert.Equal(t, 3600, tr.ExpiresIn)
	assert.Equal(t, 1, s.TokensIssued())

	resp, _, _ = do(t, s, "GET", "/v3/sql/jobs", tr.AccessToken, "")
	assert.Equal(t, 200, resp.StatusCode)
	s.ExpireTokens()
	resp, _, _ = do(t, s, "GET", "/v3/sql/jobs", tr.AccessToken, "")
	assert.Equal(t, 401, resp.StatusCode)

	form.Set("client_secret", "bad")
	resp, _, _ = do(t, s, "POST", "/oauth/token", "", form.Encode())
	assert.Equal(t, 401, resp.StatusCode)
}

func TestJobs(t *testing.T) {
	t.Parallel()
	s := cartofake.New(t, cartofake.WithWrappedJobList())
	tok := cartofake.DefaultToken
	_, body, err := do(t, s, "POST", "/v3/sql/c/job", tok, `{"query":"CALL x()","metadata":{"a":1}}`)
	require.NoError(t, err)
	var j map[string]any
	require.NoError(t, json.Unmarshal(body, &j))
	assert.Equal(t, "pending", j["status"])
	id := j["jobId"].(string)

	_, body, _ = do(t, s, "GET", "/v3/sql/jobs", tok, "")
	assert.Contains(t, string(body), `{"jobs":[{"jobId":"`+id)

	_, body, _ = do(t, s, "GET", "/v3/sql/c/job/"+id, tok, "")
	assert.Contains(t, string(body), `"status":"running"`)
	_, body, _ = do(t, s, "GET", "/v3/sql/c/job/"+id, tok, "")
	assert.Contains(t, string(body), `"status":"success"`)
	_, body, _ = do(t, s, "GET", "/v3/sql/c/job/"+id, tok, "")
	assert.Contains(t, string(body), `"status":"success"`)

	resp, _, _ := do(t, s, "GET", "/v3/sql/c/job/nope", tok, "")
	assert.Equal(t, 404, resp.StatusCode)

	s.SetJobScript(cartofake.JobStep{Status: "failure", Error: &cartofake.JobError{Code: 42, Msg: "boom"}})
	_, body, _ = do(t, s, "POST", "/v3/sql/c/job", tok, `{"query":"CALL y()"}`)
	require.NoError(t, json.Unmarshal(body, &j))
	id2 := j["jobId"].(string)
	_, body, _ = do(t, s, "DELETE", "/v3/sql/c/job/"+id2, tok, "")
	assert.Contains(t, string(body), `"status":"failure"`)
	assert.True(t, s.SetJobStatus(id2, "weird", nil))
	_, body, _ = do(t, s, "GET", "/v3/sql/c/job/"+id2, tok, "")
	assert.Contains(t, string(body), `"status":"weird"`)
}

func TestFaults(t *testing.T) {
	t.Parallel()
	s := cartofake.New(t)
	s.SetQueryResult("q", cols, [][]any{{1, strings.Repeat("z", 5000)}})
	tok := cartofake.DefaultToken

	s.Inject(cartofake.Fault{PathSuffix: "/query", Times: 1, Status: 503, RetryAfter: "2", Body: "<html><title>oops</title></html>", ContentType: "text/html"})
	resp, body, err := do(t, s, "POST", "/v3/sql/c/query", tok, `{"q":"q"}`)
	require.NoError(t, err)
	assert.Equal(t, 503, resp.StatusCode)
	assert.Equal(t, "2", resp.Header.Get("Retry-After"))
	assert.Contains(t, string(body), "oops")

	s.Inject(cartofake.Fault{Times: 1, TruncateAfter: 100})
	_, body, err = do(t, s, "POST", "/v3/sql/c/query", tok, `{"q":"q"}`)
	require.Error(t, err)
	assert.True(t, errors.Is(err, io.ErrUnexpectedEOF), "%v", err)
	assert.Len(t, body, 100)

	s.Inject(cartofake.Fault{Times: 1, DropConnection: true})
	_, _, err = do(t, s, "POST", "/v3/sql/c/query", tok, `{"q":"q"}`)
	require.Error(t, err)

	s.Inject(cartofake.Fault{Times: 1, SlowBody: 1000, SlowInterval: time.Millisecond})
	_, body, err = do(t, s, "POST", "/v3/sql/c/query", tok, `{"q":"q"}`)
	require.NoError(t, err)
	assert.True(t, json.Valid(body))

	s.Inject(cartofake.Fault{Times: 1, HugeBody: 1 << 20})
	_, body, err = do(t, s, "GET", "/v3/sql/c/query?q=whatever", tok, "")
	require.NoError(t, err)
	assert.True(t, json.Valid(body))
	assert.InDelta(t, 1<<20, len(body), 1000)

	// A delay longer than the test: the request context ends it, and Close
	// does not hang on it.
	// The request is cancelled once the server holds it: a deadline could end
	// it before it arrived, leaving the fault to hold the next request.
	arrived := make(chan struct{})
	var once sync.Once
	s.Inject(cartofake.Fault{Times: 1, Delay: time.Hour, Match: func(*http.Request) bool {
		once.Do(func() { close(arrived) })
		return true
	}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-arrived:
		case <-ctx.Done():
		}
		cancel()
	}()
	req, _ := http.NewRequestWithContext(ctx, "GET", s.URL+"/v3/sql/jobs", nil)
	_, err = s.Client().Do(req)
	require.Error(t, err)

	// Faults run out in order.
	s.Inject(cartofake.Fault{Times: 1, Status: 502}, cartofake.Fault{Times: 1, Status: 504})
	resp, _, _ = do(t, s, "GET", "/v3/sql/jobs", tok, "")
	assert.Equal(t, 502, resp.StatusCode)
	resp, _, _ = do(t, s, "GET", "/v3/sql/jobs", tok, "")
	assert.Equal(t, 504, resp.StatusCode)
	resp, _, _ = do(t, s, "GET", "/v3/sql/jobs", tok, "")
	assert.Equal(t, 200, resp.StatusCode)
}

func TestCloseDoesNotHang(t *testing.T) {
	t.Parallel()
	s := cartofake.New(t)
	s.Inject(cartofake.Fault{Delay: time.Hour}, cartofake.Fault{})
	errc := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest("GET", s.URL+"/v3/sql/jobs", nil)
		resp, err := s.Client().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	for len(s.Requests()) == 0 {
		time.Sleep(time.Millisecond)
	}
	s.Close()
	<-errc
}

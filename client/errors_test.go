package client

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/cartofake"
)

func TestAPIErrorFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		fault     cartofake.Fault
		op        string
		call      func(ctx context.Context, c *Client) error
		wantConn  string
		want      APIError // Op, Connection, StatusCode, Message, Hint, RetryAfter
		wantInErr []string
	}{
		{
			name:  "warehouse error with hint",
			fault: cartofake.Fault{Status: 400, Body: `{"error":"Syntax error: Unexpected keyword FROM at [1:8]","hint":"check the SQL","status":400,"extra":{"a":1}}`},
			want: APIError{Op: "run query", Connection: "conn", StatusCode: 400,
				Message: "Syntax error: Unexpected keyword FROM at [1:8]", Hint: "check the SQL"},
			wantInErr: []string{`carto: run query on connection "conn" failed with HTTP 400: Syntax error`, "(hint: check the SQL)"},
		},
		{
			name:      "detail used as hint",
			fault:     cartofake.Fault{Status: 404, Body: `{"error":"Connection not found","detail":"no connection named conn"}`},
			want:      APIError{Op: "run query", Connection: "conn", StatusCode: 404, Message: "Connection not found", Hint: "no connection named conn"},
			wantInErr: []string{"HTTP 404", "Connection not found"},
		},
		{
			name:      "401 token not defined",
			fault:     cartofake.Fault{Status: 401, Body: `{"error":"Token not defined","status":401}`},
			want:      APIError{Op: "run query", Connection: "conn", StatusCode: 401, Message: "Token not defined"},
			wantInErr: []string{"HTTP 401: Token not defined"},
		},
		{
			name:      "error as an object",
			fault:     cartofake.Fault{Status: 500, Body: `{"error":{"code":13,"message":"internal"}}`},
			want:      APIError{Op: "run query", Connection: "conn", StatusCode: 500, Message: `{"code":13,"message":"internal"}`},
			wantInErr: []string{"HTTP 500"},
		},
		{
			name:  "retry-after seconds on a 429 not waited for",
			fault: cartofake.Fault{Status: 429, RetryAfter: "120", Body: `{"error":"Too many requests","status":429}`},
			want: APIError{Op: "run query", Connection: "conn", StatusCode: 429, Message: "Too many requests",
				RetryAfter: 120 * time.Second},
			wantInErr: []string{"HTTP 429", "(retry after 2m0s)"},
		},
		{
			name:  "HTML page from a proxy",
			fault: cartofake.Fault{Status: 502, ContentType: "text/html", Body: "<!DOCTYPE html>\n<html><head><TITLE>502 Bad Gateway</TITLE></head><body>nginx</body></html>"},
			want: APIError{Op: "run query", Connection: "conn", StatusCode: 502,
				Message: `Bad Gateway (an HTML page, probably from a proxy or load balancer: "502 Bad Gateway")`},
			wantInErr: []string{"HTTP 502", "Bad Gateway", "HTML page"},
		},
		{
			name:      "HTML page without a title, wrong content type",
			fault:     cartofake.Fault{Status: 504, ContentType: "application/json", Body: "<html><body>timeout</body></html>"},
			want:      APIError{Op: "run query", Connection: "conn", StatusCode: 504, Message: `Gateway Timeout (an HTML page, probably from a proxy or load balancer: "no title")`},
			wantInErr: []string{"HTTP 504", "Gateway Timeout"},
		},
		{
			name:      "plain text body",
			fault:     cartofake.Fault{Status: 500, ContentType: "text/plain", Body: "upstream connect error or disconnect/reset before headers"},
			want:      APIError{Op: "run query", Connection: "conn", StatusCode: 500, Message: `Internal Server Error (non-JSON body: "upstream connect error or disconnect/reset before headers")`},
			wantInErr: []string{"HTTP 500", "Internal Server Error", "non-JSON body"},
		},
		{
			name:      "empty body",
			fault:     cartofake.Fault{Status: 403},
			want:      APIError{Op: "run query", Connection: "conn", StatusCode: 403, Message: "Forbidden (empty response body)"},
			wantInErr: []string{"HTTP 403", "Forbidden"},
		},
		{
			name:      "JSON without error field",
			fault:     cartofake.Fault{Status: 400, Body: `{"message":"nope"}`},
			want:      APIError{Op: "run query", Connection: "conn", StatusCode: 400, Message: `Bad Request (non-JSON body: "{\"message\":\"nope\"}")`},
			wantInErr: []string{"HTTP 400"},
		},
		{
			name:  "job create",
			fault: cartofake.Fault{Status: 400, Body: `{"error":"Missing query parameter"}`},
			call: func(ctx context.Context, c *Client) error {
				_, err := c.Jobs.Create(ctx, &CreateJobRequest{Connection: "snow", SQL: "x"})
				return err
			},
			want: APIError{Op: "create job", Connection: "snow", StatusCode: 400, Message: "Missing query parameter"},
		},
		{
			name:  "list jobs has no connection",
			fault: cartofake.Fault{Status: 403, Body: `{"error":"You don't have permissions to read this resource","status":403}`},
			call: func(ctx context.Context, c *Client) error {
				_, err := c.Jobs.List(ctx)
				return err
			},
			want:      APIError{Op: "list jobs", StatusCode: 403, Message: "You don't have permissions to read this resource"},
			wantInErr: []string{"carto: list jobs failed with HTTP 403"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := cartofake.New(t)
			srv.Inject(tt.fault)
			c := newTestClient(t, srv, withRetry(RetryPolicy{MaxAttempts: 1}))
			call := tt.call
			if call == nil {
				call = func(ctx context.Context, c *Client) error {
					_, err := c.Queries.Run(ctx, &QueryRequest{SQL: "SELECT 1"}, QueryLimits{})
					return err
				}
			}
			err := call(testCtx(t), c)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			require.NotNil(t, apiErr.Response)
			assert.Equal(t, apiErr.StatusCode, apiErr.Response.StatusCode)
			got := *apiErr
			got.Response = nil
			assert.Equal(t, tt.want, got)
			for _, w := range tt.wantInErr {
				assert.Contains(t, err.Error(), w)
			}
			assert.NotContains(t, err.Error(), cartofake.DefaultToken)
			assert.Equal(t, tt.want.Temporary(), IsRetryable(err))
		})
	}
}

func TestAPIErrorTemporary(t *testing.T) {
	t.Parallel()
	for code, want := range map[int]bool{400: false, 401: false, 403: false, 404: false, 408: false, 429: true,
		500: false, 501: false, 502: true, 503: true, 504: true} {
		assert.Equal(t, want, (&APIError{StatusCode: code}).Temporary(), code)
	}
	assert.True(t, IsRetryable(ErrTruncatedResponse))
	assert.True(t, IsRetryable(context.DeadlineExceeded))
	assert.False(t, IsRetryable(context.Canceled))
	assert.False(t, IsRetryable(ErrInvalidResponse))
	assert.False(t, IsRetryable(errors.New("x")))
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"3", 3 * time.Second},
		{" 7 ", 7 * time.Second},
		{"-5", 0},
		{"1.5", 0},
		{"abc", 0},
		{"+3", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"99999999999999", time.Duration(1<<63 - 1)},
		{"9223372036854775807", time.Duration(1<<63 - 1)},
		{"99999999999999999999", 0}, // not an int64: ignored
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, parseRetryAfter(tt.in, now), "%q", tt.in)
	}
}

func TestResponseBodyErrors(t *testing.T) {
	t.Parallel()
	big := make([][]any, 2000)
	for i := range big {
		big[i] = []any{i, strings.Repeat("v", 50), 1.25}
	}
	tests := []struct {
		name    string
		fault   cartofake.Fault
		call    string // "query", "get", "list"
		limits  QueryLimits
		wantErr error
		wantIn  []string
	}{
		{name: "query truncated early", fault: cartofake.Fault{TruncateAfter: 10}, call: "query", wantErr: ErrTruncatedResponse,
			wantIn: []string{"reading the result (HTTP 200)", "truncated"}},
		{name: "query truncated in the middle of rows", fault: cartofake.Fault{TruncateAfter: 50_000}, call: "query", wantErr: ErrTruncatedResponse},
		{name: "query truncated before the schema", fault: cartofake.Fault{TruncateAfter: 150_000}, call: "query", wantErr: ErrTruncatedResponse},
		{name: "query 200 with HTML", fault: cartofake.Fault{Status: 200, ContentType: "text/html", Body: "<html>login</html>"}, call: "query", wantErr: ErrInvalidResponse,
			wantIn: []string{"HTTP 200"}},
		{name: "query 200 with invalid JSON", fault: cartofake.Fault{Status: 200, Body: `{"rows":[{"a":1}}`}, call: "query", wantErr: ErrInvalidResponse},
		{name: "query 200 with a JSON string", fault: cartofake.Fault{Status: 200, Body: `"ok"`}, call: "query", wantErr: ErrInvalidResponse},
		{name: "job truncated", fault: cartofake.Fault{TruncateAfter: 20}, call: "get", wantErr: ErrTruncatedResponse},
		{name: "job body cut short but well framed", fault: cartofake.Fault{Status: 200, Body: `{"jobId":"j","sta`}, call: "get", wantErr: ErrTruncatedResponse},
		{name: "job 200 with HTML", fault: cartofake.Fault{Status: 200, ContentType: "text/html", Body: "<html><title>Sign in</title></html>"}, call: "get",
			wantErr: ErrInvalidResponse, wantIn: []string{"HTTP 200", "text/html", "Sign in"}},
		{name: "job wrong JSON type", fault: cartofake.Fault{Status: 200, Body: `{"jobId":5}`}, call: "get", wantErr: ErrInvalidResponse},
		{name: "list truncated", fault: cartofake.Fault{TruncateAfter: 3}, call: "list", wantErr: ErrTruncatedResponse},
		{name: "list invalid", fault: cartofake.Fault{Status: 200, Body: `[{"jobId":"a"},`}, call: "list", wantErr: ErrTruncatedResponse},
		{name: "list garbage", fault: cartofake.Fault{Status: 200, Body: `jobs: none`}, call: "list", wantErr: ErrInvalidResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := cartofake.New(t)
			srv.SetQueryResult("SELECT big", testCols, big)
			c := newTestClient(t, srv)
			ctx := testCtx(t)
			job, err := c.Jobs.Create(ctx, &CreateJobRequest{SQL: "CALL x()"})
			require.NoError(t, err)
			srv.Inject(tt.fault)
			srv.ResetRequests()
			switch tt.call {
			case "query":
				_, err = c.Queries.Run(ctx, &QueryRequest{SQL: "SELECT big"}, tt.limits)
			case "get":
				_, err = c.Jobs.Get(ctx, "", job.ID)
			case "list":
				_, err = c.Jobs.List(ctx)
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.wantErr)
			var apiErr *APIError
			assert.False(t, errors.As(err, &apiErr), "a 2xx with a bad body is not an APIError")
			for _, w := range tt.wantIn {
				assert.Contains(t, err.Error(), w)
			}
			assert.Len(t, srv.Requests(), 1, "a bad body is not retried")
		})
	}
}

// A body cut after the kept rows: the client stopped before the cut, so the
// result is good.
func TestTruncationAfterTheCapIsNotAnError(t *testing.T) {
	t.Parallel()
	srv := cartofake.New(t, cartofake.WithSchemaFirst())
	srv.SetQueryGenerator("SELECT g", testCols, 100_000, func(i int) []any { return []any{i, "x", 0.5} })
	srv.Inject(cartofake.Fault{TruncateAfter: 200_000})
	c := newTestClient(t, srv)
	res, err := c.Queries.Run(testCtx(t), &QueryRequest{SQL: "SELECT g"}, QueryLimits{MaxRows: 100})
	require.NoError(t, err)
	assert.Len(t, res.Rows, 100)
	assert.True(t, res.Truncated)
}

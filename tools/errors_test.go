package tools_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/carto-mcp/carto-mcp/cartofake"
	"github.com/carto-mcp/carto-mcp/tools"
)

// callArgs are valid arguments for each tool.
var callArgs = map[string]map[string]any{
	tools.ToolRunQuery:       {"sql": "SELECT * FROM cities"},
	tools.ToolSubmitJob:      {"sql": "CREATE TABLE t AS SELECT 1"},
	tools.ToolGetJob:         {"job_id": "job_000001"},
	tools.ToolCancelJob:      {"job_id": "job_000001"},
	tools.ToolListJobs:       {},
	tools.ToolViewMap:        {"sql": "SELECT * FROM cities", "image": "never", "limit": 100},
	tools.ToolGetTilesetTile: {"tileset": "carto_dw.demo.stores_tiles", "z": 0, "x": 0, "y": 0},
	// describe_table needs a table to fail on CARTO rather than on its arguments.
	tools.ToolDescribeTable: {"table": "p.d.t"},
}

// TestCARTOFailures runs every tool against CARTO faults: each ends in an isError
// result carrying CARTO's message (or the cause) and what to do next, never a
// protocol error and never the token.
func TestCARTOFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		fault cartofake.Fault
		want  []string
		// per tool, more text to expect
		also map[string][]string
		// cancelAccepted: CARTO's 2xx to the cancel counts as accepted (its body
		// need not be a job), so cancel_job succeeds and reports the read-back failure.
		cancelAccepted bool
		// callTimeout, when set, replaces the default call deadline. Only the
		// case about timeouts sets one: its fault holds the request until the
		// deadline ends it, so no other case races a deadline against the work.
		callTimeout time.Duration
	}{
		{
			name:  "400",
			fault: cartofake.Fault{Status: 400, Body: `{"error":"Syntax error: Unexpected keyword FORM at [1:10]","status":400}`},
			want:  []string{"HTTP 400", "Syntax error: Unexpected keyword FORM at [1:10]"},
			also: map[string][]string{
				tools.ToolRunQuery:  {"fix it", "project.dataset.table", "database.schema.table"},
				tools.ToolSubmitJob: {"fix it"},
				tools.ToolCancelJob: {"get_job"},
			},
		},
		{
			name:  "401",
			fault: cartofake.Fault{Status: 401, Body: `{"error":"Token not defined","status":401}`},
			want:  []string{"HTTP 401", "Token not defined", "Retrying will not help", "CARTO_API_ACCESS_TOKEN", "tell the user"},
		},
		{
			name:  "403",
			fault: cartofake.Fault{Status: 403, Body: `{"error":"You don't have permissions to read this resource","status":403}`},
			want:  []string{"HTTP 403", "You don't have permissions to read this resource", "not allowed", "connection name"},
		},
		{
			name:  "404",
			fault: cartofake.Fault{Status: 404, Body: `{"error":"Not found","status":404}`},
			want:  []string{"HTTP 404", "Not found"},
			also: map[string][]string{
				tools.ToolRunQuery:  {"Check the connection name"},
				tools.ToolSubmitJob: {"Check the connection name"},
				tools.ToolGetJob:    {"Check the job id", "list_jobs"},
				tools.ToolCancelJob: {"Check the job id", "list_jobs"},
				tools.ToolListJobs:  {"CARTO_API_BASE_URL"},
			},
		},
		{
			name:  "429",
			fault: cartofake.Fault{Status: 429, RetryAfter: "30", Body: `{"error":"Too many requests","status":429}`},
			want:  []string{"HTTP 429", "Too many requests", "rate limiting", "Wait at least 30s"},
		},
		{
			name:  "500",
			fault: cartofake.Fault{Status: 500, Body: `{"error":"Internal server error","status":500}`},
			want:  []string{"HTTP 500", "Internal server error", "temporary failure", "Retry"},
			also:  map[string][]string{tools.ToolSubmitJob: {"Check list_jobs before resubmitting"}},
		},
		{
			// A server that says what to do is not contradicted by a generic "retry".
			name:  "500 with a hint",
			fault: cartofake.Fault{Status: 500, Body: `{"error":"Disk full","hint":"free space on the warehouse, then retry","status":500}`},
			want:  []string{"HTTP 500", "Disk full", "free space on the warehouse", "follow the hint"},
			also:  map[string][]string{tools.ToolSubmitJob: {"Check list_jobs before resubmitting"}},
		},
		{
			name: "502 html",
			fault: cartofake.Fault{Status: 502, ContentType: "text/html",
				Body: "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"},
			want: []string{"HTTP 502", "HTML page", "502 Bad Gateway", "temporary failure"},
		},
		{
			name:  "503",
			fault: cartofake.Fault{Status: 503, RetryAfter: "5", Body: `{"error":"Service unavailable","status":503}`},
			want:  []string{"HTTP 503", "Service unavailable", "temporary failure", "after 5s"},
		},
		{
			name:  "invalid json",
			fault: cartofake.Fault{Status: 200, Body: `{"rows":[{"a":1},{"a":`},
			want:  []string{"CARTO"},
			also: map[string][]string{
				tools.ToolRunQuery:  {"ended early"},
				tools.ToolGetJob:    {"ended early"},
				tools.ToolListJobs:  {"ended early"},
				tools.ToolSubmitJob: {"ended early"},
				tools.ToolCancelJob: {"ended early"},
			},
		},
		{
			name:           "not the contract",
			fault:          cartofake.Fault{Status: 200, ContentType: "text/plain", Body: `hello`},
			want:           []string{"could not be read", "retry later"},
			cancelAccepted: true,
		},
		{
			name:  "truncated body",
			fault: cartofake.Fault{Status: 200, Body: `{"rows":[{"a":1},{"a":2}],"schema":[{"name":"a","type":"number"}]}`, TruncateAfter: 12},
			want:  []string{"ended early", "Retry"},
		},
		{
			name:  "dropped connection",
			fault: cartofake.Fault{DropConnection: true},
			want:  []string{"connection dropped", "Retry"},
			also:  map[string][]string{tools.ToolSubmitJob: {"Check list_jobs before submitting again"}},
		},
		{
			name:        "timeout",
			fault:       cartofake.Fault{Delay: time.Hour},
			callTimeout: 250 * time.Millisecond,
			want:        []string{"timed out after"},
			also: map[string][]string{
				tools.ToolRunQuery:  {"use submit_job"},
				tools.ToolSubmitJob: {"check list_jobs before submitting it again"},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, name := range tools.ToolNames {
				e := newEnv(t, withOptions(func(o *tools.Options) { o.CallTimeout = tc.callTimeout }))
				e.fake.Inject(tc.fault)
				if tc.cancelAccepted && name == tools.ToolCancelJob {
					var out tools.CancelJobOutput
					e.ok(e.call(name, callArgs[name]), &out)
					assert.True(t, out.CancelRequested)
					assert.Equal(t, "unknown", out.Status)
					assert.False(t, out.Done)
					assert.Empty(t, missing(out.NextStep, "accepted the cancel request", "reading the job back failed", "Call get_job"))
					continue
				}
				text := e.failed(e.call(name, callArgs[name]))
				assert.Empty(t, missing(text, append(tc.want, tc.also[name]...)...), "%s: %s", name, text)
				assert.NotContains(t, e.logs.String(), cartofake.DefaultToken)
			}
		})
	}
}

func TestCARTORealErrors(t *testing.T) {
	t.Parallel()
	t.Run("unknown SQL", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		text := e.failed(e.call(tools.ToolRunQuery, map[string]any{"sql": "SELECT * FROM nowhere"}))
		assert.Empty(t, missing(text, "HTTP 400", "no table or result for this statement", `connection "carto_dw"`, "fix it"))
	})
	t.Run("wrong token", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, withToken("not-the-token"))
		for _, name := range tools.ToolNames {
			text := e.failed(e.call(name, callArgs[name]))
			assert.Empty(t, missing(text, "HTTP 403", "permissions"), "%s: %s", name, text)
			assert.NotContains(t, text, "not-the-token")
		}
		assert.NotContains(t, e.logs.String(), "not-the-token")
	})
	t.Run("unknown connection", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, withFake(cartofake.WithConnections(defaultConn)))
		text := e.failed(e.call(tools.ToolRunQuery, map[string]any{"sql": "SELECT 1", "connection": "Carto_DW"}))
		assert.Empty(t, missing(text, "HTTP 404", "Connection not found: Carto_DW", "case-sensitive"))
	})
	t.Run("unknown job", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		text := e.failed(e.call(tools.ToolGetJob, map[string]any{"job_id": "job_999999"}))
		assert.Empty(t, missing(text, "HTTP 404", "Job not found: job_999999", "Check the job id"))
	})
}

func TestLogsHoldNoSQLOrToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.fake.SetQueryResult("SELECT 'secret-literal'", []cartofake.Column{{Name: "x", Type: "string"}}, [][]any{{"v"}})
	var out tools.RunQueryOutput
	e.ok(e.call(tools.ToolRunQuery, map[string]any{"sql": "SELECT 'secret-literal'"}), &out)
	e.failed(e.call(tools.ToolRunQuery, map[string]any{"sql": "SELECT 'other-literal'"}))
	logs := e.logs.String()
	assert.Contains(t, logs, "tool=run_query")
	assert.Contains(t, logs, "error_kind=carto_400")
	assert.NotContains(t, logs, "secret-literal")
	assert.NotContains(t, logs, "other-literal")
	assert.NotContains(t, logs, cartofake.DefaultToken)
	assert.False(t, strings.Contains(logs, "Bearer"))
}

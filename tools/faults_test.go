package tools_test

import (
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/cartofake"
	"github.com/carto-mcp/carto-mcp/tools"
)

// TestFaultsEndActionablyAndTheServerKeepsServing completes issue 7's fault matrix
// (the HTTP statuses, HTML, invalid and truncated bodies, dropped connections and
// timeouts are in TestCARTOFailures): a body that trickles in, a 1 GiB body, a
// 2xx answer of the wrong content type and a gateway timeout page. Each ends in
// an isError result within the call's deadline, with no token in the result or
// the logs; after each, the same session still answers a normal call.
func TestFaultsEndActionablyAndTheServerKeepsServing(t *testing.T) {
	t.Parallel()
	validJob := `{"jobId":"job_000001","connection":"carto_dw","status":"running"}`
	for _, tc := range []struct {
		name  string
		fault cartofake.Fault
		want  []string
		// oneOf: the result must contain at least one of these.
		oneOf []string
		// hugeRunQuery: run_query reads only what it keeps, so a huge valid result
		// is a truncated success, not an error.
		hugeRunQuery bool
		// callTimeout, when set, replaces the default call deadline, for the
		// cases whose body cannot arrive before it: 70 bytes at one per 200 ms
		// take 14 s, 1 GiB is never read whole. No other case races a deadline,
		// and the normal call that follows may take several tries.
		callTimeout time.Duration
	}{
		{
			name:        "slow body",
			fault:       cartofake.Fault{Status: 200, Body: validJob, SlowBody: 1, SlowInterval: 200 * time.Millisecond},
			callTimeout: 500 * time.Millisecond,
			want:        []string{"timed out after"},
		},
		{
			name:         "1 GiB body",
			fault:        cartofake.Fault{HugeBody: 1 << 30},
			callTimeout:  500 * time.Millisecond,
			oneOf:        []string{"could not be read", "timed out after"},
			hugeRunQuery: true,
		},
		{
			name:  "wrong content type",
			fault: cartofake.Fault{Status: 200, ContentType: "application/xml", Body: `<?xml version="1.0"?><error>maintenance</error>`},
			want:  []string{"could not be read"},
		},
		{
			name: "504 gateway timeout page",
			fault: cartofake.Fault{Status: 504, ContentType: "text/html",
				Body: "<html><head><title>504 Gateway Time-out</title></head></html>"},
			want: []string{"HTTP 504", "504 Gateway Time-out", "retry later"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, name := range tools.ToolNames {
				timeout := tc.callTimeout
				if tc.hugeRunQuery && (name == tools.ToolRunQuery || name == tools.ToolViewMap) {
					// run_query and view_map stop reading once they have their
					// rows: a success that must not race the deadline.
					timeout = 0
				}
				e := newEnv(t, withOptions(func(o *tools.Options) { o.CallTimeout = timeout }))
				e.fake.SetJobStatus("job_000001", "running", nil) // harmless when unknown
				e.fake.Inject(tc.fault)
				res := e.call(name, callArgs[name])
				switch {
				case tc.hugeRunQuery && name == tools.ToolRunQuery:
					var out tools.RunQueryOutput
					e.ok(res, &out)
					assert.True(t, out.Truncated, "a huge result is cut, not read")
				case tc.hugeRunQuery && name == tools.ToolViewMap:
					var out tools.ViewMapOutput
					e.ok(res, &out)
					assert.True(t, out.Truncated, "a huge result is cut, not read")
					assert.NotEmpty(t, out.Notice)
				case name == tools.ToolCancelJob && !res.IsError:
					// A 2xx answer to DELETE means CARTO accepted the cancel; the
					// read-back is what failed, and the result says so.
					var out tools.CancelJobOutput
					e.ok(res, &out)
					assert.True(t, out.CancelRequested)
				default:
					text := e.failed(res)
					assert.Empty(t, missing(text, tc.want...), "%s: %s", name, text)
					if len(tc.oneOf) > 0 {
						assert.Less(t, len(missing(text, tc.oneOf...)), len(tc.oneOf), "%s: %s", name, text)
					}
				}
				assert.NotContains(t, e.logs.String(), cartofake.DefaultToken)

				// The server keeps serving: the same session answers a normal call.
				e.fake.ClearFaults()
				if timeout == 0 {
					var jobs tools.ListJobsOutput
					e.ok(e.call(tools.ToolListJobs, map[string]any{}), &jobs)
					continue
				}
				// Under this case's short deadline a normal call can time out
				// too on a saturated machine: what matters is that one ends
				// well, however long the machine takes to give it the time.
				waitFor(t, "the session to answer a normal call", func() bool {
					res := e.call(tools.ToolListJobs, map[string]any{})
					if res.IsError {
						assert.Contains(t, textOf(t, res), "timed out after", "the only failure allowed is the deadline")
						return false
					}
					var jobs tools.ListJobsOutput
					e.ok(res, &jobs)
					return true
				})
			}
		})
	}
}

// TestSecretsNeverLeave runs every tool through success and failure with a
// recognisable token and checks it appears in no result and no log line, while
// the logs do record the calls.
func TestSecretsNeverLeave(t *testing.T) {
	t.Parallel()
	const secret = "tok-RECOGNISABLE-secret-9f8e7d6c5b4a"
	fake := cartofake.New(t, cartofake.WithToken(secret))
	e := newEnvOn(t, fake, withToken(secret))
	faults := []*cartofake.Fault{nil, {Status: 401, Body: `{"error":"Token not defined","status":401}`},
		{Status: 500}, {DropConnection: true}, {Status: 200, Body: `{"rows":[`, TruncateAfter: 5}}
	for _, f := range faults {
		for _, name := range tools.ToolNames {
			if f != nil {
				e.fake.Inject(*f)
			}
			res := e.call(name, callArgs[name])
			for _, c := range res.Content {
				if tc, ok := c.(mcp.TextContent); ok {
					assert.NotContains(t, tc.Text, secret)
				}
			}
			assert.NotContains(t, string(res.RawStructuredContent), secret)
			e.fake.ClearFaults()
		}
	}
	logs := e.logs.String()
	require.Contains(t, logs, "carto request", "the client logged its requests")
	assert.NotContains(t, logs, secret)
	for _, r := range fake.Requests() {
		assert.NotContains(t, r.Path+"?"+r.RawQuery, secret, "a token never goes into a URL")
	}
}

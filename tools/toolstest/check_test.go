package toolstest

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	mcpclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/carto-mcp/carto-mcp/schemas"

	"github.com/carto-mcp/carto-mcp/internal/testctx"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// A list_jobs result as the tool returns it, and variations of it.
const validListJobs = `{"content":[{"type":"text","text":"no jobs"}],"structuredContent":{"count":0,"jobs":[]}}`

func TestCheckToolResult(t *testing.T) {
	t.Parallel()
	require.NoError(t, CheckToolResult("list_jobs", []byte(validListJobs)), "the valid result")
	for name, tc := range map[string]struct {
		tool, result, want string
	}{
		"missing required": {"list_jobs",
			`{"content":[],"structuredContent":{"jobs":[]}}`, "missing property 'count'"},
		"wrong type": {"list_jobs",
			`{"content":[],"structuredContent":{"count":"0","jobs":[]}}`, "count"},
		"success without structured content": {"list_jobs",
			`{"content":[{"type":"text","text":"x"}]}`, "no structuredContent"},
		"null structured content": {"list_jobs",
			`{"content":[{"type":"text","text":"x"}],"structuredContent":null}`, "no structuredContent"},
		"no content array": {"list_jobs",
			`{"structuredContent":{"count":0,"jobs":[]}}`, "no content array"},
		"invalid structured content on an error": {"list_jobs",
			`{"content":[],"isError":true,"structuredContent":{"count":-1.5}}`, "does not match"},
		"structured content of a tool without a schema": {"no_such_tool",
			`{"content":[],"structuredContent":{}}`, "no checked-in output schema"},
		"not a result": {"list_jobs", `[1]`, "not a CallToolResult"},
	} {
		t.Run(name, func(t *testing.T) {
			err := CheckToolResult(tc.tool, []byte(tc.result))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	// An error result needs no structured content, nor does a tool without a schema.
	assert.NoError(t, CheckToolResult("list_jobs", []byte(`{"content":[{"type":"text","text":"bad"}],"isError":true}`)))
	assert.NoError(t, CheckToolResult("no_such_tool", []byte(`{"content":[{"type":"text","text":"ok"}]}`)))
}

// Every checked-in output schema compiles.
func TestEveryOutputSchemaCompiles(t *testing.T) {
	t.Parallel()
	n := 0
	for _, name := range schemas.Names() {
		tool, ok := cutSuffix(name, ".output.json")
		if !ok {
			continue
		}
		n++
		_, err := outputSchema(tool)
		assert.NoError(t, err, tool)
	}
	assert.NotZero(t, n)
}

func cutSuffix(s, suffix string) (string, bool) {
	if len(s) < len(suffix) || s[len(s)-len(suffix):] != suffix {
		return s, false
	}
	return s[:len(s)-len(suffix)], true
}

// The wrapped client reports a bad result of a plain call and of a task, and
// nothing for a good one.
func TestWrappedClientReportsViolations(t *testing.T) {
	t.Parallel()
	good := json.RawMessage(`{"count":0,"jobs":[]}`)
	bad := json.RawMessage(`{"count":"zero"}`)
	var mu sync.Mutex
	result := good
	srv := server.NewMCPServer("t", "1", server.WithToolCapabilities(false), server.WithTaskCapabilities(true, true, true))
	tool := mcp.NewTool("list_jobs", mcp.WithTaskSupport(mcp.TaskSupportOptional))
	srv.AddTool(tool, func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		mu.Lock()
		defer mu.Unlock()
		return &mcp.CallToolResult{Content: []mcp.Content{mcp.NewTextContent("jobs")}, StructuredContent: result}, nil
	})

	var reported []error
	c := &checker{report: func(err error) { mu.Lock(); reported = append(reported, err); mu.Unlock() }}
	mc := mcpclient.NewClient(wrapWith(c, transport.NewInProcessTransport(srv), t.Fatalf))
	t.Cleanup(func() { _ = mc.Close() })
	ctx, cancel := context.WithCancel(testctx.Context(t))
	defer cancel()
	require.NoError(t, mc.Start(ctx))
	var init mcp.InitializeRequest
	init.Params.ProtocolVersion = mcp.ProtocolVersion20251125 // has tasks/result
	_, err := mc.Initialize(ctx, init)
	require.NoError(t, err)
	reports := func() int { mu.Lock(); defer mu.Unlock(); return len(reported) }

	var req mcp.CallToolRequest
	req.Params.Name = "list_jobs"
	_, err = mc.CallTool(ctx, req)
	require.NoError(t, err)
	assert.Zero(t, reports(), "a valid result: %v", reported)

	mu.Lock()
	result = bad
	mu.Unlock()
	_, err = mc.CallTool(ctx, req)
	require.NoError(t, err, "the caller still gets the answer")
	require.Equal(t, 1, reports())
	assert.Contains(t, reported[0].Error(), "list_jobs")

	// As a task: the result comes from tasks/result.
	resp, err := mc.GetTransport().SendRequest(ctx, transport.JSONRPCRequest{
		JSONRPC: mcp.JSONRPC_VERSION, ID: mcp.NewRequestId(int64(99)), Method: "tools/call",
		Params: map[string]any{"name": "list_jobs", "task": map[string]any{}},
	})
	require.NoError(t, err)
	require.Nil(t, resp.Error)
	var created mcp.CreateTaskResult
	require.NoError(t, json.Unmarshal(resp.Result, &created))
	assert.Equal(t, 1, reports(), "creating a task is not a tool result")
	_, err = mc.TaskResult(ctx, mcp.TaskResultRequest{Params: mcp.TaskResultParams{TaskId: created.Task.TaskId}})
	require.NoError(t, err)
	assert.Equal(t, 2, reports(), "the task's result was checked")
}

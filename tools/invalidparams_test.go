package tools_test

import (
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/tools"
)

// A prompt called with an argument it refuses is a JSON-RPC invalid-params
// error (-32602) that says why, not an internal error (-32603).
func TestPromptWithInvalidArgumentsIsInvalidParams(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tc := range []struct {
		prompt string
		args   map[string]string
		want   string
	}{
		{tools.PromptCreateTileset, map[string]string{"source": "a.b.c", "output": "a.b.d", "warehouse": "oracle"}, "oracle"},
		{tools.PromptCreateTileset, map[string]string{"source": "a.b.c", "output": "a.b.d", "warehouse": "bigquery", "zoom_max": "99"}, "zoom_max"},
		{tools.PromptExploreTable, map[string]string{"table": "t; DROP TABLE x"}, "table"},
	} {
		var req mcp.GetPromptRequest
		req.Params.Name = tc.prompt
		req.Params.Arguments = tc.args
		_, err := e.mcp.GetPrompt(testContext(t), req)
		require.Error(t, err, tc.args)
		assert.ErrorIs(t, err, mcp.ErrInvalidParams, "%v: %v", tc.args, err)
		assert.NotErrorIs(t, err, mcp.ErrInternalError)
		assert.Contains(t, err.Error(), "invalid arguments", tc.args)
		assert.Contains(t, err.Error(), tc.want, tc.args)
	}
	// Valid arguments still work.
	var req mcp.GetPromptRequest
	req.Params.Name = tools.PromptExploreTable
	req.Params.Arguments = map[string]string{"table": "a.b.c"}
	_, err := e.mcp.GetPrompt(testContext(t), req)
	require.NoError(t, err)
}

// An unknown job resource, or a URI under carto://jobs/ that names none, is
// invalid params (-32602, as protocol 2026-07-28 specifies for a resource not
// found), not an internal error (-32603), and says why.
func TestUnknownJobResourceIsInvalidParams(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withProtocol(mcp.ProtocolVersion20260728))
	for _, uri := range []string{
		tools.JobURI(defaultConn, "no-such-job"),
		"carto://jobs/only-one-part",
	} {
		var req mcp.ReadResourceRequest
		req.Params.URI = uri
		_, err := e.mcp.ReadResource(testContext(t), req)
		require.Error(t, err, uri)
		assert.ErrorIs(t, err, mcp.ErrInvalidParams, "%s: %v", uri, err)
		assert.NotErrorIs(t, err, mcp.ErrInternalError)
	}
	var req mcp.ReadResourceRequest
	req.Params.URI = tools.JobURI(defaultConn, "no-such-job")
	_, err := e.mcp.ReadResource(testContext(t), req)
	assert.Contains(t, err.Error(), "No such job no-such-job")

	// A job that exists still reads.
	var sub tools.SubmitJobOutput
	e.ok(e.call(tools.ToolSubmitJob, map[string]any{"sql": "INSERT INTO t SELECT 1"}), &sub)
	req.Params.URI = sub.ResourceURI
	_, err = e.mcp.ReadResource(testContext(t), req)
	require.NoError(t, err)
}

// Up to protocol 2025-11-25, which has its own code for it, an unknown
// resource is "resource not found" (-32002); still never -32603.
func TestUnknownJobResourceIsNotFoundOnEarlierProtocols(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withProtocol(mcp.ProtocolVersion20251125))
	var req mcp.ReadResourceRequest
	req.Params.URI = tools.JobURI(defaultConn, "no-such-job")
	_, err := e.mcp.ReadResource(testContext(t), req)
	require.Error(t, err)
	assert.ErrorIs(t, err, mcp.ErrResourceNotFound, "%v", err)
}

package tools_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"

	mcpclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/mark3labs/mcp-go/server/servertest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/cartofake"
	"github.com/carto-mcp/carto-mcp/client"
	"github.com/carto-mcp/carto-mcp/schemas"
	"github.com/carto-mcp/carto-mcp/tools"
	"github.com/carto-mcp/carto-mcp/tools/toolstest"
)

// TestServedSchemasAreTheFiles lists the tools over streamable HTTP and reads the
// raw JSON-RPC result: each inputSchema and outputSchema on the wire is the
// schema file with its insignificant whitespace removed, byte for byte (mcp-go
// embeds the raw schema in its JSON, and encoding/json compacts it), and means
// the same JSON.
func TestServedSchemasAreTheFiles(t *testing.T) {
	t.Parallel()
	for _, version := range []string{mcp.LATEST_LEGACY_PROTOCOL_VERSION, mcp.LATEST_PROTOCOL_VERSION} {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			testServedSchemas(t, version)
		})
	}
}

func testServedSchemas(t *testing.T, version string) {
	fake := cartofake.New(t)
	c, err := client.New(client.Config{BaseURL: fake.URL, Connection: defaultConn,
		Token: client.StaticToken(cartofake.DefaultToken), HTTPClient: fake.Client()})
	require.NoError(t, err)
	srv, err := tools.NewServer(tools.Options{Client: c, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	hs := servertest.NewTestStreamableHTTPServer(srv)
	t.Cleanup(hs.Close)

	mc := toolstest.NewStreamableHTTPClient(t, hs.URL+"/mcp")
	t.Cleanup(func() { _ = mc.Close() })
	ctx := testContext(t)
	require.NoError(t, mc.Start(ctx))
	var init mcp.InitializeRequest
	init.Params.ProtocolVersion = version
	init.Params.ClientInfo = mcp.Implementation{Name: "tools-test", Version: "1"}
	initRes, err := mc.Initialize(ctx, init)
	require.NoError(t, err)
	assert.Equal(t, tools.ServerName, initRes.ServerInfo.Name)
	assert.Contains(t, initRes.Instructions, "submit_job")

	// The same session's transport, for the raw bytes of the answer.
	tr := mc.GetTransport()
	resp, err := tr.SendRequest(ctx, transportRequest("tools/list", version))
	require.NoError(t, err)
	require.Nil(t, resp.Error)
	var listed struct {
		Tools []struct {
			Name         string          `json:"name"`
			InputSchema  json.RawMessage `json:"inputSchema"`
			OutputSchema json.RawMessage `json:"outputSchema"`
		} `json:"tools"`
	}
	require.NoError(t, json.Unmarshal(resp.Result, &listed))
	var names []string
	for _, tl := range listed.Tools {
		names = append(names, tl.Name)
		for _, s := range []struct {
			kind   string
			served json.RawMessage
		}{{"input", tl.InputSchema}, {"output", tl.OutputSchema}} {
			file, err := schemas.File(tl.Name + "." + s.kind + ".json")
			require.NoError(t, err)
			var compact bytes.Buffer
			require.NoError(t, json.Compact(&compact, file))
			assert.Equal(t, compact.String(), string(s.served), "%s %s schema on the wire", tl.Name, s.kind)
			assert.JSONEq(t, string(file), string(s.served), "%s %s schema means the file", tl.Name, s.kind)
		}
	}
	assert.ElementsMatch(t, tools.ToolNames, names)

	// And a call over this transport works end to end.
	fake.SetQueryResult("SELECT 1 AS one", []cartofake.Column{{Name: "one", Type: "number"}}, [][]any{{1}})
	var req mcp.CallToolRequest
	req.Params.Name = tools.ToolRunQuery
	req.Params.Arguments = map[string]any{"sql": "SELECT 1 AS one"}
	res, err := mc.CallTool(ctx, req)
	require.NoError(t, err)
	require.False(t, res.IsError, "%v", res.Content)
	assert.JSONEq(t, `{"connection":"carto_dw","columns":[{"name":"one","type":"number"}],"rows":[[1]],"row_count":1,"truncated":false,"row_limit":100,"meta":{"cache_hit":false,"cached":false,"location":"US","total_bytes_processed":"0"}}`,
		string(res.RawStructuredContent))
}

var requestID atomic.Int64

// transportRequest is a raw request; from 2026-07-28 on, every request carries
// the protocol version, client info and capabilities in _meta.
func transportRequest(method, version string) transport.JSONRPCRequest {
	req := transport.JSONRPCRequest{JSONRPC: "2.0", ID: mcp.NewRequestId(1000 + requestID.Add(1)), Method: method}
	if mcp.IsModernProtocol(version) {
		req.Params = map[string]any{"_meta": map[string]any{
			mcp.MetaKeyProtocolVersion:    version,
			mcp.MetaKeyClientInfo:         map[string]any{"name": "tools-test", "version": "1"},
			mcp.MetaKeyClientCapabilities: map[string]any{},
		}}
		req.Header = http.Header{"Mcp-Method": {method}}
	}
	return req
}

// toolHints are a tool's MCP annotations.
type toolHints struct{ readOnly, destructive, idempotent, openWorld bool }

// allToolHints is every tool's annotations in the normal mode: adding a tool
// adds one line here (TestToolAnnotations fails until it does).
var allToolHints = map[string]toolHints{
	tools.ToolRunQuery:        {false, true, false, true},
	tools.ToolSubmitJob:       {false, true, false, true},
	tools.ToolGetJob:          {true, false, true, true},
	tools.ToolCancelJob:       {false, true, true, true},
	tools.ToolListJobs:        {true, false, true, true},
	tools.ToolListConnections: {true, false, true, true},
	tools.ToolViewMap:         {true, false, true, true},
	tools.ToolGetTilesetTile:  {true, false, true, true},
	tools.ToolListTables:      {true, false, true, true},
	tools.ToolDescribeTable:   {true, false, true, true},
}

// writeTools are the tools read-only mode leaves out.
var writeTools = []string{tools.ToolSubmitJob, tools.ToolCancelJob}

// readOnlyToolHints is allToolHints without writeTools, and run_query marked
// read-only and not destructive.
func readOnlyToolHints() map[string]toolHints {
	out := maps.Clone(allToolHints)
	for _, name := range writeTools {
		delete(out, name)
	}
	out[tools.ToolRunQuery] = toolHints{true, false, false, true}
	return out
}

func TestToolAnnotations(t *testing.T) {
	t.Parallel()
	require.ElementsMatch(t, tools.ToolNames, slices.Collect(maps.Keys(allToolHints)), "one line per tool in allToolHints")
	for _, tc := range []struct {
		readOnly bool
		want     map[string]toolHints
	}{
		{false, allToolHints},
		{true, readOnlyToolHints()},
	} {
		e := newEnv(t, withOptions(func(o *tools.Options) { o.ReadOnly = tc.readOnly }))
		list, err := e.mcp.ListTools(testContext(t), mcp.ListToolsRequest{})
		require.NoError(t, err)
		got := map[string]toolHints{}
		for _, tl := range list.Tools {
			a := tl.Annotations
			require.NotNil(t, a.ReadOnlyHint, tl.Name)
			require.NotNil(t, a.DestructiveHint, tl.Name)
			require.NotNil(t, a.IdempotentHint, tl.Name)
			require.NotNil(t, a.OpenWorldHint, tl.Name)
			got[tl.Name] = toolHints{*a.ReadOnlyHint, *a.DestructiveHint, *a.IdempotentHint, *a.OpenWorldHint}
			assert.NotEmpty(t, tl.Title, tl.Name)
			assert.NotEmpty(t, tl.Description, tl.Name)
		}
		assert.Equal(t, tc.want, got, "read-only=%v", tc.readOnly)
	}
}

func TestDescriptionsTeach(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	list, err := e.mcp.ListTools(testContext(t), mcp.ListToolsRequest{})
	require.NoError(t, err)
	desc := map[string]string{}
	for _, tl := range list.Tools {
		desc[tl.Name] = tl.Description
	}
	assert.Empty(t, missing(desc[tools.ToolRunQuery],
		"project.dataset.table", "database.schema.table", "submit_job", "CREATE_TILESET", "@name", "$1", ":1",
		"max_rows", "default 100", "server maximum 1000", "truncated", "LIMIT/OFFSET", "minute"))
	assert.Empty(t, missing(desc[tools.ToolSubmitJob], "CALL carto.CREATE_TILESET", "CREATE_SIMPLE_TILESET", "get_job",
		"project.dataset.table", "database.schema.table", "minute", "INSERT"))
	assert.Empty(t, missing(desc[tools.ToolGetJob], "next_step", "job_id"))
	assert.Empty(t, missing(desc[tools.ToolCancelJob], "already ended"))
	assert.Empty(t, missing(desc[tools.ToolListJobs], "running"))
}

func TestReadOnlyModeHidesWriteTools(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withOptions(func(o *tools.Options) { o.ReadOnly = true }))
	list, err := e.mcp.ListTools(testContext(t), mcp.ListToolsRequest{})
	require.NoError(t, err)
	var names []string
	for _, tl := range list.Tools {
		names = append(names, tl.Name)
		if tl.Name == tools.ToolRunQuery {
			assert.Contains(t, tl.Description, "read-only")
		}
	}
	assert.ElementsMatch(t, slices.Collect(maps.Keys(readOnlyToolHints())), names)

	// Hidden tools cannot be called either: that is a protocol error (unknown tool).
	for _, name := range writeTools {
		_, err := e.callErr(name, map[string]any{"sql": "DROP TABLE t", "job_id": "x"})
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), "not found")
	}
	assert.Empty(t, e.fake.Requests(), "nothing reached CARTO")
}

// TestSchemasAreEnforced shows that every input schema compiles and is
// enforced by the server (mcp-go skips validation silently for a schema it
// cannot compile), and that every output schema compiles and is enforced by
// the tests' client (package toolstest): the server itself does not check its
// results in production.
func TestSchemasAreEnforced(t *testing.T) {
	t.Parallel()
	fake := cartofake.New(t)
	c, err := client.New(client.Config{BaseURL: fake.URL, Connection: defaultConn,
		Token: client.StaticToken(cartofake.DefaultToken), HTTPClient: fake.Client()})
	require.NoError(t, err)
	d, err := tools.NewDeps(tools.Options{Client: c})
	require.NoError(t, err)
	srv := server.NewMCPServer("t", "1", server.WithInputSchemaValidation())
	for _, st := range tools.Tools(d) {
		// The real tool definition, with a handler that returns a result violating
		// the output schema (no required field).
		srv.AddTool(st.Tool, func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return mcp.NewToolResultStructured(map[string]any{"unexpected": true}, "{}"), nil
		})
	}
	mc, err := mcpclient.NewInProcessClient(srv) // not checked: the results are wrong on purpose
	require.NoError(t, err)
	t.Cleanup(func() { _ = mc.Close() })
	ctx := testContext(t)
	require.NoError(t, mc.Start(ctx))
	var init mcp.InitializeRequest
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	_, err = mc.Initialize(ctx, init)
	require.NoError(t, err)

	valid := map[string]map[string]any{
		tools.ToolRunQuery:       {"sql": "SELECT 1"},
		tools.ToolSubmitJob:      {"sql": "SELECT 1"},
		tools.ToolGetJob:         {"job_id": "j"},
		tools.ToolCancelJob:      {"job_id": "j"},
		tools.ToolListJobs:       {},
		tools.ToolGetTilesetTile: {"tileset": "t", "z": 0, "x": 0, "y": 0},
	}
	for _, name := range tools.ToolNames {
		var req mcp.CallToolRequest
		req.Params.Name = name
		req.Params.Arguments = map[string]any{"no_such_argument": 1}
		res, err := mc.CallTool(ctx, req)
		require.NoError(t, err)
		assert.True(t, res.IsError, name)
		assert.Contains(t, textOf(t, res), "input schema validation failed", name)

		req.Params.Arguments = valid[name]
		raw, err := mc.GetTransport().SendRequest(ctx, transport.JSONRPCRequest{
			JSONRPC: mcp.JSONRPC_VERSION, ID: mcp.NewRequestId(int64(1)), Method: "tools/call", Params: req.Params})
		require.NoError(t, err)
		require.Nil(t, raw.Error)
		err = toolstest.CheckToolResult(name, raw.Result)
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), "missing propert", name)
	}
}

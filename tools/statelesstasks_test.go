package tools_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/cartofake"
	"github.com/carto-mcp/carto-mcp/client"
	"github.com/carto-mcp/carto-mcp/tools"
	"github.com/carto-mcp/carto-mcp/tools/toolstest"
)

// statelessRPC sends one JSON-RPC request to d.HandleStatelessTask and
// returns its answer as JSON (nil when it leaves the request to mcp-go).
func statelessRPC(t *testing.T, ctx context.Context, d *tools.Deps, method string, params any) map[string]any {
	t.Helper()
	msg, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 7, "method": method, "params": params})
	require.NoError(t, err)
	answer, handled := d.HandleStatelessTask(ctx, msg)
	if !handled {
		return nil
	}
	b, err := json.Marshal(answer)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}

// TestStatelessTasksWithPerRequestTokens: a stateless task keeps nothing
// between requests, so a server whose every request brings its own CARTO
// token (which may not outlive the request) serves tasks too: each of
// tools/call, tasks/get, tasks/result and tasks/cancel uses its own token.
func TestStatelessTasksWithPerRequestTokens(t *testing.T) {
	t.Parallel()
	fake := cartofake.New(t)
	fake.SetJobScript(cartofake.Statuses("running")...)
	c, err := client.New(client.Config{BaseURL: fake.URL, Connection: defaultConn, Token: client.RequestTokenSource{},
		HTTPClient: fake.Client(), Retry: client.RetryPolicy{MaxAttempts: 1}})
	require.NoError(t, err)
	_, d, err := tools.NewServerWithDeps(tools.Options{Client: c, StatelessTasks: true, TaskSecret: []byte("0123456789abcdef")})
	require.NoError(t, err)
	t.Cleanup(d.Close)
	ctx := client.ContextWithToken(testContext(t), cartofake.DefaultToken)

	assert.Nil(t, statelessRPC(t, ctx, d, "tools/call", map[string]any{"name": "submit_job", "arguments": map[string]any{"sql": "SELECT 1"}}),
		"a plain call is mcp-go's")
	assert.Nil(t, statelessRPC(t, ctx, d, "tasks/get", map[string]any{"taskId": "5c7d1a2e-0f7b-4b8e-9d8a-1f2e3d4c5b6a"}),
		"another kind of task id is mcp-go's")

	created := statelessRPC(t, ctx, d, "tools/call", map[string]any{"name": "submit_job", "arguments": map[string]any{"sql": "SELECT 1"}, "task": map[string]any{}})
	require.NotNil(t, created["result"], "%v", created)
	task := created["result"].(map[string]any)["task"].(map[string]any)
	id := task["taskId"].(string)
	assert.Equal(t, string(mcp.TaskStatusWorking), task["status"])
	assert.EqualValues(t, 2000, task["pollInterval"])

	got := statelessRPC(t, ctx, d, "tasks/get", map[string]any{"taskId": id})
	assert.Equal(t, string(mcp.TaskStatusWorking), got["result"].(map[string]any)["status"], "%v", got)

	jobs := fake.Jobs()
	require.Len(t, jobs, 1)
	require.True(t, fake.SetJobStatus(jobs[0].ID, "failure", &cartofake.JobError{Code: "QUERY_ERROR", Msg: "Table not found: t"}))
	got = statelessRPC(t, ctx, d, "tasks/get", map[string]any{"taskId": id})
	res := got["result"].(map[string]any)
	assert.Equal(t, string(mcp.TaskStatusFailed), res["status"])
	assert.Contains(t, res["statusMessage"], "Table not found: t")
	failed := statelessRPC(t, ctx, d, "tasks/result", map[string]any{"taskId": id})
	require.NotNil(t, failed["error"], "%v", failed)
	assert.Contains(t, fmt.Sprint(failed["error"]), "Table not found: t")
	refused := statelessRPC(t, ctx, d, "tasks/cancel", map[string]any{"taskId": id})
	assert.Contains(t, fmt.Sprint(refused["error"]), "terminal status")

	// Without a token, the request is refused by CARTO's client, not served
	// with a token kept from before.
	bare := statelessRPC(t, testContext(t), d, "tasks/get", map[string]any{"taskId": id})
	require.NotNil(t, bare["error"], "%v", bare)
	for _, r := range fake.Requests() {
		assert.Contains(t, []string{"", "Bearer " + cartofake.DefaultToken}, r.Header.Get("Authorization"))
	}
}

func TestStatelessTasksNeedASecret(t *testing.T) {
	t.Parallel()
	fake := cartofake.New(t)
	c, err := client.New(client.Config{BaseURL: fake.URL, Token: client.StaticToken("x")})
	require.NoError(t, err)
	_, err = tools.NewDeps(tools.Options{Client: c, StatelessTasks: true, TaskSecret: []byte("short")})
	assert.ErrorContains(t, err, "TaskSecret must be at least 16 bytes")
}

// The README: a stateless server offers no tasks/list (there is no list to
// keep); a stateful one does.
func TestOnlyStatefulServersListTasks(t *testing.T) {
	t.Parallel()
	for _, stateless := range []bool{false, true} {
		fake := cartofake.New(t)
		c, err := client.New(client.Config{BaseURL: fake.URL, Connection: defaultConn,
			Token: client.StaticToken(cartofake.DefaultToken), HTTPClient: fake.Client()})
		require.NoError(t, err)
		opts := tools.Options{Client: c, StatelessTasks: stateless}
		if stateless {
			opts.TaskSecret = []byte("0123456789abcdef")
		}
		srv, d, err := tools.NewServerWithDeps(opts)
		require.NoError(t, err)
		t.Cleanup(d.Close)
		mc := toolstest.NewInProcessClient(t, srv)
		t.Cleanup(func() { _ = mc.Close() })
		ctx := testContext(t)
		require.NoError(t, mc.Start(ctx))
		var init mcp.InitializeRequest
		init.Params.ProtocolVersion = mcp.ProtocolVersion20251125 // tasks as of 2025-11-25
		init.Params.ClientInfo = mcp.Implementation{Name: "tasks-test", Version: "1"}
		res, err := mc.Initialize(ctx, init)
		require.NoError(t, err)
		require.NotNil(t, res.Capabilities.Tasks, "stateless=%v", stateless)
		assert.Equal(t, !stateless, res.Capabilities.Tasks.List != nil, "stateless=%v: tasks/list offered", stateless)
	}
}

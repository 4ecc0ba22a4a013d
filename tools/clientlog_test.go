package tools_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/cartofake"
	"github.com/carto-mcp/carto-mcp/client"
	"github.com/carto-mcp/carto-mcp/tools"
	"github.com/carto-mcp/carto-mcp/tools/toolstest"

	"github.com/carto-mcp/carto-mcp/internal/testctx"

	"github.com/carto-mcp/carto-mcp/internal/syncbuf"
)

// A client that sets a log level receives the server's log lines for its own
// calls as notifications/message, at that level and above, with no token in
// them; the lines still reach the server's own log.
func TestClientReceivesLogsAtItsLevel(t *testing.T) {
	t.Parallel()
	fake := cartofake.New(t)
	var stderr syncbuf.Buffer
	logger := slog.New(tools.ClientLogHandler(slog.NewTextHandler(&stderr, &slog.HandlerOptions{Level: slog.LevelInfo})))
	c, err := client.New(client.Config{BaseURL: fake.URL, Connection: "carto_dw", Token: client.StaticToken(cartofake.DefaultToken),
		HTTPClient: fake.Client(), Retry: client.RetryPolicy{MaxAttempts: 1}, Logger: logger.With("component", "client")})
	require.NoError(t, err)
	srv, deps, err := tools.NewServerWithDeps(tools.Options{Client: c, Logger: logger})
	require.NoError(t, err)
	t.Cleanup(deps.Close)

	mc := toolstest.NewInProcessClient(t, srv)
	t.Cleanup(func() { _ = mc.Close() })
	var mu sync.Mutex
	var got []map[string]any
	mc.OnNotification(func(n mcp.JSONRPCNotification) {
		if n.Method == "notifications/message" {
			mu.Lock()
			got = append(got, n.Params.AdditionalFields)
			mu.Unlock()
		}
	})
	ctx, cancel := context.WithCancel(testctx.Context(t))
	defer cancel()
	require.NoError(t, mc.Start(ctx))
	var init mcp.InitializeRequest
	init.Params.ProtocolVersion = mcp.ProtocolVersion20251125 // logging/setLevel exists up to this version
	init.Params.ClientInfo = mcp.Implementation{Name: "log-test", Version: "1"}
	res, err := mc.Initialize(ctx, init)
	require.NoError(t, err)
	require.NotNil(t, res.Capabilities.Logging, "the server declares logging")

	call := func() {
		var req mcp.CallToolRequest
		req.Params.Name = tools.ToolRunQuery
		req.Params.Arguments = map[string]any{"sql": "SELECT * FROM nowhere"}
		r, err := mc.CallTool(ctx, req)
		require.NoError(t, err)
		require.True(t, r.IsError)
	}
	messages := func() []map[string]any {
		mu.Lock()
		defer mu.Unlock()
		return append([]map[string]any(nil), got...)
	}

	call() // the default level is error: the info line "tool call failed" is not sent
	assert.Empty(t, messages())

	var lvl mcp.SetLevelRequest
	lvl.Params.Level = mcp.LoggingLevelDebug
	require.NoError(t, mc.SetLevel(ctx, lvl))
	call()
	// "tool call failed" is the call's last line, sent after its others on the
	// same session: once it is here, so are they (however many the call sent).
	require.Eventually(t, func() bool {
		for _, m := range messages() {
			if data, ok := m["data"].(map[string]any); ok && data["message"] == "tool call failed" {
				return true
			}
		}
		return false
	}, testctx.Remaining(t), 5*time.Millisecond)

	var levels, texts []string
	for _, m := range messages() {
		levels = append(levels, fmt.Sprint(m["level"]))
		data, ok := m["data"].(map[string]any)
		require.True(t, ok, "data is an object: %T", m["data"])
		texts = append(texts, fmt.Sprint(data["message"]))
		assert.NotContains(t, fmtAny(data), cartofake.DefaultToken)
	}
	assert.Contains(t, texts, "carto request", "the client's debug line for the CARTO call")
	assert.Contains(t, texts, "tool call failed")
	assert.Contains(t, levels, "debug")
	assert.Contains(t, levels, "info")
	assert.Contains(t, stderr.String(), "tool call failed", "the server's own log still has it")
	assert.NotContains(t, stderr.String(), "carto request", "below the server's own level")
}

func fmtAny(v any) string {
	var b bytes.Buffer
	slog.New(slog.NewJSONHandler(&b, nil)).Info("x", "v", v)
	return b.String()
}

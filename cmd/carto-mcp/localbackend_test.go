package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/localwarehouse"

	"github.com/carto-mcp/carto-mcp/internal/testctx"

	"github.com/carto-mcp/carto-mcp/internal/syncbuf"
)

// On stdio the warehouse is opened once the client has its tools list, not
// during the handshake, and a call that comes first opens it itself.
func TestStdioOpensTheWarehouseAfterToolsList(t *testing.T) {
	t.Parallel()
	for _, listFirst := range []bool{true, false} {
		name := "call first"
		if listFirst {
			name = "tools/list first"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(testctx.Context(t))
			defer cancel()
			var stderr syncbuf.Buffer
			c, end := startStdio(t, ctx, []string{"--local"}, func(string) string { return "" }, io.Discard, &stderr)
			initialize(t, ctx, c)
			assert.NotContains(t, stderr.String(), "local warehouse ready", "opened during the handshake")

			if listFirst {
				_, err := c.ListTools(ctx, mcp.ListToolsRequest{})
				require.NoError(t, err)
				// The hang guard bounds a warehouse that never opens; it is not a speed check.
				require.Eventually(t, func() bool { return strings.Contains(stderr.String(), "local warehouse ready") },
					testctx.Remaining(t), 5*time.Millisecond, "tools/list did not start the warehouse")
			}
			res := callTool(t, ctx, c, "run_query", map[string]any{"sql": "SELECT count(*) AS n FROM demo.countries"})
			require.False(t, res.IsError, "%v", res.Content)
			assert.Contains(t, res.Content[0].(mcp.TextContent).Text, "151")

			require.NoError(t, end())
		})
	}
}

// A warehouse closed before it started is never started, and says so.
func TestLazyWarehouseClosedBeforeStart(t *testing.T) {
	t.Parallel()
	wh := newLazyWarehouse(context.Background(), localwarehouse.Options{}, slog.New(slog.DiscardHandler))
	assert.ErrorIs(t, wh.Ready(context.Background()), errStarting)
	wh.Close()
	wh.Start()
	assert.ErrorIs(t, wh.Ready(context.Background()), errWarehouseClosed)

	rec := httptest.NewRecorder()
	wh.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v3/sql/carto_local/query?q=SELECT+1", nil))
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.Contains(t, rec.Body.String(), "closed before it started")
	assert.Nil(t, wh.wh, "a closed warehouse was opened")
}

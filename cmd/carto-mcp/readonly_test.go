package main

import (
	"context"
	"testing"

	mcpclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/cartofake"

	"github.com/carto-mcp/carto-mcp/internal/testctx"
)

// The reads of issue 11: each is a read in its own warehouse's dialect, and
// ambiguous when the warehouse is unknown. (BigQuery quotes identifiers with
// backticks; PostgreSQL has dollar-quoted strings.)
const (
	bigQueryRead = "SELECT `delete` FROM p.d.t"
	postgresRead = "SELECT $$it's$$ AS s"
)

// readOnlySession serves carto-mcp --read-only on a fake CARTO and returns a
// function that runs a query and reports whether it was refused.
func readOnlySession(t *testing.T, fake *cartofake.Server, getenv func(string) string, args ...string) func(sql, conn string) (refused bool, text string) {
	t.Helper()
	for _, sql := range []string{bigQueryRead, postgresRead} {
		fake.SetQueryResult(sql, []cartofake.Column{{Name: "s", Type: "string"}}, [][]any{{"x"}})
	}
	base, stop, done := serveHTTPWith(t, getenv, append([]string{"--transport", "http", "--read-only"}, args...)...)
	ctx, cancel := context.WithCancel(testctx.Context(t))
	c, err := mcpclient.NewStreamableHttpClient(base + "/mcp")
	require.NoError(t, err)
	require.NoError(t, c.Start(ctx))
	initialize(t, ctx, c)
	t.Cleanup(func() {
		_ = c.Close()
		cancel()
		stop()
		require.NoError(t, <-done)
	})
	return func(sql, conn string) (bool, string) {
		res := callTool(t, ctx, c, "run_query", map[string]any{"sql": sql, "connection": conn})
		return res.IsError, res.Content[0].(mcp.TextContent).Text
	}
}

// Each connection's statements are classified in its own dialect, the
// provider learned from CARTO's connections API.
func TestReadOnlyUsesTheConnectionsDialectFromTheAPI(t *testing.T) {
	t.Parallel()
	fake, getenv := fakeCARTO(t, cartofake.WithAPITokenListsConnections(), cartofake.WithConnectionList(
		cartofake.ConnectionInfo{ID: "1", Name: "carto_dw", ProviderID: "carto_dw", CartoDW: true},
		cartofake.ConnectionInfo{ID: "2", Name: "pg", ProviderID: "postgres"},
	))
	query := readOnlySession(t, fake, getenv)
	refused, text := query(bigQueryRead, "carto_dw")
	assert.False(t, refused, text)
	refused, text = query(postgresRead, "pg")
	assert.False(t, refused, text)
	// The other way round they are not reads, or not safely read.
	refused, _ = query(bigQueryRead, "pg")
	assert.True(t, refused)
	refused, _ = query(postgresRead, "carto_dw")
	assert.True(t, refused)
	refused, text = query("DELETE FROM t", "pg")
	assert.True(t, refused)
	assert.Contains(t, text, "read-only")
}

// With an API access token, --connection-provider names the warehouse.
func TestReadOnlyUsesTheConfiguredProvider(t *testing.T) {
	t.Parallel()
	fake, getenv := fakeCARTO(t, cartofake.WithConnectionList())
	query := readOnlySession(t, fake, getenv, "--connection-provider", "carto_dw=bigquery,pg=postgresql")
	refused, text := query(bigQueryRead, "carto_dw")
	assert.False(t, refused, text)
	refused, text = query(postgresRead, "pg")
	assert.False(t, refused, text)
}

// When nothing tells the warehouse, every dialect must agree (the old rule),
// and the refusal says how to name the provider; --sql-dialect overrides all.
func TestReadOnlyUnknownProviderAndOverride(t *testing.T) {
	t.Parallel()
	fake, getenv := fakeCARTO(t)
	query := readOnlySession(t, fake, getenv)
	refused, text := query(bigQueryRead, "carto_dw")
	assert.True(t, refused)
	assert.Contains(t, text, "--connection-provider")

	fake2, getenv2 := fakeCARTO(t, cartofake.WithAPITokenListsConnections(), cartofake.WithConnectionList(
		cartofake.ConnectionInfo{Name: "carto_dw", ProviderID: "bigquery"}))
	query = readOnlySession(t, fake2, getenv2, "--sql-dialect", "postgres")
	refused, _ = query(bigQueryRead, "carto_dw")
	assert.True(t, refused, "--sql-dialect wins over the connection's provider")
	refused, text = query(postgresRead, "carto_dw")
	assert.False(t, refused, text)
}

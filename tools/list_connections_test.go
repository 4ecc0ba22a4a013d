package tools_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/cartofake"
	"github.com/carto-mcp/carto-mcp/discovery"
	"github.com/carto-mcp/carto-mcp/tools"
)

// With credentials CARTO lists connections for, every connection comes with
// its provider from the API, the default first.
func TestListConnectionsFromTheAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withFake(cartofake.WithAPITokenListsConnections(), cartofake.WithWrappedConnectionList(), cartofake.WithConnectionList(
		cartofake.ConnectionInfo{ID: "id-pg", Name: "pg_prod", ProviderID: "postgres", Privacy: "private"},
		cartofake.ConnectionInfo{ID: "id-dw", Name: defaultConn, ProviderID: "bigquery", Privacy: "shared", CartoDW: true},
		cartofake.ConnectionInfo{ID: "id-sf", Name: "sf", ProviderID: "snowflake", Privacy: "shared"},
	)))
	var out tools.ListConnectionsOutput
	e.ok(e.call(tools.ToolListConnections, nil), &out)
	assert.True(t, out.Complete)
	assert.Empty(t, out.Notice)
	require.Equal(t, 3, out.Count)
	assert.Equal(t, tools.ConnectionInfo{Name: defaultConn, Provider: "bigquery", ProviderSource: "api", Default: true, ID: "id-dw",
		Privacy: "shared", CartoDW: true, TableNaming: out.Connections[0].TableNaming}, out.Connections[0])
	assert.Contains(t, out.Connections[0].TableNaming, "project.dataset.table")
	assert.Equal(t, "pg_prod", out.Connections[1].Name)
	assert.Equal(t, "postgres", out.Connections[1].Provider)
	assert.Equal(t, "snowflake", out.Connections[2].Provider)

	// Cached: a second call asks CARTO nothing.
	e.ok(e.call(tools.ToolListConnections, nil), &out)
	assert.Len(t, e.fake.RequestsTo(http.MethodGet, "/v3/connections"), 1)
	assert.Empty(t, e.fake.RequestsTo(http.MethodPost, "/query"))
}

// With an API access token, CARTO refuses the list: the configured and default
// connections are listed, and the notice says how to see all.
func TestListConnectionsWithAnAPIToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withFake(cartofake.WithConnectionList()), withOptions(func(o *tools.Options) {
		o.ConnectionProviders = map[string]discovery.Provider{"rs": discovery.Redshift}
	}))
	e.fake.SetQuery("SELECT version() AS v", cartofake.Result{Columns: []cartofake.Column{{Name: "v", Type: "string"}},
		Rows: [][]any{{"PostgreSQL 15.8 (Debian 15.8-0+deb12u1)"}}})
	var out tools.ListConnectionsOutput
	e.ok(e.call(tools.ToolListConnections, nil), &out)
	assert.False(t, out.Complete)
	assert.Empty(t, missing(out.Notice, "OAuth", "CARTO_CLIENT_ID", "API access token", "ask the user"))
	require.Equal(t, 2, out.Count)
	assert.Equal(t, defaultConn, out.Connections[0].Name)
	assert.Equal(t, "postgres", out.Connections[0].Provider)
	assert.Equal(t, "probe", out.Connections[0].ProviderSource)
	assert.True(t, out.Connections[0].Default)
	assert.Equal(t, "rs", out.Connections[1].Name)
	assert.Equal(t, "redshift", out.Connections[1].Provider)
	assert.Equal(t, "config", out.Connections[1].ProviderSource)
}

// A default connection whose warehouse nothing can tell is still listed, with
// what to do about it.
func TestListConnectionsUnknownProvider(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var out tools.ListConnectionsOutput
	e.ok(e.call(tools.ToolListConnections, nil), &out)
	require.Equal(t, 1, out.Count)
	assert.Empty(t, out.Connections[0].Provider)
	assert.Empty(t, missing(out.Connections[0].ProviderError, "--connection-provider carto_dw=<provider>", "ask the user"))
	assert.Contains(t, out.Notice, "does not offer the connections API")
}

// On the embedded warehouse, its one connection is DuckDB, from its own API.
func TestListConnectionsLocal(t *testing.T) {
	t.Parallel()
	e := newLocalEnv(t, inProcess, "")
	var out tools.ListConnectionsOutput
	e.ok(e.call(tools.ToolListConnections, nil), &out)
	assert.True(t, out.Complete)
	require.Equal(t, 1, out.Count)
	assert.Equal(t, tools.ConnectionInfo{Name: "carto_local", Provider: "duckdb", ProviderSource: "api", Default: true, ID: "carto_local",
		Privacy: "private", TableNaming: out.Connections[0].TableNaming}, out.Connections[0])
}

// create_tileset learns the warehouse from the connection when not given.
func TestCreateTilesetLearnsTheWarehouse(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withOptions(func(o *tools.Options) {
		o.ConnectionProviders = map[string]discovery.Provider{defaultConn: discovery.Snowflake}
	}))
	text, err := e.prompt(tools.PromptCreateTileset, map[string]string{"source": "DB.S.T", "output": "DB.S.T_TILES"})
	require.NoError(t, err)
	assert.Contains(t, text, "Snowflake")
	assert.Contains(t, text, "CREATE_SIMPLE_TILESET")
}

package discovery_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/cartofake"
	"github.com/carto-mcp/carto-mcp/client"
	"github.com/carto-mcp/carto-mcp/discovery"
	"github.com/carto-mcp/carto-mcp/sqlguard"
)

func newClient(t *testing.T, fake *cartofake.Server, conn string) *client.Client {
	t.Helper()
	c, err := client.New(client.Config{BaseURL: fake.URL, Connection: conn, Token: client.StaticToken(cartofake.DefaultToken),
		HTTPClient: fake.Client(), Retry: client.RetryPolicy{MaxAttempts: 1}})
	require.NoError(t, err)
	return c
}

func versionResult(v string) cartofake.Result {
	return cartofake.Result{Columns: []cartofake.Column{{Name: "v", Type: "string"}}, Rows: [][]any{{v}}}
}

func TestParseProvider(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]discovery.Provider{
		"bigquery": discovery.BigQuery, " CARTO_DW ": discovery.BigQuery, "postgresql": discovery.Postgres,
		"databricksRest": discovery.Databricks, "Snowflake": discovery.Snowflake, "redshift": discovery.Redshift, "duckdb": discovery.DuckDB,
	} {
		got, err := discovery.ParseProvider(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
		_, ok := got.Dialect()
		assert.True(t, ok)
	}
	_, err := discovery.ParseProvider("oracle")
	assert.ErrorContains(t, err, "unknown warehouse provider")
	_, ok := discovery.Provider("oracle").Dialect()
	assert.False(t, ok)
}

func TestParseConfig(t *testing.T) {
	t.Parallel()
	got, err := discovery.ParseConfig(" pg=postgres, my dw = carto_dw ,")
	require.NoError(t, err)
	assert.Equal(t, map[string]discovery.Provider{"pg": discovery.Postgres, "my dw": discovery.BigQuery}, got)
	_, err = discovery.ParseConfig("pg")
	assert.ErrorContains(t, err, "want connection=provider")
	_, err = discovery.ParseConfig("pg=cobol")
	assert.ErrorContains(t, err, `connection "pg"`)
}

// The API comes first, and its answer is cached for the life of the resolver.
func TestResolveFromAPI(t *testing.T) {
	t.Parallel()
	fake := cartofake.New(t, cartofake.WithAPITokenListsConnections(), cartofake.WithConnectionList(
		cartofake.ConnectionInfo{ID: "1", Name: "dw", ProviderID: "carto_dw", CartoDW: true, Privacy: "shared"},
		cartofake.ConnectionInfo{ID: "2", Name: "pg", ProviderID: "postgres"},
		cartofake.ConnectionInfo{ID: "3", Name: "odd", ProviderID: "oracle"},
	))
	c := newClient(t, fake, "dw")
	r := discovery.NewResolver(map[string]discovery.Provider{"pg": discovery.Snowflake}, nil)
	got, err := r.Resolve(testCtx(t), c, "pg")
	require.NoError(t, err)
	assert.Equal(t, discovery.Connection{Name: "pg", Provider: discovery.Postgres, Source: discovery.FromAPI, ID: "2"}, got,
		"the API wins over the configuration")
	got, err = r.Resolve(testCtx(t), c, "dw")
	require.NoError(t, err)
	assert.Equal(t, discovery.BigQuery, got.Provider)
	assert.True(t, got.CartoDW)

	// A provider the API names but carto-mcp does not know is probed.
	fake.SetQuery("SELECT version() AS v", versionResult("PostgreSQL 8.0.2 on i686-pc-linux-gnu, Redshift 1.0.77467"))
	got, err = r.Resolve(testCtx(t), c, "odd")
	require.NoError(t, err)
	assert.Equal(t, discovery.Redshift, got.Provider)
	assert.Equal(t, discovery.FromProbe, got.Source)
	assert.Equal(t, "3", got.ID)

	l, err := r.List(testCtx(t), c, "dw")
	require.NoError(t, err)
	assert.True(t, l.Complete)
	require.Len(t, l.Connections, 3)
	assert.Len(t, fake.RequestsTo(http.MethodGet, "/v3/connections"), 1, "asked once")
	assert.Len(t, fake.RequestsTo(http.MethodPost, "/query"), 1, "probed once")
}

// An API access token is refused by the API: the configuration, then a
// probe, say the provider; the refusal is remembered.
func TestResolveFallsBack(t *testing.T) {
	t.Parallel()
	fake := cartofake.New(t, cartofake.WithConnectionList(cartofake.ConnectionInfo{Name: "x", ProviderID: "bigquery"}))
	fake.SetQuery("SELECT version() AS v", versionResult("PostgreSQL 15.8 (Debian 15.8-0+deb12u1) on x86_64-pc-linux-gnu"))
	c := newClient(t, fake, "def")
	r := discovery.NewResolver(map[string]discovery.Provider{"sf": discovery.Snowflake}, nil)
	got, err := r.Resolve(testCtx(t), c, "sf")
	require.NoError(t, err)
	assert.Equal(t, discovery.Connection{Name: "sf", Provider: discovery.Snowflake, Source: discovery.FromConfig}, got)

	l, err := r.List(testCtx(t), c, "def")
	require.NoError(t, err)
	assert.False(t, l.Complete)
	assert.True(t, discovery.IsRefusal(l.APIErr))
	assert.Contains(t, discovery.APIRefusal(l.APIErr), "OAuth")
	require.Len(t, l.Connections, 2)
	assert.Equal(t, "sf", l.Connections[0].Name)
	assert.Equal(t, discovery.Connection{Name: "def", Provider: discovery.Postgres, Source: discovery.FromProbe}, l.Connections[1])
	assert.Len(t, fake.RequestsTo(http.MethodGet, "/v3/connections"), 1, "a refusal is remembered")
}

func TestProbe(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		sql, answer string
		want        discovery.Provider
	}{
		{"SELECT version() AS v", "v1.3.2", discovery.DuckDB},
		{"SELECT version() AS v", "3.5.0 a1b2c3d4e5f6", discovery.Databricks},
		{"SELECT CURRENT_VERSION() AS v", "8.41.2", discovery.Snowflake},
		{"SELECT @@project_id AS v", "my-project-123", discovery.BigQuery},
	} {
		fake := cartofake.New(t)
		fake.SetQuery(tc.sql, versionResult(tc.answer))
		got, err := discovery.Probe(testCtx(t), newClient(t, fake, "c"), "c")
		require.NoError(t, err, tc.answer)
		assert.Equal(t, tc.want, got, tc.answer)
	}
	// Nobody answers: the provider is unknown, said so.
	fake := cartofake.New(t)
	_, err := discovery.Probe(testCtx(t), newClient(t, fake, "c"), "c")
	assert.ErrorIs(t, err, discovery.ErrUnknownProvider)
	assert.Len(t, fake.RequestsTo(http.MethodPost, "/query"), len(discovery.ProbeStatements()))
	// CARTO refusing the connection stops the probe with CARTO's error.
	fake = cartofake.New(t, cartofake.WithConnections("other"))
	_, err = discovery.Probe(testCtx(t), newClient(t, fake, "c"), "c")
	var apiErr *client.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusNotFound, apiErr.StatusCode)
	assert.Len(t, fake.RequestsTo(http.MethodPost, "/query"), 1)
}

// Every probe statement is a read in every dialect, so read-only mode never
// stands in its way.
func TestProbeStatementsAreReads(t *testing.T) {
	t.Parallel()
	for _, sql := range discovery.ProbeStatements() {
		for _, p := range discovery.Providers {
			d, _ := p.Dialect()
			assert.NoError(t, sqlguard.Check(sql, d), "%s as %s", sql, p)
		}
	}
}

// With per-request tokens, one caller's answers are not another's.
func TestResolverScopesByToken(t *testing.T) {
	t.Parallel()
	fake := cartofake.New(t)
	fake.SetQuery("SELECT version() AS v", versionResult("PostgreSQL 15.8"))
	c, err := client.New(client.Config{BaseURL: fake.URL, Token: client.RequestTokenSource{}, HTTPClient: fake.Client()})
	require.NoError(t, err)
	r := discovery.NewResolver(nil, nil)
	for range 2 {
		_, err := r.Resolve(client.ContextWithToken(testCtx(t), cartofake.DefaultToken), c, "pg")
		require.NoError(t, err)
	}
	assert.Len(t, fake.RequestsTo(http.MethodPost, "/query"), 1)
	_, err = r.Resolve(client.ContextWithToken(testCtx(t), "someone-else"), c, "pg")
	require.Error(t, err, "another caller's token is refused by CARTO, not answered from the cache")
}

package discovery_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/client"
	"github.com/carto-mcp/carto-mcp/discovery"
	"github.com/carto-mcp/carto-mcp/inproc"
	"github.com/carto-mcp/carto-mcp/localwarehouse"
)

// localClient is a client on an embedded warehouse with the demo data.
func localClient(t testing.TB, opts localwarehouse.Options) *client.Client {
	t.Helper()
	wh, err := localwarehouse.New(t.Context(), opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = wh.Close() })
	c, err := client.New(client.Config{BaseURL: "http://local.invalid", Connection: localwarehouse.DefaultConnection,
		Token: client.StaticToken("local"), HTTPClient: &http.Client{Transport: inproc.New(wh.Handler())}})
	require.NoError(t, err)
	return c
}

func TestListLocal(t *testing.T) {
	t.Parallel()
	c := localClient(t, localwarehouse.Options{})
	ctx := testCtx(t)
	const conn = localwarehouse.DefaultConnection
	pg, err := discovery.List(ctx, c, conn, discovery.DuckDB, nil, discovery.ListOptions{Limit: 10})
	require.NoError(t, err)
	require.Len(t, pg.Items, 1)
	assert.Equal(t, discovery.Item{Name: conn, Kind: "database", Path: []string{conn}}, pg.Items[0])

	pg, err = discovery.List(ctx, c, conn, discovery.DuckDB, []string{conn}, discovery.ListOptions{Limit: 10})
	require.NoError(t, err)
	var names []string
	for _, it := range pg.Items {
		names = append(names, it.Name)
	}
	assert.Contains(t, names, "demo")

	pg, err = discovery.List(ctx, c, conn, discovery.DuckDB, []string{conn, "demo"}, discovery.ListOptions{Limit: 2})
	require.NoError(t, err)
	require.Len(t, pg.Items, 2)
	assert.True(t, pg.More)
	assert.Equal(t, "cities", pg.Items[0].Name)
	assert.Equal(t, "table", pg.Items[0].Kind)
	require.NotNil(t, pg.Items[0].RowCount)
	assert.Positive(t, *pg.Items[0].RowCount)
	assert.Equal(t, []discovery.SpatialColumn{{Name: "geom", Type: "VARCHAR", Kind: "geometry"}}, pg.Items[0].Spatial)

	pg, err = discovery.List(ctx, c, conn, discovery.DuckDB, []string{conn, "demo"}, discovery.ListOptions{Limit: 2, Offset: 2})
	require.NoError(t, err)
	require.Len(t, pg.Items, 1)
	assert.Equal(t, "stores", pg.Items[0].Name)
	assert.False(t, pg.More)

	pg, err = discovery.List(ctx, c, conn, discovery.DuckDB, []string{conn, "demo"}, discovery.ListOptions{Limit: 10, NameContains: "COUNT"})
	require.NoError(t, err)
	require.Len(t, pg.Items, 1)
	assert.Equal(t, "countries", pg.Items[0].Name)
}

package tools_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/cartofake"
	"github.com/carto-mcp/carto-mcp/pgtest"
	"github.com/carto-mcp/carto-mcp/tools"
)

// pgSetup is a catalog with what breaks naive discovery SQL: PostGIS
// geometry and geography columns, a view, many schemas, and names with
// quotes, spaces and mixed case.
const pgSetup = `
CREATE EXTENSION postgis;
CREATE SCHEMA geo;
CREATE SCHEMA "Mixed Case";
CREATE SCHEMA "it's ""quoted""";
DO $$ BEGIN FOR i IN 1..30 LOOP EXECUTE format('CREATE SCHEMA s%s', i); END LOOP; END $$;
CREATE TABLE geo.stores (id int PRIMARY KEY, name text NOT NULL, category text, revenue numeric(12,2),
  opened_at timestamptz, geom geometry(Point, 4326));
INSERT INTO geo.stores SELECT i, 'store ' || i, (ARRAY['grocery','pharmacy','coffee'])[1 + i % 3], i * 10.5,
  timestamptz '2020-01-01 00:00:00+00' + i * interval '1 day', ST_SetSRID(ST_MakePoint(-3.7 + i * 0.001, 40.4 + i * 0.001), 4326)
  FROM generate_series(1, 500) AS i;
CREATE VIEW geo.big_stores AS SELECT * FROM geo.stores WHERE revenue > 1000;
CREATE TABLE "Mixed Case"."My Table" ("Weird ""Col""" text, area geography(Polygon, 4326), h3 varchar(16), ok boolean);
INSERT INTO "Mixed Case"."My Table" VALUES ('a', 'POLYGON((0 0, 1 0, 1 1, 0 0))', '8a2a1072b59ffff', true),
  ('b', 'POLYGON((2 2, 3 2, 3 3, 2 2))', NULL, false);
CREATE TABLE "it's ""quoted"""."t" (x int);
CREATE TABLE s1.shrunk WITH (autovacuum_enabled = off) AS SELECT i, 'k' || (i % 7) AS k FROM generate_series(1, 200000) AS i;
ANALYZE;
DELETE FROM s1.shrunk WHERE i > 100;
`

// newPostgresEnv is a session whose connection "pg" is a real PostgreSQL
// with PostGIS behind the fake CARTO, listed by CARTO's API as postgres.
func newPostgresEnv(t *testing.T) *env {
	t.Helper()
	pg := pgtest.Start(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pg.DSN)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, pgSetup)
	require.NoError(t, conn.Close(ctx))
	require.NoError(t, err)
	fake := cartofake.New(t, cartofake.WithAPITokenListsConnections(),
		cartofake.WithConnectionList(cartofake.ConnectionInfo{ID: "c-pg", Name: "pg", ProviderID: "postgres"}))
	fake.ForwardQueries("pg", cartofake.Postgres(pg.DSN))
	return newEnvOn(t, fake, withOptions(func(o *tools.Options) { o.ReadOnly = true }))
}

func TestDiscoveryOnPostgreSQL(t *testing.T) {
	t.Parallel()
	e := newPostgresEnv(t)
	var top tools.ListTablesOutput
	e.ok(e.call(tools.ToolListTables, map[string]any{"connection": "pg"}), &top)
	assert.Equal(t, "postgres", top.Provider)
	require.Equal(t, []string{"postgres"}, entryNames(top.Items))
	assert.Contains(t, top.Notice, "one database")

	// Many schemas, paged.
	var schemas []string
	args := map[string]any{"connection": "pg", "path": "postgres", "limit": 7}
	for page := 0; ; page++ {
		require.Less(t, page, 10)
		var out tools.ListTablesOutput
		e.ok(e.call(tools.ToolListTables, args), &out)
		schemas = append(schemas, entryNames(out.Items)...)
		if out.NextCursor == "" {
			break
		}
		args["cursor"] = out.NextCursor
	}
	assert.Len(t, schemas, 34)
	assert.Contains(t, schemas, "Mixed Case")
	assert.Contains(t, schemas, `it's "quoted"`)
	assert.NotContains(t, schemas, "pg_catalog")

	var geo tools.ListTablesOutput
	e.ok(e.call(tools.ToolListTables, map[string]any{"connection": "pg", "path": "postgres.geo"}), &geo)
	require.Equal(t, []string{"big_stores", "stores"}, entryNames(geo.Items))
	assert.Equal(t, "view", geo.Items[0].Kind)
	stores := geo.Items[1]
	assert.Equal(t, "geo.stores", stores.FullName)
	require.NotNil(t, stores.RowCount)
	assert.Equal(t, int64(500), *stores.RowCount)
	require.NotNil(t, stores.SizeBytes)
	assert.Positive(t, *stores.SizeBytes)
	assert.Equal(t, []tools.SpatialColumnInfo{{Name: "geom", Type: "geometry(Point,4326)", Kind: "geometry"}}, stores.SpatialColumns)

	var mixed tools.ListTablesOutput
	e.ok(e.call(tools.ToolListTables, map[string]any{"connection": "pg", "path": `postgres."Mixed Case"`}), &mixed)
	require.Len(t, mixed.Items, 1)
	my := mixed.Items[0]
	assert.Equal(t, `"Mixed Case"."My Table"`, my.FullName)
	assert.ElementsMatch(t, []tools.SpatialColumnInfo{
		{Name: "area", Type: "geography(Polygon,4326)", Kind: "geography"}, {Name: "h3", Type: "character varying(16)", Kind: "h3"}}, my.SpatialColumns)

	// The full name works in SQL as given.
	var q tools.RunQueryOutput
	e.ok(e.call(tools.ToolRunQuery, map[string]any{"connection": "pg", "sql": "SELECT count(*) AS n FROM " + my.FullName}), &q)
	assert.JSONEq(t, `"2"`, string(q.Rows[0][0]), "a bigint comes as a string")

	var quoted tools.ListTablesOutput
	e.ok(e.call(tools.ToolListTables, map[string]any{"connection": "pg", "path": "postgres." + `"it's ""quoted"""`}), &quoted)
	require.Len(t, quoted.Items, 1)
	assert.Equal(t, `"it's ""quoted""".t`, quoted.Items[0].FullName)
}

func TestDescribeOnPostgreSQL(t *testing.T) {
	t.Parallel()
	e := newPostgresEnv(t)
	var out tools.DescribeTableOutput
	e.ok(e.call(tools.ToolDescribeTable, map[string]any{"connection": "pg", "table": "geo.stores", "stats": true, "sample_rows": 2}), &out)
	assert.Equal(t, "table", out.Kind)
	require.NotNil(t, out.RowCount)
	assert.Equal(t, int64(500), *out.RowCount)
	require.Len(t, out.Columns, 6)
	assert.Equal(t, tools.TableColumn{Name: "geom", Type: "geometry(Point,4326)", CartoType: "geometry", Nullable: out.Columns[5].Nullable, Spatial: "geometry"}, out.Columns[5])
	require.NotNil(t, out.Columns[1].Nullable)
	assert.False(t, *out.Columns[1].Nullable, "name is NOT NULL")
	require.NotNil(t, out.Geometry)
	require.Len(t, out.Geometry.Types, 1)
	assert.JSONEq(t, `"POINT"`, string(out.Geometry.Types[0].Value))
	assert.Equal(t, int64(500), out.Geometry.Types[0].Count)
	assert.InDeltaSlice(t, []float64{-3.699, 40.401, -3.2, 40.9}, out.Geometry.BBox, 1e-9)
	require.NotNil(t, out.Stats)
	assert.Equal(t, int64(500), out.Stats.SampleRows)
	stats := map[string]tools.ColumnStats{}
	for _, c := range out.Stats.Columns {
		stats[c.Column] = c
	}
	assert.JSONEq(t, `10.50`, string(stats["revenue"].Min))
	assert.JSONEq(t, `5250.00`, string(stats["revenue"].Max))
	require.Len(t, stats["revenue"].Quartiles, 3)
	require.Len(t, stats["category"].TopValues, 3)
	assert.Equal(t, int64(167), stats["category"].TopValues[0].Count)
	assert.Contains(t, string(stats["opened_at"].Min), "2020-01-02")
	assert.Len(t, out.SampleRows, 2)

	e.ok(e.call(tools.ToolDescribeTable, map[string]any{"connection": "pg", "table": `"Mixed Case"."My Table"`, "stats": true}), &out)
	require.NotNil(t, out.Geometry)
	assert.Equal(t, "area", out.Geometry.Column)
	assert.InDeltaSlice(t, []float64{0, 0, 3, 3}, out.Geometry.BBox, 1e-9)
	for _, c := range out.Stats.Columns {
		if c.Column == "ok" {
			assert.Equal(t, "boolean", c.Kind)
			assert.Len(t, c.TopValues, 2)
		}
		if c.Column == "h3" {
			assert.InDelta(t, 0.5, c.NullFraction, 1e-9)
		}
	}
	var view tools.DescribeTableOutput
	e.ok(e.call(tools.ToolDescribeTable, map[string]any{"connection": "pg", "table": "postgres.geo.big_stores", "stats": true}), &view)
	assert.Equal(t, "view", view.Kind)
	assert.Positive(t, view.Stats.SampleRows)

	// reltuples stays at 200,000 after the DELETE (no VACUUM or ANALYZE
	// since): a page sample at 10% misses the one page with live rows 9
	// times in 10, and the statistics read the first rows instead.
	var shrunk tools.DescribeTableOutput
	e.ok(e.call(tools.ToolDescribeTable, map[string]any{"connection": "pg", "table": "s1.shrunk", "stats": true}), &shrunk)
	require.NotNil(t, shrunk.RowCount)
	assert.Equal(t, int64(200000), *shrunk.RowCount, "the estimate is stale: this is the case under test")
	assert.Equal(t, int64(100), shrunk.Stats.SampleRows, "method: %s", shrunk.Stats.Method)

	// Bad names: nothing but reads runs, and the answer names what exists.
	text := e.failed(e.call(tools.ToolListTables, map[string]any{"connection": "pg", "path": `postgres."geo'; DROP SCHEMA geo CASCADE; --"`}))
	assert.Empty(t, missing(text, `Did you mean "geo"`))
	text = e.failed(e.call(tools.ToolDescribeTable, map[string]any{"connection": "pg", "table": "geo.store"}))
	assert.Empty(t, missing(text, `Did you mean "stores"`))
	text = e.failed(e.call(tools.ToolListTables, map[string]any{"connection": "pgg"}))
	assert.Empty(t, missing(text, `Did you mean "pg"`))
	var still tools.ListTablesOutput
	e.ok(e.call(tools.ToolListTables, map[string]any{"connection": "pg", "path": "postgres.geo"}), &still)
	assert.Equal(t, 2, still.Count)
}

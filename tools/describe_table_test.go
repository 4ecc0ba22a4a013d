package tools_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/tools"
)

func TestDescribeTableLocal(t *testing.T) {
	t.Parallel()
	for _, tr := range []string{inProcess, stdioPipes, streamableHTTP, sseHTTP} {
		t.Run(tr, func(t *testing.T) {
			t.Parallel()
			e := newDemoEnv(t, tr)
			var out tools.DescribeTableOutput
			e.ok(e.call(tools.ToolDescribeTable, map[string]any{"table": "carto_local.demo.stores"}), &out)
			assert.Equal(t, "table", out.Kind)
			assert.Equal(t, "duckdb", out.Provider)
			assert.Equal(t, "carto_local.demo.stores", out.FullName)
			require.NotNil(t, out.RowCount)
			assert.Positive(t, *out.RowCount)
			cols := map[string]tools.TableColumn{}
			for _, c := range out.Columns {
				cols[c.Name] = c
			}
			assert.Equal(t, "INTEGER", cols["store_id"].Type)
			assert.Equal(t, "number", cols["store_id"].CartoType)
			require.NotNil(t, cols["store_id"].Nullable)
			assert.False(t, *cols["store_id"].Nullable)
			assert.Equal(t, "geometry", cols["geom"].Spatial)
			assert.Equal(t, "geometry", cols["geom"].CartoType)
			require.NotNil(t, out.Geometry)
			assert.Equal(t, "geom", out.Geometry.Column)
			assert.True(t, out.Geometry.Sampled)
			require.Len(t, out.Geometry.Types, 1)
			assert.JSONEq(t, `"POINT"`, string(out.Geometry.Types[0].Value))
			require.Len(t, out.Geometry.BBox, 4)
			assert.GreaterOrEqual(t, out.Geometry.BBox[0], -180.0)
			assert.LessOrEqual(t, out.Geometry.BBox[2], 180.0)
			assert.Less(t, out.Geometry.BBox[1], out.Geometry.BBox[3])
			assert.Nil(t, out.Stats)
			assert.Empty(t, out.SampleRows)
		})
	}
}

func TestDescribeTableStats(t *testing.T) {
	t.Parallel()
	e := newDemoEnv(t, inProcess)
	var out tools.DescribeTableOutput
	e.ok(e.call(tools.ToolDescribeTable, map[string]any{"table": "carto_local.demo.stores", "stats": true, "sample_rows": 3}), &out)
	require.NotNil(t, out.Stats)
	assert.True(t, out.Stats.Sampled)
	assert.Equal(t, 10000, out.Stats.SampleLimit)
	assert.Equal(t, *out.RowCount, out.Stats.SampleRows, "a small table is read whole, within the limit")
	stats := map[string]tools.ColumnStats{}
	for _, c := range out.Stats.Columns {
		stats[c.Column] = c
	}
	rev := stats["revenue"]
	assert.Equal(t, "number", rev.Kind)
	var minV, maxV, mean float64
	require.NoError(t, json.Unmarshal(rev.Min, &minV))
	require.NoError(t, json.Unmarshal(rev.Max, &maxV))
	require.NoError(t, json.Unmarshal(rev.Mean, &mean))
	assert.Less(t, minV, mean)
	assert.Less(t, mean, maxV)
	require.Len(t, rev.Quartiles, 3)
	assert.Zero(t, rev.NullFraction)
	cat := stats["category"]
	assert.Equal(t, "string", cat.Kind)
	require.NotNil(t, cat.ApproxDistinct)
	assert.InDelta(t, 6, *cat.ApproxDistinct, 1)
	require.Len(t, cat.TopValues, 6)
	var total int64
	for _, v := range cat.TopValues {
		total += v.Count
	}
	assert.Equal(t, out.Stats.SampleRows, total)
	opened := stats["opened_at"]
	assert.Equal(t, "timestamp", opened.Kind)
	assert.NotEmpty(t, opened.Min)
	geom := stats["geom"]
	assert.Equal(t, "geometry", geom.Kind)
	assert.Len(t, geom.BBox, 4)
	assert.Len(t, out.SampleRows, 3)
	assert.Len(t, out.SampleColumns, len(out.Columns))
}

func TestDescribeQuery(t *testing.T) {
	t.Parallel()
	e := newDemoEnv(t, inProcess)
	var out tools.DescribeTableOutput
	e.ok(e.call(tools.ToolDescribeTable, map[string]any{
		"sql": "SELECT name, population, geom FROM carto_local.demo.cities WHERE population > 5000000", "stats": true}), &out)
	assert.Equal(t, "query", out.Kind)
	require.Len(t, out.Columns, 3)
	assert.Equal(t, "string", out.Columns[0].CartoType)
	require.NotNil(t, out.Geometry)
	require.NotNil(t, out.Stats)
	assert.Positive(t, out.Stats.SampleRows)
	assert.Contains(t, out.Notice, "first rows")
}

// A query is described as a subquery: a trailing comment or semicolon
// does not break it, and what cannot be a subquery is refused with advice.
func TestDescribeQueryAsWritten(t *testing.T) {
	t.Parallel()
	e := newDemoEnv(t, inProcess)
	for _, sql := range []string{
		"SELECT name, population FROM carto_local.demo.cities -- the cities",
		"SELECT name, population FROM carto_local.demo.cities; -- done",
		"/* first */ SELECT name, population FROM carto_local.demo.cities /* last */ ;\n",
		"(SELECT name, population FROM carto_local.demo.cities)",
	} {
		var out tools.DescribeTableOutput
		e.ok(e.call(tools.ToolDescribeTable, map[string]any{"sql": sql, "stats": true}), &out)
		require.Len(t, out.Columns, 2, sql)
		assert.Equal(t, "population", out.Columns[1].Name, sql)
		assert.Positive(t, out.Stats.SampleRows, sql)
	}
	for _, tc := range []struct {
		sql  string
		want []string
	}{
		{"SELECT 1; SELECT 2", []string{"2 statements", "one at a time"}},
		{"SHOW TABLES", []string{"SHOW statement", "run_query"}},
	} {
		text := e.failed(e.call(tools.ToolDescribeTable, map[string]any{"sql": tc.sql}))
		assert.Empty(t, missing(text, tc.want...), "%s: %s", tc.sql, text)
	}
}

func TestDescribeTableBadInput(t *testing.T) {
	t.Parallel()
	e := newDemoEnv(t, inProcess)
	for _, tc := range []struct {
		args map[string]any
		want []string
	}{
		{map[string]any{"table": "carto_local.demo.store"}, []string{`no table or view "store"`, `Did you mean "stores"`}},
		{map[string]any{"table": "carto_local.dmo.stores"}, []string{`no schema "dmo"`, `Did you mean "demo"`}},
		{map[string]any{"table": `carto_local.demo."stores; DROP TABLE carto_local.demo.cities; --"`}, []string{"no table or view", "Did you mean", `"stores"`}},
		{map[string]any{"table": "stores"}, []string{"has 1 part,", "database.schema.table"}},
		{map[string]any{"table": "carto_local.demo.stores.geom"}, []string{"has 4 parts", "database.schema.table"}},
		{map[string]any{"table": "demo.store"}, []string{`no table or view "store"`, `Did you mean "stores"`}},
		{map[string]any{"sql": "DELETE FROM carto_local.demo.cities"}, []string{"only reads", "DELETE"}},
		{map[string]any{"sql": "SELECT 1; DROP TABLE carto_local.demo.cities"}, []string{"only reads"}},
		{map[string]any{"table": "carto_local.demo.stores", "sql": "SELECT 1"}, []string{"not both"}},
		{map[string]any{}, []string{"pass `table`"}},
		{map[string]any{"connection": "carto_locl", "table": "carto_local.demo.stores"}, []string{`no connection "carto_locl" on the embedded local warehouse`, `Did you mean "carto_local"`}},
	} {
		text := e.failed(e.call(tools.ToolDescribeTable, tc.args))
		assert.Empty(t, missing(text, tc.want...), "%v: %s", tc.args, text)
	}
	var out tools.ListTablesOutput
	e.ok(e.call(tools.ToolListTables, map[string]any{"path": "carto_local.demo"}), &out)
	assert.Equal(t, 3, out.Count, "nothing was dropped")
}

// TestDescribeTableSchemaDotTable: on DuckDB, as in its SQL, schema.table is a
// table of the current database.
func TestDescribeTableSchemaDotTable(t *testing.T) {
	t.Parallel()
	e := newDemoEnv(t, inProcess)
	var short, full tools.DescribeTableOutput
	e.ok(e.call(tools.ToolDescribeTable, map[string]any{"table": "demo.stores"}), &short)
	e.ok(e.call(tools.ToolDescribeTable, map[string]any{"table": "carto_local.demo.stores"}), &full)
	assert.Equal(t, full, short)
}

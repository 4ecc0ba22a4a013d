package localwarehouse

import (
	"context"
	"fmt"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func aggregationCall(input, output, options string) string {
	return fmt.Sprintf("CALL carto.CREATE_POINT_AGGREGATION_TILESET(%s, %s, %s)",
		quoteString(input), quoteString(output), quoteString(options))
}

// The aggregated values in the tiles, decoded with orb, are what DuckDB
// computes over the source with plain SQL: the cell of each store at
// zoom + aggregation_resolution from its lon/lat, grouped.
func TestPointAggregationTilesetMatchesSQL(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	const zmax, res = 6, 4
	done := e.runTileset(aggregationCall("demo.stores", "demo.stores_agg", fmt.Sprintf(`{"zoom_min": 0, "zoom_max": %d,
		"aggregation_resolution": %d, "aggregation_placement": "cell-centroid", "properties": {
		"stores": {"formula": "COUNT(*)", "type": "Number"},
		"revenue": {"formula": "SUM(revenue)", "type": "Number"},
		"avg_revenue": {"formula": "AVG(revenue)", "type": "Number"},
		"top": {"formula": "MAX(revenue)", "type": "Number"}},
		"metadata": {"name": "Stores per cell"}}`, zmax, res)))
	require.Equal(t, statusSuccess, done.Status, "%+v", done.Error)
	p := done.Provider.Tileset
	assert.Equal(t, "carto.CREATE_POINT_AGGREGATION_TILESET", p.Procedure)
	assert.Equal(t, "done", p.Phase)
	assert.Equal(t, 3381, p.Features)
	assert.Equal(t, zmax, p.Zoom)

	meta, tiles := e.readTileset("demo.stores_agg")
	assert.Len(t, tiles, int(p.TilesWritten))
	assert.Equal(t, "Stores per cell", meta["name"])
	assert.Equal(t, map[string]any{"stores": "Number", "revenue": "Number", "avg_revenue": "Number", "top": "Number"},
		meta["vector_layers"].([]any)[0].(map[string]any)["fields"])
	layerStats := meta["tilestats"].(map[string]any)["layers"].([]any)[0].(map[string]any)
	storesStats := layerStats["attributes"].([]any)[0].(map[string]any)
	assert.EqualValues(t, 3381, storesStats["sum"], "tilestats over the cells of zoom_max count every store")

	type cell struct {
		n             int64
		sum, avg, top float64
	}
	cs := 4096 >> res
	for z := 0; z <= zmax; z++ {
		want := map[[2]int]cell{}
		rows, err := e.w.db.QueryContext(context.Background(), `
			SELECT x, y, count(*), sum(revenue)::DOUBLE, avg(revenue)::DOUBLE, max(revenue)::DOUBLE FROM (
				SELECT floor((lon + 180) / 360 * 2 ^ $1)::BIGINT AS x,
				       floor((0.5 - ln(tan(pi() / 4 + radians(lat) / 2)) / (2 * pi())) * 2 ^ $1)::BIGINT AS y,
				       revenue
				FROM demo.stores WHERE geom IS NOT NULL)
			GROUP BY x, y`, z+res)
		require.NoError(t, err)
		for rows.Next() {
			var x, y int
			var c cell
			require.NoError(t, rows.Scan(&x, &y, &c.n, &c.sum, &c.avg, &c.top))
			want[[2]int{x, y}] = c
		}
		require.NoError(t, rows.Close())

		var total int64
		got := 0
		for _, st := range tiles {
			if st.z != z {
				continue
			}
			layers, err := mvt.UnmarshalGzipped(st.data)
			require.NoError(t, err)
			require.Len(t, layers, 1)
			assert.Equal(t, "default", layers[0].Name)
			assert.EqualValues(t, 4096, layers[0].Extent)
			for _, f := range layers[0].Features {
				pt := f.Geometry.(orb.Point)
				key := [2]int{st.x<<res + int(pt[0])/cs, st.y<<res + int(pt[1])/cs}
				w, ok := want[key]
				require.True(t, ok, "zoom %d: cell %v has no store in SQL", z, key)
				assert.Equal(t, float64(w.n), f.Properties["stores"], "zoom %d cell %v", z, key)
				assert.InEpsilon(t, w.sum, f.Properties["revenue"], 1e-9, "zoom %d cell %v", z, key)
				assert.InEpsilon(t, w.avg, f.Properties["avg_revenue"], 1e-9, "zoom %d cell %v", z, key)
				assert.InEpsilon(t, w.top, f.Properties["top"], 1e-12, "zoom %d cell %v", z, key)
				total += int64(f.Properties["stores"].(float64))
				got++
			}
		}
		assert.EqualValues(t, 3381, total, "zoom %d: the cells' counts add up to every store", z)
		assert.Len(t, want, got, "zoom %d: one feature per cell SQL finds", z)
	}
}

func TestPointAggregationBadInputFailsTheJob(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	count := `"properties": {"n": {"formula": "COUNT(*)", "type": "Number"}}`
	for _, tc := range []struct{ name, sql, want string }{
		{"polygons", aggregationCall("demo.countries", "demo.bad_agg", "{"+count+"}"),
			"the geometry is a Polygon; CREATE_POINT_AGGREGATION_TILESET aggregates points: select a point per row (e.g. ST_CENTROID(geom) AS geom"},
		{"unsupported formula", aggregationCall("demo.stores", "demo.bad_agg", `{"properties": {"m": {"formula": "MEDIAN(revenue)", "type": "Number"}}}`),
			"use one of COUNT(*), COUNT(column), SUM(column), AVG(column), MIN(column) or MAX(column)"},
		{"missing column", aggregationCall("demo.stores", "demo.bad_agg", `{"properties": {"s": {"formula": "SUM(revenu)", "type": "Number"}}}`),
			`options.properties.s: formula SUM(revenu) reads "revenu", which is not a column of the input; its columns are store_id, name`},
		{"text summed", aggregationCall("demo.stores", "demo.bad_agg", `{"properties": {"s": {"formula": "SUM(name)", "type": "Number"}}}`),
			"is not a number, and SUM(name) aggregates numbers"},
		{"missing geometry column", aggregationCall("demo.stores", "demo.bad_agg", `{"geom_column": "shape"}`),
			`the input has no column "shape" (geom_column)`},
		{"output exists", aggregationCall("demo.stores", "demo.cities", "{"+count+"}"),
			"output_table carto_local.demo.cities already exists"},
		{"options required", "CALL carto.CREATE_POINT_AGGREGATION_TILESET('demo.stores', 'demo.bad_agg', NULL)",
			"options is required"},
		{"unknown option", aggregationCall("demo.stores", "demo.bad_agg", `{"aggregation_resolutio": 3}`),
			`unknown CREATE_POINT_AGGREGATION_TILESET option "aggregation_resolutio"`},
		{"tile too big", aggregationCall("demo.stores", "demo.bad_agg", `{"zoom_max": 2, "aggregation_resolution": 10, "max_tile_size_kb": 1, `+count+`}`),
			"over max_tile_size_kb 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			done := e.runTileset(tc.sql)
			require.Equal(t, statusFailure, done.Status)
			require.NotNil(t, done.Error)
			assert.Equal(t, errCodeQuery, done.Error.Code)
			assert.Contains(t, done.Error.Msg, tc.want)
			assert.False(t, e.tableExists("demo.bad_agg"), "no table left behind")
		})
	}
}

func TestPointAggregationCancelLeavesNoTableAndReadOnlyRefuses(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	// 100,000 points to zoom 20 make about two million tiles: far more
	// than the test lets it write before cancelling.
	e.cancelOnceTilesAreWritten(t, aggregationCall(`(SELECT format('POINT ({} {})', (i % 3600) / 10 - 179.95, (i // 3600) * 2 - 60) AS geom FROM range(100000) t(i))`,
		"demo.many_agg", `{"zoom_max": 20, "aggregation_resolution": 6}`))
	assert.False(t, e.tableExists("demo.many_agg"))

	ro := newEnv(t, Options{ReadOnly: true})
	done := ro.runTileset(aggregationCall("demo.stores", "demo.t", "{}"))
	require.Equal(t, statusFailure, done.Status)
	assert.Contains(t, done.Error.Msg, "read-only (--read-only)")
}

// single_point_properties, decoded from the tiles with orb, are what
// DuckDB finds with plain SQL: a cell of one store carries exactly that
// store's columns, a cell of several carries none of them.
func TestPointAggregationSinglePointPropertiesMatchSQL(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	const zmax, res = 8, 4
	done := e.runTileset(aggregationCall("(SELECT store_id, name, revenue, revenue > 200000 AS big, geom FROM demo.stores)",
		"demo.stores_lone", fmt.Sprintf(`{"zoom_max": %d, "aggregation_resolution": %d,
		"properties": {"stores": {"formula": "COUNT(*)", "type": "Number"}},
		"single_point_properties": {"store_id": "Number", "name": "String", "revenue": "Number", "big": "Boolean"}}`, zmax, res)))
	require.Equal(t, statusSuccess, done.Status, "%+v", done.Error)

	meta, tiles := e.readTileset("demo.stores_lone")
	assert.Equal(t, map[string]any{"stores": "Number", "store_id": "Number", "name": "String", "revenue": "Number", "big": "Boolean"},
		meta["vector_layers"].([]any)[0].(map[string]any)["fields"])
	assert.Equal(t, []any{
		map[string]any{"name": "store_id", "type": "Number"}, map[string]any{"name": "name", "type": "String"},
		map[string]any{"name": "revenue", "type": "Number"}, map[string]any{"name": "big", "type": "Boolean"},
	}, meta["aggregation"].(map[string]any)["single_point_properties"])

	type cell struct {
		n       int64
		id      int64
		name    string
		revenue float64
		big     bool
	}
	cs := 4096 >> res
	lone, shared := 0, 0
	bigs := map[bool]int{}
	for z := 0; z <= zmax; z++ {
		want := map[[2]int]cell{}
		rows, err := e.w.db.QueryContext(context.Background(), `
			SELECT x, y, count(*), any_value(store_id), any_value(name), any_value(revenue)::DOUBLE, any_value(revenue > 200000) FROM (
				SELECT floor((lon + 180) / 360 * 2 ^ $1)::BIGINT AS x,
				       floor((0.5 - ln(tan(pi() / 4 + radians(lat) / 2)) / (2 * pi())) * 2 ^ $1)::BIGINT AS y, *
				FROM demo.stores)
			GROUP BY x, y`, z+res)
		require.NoError(t, err)
		for rows.Next() {
			var x, y int
			var c cell
			require.NoError(t, rows.Scan(&x, &y, &c.n, &c.id, &c.name, &c.revenue, &c.big))
			want[[2]int{x, y}] = c
		}
		require.NoError(t, rows.Close())

		if z == zmax {
			var cells, lonely int
			for _, c := range want {
				cells++
				if c.n == 1 {
					lonely++
				}
			}
			layerStats := meta["tilestats"].(map[string]any)["layers"].([]any)[0].(map[string]any)
			assert.EqualValues(t, cells, layerStats["count"])
			for _, a := range layerStats["attributes"].([]any) {
				if a := a.(map[string]any); a["attribute"] == "name" {
					assert.EqualValues(t, lonely, a["count"], "tilestats count the cells of zoom_max that carry a name")
				}
			}
		}
		got := 0
		for _, st := range tiles {
			if st.z != z {
				continue
			}
			layers, err := mvt.UnmarshalGzipped(st.data)
			require.NoError(t, err)
			for _, f := range layers[0].Features {
				pt := f.Geometry.(orb.Point)
				key := [2]int{st.x<<res + int(pt[0])/cs, st.y<<res + int(pt[1])/cs}
				w, ok := want[key]
				require.True(t, ok, "zoom %d: cell %v has no store in SQL", z, key)
				got++
				if w.n > 1 {
					shared++
					assert.Equal(t, map[string]any{"stores": float64(w.n)}, map[string]any(f.Properties), "zoom %d cell %v", z, key)
					continue
				}
				lone++
				bigs[w.big]++
				assert.Equal(t, map[string]any{"stores": 1.0, "store_id": float64(w.id), "name": w.name, "revenue": w.revenue, "big": w.big},
					map[string]any(f.Properties), "zoom %d cell %v", z, key)
			}
		}
		assert.Len(t, want, got, "zoom %d: one feature per cell SQL finds", z)
	}
	assert.Greater(t, lone, 100)
	assert.Greater(t, shared, 100)
	assert.Greater(t, bigs[true], 10, "lone cells with each boolean value")
	assert.Greater(t, bigs[false], 10)
}

func TestPointAggregationSinglePointBadInputFailsTheJob(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	for _, tc := range []struct{ name, options, want string }{
		{"unknown column", `{"single_point_properties": {"nam": "String"}}`,
			`options.single_point_properties names "nam", which is not a column of the input; its columns are store_id, name`},
		{"text as a number", `{"single_point_properties": {"name": "Number"}}`,
			`column "name" (options.single_point_properties): `},
		{"number as a boolean", `{"single_point_properties": {"store_id": "Boolean"}}`,
			`(int32) is not a boolean; declare it "String" or "Number" in options.single_point_properties`},
		{"bad type", `{"single_point_properties": {"opened_at": "Date"}}`,
			`options.single_point_properties.opened_at has type "Date"; use "Number", "String" or "Boolean"`},
		{"name of an aggregated property", `{"properties": {"name": {"formula": "MIN(name)", "type": "String"}}, "single_point_properties": {"name": "String"}}`,
			`options.single_point_properties.name has the name of the aggregated property options.properties.name (MIN(name))`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			done := e.runTileset(aggregationCall("demo.stores", "demo.bad_lone", tc.options))
			require.Equal(t, statusFailure, done.Status)
			require.NotNil(t, done.Error)
			assert.Equal(t, errCodeQuery, done.Error.Code)
			assert.Contains(t, done.Error.Msg, tc.want)
			assert.False(t, e.tableExists("demo.bad_lone"), "no table left behind")
		})
	}
}

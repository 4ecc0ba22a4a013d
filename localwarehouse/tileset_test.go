package localwarehouse

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/maptile/tilecover"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tilesetCall is the SQL of a CREATE_SIMPLE_TILESET call.
func tilesetCall(input, output, options string) string {
	return fmt.Sprintf("CALL carto.CREATE_SIMPLE_TILESET(%s, %s, %s)",
		quoteString(input), quoteString(output), quoteString(options))
}

// runTileset submits a job and waits for its end.
func (e *testEnv) runTileset(sql string) jobJSON {
	e.t.Helper()
	j := e.submitJob(sql, nil)
	return e.waitJob(j.JobID, statusSuccess, statusFailure)
}

func (e *testEnv) tableExists(name string) bool {
	e.t.Helper()
	var n int
	require.NoError(e.t, e.w.db.QueryRowContext(context.Background(),
		"SELECT count(*) FROM duckdb_tables() WHERE schema_name || '.' || table_name = $1", name).Scan(&n))
	return n > 0
}

type storedTile struct {
	z, x, y int
	data    []byte
}

func (e *testEnv) readTileset(table string) (meta map[string]any, tiles []storedTile) {
	e.t.Helper()
	rows, err := e.w.db.QueryContext(context.Background(), "SELECT z, x, y, data FROM "+table+" ORDER BY z, x, y")
	require.NoError(e.t, err)
	defer rows.Close()
	for rows.Next() {
		var z int
		var x, y *int
		var data []byte
		require.NoError(e.t, rows.Scan(&z, &x, &y, &data))
		if z == -1 {
			require.Nil(e.t, meta, "one metadata row")
			require.Nil(e.t, x)
			require.Nil(e.t, y)
			require.NoError(e.t, json.Unmarshal(data, &meta))
			continue
		}
		tiles = append(tiles, storedTile{z: z, x: *x, y: *y, data: data})
	}
	require.NoError(e.t, rows.Err())
	require.NotNil(e.t, meta, "the z = -1 metadata row")
	return meta, tiles
}

func TestCreateSimpleTilesetFromDemoStores(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	const zmax = 7
	done := e.runTileset(tilesetCall("demo.stores", "demo.stores_tiles", fmt.Sprintf(`{"zoom_min": 0, "zoom_max": %d,
		"tile_buffer": 0, "properties": {"name": "String", "revenue": "Number", "store_id": "Number"},
		"metadata": {"name": "Demo stores"}}`, zmax)))
	require.Equal(t, statusSuccess, done.Status, "%+v", done.Error)
	require.NotNil(t, done.Provider.Tileset)
	p := done.Provider.Tileset
	assert.Equal(t, "done", p.Phase)
	assert.EqualValues(t, 3381, p.RowsRead)
	assert.Equal(t, 3381, p.Features)
	assert.Equal(t, zmax, p.Zoom, "the last tile written is at zoom_max (depth first)")
	assert.Equal(t, "carto_local.demo.stores_tiles", p.OutputTable)
	require.NotNil(t, done.Provider.RowsAffected)
	assert.Equal(t, p.TilesWritten+1, *done.Provider.RowsAffected)

	meta, tiles := e.readTileset("demo.stores_tiles")
	assert.Len(t, tiles, int(p.TilesWritten))
	assert.Equal(t, "Demo stores", meta["name"])
	assert.EqualValues(t, 0, meta["minzoom"])
	assert.EqualValues(t, zmax, meta["maxzoom"])
	assert.Equal(t, map[string]any{"name": "String", "revenue": "Number", "store_id": "Number"},
		meta["vector_layers"].([]any)[0].(map[string]any)["fields"])

	// Where every store is, from the source.
	where := map[uint64]orb.Point{}
	rows, err := e.w.db.QueryContext(context.Background(), "SELECT store_id, lon, lat FROM demo.stores")
	require.NoError(t, err)
	for rows.Next() {
		var id uint64
		var lon, lat float64
		require.NoError(t, rows.Scan(&id, &lon, &lat))
		where[id] = orb.Point{lon, lat}
	}
	require.NoError(t, rows.Close())

	seen := map[uint64]maptile.Tile{}
	for _, st := range tiles {
		require.GreaterOrEqual(t, st.x, 0)
		require.Less(t, st.x, 1<<st.z)
		require.GreaterOrEqual(t, st.y, 0)
		require.Less(t, st.y, 1<<st.z)
		layers, err := mvt.UnmarshalGzipped(st.data)
		require.NoError(t, err)
		require.Len(t, layers, 1)
		assert.Equal(t, "default", layers[0].Name)
		assert.EqualValues(t, 4096, layers[0].Extent)
		if st.z != zmax {
			continue
		}
		tile := maptile.New(uint32(st.x), uint32(st.y), zmax)
		for _, f := range layers[0].Features {
			id := uint64(f.Properties["store_id"].(float64))
			assert.IsType(t, "", f.Properties["name"])
			assert.IsType(t, float64(0), f.Properties["revenue"])
			_, dup := seen[id]
			require.False(t, dup, "store %d in two tiles at zoom_max with no buffer", id)
			seen[id] = tile
		}
	}
	require.Len(t, seen, len(where), "every store is in a tile at zoom_max")
	for id, p := range where {
		want, err := tilecover.Geometry(p, zmax)
		require.NoError(t, err)
		assert.True(t, want[seen[id]], "store %d in %v, tilecover says %v", id, seen[id], want)
	}
}

func TestCreateTilesetWithNullOptionsAndAQuery(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	done := e.runTileset(`CALL carto.CREATE_TILESET(
		'(SELECT name, population, population > 10000000 AS big, geom FROM demo.cities)',
		'cities_tiles', NULL);`)
	require.Equal(t, statusSuccess, done.Status, "%+v", done.Error)
	meta, tiles := e.readTileset("main.cities_tiles")
	assert.NotEmpty(t, tiles)
	assert.EqualValues(t, 15, meta["maxzoom"], "313 points fit the automatic budget up to zoom 15")
	assert.Equal(t, map[string]any{"name": "String", "population": "Number", "big": "Boolean"},
		meta["vector_layers"].([]any)[0].(map[string]any)["fields"])
	layer := meta["tilestats"].(map[string]any)["layers"].([]any)[0].(map[string]any)
	assert.EqualValues(t, 313, layer["count"])
}

func TestTilesetBadInputFailsTheJobAndWritesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	for _, tc := range []struct {
		name, sql, want string
	}{
		{"missing source", tilesetCall("demo.nope", "demo.bad_out", "{}"), "nope"},
		{"missing geometry column", tilesetCall("demo.stores", "demo.bad_out", `{"geom_column": "shape"}`),
			`the input has no column "shape" (geom_column); its columns are store_id, name`},
		{"not a geometry column", tilesetCall("demo.stores", "demo.bad_out", `{"geom_column": "revenue"}`),
			`column "revenue" is DECIMAL(12,2), not a geometry`},
		{"invalid geometry", tilesetCall("(SELECT 'POINT (500 1)' AS geom)", "demo.bad_out", "{}"),
			`input row 1: column "geom": coordinate (500 1) is outside longitude/latitude range`},
		{"unreadable geometry", tilesetCall("(SELECT 'nonsense' AS geom)", "demo.bad_out", "{}"),
			`input row 1: column "geom": not a geometry: "nonsense" is neither WKT, GeoJSON`},
		{"zoom_max too high", tilesetCall("demo.countries", "demo.bad_out", `{"zoom_max": 16}`),
			"zoom_max 16 would make up to"},
		{"tile too big", tilesetCall("demo.stores", "demo.bad_out", `{"zoom_max": 2, "max_tile_size_kb": 1}`),
			"over max_tile_size_kb 1"},
		{"output exists", tilesetCall("demo.stores", "demo.cities", "{}"),
			"output_table carto_local.demo.cities already exists"},
		{"unknown option", tilesetCall("demo.stores", "demo.bad_out", `{"zoom_maxx": 3}`),
			`unknown CREATE_SIMPLE_TILESET option "zoom_maxx"`},
		{"missing property", tilesetCall("demo.stores", "demo.bad_out", `{"properties": {"nom": "String"}}`),
			`options.properties names "nom", which is not a column`},
		{"wrong arguments", "CALL carto.CREATE_SIMPLE_TILESET('demo.stores')", "takes (input, output_table, options)"},
		{"not a name", tilesetCall("demo.stores; DROP TABLE demo.cities", "demo.bad_out", "{}"), "is not a table name"},
		{"missing schema", tilesetCall("demo.stores", "nowhere.bad_out", "{}"), "schema nowhere does not exist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			done := e.runTileset(tc.sql)
			require.Equal(t, statusFailure, done.Status)
			require.NotNil(t, done.Error)
			assert.Equal(t, errCodeQuery, done.Error.Code)
			assert.Contains(t, done.Error.Msg, tc.want)
			assert.False(t, e.tableExists("demo.bad_out"), "no table left behind")
		})
	}
	assert.True(t, e.tableExists("demo.cities"), "the existing table is untouched")
}

// cancelOnceTilesAreWritten submits a tileset job, cancels it once it has
// written tiles, and returns the job as it ended: failed, as cancelled.
func (e *testEnv) cancelOnceTilesAreWritten(t *testing.T, call string) jobJSON {
	t.Helper()
	j := e.submitJob(call, nil)
	eventually(t, "tiles to be written", func() bool {
		_, got := e.getJob(j.JobID)
		return got.Provider.Tileset != nil && got.Provider.Tileset.TilesWritten > 0
	})
	cancelled := e.cancelJob(j.JobID)
	if cancelled.Status == statusRunning {
		cancelled = e.waitJob(j.JobID, statusFailure)
	}
	require.Equal(t, statusFailure, cancelled.Status)
	assert.Equal(t, errCodeCancelled, cancelled.Error.Code)
	return cancelled
}

func TestTilesetCancelLeavesNoTable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	// Countries to zoom 11 make millions of tiles: far more than the
	// test lets it write before cancelling.
	cancelled := e.cancelOnceTilesAreWritten(t, tilesetCall("demo.countries", "demo.countries_tiles", `{"zoom_max": 11}`))
	assert.Positive(t, cancelled.Provider.Tileset.TilesWritten)
	assert.False(t, e.tableExists("demo.countries_tiles"))
}

func TestTilesetRefusedReadOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{ReadOnly: true})
	done := e.runTileset(tilesetCall("demo.stores", "demo.t", "{}"))
	require.Equal(t, statusFailure, done.Status)
	assert.Contains(t, done.Error.Msg, "read-only (--read-only)")
}

func TestTilesetCallIsNotASynchronousQuery(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{NoDemoData: true})
	body := e.queryError(http.StatusBadRequest, tilesetCall("t", "o", "{}"), nil)
	assert.Equal(t, "Tileset procedures run as jobs, not as synchronous queries", body["error"])
	assert.Contains(t, body["hint"], "submit_job")
}

func TestParseTilerCall(t *testing.T) {
	for sql, want := range map[string]tilerCall{
		`CALL carto.CREATE_SIMPLE_TILESET('demo.stores', 'out', '{"zoom_max": 3}')`:        {procSimpleTileset, "demo.stores", "out", `{"zoom_max": 3}`},
		"call `carto-un`.carto.create_tileset(r'''(SELECT 'a' AS x)''', 'o', NULL);  -- c": {procTileset, "(SELECT 'a' AS x)", "o", ""},
		"/* x */ CALL \"carto\".CREATE_TILESET('it''s', $$o$$)":                            {procTileset, "it's", "o", ""},
		"CALL tiler.CREATE_SIMPLE_TILESET('a', 'b', $tag${}$tag$)":                         {procSimpleTileset, "a", "b", "{}"},
		"CALL CREATE_TILESET($1, $2, $3)":                                                  {procTileset, "in", "out", "{}"},
		"call carto.create_point_aggregation_tileset('p', 'q', '{}')":                      {procPointAggregation, "p", "q", "{}"},
	} {
		call, ok, err := parseTilerCall(sql, []any{"in", "out", "{}"})
		require.True(t, ok, sql)
		require.NoError(t, err, sql)
		assert.Equal(t, want, *call, sql)
	}
	for _, sql := range []string{"SELECT 1", "CALL other.CREATE_TILESET('a', 'b', NULL)", "CALL carto.H3_FROMLONGLAT(1)", "CALL"} {
		_, ok, _ := parseTilerCall(sql, nil)
		assert.False(t, ok, sql)
	}
	for sql, want := range map[string]string{
		"CALL carto.CREATE_TILESET('a', 'b', NULL); DROP TABLE x": "must be the only statement",
		"CALL carto.CREATE_TILESET('a', 'b', 1)":                  "expected a string literal",
		"CALL carto.CREATE_TILESET('a)":                           "unterminated string",
		"CALL carto.CREATE_SIMPLE_TILESET('a', 'b')":              "options is required",
		"CALL carto.CREATE_TILESET($4, 'b')":                      "$4 has no value",
	} {
		_, ok, err := parseTilerCall(sql, nil)
		assert.True(t, ok, sql)
		assert.ErrorContains(t, err, want, sql)
	}
}

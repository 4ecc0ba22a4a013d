package tools_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/duckspatial"
	"github.com/carto-mcp/carto-mcp/sqlguard"
	"github.com/carto-mcp/carto-mcp/tools"
)

// The local warehouse's spatial SQL through run_query over a real MCP
// session: CARTO's documented examples, GEOMETRY results as WKT, and a bad
// argument as a tool error that says what to fix.
func TestLocalSpatialRunQuery(t *testing.T) {
	t.Parallel()
	e := newLocalEnv(t, inProcess, "")

	var out tools.RunQueryOutput
	e.ok(e.call(tools.ToolRunQuery, map[string]any{"sql": `SELECT
		carto.QUADBIN_FROMLONGLAT(40.4168, -3.7038, 4) AS quadbin,
		carto.H3_FROMLONGLAT(-3.7038, 40.4168, 4) AS h3,
		ST_DISTANCE(ST_GEOGPOINT(0, 0), ST_GEOGPOINT(0, 1)) > 111000 AS about_111_km,
		ST_ASGEOJSON(ST_GEOMFROMTEXT('POINT (1 2)')) AS geojson,
		H3_BOUNDARY('84390cbffffffff') AS geom`}), &out)
	require.Equal(t, 1, out.RowCount)
	got := map[string]string{}
	types := map[string]string{}
	for i, c := range out.Columns {
		got[c.Name] = string(out.Rows[0][i])
		types[c.Name] = c.Type
	}
	// Exact: a quadbin is beyond float64's integers, so it comes as a string.
	assert.Equal(t, `"5209574053332910079"`, got["quadbin"])
	assert.Equal(t, `"84390cbffffffff"`, got["h3"])
	assert.Equal(t, "true", got["about_111_km"])
	assert.Equal(t, `"{\"type\":\"Point\",\"coordinates\":[1,2]}"`, got["geojson"])
	assert.Equal(t, "geometry", types["geom"])
	assert.Contains(t, got["geom"], `"POLYGON ((-3.5769274353957314 40.61343859593516, `)

	text := e.failed(e.call(tools.ToolRunQuery, map[string]any{"sql": "SELECT carto.QUADBIN_FROMLONGLAT(0, 0, 40) AS q"}))
	assert.Contains(t, text, "QUADBIN_FROMLONGLAT: invalid resolution 40; should be between 0 and 26")
}

// Read-only mode lets every spatial function through in a SELECT, qualified
// or not, and still refuses the tiler's CALL (the sqlguard corpus is not
// changed for them).
func TestSpatialFunctionsAreReads(t *testing.T) {
	t.Parallel()
	for _, name := range duckspatial.Names() {
		for _, q := range []string{"SELECT " + name + "(a, b) FROM t", "SELECT carto." + name + "(a) FROM t"} {
			assert.NoError(t, sqlguard.Check(q, sqlguard.Generic), q)
		}
	}
	assert.Error(t, sqlguard.Check("CALL carto.CREATE_SIMPLE_TILESET('demo.stores', 'demo.tiles', '{}')", sqlguard.Generic))
}

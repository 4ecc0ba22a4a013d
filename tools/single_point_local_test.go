package tools_test

import (
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/paulmach/orb/encoding/mvt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/tools"
)

// A point aggregation tileset with single_point_properties, end to end in
// an MCP session over streamable HTTP on the local warehouse: submit_job
// runs the CALL, get_tileset_tile serves the tile whose lone cell carries
// the point's columns and whose crowded cell does not, run_query reads the
// metadata listing them, and a bad column fails the job saying what to fix.
func TestPointAggregationSinglePointPropertiesOnLocal(t *testing.T) {
	t.Parallel()
	e := newLocalEnv(t, streamableHTTP, "")
	job := e.runJob(`CREATE TABLE shops AS SELECT * FROM (VALUES
		(1, 'Corner', 12.5, 'POINT (10 10)'), (2, 'Kiosk', 3.0, 'POINT (10.001 10.001)'), (3, 'Market', NULL, 'POINT (10.002 10)'),
		(4, 'Lighthouse', 7.25, 'POINT (-60 -30)')) t(id, name, sales, geom)`)
	require.Equal(t, "success", job.Status, "%+v", job.Error)

	job = e.runJob(`CALL carto.CREATE_POINT_AGGREGATION_TILESET('main.shops', 'main.shops_agg', '{"zoom_max": 2, "aggregation_resolution": 2,
		"properties": {"shops": {"formula": "COUNT(*)", "type": "Number"}, "total_sales": {"formula": "SUM(sales)", "type": "Number"}},
		"single_point_properties": {"name": "String", "sales": "Number"}}')`)
	require.Equal(t, "success", job.Status, "%+v", job.Error)

	var tile tools.GetTilesetTileOutput
	e.ok(e.call(tools.ToolGetTilesetTile, map[string]any{"tileset": "carto_local.main.shops_agg", "z": 0, "x": 0, "y": 0}), &tile)
	data, err := base64.StdEncoding.DecodeString(tile.Data)
	require.NoError(t, err)
	assert.Equal(t, "gzip", tile.Encoding)
	layers, err := mvt.UnmarshalGzipped(data)
	require.NoError(t, err)
	require.Len(t, layers, 1)
	var got []map[string]any
	for _, f := range layers[0].Features {
		got = append(got, f.Properties)
	}
	assert.ElementsMatch(t, []map[string]any{
		{"shops": 3.0, "total_sales": 15.5},
		{"shops": 1.0, "total_sales": 7.25, "name": "Lighthouse", "sales": 7.25},
	}, got)

	var out tools.RunQueryOutput
	e.ok(e.call(tools.ToolRunQuery, map[string]any{"sql": "SELECT decode(data) AS metadata FROM main.shops_agg WHERE z = -1"}), &out)
	require.Len(t, out.Rows, 1)
	var text string
	require.NoError(t, json.Unmarshal(out.Rows[0][0], &text))
	var meta struct {
		VectorLayers []struct {
			Fields map[string]string `json:"fields"`
		} `json:"vector_layers"`
	}
	require.NoError(t, json.Unmarshal([]byte(text), &meta))
	assert.Equal(t, map[string]string{"shops": "Number", "total_sales": "Number", "name": "String", "sales": "Number"}, meta.VectorLayers[0].Fields)

	job = e.runJob(`CALL carto.CREATE_POINT_AGGREGATION_TILESET('main.shops', 'main.shops_bad', '{"single_point_properties": {"title": "String"}}')`)
	require.Equal(t, "failure", job.Status)
	require.NotNil(t, job.Error)
	assert.Contains(t, job.Error.Msg, `options.single_point_properties names "title", which is not a column of the input; its columns are id, name, sales, geom`)
}

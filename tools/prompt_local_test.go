package tools_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/paulmach/orb/encoding/mvt"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/localwarehouse"
	"github.com/carto-mcp/carto-mcp/tools"
)

// On --local the create_tileset prompt walks the whole loop the local tiler
// supports, and the call it gives really runs there.
func TestCreateTilesetPromptOnLocal(t *testing.T) {
	t.Parallel()
	e := newLocalEnv(t, inProcess, "")
	text, err := e.prompt(tools.PromptCreateTileset, map[string]string{
		"source": "carto_local.main.pts", "output": "carto_local.main.pts_tiles", "zoom_max": "4"})
	aggCall := strings.ReplaceAll(`CALL carto.CREATE_POINT_AGGREGATION_TILESET('carto_local.main.pts', 'carto_local.main.pts_tiles', `+
		`'{"geom_column": "geom", "zoom_min": 0, "zoom_max": 4, "aggregation_resolution": 6, "aggregation_placement": "cell-centroid", `+
		`"properties": {"total": {"formula": "COUNT(*)", "type": "Number"}}}')`, `"`, `\"`)
	require.NoError(t, err)
	assert.Empty(t, missing(text, "embedded local warehouse",
		`CALL carto.CREATE_SIMPLE_TILESET('carto_local.main.pts', 'carto_local.main.pts_tiles', '{\"geom_column\": \"geom\", \"zoom_min\": 0, \"zoom_max\": 4}')`,
		"provider.tileset", "tiles_written", "SELECT decode(data) AS metadata FROM carto_local.main.pts_tiles WHERE z = -1",
		"/v3/maps/<connection>/tileset?name=carto_local.main.pts_tiles", "get_tileset_tile", aggCall,
		`view_map {"tileset": "carto_local.main.pts_tiles"`), text)

	// The call the prompt gives runs on the local warehouse.
	job := e.runJob("CREATE TABLE pts AS SELECT i AS id, format('POINT ({} {})', i, i) AS geom FROM range(10) t(i)")
	require.Equal(t, "success", job.Status, "%+v", job.Error)
	job = e.runJob(`CALL carto.CREATE_SIMPLE_TILESET('carto_local.main.pts', 'carto_local.main.pts_tiles', '{"geom_column": "geom", "zoom_min": 0, "zoom_max": 4}')`)
	require.Equal(t, "success", job.Status, "%+v", job.Error)

	aggSQL := strings.ReplaceAll(strings.ReplaceAll(aggCall, `\"`, `"`), "pts_tiles", "pts_agg")
	// So does its point aggregation call, through submit_job, with its
	// progress; the cells' counts at zoom 0 add up to the ten points.
	job = e.runJob(aggSQL)
	require.Equal(t, "success", job.Status, "%+v", job.Error)
	assert.Contains(t, string(job.Provider), `"procedure":"carto.CREATE_POINT_AGGREGATION_TILESET"`)
	assert.Contains(t, string(job.Provider), `"phase":"done"`)
	var tile tools.GetTilesetTileOutput
	e.ok(e.call(tools.ToolGetTilesetTile, map[string]any{"tileset": "carto_local.main.pts_agg", "z": 0, "x": 0, "y": 0}), &tile)
	data, err := base64.StdEncoding.DecodeString(tile.Data)
	require.NoError(t, err)
	assert.Equal(t, "gzip", tile.Encoding)
	layers, err := mvt.UnmarshalGzipped(data)
	require.NoError(t, err)
	require.Len(t, layers, 1)
	var total float64
	for _, f := range layers[0].Features {
		total += f.Properties["total"].(float64)
	}
	assert.Equal(t, 10.0, total)

	// Read-only servers have no submit_job: the CALL is refused as a query.
	ro := newLocalEnvWith(t, inProcess, "", localwarehouse.Options{ReadOnly: true}, tools.Options{ReadOnly: true})
	text = ro.failed(ro.call(tools.ToolRunQuery, map[string]any{"sql": aggSQL}))
	assert.Contains(t, text, "CALL")
}

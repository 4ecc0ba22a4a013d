package tools_test

import (
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/tools"
)

// The tileset loop through MCP on the local warehouse: make a table, tile it
// with submit_job, then load tiles the way a map view does, through the
// app-only get_tileset_tile.
func TestLocalTilesetTile(t *testing.T) {
	t.Parallel()
	e := newLocalEnv(t, inProcess, "")

	list, err := e.mcp.ListTools(testContext(t), mcp.ListToolsRequest{})
	require.NoError(t, err)
	var tool *mcp.Tool
	for i := range list.Tools {
		if list.Tools[i].Name == tools.ToolGetTilesetTile {
			tool = &list.Tools[i]
		}
	}
	require.NotNil(t, tool)
	require.NotNil(t, tool.Meta)
	assert.Equal(t, map[string]any{"visibility": []any{"app"}}, tool.Meta.AdditionalFields["ui"], "app-only")

	job := e.runJob(`CREATE TABLE pts AS
		SELECT i AS id, 'p' || i AS name, format('POINT ({} {})', (i % 36) * 10 - 175, (i // 36) * 10 - 45) AS geom
		FROM range(360) t(i)`)
	require.Equal(t, "success", job.Status, "%+v", job.Error)
	job = e.runJob(`CALL carto.CREATE_SIMPLE_TILESET('pts', 'pts_tiles',
		'{"zoom_max": 3, "properties": {"id": "Number", "name": "String"}}')`)
	require.Equal(t, "success", job.Status, "%+v", job.Error)
	assert.Contains(t, string(job.Provider), `"phase":"done"`)

	var tile tools.GetTilesetTileOutput
	e.ok(e.call(tools.ToolGetTilesetTile, map[string]any{"tileset": "pts_tiles", "z": 0, "x": 0, "y": 0, "include_tilejson": true}), &tile)
	assert.False(t, tile.Empty)
	assert.Equal(t, "mvt", tile.Format)
	data, err := base64.StdEncoding.DecodeString(tile.Data)
	require.NoError(t, err)
	assert.Len(t, data, tile.Bytes)
	layers, err := mvt.Unmarshal(data)
	require.NoError(t, err)
	require.Len(t, layers, 1)
	assert.Len(t, layers[0].Features, 360)
	var tj map[string]any
	require.NoError(t, json.Unmarshal(tile.TileJSON, &tj))
	assert.EqualValues(t, 3, tj["maxzoom"])

	var empty tools.GetTilesetTileOutput
	e.ok(e.call(tools.ToolGetTilesetTile, map[string]any{"tileset": "pts_tiles", "z": 3, "x": 0, "y": 7}), &empty)
	assert.True(t, empty.Empty, "no point that far south")
	assert.Empty(t, empty.Data)

	text := e.failed(e.call(tools.ToolGetTilesetTile, map[string]any{"tileset": "nothing", "z": 0, "x": 0, "y": 0}))
	assert.Contains(t, text, "No such tileset")
	text = e.failed(e.call(tools.ToolGetTilesetTile, map[string]any{"tileset": "pts_tiles", "z": 1, "x": 2, "y": 0}))
	assert.Contains(t, text, "does not exist")
}

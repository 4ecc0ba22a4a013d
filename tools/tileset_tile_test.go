package tools_test

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"io"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/cartofake"
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
	assert.Equal(t, "gzip", tile.Encoding)
	data, err := base64.StdEncoding.DecodeString(tile.Data)
	require.NoError(t, err)
	assert.Len(t, data, tile.Bytes)
	layers, err := mvt.UnmarshalGzipped(data)
	require.NoError(t, err)
	require.Len(t, layers, 1)
	assert.Len(t, layers[0].Features, 360)

	// The tile travels as the tileset stores it: the same gzip bytes, and
	// the same features as the stored tile decoded.
	var stored tools.RunQueryOutput
	e.ok(e.call(tools.ToolRunQuery, map[string]any{"sql": "SELECT to_base64(data) AS b FROM pts_tiles WHERE z = 0 AND x = 0 AND y = 0"}), &stored)
	require.Len(t, stored.Rows, 1)
	var storedB64 string
	require.NoError(t, json.Unmarshal(stored.Rows[0][0], &storedB64))
	assert.Equal(t, storedB64, tile.Data, "the stored gzip bytes, untouched")
	storedData, err := base64.StdEncoding.DecodeString(storedB64)
	require.NoError(t, err)
	want, err := mvt.UnmarshalGzipped(storedData)
	require.NoError(t, err)
	assert.Equal(t, want, layers)
	var tj map[string]any
	require.NoError(t, json.Unmarshal(tile.TileJSON, &tj))
	assert.EqualValues(t, 3, tj["maxzoom"])

	var empty tools.GetTilesetTileOutput
	e.ok(e.call(tools.ToolGetTilesetTile, map[string]any{"tileset": "pts_tiles", "z": 3, "x": 0, "y": 7}), &empty)
	assert.True(t, empty.Empty, "no point that far south")
	assert.Empty(t, empty.Data)
	assert.Empty(t, empty.Encoding)

	text := e.failed(e.call(tools.ToolGetTilesetTile, map[string]any{"tileset": "nothing", "z": 0, "x": 0, "y": 0}))
	assert.Contains(t, text, "No such tileset")
	text = e.failed(e.call(tools.ToolGetTilesetTile, map[string]any{"tileset": "pts_tiles", "z": 1, "x": 2, "y": 0}))
	assert.Contains(t, text, "does not exist")
}

// A remote tileset whose Maps API sends its tiles uncompressed: the server
// compresses them, so the view gets gzip either way.
func TestTilesetTileCompressedByTheServer(t *testing.T) {
	t.Parallel()
	fake := cartofake.New(t)
	fc := geojson.NewFeatureCollection()
	for i := range 100 {
		f := geojson.NewFeature(orb.Point{float64(i * 40), float64(i * 40)})
		f.Properties["name"] = "a store"
		fc.Append(f)
	}
	raw, err := mvt.Marshal(mvt.Layers{&mvt.Layer{Name: "default", Version: 2, Extent: 4096, Features: fc.Features}})
	require.NoError(t, err)
	fake.SetTileset("proj.ds.remote_tiles", []byte(`{"tilejson": "3.0.0", "minzoom": 0, "maxzoom": 3}`), map[[3]int][]byte{{1, 0, 1}: raw})
	e := newEnvOn(t, fake)

	var tile tools.GetTilesetTileOutput
	e.ok(e.call(tools.ToolGetTilesetTile, map[string]any{"tileset": "proj.ds.remote_tiles", "z": 1, "x": 0, "y": 1}), &tile)
	assert.Equal(t, "gzip", tile.Encoding)
	data, err := base64.StdEncoding.DecodeString(tile.Data)
	require.NoError(t, err)
	assert.Len(t, data, tile.Bytes)
	assert.Less(t, len(data), len(raw))
	zr, err := gzip.NewReader(bytes.NewReader(data))
	require.NoError(t, err)
	got, err := io.ReadAll(zr)
	require.NoError(t, err)
	assert.Equal(t, raw, got, "the MVT CARTO sent, compressed")

	var empty tools.GetTilesetTileOutput
	e.ok(e.call(tools.ToolGetTilesetTile, map[string]any{"tileset": "proj.ds.remote_tiles", "z": 1, "x": 1, "y": 1}), &empty)
	assert.True(t, empty.Empty)
	assert.Empty(t, empty.Encoding)
}

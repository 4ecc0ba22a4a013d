package tools_test

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"io"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/localwarehouse"
	"github.com/carto-mcp/carto-mcp/mapview/viewtest"
	"github.com/carto-mcp/carto-mcp/tools"
)

// tileTransfer sums what the tiles of one view cost on the wire.
type tileTransfer struct {
	Calls, Tiles int
	// ResultBytes are the CallToolResults as JSON (what the host relays),
	// DataBytes the tiles as sent (after base64), MVTBytes the tiles
	// decompressed.
	ResultBytes, DataBytes, MVTBytes int
	Gzipped                          int // tiles sent gzip-compressed
	// The page's CPU time in ms (Chromium's thread ticks) until the view
	// had drawn: tasks, and scripts among them.
	TaskMs, ScriptMs float64
}

// measureTransfer reads the view's tool calls: every one must have
// succeeded.
func measureTransfer(t *testing.T, calls []viewtest.ToolCall) tileTransfer {
	t.Helper()
	var m tileTransfer
	for _, c := range calls {
		require.NoError(t, c.Err)
		m.Calls++
		m.ResultBytes += len(c.Result)
		var r mcp.CallToolResult
		require.NoError(t, json.Unmarshal(c.Result, &r))
		require.False(t, r.IsError, "%s", c.Result)
		var out tools.GetTilesetTileOutput
		require.NoError(t, json.Unmarshal(r.RawStructuredContent, &out))
		if out.Empty {
			continue
		}
		m.Tiles++
		data, err := base64.StdEncoding.DecodeString(out.Data)
		require.NoError(t, err)
		m.DataBytes += len(data)
		if out.Encoding == "gzip" {
			require.Equal(t, []byte{0x1f, 0x8b}, data[:2], "gzip's magic")
			m.Gzipped++
			zr, err := gzip.NewReader(bytes.NewReader(data))
			require.NoError(t, err)
			data, err = io.ReadAll(zr)
			require.NoError(t, err)
		}
		m.MVTBytes += len(data)
	}
	return m
}

// TestViewMapTilesetTransfer shows two tilesets made from the demo data in
// the browser (demo.stores at zooms 1, 2 and 3, demo.countries at the zoom
// that fits) and logs what their tiles cost on the wire: run it with -v to
// read the numbers.
func TestViewMapTilesetTransfer(t *testing.T) {
	t.Parallel()
	browser := browserOrSkip(t)
	e := newLocalEnvWith(t, streamableHTTP, "", localwarehouse.Options{}, tools.Options{})
	for _, sql := range []string{
		`CALL carto.CREATE_SIMPLE_TILESET('demo.stores', 'stores_tiles', '{"zoom_max": 6,
			"properties": {"name": "String", "category": "String", "revenue": "Number", "store_id": "Number"}}')`,
		`CALL carto.CREATE_SIMPLE_TILESET('demo.countries', 'countries_tiles', '{"zoom_max": 4,
			"properties": {"name": "String", "continent": "String", "population": "Number"}}')`,
	} {
		job := e.runJob(sql)
		require.Equal(t, "success", job.Status, "%+v", job.Error)
	}
	var total tileTransfer
	for _, sc := range []struct {
		name string
		args map[string]any
	}{
		{"stores z1", map[string]any{"tileset": "stores_tiles", "zoom": 1}},
		{"stores z2", map[string]any{"tileset": "stores_tiles", "zoom": 2}},
		{"stores z3", map[string]any{"tileset": "stores_tiles", "zoom": 3}},
		{"countries", map[string]any{"tileset": "countries_tiles"}},
	} {
		sc.args["image"] = "never"
		got := showTilesetInBrowser(t, e, sc.args, viewtest.Options{Browser: browser, CallTool: forwardTo(e)})
		assert.Zero(t, got.Rendered.TileErrors, sc.name)
		assert.Positive(t, got.Rendered.Features, sc.name)
		m := measureTransfer(t, got.ToolCalls)
		assert.Equal(t, got.Rendered.TileCalls, m.Calls, sc.name)
		assert.Equal(t, m.Tiles, m.Gzipped, "%s: every tile sent as gzip", sc.name)
		assert.Equal(t, m.Gzipped, got.Rendered.GzipTiles, "%s: the view decompressed them", sc.name)
		assert.Equal(t, m.MVTBytes, got.Rendered.MVTBytes, sc.name)
		assert.Less(t, m.DataBytes, m.MVTBytes, sc.name)
		m.TaskMs, m.ScriptMs = got.Metrics["TaskDuration"]*1000, got.Metrics["ScriptDuration"]*1000
		t.Logf("%-10s zoom %v: %d calls, %d tiles; results %d B (%d B/tile), tiles as sent %d B (%d gzip), MVT %d B; "+
			"page CPU %.0f ms (scripts %.0f ms), inflating %.0f ms of wall time",
			sc.name, got.Rendered.Zoom, m.Calls, m.Tiles, m.ResultBytes, m.ResultBytes/max(m.Tiles, 1), m.DataBytes, m.Gzipped, m.MVTBytes,
			m.TaskMs, m.ScriptMs, got.Rendered.InflateMs)
		total.Calls += m.Calls
		total.Tiles += m.Tiles
		total.ResultBytes += m.ResultBytes
		total.DataBytes += m.DataBytes
		total.MVTBytes += m.MVTBytes
		total.Gzipped += m.Gzipped
		total.TaskMs += m.TaskMs
		total.ScriptMs += m.ScriptMs
	}
	assert.Less(t, 2*total.DataBytes, total.MVTBytes, "gzip makes the tiles at least twice smaller (the README says about 2.5 times)")
	t.Logf("total: %d calls, %d tiles; results %d B, tiles as sent %d B (%d gzip), MVT %d B; page CPU %.0f ms (scripts %.0f ms)",
		total.Calls, total.Tiles, total.ResultBytes, total.DataBytes, total.Gzipped, total.MVTBytes, total.TaskMs, total.ScriptMs)
}

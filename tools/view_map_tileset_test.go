package tools_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/paulmach/orb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/mappng"
	"github.com/carto-mcp/carto-mcp/mapstyle"
	"github.com/carto-mcp/carto-mcp/mapview"
	"github.com/carto-mcp/carto-mcp/mapview/viewtest"
	"github.com/carto-mcp/carto-mcp/tools"
)

// The features of the test tileset: a grid of points (four rows of 14,
// lon -120..140, lat -30..60, every 20° and 30°) and one square in the
// South Pacific, lon -170..-150, lat -50..-40.
var (
	tilesetPoints = func() []orb.Point {
		var ps []orb.Point
		for lat := -30.0; lat <= 60; lat += 30 {
			for lon := -120.0; lon <= 140; lon += 20 {
				ps = append(ps, orb.Point{lon, lat})
			}
		}
		return ps
	}()
	tilesetSquare = orb.Bound{Min: orb.Point{-170, -50}, Max: orb.Point{-150, -40}}
	// tilesetOcean is open sea, at least 10° from any feature.
	tilesetOcean = []orb.Point{{-150, 15}, {-140, 45}, {-30, 15}, {-20, -15}, {70, -15}}
)

// makeTileset creates the test tileset on the local warehouse the way a
// user does: a table, then CALL carto.CREATE_SIMPLE_TILESET through
// submit_job, waited for.
func makeTileset(t *testing.T, e *env, name string, zoomMax int) {
	t.Helper()
	var job tools.SubmitJobOutput
	e.ok(e.call(tools.ToolSubmitJob, map[string]any{"wait_seconds": 50, "sql": `CREATE TABLE ` + name + `_src AS
		SELECT i AS id, 'p' || i AS name, format('POINT ({} {})', (i % 14) * 20 - 120, (i // 14) * 30 - 30) AS geom
		FROM range(56) t(i)
		UNION ALL SELECT 56, 'square', 'POLYGON ((-170 -50, -150 -50, -150 -40, -170 -40, -170 -50))'`}), &job)
	require.Equal(t, "success", job.Status, "%+v", job.Error)
	e.ok(e.call(tools.ToolSubmitJob, map[string]any{"wait_seconds": 50, "sql": `CALL carto.CREATE_SIMPLE_TILESET('` + name + `_src', '` + name + `',
		'{"zoom_max": ` + jsonInt(zoomMax) + `, "properties": {"id": "Number", "name": "String"}}')`}), &job)
	require.Equal(t, "success", job.Status, "%+v", job.Error)
}

func jsonInt(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestViewMapTileset: view_map opens a tileset made on --local through a
// real MCP session; the result tells the view where to get the tiles, and
// the text tells the model what the tileset holds.
func TestViewMapTileset(t *testing.T) {
	t.Parallel()
	e := newLocalEnv(t, streamableHTTP, "")
	makeTileset(t, e, "grid_tiles", 4)

	res := e.call(tools.ToolViewMap, map[string]any{"tileset": "grid_tiles", "image": "never"})
	var out tools.ViewMapOutput
	text := e.ok(res, &out)
	assert.Equal(t, "mvt", out.GeometryFormat)
	assert.Equal(t, 57, out.FeatureCount, "from the tileset's tilestats")
	assert.Equal(t, []string{"id", "name"}, out.Columns)
	assert.False(t, out.Image)
	require.NotNil(t, out.Tileset)
	assert.Equal(t, "grid_tiles", out.Tileset.Name)
	assert.Equal(t, 0, out.Tileset.MinZoom)
	assert.Equal(t, 4, out.Tileset.MaxZoom)
	assert.Equal(t, 1, out.Tileset.Zoom, "the world-wide grid fits 640x400 at zoom 1")
	assert.InDeltaSlice(t, []float64{-170, -50, 140, 60}, out.Tileset.Bounds, 1e-6)
	assert.Contains(t, text, "Tileset grid_tiles on connection carto_local: 57 features")
	assert.Contains(t, text, "zoom levels 0 to 4")
	assert.Contains(t, text, "properties: id (Number), name (String)")

	require.NotNil(t, res.Meta)
	var meta struct {
		Name, Connection, Tool string
		MinZoom                int       `json:"minzoom"`
		MaxZoom                int       `json:"maxzoom"`
		Bounds                 []float64 `json:"bounds"`
		Zoom                   *int      `json:"zoom"`
	}
	b, err := json.Marshal(res.Meta.AdditionalFields[mapview.TilesetKey])
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &meta))
	assert.Equal(t, "grid_tiles", meta.Name)
	assert.Equal(t, "carto_local", meta.Connection)
	assert.Equal(t, tools.ToolGetTilesetTile, meta.Tool, "the view loads tiles through the app-only tool")
	assert.Equal(t, 4, meta.MaxZoom)
	assert.Nil(t, meta.Zoom, "no zoom given: the view fits the bounds")
	assert.Nil(t, res.Meta.AdditionalFields[mapview.GeoJSONKey], "no features inline: the view loads tiles")

	// An explicit zoom inside the range is passed on.
	res = e.call(tools.ToolViewMap, map[string]any{"tileset": "grid_tiles", "zoom": 3, "image": "never"})
	e.ok(res, &out)
	assert.Equal(t, 3, out.Tileset.Zoom)
	b, _ = json.Marshal(res.Meta.AdditionalFields[mapview.TilesetKey])
	require.NoError(t, json.Unmarshal(b, &meta))
	require.NotNil(t, meta.Zoom)
	assert.Equal(t, 3, *meta.Zoom)

	// The picture, for hosts without MCP Apps: the tileset drawn from its
	// tiles at the zoom that fits.
	res = e.call(tools.ToolViewMap, map[string]any{"tileset": "grid_tiles", "image": "always"})
	require.False(t, res.IsError, "%v", res.Content)
	require.Len(t, res.Content, 2)
	img, ok := res.Content[1].(mcp.ImageContent)
	require.True(t, ok)
	data, err := base64.StdEncoding.DecodeString(img.Data)
	require.NoError(t, err)
	pic, err := png.Decode(bytes.NewReader(data))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(res.RawStructuredContent, &out))
	assert.True(t, out.Image)
	assert.Equal(t, 1, out.Tileset.PictureZoom)
	assert.Equal(t, 4, out.Tileset.PictureTiles, "zoom 1: four tiles, all with features")
	prj := mappng.Fit(orb.Bound{Min: orb.Point{-170, -50}, Max: orb.Point{140, 60}}, 640, 400)
	feature := mapstyle.Parse(mapstyle.DefaultColor)
	for _, p := range tilesetPoints {
		px := prj.Point(p)
		if px[0] < 150 && px[1] < 30 {
			continue // under the caption
		}
		assert.True(t, colourNear(pic, px, 2, feature, 40), "point %v at %v is drawn", p, px)
	}
	assert.True(t, colourNear(pic, prj.Point(tilesetSquare.Center()), 0, over(feature, oceanColour, 140.0/255), 12), "the square is filled")
	for _, p := range tilesetOcean {
		assert.True(t, colourNear(pic, prj.Point(p), 0, oceanColour, 3), "ocean at %v is empty", p)
	}
}

// over is c with alpha a over background bg.
func over(c, bg color.RGBA, a float64) color.RGBA {
	mix := func(x, y uint8) uint8 { return uint8(float64(x)*a + float64(y)*(1-a) + 0.5) }
	return color.RGBA{mix(c.R, bg.R), mix(c.G, bg.G), mix(c.B, bg.B), 0xff}
}

// TestViewMapTilesetErrors: a tileset that is not there, a table that is
// not a tileset, a zoom out of range, arguments that do not apply.
func TestViewMapTilesetErrors(t *testing.T) {
	t.Parallel()
	e := newLocalEnv(t, inProcess, "")
	makeTileset(t, e, "err_tiles", 2)

	text := e.failed(e.call(tools.ToolViewMap, map[string]any{"tileset": "no_such_tiles"}))
	assert.Contains(t, text, "could not open tileset no_such_tiles")
	assert.Contains(t, text, "No such tileset")
	text = e.failed(e.call(tools.ToolViewMap, map[string]any{"tileset": "err_tiles_src"}))
	assert.Contains(t, text, "is not a tileset")
	assert.Contains(t, text, "pass sql")
	text = e.failed(e.call(tools.ToolViewMap, map[string]any{"tileset": "err_tiles", "zoom": 5}))
	assert.Contains(t, text, "`zoom` 5 is outside tileset err_tiles's zoom levels 0..2")
	text = e.failed(e.call(tools.ToolViewMap, map[string]any{"tileset": "err_tiles", "color_by": "name"}))
	assert.Contains(t, text, "`color_by` does not apply to a tileset")
	text = e.failed(e.call(tools.ToolViewMap, map[string]any{"tileset": "err_tiles", "sql": "SELECT 1"}))
	assert.Contains(t, text, "give exactly one of `sql`, `rows`, `geojson` or `tileset`")
	text = e.failed(e.call(tools.ToolViewMap, map[string]any{"sql": "SELECT 'POINT (1 2)' AS geom", "zoom": 3}))
	assert.Contains(t, text, "`zoom` applies only with `tileset`")
}

// TestViewMapTilesetInBrowser shows a tileset as a person sees it: the
// view in a sandboxed iframe under the MCP Apps default CSP loads the tiles
// through the host, whose tools/call goes to a real server session on
// --local, and draws them: the points and the square in the features'
// colour, the ocean left empty.
func TestViewMapTilesetInBrowser(t *testing.T) {
	t.Parallel()
	browser := browserOrSkip(t)
	e := newLocalEnv(t, streamableHTTP, "")
	makeTileset(t, e, "view_tiles", 4)
	dir := t.TempDir()
	// After the screenshot, a click on the point at 20° E, 30° N (the 36th,
	// id 35) shows its properties.
	clickAt := func(r viewtest.Rendered) (float64, float64) { return r.Pixel(20, 30) }
	got := showTilesetInBrowser(t, e, map[string]any{"tileset": "view_tiles", "image": "never"},
		viewtest.Options{Browser: browser, Dir: dir, CallTool: forwardTo(e), Click: clickAt})
	assert.Equal(t, "id\t35\nname\tp35", got.Popup, "the clicked feature's properties, as a table")
	shot := filepath.Join(dir, "view_map_tileset.png")
	require.NoError(t, os.WriteFile(shot, got.Screenshot, 0o644))
	t.Logf("screenshot: %s", shot)
	if p := os.Getenv("VIEW_MAP_TILESET_SCREENSHOT"); p != "" {
		require.NoError(t, os.WriteFile(p, got.Screenshot, 0o644))
	}

	// Every tile came through get_tileset_tile, inside the tileset's zoom levels.
	require.NotEmpty(t, got.ToolCalls, "the view asked the host for tiles")
	for _, c := range got.ToolCalls {
		assert.Equal(t, tools.ToolGetTilesetTile, c.Name)
		require.NoError(t, c.Err)
		var a tools.GetTilesetTileInput
		require.NoError(t, json.Unmarshal(c.Arguments, &a))
		assert.Equal(t, "view_tiles", a.Tileset)
		assert.Equal(t, "carto_local", a.Connection)
		assert.Equal(t, 1, a.Z, "the zoom that fits the tileset's bounds")
		var r mcp.CallToolResult
		require.NoError(t, json.Unmarshal(c.Result, &r))
		assert.False(t, r.IsError, "%s", c.Result)
	}
	assert.Len(t, got.ToolCalls, 4, "zoom 1: four tiles, each asked for once")
	assert.Equal(t, 4, got.Rendered.Tiles)
	assert.Zero(t, got.Rendered.TileErrors)
	assert.Equal(t, 4, got.Rendered.TileCalls)
	assert.Regexp(t, `^view_tiles · zoom 1 · 4 tiles, 57 features$`, got.Status, "the view's own status line")
	assert.Equal(t, 57, got.Rendered.Features, "every feature drawn and counted once, though those on tile edges are in two tiles")

	img, err := png.Decode(bytes.NewReader(got.Screenshot))
	require.NoError(t, err)
	feature := mapstyle.Parse(mapstyle.DefaultColor)
	r := got.Rendered
	checked := 0
	for _, p := range tilesetPoints {
		x, y := r.Pixel(p[0], p[1])
		if x < 60 || y < 40 || x > r.Size[0]-10 || y > r.Size[1]-20 {
			continue // under the controls or the status line, or at the edge
		}
		checked++
		assert.True(t, colourNear(img, orb.Point{x, y}, 2, feature, 40), "point %v at (%.0f, %.0f) is drawn", p, x, y)
	}
	assert.GreaterOrEqual(t, checked, 30, "enough points are checked")
	x, y := r.Pixel(tilesetSquare.Center()[0], tilesetSquare.Center()[1])
	assert.True(t, colourNear(img, orb.Point{x, y}, 0, over(feature, oceanColour, 0.55), 12), "the square at (%.0f, %.0f) is filled", x, y)
	for _, p := range tilesetOcean {
		x, y := r.Pixel(p[0], p[1])
		assert.True(t, colourNear(img, orb.Point{x, y}, 0, oceanColour, 3), "ocean at %v (%.0f, %.0f) is empty", p, x, y)
	}

	// Opened at a zoom: the tiles of that zoom in view, each asked for once.
	got = showTilesetInBrowser(t, e, map[string]any{"tileset": "view_tiles", "zoom": 3, "image": "never"},
		viewtest.Options{Browser: browser, CallTool: forwardTo(e)})
	assert.EqualValues(t, 3, got.Rendered.Zoom)
	seen := map[[3]int]bool{}
	for _, c := range got.ToolCalls {
		var a tools.GetTilesetTileInput
		require.NoError(t, json.Unmarshal(c.Arguments, &a))
		assert.Equal(t, 3, a.Z)
		k := [3]int{a.Z, a.X, a.Y}
		assert.False(t, seen[k], "tile %v asked for twice", k)
		seen[k] = true
	}
	assert.Greater(t, len(seen), 4, "a zoom-3 view spans more tiles than the whole zoom-1 world")
	assert.Equal(t, len(seen), got.Rendered.TileCalls)
	assert.Zero(t, got.Rendered.TileErrors)
	assert.Regexp(t, `^view_tiles · zoom 3 · \d+ tiles?( \(and \d+ empty\))?, \d+ features?$`, got.Status)
}

// TestViewMapTilesetInBrowserNoServerTools: in a host that does not let
// views call server tools, the view says the tiles could not be loaded and
// why, rather than showing an empty map.
func TestViewMapTilesetInBrowserNoServerTools(t *testing.T) {
	t.Parallel()
	browser := browserOrSkip(t)
	e := newLocalEnv(t, inProcess, "")
	makeTileset(t, e, "lone_tiles", 2)
	got := showTilesetInBrowser(t, e, map[string]any{"tileset": "lone_tiles", "image": "never"}, viewtest.Options{Browser: browser})
	assert.Empty(t, got.ToolCalls)
	assert.Zero(t, got.Rendered.Tiles)
	assert.Equal(t, 4, got.Rendered.TileErrors, "each of the four tiles at zoom 1 failed once")
	assert.Contains(t, got.Status, "4 tile errors: not supported by the test host (this host may not let the map call server tools)")
}

// showTilesetInBrowser calls view_map with args and shows its result in
// the test host; the view must run without a CSP violation or script error.
func showTilesetInBrowser(t *testing.T, e *env, args map[string]any, opts viewtest.Options) *viewtest.Result {
	t.Helper()
	res := e.call(tools.ToolViewMap, args)
	require.False(t, res.IsError, "%v", res.Content)
	result, err := json.Marshal(res)
	require.NoError(t, err)
	opts.Input = args
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	got, err := viewtest.Run(testContext(t), mapview.HTML(), result, opts)
	require.NoError(t, err)
	assert.Empty(t, got.Violations, "CSP violations")
	assert.Empty(t, got.Errors, "script errors")
	return got
}

// forwardTo answers the view's tool calls through e's real MCP session.
func forwardTo(e *env) func(context.Context, string, json.RawMessage) (json.RawMessage, error) {
	return func(ctx context.Context, name string, args json.RawMessage) (json.RawMessage, error) {
		var req mcp.CallToolRequest
		req.Params.Name = name
		req.Params.Arguments = args
		r, err := e.mcp.CallTool(ctx, req)
		if err != nil {
			return nil, err
		}
		return json.Marshal(r)
	}
}

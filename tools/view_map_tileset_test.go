package tools_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
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
	res, _ = pictureCall(t, e, map[string]any{"tileset": "grid_tiles", "image": "always"}, &out)
	pic := pictureOf(t, res, "picture_grid")
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
	text = e.failed(e.call(tools.ToolViewMap, map[string]any{"tileset": "err_tiles", "geometry_column": "geom"}))
	assert.Contains(t, text, "`geometry_column` does not apply to a tileset")
	text = e.failed(e.call(tools.ToolViewMap, map[string]any{"tileset": "err_tiles", "color_by": "nmae"}))
	assert.Contains(t, text, "`color_by` \"nmae\" is not a property of tileset err_tiles; its properties are id, name. Did you mean \"name\"?")
	text = e.failed(e.call(tools.ToolViewMap, map[string]any{"tileset": "err_tiles", "label_column": "name"}))
	assert.Contains(t, text, "`label_column` is not supported with a tileset")
	assert.Contains(t, text, "clicking a feature on the map shows its properties")

	// A tileset made without tilestats cannot fix its classes up front:
	// the error says how to remake it.
	var job tools.SubmitJobOutput
	e.ok(e.call(tools.ToolSubmitJob, map[string]any{"wait_seconds": 50, "sql": `CALL carto.CREATE_SIMPLE_TILESET('err_tiles_src', 'bare_tiles',
		'{"zoom_max": 1, "properties": {"id": "Number"}, "target_tilestats": false}')`}), &job)
	require.Equal(t, "success", job.Status, "%+v", job.Error)
	text = e.failed(e.call(tools.ToolViewMap, map[string]any{"tileset": "bare_tiles", "color_by": "id"}))
	assert.Contains(t, text, "Tileset bare_tiles's metadata has no tilestats for property id")
	assert.Contains(t, text, `"target_tilestats": true`)
	var out tools.ViewMapOutput
	e.ok(e.call(tools.ToolViewMap, map[string]any{"tileset": "bare_tiles", "image": "never"}), &out)
	assert.Equal(t, 57, out.FeatureCount, "without color_by it shows in one colour")
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
	// The tiles came gzip-compressed, and the view decompressed every one
	// of them before drawing them (the pixels and the popup below).
	sent := measureTransfer(t, got.ToolCalls)
	assert.Equal(t, 4, sent.Gzipped, "every tile was sent as gzip")
	assert.Equal(t, 4, got.Rendered.GzipTiles, "the view decompressed four gzip tiles")
	assert.Equal(t, sent.DataBytes, got.Rendered.TileBytes, "the view received the gzip bytes")
	assert.Equal(t, sent.MVTBytes, got.Rendered.MVTBytes, "and decompressed them to the MVT")
	assert.Less(t, sent.DataBytes, sent.MVTBytes)
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

// TestViewMapTilesetInBrowserNoDecompression: in a browser without
// DecompressionStream the gzip tiles cannot be read, and the view says so.
func TestViewMapTilesetInBrowserNoDecompression(t *testing.T) {
	t.Parallel()
	browser := browserOrSkip(t)
	e := newLocalEnv(t, inProcess, "")
	makeTileset(t, e, "old_browser_tiles", 2)
	args := map[string]any{"tileset": "old_browser_tiles", "image": "never"}
	res := e.call(tools.ToolViewMap, args)
	require.False(t, res.IsError, "%v", res.Content)
	result, err := json.Marshal(res)
	require.NoError(t, err)
	// The view's script runs after this one, which takes the API away.
	html := strings.Replace(mapview.HTML(), "<script>", "<script>delete window.DecompressionStream;</script><script>", 1)
	require.NotEqual(t, mapview.HTML(), html)
	got, err := viewtest.Run(testContext(t), html, result, viewtest.Options{Browser: browser, Input: args, Dir: t.TempDir(), CallTool: forwardTo(e)})
	require.NoError(t, err)
	assert.Empty(t, got.Violations, "CSP violations")
	assert.Empty(t, got.Errors, "script errors")
	assert.Len(t, got.ToolCalls, 4, "the tiles came")
	assert.Zero(t, got.Rendered.Tiles)
	assert.Equal(t, 4, got.Rendered.TileErrors)
	assert.Contains(t, got.Status, "4 tile errors: tiles come gzip-compressed and this browser cannot decompress them (it has no DecompressionStream)")
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

// makeStyledTilesets makes two tilesets of the test grid's 56 points on
// --local: prefix_kinds (CREATE_SIMPLE_TILESET) with a text property kind,
// shop, school or park by turns, and prefix_counts
// (CREATE_POINT_AGGREGATION_TILESET, zoom 0 to 2) whose cells count the
// points at each grid place: point j stands there j%5+1 times, and the
// cells of zooms 1 and 2 hold one place each. gridCount and gridKind give
// those values.
func makeStyledTilesets(t *testing.T, e *env, prefix string) {
	t.Helper()
	var job tools.SubmitJobOutput
	for _, sql := range []string{
		`CREATE TABLE ` + prefix + `_src AS
		SELECT j AS id, ['shop', 'school', 'park'][j % 3 + 1] AS kind, format('POINT ({} {})', (j % 14) * 20 - 120, (j // 14) * 30 - 30) AS geom
		FROM range(56) t(j), range(5) r(c) WHERE c <= j % 5`,
		`CALL carto.CREATE_SIMPLE_TILESET('` + prefix + `_src', '` + prefix + `_kinds', '{"zoom_max": 2, "properties": {"kind": "String"}}')`,
		`CALL carto.CREATE_POINT_AGGREGATION_TILESET('` + prefix + `_src', '` + prefix + `_counts', '{"zoom_max": 2, "aggregation_resolution": 4,
			"aggregation_placement": "features-centroid", "properties": {"count": {"formula": "COUNT(*)", "type": "Number"}}}')`,
	} {
		e.ok(e.call(tools.ToolSubmitJob, map[string]any{"wait_seconds": 50, "sql": sql}), &job)
		require.Equal(t, "success", job.Status, "%+v", job.Error)
	}
}

func gridCount(j int) float64 { return float64(j%5 + 1) }
func gridKind(j int) string   { return []string{"shop", "school", "park"}[j%3] }

var gridBound = orb.Bound{Min: orb.Point{-120, -30}, Max: orb.Point{140, 60}}

// styleOf reads the style a view_map result carries for the view.
func styleOf(t *testing.T, res *mcp.CallToolResult) *mapstyle.Style {
	t.Helper()
	require.NotNil(t, res.Meta)
	b, err := json.Marshal(res.Meta.AdditionalFields[mapview.StyleKey])
	require.NoError(t, err)
	var s mapstyle.Style
	require.NoError(t, json.Unmarshal(b, &s))
	return &s
}

// TestViewMapTilesetColorBy: color_by on a tileset classes its features by
// the tileset's tilestats, known before any tile loads: quantile classes
// of an aggregation tileset's count, the categories of a text property.
// The legend is in the result and the text, and the PNG for hosts without
// MCP Apps draws each point in its class's colour.
func TestViewMapTilesetColorBy(t *testing.T) {
	t.Parallel()
	e := newLocalEnv(t, streamableHTTP, "")
	makeStyledTilesets(t, e, "styled")

	var out tools.ViewMapOutput
	res, text := pictureCall(t, e, map[string]any{"tileset": "styled_counts", "color_by": "count", "image": "always"}, &out)
	assert.Equal(t, "count", out.ColorBy)
	// 56 cells at zoom_max with counts 1 (12 cells) and 2..5 (11 each):
	// the quintile breaks are 1, 2, 3 and 4.
	want := []tools.LegendEntry{{Label: "≤ 1", Color: "#f3e79b"}, {Label: "1 – 2", Color: "#fab27f"}, {Label: "2 – 3", Color: "#eb7f86"},
		{Label: "3 – 4", Color: "#b95e9a"}, {Label: "> 4", Color: "#5c53a5"}}
	assert.Equal(t, want, out.Legend)
	assert.Contains(t, text, "Coloured by count in quantile classes from the tileset's tilestats (the same at every zoom and wherever the user pans): ≤ 1 #f3e79b; 1 – 2 #fab27f;")
	assert.Contains(t, text, "This is a point aggregation tileset: its tilestats describe the cells of zoom 2", "the picture is at zoom 1")
	style := styleOf(t, res)
	assert.True(t, style.ByValue, "the view classes each feature by its value")
	assert.Equal(t, []float64{1, 2, 3, 4}, style.Breaks)
	assert.Nil(t, res.Meta.AdditionalFields[mapview.GeoJSONKey])

	pic := pictureOf(t, res, "picture_count")
	prj := mappng.Fit(gridBound, 640, 400)
	checked := map[int]int{}
	for j, p := range tilesetPoints {
		px := prj.Point(p)
		if px[0] < 150 && px[1] < 30 || underPictureLegend(px, len(out.Legend)) {
			continue // under the caption or the legend
		}
		class := style.ClassOf(gridCount(j))
		checked[class]++
		assert.True(t, colourNear(pic, px, 1, mapstyle.Parse(out.Legend[class].Color), 30),
			"point %d (count %v) at %v is drawn in its class's colour %s", j, gridCount(j), px, out.Legend[class].Color)
	}
	assert.Len(t, checked, 5, "points of every class are checked: %v", checked)

	res, text = pictureCall(t, e, map[string]any{"tileset": "styled_kinds", "color_by": "kind", "image": "always"}, &out)
	labels := []string{}
	for _, l := range out.Legend {
		labels = append(labels, l.Label)
	}
	assert.ElementsMatch(t, []string{"shop", "school", "park"}, labels, "every value, no other: the tilestats list them all")
	assert.Contains(t, text, "Coloured by kind in categories by frequency from the tileset's tilestats")
	assert.NotContains(t, text, "point aggregation")
	style = styleOf(t, res)
	pic = pictureOf(t, res, "picture_kind")
	checked = map[int]int{}
	for j, p := range tilesetPoints {
		px := prj.Point(p)
		if px[0] < 150 && px[1] < 30 || underPictureLegend(px, len(out.Legend)) {
			continue
		}
		class := style.ClassOf(gridKind(j))
		require.GreaterOrEqual(t, class, 0)
		checked[class]++
		assert.True(t, colourNear(pic, px, 1, mapstyle.Parse(out.Legend[class].Color), 30),
			"point %d (%s) at %v is drawn in %s", j, gridKind(j), px, out.Legend[class].Color)
	}
	assert.Len(t, checked, 3, "points of every kind are checked")
}

// underPictureLegend reports whether px may be under the 640x400
// picture's legend of n entries (a title and a line per entry, 16 pixels
// each), in either bottom corner.
func underPictureLegend(px orb.Point, n int) bool {
	top := 400.0 - 8 - float64((n+1)*16+8) - 6
	return px[1] > top && (px[0] < 180 || px[0] > 640-180)
}

// pictureCall calls view_map with args, which must succeed with a text and
// a picture, and reads its structured output into out.
func pictureCall(t *testing.T, e *env, args map[string]any, out *tools.ViewMapOutput) (*mcp.CallToolResult, string) {
	t.Helper()
	res := e.call(tools.ToolViewMap, args)
	require.False(t, res.IsError, "%v", res.Content)
	require.NoError(t, json.Unmarshal(res.RawStructuredContent, out))
	require.NotEmpty(t, res.Content)
	text, ok := res.Content[0].(mcp.TextContent)
	require.True(t, ok)
	return res, text.Text
}

// pictureOf decodes the PNG of a view_map result (and writes it to
// $VIEW_MAP_TILESET_STYLE_SCREENSHOTS, when set, as name.png).
func pictureOf(t *testing.T, res *mcp.CallToolResult, name string) image.Image {
	t.Helper()
	require.Len(t, res.Content, 2, "a text and a picture")
	img, ok := res.Content[1].(mcp.ImageContent)
	require.True(t, ok)
	data, err := base64.StdEncoding.DecodeString(img.Data)
	require.NoError(t, err)
	if d := os.Getenv("VIEW_MAP_TILESET_STYLE_SCREENSHOTS"); d != "" {
		require.NoError(t, os.WriteFile(filepath.Join(d, name+".png"), data, 0o644))
	}
	pic, err := png.Decode(bytes.NewReader(data))
	require.NoError(t, err)
	return pic
}

// TestViewMapTilesetColorByInBrowser: the view draws each tileset feature,
// as its tiles arrive through the host from a real --local session, in the
// colour the legend it shows gives the feature's class: a number
// (aggregation counts in quantile classes) and a text property.
func TestViewMapTilesetColorByInBrowser(t *testing.T) {
	t.Parallel()
	browser := browserOrSkip(t)
	e := newLocalEnv(t, streamableHTTP, "")
	makeStyledTilesets(t, e, "shown")
	for _, c := range []struct {
		tileset, colorBy string
		value            func(j int) any
		classes          int
		features         int
	}{
		// 56 cells; 166 points (12 places once, 11 each 2 to 5 times).
		{"shown_counts", "count", func(j int) any { return gridCount(j) }, 5, 56},
		{"shown_kinds", "kind", func(j int) any { return gridKind(j) }, 3, 166},
	} {
		args := map[string]any{"tileset": c.tileset, "color_by": c.colorBy, "image": "never"}
		dir := t.TempDir()
		got := showTilesetInBrowser(t, e, args, viewtest.Options{Browser: browser, Dir: dir, CallTool: forwardTo(e)})
		shot := filepath.Join(dir, "view_map_"+c.colorBy+".png")
		require.NoError(t, os.WriteFile(shot, got.Screenshot, 0o644))
		t.Logf("screenshot: %s", shot)
		if d := os.Getenv("VIEW_MAP_TILESET_STYLE_SCREENSHOTS"); d != "" {
			require.NoError(t, os.WriteFile(filepath.Join(d, filepath.Base(shot)), got.Screenshot, 0o644))
		}
		require.Zero(t, got.Rendered.TileErrors)
		require.Positive(t, got.Rendered.Tiles)
		assert.Equal(t, c.features, got.Rendered.Features, "every feature drawn and counted once")

		// The legend the view shows is the server's.
		res := e.call(tools.ToolViewMap, args)
		style := styleOf(t, res)
		legend := got.Rendered.Legend
		require.Len(t, legend, len(style.Legend), "%s: the legend drawn: %+v", c.colorBy, legend)
		shown := make([]color.RGBA, len(legend))
		for i, l := range legend {
			assert.Equal(t, style.Legend[i].Label, l.Label)
			rgba, ok := l.RGBA()
			require.True(t, ok, "swatch colour %q", l.Color)
			assert.Equal(t, mapstyle.Parse(style.Legend[i].Color), rgba, "%s: swatch %d", c.colorBy, i)
			shown[i] = rgba
		}

		// Each point is drawn in its class's swatch colour: near its centre,
		// and nearer to it than to any other swatch.
		img, err := png.Decode(bytes.NewReader(got.Screenshot))
		require.NoError(t, err)
		r := got.Rendered
		checked := map[int]int{}
		for j, p := range tilesetPoints {
			x, y := r.Pixel(p[0], p[1])
			if x < 60 || y < 40 || x > r.Size[0]-10 || y > r.Size[1]-20 || x > r.Size[0]-180 && y > r.Size[1]-150 {
				continue // under the controls, the status line or the legend, or at the edge
			}
			class := style.ClassOf(c.value(j))
			require.GreaterOrEqual(t, class, 0)
			checked[class]++
			assert.True(t, colourNear(img, orb.Point{x, y}, 1, shown[class], 30),
				"%s: point %d (%v) at (%.0f, %.0f) is drawn in %s", c.colorBy, j, c.value(j), x, y, legend[class].Label)
			assert.Equal(t, class, nearestColour(img.At(int(x+0.5), int(y+0.5)), shown),
				"%s: point %d (%v) at (%.0f, %.0f) is nearest to its class's colour", c.colorBy, j, c.value(j), x, y)
		}
		assert.Len(t, checked, c.classes, "%s: points of every class are checked: %v", c.colorBy, checked)
	}
}

// nearestColour is the index of the colour in cs nearest to c.
func nearestColour(c color.Color, cs []color.RGBA) int {
	r, g, b, _ := c.RGBA()
	best, bestD := -1, 1<<30
	for i, x := range cs {
		d := absDiff(r>>8, x.R) + absDiff(g>>8, x.G) + absDiff(b>>8, x.B)
		if d < bestD {
			best, bestD = i, d
		}
	}
	return best
}

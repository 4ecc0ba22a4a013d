package tools_test

import (
	"bytes"
	"encoding/json"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/paulmach/orb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/mapstyle"
	"github.com/carto-mcp/carto-mcp/mapview"
	"github.com/carto-mcp/carto-mcp/mapview/viewtest"
	"github.com/carto-mcp/carto-mcp/tools"
)

// browserOrSkip returns headless Chromium's path. Without one the test is
// skipped, unless CARTO_MCP_BROWSER_TESTS=required (as .ci/run sets).
func browserOrSkip(t *testing.T) string {
	t.Helper()
	b := viewtest.Browser()
	if b == "" {
		if os.Getenv("CARTO_MCP_BROWSER_TESTS") == "required" {
			t.Fatal("no headless Chromium: apt-get install chromium-headless-shell")
		}
		t.Skip("no headless Chromium (apt-get install chromium-headless-shell)")
	}
	return b
}

// TestViewMapInBrowser renders a view_map result as a person would see it:
// the server's view in a sandboxed iframe under the MCP Apps default CSP,
// fed by a test host over the real protocol. The demo cities must be drawn
// at their places, in their legend colours, and the ocean left empty.
func TestViewMapInBrowser(t *testing.T) {
	t.Parallel()
	browser := browserOrSkip(t)
	srv := demoServer(t, tools.Options{})
	mc, _, _ := mapSession(t, srv, true, "")
	// No labels: they would cover the points whose colour is checked.
	args := map[string]any{
		"sql":      "SELECT name, country, population, geom FROM demo.cities ORDER BY population DESC LIMIT 40",
		"color_by": "population",
	}
	res := callMap(t, mc, args)
	require.False(t, res.IsError, "%v", res.Content)
	result, err := json.Marshal(res)
	require.NoError(t, err)

	dir := t.TempDir()
	got, err := viewtest.Run(testContext(t), mapview.HTML(), result, viewtest.Options{Browser: browser, Input: args, Dir: dir})
	require.NoError(t, err)
	shot := filepath.Join(dir, "view_map.png")
	require.NoError(t, os.WriteFile(shot, got.Screenshot, 0o644))
	t.Logf("screenshot: %s", shot)
	if p := os.Getenv("VIEW_MAP_SCREENSHOT"); p != "" {
		require.NoError(t, os.WriteFile(p, got.Screenshot, 0o644))
	}

	assert.Empty(t, got.Violations, "CSP violations")
	assert.Empty(t, got.Errors, "script errors")
	assert.Zero(t, got.SentBeforeInit, "the host sent nothing before initialized")
	assert.Equal(t, "40 features", got.Status, "the view's own status line")
	assert.Equal(t, 40, got.Rendered.Features)
	var size struct{ Width, Height float64 }
	require.NoError(t, json.Unmarshal(got.SizeChanged, &size), "the view reports its size")
	assert.Positive(t, size.Height)
	assert.JSONEq(t, `{"jsonrpc":"2.0","id":"teardown-1","result":{}}`, string(got.Teardown))
	var first struct {
		Method string `json:"method"`
		Params struct {
			ProtocolVersion string `json:"protocolVersion"`
		} `json:"params"`
	}
	require.NotEmpty(t, got.Messages)
	require.NoError(t, json.Unmarshal(got.Messages[0], &first))
	assert.Equal(t, "ui/initialize", first.Method)
	assert.Equal(t, "2026-01-26", first.Params.ProtocolVersion)

	img, err := png.Decode(bytes.NewReader(got.Screenshot))
	require.NoError(t, err)
	var style mapstyle.Style
	b, err := json.Marshal(res.Meta.AdditionalFields[mapview.StyleKey])
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &style))

	feats := featuresOf(t, res)
	var pixels []orb.Point
	for _, f := range feats {
		x, y := got.Rendered.Pixel(f.Geometry.(orb.Point)[0], f.Geometry.(orb.Point)[1])
		pixels = append(pixels, orb.Point{x, y})
	}
	checked := 0
	for i, f := range feats {
		p := pixels[i]
		if p[0] < 60 || p[1] < 40 || p[0] > got.Rendered.Size[0]-10 || p[1] > got.Rendered.Size[1]-10 || crowded(pixels, i, 14) {
			continue // under the controls, at the edge, or overlapping another city
		}
		checked++
		assert.True(t, colourNear(img, p, 2, style.ColorOf(i), 40), "%s at %v is drawn in %v", f.Properties["name"], p, style.ColorOf(i))
	}
	assert.GreaterOrEqual(t, checked, 10, "enough cities are checked")
	oceans := 0
	for _, ll := range []orb.Point{{-35, 20}, {-30, -10}, {-150, 10}, {65, -15}, {-140, -30}, {160, -40}} {
		x, y := got.Rendered.Pixel(ll[0], ll[1])
		if x < 60 || y < 40 || x > got.Rendered.Size[0]-200 || y > got.Rendered.Size[1]-40 {
			continue
		}
		oceans++
		assert.True(t, colourNear(img, orb.Point{x, y}, 0, oceanColour, 3), "the ocean at %v (%.0f, %.0f) is empty", ll, x, y)
	}
	assert.GreaterOrEqual(t, oceans, 2, "enough ocean is checked")
}

// crowded reports whether another point is within d pixels of points[i].
func crowded(points []orb.Point, i int, d float64) bool {
	for j, q := range points {
		if j != i && math.Hypot(q[0]-points[i][0], q[1]-points[i][1]) < d {
			return true
		}
	}
	return false
}

// TestViewMapInBrowserErrors: the view says what is wrong rather than
// showing an empty map.
func TestViewMapInBrowserErrors(t *testing.T) {
	t.Parallel()
	browser := browserOrSkip(t)
	failed := mcp.NewToolResultError("No geometry column found among name (string).")
	result, err := json.Marshal(failed)
	require.NoError(t, err)
	got, err := viewtest.Run(testContext(t), mapview.HTML(), result, viewtest.Options{Browser: browser, Dir: t.TempDir(), Theme: "dark"})
	require.NoError(t, err)
	assert.Empty(t, got.Violations)
	assert.Empty(t, got.Errors)
	assert.Contains(t, got.Status, "No geometry column found")
	assert.Zero(t, got.Rendered.Features)
}

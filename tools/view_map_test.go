package tools_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	mcpclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/paulmach/orb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/localwarehouse"
	"github.com/carto-mcp/carto-mcp/mappng"
	"github.com/carto-mcp/carto-mcp/mapstyle"
	"github.com/carto-mcp/carto-mcp/mapview"
	"github.com/carto-mcp/carto-mcp/tools"
	"github.com/carto-mcp/carto-mcp/tools/toolstest"
)

// The view_map tool end to end on the embedded warehouse's demo tables,
// through real MCP sessions.

// demoServer is a carto-mcp server on a local warehouse with the demo data,
// as `carto-mcp --local` builds it.
func demoServer(t testing.TB, opts tools.Options) *server.MCPServer {
	t.Helper()
	opts.Client = localClient(t, localwarehouse.Options{})
	srv, deps, err := tools.NewServerWithDeps(opts)
	require.NoError(t, err)
	t.Cleanup(deps.Close)
	return srv
}

// recorder keeps the raw JSON bodies of the server's answers.
type recorder struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return res, err
	}
	b, err := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.bodies = append(r.bodies, b)
	r.mu.Unlock()
	res.Body = io.NopCloser(bytes.NewReader(b))
	return res, nil
}

// last returns the JSON-RPC result of the last answer, from a JSON body or
// the data line of an event stream.
func (r *recorder) last(t *testing.T) map[string]any {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.bodies) - 1; i >= 0; i-- {
		b := r.bodies[i]
		if bytes.HasPrefix(b, []byte("event:")) || bytes.HasPrefix(b, []byte("data:")) || bytes.Contains(b, []byte("\ndata:")) {
			for _, line := range strings.Split(string(b), "\n") {
				if d, ok := strings.CutPrefix(line, "data:"); ok {
					b = []byte(strings.TrimSpace(d))
				}
			}
		}
		var msg struct {
			Result map[string]any `json:"result"`
		}
		if json.Unmarshal(b, &msg) == nil && msg.Result != nil {
			return msg.Result
		}
	}
	t.Fatal("no JSON-RPC result recorded")
	return nil
}

// mapSession is an MCP client over streamable HTTP, announcing the MCP Apps
// extension when ui is true, with the raw answers recorded.
func mapSession(t *testing.T, srv *server.MCPServer, ui bool, protocol string) (*mcpclient.Client, *recorder, *mcp.InitializeResult) {
	t.Helper()
	hs := server.NewStreamableHTTPServer(srv)
	ts := httptest.NewServer(hs)
	t.Cleanup(func() {
		_ = hs.Shutdown(context.Background())
		ts.Close()
	})
	rec := &recorder{}
	// Every tool result is also checked against its output schema.
	mc := toolstest.NewStreamableHTTPClient(t, ts.URL+"/mcp", transport.WithHTTPBasicClient(&http.Client{Transport: rec}))
	t.Cleanup(func() { _ = mc.Close() })
	require.NoError(t, mc.Start(testContext(t)))
	var init mcp.InitializeRequest
	init.Params.ProtocolVersion = cmp.Or(protocol, mcp.LATEST_PROTOCOL_VERSION)
	init.Params.ClientInfo = mcp.Implementation{Name: "view-map-test", Version: "1"}
	if ui {
		init.Params.Capabilities.Extensions = map[string]any{mapview.Extension: map[string]any{"mimeTypes": []any{mapview.MIMEType}}}
	}
	res, err := mc.Initialize(testContext(t), init)
	require.NoError(t, err)
	return mc, rec, res
}

func callMap(t *testing.T, mc *mcpclient.Client, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	var req mcp.CallToolRequest
	req.Params.Name = tools.ToolViewMap
	req.Params.Arguments = args
	res, err := mc.CallTool(testContext(t), req)
	require.NoError(t, err, "a protocol error where a result was expected")
	return res
}

func path(t *testing.T, v any, keys ...string) any {
	t.Helper()
	for _, k := range keys {
		m, ok := v.(map[string]any)
		require.True(t, ok, "%v is not an object at %q", v, k)
		v, ok = m[k]
		require.True(t, ok, "no key %q in %v", k, keys)
	}
	return v
}

// TestViewMapWire checks the MCP Apps wire format as a host reads it: the
// extension in initialize, the tool's _meta, the UI resource's MIME type and
// _meta in resources/list and resources/read, and the result's _meta.
func TestViewMapWire(t *testing.T) {
	t.Parallel()
	srv := demoServer(t, tools.Options{})
	for _, protocol := range []string{"2025-11-25", mcp.LATEST_PROTOCOL_VERSION} {
		t.Run(protocol, func(t *testing.T) {
			mc, rec, init := mapSession(t, srv, true, protocol)
			assert.Contains(t, init.Capabilities.Extensions, mapview.Extension, "the server announces MCP Apps")
			ctx := testContext(t)

			_, err := mc.ListTools(ctx, mcp.ListToolsRequest{})
			require.NoError(t, err)
			var viewMap map[string]any
			for _, tl := range path(t, rec.last(t), "tools").([]any) {
				if tl.(map[string]any)["name"] == tools.ToolViewMap {
					viewMap = tl.(map[string]any)
				}
			}
			require.NotNil(t, viewMap, "view_map is listed")
			assert.Equal(t, mapview.URI, path(t, viewMap, "_meta", "ui", "resourceUri"))
			assert.Equal(t, mapview.URI, path(t, viewMap, "_meta", "ui/resourceUri"), "the flat key hosts still read")
			assert.Equal(t, true, path(t, viewMap, "annotations", "readOnlyHint"))
			assert.Equal(t, false, path(t, viewMap, "annotations", "destructiveHint"))

			_, err = mc.ListResources(ctx, mcp.ListResourcesRequest{})
			require.NoError(t, err)
			var listed map[string]any
			for _, r := range path(t, rec.last(t), "resources").([]any) {
				if r.(map[string]any)["uri"] == mapview.URI {
					listed = r.(map[string]any)
				}
			}
			require.NotNil(t, listed, "the view is listed")
			assert.Equal(t, "text/html;profile=mcp-app", listed["mimeType"])
			assert.Equal(t, map[string]any{}, path(t, listed, "_meta", "ui", "csp"), "an explicit empty CSP")
			assert.Equal(t, true, path(t, listed, "_meta", "ui", "prefersBorder"))

			var read mcp.ReadResourceRequest
			read.Params.URI = mapview.URI
			_, err = mc.ReadResource(ctx, read)
			require.NoError(t, err)
			contents := path(t, rec.last(t), "contents").([]any)
			require.Len(t, contents, 1)
			c := contents[0].(map[string]any)
			assert.Equal(t, "text/html;profile=mcp-app", c["mimeType"])
			assert.Equal(t, mapview.HTML(), c["text"])
			assert.Equal(t, map[string]any{}, path(t, c, "_meta", "ui", "csp"))
			assert.Equal(t, true, path(t, c, "_meta", "ui", "prefersBorder"))

			res := callMap(t, mc, map[string]any{
				"sql":          "SELECT name, population, geom FROM demo.cities ORDER BY population DESC LIMIT 25",
				"color_by":     "population",
				"label_column": "name",
			})
			require.False(t, res.IsError, "%v", res.Content)
			raw := rec.last(t)
			fc := path(t, raw, "_meta", mapview.GeoJSONKey).(map[string]any)
			assert.Equal(t, "FeatureCollection", fc["type"])
			feats := fc["features"].([]any)
			require.Len(t, feats, 25)
			first := feats[0].(map[string]any)
			assert.Equal(t, "Tokyo", path(t, first, "properties", "name"))
			assert.Equal(t, "Point", path(t, first, "geometry", "type"))
			assert.Len(t, fc["bbox"], 4)
			style := path(t, raw, "_meta", mapview.StyleKey).(map[string]any)
			assert.Equal(t, "numeric", style["kind"])
			assert.Len(t, style["classes"], 25)
			assert.Equal(t, "name", style["label_column"])

			summary := path(t, raw, "structuredContent").(map[string]any)
			assert.Equal(t, 25.0, summary["feature_count"])
			assert.Equal(t, false, summary["image"], "a client that shows apps gets no picture")
			assert.NotContains(t, summary, "features", "no bulk data where the model may read it")
			content := path(t, raw, "content").([]any)
			require.Len(t, content, 1)
			text := content[0].(map[string]any)["text"].(string)
			assert.Empty(t, missing(text, "Map of 25 features", "Point 25", "from column geom (wkt)", "Bounding box: [",
				"Coloured by population", "First 10 rows:", "| name | population |", "| Tokyo | 37400000 |", "15 more not shown."), text)
			assert.NotContains(t, text, "POINT", "the text table leaves the geometry out")
		})
	}
}

// TestViewMapPicture: a client without MCP Apps gets a PNG of the map, the
// features drawn at their places over the world outline.
func TestViewMapPicture(t *testing.T) {
	t.Parallel()
	srv := demoServer(t, tools.Options{ReadOnly: true})
	mc, _, _ := mapSession(t, srv, false, "")
	res := callMap(t, mc, map[string]any{"sql": "SELECT name, lon, lat, geom FROM demo.cities WHERE name IN ('Madrid', 'Tokyo', 'New York', 'Sydney', 'Lagos', 'Buenos Aires')"})
	require.False(t, res.IsError, "%v", res.Content)
	require.Len(t, res.Content, 2, "text and picture")
	img, ok := res.Content[1].(mcp.ImageContent)
	require.True(t, ok, "%T", res.Content[1])
	assert.Equal(t, "image/png", img.MIMEType)
	b, err := base64.StdEncoding.DecodeString(img.Data)
	require.NoError(t, err)
	assert.Less(t, len(b), 100_000)
	pic, err := png.Decode(bytes.NewReader(b))
	require.NoError(t, err)
	assert.Equal(t, 640, pic.Bounds().Dx())
	assert.Equal(t, 400, pic.Bounds().Dy())

	var out tools.ViewMapOutput
	require.NoError(t, json.Unmarshal(res.RawStructuredContent, &out))
	assert.True(t, out.Image)
	assert.Equal(t, 6, out.FeatureCount)
	prj := mappng.Fit(orb.Bound{Min: orb.Point{out.BBox[0], out.BBox[1]}, Max: orb.Point{out.BBox[2], out.BBox[3]}}, 640, 400)
	drawn := mapstyle.Parse(mapstyle.DefaultColor)
	for _, f := range featuresOf(t, res) {
		p := prj.Point(f.Geometry.(orb.Point))
		assert.True(t, colourNear(pic, p, 2, drawn, 40), "%s at %v is drawn", f.Properties["name"], p)
	}
	for _, ocean := range []orb.Point{{-35, 20}, {-20, -20}, {75, -10}} {
		p := prj.Point(ocean)
		assert.True(t, colourNear(pic, p, 0, oceanColour, 3), "ocean at %v is empty", ocean)
	}
}

// TestViewMapInputs: rows and GeoJSON given inline, H3 and quadbin cells,
// and categories.
func TestViewMapInputs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tc := range []struct {
		name  string
		args  map[string]any
		types map[string]int
		want  []string
	}{
		{"rows with WKT", map[string]any{"rows": []any{
			map[string]any{"name": "a", "kind": "x", "where": "POINT (1 2)"},
			map[string]any{"name": "b", "kind": "y", "where": "LINESTRING (0 0, 1 1)"},
		}, "color_by": "kind"}, map[string]int{"Point": 1, "LineString": 1}, []string{"from column where (wkt)", "Coloured by kind: x #7f3c8d; y #11a579"}},
		{"geojson", map[string]any{"geojson": map[string]any{"type": "FeatureCollection", "features": []any{
			map[string]any{"type": "Feature", "geometry": map[string]any{"type": "Polygon", "coordinates": [][][]float64{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}}, "properties": map[string]any{"v": 1}},
		}}}, map[string]int{"Polygon": 1}, []string{"from column geometry (geojson)", "| v |", "| 1 |"}},
		{"h3 cells", map[string]any{"rows": []any{
			map[string]any{"h3": "8928308280fffff", "n": 3}, map[string]any{"h3": "89283082807ffff", "n": 5},
		}, "color_by": "n"}, map[string]int{"Polygon": 2}, []string{"from column h3 (h3)"}},
		{"quadbin cells", map[string]any{"rows": []any{
			map[string]any{"cell": 5209574053332910079, "n": 3},
		}}, map[string]int{"Polygon": 1}, []string{"from column cell (quadbin)", "Bounding box: [22.5, -21.943046, 45, 0]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.args["image"] = "never"
			var out tools.ViewMapOutput
			text := e.ok(e.call(tools.ToolViewMap, tc.args), &out)
			assert.Equal(t, tc.types, out.GeometryTypes)
			assert.Empty(t, missing(text, tc.want...), text)
		})
	}
}

// TestViewMapBadInput: each mistake gets an isError result that says what
// to fix, or a truncated map with a notice; never an empty map.
func TestViewMapBadInput(t *testing.T) {
	t.Parallel()
	srv := demoServer(t, tools.Options{})
	mc, _, _ := mapSession(t, srv, true, "")
	for _, tc := range []struct {
		name string
		args map[string]any
		want []string
	}{
		{"no geometry column", map[string]any{"sql": "SELECT name, population FROM demo.cities LIMIT 3"},
			[]string{"No geometry column found among name (string), population", "geometry_column"}},
		{"not a geometry column", map[string]any{"sql": "SELECT name, geom FROM demo.cities LIMIT 3", "geometry_column": "name"},
			[]string{`Column "name" is not a geometry column`, "Tokyo"}},
		{"unknown geometry column", map[string]any{"sql": "SELECT name, geom FROM demo.cities LIMIT 3", "geometry_column": "shape"},
			[]string{`"shape" is not in the result; its columns are name`}},
		{"invalid WKT", map[string]any{"sql": "SELECT 'POINT (1' AS geom"}, []string{"invalid WKT", "POINT (1"}},
		{"out of range", map[string]any{"sql": "SELECT 'POINT (440000 4470000)' AS geom"}, []string{"outside longitude/latitude", "ST_TRANSFORM"}},
		{"zero rows", map[string]any{"sql": "SELECT geom FROM demo.cities WHERE false"}, []string{"Nothing to map", "no rows"}},
		{"null geometries", map[string]any{"sql": "SELECT NULL AS geom, 1 AS n"}, []string{"No geometry column found"}},
		{"unknown color_by", map[string]any{"sql": "SELECT name, geom FROM demo.cities LIMIT 3", "color_by": "pop"},
			[]string{`color_by "pop" is not a column of the result; the columns besides the geometry are name`}},
		{"two sources", map[string]any{"sql": "SELECT 1", "rows": []any{map[string]any{"a": 1}}}, []string{"exactly one of"}},
		{"no source", map[string]any{}, []string{"exactly one of"}},
		{"a write", map[string]any{"sql": "DELETE FROM demo.cities RETURNING geom"}, []string{"refused", "only reads"}},
		{"bad rows", map[string]any{"rows": []any{1, 2}}, []string{"rows[0] is not a JSON object"}},
		{"bad geojson", map[string]any{"geojson": map[string]any{"type": "Topology"}}, []string{"FeatureCollection"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := callMap(t, mc, tc.args)
			require.True(t, res.IsError, "expected an error for %v", tc.args)
			text := res.Content[0].(mcp.TextContent).Text
			assert.Empty(t, missing(text, tc.want...), text)
		})
	}

	// More features than asked for: a truncated map with a notice.
	res := callMap(t, mc, map[string]any{"sql": "SELECT store_id, geom FROM demo.stores ORDER BY store_id", "limit": 100})
	require.False(t, res.IsError)
	var out tools.ViewMapOutput
	require.NoError(t, json.Unmarshal(res.RawStructuredContent, &out))
	assert.Equal(t, 100, out.FeatureCount)
	assert.True(t, out.Truncated)
	assert.Equal(t, "max_rows", out.TruncatedBy)
	assert.Contains(t, out.Notice, "Only the first 100 features are drawn")
	assert.Contains(t, res.Content[0].(mcp.TextContent).Text, "Only the first 100 features are drawn")
	assert.Contains(t, res.Content[0].(mcp.TextContent).Text, "90 more not shown")
}

func featuresOf(t *testing.T, res *mcp.CallToolResult) []struct {
	Geometry   orb.Geometry
	Properties map[string]any
} {
	t.Helper()
	require.NotNil(t, res.Meta)
	b, err := json.Marshal(res.Meta.AdditionalFields[mapview.GeoJSONKey])
	require.NoError(t, err)
	var fc struct {
		Features []struct {
			Geometry   json.RawMessage `json:"geometry"`
			Properties map[string]any  `json:"properties"`
		} `json:"features"`
	}
	require.NoError(t, json.Unmarshal(b, &fc))
	var out []struct {
		Geometry   orb.Geometry
		Properties map[string]any
	}
	for _, f := range fc.Features {
		var g struct {
			Coordinates []float64 `json:"coordinates"`
		}
		require.NoError(t, json.Unmarshal(f.Geometry, &g))
		out = append(out, struct {
			Geometry   orb.Geometry
			Properties map[string]any
		}{orb.Point{g.Coordinates[0], g.Coordinates[1]}, f.Properties})
	}
	return out
}

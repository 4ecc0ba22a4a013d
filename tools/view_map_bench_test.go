package tools_test

import (
	"encoding/json"
	"syscall"
	"testing"
	"time"

	mcpclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/carto-mcp/carto-mcp/mapview"
	"github.com/carto-mcp/carto-mcp/tools"
	"github.com/carto-mcp/carto-mcp/tools/toolstest"
)

// points5000 is 5,000 WKT points spread over the world, with an id and a
// category, made by DuckDB.
const points5000 = `SELECT i AS id, CASE i % 4 WHEN 0 THEN 'a' WHEN 1 THEN 'b' WHEN 2 THEN 'c' ELSE 'd' END AS kind,
	'POINT (' || CAST(((i * 7919) % 36000) / 100.0 - 180 AS VARCHAR) || ' ' || CAST(((i * 104729) % 16000) / 100.0 - 80 AS VARCHAR) || ')' AS geom
	FROM range(5000) t(i)`

// BenchmarkViewMap measures view_map from SQL to the final result, through
// an in-process MCP session on the embedded warehouse: the time, and the
// bytes of the result as JSON (what a host receives).
func BenchmarkViewMap(b *testing.B) {
	srv := demoServer(b, tools.Options{})
	for _, bc := range []struct {
		name string
		args map[string]any
		want int
	}{
		{"5000Points", map[string]any{"sql": points5000, "color_by": "kind", "image": "never"}, 5000},
		{"5000PointsWithPNG", map[string]any{"sql": points5000, "color_by": "kind", "image": "always"}, 5000},
		{"151Countries", map[string]any{"sql": "SELECT * FROM demo.countries", "color_by": "continent", "image": "never"}, 151},
		{"151CountriesWithPNG", map[string]any{"sql": "SELECT * FROM demo.countries", "color_by": "continent", "image": "always"}, 151},
	} {
		b.Run(bc.name, func(b *testing.B) {
			mc := toolsClient(b, srv)
			var req mcp.CallToolRequest
			req.Params.Name = tools.ToolViewMap
			req.Params.Arguments = bc.args
			var size, geo int
			cpu := cpuTime()
			for b.Loop() {
				res, err := mc.CallTool(b.Context(), req)
				if err != nil || res.IsError {
					b.Fatalf("view_map: %v %v", err, res)
				}
				raw, _ := json.Marshal(res)
				size = len(raw)
				g, _ := json.Marshal(res.Meta.AdditionalFields[mapview.GeoJSONKey])
				geo = len(g)
				var out tools.ViewMapOutput
				if err := json.Unmarshal(res.RawStructuredContent, &out); err != nil || out.FeatureCount != bc.want {
					b.Fatalf("got %d features, want %d (%v)", out.FeatureCount, bc.want, err)
				}
			}
			// CPU time of the process per call (the server's work and the
			// client's decoding): unlike ns/op it does not grow when other
			// work shares the machine.
			b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(size), "result-bytes")
			b.ReportMetric(float64(geo), "geojson-bytes")
		})
	}
}

func BenchmarkViewMapHTML(b *testing.B) {
	for b.Loop() {
		_ = mapview.HTML()
	}
	b.ReportMetric(float64(len(mapview.HTML())), "html-bytes")
}

// cpuTime is the user and system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// toolsClient is an initialized in-process client of srv.
func toolsClient(b *testing.B, srv *server.MCPServer) *mcpclient.Client {
	b.Helper()
	mc := toolstest.NewInProcessClient(b, srv)
	b.Cleanup(func() { _ = mc.Close() })
	if err := mc.Start(b.Context()); err != nil {
		b.Fatal(err)
	}
	var init mcp.InitializeRequest
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "view-map-bench", Version: "1"}
	if _, err := mc.Initialize(b.Context(), init); err != nil {
		b.Fatal(err)
	}
	return mc
}

// BenchmarkViewMapTileset measures view_map on a tileset of the 3,381 demo
// stores (z0-z6) through an in-process session: opening it (TileJSON only),
// opening it with its PNG (drawn from the tiles that cover it), and one
// get_tileset_tile call, which the view makes per tile.
func BenchmarkViewMapTileset(b *testing.B) {
	srv := demoServer(b, tools.Options{})
	mc := toolsClient(b, srv)
	var req mcp.CallToolRequest
	req.Params.Name = tools.ToolSubmitJob
	req.Params.Arguments = map[string]any{"wait_seconds": 50, "sql": `CALL carto.CREATE_SIMPLE_TILESET('demo.stores', 'demo.bench_tiles',
		'{"zoom_max": 6, "properties": {"name": "String", "revenue": "Number"}}')`}
	res, err := mc.CallTool(b.Context(), req)
	if err != nil || res.IsError {
		b.Fatalf("submit_job: %v %v", err, res)
	}
	var job tools.SubmitJobOutput
	if err := json.Unmarshal(res.RawStructuredContent, &job); err != nil || job.Status != "success" {
		b.Fatalf("the tileset job: %v %+v", err, job)
	}
	for _, bc := range []struct {
		name string
		tool string
		args map[string]any
	}{
		{"Open", tools.ToolViewMap, map[string]any{"tileset": "demo.bench_tiles", "image": "never"}},
		{"OpenWithPNG", tools.ToolViewMap, map[string]any{"tileset": "demo.bench_tiles", "image": "always"}},
		{"OneTileZ2", tools.ToolGetTilesetTile, map[string]any{"tileset": "demo.bench_tiles", "z": 2, "x": 2, "y": 1}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var req mcp.CallToolRequest
			req.Params.Name = bc.tool
			req.Params.Arguments = bc.args
			var size int
			cpu := cpuTime()
			for b.Loop() {
				res, err := mc.CallTool(b.Context(), req)
				if err != nil || res.IsError {
					b.Fatalf("%s: %v %v", bc.tool, err, res)
				}
				raw, _ := json.Marshal(res)
				size = len(raw)
			}
			b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(size), "result-bytes")
		})
	}
}

package tools_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	mcpclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/carto-mcp/carto-mcp/cartofake"
	"github.com/carto-mcp/carto-mcp/client"
	"github.com/carto-mcp/carto-mcp/tools"
)

const overheadSQL = "SELECT id, name, country, population, revenue, geom FROM stores"

// overheadTextBytes is a text cap no benchmarked result reaches (1,000 rows
// are ~70 KB of text), so every call returns all its rows.
const overheadTextBytes = 1 << 20

// fakeWithRows is a CARTO fake answering overheadSQL with n typical rows,
// after latency (the warehouse's time), and a client for it.
func fakeWithRows(b *testing.B, n int, latency time.Duration) (*cartofake.Server, *client.Client) {
	fake := cartofake.New(b)
	cols := []cartofake.Column{{Name: "id", Type: "bigint"}, {Name: "name", Type: "string"},
		{Name: "country", Type: "string"}, {Name: "population", Type: "number"},
		{Name: "revenue", Type: "number"}, {Name: "geom", Type: "geometry"}}
	fake.SetQueryGenerator(overheadSQL, cols, n, func(i int) []any {
		return []any{9007199254740993 + i, fmt.Sprintf("Store %d", i), "Spain", 3_300_000 + i,
			float64(i) * 1234.5, fmt.Sprintf("POINT (%.4f %.4f)", -3.7+float64(i)/1000, 40.4+float64(i)/1000)}
	})
	if latency > 0 {
		fake.Inject(cartofake.Fault{PathSuffix: "/query", Delay: latency})
	}
	c, err := client.New(client.Config{BaseURL: fake.URL, Connection: "carto_dw",
		Token: client.StaticToken(cartofake.DefaultToken), HTTPClient: fake.Client()})
	if err != nil {
		b.Fatal(err)
	}
	return fake, c
}

// BenchmarkRunQueryOverhead measures what run_query through MCP adds to the
// same query made directly with the client, on a warm session, against a fake
// CARTO whose warehouse takes 5 ms (a realistic small query), for 10, 100 and
// 1,000 rows, over streamable HTTP and stdio:
//
//	go test -run '^$' -bench RunQueryOverhead -benchtime 200x ./tools/
//
// Each iteration makes one direct call and one MCP call, back to back, so
// that both see the same load on a shared machine. It reports their mean
// wall times (direct-µs, mcp-µs), the difference (overhead-µs) and the
// ratio (mcp/direct; the goal is at most 1.10), and overhead-cpu-µs, the
// process CPU time the MCP call took beyond the direct one. On a busy machine
// the wall times carry the scheduler's delays; the CPU time much less so.
//
// mcp-go-floor is the same measure for the floor under any tool on mcp-go: a
// server with only run_query's definition (same schemas, input validation
// on), whose handler makes the same direct client call and then returns the
// result carto-mcp returns for it, built beforehand. Its overhead is what
// mcp-go's JSON-RPC, transport and client cost for that result, with none of
// carto-mcp's own work in it.
func BenchmarkRunQueryOverhead(b *testing.B) {
	const latency = 5 * time.Millisecond
	for _, rows := range []int{10, 100, 1000} {
		for _, tr := range []string{streamableHTTP, stdioPipes} {
			b.Run(fmt.Sprintf("rows=%d/%s/carto-mcp", rows, tr), func(b *testing.B) {
				fake, c := fakeWithRows(b, rows, latency)
				s, d, err := tools.NewServerWithDeps(tools.Options{Client: c, MaxTextBytes: overheadTextBytes,
					Logger: slog.New(slog.DiscardHandler)})
				if err != nil {
					b.Fatal(err)
				}
				defer d.Close()
				benchOverhead(b, s, tr, fake, c, rows)
			})
			b.Run(fmt.Sprintf("rows=%d/%s/mcp-go-floor", rows, tr), func(b *testing.B) {
				fake, c := fakeWithRows(b, rows, latency)
				benchOverhead(b, floorServer(b, c, rows), tr, fake, c, rows)
			})
		}
	}
}

// floorServer serves run_query's definition with a handler that makes the
// direct client call and returns carto-mcp's own result for it, prebuilt.
func floorServer(b *testing.B, c *client.Client, rows int) *server.MCPServer {
	ctx := context.Background()
	d, err := tools.NewDeps(tools.Options{Client: c, MaxTextBytes: overheadTextBytes, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(d.Close)
	runQuery := tools.RunQuery(d)
	req := mcp.CallToolRequest{}
	req.Params.Name = tools.ToolRunQuery
	req.Params.Arguments = map[string]any{"sql": overheadSQL, "max_rows": rows}
	prebuilt, err := runQuery.Handler(ctx, req)
	if err != nil || prebuilt.IsError {
		b.Fatalf("building the result: %v %v", err, prebuilt)
	}
	s := server.NewMCPServer("floor", "1", server.WithToolCapabilities(false), server.WithInputSchemaValidation())
	s.AddTool(runQuery.Tool, func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if _, err := directCall(ctx, c, rows); err != nil {
			return nil, err
		}
		return prebuilt, nil
	})
	return s
}

func directCall(ctx context.Context, c *client.Client, rows int) (*client.QueryResult, error) {
	res, err := c.Queries.Run(ctx, &client.QueryRequest{SQL: overheadSQL},
		client.QueryLimits{MaxRows: rows, MaxBytes: overheadTextBytes})
	if err == nil && len(res.Rows) != rows {
		err = fmt.Errorf("%d rows, want %d", len(res.Rows), rows)
	}
	return res, err
}

// benchOverhead times, per iteration, a direct client call and run_query on
// s through a warm MCP session over the named transport.
func benchOverhead(b *testing.B, s *server.MCPServer, transportName string, fake *cartofake.Server, c *client.Client, rows int) {
	ctx := context.Background()
	mc := benchSession(b, s, transportName)
	req := mcp.CallToolRequest{}
	req.Params.Name = tools.ToolRunQuery
	req.Params.Arguments = map[string]any{"sql": overheadSQL, "max_rows": rows}
	call := func() {
		res, err := mc.CallTool(ctx, req)
		if err != nil || res.IsError {
			b.Fatalf("mcp: %v %v", err, res)
		}
	}
	// Warm both paths (connections, pools, caches) before timing.
	for range 3 {
		call()
		if _, err := directCall(ctx, c, rows); err != nil {
			b.Fatal(err)
		}
	}
	fake.ResetRequests()
	var direct, viaMCP, directCPU, mcpCPU time.Duration
	for b.Loop() {
		c0, t0 := processCPU(b), time.Now()
		if _, err := directCall(ctx, c, rows); err != nil {
			b.Fatal(err)
		}
		c1, t1 := processCPU(b), time.Now()
		call()
		viaMCP += time.Since(t1)
		mcpCPU += processCPU(b) - c1
		direct += t1.Sub(t0)
		directCPU += c1 - c0
		fake.ResetRequests()
	}
	n := float64(b.N)
	d, m := float64(direct.Microseconds())/n, float64(viaMCP.Microseconds())/n
	b.ReportMetric(d, "direct-µs")
	b.ReportMetric(m, "mcp-µs")
	b.ReportMetric(m-d, "overhead-µs")
	b.ReportMetric(m/d, "mcp/direct")
	// The CPU time this process (client, server and fake) spent on the MCP
	// call beyond the direct one: what the MCP layer costs, measured in a way
	// that depends much less on how busy the machine is than wall time.
	b.ReportMetric(float64((mcpCPU-directCPU).Microseconds())/n, "overhead-cpu-µs")
}

// processCPU is this process's user and system CPU time so far.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchSession is an initialized MCP client session on s over the named
// transport (streamableHTTP or stdioPipes); it is closed at cleanup.
func benchSession(b *testing.B, s *server.MCPServer, transportName string) *mcpclient.Client {
	ctx := context.Background()
	var mc *mcpclient.Client
	switch transportName {
	case streamableHTTP:
		hs := server.NewStreamableHTTPServer(s)
		ts := httptest.NewServer(hs)
		b.Cleanup(func() {
			_ = hs.Shutdown(context.Background())
			ts.Close()
		})
		var err error
		if mc, err = mcpclient.NewStreamableHttpClient(ts.URL + "/mcp"); err != nil {
			b.Fatal(err)
		}
	case stdioPipes:
		clientRead, serverWrite := io.Pipe()
		serverRead, clientWrite := io.Pipe()
		sctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = server.NewStdioServer(s).Listen(sctx, serverRead, serverWrite)
		}()
		b.Cleanup(func() {
			_ = clientWrite.Close()
			_ = serverWrite.Close()
			cancel()
			<-done
		})
		mc = mcpclient.NewClient(transport.NewIO(clientRead, clientWrite, io.NopCloser(strings.NewReader(""))))
	default:
		b.Fatalf("unknown transport %q", transportName)
	}
	b.Cleanup(func() { _ = mc.Close() })
	if err := mc.Start(ctx); err != nil {
		b.Fatal(err)
	}
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "bench", Version: "1"}
	if _, err := mc.Initialize(ctx, init); err != nil {
		b.Fatal(err)
	}
	return mc
}

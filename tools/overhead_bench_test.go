package tools_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"

	mcpclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/carto-mcp/carto-mcp/cartofake"
	"github.com/carto-mcp/carto-mcp/client"
	"github.com/carto-mcp/carto-mcp/tools"
)

const overheadSQL = "SELECT id, name, country, population, revenue, geom FROM stores"

// fakeWith100Rows is a CARTO fake answering overheadSQL with 100 typical rows.
func fakeWith100Rows(b *testing.B) (*cartofake.Server, *client.Client) {
	fake := cartofake.New(b)
	cols := []cartofake.Column{{Name: "id", Type: "bigint"}, {Name: "name", Type: "string"},
		{Name: "country", Type: "string"}, {Name: "population", Type: "number"},
		{Name: "revenue", Type: "number"}, {Name: "geom", Type: "geometry"}}
	rows := make([][]any, 100)
	for i := range rows {
		rows[i] = []any{9007199254740993 + i, fmt.Sprintf("Store %d", i), "Spain", 3_300_000 + i,
			float64(i) * 1234.5, fmt.Sprintf("POINT (%.4f %.4f)", -3.7+float64(i)/1000, 40.4+float64(i)/1000)}
	}
	fake.SetQueryResult(overheadSQL, cols, rows)
	c, err := client.New(client.Config{BaseURL: fake.URL, Connection: "carto_dw",
		Token: client.StaticToken(cartofake.DefaultToken), HTTPClient: fake.Client()})
	if err != nil {
		b.Fatal(err)
	}
	return fake, c
}

// BenchmarkRunQueryOverhead compares a 100-row run_query through MCP (streamable
// HTTP, warm session) with the same query made directly with the client, against
// the same fake CARTO. The ratio of the two ns/op is the cost of the MCP layer
// (JSON-RPC, output schema validation, the text form).
func BenchmarkRunQueryOverhead(b *testing.B) {
	ctx := context.Background()

	b.Run("direct", func(b *testing.B) {
		fake, c := fakeWith100Rows(b)
		for b.Loop() {
			res, err := c.Queries.Run(ctx, &client.QueryRequest{SQL: overheadSQL},
				client.QueryLimits{MaxRows: 100, MaxBytes: tools.DefaultMaxTextBytes})
			if err != nil || len(res.Rows) != 100 {
				b.Fatalf("direct: %v", err)
			}
			fake.ResetRequests()
		}
	})

	// carto-mcp's run_query, through mcp-go's streamable HTTP server and client.
	b.Run("mcp-streamable-http", func(b *testing.B) {
		fake, c := fakeWith100Rows(b)
		s, err := tools.NewServer(tools.Options{Client: c})
		if err != nil {
			b.Fatal(err)
		}
		benchMCPCalls(b, s, fake)
	})

	// The floor under any tool on mcp-go: a server with only run_query's
	// definition, whose handler makes the same direct client call and then
	// returns a result built beforehand with the very bytes carto-mcp returns
	// for it, and the same validation options. Its ratio to direct is what
	// mcp-go's JSON-RPC, validation, HTTP and client cost for this result,
	// with none of carto-mcp's own work in it.
	b.Run("mcp-go-floor", func(b *testing.B) {
		fake, c := fakeWith100Rows(b)
		d, err := tools.NewDeps(tools.Options{Client: c})
		if err != nil {
			b.Fatal(err)
		}
		defer d.Close()
		runQuery := tools.RunQuery(d)
		req := mcp.CallToolRequest{}
		req.Params.Name = tools.ToolRunQuery
		req.Params.Arguments = map[string]any{"sql": overheadSQL, "max_rows": 100}
		prebuilt, err := runQuery.Handler(ctx, req)
		if err != nil || prebuilt.IsError {
			b.Fatalf("building the result: %v %v", err, prebuilt)
		}
		fake.ResetRequests()
		s := server.NewMCPServer("floor", "1", server.WithToolCapabilities(false),
			server.WithInputSchemaValidation(), server.WithOutputSchemaValidation())
		s.AddTool(runQuery.Tool, func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			res, err := c.Queries.Run(ctx, &client.QueryRequest{SQL: overheadSQL},
				client.QueryLimits{MaxRows: 100, MaxBytes: tools.DefaultMaxTextBytes})
			if err != nil || len(res.Rows) != 100 {
				return nil, fmt.Errorf("floor: %v", err)
			}
			return prebuilt, nil
		})
		benchMCPCalls(b, s, fake)
	})
}

// benchMCPCalls calls run_query on s through a warm streamable HTTP session.
func benchMCPCalls(b *testing.B, s *server.MCPServer, fake *cartofake.Server) {
	ctx := context.Background()
	httpSrv := httptest.NewServer(server.NewStreamableHTTPServer(s))
	defer httpSrv.Close()
	mc, err := mcpclient.NewStreamableHttpClient(httpSrv.URL + "/mcp")
	if err != nil {
		b.Fatal(err)
	}
	defer mc.Close()
	if err := mc.Start(ctx); err != nil {
		b.Fatal(err)
	}
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "bench", Version: "1"}
	if _, err := mc.Initialize(ctx, init); err != nil {
		b.Fatal(err)
	}
	req := mcp.CallToolRequest{}
	req.Params.Name = tools.ToolRunQuery
	req.Params.Arguments = map[string]any{"sql": overheadSQL, "max_rows": 100}
	for b.Loop() {
		res, err := mc.CallTool(ctx, req)
		if err != nil || res.IsError {
			b.Fatalf("mcp: %v %v", err, res)
		}
		fake.ResetRequests()
	}
}

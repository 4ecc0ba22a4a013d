// Command mcpfloor is the smallest stdio MCP server built on mcp-go that serves
// carto-mcp's five tool definitions (the same schema files), with handlers that
// do nothing. BenchmarkStdioColdStart runs it next to carto-mcp to show how much
// of the cold start is the MCP library's own floor, which carto-mcp cannot go
// under. It lives in testdata so that go build ./... and go vet ./... skip it.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/carto-mcp/carto-mcp/schemas"
)

func main() {
	s := server.NewMCPServer("mcpfloor", "1", server.WithToolCapabilities(false))
	for _, name := range []string{"run_query", "submit_job", "get_job", "cancel_job", "list_jobs"} {
		in, err := schemas.Input(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		out, err := schemas.Output(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		t := mcp.NewToolWithRawSchema(name, name, in)
		t.RawOutputSchema = out
		s.AddTool(t, func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return mcp.NewToolResultText("ok"), nil
		})
	}
	if err := server.ServeStdio(s); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

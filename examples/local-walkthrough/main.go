// Command local-walkthrough drives six carto-mcp tools the way an agent
// would, against the embedded local warehouse: it starts `carto-mcp --local` as an
// MCP stdio server, creates a table with a job, waits for it, queries the new
// table, draws it on a map (view_map), lists jobs, and cancels a long job.
//
//	go build -o carto-mcp ./cmd/carto-mcp
//	go run ./examples/local-walkthrough -server ./carto-mcp
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	mcpclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
)

func main() {
	server := flag.String("server", "carto-mcp", "path of the carto-mcp binary")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := walkthrough(ctx, *server); err != nil {
		log.Fatal(err)
	}
}

func walkthrough(ctx context.Context, server string) error {
	c, err := mcpclient.NewStdioMCPClient(server, os.Environ(), "--local")
	if err != nil {
		return fmt.Errorf("starting %s: %w", server, err)
	}
	defer c.Close()

	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "local-walkthrough", Version: "1.0.0"}
	info, err := c.Initialize(ctx, init)
	if err != nil {
		return fmt.Errorf("initialize: %w", err)
	}
	fmt.Printf("connected to %s %s\n", info.ServerInfo.Name, info.ServerInfo.Version)

	tools, err := c.ListTools(ctx, mcp.ListToolsRequest{})
	if err != nil {
		return err
	}
	var names []string
	for _, t := range tools.Tools {
		names = append(names, t.Name)
	}
	fmt.Println("tools:", strings.Join(names, ", "))

	// 1. A job builds a table: DDL belongs in a job, not in run_query.
	job, err := call(ctx, c, "submit_job", map[string]any{
		"sql": `CREATE OR REPLACE TABLE demo.big_cities AS
		        SELECT name, country, population FROM demo.cities WHERE population > 10000000`,
	})
	if err != nil {
		return err
	}
	jobID := job["job_id"].(string)
	fmt.Println("submitted job", jobID, "status", job["status"])

	// 2. Wait for it: get_job with wait_seconds returns as soon as the job ends
	// (the server polls CARTO), or when the wait runs out.
	for job["done"] != true {
		if job, err = call(ctx, c, "get_job", map[string]any{"job_id": jobID, "wait_seconds": 30}); err != nil {
			return err
		}
	}
	if job["status"] != "success" {
		return fmt.Errorf("job %s ended %v: %v", jobID, job["status"], job["error"])
	}
	fmt.Println("job", jobID, "finished:", job["status"])

	// 3. Query the new table.
	res, err := call(ctx, c, "run_query", map[string]any{
		"sql":      "SELECT name, population FROM demo.big_cities ORDER BY population DESC",
		"max_rows": 5,
	})
	if err != nil {
		return err
	}
	rows, _ := json.Marshal(res["rows"])
	fmt.Printf("largest cities (truncated=%v): %s\n", res["truncated"], rows)

	// 4. See them on a map: hosts with MCP Apps draw the map; this client
	// announces no UI, so the result also carries a PNG of it.
	m, err := call(ctx, c, "view_map", map[string]any{
		"sql":      "SELECT c.name, c.population, c.geom FROM demo.cities c JOIN demo.big_cities b USING (name)",
		"color_by": "population",
	})
	if err != nil {
		return err
	}
	fmt.Printf("map: %v features, bbox %v, picture %v\n", m["feature_count"], m["bbox"], m["image"])

	// 5. Start a long job, see it listed, cancel it.
	long, err := call(ctx, c, "submit_job", map[string]any{
		"sql": "SELECT sum(a.range * b.range) FROM range(100000000) a, range(100000000) b",
	})
	if err != nil {
		return err
	}
	longID := long["job_id"].(string)
	list, err := call(ctx, c, "list_jobs", map[string]any{})
	if err != nil {
		return err
	}
	fmt.Printf("running jobs: %d\n", len(list["jobs"].([]any)))
	cancelled, err := call(ctx, c, "cancel_job", map[string]any{"job_id": longID})
	if err != nil {
		return err
	}
	// A cancelled job reads as status "failure" with error code "cancelled".
	fmt.Println("cancelled job", longID, "now", cancelled["status"], cancelled["error"])
	return nil
}

// call runs a tool and returns its structured result, or the tool's own error text.
func call(ctx context.Context, c *mcpclient.Client, name string, args map[string]any) (map[string]any, error) {
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	res, err := c.CallTool(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if res.IsError {
		var msg []string
		for _, content := range res.Content {
			if t, ok := content.(mcp.TextContent); ok {
				msg = append(msg, t.Text)
			}
		}
		return nil, errors.New(name + ": " + strings.Join(msg, " "))
	}
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	return out, json.Unmarshal(b, &out)
}

package tools_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/carto-mcp/carto-mcp/cartofake"
	"github.com/carto-mcp/carto-mcp/client"
	"github.com/carto-mcp/carto-mcp/tools"
)

// FuzzToolArguments sends arbitrary argument bytes to every tool through the
// server's JSON-RPC entry point (schema validation, argument binding, the
// handlers). Whatever the bytes, the server answers: a JSON-RPC error for a
// message that is not a valid call, otherwise a result; never a panic or hang.
//
//	go test -run '^$' -fuzz FuzzToolArguments -fuzztime 60s ./tools/
func FuzzToolArguments(f *testing.F) {
	for _, seed := range []string{
		`{}`, `null`, `[]`, `"x"`, `{"sql":"SELECT 1"}`, `{"sql":"SELECT 1","max_rows":0}`,
		`{"sql":"SELECT 1","max_rows":1e400}`, `{"sql":"SELECT 1","parameters":{"a":9007199254740993}}`,
		`{"sql":"SELECT 1","parameters":[1,"a",null]}`, `{"sql":"SELECT 1","parameters":"oops"}`,
		`{"job_id":""}`, `{"job_id":"job_000001","connection":"carto_dw","wait_seconds":-1}`,
		`{"sql":"x","metadata":{"a":[1,{"b":null}]}}`, `{"sql":"\u0000"}`, `{"unknown":true}`, `{"sql":`,
	} {
		f.Add(seed)
	}
	fake := cartofake.New(f)
	c, err := client.New(client.Config{BaseURL: fake.URL, Connection: "carto_dw",
		Token: client.StaticToken(cartofake.DefaultToken), HTTPClient: fake.Client(),
		Retry: client.RetryPolicy{MaxAttempts: 1}})
	if err != nil {
		f.Fatal(err)
	}
	srv, deps, err := tools.NewServerWithDeps(tools.Options{Client: c, CallTimeout: 2 * time.Second,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(deps.Close)

	f.Fuzz(func(t *testing.T, args string) {
		for _, name := range tools.ToolNames {
			msg := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"` + name + `","arguments":` + args + `}}`
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			out := srv.HandleMessage(ctx, json.RawMessage(msg))
			cancel()
			switch r := out.(type) {
			case mcp.JSONRPCError:
				// Not a valid call (e.g. the bytes are not JSON): a protocol error is right.
			case mcp.JSONRPCResponse:
				if _, err := json.Marshal(r); err != nil {
					t.Fatalf("%s(%q): unencodable response: %v", name, args, err)
				}
			default:
				t.Fatalf("%s(%q): unexpected answer %T", name, args, out)
			}
			fake.ResetRequests()
		}
	})
}

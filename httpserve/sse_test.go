package httpserve

import (
	"bufio"
	"context"
	"net/http"
	"testing"
	"time"

	mcpclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/internal/testctx"
)

// CORS is off on every transport: /sse sends no Access-Control-Allow-Origin,
// which mcp-go sets to "*" by itself.
func TestSSESendsNoCORSHeaders(t *testing.T) {
	t.Parallel()
	base := start(t, Options{Transport: SSE})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+SSEPath, nil)
	req.Header.Set("Origin", "http://localhost:6274")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "event: endpoint\n", line, "the stream still streams")
	assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
}

// blockingServer has a tool that runs until its context ends, and reports
// that it ended.
func blockingServer(started, ended chan<- struct{}) *server.MCPServer {
	s := server.NewMCPServer("block", "1.0.0")
	s.AddTool(mcp.NewTool("block"), func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		close(started)
		<-ctx.Done()
		close(ended)
		return mcp.NewToolResultError("cancelled"), nil
	})
	return s
}

// A client that closes its SSE stream cancels the work it asked for, as on
// stdio and streamable HTTP, instead of leaving it running until its timeout.
func TestSSEStreamEndCancelsItsCalls(t *testing.T) {
	t.Parallel()
	started, ended := make(chan struct{}), make(chan struct{})
	front, err := New(blockingServer(started, ended), Options{Transport: SSE})
	require.NoError(t, err)
	base, stop := serveFront(t, front)
	defer func() { require.NoError(t, stop()) }()

	c, err := mcpclient.NewSSEMCPClient(base + SSEPath)
	require.NoError(t, err)
	callCtx, callCancel := context.WithCancel(testctx.Context(t)) // hang guard
	defer callCancel()
	initialize(t, callCtx, c)
	go func() {
		req := mcp.CallToolRequest{}
		req.Params.Name = "block"
		_, _ = c.CallTool(callCtx, req) // fails once the client is closed
	}()
	select {
	case <-started:
	case <-callCtx.Done():
		t.Fatal("the call did not start")
	}
	require.NoError(t, c.Close()) // closes the stream
	select {
	case <-ended:
	case <-callCtx.Done():
		t.Fatal("the call kept running after its client's stream closed")
	}
}

// A call still running when the shutdown grace period ends is cut off; the
// server still stops cleanly, since stopping was asked for.
func TestShutdownCutsOffCallsPastTheGracePeriod(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	started := make(chan struct{})
	s := server.NewMCPServer("slow", "1.0.0")
	s.AddTool(mcp.NewTool("slow"), func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		close(started)
		<-release // ignores its context: a call that does not stop by itself
		return mcp.NewToolResultText("done"), nil
	})
	front, err := New(s, Options{Stateless: true, ShutdownTimeout: time.Millisecond})
	require.NoError(t, err)
	base, stop := serveFront(t, front)

	c, err := mcpclient.NewStreamableHttpClient(base + MCPPath)
	require.NoError(t, err)
	callCtx, callCancel := context.WithCancel(testctx.Context(t))
	defer callCancel()
	initialize(t, callCtx, c)
	callDone := make(chan struct{})
	go func() {
		defer close(callDone)
		req := mcp.CallToolRequest{}
		req.Params.Name = "slow"
		_, _ = c.CallTool(callCtx, req)
	}()
	select {
	case <-started:
	case <-callCtx.Done():
		t.Fatal("the call did not start")
	}
	require.NoError(t, stop(), "a requested stop is not a failure")
	close(release)
	<-callDone
	_ = c.Close()
}

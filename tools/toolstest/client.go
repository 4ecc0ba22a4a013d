package toolstest

import (
	"context"
	"encoding/json"
	"io"
	"sync"
	"testing"

	mcpclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/server"
)

// NewInProcessClient is mcpclient.NewInProcessClient whose tool results are
// checked (see Wrap).
func NewInProcessClient(t testing.TB, srv *server.MCPServer) *mcpclient.Client {
	return mcpclient.NewClient(Wrap(t, transport.NewInProcessTransport(srv)))
}

// NewStreamableHTTPClient is mcpclient.NewStreamableHttpClient whose tool
// results are checked (see Wrap).
func NewStreamableHTTPClient(t testing.TB, url string, opts ...transport.StreamableHTTPCOption) *mcpclient.Client {
	t.Helper()
	tr, err := transport.NewStreamableHTTP(url, opts...)
	if err != nil {
		t.Fatalf("toolstest: streamable HTTP transport: %v", err)
	}
	var clientOpts []mcpclient.ClientOption
	if tr.GetSessionId() != "" { // as mcpclient.NewStreamableHttpClient does
		clientOpts = append(clientOpts, mcpclient.WithSession())
	}
	return mcpclient.NewClient(Wrap(t, tr), clientOpts...)
}

// NewSSEClient is mcpclient.NewSSEMCPClient whose tool results are checked
// (see Wrap).
func NewSSEClient(t testing.TB, url string, opts ...transport.ClientOption) *mcpclient.Client {
	t.Helper()
	tr, err := transport.NewSSE(url, opts...)
	if err != nil {
		t.Fatalf("toolstest: SSE transport: %v", err)
	}
	return mcpclient.NewClient(Wrap(t, tr))
}

// NewIOClient is a client over a stdio-like pair of streams
// (transport.NewIO) whose tool results are checked (see Wrap).
func NewIOClient(t testing.TB, stdout io.Reader, stdin io.WriteCloser, stderr io.ReadCloser) *mcpclient.Client {
	return mcpclient.NewClient(Wrap(t, transport.NewIO(stdout, stdin, stderr)))
}

// Wrap returns tr with every tool result it carries checked by
// CheckToolResult: the answers to tools/call, and to tasks/result for the
// tasks those calls started. A result that fails the check fails t (with
// t.Errorf: the test goes on, and the caller still gets the answer).
//
// tr must be one of mcp-go's transports (in-process, stdio, streamable HTTP,
// SSE); the wrapper keeps every optional interface of it that the client
// looks for.
func Wrap(t testing.TB, tr transport.Interface) transport.Interface {
	t.Helper()
	c := &checker{report: func(err error) { t.Errorf("toolstest: %v", err) }}
	return wrapWith(c, tr, t.Fatalf)
}

func wrapWith(c *checker, tr transport.Interface, fatalf func(string, ...any)) transport.Interface {
	// Embedding the concrete type keeps all of its methods, hence the optional
	// interfaces mcpclient checks (BidirectionalInterface, HTTPConnection,
	// connection-lost and legacy-protocol hooks).
	switch tr := tr.(type) {
	case *transport.InProcessTransport:
		return &inProcess{tr, c}
	case *transport.Stdio:
		return &stdio{tr, c}
	case *transport.StreamableHTTP:
		return &streamable{tr, c}
	case *transport.SSE:
		return &sse{tr, c}
	}
	fatalf("toolstest: cannot wrap a %T", tr)
	return nil
}

type inProcess struct {
	*transport.InProcessTransport
	c *checker
}

func (w *inProcess) SendRequest(ctx context.Context, req transport.JSONRPCRequest) (*transport.JSONRPCResponse, error) {
	resp, err := w.InProcessTransport.SendRequest(ctx, req)
	w.c.observe(req, resp, err)
	return resp, err
}

type stdio struct {
	*transport.Stdio
	c *checker
}

func (w *stdio) SendRequest(ctx context.Context, req transport.JSONRPCRequest) (*transport.JSONRPCResponse, error) {
	resp, err := w.Stdio.SendRequest(ctx, req)
	w.c.observe(req, resp, err)
	return resp, err
}

type streamable struct {
	*transport.StreamableHTTP
	c *checker
}

func (w *streamable) SendRequest(ctx context.Context, req transport.JSONRPCRequest) (*transport.JSONRPCResponse, error) {
	resp, err := w.StreamableHTTP.SendRequest(ctx, req)
	w.c.observe(req, resp, err)
	return resp, err
}

type sse struct {
	*transport.SSE
	c *checker
}

func (w *sse) SendRequest(ctx context.Context, req transport.JSONRPCRequest) (*transport.JSONRPCResponse, error) {
	resp, err := w.SSE.SendRequest(ctx, req)
	w.c.observe(req, resp, err)
	return resp, err
}

// checker follows one client's requests: which tool each task runs, and
// whether each tool result matches its schema.
type checker struct {
	report func(error)
	mu     sync.Mutex
	tasks  map[string]string // task id -> tool name
}

// observe checks the answer to req, when it is a tool result.
func (c *checker) observe(req transport.JSONRPCRequest, resp *transport.JSONRPCResponse, err error) {
	if err != nil || resp == nil || resp.Error != nil || len(resp.Result) == 0 {
		return // no result: nothing to check
	}
	switch req.Method {
	case "tools/call":
		var params struct {
			Name string          `json:"name"`
			Task json.RawMessage `json:"task"`
		}
		if !decodeParams(req.Params, &params) {
			return
		}
		var created struct {
			Task *struct {
				TaskID string `json:"taskId"`
			} `json:"task"`
			ResultType string `json:"resultType"`
		}
		_ = json.Unmarshal(resp.Result, &created)
		switch {
		case created.Task != nil && created.Task.TaskID != "":
			// A task-augmented call: its result comes later, from tasks/result.
			c.mu.Lock()
			if c.tasks == nil {
				c.tasks = map[string]string{}
			}
			c.tasks[created.Task.TaskID] = params.Name
			c.mu.Unlock()
		case created.ResultType == "" || created.ResultType == "complete":
			c.check(params.Name, resp.Result)
		}
	case "tasks/result":
		var params struct {
			TaskID string `json:"taskId"`
		}
		if !decodeParams(req.Params, &params) {
			return
		}
		c.mu.Lock()
		tool, ok := c.tasks[params.TaskID]
		c.mu.Unlock()
		if ok {
			c.check(tool, resp.Result)
		}
	}
}

func (c *checker) check(tool string, result json.RawMessage) {
	if err := CheckToolResult(tool, result); err != nil {
		c.report(err)
	}
}

// decodeParams reads a request's params, whatever Go value the client built
// them from, as they go on the wire.
func decodeParams(params any, into any) bool {
	b, err := json.Marshal(params)
	return err == nil && json.Unmarshal(b, into) == nil
}

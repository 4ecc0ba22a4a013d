package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	mcpclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/carto-mcp/carto-mcp/cartofake"
	"github.com/carto-mcp/carto-mcp/client"
	"github.com/carto-mcp/carto-mcp/tools"
)

// BenchmarkConcurrentSessions measures what the server costs per call under
// load: loadSessions concurrent streamable-HTTP sessions each calling
// run_query for 100 rows, against a fake CARTO.
//
// The server runs in this process, assembled by run() exactly as the binary
// does (flags, HTTP middleware, logging at warn). The load client and the fake
// CARTO run in a child process (this test binary again, as
// TestLoadHelperProcess), so this process's CPU time (getrusage) and heap
// allocations (runtime.MemStats) are the server's own: that is what it
// reports, per call, next to the wall time. CPU time does not depend much on
// how busy the machine is; wall time does.
//
//	go test -run '^$' -bench ConcurrentSessions -benchtime 1600x ./cmd/carto-mcp/
//
// mcp-go-floor is the same load on mcp-go alone (see below).
func BenchmarkConcurrentSessions(b *testing.B) {
	b.Run("carto-mcp", func(b *testing.B) {
		benchLoad(b, func(b *testing.B, fakeURL string) string {
			vars := map[string]string{
				"CARTO_API_BASE_URL":     fakeURL,
				"CARTO_API_ACCESS_TOKEN": cartofake.DefaultToken,
				"CARTO_CONNECTION":       "carto_dw",
			}
			ctx, cancel := context.WithCancel(context.Background())
			addrc := make(chan net.Addr, 1)
			done := make(chan error, 1)
			go func() {
				done <- run(ctx, []string{"--transport", "http", "--addr", "127.0.0.1:0", "--log-level", "warn"},
					env{getenv: func(k string) string { return vars[k] }, stdout: io.Discard, stderr: io.Discard,
						listening: func(a net.Addr) { addrc <- a }})
			}()
			b.Cleanup(func() {
				cancel()
				if err := <-done; err != nil {
					b.Errorf("server: %v", err)
				}
			})
			select {
			case addr := <-addrc:
				return "http://" + addr.String() + "/mcp"
			case err := <-done:
				b.Fatalf("server did not start: %v", err)
			}
			return ""
		})
	})

	// The floor under any server on mcp-go for this load: run_query's very
	// definition (same schemas, input validation on) served over mcp-go's
	// streamable HTTP by a handler that does the least any proxy must: it
	// sends the query to CARTO (the same POST, over a pool of kept-alive
	// connections) and reads the answer to its end, but decodes none of it,
	// and returns the result carto-mcp returns for this query (built once,
	// beforehand). Its CPU per call is mcp-go's and net/http's alone;
	// carto-mcp's own share is the difference.
	b.Run("mcp-go-floor", func(b *testing.B) {
		benchLoad(b, func(b *testing.B, fakeURL string) string {
			c, err := client.New(client.Config{BaseURL: fakeURL, Connection: "carto_dw",
				Token: client.StaticToken(cartofake.DefaultToken)})
			if err != nil {
				b.Fatal(err)
			}
			d, err := tools.NewDeps(tools.Options{Client: c, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(d.Close)
			runQuery := tools.RunQuery(d)
			var req mcp.CallToolRequest
			req.Params.Name = tools.ToolRunQuery
			req.Params.Arguments = map[string]any{"sql": loadSQL, "max_rows": 100}
			prebuilt, err := runQuery.Handler(context.Background(), req)
			if err != nil || prebuilt.IsError {
				b.Fatalf("building the result: %v %v", err, prebuilt)
			}
			body, err := json.Marshal(map[string]string{"q": loadSQL})
			if err != nil {
				b.Fatal(err)
			}
			queryURL := fakeURL + "/v3/sql/carto_dw/query?client=" + client.DefaultClientID
			hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: loadSessions}}
			b.Cleanup(hc.CloseIdleConnections)
			s := server.NewMCPServer("floor", "1", server.WithToolCapabilities(false), server.WithInputSchemaValidation())
			s.AddTool(runQuery.Tool, func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
				r, err := http.NewRequestWithContext(ctx, http.MethodPost, queryURL, bytes.NewReader(body))
				if err != nil {
					return nil, err
				}
				r.Header.Set("Authorization", "Bearer "+cartofake.DefaultToken)
				r.Header.Set("Content-Type", "application/json")
				resp, err := hc.Do(r)
				if err != nil {
					return nil, err
				}
				defer resp.Body.Close()
				if _, err := io.Copy(io.Discard, resp.Body); err != nil || resp.StatusCode != http.StatusOK {
					return nil, fmt.Errorf("CARTO: HTTP %d %v", resp.StatusCode, err)
				}
				return prebuilt, nil
			})
			hs := server.NewStreamableHTTPServer(s)
			ts := httptest.NewServer(hs)
			b.Cleanup(func() {
				_ = hs.Shutdown(context.Background())
				ts.Close()
			})
			return ts.URL + "/mcp"
		})
	})
}

// benchLoad starts the load helper and a server (start returns its MCP URL),
// then measures b.N calls.
func benchLoad(b *testing.B, start func(b *testing.B, fakeURL string) string) {
	child, err := startLoadHelper(b)
	if err != nil {
		b.Fatal(err)
	}
	url := start(b, child.expect(b, "fake"))
	child.send(b, url)
	child.expect(b, "ready") // sessions open and warm

	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	cpu0 := processCPU(b)
	begin := time.Now()
	child.send(b, strconv.Itoa(b.N))
	if got := child.expect(b, "done"); got != "ok" {
		b.Fatalf("load: %s", got)
	}
	elapsed := time.Since(begin)
	cpu1 := processCPU(b)
	runtime.ReadMemStats(&m1)
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(float64((cpu1-cpu0).Microseconds())/1000/n, "server-cpu-ms/call")
	b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/n, "server-allocs/call")
	b.ReportMetric(float64(m1.TotalAlloc-m0.TotalAlloc)/n, "server-B/call")
	b.ReportMetric(n/elapsed.Seconds(), "calls/s")
	child.send(b, "exit")
	child.wait(b)
}

// loadSessions is the number of concurrent sessions the benchmark drives.
const loadSessions = 32

// loadSQL is answered by the fake with 100 typical rows.
const loadSQL = "SELECT id, name, country, population, revenue, geom FROM stores"

// processCPU is this process's user and system CPU time so far.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type loadHelper struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
}

func startLoadHelper(b *testing.B) (*loadHelper, error) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestLoadHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "CARTO_MCP_LOAD_HELPER=1")
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	h := &loadHelper{cmd: cmd, in: in, out: bufio.NewScanner(out)}
	b.Cleanup(func() {
		_ = in.Close()
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return h, nil
}

func (h *loadHelper) send(b *testing.B, line string) {
	if _, err := fmt.Fprintln(h.in, line); err != nil {
		b.Fatalf("load helper: %v", err)
	}
}

// expect reads the helper's lines up to one that starts with word, and
// returns the rest of it.
func (h *loadHelper) expect(b *testing.B, word string) string {
	for h.out.Scan() {
		if rest, ok := strings.CutPrefix(h.out.Text(), word+" "); ok {
			return rest
		}
	}
	b.Fatalf("load helper ended before %q: %v", word, h.out.Err())
	return ""
}

func (h *loadHelper) wait(b *testing.B) {
	_ = h.in.Close()
	if err := h.cmd.Wait(); err != nil {
		b.Errorf("load helper: %v", err)
	}
}

// TestLoadHelperProcess is BenchmarkConcurrentSessions's load: a fake CARTO
// and loadSessions sessions. It does nothing in a normal test run. It talks
// over stdin and stdout: it prints "fake URL", reads the server's URL, opens
// and warms the sessions, prints "ready .", then for each number N read makes
// N calls in all and prints "done ok" (or "done" and the first error); "exit"
// ends it.
func TestLoadHelperProcess(t *testing.T) {
	if os.Getenv("CARTO_MCP_LOAD_HELPER") != "1" {
		t.Skip("the child process of BenchmarkConcurrentSessions")
	}
	fake := cartofake.New(t)
	cols := []cartofake.Column{{Name: "id", Type: "bigint"}, {Name: "name", Type: "string"},
		{Name: "country", Type: "string"}, {Name: "population", Type: "number"},
		{Name: "revenue", Type: "number"}, {Name: "geom", Type: "geometry"}}
	fake.SetQueryGenerator(loadSQL, cols, 100, func(i int) []any {
		return []any{1_000_000 + i, fmt.Sprintf("Store %d", i), "Spain", 3_300_000 + i,
			float64(i) * 1234.5, fmt.Sprintf("POINT (%.4f %.4f)", -3.7+float64(i)/1000, 40.4+float64(i)/1000)}
	})
	fmt.Printf("fake %s\n", fake.URL)
	in := bufio.NewScanner(os.Stdin)
	if !in.Scan() {
		t.Fatal("no server URL")
	}
	url := in.Text()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	sessions := make([]*mcpclient.Client, loadSessions)
	for i := range sessions {
		c, err := mcpclient.NewStreamableHttpClient(url)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Start(ctx); err != nil {
			t.Fatal(err)
		}
		var init mcp.InitializeRequest
		init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
		init.Params.ClientInfo = mcp.Implementation{Name: "load", Version: "1"}
		if _, err := c.Initialize(ctx, init); err != nil {
			t.Fatal(err)
		}
		sessions[i] = c
	}
	var req mcp.CallToolRequest
	req.Params.Name = "run_query"
	req.Params.Arguments = map[string]any{"sql": loadSQL, "max_rows": 100}
	calls := func(n int) error {
		var next atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan error, len(sessions))
		for _, c := range sessions {
			wg.Go(func() {
				for next.Add(1) <= int64(n) {
					res, err := c.CallTool(ctx, req)
					if err == nil && res.IsError {
						err = fmt.Errorf("isError: %v", res.Content)
					}
					if err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		fake.ResetRequests()
		select {
		case err := <-errs:
			return err
		default:
			return nil
		}
	}
	if err := calls(4 * loadSessions); err != nil { // warm connections, pools and caches
		t.Fatal(err)
	}
	fmt.Println("ready .")
	for in.Scan() {
		if in.Text() == "exit" {
			return
		}
		n, err := strconv.Atoi(in.Text())
		if err != nil {
			t.Fatal(err)
		}
		if err := calls(n); err != nil {
			fmt.Printf("done %v\n", err)
			continue
		}
		fmt.Println("done ok")
	}
}

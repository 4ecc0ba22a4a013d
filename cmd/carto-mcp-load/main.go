// Command carto-mcp-load puts concurrent streamable-HTTP MCP sessions on a
// carto-mcp server and reports latency percentiles, errors and the server's peak
// resident memory.
//
// By default it starts the server itself, on the embedded local warehouse, on a
// free loopback port, so the numbers are about carto-mcp alone:
//
//	go build -o carto-mcp ./cmd/carto-mcp
//	go run ./cmd/carto-mcp-load -server ./carto-mcp -sessions 200 -calls 50
//
// It exits non-zero if any call failed. It only ever talks to loopback addresses.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	mcpclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
)

type options struct {
	server   string
	url      string
	sessions int
	calls    int
	sql      string
	maxRows  int
	timeout  time.Duration
	// abandon > 0 measures abandoned sessions instead of load.
	abandon    int
	settle     time.Duration
	serverArgs string
}

func main() {
	var o options
	flag.StringVar(&o.server, "server", "./carto-mcp", "carto-mcp binary to start with --local --transport http (ignored with -url)")
	flag.StringVar(&o.url, "url", "", "load an already running server's streamable HTTP endpoint instead (loopback only)")
	flag.IntVar(&o.sessions, "sessions", 200, "concurrent MCP sessions")
	flag.IntVar(&o.calls, "calls", 50, "run_query calls per session")
	flag.StringVar(&o.sql, "sql", "SELECT name, country, population, geom FROM demo.cities ORDER BY population DESC LIMIT 20",
		"the query each call runs")
	flag.IntVar(&o.maxRows, "max-rows", 20, "max_rows of each call")
	flag.DurationVar(&o.timeout, "timeout", 5*time.Minute, "bound on the whole run")
	flag.IntVar(&o.abandon, "abandon", 0, "instead of load: start this many sessions, never end them, and report the server's RSS before, after and -settle later")
	flag.DurationVar(&o.settle, "settle", 30*time.Second, "with -abandon: how long to wait before the last RSS reading")
	flag.StringVar(&o.serverArgs, "server-args", "", "extra flags for the started server, e.g. \"--session-idle-timeout 10s\"")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "carto-mcp-load:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()

	endpoint, pid := o.url, 0
	if endpoint == "" {
		srv, addr, err := startServer(ctx, o.server, strings.Fields(o.serverArgs))
		if err != nil {
			return err
		}
		defer func() { _ = srv.Process.Kill(); _ = srv.Wait() }()
		endpoint, pid = "http://"+addr+"/mcp", srv.Process.Pid
	} else if err := requireLoopback(endpoint); err != nil {
		return err
	}

	if o.abandon > 0 {
		if pid == 0 {
			return errors.New("-abandon measures the server's memory: let it start the server (no -url)")
		}
		return abandonSessions(ctx, endpoint, pid, o.abandon, o.settle)
	}

	start := time.Now()
	lat, errs := load(ctx, endpoint, o)
	elapsed := time.Since(start)

	slices.Sort(lat)
	fmt.Printf("sessions=%d calls/session=%d calls=%d errors=%d elapsed=%s throughput=%.0f calls/s\n",
		o.sessions, o.calls, len(lat)+len(errs), len(errs), elapsed.Round(time.Millisecond), float64(len(lat))/elapsed.Seconds())
	if len(lat) > 0 {
		fmt.Printf("latency p50=%s p90=%s p99=%s max=%s\n",
			pct(lat, 50), pct(lat, 90), pct(lat, 99), lat[len(lat)-1].Round(time.Microsecond))
	}
	if pid != 0 {
		if hwm, err := peakRSS(pid); err == nil {
			fmt.Printf("server peak RSS=%.1f MiB\n", float64(hwm)/(1<<20))
		}
	}
	if len(errs) > 0 {
		for _, e := range errs[:min(5, len(errs))] {
			fmt.Fprintln(os.Stderr, "error:", e)
		}
		return fmt.Errorf("%d of %d calls failed", len(errs), o.sessions*o.calls)
	}
	return nil
}

// load runs o.sessions sessions at once, each making o.calls calls in turn.
func load(ctx context.Context, endpoint string, o options) ([]time.Duration, []error) {
	var (
		mu   sync.Mutex
		lat  = make([]time.Duration, 0, o.sessions*o.calls)
		errs []error
		wg   sync.WaitGroup
	)
	record := func(d time.Duration, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			errs = append(errs, err)
			return
		}
		lat = append(lat, d)
	}
	for s := range o.sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := connect(ctx, endpoint, s)
			if err != nil {
				for range o.calls {
					record(0, err)
				}
				return
			}
			defer c.Close()
			for range o.calls {
				record(callOnce(ctx, c, o))
			}
		}()
	}
	wg.Wait()
	return lat, errs
}

func connect(ctx context.Context, endpoint string, n int) (*mcpclient.Client, error) {
	c, err := mcpclient.NewStreamableHttpClient(endpoint)
	if err != nil {
		return nil, err
	}
	if err := c.Start(ctx); err != nil {
		return nil, err
	}
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "carto-mcp-load-" + strconv.Itoa(n), Version: "1"}
	if _, err := c.Initialize(ctx, init); err != nil {
		c.Close()
		return nil, fmt.Errorf("initialize: %w", err)
	}
	return c, nil
}

func callOnce(ctx context.Context, c *mcpclient.Client, o options) (time.Duration, error) {
	req := mcp.CallToolRequest{}
	req.Params.Name = "run_query"
	req.Params.Arguments = map[string]any{"sql": o.sql, "max_rows": o.maxRows}
	t0 := time.Now()
	res, err := c.CallTool(ctx, req)
	d := time.Since(t0)
	if err != nil {
		return 0, err
	}
	if res.IsError {
		return 0, fmt.Errorf("run_query returned a tool error: %v", res.Content)
	}
	return d, nil
}

// startServer runs the binary on a free loopback port and waits for /healthz.
func startServer(ctx context.Context, bin string, extra []string) (*exec.Cmd, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.CommandContext(ctx, bin, append([]string{"--local", "--transport", "http", "--addr", addr, "--log-level", "warn"}, extra...)...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, "", fmt.Errorf("starting %s: %w", bin, err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			conn.Close()
			return cmd, addr, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	return nil, "", errors.New("the server did not start listening within 30s")
}

func requireLoopback(endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil {
		return err
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("-url %s: this load generator only targets loopback addresses", endpoint)
}

// peakRSS is the process's high-water resident set size (VmHWM), in bytes.
func peakRSS(pid int) (int64, error) { return procStatus(pid, "VmHWM:") }

// procStatus reads one size (in kB) from /proc/PID/status, in bytes.
func procStatus(pid int, field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no " + field)
}

func pct(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p + 99) / 100
	i = max(1, min(i, len(sorted)))
	return sorted[i-1].Round(time.Microsecond)
}

package main

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// BenchmarkStdioColdStart measures what an MCP client waits for when it starts
// the server: from exec to the answer of the first tools/list, over stdio, with
// the release binary (built by .ci/build.sh, as the Dockerfile builds it). Run
// with -benchtime=20x or more; it reports ms/first-tools-list.
//
// mcp-go-floor is the same handshake with testdata/mcpfloor, an mcp-go server
// with the same five tool definitions and empty handlers, built the same way:
// the floor that the MCP library sets, under which carto-mcp cannot go.
func BenchmarkStdioColdStart(b *testing.B) {
	dir := b.TempDir()
	bin := releaseBuild(b, filepath.Join(dir, "carto-mcp"), "./cmd/carto-mcp")
	floor := releaseBuild(b, filepath.Join(dir, "mcpfloor"), "./cmd/carto-mcp/testdata/mcpfloor")
	handshake := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}` + "\n" +
		`{"jsonrpc":"2.0","method":"notifications/initialized"}` + "\n" +
		`{"jsonrpc":"2.0","id":2,"method":"tools/list"}` + "\n"

	for _, mode := range []struct {
		name string
		bin  string
		args []string
		env  []string
	}{
		{"carto", bin, nil, []string{"CARTO_API_ACCESS_TOKEN=bench-token", "CARTO_CONNECTION=carto_dw"}},
		{"local", bin, []string{"--local"}, nil},
		{"mcp-go-floor", floor, nil, nil},
	} {
		b.Run(mode.name, func(b *testing.B) {
			var toFirstAnswer time.Duration
			for b.Loop() {
				toFirstAnswer += coldStart(b, mode.bin, mode.args, mode.env, handshake)
			}
			// ns/op also counts the process's exit; this is what a client waits for.
			b.ReportMetric(float64(toFirstAnswer.Microseconds())/1000/float64(b.N), "ms/first-tools-list")
		})
	}
}

// releaseBuild builds pkg (a path from the module root) into out with
// .ci/build.sh, the release build, and returns out.
func releaseBuild(b *testing.B, out, pkg string) string {
	b.Helper()
	build := exec.Command("bash", "../../.ci/build.sh", out, "bench", pkg)
	build.Stdout = io.Discard
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		b.Fatalf("building %s with .ci/build.sh: %v", pkg, err)
	}
	return out
}

// coldStart starts the server, and returns the time from exec to the answer of
// its first tools/list; it then ends the server.
func coldStart(b *testing.B, bin string, args, env []string, handshake string) time.Duration {
	start := time.Now()
	cmd := exec.Command(bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	if _, err := io.WriteString(stdin, handshake); err != nil {
		b.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 4<<20)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), `{"jsonrpc":"2.0","id":2,`) {
			break
		}
	}
	answered := time.Since(start)
	if !strings.Contains(sc.Text(), `"run_query"`) {
		b.Fatalf("no tools/list answer: %q (%v)", sc.Text(), sc.Err())
	}
	stdin.Close()
	_ = cmd.Wait()
	return answered
}

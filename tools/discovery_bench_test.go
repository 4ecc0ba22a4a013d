package tools_test

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/jackc/pgx/v5"
	mcpclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/carto-mcp/carto-mcp/cartofake"
	"github.com/carto-mcp/carto-mcp/client"
	"github.com/carto-mcp/carto-mcp/localwarehouse"
	"github.com/carto-mcp/carto-mcp/pgtest"
	"github.com/carto-mcp/carto-mcp/tools"
)

// The discovery benchmarks: describe_table's statistics on the demo stores
// and on DuckDB tables of 1 and 10 million rows (the sampled statement must
// not grow with the table), and list_tables paging through catalogs of 1,000
// and 10,000 tables, on DuckDB and on PostgreSQL (the memory of a page must not grow with the catalog or
// the page number). Each reports, beside ns/op (which a busy machine
// inflates), the process's CPU time per call, the Go heap allocated per call
// (B/op) and at its peak, and the process's peak resident memory, which
// includes DuckDB's own allocations outside the Go heap.
//
//	go test -run '^$' -bench 'DescribeTableStats|ListTablesPaged' -benchtime 3x ./tools/
//
// With -short (CI's run-once pass) they skip their largest size, the 10M-row
// table and the 10,000-table catalogs, which take minutes to build; the
// 1M-row and 1,000-table sizes still run.

// BenchmarkDescribeTableStats: describe_table with stats: true.
func BenchmarkDescribeTableStats(b *testing.B) {
	b.Run("demo.stores", func(b *testing.B) {
		benchDescribe(b, demoServer(b, tools.Options{}), "carto_local.demo.stores")
	})
	for _, rows := range []int{1_000_000, 10_000_000} {
		b.Run(fmt.Sprintf("%dM_rows", rows/1_000_000), func(b *testing.B) {
			if testing.Short() && rows > 1_000_000 {
				b.Skip("-short skips the 10M-row table; go test -run '^$' -bench DescribeTableStats -benchtime 3x ./tools/ runs it")
			}
			path := duckFile(b, fmt.Sprintf(`CREATE TABLE big AS SELECT i AS id, (i * 7919) %% 100000 / 100.0 AS revenue,
  'category ' || CAST(i %% 50 AS VARCHAR) AS category, i %% 3 = 0 AS open,
  TIMESTAMP '2020-01-01' + to_seconds(i %% 100000000) AS opened_at,
  'POINT (' || CAST((i * 13) %% 36000 / 100.0 - 180 AS VARCHAR) || ' ' || CAST((i * 17) %% 17000 / 100.0 - 85 AS VARCHAR) || ')' AS geom
FROM range(%d) AS r(i)`, rows))
			benchDescribe(b, fileServer(b, path), "carto_local.main.big")
		})
	}
}

func benchDescribe(b *testing.B, srv *server.MCPServer, table string) {
	mc := toolsClient(b, srv)
	var req mcp.CallToolRequest
	req.Params.Name = tools.ToolDescribeTable
	req.Params.Arguments = map[string]any{"table": table, "stats": true}
	call := func() tools.DescribeTableOutput {
		res, err := mc.CallTool(b.Context(), req)
		if err != nil || res.IsError {
			b.Fatalf("describe_table: %v %v", err, res)
		}
		var out tools.DescribeTableOutput
		if err := json.Unmarshal(res.RawStructuredContent, &out); err != nil || out.Stats == nil || out.Stats.SampleRows == 0 {
			b.Fatalf("describe_table: no statistics (%v): %s", err, res.RawStructuredContent)
		}
		return out
	}
	b.ReportAllocs()
	call() // warm: the first call pays for DuckDB loading the table's blocks
	mem := watchMemory(b)
	cpu := cpuTime()
	var out tools.DescribeTableOutput
	for b.Loop() {
		out = call()
	}
	b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
	mem.report(b)
	b.ReportMetric(float64(out.Stats.SampleRows), "sample-rows")
	b.ReportMetric(float64(*out.RowCount), "table-rows")
}

// BenchmarkListTablesPaged: list_tables pages of 100 through one schema of
// 1,000 or 10,000 tables (one in ten a view) on --local's DuckDB.
func BenchmarkListTablesPaged(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("%d_tables", n), func(b *testing.B) {
			if testing.Short() && n > 1000 {
				b.Skip("-short skips the 10,000-table catalog; go test -run '^$' -bench ListTablesPaged -benchtime 3x ./tools/ runs it")
			}
			var ddl strings.Builder
			ddl.WriteString("CREATE SCHEMA cat;\n")
			for i := range n {
				// Every tenth a view, every table with a geometry and an H3 column.
				if i%10 == 9 {
					fmt.Fprintf(&ddl, "CREATE VIEW cat.t%05d AS SELECT 1 AS id;\n", i)
				} else {
					fmt.Fprintf(&ddl, "CREATE TABLE cat.t%05d (id INTEGER, name VARCHAR, geom VARCHAR, h3 VARCHAR);\n", i)
				}
			}
			mc := toolsClient(b, fileServer(b, duckFile(b, ddl.String())))
			benchPaging(b, mc, map[string]any{"path": "carto_local.cat"}, n)
		})
	}
}

// BenchmarkListTablesPagedPostgres is BenchmarkListTablesPaged on the real
// PostgreSQL with PostGIS (pgtest) behind the fake CARTO: one schema of
// 1,000 or 10,000 tables with a geometry column (one in ten a view).
func BenchmarkListTablesPagedPostgres(b *testing.B) {
	pg := pgtest.Start(b)
	conn, err := pgx.Connect(b.Context(), pg.DSN)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(b.Context(), "CREATE EXTENSION postgis"); err != nil {
		b.Fatal(err)
	}
	fake := cartofake.New(b, cartofake.WithAPITokenListsConnections(),
		cartofake.WithConnectionList(cartofake.ConnectionInfo{ID: "c-pg", Name: "pg", ProviderID: "postgres"}))
	fake.ForwardQueries("pg", cartofake.Postgres(pg.DSN))
	c, err := client.New(client.Config{BaseURL: fake.URL, Connection: "pg", Token: client.StaticToken(cartofake.DefaultToken), HTTPClient: fake.Client()})
	if err != nil {
		b.Fatal(err)
	}
	srv, deps, err := tools.NewServerWithDeps(tools.Options{Client: c, ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(deps.Close)
	mc := toolsClient(b, srv)
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("%d_tables", n), func(b *testing.B) {
			if testing.Short() && n > 1000 {
				b.Skip("-short skips the 10,000-table catalog; go test -run '^$' -bench ListTablesPagedPostgres -benchtime 3x ./tools/ runs it")
			}
			schema := fmt.Sprintf("cat%d", n)
			if _, err := conn.Exec(b.Context(), "CREATE SCHEMA IF NOT EXISTS "+schema); err != nil {
				b.Fatal(err)
			}
			// In transactions of 500 tables: one of 10,000 runs out of locks.
			for from := 0; from < n; from += 500 {
				_, err := conn.Exec(b.Context(), fmt.Sprintf(`DO $$ BEGIN FOR i IN %[2]d..%[3]d LOOP
  IF i %% 10 = 9 THEN EXECUTE format('CREATE OR REPLACE VIEW %[1]s.t%%s AS SELECT 1 AS id', lpad(i::text, 5, '0'));
  ELSE EXECUTE format('CREATE TABLE IF NOT EXISTS %[1]s.t%%s (id int, name text, geom geometry(Point, 4326), h3 varchar(16))', lpad(i::text, 5, '0'));
  END IF;
END LOOP; END $$`, schema, from, min(from+500, n)-1))
				if err != nil {
					b.Fatal(err)
				}
			}
			if _, err := conn.Exec(b.Context(), "ANALYZE"); err != nil {
				b.Fatal(err)
			}
			benchPaging(b, mc, map[string]any{"connection": "pg", "path": "postgres." + schema}, n)
		})
	}
}

// benchPaging measures list_tables pages of 100 through a listing of n
// items at args: "all" walks every page with next_cursor, per op; "first"
// and "last" are one page at the start and at the end of the listing (the
// last one reached with its cursor).
func benchPaging(b *testing.B, mc *mcpclient.Client, args map[string]any, n int) {
	const limit = 100
	page := func(cursor string) tools.ListTablesOutput {
		var req mcp.CallToolRequest
		req.Params.Name = tools.ToolListTables
		a := map[string]any{"limit": limit}
		for k, v := range args {
			a[k] = v
		}
		if cursor != "" {
			a["cursor"] = cursor
		}
		req.Params.Arguments = a
		res, err := mc.CallTool(b.Context(), req)
		if err != nil || res.IsError {
			b.Fatalf("list_tables: %v %v", err, res)
		}
		var out tools.ListTablesOutput
		if err := json.Unmarshal(res.RawStructuredContent, &out); err != nil {
			b.Fatal(err)
		}
		if len(out.Items) != limit {
			b.Fatalf("a page of %d items", len(out.Items))
		}
		return out
	}
	// The cursors of every page (from the walk of "all", or a walk of its
	// own when only "first" or "last" runs), and a check that the pages
	// hold the listing.
	var cursors []string
	walk := func() []string {
		cs := []string{""}
		for {
			out := page(cs[len(cs)-1])
			if out.NextCursor == "" {
				break
			}
			cs = append(cs, out.NextCursor)
		}
		if len(cs) != n/limit {
			b.Fatalf("%d pages of %d, want %d items", len(cs), limit, n)
		}
		return cs
	}
	measure := func(b *testing.B, pages int, loop func()) {
		b.ReportAllocs()
		mem := watchMemory(b)
		cpu := cpuTime()
		for b.Loop() {
			loop()
		}
		total := float64(b.N * pages)
		b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/1000/total, "cpu-ms/page")
		mem.report(b)
		b.ReportMetric(float64(mem.allocated())/total, "B/page")
	}
	b.Run("all", func(b *testing.B) {
		measure(b, n/limit, func() { cursors = walk() })
	})
	for _, at := range []string{"first", "last"} {
		b.Run(at, func(b *testing.B) {
			if cursors == nil {
				cursors = walk()
			}
			cursor := cursors[0]
			if at == "last" {
				cursor = cursors[len(cursors)-1]
			}
			measure(b, 1, func() { page(cursor) })
		})
	}
}

// duckFile is a DuckDB database file in a temporary directory, made by ddl.
func duckFile(b *testing.B, ddl string) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "bench.duckdb")
	db, err := sql.Open("duckdb", path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(b.Context(), ddl); err != nil {
		b.Fatal(err)
	}
	return path
}

// fileServer is carto-mcp --local on the DuckDB file at path, read-only,
// without the demo data.
func fileServer(b *testing.B, path string) *server.MCPServer {
	b.Helper()
	c := localClient(b, localwarehouse.Options{Path: path, ReadOnly: true, NoDemoData: true})
	srv, deps, err := tools.NewServerWithDeps(tools.Options{Client: c, Local: true, ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(deps.Close)
	return srv
}

// memoryWatch follows the process's memory while a benchmark runs: the Go
// heap's peak (sampled every millisecond), the bytes the Go heap allocated,
// and the peak resident set (VmHWM, reset at the start), which counts
// DuckDB's memory too.
type memoryWatch struct {
	stop      chan struct{}
	done      sync.WaitGroup
	peakHeap  uint64
	rssBefore int64
	allocs    uint64
}

func watchMemory(b *testing.B) *memoryWatch {
	runtime.GC()
	// Writing 5 to clear_refs resets the peak resident set (Linux >= 4.0).
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	w := &memoryWatch{stop: make(chan struct{}), rssBefore: procStatus("VmRSS"), allocs: heapAllocated()}
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	w.done.Add(1)
	go func() {
		defer w.done.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			w.peakHeap = max(w.peakHeap, sample[0].Value.Uint64())
			select {
			case <-w.stop:
				return
			case <-t.C:
			}
		}
	}()
	b.Cleanup(w.end)
	return w
}

func (w *memoryWatch) end() {
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
	w.done.Wait()
}

func (w *memoryWatch) allocated() uint64 { return heapAllocated() - w.allocs }

func (w *memoryWatch) report(b *testing.B) {
	w.end()
	b.ReportMetric(float64(w.peakHeap)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(procStatus("VmHWM"))/(1<<20), "peak-rss-MiB")
	b.ReportMetric(float64(procStatus("VmHWM")-w.rssBefore)/(1<<20), "rss-growth-MiB")
}

// heapAllocated is the bytes the Go heap has allocated since the start.
func heapAllocated() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// procStatus is a "kB" line of /proc/self/status, in bytes (0 if unknown).
func procStatus(key string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

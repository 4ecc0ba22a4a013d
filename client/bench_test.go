package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/cartofake"
)

// benchCols is a realistic row: string, number, bigint, geometry (WKT),
// timestamp, boolean.
var benchCols = []cartofake.Column{
	{Name: "name", Type: "string"},
	{Name: "revenue", Type: "number"},
	{Name: "id", Type: "bigint"},
	{Name: "geom", Type: "geometry"},
	{Name: "updated_at", Type: "timestamp"},
	{Name: "active", Type: "boolean"},
}

var benchT0 = time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)

func benchRow(i int) []any {
	return []any{
		"Store #" + strconv.Itoa(i) + " - Main Street",
		float64(i%100000) + 0.25,
		json.Number(strconv.FormatInt(9007199254740993+int64(i), 10)),
		"POINT(-73.98" + strconv.Itoa(1000+i%9000) + " 40.75" + strconv.Itoa(1000+i%9000) + ")",
		benchT0.Add(time.Duration(i) * time.Second),
		i%2 == 0,
	}
}

func benchResult(n int) cartofake.Result {
	return cartofake.Result{Columns: benchCols, N: n, Row: benchRow}
}

var (
	benchBodiesMu sync.Mutex
	benchBodies   = map[int][]byte{}
)

// benchBody is the whole body of an n-row result, generated once.
func benchBody(n int) []byte {
	benchBodiesMu.Lock()
	defer benchBodiesMu.Unlock()
	if b, ok := benchBodies[n]; ok {
		return b
	}
	b := cartofake.Body(benchResult(n))
	benchBodies[n] = b
	return b
}

func reportRows(b *testing.B, rows int) {
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkDecode decodes whole bodies held in memory through decodeQueryResult.
func BenchmarkDecode(b *testing.B) {
	for _, n := range []int{100, 10_000, 1_000_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			body := benchBody(n)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				res, err := decodeQueryResult(bytes.NewReader(body), QueryLimits{})
				if err != nil || len(res.Rows) != n {
					b.Fatalf("%v, %d rows", err, len(res.Rows))
				}
			}
			reportRows(b, n)
		})
	}
}

// BenchmarkRun decodes the same bodies through Run, over HTTP from cartofake.
func BenchmarkRun(b *testing.B) {
	for _, n := range []int{10_000, 1_000_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			body := benchBody(n)
			srv := cartofake.New(b)
			srv.SetQueryResponse("SELECT *", http.StatusOK, string(body))
			c := newTestClient(b, srv)
			ctx := testCtx(b)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				res, err := c.Queries.Run(ctx, &QueryRequest{SQL: "SELECT *"}, QueryLimits{})
				if err != nil || len(res.Rows) != n {
					b.Fatalf("%v", err)
				}
			}
			reportRows(b, n)
		})
	}
}

// heapSampler records the peak of live heap objects while it runs.
type heapSampler struct {
	stop chan struct{}
	done chan struct{}
	peak atomic.Uint64
}

func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func startHeapSampler() *heapSampler {
	h := &heapSampler{stop: make(chan struct{}), done: make(chan struct{})}
	h.peak.Store(heapObjects())
	go func() {
		defer close(h.done)
		t := time.NewTicker(100 * time.Microsecond)
		defer t.Stop()
		for {
			if v := heapObjects(); v > h.peak.Load() {
				h.peak.Store(v)
			}
			select {
			case <-h.stop:
				return
			case <-t.C:
			}
		}
	}()
	return h
}

func (h *heapSampler) Stop() uint64 {
	close(h.stop)
	<-h.done
	if v := heapObjects(); v > h.peak.Load() {
		h.peak.Store(v)
	}
	return h.peak.Load()
}

// bodySize is the size of the n-row body, counted without keeping it.
func bodySize(r cartofake.Result) int64 {
	n, _ := io.Copy(io.Discard, cartofake.NewBodyReader(r))
	return n
}

// BenchmarkCapped1M caps a 1,000,000-row body at 1,000 rows, for each order of
// the keys. The body is generated as it is read (never held in memory), so what
// the heap holds is what the decoder holds. Reported: peak-heap-MB (peak of live
// heap objects during one decode, above the level after a GC before it),
// read-MB vs body-MB, and B/op (all allocation, an upper bound on the growth).
func BenchmarkCapped1M(b *testing.B) {
	for _, schemaFirst := range []bool{false, true} {
		name := "rows-first"
		if schemaFirst {
			name = "schema-first"
		}
		res := benchResult(1_000_000)
		res.SchemaFirst = schemaFirst
		size := bodySize(res)
		b.Run("decode/"+name, func(b *testing.B) {
			b.ReportAllocs()
			var peak, read uint64
			for b.Loop() {
				b.StopTimer()
				runtime.GC()
				base := heapObjects()
				body := cartofake.NewBodyReader(res)
				h := startHeapSampler()
				b.StartTimer()
				out, err := decodeQueryResult(body, QueryLimits{MaxRows: 1000})
				b.StopTimer()
				p := h.Stop()
				if err != nil || len(out.Rows) != 1000 || !out.Truncated {
					b.Fatalf("%v", err)
				}
				peak = max(peak, p-min(p, base))
				read = max(read, uint64(body.BytesRead()))
				b.StartTimer()
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(read)/(1<<20), "read-MB")
			b.ReportMetric(float64(size)/(1<<20), "body-MB")
		})
		b.Run("run/"+name, func(b *testing.B) {
			srv := cartofake.New(b)
			srv.SetQuery("SELECT *", res)
			counter := &bodyCounter{rt: srv.Client().Transport}
			c := newTestClient(b, srv, withHTTPClient(&http.Client{Transport: counter}))
			ctx := testCtx(b)
			b.ReportAllocs()
			var peak uint64
			for b.Loop() {
				b.StopTimer()
				runtime.GC()
				base := heapObjects()
				h := startHeapSampler()
				b.StartTimer()
				out, err := c.Queries.Run(ctx, &QueryRequest{SQL: "SELECT *"}, QueryLimits{MaxRows: 1000})
				b.StopTimer()
				p := h.Stop()
				if err != nil || len(out.Rows) != 1000 || !out.Truncated {
					b.Fatalf("%v", err)
				}
				peak = max(peak, p-min(p, base))
				b.StartTimer()
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(counter.max.Load())/(1<<20), "read-MB")
			b.ReportMetric(float64(size)/(1<<20), "body-MB")
		})
	}
}

// bodyCounter is a RoundTripper that counts the response body bytes the client
// reads, per response (max kept).
type bodyCounter struct {
	rt  http.RoundTripper
	max atomic.Int64
}

func (c *bodyCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.rt.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &countingBody{ReadCloser: resp.Body, parent: c}
	return resp, nil
}

type countingBody struct {
	io.ReadCloser
	n      int64
	parent *bodyCounter
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	for {
		cur := b.parent.max.Load()
		if b.n <= cur || b.parent.max.CompareAndSwap(cur, b.n) {
			break
		}
	}
	return n, err
}

// TestHugeBodyCapped: a 1 GB body capped at a few rows returns without reading
// it: what the client reads is bounded by the kept rows and the schema skim.
func TestHugeBodyCapped(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		limits QueryLimits
	}{
		{name: "max rows", limits: QueryLimits{MaxRows: 10}},
		{name: "max bytes", limits: QueryLimits{MaxBytes: 10 << 10}},
		{name: "max rows, no schema skim", limits: QueryLimits{MaxRows: 10, SchemaLookahead: -1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := cartofake.New(t)
			srv.Inject(cartofake.Fault{PathSuffix: "/query", HugeBody: 1 << 30})
			counter := &bodyCounter{rt: srv.Client().Transport}
			c := newTestClient(t, srv, withHTTPClient(&http.Client{Transport: counter}))
			res, err := runBoundedResult(t, func() (*QueryResult, error) {
				return c.Queries.Run(testCtx(t), &QueryRequest{SQL: "SELECT huge"}, tt.limits)
			})
			require.NoError(t, err)
			assert.True(t, res.Truncated)
			assert.NotEmpty(t, res.Rows)
			assert.Equal(t, []string{"id", "name", "value", "geom"}, colNames(res.Columns))
			assert.Less(t, counter.max.Load(), int64(defaultSchemaLookahead+2<<20), "bytes read of a 1 GiB body")
		})
	}
}

func runBoundedResult(t *testing.T, f func() (*QueryResult, error)) (*QueryResult, error) {
	t.Helper()
	var res *QueryResult
	err := runBounded(t, func() error {
		var err error
		res, err = f()
		return err
	})
	return res, err
}

package tiler

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/metrics"
	"testing"

	"github.com/paulmach/orb"
)

// Benchmarks of the tiler alone (no warehouse): tiles per second and the
// peak live heap while tiling, sampled every 256 tiles. The heap holds the
// features and the depth-first path, never the tiles, so for a fixed input
// it stays flat however many tiles a zoom range makes (BenchmarkZoomScaling);
// it grows with the features (BenchmarkPoints).
//
//	go test -run '^$' -bench . -benchtime 1x ./tiler/   (TILER_BENCH_1M=1 adds 1,000,000 points)
//
// With -short (CI's run-once pass) each benchmark runs its smallest size
// only: 10,000 points, or zoom 0-8.

func randomPoints(n int) *Source {
	src := NewSource([]Property{{"id", Number}, {"kind", String}})
	rng := rand.New(rand.NewPCG(7, 11))
	kinds := []string{"a", "b", "c", "d"}
	for i := range n {
		// Clustered like real data: around 200 centres.
		c := rng.IntN(200)
		crng := rand.New(rand.NewPCG(uint64(c), 1))
		lon, lat := crng.Float64()*300-150, crng.Float64()*120-60
		p := orb.Point{lon + rng.NormFloat64()*2, lat + rng.NormFloat64()*2}
		p[0] = max(-180, min(180, p[0]))
		p[1] = max(-85, min(85, p[1]))
		if err := src.Add(int64(i), p, []any{int64(i), kinds[i%4]}); err != nil {
			panic(err)
		}
	}
	return src
}

func benchTile(b *testing.B, src *Source, zmax int) {
	o, err := ParseSimpleOptions(fmt.Sprintf(`{"zoom_max": %d, "max_tile_size_strategy": "drop_fraction_as_needed"}`, zmax))
	if err != nil {
		b.Fatal(err)
	}
	o.Properties = src.props
	var h tileHeap
	runtime.GC()
	base := h.live()
	b.ResetTimer()
	for range b.N {
		if _, err := src.Tile(context.Background(), o, h.emit, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	h.report(b)
	b.ReportMetric(float64(h.peak-min(h.peak, base))/(1<<20), "peak-over-input-MiB")
}

// tileHeap counts the tiles a benchmark's tiler emits and samples the heap
// every 256 of them, keeping the peak.
type tileHeap struct {
	sample []metrics.Sample // made once: reading it allocates nothing
	tiles  int64
	peak   uint64
}

// live is the bytes of heap objects now.
func (h *tileHeap) live() uint64 {
	if h.sample == nil {
		h.sample = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	}
	metrics.Read(h.sample)
	return h.sample[0].Value.Uint64()
}

// emit is the tiler's emit function.
func (h *tileHeap) emit(Tile) error {
	if h.tiles++; h.tiles%256 == 0 {
		h.peak = max(h.peak, h.live())
	}
	return nil
}

func (h *tileHeap) report(b *testing.B) {
	b.ReportMetric(float64(h.tiles)/float64(b.N), "tiles/op")
	b.ReportMetric(float64(h.tiles)/b.Elapsed().Seconds(), "tiles/s")
	b.ReportMetric(float64(h.peak)/(1<<20), "peak-heap-MiB")
}

func BenchmarkPoints(b *testing.B) {
	sizes := []int{10_000, 100_000}
	if os.Getenv("TILER_BENCH_1M") != "" { // minutes and ~1 GiB: not in CI's run-once pass
		sizes = append(sizes, 1_000_000)
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("n=%d/z0-12", n), func(b *testing.B) {
			if testing.Short() && n > 10_000 {
				b.Skip("-short runs 10,000 points only; go test -run '^$' -bench Points -benchtime 1x ./tiler/ runs this size")
			}
			benchTile(b, randomPoints(n), 12)
		})
	}
}

func BenchmarkZoomScaling(b *testing.B) {
	src := randomPoints(100_000)
	for _, z := range []int{8, 10, 12} {
		b.Run(fmt.Sprintf("n=100000/z0-%d", z), func(b *testing.B) {
			if testing.Short() && z > 8 {
				b.Skip("-short runs zoom 0-8 only; go test -run '^$' -bench ZoomScaling -benchtime 1x ./tiler/ runs this range")
			}
			benchTile(b, src, z)
		})
	}
}

// BenchmarkPointAggregation: 10,000 and 100,000 clustered points
// (1,000,000 with TILER_BENCH_1M=1) aggregated into cells with COUNT and
// SUM, zoom 0-12.
func BenchmarkPointAggregation(b *testing.B) {
	benchAggregation(b, `{"zoom_max": 12, "aggregation_resolution": 6, "properties": {
		"n": {"formula": "COUNT(*)", "type": "Number"}, "s": {"formula": "SUM(v)", "type": "Number"}}}`,
		func(i int) []any { return []any{float64(i % 100)} })
}

// BenchmarkPointAggregationSinglePoint: the same points with COUNT(*) and
// two single_point_properties, a text (about 11 bytes) and a number per
// point. read-live-MiB is the live heap once every point is added (every
// value kept: which points are alone is known only then); peak-heap-MiB,
// while tiling, holds only the lone points' values (lone-points: how many
// of the points that is, alone in their cell at zoom 18).
func BenchmarkPointAggregationSinglePoint(b *testing.B) {
	benchAggregation(b, `{"zoom_max": 12, "aggregation_resolution": 6, "properties": {
		"n": {"formula": "COUNT(*)", "type": "Number"}}, "single_point_properties": {"name": "String", "id": "Number"}}`,
		func(i int) []any { return []any{fmt.Sprintf("store %06d", i), int64(i)} })
}

// benchAggregation adds n clustered points with values(i) and tiles them,
// sampling the live heap after reading (after a GC, so the figure does not
// depend on when the collector last ran) and the heap every 256 tiles.
func benchAggregation(b *testing.B, options string, values func(i int) []any) {
	sizes := []int{10_000, 100_000}
	if os.Getenv("TILER_BENCH_1M") != "" {
		sizes = append(sizes, 1_000_000)
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("n=%d/z0-12", n), func(b *testing.B) {
			if testing.Short() && n > 10_000 {
				b.Skip("-short runs 10,000 points only; go test -run '^$' -bench PointAggregation -benchtime 1x ./tiler/ runs this size")
			}
			o, err := ParsePointAggregationOptions(options)
			if err != nil {
				b.Fatal(err)
			}
			var h tileHeap
			var read uint64
			lone := -1
			for range b.N {
				a := NewPointAggregator(o)
				rng := rand.New(rand.NewPCG(7, 11))
				for i := range n {
					c := rng.IntN(200)
					crng := rand.New(rand.NewPCG(uint64(c), 1))
					p := orb.Point{crng.Float64()*300 - 150 + rng.NormFloat64()*2, crng.Float64()*120 - 60 + rng.NormFloat64()*2}
					p[0], p[1] = max(-180, min(180, p[0])), max(-85, min(85, p[1]))
					if err := a.Add(int64(i), p, values(i)); err != nil {
						b.Fatal(err)
					}
				}
				runtime.GC()
				read = max(read, h.live())
				if _, err := a.Tile(context.Background(), o, h.emit, nil); err != nil {
					b.Fatal(err)
				}
				if len(a.single) > 0 {
					lone = len(a.single[0].ends) + len(a.single[0].nums) + len(a.single[0].bools)
				}
			}
			h.report(b)
			b.ReportMetric(float64(read)/(1<<20), "read-live-MiB")
			if lone >= 0 {
				b.ReportMetric(float64(lone), "lone-points")
			}
		})
	}
}

// BenchmarkMetadata: the metadata row of 100,000 points with a Number and a
// String property, most of it the Number's quantiles (a sorted copy of its
// values). Allocations, not time, are the load-independent number.
func BenchmarkMetadata(b *testing.B) {
	src := randomPoints(100_000)
	o, err := ParseSimpleOptions(`{"zoom_max": 0}`)
	if err != nil {
		b.Fatal(err)
	}
	o.Properties = src.props
	res := &Result{ZoomMin: 0, ZoomMax: 0}
	b.ReportAllocs()
	b.ResetTimer()
	var n int
	for range b.N {
		n = len(src.Metadata(o, res))
	}
	b.ReportMetric(float64(n), "metadata-bytes")
}

package tiler

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// goldenSource is a fixed mix of points, lines, polygons (with holes, and
// crossing tile edges), multi-geometries and collections, with every
// property type and NULLs.
func goldenSource(t testing.TB) *Source {
	src := NewSource([]Property{{"id", Number}, {"name", String}, {"ratio", Number}, {"open", Boolean}})
	rng := rand.New(rand.NewPCG(42, 43))
	add := func(i int, g orb.Geometry) {
		var ratio any = rng.Float64() * 100
		if i%5 == 0 {
			ratio = nil
		}
		require.NoError(t, src.Add(int64(i), g, []any{int64(i), fmt.Sprint("f", i%17), ratio, i%3 == 0}))
	}
	pt := func() orb.Point {
		return orb.Point{rng.NormFloat64()*30 + 10, max(-84, min(84, rng.NormFloat64()*25+20))}
	}
	for i := range 3000 {
		add(i, pt())
	}
	for i := 3000; i < 3100; i++ {
		ls := orb.LineString{pt()}
		for range 2 + rng.IntN(30) {
			p := ls[len(ls)-1]
			ls = append(ls, orb.Point{max(-179, min(179, p[0]+rng.NormFloat64()*3)), max(-84, min(84, p[1]+rng.NormFloat64()*3))})
		}
		add(i, ls)
	}
	for i := 3100; i < 3150; i++ {
		c := pt()
		r := 0.5 + rng.Float64()*8
		outer := orb.Ring{}
		hole := orb.Ring{}
		for k := range 24 {
			a := float64(k) / 24 * 6.283185307179586
			outer = append(outer, orb.Point{c[0] + r*math.Cos(a), max(-85, min(85, c[1]+r*math.Sin(a)))})
			hole = append(hole, orb.Point{c[0] + r/3*math.Cos(-a), max(-85, min(85, c[1]+r/3*math.Sin(-a)))})
		}
		outer = append(outer, outer[0])
		hole = append(hole, hole[0])
		add(i, orb.Polygon{outer, hole})
	}
	add(3150, crossing)
	add(3151, orb.MultiPoint{{1, 1}, {2, 2}, {-120, 40}})
	add(3152, orb.MultiPolygon{crossing, {{{100, 10}, {110, 10}, {110, 20}, {100, 20}, {100, 10}}}})
	add(3153, orb.Collection{orb.Point{5, 5}, orb.LineString{{0, 0}, {30, 30}}})
	add(3154, orb.MultiLineString{{{-170, -60}, {170, 60}}, {{-10, 80}, {10, -80}}})
	return src
}

// tilesDigest tiles src and hashes its tiles (see digestTiles).
func tilesDigest(t testing.TB, src *Source, js string) string {
	o, err := ParseSimpleOptions(js)
	require.NoError(t, err)
	return digestTiles(t, func(write func(Tile) error) error {
		_, err := src.Tile(context.Background(), o, write, nil)
		return err
	})
}

// digestTiles runs tile, which writes tiles with write, and hashes every
// tile's z, x, y and uncompressed MVT bytes, in the order they are written.
func digestTiles(t testing.TB, tile func(write func(Tile) error) error) string {
	h := sha256.New()
	err := tile(func(tl Tile) error {
		zr, err := gzip.NewReader(bytes.NewReader(tl.Data))
		require.NoError(t, err)
		raw, err := io.ReadAll(zr)
		require.NoError(t, err)
		_ = binary.Write(h, binary.LittleEndian, [3]int64{int64(tl.Z), int64(tl.X), int64(tl.Y)})
		h.Write(raw)
		return nil
	})
	require.NoError(t, err)
	return hex.EncodeToString(h.Sum(nil))
}

// The tiles' bytes are pinned: changes to how the tiler holds or walks its
// features must not change a single byte of what it writes. The digests
// were taken before the compact feature store (the second case, a line
// clipped to nothing, panicked then; with that fixed alone, these are its
// bytes).
func TestTileBytesAreUnchanged(t *testing.T) {
	src := goldenSource(t)
	for _, tc := range []struct{ options, digest string }{
		{`{"zoom_max": 6, "properties": {"id": "Number", "name": "String", "ratio": "Number", "open": "Boolean"}}`,
			"10d1a061c99a990fa48fd5086aea9c7b7b0ee674861be8a996bb6a93de182276"},
		{`{"zoom_min": 2, "zoom_max": 5, "tile_buffer": 0, "max_tile_features": 100, "max_tile_size_strategy": "drop_fraction_as_needed",
		  "properties": {"id": "Number", "name": "String"}}`,
			"8e3c8946d5fb11c7ff60d36a18c36b0489f01e82727accd56a2a1de356da4e89"},
		{`{"zoom_max": 4, "tile_extent": 512, "tile_buffer": 64, "max_tile_size_kb": 8, "max_tile_size_strategy": "return_null"}`,
			"4679a8b5132fbfb6542b8ca897a4ac161bfe45d0994b3fafe0d086387d5470e9"},
	} {
		assert.Equal(t, tc.digest, tilesDigest(t, src, tc.options), tc.options)
	}
}

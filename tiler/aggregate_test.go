package tiler

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/quadbin"
)

func mustAggOptions(t *testing.T, js string) Options {
	t.Helper()
	o, err := ParsePointAggregationOptions(js)
	require.NoError(t, err)
	return o
}

type aggPoint struct {
	p    orb.Point
	v    any // "v" column
	name string
}

func aggregate(t *testing.T, o Options, pts []aggPoint) (*PointAggregator, *Result, []decodedTile) {
	t.Helper()
	a := NewPointAggregator(o)
	cols := a.Columns()
	for i, p := range pts {
		vals := make([]any, len(cols))
		for j, c := range cols {
			if c == "v" {
				vals[j] = p.v
			} else {
				vals[j] = p.name
			}
		}
		require.NoError(t, a.Add(int64(i+1), p.p, vals))
	}
	var tiles []decodedTile
	res, err := a.Tile(context.Background(), o, func(tl Tile) error {
		layers, err := mvt.UnmarshalGzipped(tl.Data)
		require.NoError(t, err)
		require.Len(t, layers, 1)
		require.Equal(t, "default", layers[0].Name)
		require.NotEmpty(t, layers[0].Features)
		tiles = append(tiles, decodedTile{tile: maptile.New(uint32(tl.X), uint32(tl.Y), maptile.Zoom(tl.Z)), layer: layers[0]})
		return nil
	}, nil)
	require.NoError(t, err)
	require.EqualValues(t, len(tiles), res.Tiles)
	return a, res, tiles
}

// Every zoom's cells hold every point once; each cell's values are those
// of its points, computed here the plain way.
func TestPointAggregationCellsHoldTheirPoints(t *testing.T) {
	const zmax, res = 5, 3
	o := mustAggOptions(t, fmt.Sprintf(`{"zoom_max": %d, "aggregation_resolution": %d, "properties": {
		"n": {"formula": "COUNT(*)", "type": "Number"}, "nv": {"formula": "count(v)", "type": "Number"},
		"s": {"formula": "SUM(v)", "type": "Number"}, "a": {"formula": "AVG(\"v\")", "type": "Number"},
		"lo": {"formula": "MIN(v)", "type": "Number"}, "hi": {"formula": "MAX(v)", "type": "Number"},
		"first": {"formula": "MIN(name)", "type": "String"}}}`, zmax, res))
	rng := rand.New(rand.NewPCG(3, 4))
	var pts []aggPoint
	for i := range 2000 {
		p := aggPoint{p: orb.Point{rng.NormFloat64()*20 + 10, rng.NormFloat64()*15 + 40}, name: fmt.Sprintf("p%04d", i)}
		p.p[1] = math.Max(-80, math.Min(80, p.p[1]))
		if i%7 != 0 {
			p.v = float64(rng.IntN(1000)) / 4
		}
		pts = append(pts, p)
	}
	_, result, tiles := aggregate(t, o, pts)
	assert.Equal(t, zmax, result.ZoomMax)

	type want struct {
		n, nv        int64
		sum, lo, hi  float64
		first        string
		tile, center orb.Point
	}
	for z := 0; z <= zmax; z++ {
		cells := map[[2]int]*want{}
		for _, p := range pts {
			x, y := quadbin.TileXY(p.p[0], p.p[1], z+res)
			w := cells[[2]int{x, y}]
			if w == nil {
				w = &want{lo: math.Inf(1), hi: math.Inf(-1), first: p.name}
				cells[[2]int{x, y}] = w
			}
			w.n++
			w.first = min(w.first, p.name)
			if f, ok := p.v.(float64); ok {
				w.nv++
				w.sum += f
				w.lo, w.hi = math.Min(w.lo, f), math.Max(w.hi, f)
			}
		}
		var total int64
		for _, dt := range tiles {
			if int(dt.tile.Z) != z {
				continue
			}
			for _, f := range dt.layer.Features {
				pt := f.Geometry.(orb.Point)
				// cell-centroid: the centre of a 512-pixel cell.
				cs := 4096 >> res
				require.Equal(t, float64(cs/2), math.Mod(pt[0], float64(cs)), "x at a cell centre")
				require.Equal(t, float64(cs/2), math.Mod(pt[1], float64(cs)), "y at a cell centre")
				cx := int(dt.tile.X)<<res + int(pt[0])/cs
				cy := int(dt.tile.Y)<<res + int(pt[1])/cs
				w := cells[[2]int{cx, cy}]
				require.NotNil(t, w, "zoom %d cell %d/%d has points", z, cx, cy)
				total += w.n
				assert.Equal(t, float64(w.n), f.Properties["n"])
				assert.Equal(t, float64(w.nv), f.Properties["nv"])
				assert.Equal(t, w.first, f.Properties["first"])
				if w.nv == 0 {
					for _, k := range []string{"s", "a", "lo", "hi"} {
						assert.NotContains(t, f.Properties, k, "NULL aggregates are left out")
					}
					continue
				}
				assert.InDelta(t, w.sum, f.Properties["s"], 1e-9*math.Abs(w.sum)+1e-9)
				assert.InDelta(t, w.sum/float64(w.nv), f.Properties["a"], 1e-9*math.Abs(w.sum))
				assert.Equal(t, w.lo, f.Properties["lo"])
				assert.Equal(t, w.hi, f.Properties["hi"])
				delete(cells, [2]int{cx, cy})
			}
		}
		assert.EqualValues(t, len(pts), total, "zoom %d: the cells' counts add up to the points", z)
	}
}

func TestPointAggregationPlacements(t *testing.T) {
	pts := []aggPoint{{p: orb.Point{2.17, 41.38}}, {p: orb.Point{2.19, 41.40}}, {p: orb.Point{-3.70, 40.41}}}
	for _, tc := range []struct {
		placement string
		check     func(t *testing.T, tile maptile.Tile, f *mvtFeature)
	}{
		{"cell", func(t *testing.T, tile maptile.Tile, f *mvtFeature) {
			poly, ok := f.Geometry.(orb.Polygon)
			require.True(t, ok, "%T", f.Geometry)
			b := poly.Bound()
			assert.Equal(t, 64.0, b.Max[0]-b.Min[0], "a 64-pixel square at resolution 6")
			assert.Equal(t, 64.0, b.Max[1]-b.Min[1])
			assert.Equal(t, orb.CCW, poly[0].Orientation(), "outer ring as MVT wants it (y down)")
		}},
		{"features-any", func(t *testing.T, tile maptile.Tile, f *mvtFeature) {
			// The first point of the cell, in input order.
			want := pts[0].p
			if f.Properties["n"] == 1.0 {
				want = pts[2].p
			}
			assertNear(t, tile, f, want)
		}},
		{"features-centroid", func(t *testing.T, tile maptile.Tile, f *mvtFeature) {
			want := pts[2].p
			if f.Properties["n"] == 2.0 {
				want = orb.Point{(pts[0].p[0] + pts[1].p[0]) / 2, (pts[0].p[1] + pts[1].p[1]) / 2}
			}
			assertNear(t, tile, f, want)
		}},
	} {
		t.Run(tc.placement, func(t *testing.T) {
			o := mustAggOptions(t, fmt.Sprintf(`{"zoom_min": 6, "zoom_max": 6, "aggregation_placement": %q,
				"properties": {"n": {"formula": "COUNT(*)", "type": "Number"}}}`, tc.placement))
			a, _, tiles := aggregate(t, o, pts)
			var n int
			for _, dt := range tiles {
				for _, f := range dt.layer.Features {
					tc.check(t, dt.tile, f)
					n++
				}
			}
			assert.Equal(t, 2, n, "Barcelona's two points share a cell at zoom 12, Madrid has its own")
			var meta map[string]any
			require.NoError(t, json.Unmarshal(a.Metadata(o, &Result{ZoomMin: 6, ZoomMax: 6}), &meta))
			layer := meta["vector_layers"].([]any)[0].(map[string]any)
			want := "Point"
			if tc.placement == "cell" {
				want = "Polygon"
			}
			assert.Equal(t, want, layer["geometry_type"])
		})
	}
}

func assertNear(t *testing.T, tile maptile.Tile, f *mvtFeature, want orb.Point) {
	t.Helper()
	lay := &mvt.Layer{Extent: 4096, Features: []*mvtFeature{f}}
	got := *lay
	got.Features = []*mvtFeature{{Geometry: f.Geometry}}
	got.ProjectToWGS84(tile)
	px := 1 / float64(uint64(1)<<tile.Z) / 4096
	g, w := project(got.Features[0].Geometry.(orb.Point)), project(want)
	assert.InDelta(t, w[0], g[0], px)
	assert.InDelta(t, w[1], g[1], px)
}

func TestPointAggregationMetadataAndOrder(t *testing.T) {
	o := mustAggOptions(t, `{"zoom_min": 0, "zoom_max": 2, "aggregation_resolution": 1, "tile_feature_order": "total DESC",
		"properties": {"total": {"formula": "COUNT(*)", "type": "Number"}, "sum": {"formula": "SUM(v)", "type": "String"}},
		"metadata": {"name": "agg"}}`)
	var pts []aggPoint
	for i := range 10 { // 1 point in one quadrant, 9 in another
		lon := 100.0
		if i == 0 {
			lon = -100
		}
		pts = append(pts, aggPoint{p: orb.Point{lon, 10}, v: int64(i)})
	}
	a, res, tiles := aggregate(t, o, pts)
	z0 := tiles[0]
	require.Equal(t, maptile.Zoom(0), z0.tile.Z)
	require.Len(t, z0.layer.Features, 2)
	assert.Equal(t, 9.0, z0.layer.Features[0].Properties["total"], "ordered by total DESC")
	assert.Equal(t, "45", z0.layer.Features[0].Properties["sum"], "a String aggregate is its value as text")

	var meta map[string]any
	require.NoError(t, json.Unmarshal(a.Metadata(o, res), &meta))
	assert.Equal(t, "agg", meta["name"])
	assert.Equal(t, map[string]any{"total": "Number", "sum": "String"}, meta["vector_layers"].([]any)[0].(map[string]any)["fields"])
	layer := meta["tilestats"].(map[string]any)["layers"].([]any)[0].(map[string]any)
	assert.EqualValues(t, 2, layer["count"], "tilestats count the cells of zoom_max")
	total := layer["attributes"].([]any)[0].(map[string]any)
	assert.EqualValues(t, 10, total["sum"])
	assert.EqualValues(t, 9, total["max"])
	assert.Equal(t, []any{1.0, 1.0}, total["quantiles"].(map[string]any)["3"], "the quantiles of the cells of zoom_max: 1, 9")
	agg := meta["aggregation"].(map[string]any)
	assert.EqualValues(t, 1, agg["resolution"])
	assert.EqualValues(t, 10, agg["points"])
}

func TestPointAggregationBadInput(t *testing.T) {
	o := mustAggOptions(t, `{"properties": {"s": {"formula": "SUM(v)", "type": "Number"}}}`)
	a := NewPointAggregator(o)
	assert.ErrorContains(t, a.Add(3, orb.LineString{{0, 0}, {1, 1}}, []any{1}),
		"input row 3: the geometry is a LineString; CREATE_POINT_AGGREGATION_TILESET aggregates points")
	assert.ErrorContains(t, a.Add(4, orb.Point{0, 0}, []any{"x"}), `input row 4: column "v": x (string) is not a number, and SUM(v) aggregates numbers`)
	assert.ErrorContains(t, a.Add(5, orb.Point{200, 0}, []any{1}), "input row 5: the geometry has longitude 200")
	require.NoError(t, a.Add(6, nil, []any{1}), "a NULL geometry is skipped")
	assert.Equal(t, 0, a.Len())

	for js, want := range map[string]string{
		`{"properties": {"x": {"formula": "APPROX_TOP_COUNT(v, 1)", "type": "String"}}}`: "formula \"APPROX_TOP_COUNT(v, 1)\" is not supported on the local warehouse; use one of COUNT(*), COUNT(column), SUM(column), AVG(column), MIN(column) or MAX(column)",
		`{"properties": {"x": {"formula": "SUM(*)", "type": "Number"}}}`:                 "only COUNT takes *",
		`{"properties": {"x": {"formula": "COUNT(*)", "type": "Boolean"}}}`:              `has type "Boolean"`,
		`{"properties": {"x": "Number"}}`:                                                `options.properties.x must be {"formula"`,
		`{"aggregation_placement": "middle"}`:                                            `"cell-centroid", "cell", "features-any" or "features-centroid"`,
		`{"aggregation_type": "h3"}`:                                                     `must be "quadkey"`,
		`{"tile_buffer": 16}`:                                                            "tile_buffer must be 0 in a point aggregation tileset",
		`{"zoom_max": 20, "aggregation_resolution": 8}`:                                  "= 28 is beyond the finest quadbin cells (level 26)",
		`{"aggregation_placement": "cell", "aggregation_resolution": 13}`:                "cells are smaller than a tile pixel",
		`{"tile_feature_order": "RANDOM()"}`:                                             "orders by properties",
		`{"zoom_maxx": 3}`:                                                               `unknown CREATE_POINT_AGGREGATION_TILESET option "zoom_maxx"`,
	} {
		_, err := ParsePointAggregationOptions(js)
		assert.ErrorContains(t, err, want, js)
		var te *Error
		assert.ErrorAs(t, err, &te, js)
	}
	_, err := ParseSimpleOptions(`{"aggregation_resolution": 4}`)
	assert.ErrorContains(t, err, "CREATE_POINT_AGGREGATION_TILESET")
}

func TestPointAggregationCancel(t *testing.T) {
	o := mustAggOptions(t, `{"zoom_max": 8, "properties": {"n": {"formula": "COUNT(*)", "type": "Number"}}}`)
	a := NewPointAggregator(o)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 1000 {
		require.NoError(t, a.Add(int64(i), orb.Point{rng.Float64()*300 - 150, rng.Float64()*120 - 60}, nil))
	}
	ctx, cancel := context.WithCancel(context.Background())
	var n int
	_, err := a.Tile(ctx, o, func(Tile) error {
		if n++; n == 3 {
			cancel()
		}
		return nil
	}, nil)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 3, n)
}

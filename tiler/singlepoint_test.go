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

// spPoint is a point with the columns the single-point tests read.
type spPoint struct {
	p    orb.Point
	name any // String
	v    any // Number
	open any // Boolean
}

func spValues(cols []string, p spPoint) []any {
	vals := make([]any, len(cols))
	for j, c := range cols {
		switch c {
		case "name":
			vals[j] = p.name
		case "v":
			vals[j] = p.v
		case "open":
			vals[j] = p.open
		}
	}
	return vals
}

// tileAllSP adds pts and cuts every tile, decoded.
func tileAllSP(t *testing.T, o Options, pts []spPoint) (*PointAggregator, *Result, []decodedTile) {
	t.Helper()
	a := NewPointAggregator(o)
	for i, p := range pts {
		require.NoError(t, a.Add(int64(i+1), p.p, spValues(a.Columns(), p)))
	}
	var tiles []decodedTile
	res, err := a.Tile(context.Background(), o, func(tl Tile) error {
		layers, err := mvt.UnmarshalGzipped(tl.Data)
		require.NoError(t, err)
		require.Len(t, layers, 1)
		tiles = append(tiles, decodedTile{tile: maptile.New(uint32(tl.X), uint32(tl.Y), maptile.Zoom(tl.Z)), layer: layers[0]})
		return nil
	}, nil)
	require.NoError(t, err)
	return a, res, tiles
}

// spInput: clusters (cells of many points) and scattered points (cells of
// one at fine zooms, shared at coarse ones), with NULLs in every column.
func spInput() []spPoint {
	rng := rand.New(rand.NewPCG(21, 22))
	var pts []spPoint
	for i := range 1500 {
		p := spPoint{p: orb.Point{rng.Float64()*340 - 170, rng.Float64()*140 - 70}}
		if i%3 == 0 { // a cluster around one of five centres
			c := float64(i % 5)
			p.p = orb.Point{c*20 - 40 + rng.NormFloat64()*0.01, c*10 - 20 + rng.NormFloat64()*0.01}
		}
		if i%11 != 0 {
			p.name = fmt.Sprintf("pt-%04d", i)
		}
		if i%13 != 0 {
			p.v = float64(i) / 4
		}
		if i%7 != 0 {
			p.open = i%2 == 0
		}
		pts = append(pts, p)
	}
	return pts
}

// In every zoom, a cell of one point carries exactly that point's values
// (its NULLs left out); a cell of several carries none of them, whatever
// the placement; the aggregated properties are there in both.
func TestSinglePointPropertiesOnlyInCellsOfOnePoint(t *testing.T) {
	pts := spInput()
	const zmax, res = 7, 3
	for _, placement := range placements {
		t.Run(string(placement), func(t *testing.T) {
			o := mustAggOptions(t, fmt.Sprintf(`{"zoom_max": %d, "aggregation_resolution": %d, "aggregation_placement": %q,
				"properties": {"n": {"formula": "COUNT(*)", "type": "Number"}, "s": {"formula": "SUM(v)", "type": "Number"}},
				"single_point_properties": {"name": "String", "v": "Number", "open": "Boolean"}}`, zmax, res, placement))
			_, _, tiles := tileAllSP(t, o, pts)
			var lone, shared int
			for z := 0; z <= zmax; z++ {
				cells := map[[2]int][]spPoint{}
				for _, p := range pts {
					x, y := quadbin.TileXY(p.p[0], p.p[1], z+res)
					cells[[2]int{x, y}] = append(cells[[2]int{x, y}], p)
				}
				features := 0
				for _, dt := range tiles {
					if int(dt.tile.Z) != z {
						continue
					}
					for _, f := range dt.layer.Features {
						features++
						in := cells[cellOf(t, dt, f, res)]
						require.NotEmpty(t, in)
						assert.Equal(t, float64(len(in)), f.Properties["n"])
						if len(in) > 1 {
							shared++
							for _, k := range []string{"name", "v", "open"} {
								assert.NotContains(t, f.Properties, k, "zoom %d: a cell of %d points has no single-point values", z, len(in))
							}
							continue
						}
						lone++
						want := map[string]any{"n": 1.0}
						if p := in[0]; p.name != nil {
							want["name"] = p.name
						}
						if p := in[0]; p.v != nil {
							want["v"], want["s"] = p.v, p.v
						}
						if p := in[0]; p.open != nil {
							want["open"] = p.open
						}
						assert.Equal(t, want, map[string]any(f.Properties), "zoom %d: a cell of one point carries its values", z)
					}
				}
				assert.Equal(t, len(cells), features, "zoom %d: one feature per cell", z)
			}
			assert.Greater(t, lone, 500)
			assert.Greater(t, shared, 100)
		})
	}
}

// cellOf is the cell (at the tile's zoom + res) a feature stands for: its
// first vertex is inside the cell for every placement.
func cellOf(t *testing.T, dt decodedTile, f *mvtFeature, res int) [2]int {
	t.Helper()
	var pt orb.Point
	switch g := f.Geometry.(type) {
	case orb.Point:
		pt = g
	case orb.Polygon:
		b := g.Bound()
		pt = orb.Point{(b.Min[0] + b.Max[0]) / 2, (b.Min[1] + b.Max[1]) / 2}
	default:
		t.Fatalf("unexpected geometry %T", g)
	}
	cs := 4096 >> res
	return [2]int{int(dt.tile.X)<<res + int(pt[0])/cs, int(dt.tile.Y)<<res + int(pt[1])/cs}
}

// Sorting keeps only the values of the points alone in their finest cell:
// the others can never be written.
func TestSinglePointColumnsKeepOnlyLonePoints(t *testing.T) {
	o := mustAggOptions(t, `{"zoom_max": 4, "aggregation_resolution": 2, "single_point_properties": {"name": "String", "v": "Number", "open": "Boolean"}}`)
	a := NewPointAggregator(o)
	pts := []spPoint{
		{p: orb.Point{10, 10}, name: "crowd-1", v: 1.0, open: true},
		{p: orb.Point{10.0001, 10.0001}, name: "crowd-2", v: 2.0, open: false},
		{p: orb.Point{-60, -30}, name: "alone", v: nil, open: true},
		{p: orb.Point{100, 50}, name: nil, v: 3.5, open: nil},
	}
	for i, p := range pts {
		require.NoError(t, a.Add(int64(i), p.p, spValues(a.Columns(), p)))
	}
	require.Len(t, a.single[0].ends, 4)
	a.sortPoints()
	for c := range a.single {
		col := &a.single[c]
		assert.Equal(t, 2, max(len(col.nums), len(col.bools), len(col.ends)), "column %d: the two lone points", c)
	}
	assert.Equal(t, "alone", string(a.single[0].text), "only the lone points' text is kept")
}

func TestSinglePointMetadataOrderAndTypes(t *testing.T) {
	o := mustAggOptions(t, `{"zoom_min": 0, "zoom_max": 3, "aggregation_resolution": 2, "tile_feature_order": "v DESC",
		"properties": {"n": {"formula": "COUNT(*)", "type": "Number"}},
		"single_point_properties": {"name": "String", "v": "Number", "open": "Boolean"}}`)
	pts := []spPoint{
		{p: orb.Point{-120, 40}, name: "a", v: int64(5), open: "true"},
		{p: orb.Point{-10, 40}, name: 42, v: "7.25", open: false},
		{p: orb.Point{60, 40}, name: "c", v: int32(9), open: true},
		{p: orb.Point{60.0001, 40.0001}, name: "d", v: 100, open: true},
		{p: orb.Point{150, -40}, name: "e", v: nil, open: nil},
	}
	a, res, tiles := tileAllSP(t, o, pts)
	z0 := tiles[0]
	require.EqualValues(t, 0, z0.tile.Z)
	var order []any
	for _, f := range z0.layer.Features {
		order = append(order, f.Properties["v"])
	}
	// v DESC: NULLs first (the cell of two points, and the point with no
	// v), as PostgreSQL puts them; then 7.25, 5.
	assert.Equal(t, []any{nil, nil, 7.25, 5.0}, order)
	for _, f := range z0.layer.Features {
		if f.Properties["n"] == 1.0 && f.Properties["name"] == "42" {
			assert.Equal(t, false, f.Properties["open"], "a String takes any value as text; Boolean false is written")
		}
	}

	var meta map[string]any
	require.NoError(t, json.Unmarshal(a.Metadata(o, res), &meta))
	assert.Equal(t, map[string]any{"n": "Number", "name": "String", "v": "Number", "open": "Boolean"},
		meta["vector_layers"].([]any)[0].(map[string]any)["fields"])
	layer := meta["tilestats"].(map[string]any)["layers"].([]any)[0].(map[string]any)
	assert.EqualValues(t, 4, layer["count"], "four cells at zoom 3: c and d share one")
	assert.EqualValues(t, 4, layer["attributeCount"])
	attrs := map[string]map[string]any{}
	for _, at := range layer["attributes"].([]any) {
		m := at.(map[string]any)
		attrs[m["attribute"].(string)] = m
	}
	// Counted over the cells that carry them: a, b and e are alone, e has
	// no v and no open.
	assert.EqualValues(t, 3, attrs["name"]["count"])
	assert.EqualValues(t, 2, attrs["v"]["count"])
	assert.EqualValues(t, 5+7.25, attrs["v"]["sum"])
	assert.Equal(t, []any{5.0, 5.0}, attrs["v"]["quantiles"].(map[string]any)["3"], "quantiles of the lone points' v: 5, 7.25")
	assert.Equal(t, "Boolean", attrs["open"]["type"])
	assert.EqualValues(t, 2, attrs["open"]["count"])
	assert.ElementsMatch(t, []any{map[string]any{"category": "true", "frequency": 1.0}, map[string]any{"category": "false", "frequency": 1.0}},
		attrs["open"]["categories"])
	assert.Equal(t, []any{
		map[string]any{"name": "name", "type": "String"},
		map[string]any{"name": "v", "type": "Number"},
		map[string]any{"name": "open", "type": "Boolean"},
	}, meta["aggregation"].(map[string]any)["single_point_properties"])
}

func TestSinglePointBadOptionsAndValues(t *testing.T) {
	for js, want := range map[string]string{
		`{"single_point_properties": {"when": "Date"}}`:             `options.single_point_properties.when has type "Date"; use "Number", "String" or "Boolean"`,
		`{"single_point_properties": ["name"]}`:                     `options.single_point_properties must be an object of column names to types, like {"name": "String"`,
		`{"single_point_properties": {"name": {"type": "String"}}}`: "options.single_point_properties must be an object of column names to types",
		`{"properties": {"Name": {"formula": "COUNT(*)", "type": "Number"}}, "single_point_properties": {"name": "String"}}`: `options.single_point_properties.name has the name of the aggregated property options.properties.Name (COUNT(*)): ` +
			`a cell's feature cannot carry two values under one name; rename the aggregated property (e.g. "Name_agg")`,
		`{"single_point_properties": {"geom": "String"}}`:                         `options.single_point_properties lists the geometry column "geom"`,
		`{"single_point_properties": {"a": "String"}, "tile_feature_order": "b"}`: "the properties are a",
	} {
		_, err := ParsePointAggregationOptions(js)
		assert.ErrorContains(t, err, want, js)
		var te *Error
		assert.ErrorAs(t, err, &te, js)
	}
	_, err := ParseSimpleOptions(`{"single_point_properties": {"name": "String"}}`)
	assert.ErrorContains(t, err, `option "single_point_properties" is not supported: it belongs to CALL carto.CREATE_POINT_AGGREGATION_TILESET`)

	o := mustAggOptions(t, `{"single_point_properties": {"v": "Number", "open": "Boolean"}}`)
	a := NewPointAggregator(o)
	assert.Equal(t, []string{"v", "open"}, a.Columns())
	assert.ErrorContains(t, a.Add(7, orb.Point{0, 0}, []any{"seven", true}),
		`input row 7: column "v" (options.single_point_properties): seven (string) is not a number; declare it "String" in options.single_point_properties`)
	assert.ErrorContains(t, a.Add(8, orb.Point{0, 0}, []any{1, "maybe"}),
		`input row 8: column "open" (options.single_point_properties): "maybe" is not a boolean`)
	assert.ErrorContains(t, a.Add(9, orb.Point{0, 0}, []any{1, 3.5}), `3.5 (float64) is not a boolean`)
	require.NoError(t, a.Add(10, orb.Point{0, 0}, []any{math.Inf(1), nil}), "±Inf is a number, written as NULL as MVT has none")
}

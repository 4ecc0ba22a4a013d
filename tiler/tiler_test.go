package tiler

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/maptile/tilecover"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type decodedTile struct {
	tile  maptile.Tile
	layer *mvt.Layer
}

// tileAll tiles src and decodes every tile back with orb, checking the
// invariants every tile must hold.
func tileAll(t *testing.T, src *Source, o Options) (*Result, []decodedTile) {
	t.Helper()
	var out []decodedTile
	seen := map[maptile.Tile]bool{}
	res, err := src.Tile(context.Background(), o, func(tl Tile) error {
		require.Less(t, tl.X, 1<<tl.Z, "x in [0, 2^z)")
		require.Less(t, tl.Y, 1<<tl.Z, "y in [0, 2^z)")
		require.GreaterOrEqual(t, tl.X, 0)
		require.GreaterOrEqual(t, tl.Y, 0)
		require.Equal(t, []byte{0x1f, 0x8b}, tl.Data[:2], "gzip")
		layers, err := mvt.UnmarshalGzipped(tl.Data)
		require.NoError(t, err)
		require.Len(t, layers, 1)
		require.Equal(t, "default", layers[0].Name)
		require.EqualValues(t, o.TileExtent, layers[0].Extent)
		require.NotEmpty(t, layers[0].Features)
		mt := maptile.New(uint32(tl.X), uint32(tl.Y), maptile.Zoom(tl.Z))
		require.False(t, seen[mt], "tile %v written twice", mt)
		seen[mt] = true
		out = append(out, decodedTile{tile: mt, layer: layers[0]})
		return nil
	}, nil)
	require.NoError(t, err)
	require.EqualValues(t, len(out), res.Tiles)
	return res, out
}

func mustOptions(t *testing.T, js string) Options {
	t.Helper()
	o, err := ParseSimpleOptions(js)
	require.NoError(t, err)
	return o
}

// A polygon crossing the edges of tiles at every zoom: lon -30..50, lat -20..40.
var crossing = orb.Polygon{{{-30, -20}, {50, -20}, {50, 40}, {-30, 40}, {-30, -20}}}

func TestTilesMatchTilecoverAtZoomMax(t *testing.T) {
	const zmax = 6
	o := mustOptions(t, fmt.Sprintf(`{"zoom_min": 0, "zoom_max": %d, "tile_buffer": 0,
		"properties": {"name": "String", "n": "Number", "ratio": "Number", "open": "Boolean"}}`, zmax))
	src := NewSource(o.Properties)
	rng := rand.New(rand.NewPCG(1, 2))
	geoms := map[uint64]orb.Geometry{}
	for i := range 500 {
		p := orb.Point{rng.Float64()*340 - 170, rng.Float64()*160 - 80}
		require.NoError(t, src.Add(int64(i), p, []any{fmt.Sprint("p", i), int32(i), float64(i) + 0.5, i%2 == 0}))
		geoms[uint64(i)] = p
	}
	require.NoError(t, src.Add(1000, crossing, []any{"poly", int64(7), 1.25, true}))
	geoms[1000] = crossing

	res, tiles := tileAll(t, src, o)
	assert.Equal(t, 0, res.ZoomMin)
	assert.Equal(t, zmax, res.ZoomMax)

	got := map[uint64]maptile.Set{}
	for _, dt := range tiles {
		if dt.tile.Z != zmax {
			continue
		}
		px := 1 / float64(uint64(1)<<zmax) / 4096 // one tile pixel, unit square
		for _, f := range dt.layer.Features {
			id := uint64(f.ID.(float64))
			if got[id] == nil {
				got[id] = maptile.Set{}
			}
			got[id][dt.tile] = true

			// Properties come back with their types.
			switch id {
			case 1000:
				assert.Equal(t, "poly", f.Properties["name"])
				assert.Equal(t, float64(7), f.Properties["n"])
				assert.Equal(t, 1.25, f.Properties["ratio"])
				assert.Equal(t, true, f.Properties["open"])
				assert.Equal(t, orb.Polygon{}.GeoJSONType(), f.Geometry.GeoJSONType())
			default:
				assert.Equal(t, fmt.Sprint("p", id), f.Properties["name"])
				assert.Equal(t, float64(id), f.Properties["n"])
				assert.Equal(t, float64(id)+0.5, f.Properties["ratio"])
				assert.Equal(t, id%2 == 0, f.Properties["open"])
				// Within one pixel of where it should be.
				lay := &mvt.Layer{Extent: 4096, Features: []*geojsonFeature{f}}
				lay.ProjectToWGS84(dt.tile)
				want := project(geoms[id].(orb.Point))
				gotP := project(lay.Features[0].Geometry.(orb.Point))
				assert.InDelta(t, want[0], gotP[0], px, "feature %d", id)
				assert.InDelta(t, want[1], gotP[1], px, "feature %d", id)
			}
		}
	}
	for id, g := range geoms {
		want, err := tilecover.Geometry(g, zmax)
		require.NoError(t, err)
		assert.Equal(t, keys(want), keys(got[id]), "feature %d", id)
	}
	assert.Greater(t, len(got[1000]), 50, "the polygon spans many tiles at zoom_max")
}

type geojsonFeature = mvtFeature

func keys(s maptile.Set) []maptile.Tile {
	var out []maptile.Tile
	for k := range s {
		out = append(out, k)
	}
	sortTiles(out)
	return out
}

func TestPolygonCrossingTileEdgesIsInEachTile(t *testing.T) {
	o := mustOptions(t, `{"zoom_min": 1, "zoom_max": 1}`)
	src := NewSource(nil)
	require.NoError(t, src.Add(1, crossing, nil))
	_, tiles := tileAll(t, src, o)
	require.Len(t, tiles, 4, "the polygon straddles the equator and the prime meridian")
	for _, dt := range tiles {
		require.Len(t, dt.layer.Features, 1)
		p, ok := dt.layer.Features[0].Geometry.(orb.Polygon)
		require.True(t, ok, "%T", dt.layer.Features[0].Geometry)
		assert.Equal(t, orb.CCW, p[0].Orientation(), "outer ring positive in tile coordinates")
		// Clipped to the tile plus its 16 px buffer.
		b := p.Bound()
		assert.GreaterOrEqual(t, b.Min[0], -16.0)
		assert.LessOrEqual(t, b.Max[0], 4096+16.0)
	}
}

func TestLatitudesAreClampedToWebMercator(t *testing.T) {
	o := mustOptions(t, `{"zoom_min": 2, "zoom_max": 2}`)
	src := NewSource(nil)
	require.NoError(t, src.Add(1, orb.Point{10, 89.9}, nil))
	require.NoError(t, src.Add(2, orb.Point{10, -90}, nil))
	_, tiles := tileAll(t, src, o)
	var ys []uint32
	for _, dt := range tiles {
		ys = append(ys, dt.tile.Y)
	}
	assert.ElementsMatch(t, []uint32{0, 3}, ys)
	meta := string(src.Metadata(o, &Result{ZoomMin: 2, ZoomMax: 2}))
	assert.Contains(t, meta, fmt.Sprintf(`"bounds":"10,-%v,10,%v"`, MaxLatitude, MaxLatitude))
}

func TestInvalidGeometriesAreErrorsNamingTheRow(t *testing.T) {
	src := NewSource(nil)
	for _, tc := range []struct {
		g    orb.Geometry
		want string
	}{
		{orb.Point{200, 0}, "longitude 200"},
		{orb.Point{0, 95}, "latitude 95"},
		{orb.Point{math.NaN(), 1}, "non-finite"},
		{orb.Polygon{{{0, 0}, {1, 0}, {1, 1}}}, "at least 4"},
		{orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 1}}}, "not closed"},
	} {
		err := src.Add(42, tc.g, nil)
		var e *Error
		require.ErrorAs(t, err, &e)
		assert.Contains(t, err.Error(), "input row 42")
		assert.Contains(t, err.Error(), tc.want)
	}
	require.NoError(t, src.Add(1, nil, nil), "a NULL geometry is skipped")
	assert.Equal(t, 0, src.Len())
}

func TestPropertyTypeMismatch(t *testing.T) {
	src := NewSource([]Property{{"n", Number}})
	err := src.Add(3, orb.Point{1, 1}, []any{"abc"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `property "n"`)
	assert.Contains(t, err.Error(), "String")
}

func TestOptions(t *testing.T) {
	o := mustOptions(t, "")
	assert.Equal(t, "geom", o.GeomColumn)
	assert.Equal(t, 0, o.ZoomMin)
	assert.Equal(t, 12, o.ZoomMax)
	assert.Equal(t, 4096, o.TileExtent)
	assert.Equal(t, 16, o.TileBuffer)
	assert.Equal(t, 1024, o.MaxTileSizeKB)
	assert.Equal(t, ThrowError, o.Strategy)

	o = mustOptions(t, `{"geom_column": "g", "zoom_min": 2, "zoom_max": 5, "tile_extent": 512, "tile_buffer": 0,
		"max_tile_size_kb": 64, "max_tile_features": 10, "max_tile_size_strategy": "drop_fraction_as_needed",
		"properties": {"b": "String", "a": "number"}, "metadata": {"name": "N", "description": "D", "source": "x"}}`)
	assert.Equal(t, []Property{{"b", String}, {"a", Number}}, o.Properties, "in the order given")
	assert.Equal(t, "N", o.Metadata.Name)
	assert.JSONEq(t, `"x"`, string(o.Metadata.Extra["source"]))

	for js, want := range map[string]string{
		`{"zoom_maxx": 3}`:                   `unknown CREATE_SIMPLE_TILESET option "zoom_maxx"`,
		`{"zoom_max": 25}`:                   "options.zoom_max must be an integer from 0 to 20",
		`{"zoom_min": 5, "zoom_max": 3}`:     "zoom_min (5) is above zoom_max (3)",
		`{"tile_extent": 1000}`:              "power of two",
		`{"max_tile_size_strategy": "x"}`:    "max_tile_size_strategy must be",
		`{"properties": {"a": "Date"}}`:      `options.properties.a has type "Date"`,
		`{"properties": ["a"]}`:              "options.properties must be an object",
		`{"drop_duplicates": true}`:          `option "drop_duplicates" is not supported`,
		`[1]`:                                "must be a JSON object",
		`{"geom_column": ""}`:                "must name a column",
		`{"properties": {"geom": "String"}}`: "geometry column",
		`{"max_tile_size_kb": 99999}`:        "from 1 to 6144",
	} {
		_, err := ParseSimpleOptions(js)
		require.Error(t, err, js)
		assert.Contains(t, err.Error(), want, js)
	}

	o, err := ParseTilesetOptions("NULL ")
	require.Error(t, err, "NULL is SQL's, not JSON's: the caller maps it to an empty string")
	o, err = ParseTilesetOptions("")
	require.NoError(t, err)
	assert.True(t, o.AllProperties)
	assert.True(t, o.AutoZoomMax)
	assert.Equal(t, DropFraction, o.Strategy)
	_, err = ParseTilesetOptions(`{"zoom_min": 1, "geom_column": "g"}`)
	require.ErrorContains(t, err, `unknown CREATE_TILESET option "geom_column"; the options are: name,`)
}

func TestThrowErrorSaysWhatToChange(t *testing.T) {
	o := mustOptions(t, `{"zoom_min": 0, "zoom_max": 0, "max_tile_features": 10}`)
	src := manyPoints(t, 100, nil)
	_, err := src.Tile(context.Background(), o, func(Tile) error { return nil }, nil)
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Contains(t, err.Error(), "tile 0/0/0 has 100 features")
	assert.Contains(t, err.Error(), "max_tile_size_strategy")
}

func TestReturnNullAndDropFraction(t *testing.T) {
	src := manyPoints(t, 100, nil)
	o := mustOptions(t, `{"zoom_min": 0, "zoom_max": 0, "max_tile_features": 10, "max_tile_size_strategy": "return_null"}`)
	res, empty := tileAllAllowEmpty(t, src, o)
	assert.Empty(t, empty)
	assert.EqualValues(t, 1, res.NullTiles)

	o = mustOptions(t, `{"zoom_min": 0, "zoom_max": 0, "max_tile_features": 10, "max_tile_size_strategy": "drop_fraction_as_needed"}`)
	res, tiles := tileAll(t, src, o)
	require.Len(t, tiles, 1)
	assert.Len(t, tiles[0].layer.Features, 10)
	assert.InDelta(t, 0.9, res.FractionDropped[0], 1e-9)

	o = mustOptions(t, `{"zoom_min": 0, "zoom_max": 0, "max_tile_size_kb": 1, "max_tile_size_strategy": "drop_fraction_as_needed"}`)
	res, tiles = tileAll(t, src, o)
	require.Len(t, tiles, 1)
	assert.Less(t, len(tiles[0].layer.Features), 100)
	assert.LessOrEqual(t, res.MaxTileBytes, 1024)
}

func tileAllAllowEmpty(t *testing.T, src *Source, o Options) (*Result, []Tile) {
	var tiles []Tile
	res, err := src.Tile(context.Background(), o, func(tl Tile) error { tiles = append(tiles, tl); return nil }, nil)
	require.NoError(t, err)
	return res, tiles
}

func manyPoints(t *testing.T, n int, props []Property) *Source {
	t.Helper()
	src := NewSource(props)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range n {
		require.NoError(t, src.Add(int64(i), orb.Point{rng.Float64()*300 - 150, rng.Float64()*140 - 70}, nil))
	}
	return src
}

func TestZoomMaxBeyondTheTileLimitIsRefused(t *testing.T) {
	src := NewSource(nil)
	require.NoError(t, src.Add(1, orb.Polygon{{{-170, -80}, {170, -80}, {170, 80}, {-170, 80}, {-170, -80}}}, nil))
	o := mustOptions(t, `{"zoom_max": 16}`)
	_, err := src.Tile(context.Background(), o, func(Tile) error { return nil }, nil)
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Contains(t, err.Error(), "zoom_max 16 would make up to")
	assert.Contains(t, err.Error(), "use zoom_max 12 or lower")

	auto, err := ParseTilesetOptions("")
	require.NoError(t, err)
	z, err := src.planZoom(auto)
	require.NoError(t, err)
	assert.Equal(t, 9, z, "CREATE_TILESET picks the highest zoom within its budget")
}

func TestCancelStopsBetweenTiles(t *testing.T) {
	src := manyPoints(t, 1000, nil)
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	_, err := src.Tile(ctx, mustOptions(t, `{"zoom_max": 8}`), func(Tile) error {
		if n++; n == 5 {
			cancel()
		}
		return nil
	}, nil)
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 5, n)
	var e *Error
	assert.False(t, errors.As(err, &e), "cancellation is not a data error")
}

func TestMetadata(t *testing.T) {
	o := mustOptions(t, `{"zoom_min": 0, "zoom_max": 3, "properties": {"kind": "String", "n": "Number"},
		"metadata": {"name": "Stores", "description": "demo"}}`)
	src := NewSource(o.Properties)
	require.NoError(t, src.Add(1, orb.Point{-10, -5}, []any{"a", 1}))
	require.NoError(t, src.Add(2, orb.Point{20, 15}, []any{"a", 3}))
	require.NoError(t, src.Add(3, orb.Point{0, 0}, []any{"b", nil}))
	res, _ := tileAll(t, src, o)
	var m map[string]any
	require.NoError(t, jsonUnmarshal(src.Metadata(o, res), &m))
	assert.Equal(t, "-10,-5,20,15", m["bounds"])
	assert.Equal(t, "5,5,0", m["center"])
	assert.EqualValues(t, 0, m["minzoom"])
	assert.EqualValues(t, 3, m["maxzoom"])
	assert.Equal(t, "Stores", m["name"])
	assert.EqualValues(t, res.Tiles, m["num_tiles"])
	vl := m["vector_layers"].([]any)[0].(map[string]any)
	assert.Equal(t, "default", vl["id"])
	assert.Equal(t, map[string]any{"kind": "String", "n": "Number"}, vl["fields"])
	layer := m["tilestats"].(map[string]any)["layers"].([]any)[0].(map[string]any)
	assert.EqualValues(t, 3, layer["count"])
	assert.Equal(t, "Point", layer["geometry"])
	attrs := layer["attributes"].([]any)
	assert.Equal(t, map[string]any{"attribute": "kind", "type": "String", "count": float64(3),
		"categories": []any{map[string]any{"category": "a", "frequency": float64(2)}, map[string]any{"category": "b", "frequency": float64(1)}}}, attrs[0])
	n := attrs[1].(map[string]any)
	quantiles := n["quantiles"].(map[string]any)
	delete(n, "quantiles")
	assert.Equal(t, map[string]any{"attribute": "n", "type": "Number", "count": float64(2),
		"min": float64(1), "max": float64(3), "sum": float64(4), "avg": float64(2)}, n)
	assert.Len(t, quantiles, 8, "3 to 10 buckets")
	assert.Equal(t, []any{float64(1), float64(1)}, quantiles["3"], "two values: every break below the larger")
}

// TestMetadataQuantiles: a Number property's tilestats hold its quantile
// breaks for 3 to 10 buckets, in CARTO's form (n-1 breaks for n buckets),
// over the non-NULL values.
func TestMetadataQuantiles(t *testing.T) {
	o := mustOptions(t, `{"zoom_min": 0, "zoom_max": 0, "properties": {"n": "Number"}}`)
	src := NewSource(o.Properties)
	for i := range 101 { // 100 down to 0, and a NULL
		var v any = int64(100 - i)
		require.NoError(t, src.Add(int64(i), orb.Point{float64(i), 0}, []any{v}))
	}
	require.NoError(t, src.Add(101, orb.Point{0, 1}, []any{nil}))
	res, _ := tileAll(t, src, o)
	var m struct {
		Tilestats struct {
			Layers []struct {
				Attributes []struct {
					Count     int                  `json:"count"`
					Quantiles map[string][]float64 `json:"quantiles"`
				} `json:"attributes"`
			} `json:"layers"`
		} `json:"tilestats"`
	}
	require.NoError(t, jsonUnmarshal(src.Metadata(o, res), &m))
	a := m.Tilestats.Layers[0].Attributes[0]
	assert.Equal(t, 101, a.Count)
	assert.Equal(t, []float64{20, 40, 60, 80}, a.Quantiles["5"])
	assert.Equal(t, []float64{25, 50, 75}, a.Quantiles["4"])
	assert.Len(t, a.Quantiles["10"], 9)
	assert.NotContains(t, a.Quantiles, "2")
	assert.NotContains(t, a.Quantiles, "11")

	// target_tilestats false: the layer's count, no per-property stats.
	o = mustOptions(t, `{"zoom_min": 0, "zoom_max": 0, "properties": {"n": "Number"}, "target_tilestats": false}`)
	var bare map[string]any
	require.NoError(t, jsonUnmarshal(src.Metadata(o, res), &bare))
	layer := bare["tilestats"].(map[string]any)["layers"].([]any)[0].(map[string]any)
	assert.EqualValues(t, 102, layer["count"])
	assert.Empty(t, layer["attributes"])
	assert.EqualValues(t, 0, layer["attributeCount"])
}

func TestDecodeGeometry(t *testing.T) {
	for in, want := range map[any]orb.Geometry{
		"POINT (1 2)":                                orb.Point{1, 2},
		`{"type":"Point","coordinates":[1,2]}`:       orb.Point{1, 2},
		"0101000000000000000000f03f0000000000000040": orb.Point{1, 2},
	} {
		g, err := DecodeGeometry(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, g)
	}
	g, err := DecodeGeometry([]byte{1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0, 0x40})
	require.NoError(t, err)
	assert.Equal(t, orb.Point{1, 2}, g)
	for _, bad := range []any{"POINTY (1 2)", 42, []byte{9}} {
		_, err := DecodeGeometry(bad)
		assert.Error(t, err, bad)
	}
	g, err = DecodeGeometry(nil)
	assert.NoError(t, err)
	assert.Nil(t, g)
}

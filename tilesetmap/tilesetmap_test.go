package tilesetmap

import (
	"errors"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFitZoom(t *testing.T) {
	world := orb.Bound{Min: orb.Point{-180, -85}, Max: orb.Point{180, 85}}
	// The world is 256 px wide at zoom 0 and 512 at zoom 1: a 640 px map fits zoom 1.
	assert.Equal(t, 1, FitZoom(world, 640, 600, 0, 10))
	assert.Equal(t, 0, FitZoom(world, 300, 300, 0, 10))
	assert.Equal(t, 3, FitZoom(world, 300, 300, 3, 10), "clamped to minzoom")
	spain := orb.Bound{Min: orb.Point{-9.5, 36}, Max: orb.Point{3.3, 43.8}}
	assert.Equal(t, 5, FitZoom(spain, 640, 400, 0, 12))
	assert.Equal(t, 4, FitZoom(spain, 640, 400, 0, 4), "clamped to maxzoom")
	point := orb.Bound{Min: orb.Point{2, 41}, Max: orb.Point{2, 41}}
	assert.Equal(t, 12, FitZoom(point, 640, 400, 0, 12), "a point fits at any zoom")
}

func TestCover(t *testing.T) {
	world := orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}
	tiles, err := Cover(world, 2, 64)
	require.NoError(t, err)
	assert.Len(t, tiles, 16, "the whole world at zoom 2, edges clamped into [0, 2^z)")
	for _, tl := range tiles {
		assert.True(t, tl.Valid(), "%v", tl)
	}
	_, err = Cover(world, 4, 64)
	assert.ErrorContains(t, err, "256 tiles")
	spain := orb.Bound{Min: orb.Point{-9.5, 36}, Max: orb.Point{3.3, 43.8}}
	tiles, err = Cover(spain, 5, 64)
	require.NoError(t, err)
	for _, tl := range tiles {
		assert.True(t, tl.Bound().Intersects(spain), "%v", tl)
	}
	assert.Len(t, tiles, 4)
}

// tile encodes fc as one gzip-compressed tile t, the way the tiler writes them.
func tile(t *testing.T, tl maptile.Tile, fc *geojson.FeatureCollection, gzipped bool) []byte {
	t.Helper()
	// ProjectToTile rewrites the geometries in place: work on a copy.
	own := geojson.NewFeatureCollection()
	for _, f := range fc.Features {
		c := geojson.NewFeature(orb.Clone(f.Geometry))
		c.Properties = f.Properties.Clone()
		own.Append(c)
	}
	layer := mvt.NewLayer("default", own)
	layer.ProjectToTile(tl)
	var b []byte
	var err error
	if gzipped {
		b, err = mvt.MarshalGzipped(mvt.Layers{layer})
	} else {
		b, err = mvt.Marshal(mvt.Layers{layer})
	}
	require.NoError(t, err)
	return b
}

func TestDecode(t *testing.T) {
	tl := maptile.At(orb.Point{2.17, 41.38}, 6)
	b := tl.Bound()
	fc := geojson.NewFeatureCollection()
	in := geojson.NewFeature(orb.Point{2.17, 41.38})
	in.Properties["name"] = "Barcelona"
	fc.Append(in)
	// A point beyond the tile's edge, in its buffer: the neighbour draws it.
	fc.Append(geojson.NewFeature(orb.Point{b.Max[0] + 0.01, b.Center()[1]}))
	// A polygon over the tile's corner is cut at the tile's edges.
	fc.Append(geojson.NewFeature(orb.Polygon{{{b.Max[0] - 1, b.Max[1] - 1}, {b.Max[0] + 1, b.Max[1] - 1}, {b.Max[0] + 1, b.Max[1] + 1}, {b.Max[0] - 1, b.Max[1] + 1}, {b.Max[0] - 1, b.Max[1] - 1}}}))

	for _, gz := range []bool{true, false} {
		feats, err := Decode(tile(t, tl, fc, gz), tl)
		require.NoError(t, err)
		require.Len(t, feats, 2, "the buffered point is clipped off")
		p := feats[0].Geometry.(orb.Point)
		pixel := 360.0 / 64 / 4096
		assert.InDelta(t, 2.17, p[0], pixel)
		assert.InDelta(t, 41.38, p[1], pixel)
		assert.Equal(t, "Barcelona", feats[0].Properties["name"])
		poly := feats[1].Geometry.Bound()
		assert.InDelta(t, b.Max[0], poly.Max[0], pixel, "cut at the tile's east edge")
		assert.InDelta(t, b.Max[1], poly.Max[1], pixel, "and at its north edge")
	}

	_, err := Decode([]byte("not a tile"), tl)
	assert.ErrorContains(t, err, "not a vector tile")
	_, err = Decode([]byte{0x1f, 0x8b, 0, 1, 2}, tl)
	assert.Error(t, err)
}

func TestFeatures(t *testing.T) {
	tiles := []maptile.Tile{maptile.New(0, 0, 1), maptile.New(1, 0, 1), maptile.New(0, 1, 1)}
	data := map[maptile.Tile][]byte{}
	for _, tl := range tiles[:2] {
		fc := geojson.NewFeatureCollection()
		c := tl.Center()
		fc.Append(geojson.NewFeature(c))
		fc.Append(geojson.NewFeature(orb.Point{c[0] + 1, c[1] + 1}))
		data[tl] = tile(t, tl, fc, true)
	}
	get := func(tl maptile.Tile) ([]byte, error) { return data[tl], nil }
	fc, loaded, err := Features(tiles, 10, get)
	require.NoError(t, err)
	assert.Equal(t, 2, loaded, "the third tile is empty")
	assert.Len(t, fc.Features, 4)

	fc, _, err = Features(tiles, 3, get)
	assert.ErrorIs(t, err, ErrTooManyFeatures)
	assert.Len(t, fc.Features, 3)

	boom := errors.New("boom")
	_, _, err = Features(tiles, 10, func(maptile.Tile) ([]byte, error) { return nil, boom })
	assert.ErrorIs(t, err, boom)
}

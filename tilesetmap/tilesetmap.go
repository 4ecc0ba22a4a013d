// Package tilesetmap is what view_map needs to show a tileset (a table of
// Mapbox Vector Tiles made by CARTO's tiler): the zoom level at which the
// tileset's bounds fit a map of a given size, the tiles that cover them, and
// the features of those tiles read back in EPSG:4326 for a picture.
//
// The interactive view loads tiles itself (through the app-only tool
// get_tileset_tile); this package serves the server's side: choosing the
// opening zoom and drawing the PNG for hosts without MCP Apps.
package tilesetmap

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
)

// TileSize is the size of a tile on screen, in pixels, as Leaflet and the
// PNG draw it.
const TileSize = 256

// maxLat is Web Mercator's latitude limit.
const maxLat = 85.0511287798066

// FitZoom returns the largest zoom level at which b fits in a w×h pixel map
// (with TileSize-pixel tiles), clamped to [minZoom, maxZoom].
func FitZoom(b orb.Bound, w, h, minZoom, maxZoom int) int {
	lo, hi := mercator(orb.Point{b.Min[0], b.Max[1]}), mercator(orb.Point{b.Max[0], b.Min[1]})
	dx, dy := hi[0]-lo[0], hi[1]-lo[1]
	z := maxZoom
	for zz := 0; zz <= maxZoom; zz++ {
		scale := float64(TileSize) * math.Exp2(float64(zz))
		if dx*scale > float64(w) || dy*scale > float64(h) {
			z = zz - 1
			break
		}
	}
	return max(minZoom, min(maxZoom, z))
}

// Cover returns the tiles of zoom z that cover b, row by row, or an error
// when there are more than limit of them.
func Cover(b orb.Bound, z, limit int) ([]maptile.Tile, error) {
	zoom := maptile.Zoom(z)
	n := uint32(1) << zoom
	clampLon := func(v float64) float64 { return math.Max(-180, math.Min(180, v)) }
	clampLat := func(v float64) float64 { return math.Max(-maxLat, math.Min(maxLat, v)) }
	nw := maptile.At(orb.Point{clampLon(b.Min[0]), clampLat(b.Max[1])}, zoom)
	se := maptile.At(orb.Point{clampLon(b.Max[0]), clampLat(b.Min[1])}, zoom)
	// maptile.At puts 180° E and the south edge one past the last tile.
	x1, y1 := min(se.X, n-1), min(se.Y, n-1)
	count := (int(x1) - int(nw.X) + 1) * (int(y1) - int(nw.Y) + 1)
	if count > limit {
		return nil, fmt.Errorf("tilesetmap: %d tiles cover the bounds at zoom %d, more than %d", count, z, limit)
	}
	tiles := make([]maptile.Tile, 0, count)
	for y := nw.Y; y <= y1; y++ {
		for x := nw.X; x <= x1; x++ {
			tiles = append(tiles, maptile.New(x, y, zoom))
		}
	}
	return tiles, nil
}

// maxTileBytes bounds a tile once decompressed (CARTO caps tiles at 6 MB).
const maxTileBytes = 32 << 20

// Decode reads one tile, gzip-compressed or not, and returns its features
// clipped to the tile (a tile's buffer repeats its neighbours' edges) and
// projected to EPSG:4326. Each feature's properties gain "layer", the
// tile layer it came from, when the tile has more than one layer.
func Decode(data []byte, t maptile.Tile) ([]*geojson.Feature, error) {
	if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("tilesetmap: tile %d/%d/%d: %w", t.Z, t.X, t.Y, err)
		}
		raw, err := io.ReadAll(io.LimitReader(zr, maxTileBytes+1))
		if err != nil {
			return nil, fmt.Errorf("tilesetmap: tile %d/%d/%d: %w", t.Z, t.X, t.Y, err)
		}
		if len(raw) > maxTileBytes {
			return nil, fmt.Errorf("tilesetmap: tile %d/%d/%d is over %d MiB decompressed", t.Z, t.X, t.Y, maxTileBytes>>20)
		}
		data = raw
	}
	layers, err := mvt.Unmarshal(data)
	if err != nil {
		return nil, fmt.Errorf("tilesetmap: tile %d/%d/%d is not a vector tile: %w", t.Z, t.X, t.Y, err)
	}
	var out []*geojson.Feature
	for _, l := range layers {
		if l.Extent == 0 {
			return nil, fmt.Errorf("tilesetmap: tile %d/%d/%d: layer %q has extent 0", t.Z, t.X, t.Y, l.Name)
		}
		l.Clip(orb.Bound{Max: orb.Point{float64(l.Extent), float64(l.Extent)}})
		l.ProjectToWGS84(t)
		for _, f := range l.Features {
			if f.Geometry == nil {
				continue
			}
			if len(layers) > 1 {
				f.Properties["layer"] = l.Name
			}
			out = append(out, f)
		}
	}
	return out, nil
}

// ErrTooManyFeatures is returned by Features when the tiles hold more
// features than asked for; the features up to the cap come with it.
var ErrTooManyFeatures = errors.New("tilesetmap: more features than the cap")

// Features reads tiles with get (nil data: no tile there) and returns
// their features, at most maxFeatures (then with ErrTooManyFeatures), and
// how many tiles had data.
func Features(tiles []maptile.Tile, maxFeatures int, get func(maptile.Tile) ([]byte, error)) (*geojson.FeatureCollection, int, error) {
	fc := geojson.NewFeatureCollection()
	loaded := 0
	for _, t := range tiles {
		data, err := get(t)
		if err != nil {
			return nil, loaded, err
		}
		if len(data) == 0 {
			continue
		}
		loaded++
		feats, err := Decode(data, t)
		if err != nil {
			return nil, loaded, err
		}
		for _, f := range feats {
			if len(fc.Features) == maxFeatures {
				return fc, loaded, ErrTooManyFeatures
			}
			fc.Append(f)
		}
	}
	return fc, loaded, nil
}

// mercator is lon/lat in Web Mercator world units (0..1, y down).
func mercator(ll orb.Point) orb.Point {
	lat := math.Max(-maxLat, math.Min(maxLat, ll[1])) * math.Pi / 180
	return orb.Point{(ll[0] + 180) / 360, (1 - math.Log(math.Tan(lat)+1/math.Cos(lat))/math.Pi) / 2}
}

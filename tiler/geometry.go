package tiler

import (
	"encoding/hex"
	"fmt"
	"math"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/paulmach/orb/encoding/wkt"
	"github.com/paulmach/orb/geojson"
)

// MaxLatitude is Web Mercator's limit: latitudes beyond it are clamped, as
// every Web Mercator tiler does (the poles are at infinity).
const MaxLatitude = 85.05112877980659

// DecodeGeometry reads a geometry value as warehouses hand it over: WKB
// bytes (a GEOMETRY or BLOB column), or text holding WKT, GeoJSON or hex
// WKB (a VARCHAR column). A nil value is (nil, nil): a row without a
// geometry, skipped.
func DecodeGeometry(v any) (orb.Geometry, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case []byte:
		g, err := wkb.Unmarshal(v)
		if err != nil {
			return nil, fmt.Errorf("not valid 2D WKB (%v)", err)
		}
		return g, nil
	case string:
		s := strings.TrimSpace(v)
		switch {
		case s == "":
			return nil, nil
		case s[0] == '{':
			g, err := geojson.UnmarshalGeometry([]byte(s))
			if err != nil {
				return nil, fmt.Errorf("not valid GeoJSON (%v)", err)
			}
			return g.Geometry(), nil
		case isHex(s):
			b, _ := hex.DecodeString(s)
			return DecodeGeometry(b)
		}
		g, err := wkt.Unmarshal(s)
		if err != nil {
			return nil, fmt.Errorf("not valid WKT, GeoJSON or WKB (%v): %s", err, shorten(s, 60))
		}
		return g, nil
	}
	return nil, fmt.Errorf("a %T value is not a geometry", v)
}

func isHex(s string) bool {
	if len(s)%2 != 0 || len(s) < 10 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// checkGeometry rejects what cannot be tiled: non-finite coordinates,
// longitudes outside [-180, 180], latitudes outside [-90, 90] (usually
// projected coordinates or lat/lon swapped) and unclosed or too short
// polygon rings.
func checkGeometry(g orb.Geometry) error {
	var bad error
	checkPoint := func(p orb.Point) bool {
		switch {
		case math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.IsInf(p[0], 0) || math.IsInf(p[1], 0):
			bad = fmt.Errorf("has a non-finite coordinate (%v %v)", p[0], p[1])
		case p[0] < -180 || p[0] > 180:
			bad = fmt.Errorf("has longitude %v outside -180..180: geometries must be EPSG:4326 longitude/latitude", p[0])
		case p[1] < -90 || p[1] > 90:
			bad = fmt.Errorf("has latitude %v outside -90..90: geometries must be EPSG:4326 longitude/latitude, in that order", p[1])
		}
		return bad == nil
	}
	checkRing := func(r orb.Ring) bool {
		if len(r) < 4 {
			bad = fmt.Errorf("has a polygon ring of %d points; a ring needs at least 4 (closed)", len(r))
			return false
		}
		if !r.Closed() {
			bad = fmt.Errorf("has a polygon ring that is not closed (first point %v, last %v)", r[0], r[len(r)-1])
			return false
		}
		return true
	}
	var walk func(g orb.Geometry) bool
	walk = func(g orb.Geometry) bool {
		switch g := g.(type) {
		case orb.Point:
			return checkPoint(g)
		case orb.MultiPoint:
			for _, p := range g {
				if !checkPoint(p) {
					return false
				}
			}
		case orb.LineString:
			for _, p := range g {
				if !checkPoint(p) {
					return false
				}
			}
		case orb.MultiLineString:
			for _, l := range g {
				if !walk(l) {
					return false
				}
			}
		case orb.Polygon:
			for _, r := range g {
				if !checkRing(r) {
					return false
				}
				for _, p := range r {
					if !checkPoint(p) {
						return false
					}
				}
			}
		case orb.MultiPolygon:
			for _, p := range g {
				if !walk(p) {
					return false
				}
			}
		case orb.Collection:
			for _, m := range g {
				if !walk(m) {
					return false
				}
			}
		case orb.Ring:
			return walk(orb.Polygon{g})
		case orb.Bound:
			return walk(g.ToPolygon())
		default:
			bad = fmt.Errorf("has an unsupported geometry type %T", g)
			return false
		}
		return true
	}
	walk(g)
	return bad
}

// project maps lon/lat to Web Mercator in the unit square: x east from the
// antimeridian, y south from the top edge, both in [0, 1], with latitude
// clamped to MaxLatitude. Tile (z, x, y) covers [x, x+1) / 2^z.
func project(p orb.Point) orb.Point {
	lat := math.Max(-MaxLatitude, math.Min(MaxLatitude, p[1]))
	s := math.Sin(lat * math.Pi / 180)
	y := 0.5 - math.Log((1+s)/(1-s))/(4*math.Pi)
	return orb.Point{(p[0] + 180) / 360, math.Max(0, math.Min(1, y))}
}

// unproject is project's inverse.
func unproject(p orb.Point) orb.Point {
	lat := math.Atan(math.Sinh(math.Pi*(1-2*p[1]))) * 180 / math.Pi
	return orb.Point{p[0]*360 - 180, lat}
}

// transform applies f to every point of g, into a new geometry.
func transform(g orb.Geometry, f func(orb.Point) orb.Point) orb.Geometry {
	switch g := g.(type) {
	case orb.Point:
		return f(g)
	case orb.MultiPoint:
		out := make(orb.MultiPoint, len(g))
		for i, p := range g {
			out[i] = f(p)
		}
		return out
	case orb.LineString:
		out := make(orb.LineString, len(g))
		for i, p := range g {
			out[i] = f(p)
		}
		return out
	case orb.Ring:
		out := make(orb.Ring, len(g))
		for i, p := range g {
			out[i] = f(p)
		}
		return out
	case orb.MultiLineString:
		out := make(orb.MultiLineString, len(g))
		for i, l := range g {
			out[i] = transform(l, f).(orb.LineString)
		}
		return out
	case orb.Polygon:
		out := make(orb.Polygon, len(g))
		for i, r := range g {
			out[i] = transform(r, f).(orb.Ring)
		}
		return out
	case orb.MultiPolygon:
		out := make(orb.MultiPolygon, len(g))
		for i, p := range g {
			out[i] = transform(p, f).(orb.Polygon)
		}
		return out
	case orb.Bound:
		return transform(g.ToPolygon(), f)
	}
	return nil
}

// geometryKind is the tilestats / TileJSON name of a geometry's type.
func geometryKind(g orb.Geometry) string {
	switch g.Dimensions() {
	case 0:
		return "Point"
	case 1:
		return "LineString"
	}
	return "Polygon"
}

// splitCollection returns the members of a collection (flattened), or g.
func splitCollection(g orb.Geometry) []orb.Geometry {
	c, ok := g.(orb.Collection)
	if !ok {
		return []orb.Geometry{g}
	}
	var out []orb.Geometry
	for _, m := range c {
		out = append(out, splitCollection(m)...)
	}
	return out
}

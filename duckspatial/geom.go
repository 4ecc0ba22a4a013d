package duckspatial

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/carto-mcp/carto-mcp/internal/wkbread"
)

// decode reads the WKB DuckDB hands a UDF for a GEOMETRY argument. orb's
// reader handles the common 2D case; geometries with Z or M ordinates (which
// orb does not read) go through flatten, which drops those ordinates: every
// function here works in 2D, as BigQuery's GEOGRAPHY does.
func decode(b []byte) (orb.Geometry, error) {
	// Most rows are points, little-endian as DuckDB writes them: read
	// those 21 bytes directly, without orb's reader and its allocations.
	if len(b) == 21 && b[0] == 1 && binary.LittleEndian.Uint32(b[1:]) == 1 {
		return orb.Point{
			math.Float64frombits(binary.LittleEndian.Uint64(b[5:])),
			math.Float64frombits(binary.LittleEndian.Uint64(b[13:])),
		}, nil
	}
	g, err := wkb.Unmarshal(b)
	if err == nil {
		return g, nil
	}
	if errors.Is(err, wkb.ErrUnsupportedGeometry) || errors.Is(err, wkb.ErrNotWKB) {
		if g, ferr := flatten(b); ferr == nil {
			return g, nil
		}
	}
	return nil, fmt.Errorf("unreadable geometry: %v", err)
}

// encode writes g as WKB with orb's encoder: DuckDB does not check the bytes
// a UDF returns, so only a real WKB writer may produce them.
func encode(g orb.Geometry) ([]byte, error) {
	return wkb.Marshal(g)
}

// flatten reads ISO WKB (Z, M and ZM as type + 1000, 2000, 3000) or EWKB
// (flag bits, optional SRID) into a 2D orb geometry.
func flatten(b []byte) (orb.Geometry, error) {
	r := wkbread.NewReader(b, flatErrors)
	g, err := flatGeometry(r, 0)
	if err != nil {
		return nil, err
	}
	if r.Remaining() != 0 {
		return nil, errors.New("trailing bytes after the geometry")
	}
	return g, nil
}

var errTruncated = errors.New("truncated WKB")

var flatErrors = wkbread.Errors{
	Truncated: errTruncated,
	ByteOrder: func(mark byte) error { return fmt.Errorf("bad WKB byte order %d", mark) },
}

func flatGeometry(r *wkbread.Reader, depth int) (orb.Geometry, error) {
	if depth > 32 {
		return nil, errors.New("WKB nested too deeply")
	}
	h, err := r.Header()
	if err != nil {
		return nil, err
	}
	dims := h.Dims()
	switch h.Type {
	case wkbread.Point:
		return flatPoint(r, dims)
	case wkbread.LineString:
		pts, err := flatPoints(r, dims)
		return orb.LineString(pts), err
	case wkbread.Polygon:
		return flatPolygon(r, dims)
	case wkbread.MultiPoint, wkbread.MultiLineString, wkbread.MultiPolygon, wkbread.GeometryCollection:
		n, err := r.Count(wkbread.HeaderSize)
		if err != nil {
			return nil, err
		}
		parts := make([]orb.Geometry, 0, n)
		for range n {
			g, err := flatGeometry(r, depth+1)
			if err != nil {
				return nil, err
			}
			parts = append(parts, g)
		}
		return collect(h.Type, parts)
	}
	return nil, fmt.Errorf("unknown WKB geometry type %d", h.Code)
}

// collect builds a multi-geometry from parts read with their own headers.
func collect(typ uint32, parts []orb.Geometry) (orb.Geometry, error) {
	switch typ {
	case wkbread.MultiPoint:
		mp := make(orb.MultiPoint, 0, len(parts))
		for _, p := range parts {
			pt, ok := p.(orb.Point)
			if !ok {
				return nil, fmt.Errorf("%s inside a MULTIPOINT", p.GeoJSONType())
			}
			mp = append(mp, pt)
		}
		return mp, nil
	case wkbread.MultiLineString:
		ml := make(orb.MultiLineString, 0, len(parts))
		for _, p := range parts {
			ls, ok := p.(orb.LineString)
			if !ok {
				return nil, fmt.Errorf("%s inside a MULTILINESTRING", p.GeoJSONType())
			}
			ml = append(ml, ls)
		}
		return ml, nil
	case wkbread.MultiPolygon:
		mp := make(orb.MultiPolygon, 0, len(parts))
		for _, p := range parts {
			pg, ok := p.(orb.Polygon)
			if !ok {
				return nil, fmt.Errorf("%s inside a MULTIPOLYGON", p.GeoJSONType())
			}
			mp = append(mp, pg)
		}
		return mp, nil
	}
	return orb.Collection(parts), nil
}

func flatPoint(r *wkbread.Reader, dims int) (orb.Point, error) {
	var p orb.Point
	for d := range dims {
		f, err := r.Float64()
		if err != nil {
			return p, err
		}
		if d < 2 {
			p[d] = f
		}
	}
	return p, nil
}

func flatPoints(r *wkbread.Reader, dims int) ([]orb.Point, error) {
	n, err := r.Count(wkbread.CoordSize(dims))
	if err != nil {
		return nil, err
	}
	pts := make([]orb.Point, 0, n)
	for range n {
		p, err := flatPoint(r, dims)
		if err != nil {
			return nil, err
		}
		pts = append(pts, p)
	}
	return pts, nil
}

func flatPolygon(r *wkbread.Reader, dims int) (orb.Polygon, error) {
	n, err := r.Count(wkbread.CountSize)
	if err != nil {
		return nil, err
	}
	pg := make(orb.Polygon, 0, n)
	for range n {
		ring, err := flatPoints(r, dims)
		if err != nil {
			return nil, err
		}
		pg = append(pg, orb.Ring(ring))
	}
	return pg, nil
}

// isEmptyPoint reports whether p is WKB's POINT EMPTY (NaN coordinates).
func isEmptyPoint(p orb.Point) bool { return math.IsNaN(p[0]) && math.IsNaN(p[1]) }

// emptyPoint is POINT EMPTY as WKB spells it.
var emptyPoint = orb.Point{math.NaN(), math.NaN()}

// typeName is the WKT name of g's type, for error messages.
func typeName(g orb.Geometry) string {
	switch g.(type) {
	case orb.Point:
		return "POINT"
	case orb.MultiPoint:
		return "MULTIPOINT"
	case orb.LineString:
		return "LINESTRING"
	case orb.MultiLineString:
		return "MULTILINESTRING"
	case orb.Ring, orb.Polygon:
		return "POLYGON"
	case orb.MultiPolygon:
		return "MULTIPOLYGON"
	case orb.Collection:
		return "GEOMETRYCOLLECTION"
	case orb.Bound:
		return "POLYGON"
	}
	return fmt.Sprintf("%T", g)
}

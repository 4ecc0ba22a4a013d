package duckspatial

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
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
	r := flatReader{b: b}
	g, err := r.geometry(0)
	if err != nil {
		return nil, err
	}
	if r.pos != len(b) {
		return nil, errors.New("trailing bytes after the geometry")
	}
	return g, nil
}

var errTruncated = errors.New("truncated WKB")

type flatReader struct {
	b     []byte
	pos   int
	order binary.ByteOrder
}

func (r *flatReader) geometry(depth int) (orb.Geometry, error) {
	if depth > 32 {
		return nil, errors.New("WKB nested too deeply")
	}
	if r.pos >= len(r.b) {
		return nil, errTruncated
	}
	switch r.b[r.pos] {
	case 0:
		r.order = binary.BigEndian
	case 1:
		r.order = binary.LittleEndian
	default:
		return nil, fmt.Errorf("bad WKB byte order %d", r.b[r.pos])
	}
	r.pos++
	raw, err := r.uint32()
	if err != nil {
		return nil, err
	}
	dims := 2
	if raw&0x80000000 != 0 {
		dims++
	}
	if raw&0x40000000 != 0 {
		dims++
	}
	if raw&0x20000000 != 0 { // EWKB SRID
		if _, err := r.uint32(); err != nil {
			return nil, err
		}
	}
	raw &= 0x0FFFFFFF
	switch raw / 1000 {
	case 1, 2:
		dims = 3
	case 3:
		dims = 4
	}
	switch raw % 1000 {
	case 1:
		return r.point(dims)
	case 2:
		pts, err := r.points(dims)
		return orb.LineString(pts), err
	case 3:
		return r.polygon(dims)
	case 4, 5, 6, 7:
		n, err := r.count()
		if err != nil {
			return nil, err
		}
		parts := make([]orb.Geometry, 0, n)
		for range n {
			g, err := r.geometry(depth + 1)
			if err != nil {
				return nil, err
			}
			parts = append(parts, g)
		}
		return collect(raw%1000, parts)
	}
	return nil, fmt.Errorf("unknown WKB geometry type %d", raw)
}

// collect builds a multi-geometry from parts read with their own headers.
func collect(typ uint32, parts []orb.Geometry) (orb.Geometry, error) {
	switch typ {
	case 4:
		mp := make(orb.MultiPoint, 0, len(parts))
		for _, p := range parts {
			pt, ok := p.(orb.Point)
			if !ok {
				return nil, fmt.Errorf("%s inside a MULTIPOINT", p.GeoJSONType())
			}
			mp = append(mp, pt)
		}
		return mp, nil
	case 5:
		ml := make(orb.MultiLineString, 0, len(parts))
		for _, p := range parts {
			ls, ok := p.(orb.LineString)
			if !ok {
				return nil, fmt.Errorf("%s inside a MULTILINESTRING", p.GeoJSONType())
			}
			ml = append(ml, ls)
		}
		return ml, nil
	case 6:
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

func (r *flatReader) point(dims int) (orb.Point, error) {
	var p orb.Point
	for d := range dims {
		f, err := r.float64()
		if err != nil {
			return p, err
		}
		if d < 2 {
			p[d] = f
		}
	}
	return p, nil
}

func (r *flatReader) points(dims int) ([]orb.Point, error) {
	n, err := r.count()
	if err != nil {
		return nil, err
	}
	pts := make([]orb.Point, 0, n)
	for range n {
		p, err := r.point(dims)
		if err != nil {
			return nil, err
		}
		pts = append(pts, p)
	}
	return pts, nil
}

func (r *flatReader) polygon(dims int) (orb.Polygon, error) {
	n, err := r.count()
	if err != nil {
		return nil, err
	}
	pg := make(orb.Polygon, 0, n)
	for range n {
		ring, err := r.points(dims)
		if err != nil {
			return nil, err
		}
		pg = append(pg, orb.Ring(ring))
	}
	return pg, nil
}

// count reads an element count no larger than the remaining bytes could
// hold, so corrupt input cannot make us allocate wildly.
func (r *flatReader) count() (int, error) {
	n, err := r.uint32()
	if err != nil {
		return 0, err
	}
	if int64(n) > int64(len(r.b)-r.pos) {
		return 0, errTruncated
	}
	return int(n), nil
}

func (r *flatReader) uint32() (uint32, error) {
	if len(r.b)-r.pos < 4 {
		return 0, errTruncated
	}
	v := r.order.Uint32(r.b[r.pos:])
	r.pos += 4
	return v, nil
}

func (r *flatReader) float64() (float64, error) {
	if len(r.b)-r.pos < 8 {
		return 0, errTruncated
	}
	v := math.Float64frombits(r.order.Uint64(r.b[r.pos:]))
	r.pos += 8
	return v, nil
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

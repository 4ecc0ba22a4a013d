package localwarehouse

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// wkbToWKT renders the WKB that DuckDB's core GEOMETRY type produces as WKT,
// in the same style as DuckDB's own ST_AsText ("POINT (1 2)",
// "MULTIPOINT (0 0, 1 1)"). It reads ISO WKB (Z, M, ZM as +1000/2000/3000)
// and EWKB flags (including an SRID, which WKT cannot carry and is dropped).
func wkbToWKT(b []byte) (string, error) {
	r := wkbReader{b: b}
	out, err := r.geometry(nil)
	if err != nil {
		return "", err
	}
	if r.pos != len(b) {
		return "", errors.New("wkb: trailing bytes")
	}
	return string(out), nil
}

var errShortWKB = errors.New("wkb: truncated")

const (
	wkbPoint = iota + 1
	wkbLineString
	wkbPolygon
	wkbMultiPoint
	wkbMultiLineString
	wkbMultiPolygon
	wkbGeometryCollection
)

var wkbTypeNames = [...]string{"", "POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION"}

type wkbReader struct {
	b     []byte
	pos   int
	order binary.ByteOrder
	depth int
}

// header reads a byte order mark and geometry type; dims is 2, 3 or 4.
func (r *wkbReader) header() (typ int, tag string, dims int, err error) {
	if r.pos >= len(r.b) {
		return 0, "", 0, errShortWKB
	}
	switch r.b[r.pos] {
	case 0:
		r.order = binary.BigEndian
	case 1:
		r.order = binary.LittleEndian
	default:
		return 0, "", 0, fmt.Errorf("wkb: bad byte order %d", r.b[r.pos])
	}
	r.pos++
	raw, err := r.uint32()
	if err != nil {
		return 0, "", 0, err
	}
	hasZ, hasM := raw&0x80000000 != 0, raw&0x40000000 != 0
	if raw&0x20000000 != 0 { // EWKB SRID
		if _, err := r.uint32(); err != nil {
			return 0, "", 0, err
		}
	}
	raw &= 0x0FFFFFFF
	switch raw / 1000 {
	case 1:
		hasZ = true
	case 2:
		hasM = true
	case 3:
		hasZ, hasM = true, true
	}
	typ = int(raw % 1000)
	if typ < wkbPoint || typ > wkbGeometryCollection {
		return 0, "", 0, fmt.Errorf("wkb: unknown geometry type %d", raw)
	}
	dims = 2
	switch {
	case hasZ && hasM:
		tag, dims = " ZM", 4
	case hasZ:
		tag, dims = " Z", 3
	case hasM:
		tag, dims = " M", 3
	}
	return typ, tag, dims, nil
}

// geometry appends one complete geometry: type name, dimension tag and body.
func (r *wkbReader) geometry(dst []byte) ([]byte, error) {
	if r.depth++; r.depth > 32 {
		return nil, errors.New("wkb: nesting too deep")
	}
	// A part may use another byte order than its parent: restore it after.
	defer func(order binary.ByteOrder) { r.depth--; r.order = order }(r.order)
	typ, tag, dims, err := r.header()
	if err != nil {
		return nil, err
	}
	dst = append(dst, wkbTypeNames[typ]...)
	dst = append(dst, tag...)
	return r.body(dst, typ, dims)
}

// body appends " EMPTY" or " (...)" for a geometry whose header was read.
func (r *wkbReader) body(dst []byte, typ, dims int) ([]byte, error) {
	if typ == wkbPoint {
		start := len(dst)
		dst = append(dst, " ("...)
		dst, empty, err := r.coords(dst, dims)
		if err != nil {
			return nil, err
		}
		if empty { // WKB spells POINT EMPTY as NaN coordinates
			return append(dst[:start], " EMPTY"...), nil
		}
		return append(dst, ')'), nil
	}

	n, err := r.count()
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return append(dst, " EMPTY"...), nil
	}
	dst = append(dst, " ("...)
	for i := range n {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		switch typ {
		case wkbLineString:
			dst, _, err = r.coords(dst, dims)
		case wkbPolygon:
			dst, err = r.ring(dst, dims)
		case wkbMultiPoint:
			dst, err = r.member(dst, wkbPoint, false)
		case wkbMultiLineString:
			dst, err = r.member(dst, wkbLineString, true)
		case wkbMultiPolygon:
			dst, err = r.member(dst, wkbPolygon, true)
		case wkbGeometryCollection:
			dst, err = r.geometry(dst)
		}
		if err != nil {
			return nil, err
		}
	}
	return append(dst, ')'), nil
}

// member appends one part of a MULTI* geometry without its type name.
// MULTIPOINT parts are bare coordinates; others keep their parentheses.
func (r *wkbReader) member(dst []byte, want int, parens bool) ([]byte, error) {
	defer func(order binary.ByteOrder) { r.order = order }(r.order)
	typ, _, dims, err := r.header()
	if err != nil {
		return nil, err
	}
	if typ != want {
		return nil, fmt.Errorf("wkb: %s inside a multi-geometry of %ss", wkbTypeNames[typ], wkbTypeNames[want])
	}
	if !parens {
		start := len(dst)
		dst, empty, err := r.coords(dst, dims)
		if err != nil {
			return nil, err
		}
		if empty {
			return append(dst[:start], "EMPTY"...), nil
		}
		return dst, nil
	}
	body, err := r.body(nil, typ, dims)
	if err != nil {
		return nil, err
	}
	return append(dst, body[1:]...), nil // drop the leading space
}

// ring appends "(x y, x y, ...)" for a polygon ring.
func (r *wkbReader) ring(dst []byte, dims int) ([]byte, error) {
	n, err := r.count()
	if err != nil {
		return nil, err
	}
	dst = append(dst, '(')
	for i := range n {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		if dst, _, err = r.coords(dst, dims); err != nil {
			return nil, err
		}
	}
	return append(dst, ')'), nil
}

// coords appends one coordinate tuple "x y [z [m]]" and reports whether all
// its ordinates were NaN.
func (r *wkbReader) coords(dst []byte, dims int) ([]byte, bool, error) {
	allNaN := true
	for d := range dims {
		f, err := r.float64()
		if err != nil {
			return nil, false, err
		}
		if !math.IsNaN(f) {
			allNaN = false
		}
		if d > 0 {
			dst = append(dst, ' ')
		}
		dst = appendCoord(dst, f)
	}
	return dst, allNaN, nil
}

func appendCoord(dst []byte, f float64) []byte {
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		return strconv.AppendFloat(dst, f, 'g', -1, 64)
	}
	return strconv.AppendFloat(dst, f, 'f', -1, 64)
}

// count reads an element count and rejects counts the remaining bytes
// cannot hold, so corrupt input cannot make us loop or allocate wildly.
func (r *wkbReader) count() (int, error) {
	n, err := r.uint32()
	if err != nil {
		return 0, err
	}
	if int64(n) > int64(len(r.b)-r.pos) {
		return 0, errShortWKB
	}
	return int(n), nil
}

func (r *wkbReader) uint32() (uint32, error) {
	if len(r.b)-r.pos < 4 {
		return 0, errShortWKB
	}
	v := r.order.Uint32(r.b[r.pos:])
	r.pos += 4
	return v, nil
}

func (r *wkbReader) float64() (float64, error) {
	if len(r.b)-r.pos < 8 {
		return 0, errShortWKB
	}
	v := math.Float64frombits(r.order.Uint64(r.b[r.pos:]))
	r.pos += 8
	return v, nil
}

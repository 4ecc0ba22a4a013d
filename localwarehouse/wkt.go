package localwarehouse

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/carto-mcp/carto-mcp/internal/wkbread"
)

// wkbToWKT renders the WKB that DuckDB's core GEOMETRY type produces as WKT,
// in the same style as DuckDB's own ST_AsText ("POINT (1 2)",
// "MULTIPOINT (0 0, 1 1)"). It reads ISO WKB (Z, M, ZM as +1000/2000/3000)
// and EWKB flags (including an SRID, which WKT cannot carry and is dropped).
func wkbToWKT(b []byte) (string, error) {
	r := wkbReader{Reader: wkbread.NewReader(b, wkbread.Errors{})}
	out, err := r.geometry(nil)
	if err != nil {
		return "", err
	}
	if r.Remaining() != 0 {
		return "", errors.New("wkb: trailing bytes")
	}
	return string(out), nil
}

var wkbTypeNames = [...]string{"", "POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION"}

// wkbReader writes WKT as it reads; wkbread bounds every read.
type wkbReader struct {
	*wkbread.Reader
	depth int
}

// header reads a byte order mark and geometry type; dims is 2, 3 or 4.
func (r *wkbReader) header() (typ int, tag string, dims int, err error) {
	h, err := r.Header()
	if err != nil {
		return 0, "", 0, err
	}
	if h.Type < wkbread.Point || h.Type > wkbread.GeometryCollection {
		return 0, "", 0, fmt.Errorf("wkb: unknown geometry type %d", h.Code)
	}
	switch {
	case h.Z && h.M:
		tag = " ZM"
	case h.Z:
		tag = " Z"
	case h.M:
		tag = " M"
	}
	return int(h.Type), tag, h.Dims(), nil
}

// geometry appends one complete geometry: type name, dimension tag and body.
func (r *wkbReader) geometry(dst []byte) ([]byte, error) {
	if r.depth++; r.depth > 32 {
		return nil, errors.New("wkb: nesting too deep")
	}
	defer func() { r.depth-- }()
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
	if typ == wkbread.Point {
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

	elem := wkbread.HeaderSize // a part of a MULTI* or collection
	switch typ {
	case wkbread.LineString:
		elem = wkbread.CoordSize(dims)
	case wkbread.Polygon:
		elem = wkbread.CountSize
	}
	n, err := r.Count(elem)
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
		case wkbread.LineString:
			dst, _, err = r.coords(dst, dims)
		case wkbread.Polygon:
			dst, err = r.ring(dst, dims)
		case wkbread.MultiPoint:
			dst, err = r.member(dst, wkbread.Point, false)
		case wkbread.MultiLineString:
			dst, err = r.member(dst, wkbread.LineString, true)
		case wkbread.MultiPolygon:
			dst, err = r.member(dst, wkbread.Polygon, true)
		case wkbread.GeometryCollection:
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
	n, err := r.Count(wkbread.CoordSize(dims))
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
		f, err := r.Float64()
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

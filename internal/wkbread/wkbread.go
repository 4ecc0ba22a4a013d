// Package wkbread reads the primitives of ISO WKB and PostGIS EWKB from a
// byte slice: headers (byte order, type, Z/M, SRID), element counts and
// ordinates. It never reads past the slice and never lets a count ask for
// more elements than the remaining bytes could hold, so corrupt input cannot
// make a caller loop or allocate wildly.
//
// orb's encoding/wkb remains the decoder of choice for plain 2D WKB; it
// rejects Z and M geometries (ErrUnsupportedGeometry), which DuckDB and
// PostGIS both produce. This package is the bounded reader under the two
// places that must read those: duckspatial (into 2D orb geometries) and
// localwarehouse (into WKT that keeps every ordinate).
package wkbread

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Geometry type codes, without dimension (ISO adds 1000, 2000 or 3000 for Z,
// M and ZM; EWKB sets flag bits instead).
const (
	Point = iota + 1
	LineString
	Polygon
	MultiPoint
	MultiLineString
	MultiPolygon
	GeometryCollection
)

// ErrTruncated is the default error for input that ends early.
var ErrTruncated = errors.New("wkb: truncated")

// Errors lets each caller keep its own wording for the two input errors the
// reader itself detects. A zero field means the default.
type Errors struct {
	// Truncated is returned when the input ends before a value, or a count
	// is larger than the remaining bytes could hold. Default ErrTruncated.
	Truncated error
	// ByteOrder builds the error for a byte-order mark other than 0 or 1.
	// Default "wkb: bad byte order N".
	ByteOrder func(mark byte) error
}

// Reader reads one WKB value front to back.
type Reader struct {
	b     []byte
	pos   int
	order binary.ByteOrder
	errs  Errors
}

// NewReader reads b, reporting input errors as errs says.
func NewReader(b []byte, errs Errors) *Reader {
	if errs.Truncated == nil {
		errs.Truncated = ErrTruncated
	}
	if errs.ByteOrder == nil {
		errs.ByteOrder = func(mark byte) error { return fmt.Errorf("wkb: bad byte order %d", mark) }
	}
	return &Reader{b: b, order: binary.LittleEndian, errs: errs}
}

// Remaining is the number of bytes not read yet.
func (r *Reader) Remaining() int { return len(r.b) - r.pos }

// Header is what precedes every (sub)geometry in WKB.
type Header struct {
	// Code is the type code as written, without EWKB flag bits: 1001 for
	// an ISO POINT Z, 1 for a POINT (whether or not EWKB flags said Z).
	Code uint32
	// Type is Code without its dimension: Point ... GeometryCollection
	// for the seven OGC types, anything else as read (the caller rejects).
	Type uint32
	// Z and M say which extra ordinates each coordinate carries, from
	// either the ISO code or the EWKB flags.
	Z, M bool
}

// Dims is the number of ordinates per coordinate: 2, 3 or 4.
func (h Header) Dims() int {
	d := 2
	if h.Z {
		d++
	}
	if h.M {
		d++
	}
	return d
}

// Header reads a byte-order mark, which applies to this geometry's values
// until the next Header, and a type code; an EWKB SRID is skipped.
func (r *Reader) Header() (Header, error) {
	if r.pos >= len(r.b) {
		return Header{}, r.errs.Truncated
	}
	switch mark := r.b[r.pos]; mark {
	case 0:
		r.order = binary.BigEndian
	case 1:
		r.order = binary.LittleEndian
	default:
		return Header{}, r.errs.ByteOrder(mark)
	}
	r.pos++
	raw, err := r.Uint32()
	if err != nil {
		return Header{}, err
	}
	h := Header{Z: raw&0x80000000 != 0, M: raw&0x40000000 != 0}
	if raw&0x20000000 != 0 { // EWKB SRID: WKT and orb carry none
		if _, err := r.Uint32(); err != nil {
			return Header{}, err
		}
	}
	h.Code = raw & 0x0FFFFFFF
	switch h.Code / 1000 {
	case 1:
		h.Z = true
	case 2:
		h.M = true
	case 3:
		h.Z, h.M = true, true
	}
	h.Type = h.Code % 1000
	return h, nil
}

// Count reads an element count and rejects one whose elements, at least
// minSize bytes each, the remaining bytes could not hold: the count is then
// safe to use as a slice capacity.
func (r *Reader) Count(minSize int) (int, error) {
	n, err := r.Uint32()
	if err != nil {
		return 0, err
	}
	if minSize < 1 {
		minSize = 1
	}
	if uint64(n)*uint64(minSize) > uint64(r.Remaining()) {
		return 0, r.errs.Truncated
	}
	return int(n), nil
}

// Uint32 reads one unsigned 32-bit integer in the current byte order.
func (r *Reader) Uint32() (uint32, error) {
	if r.Remaining() < 4 {
		return 0, r.errs.Truncated
	}
	v := r.order.Uint32(r.b[r.pos:])
	r.pos += 4
	return v, nil
}

// Float64 reads one IEEE 754 double in the current byte order.
func (r *Reader) Float64() (float64, error) {
	if r.Remaining() < 8 {
		return 0, r.errs.Truncated
	}
	v := math.Float64frombits(r.order.Uint64(r.b[r.pos:]))
	r.pos += 8
	return v, nil
}

// Minimum sizes of the elements a count counts, for Count.
const (
	// HeaderSize is the smallest (sub)geometry: a byte-order mark and a
	// type code (an empty one still has a count or NaN ordinates after).
	HeaderSize = 5
	// CountSize is the smallest ring or line: its own count of zero.
	CountSize = 4
)

// CoordSize is the size of one coordinate of dims ordinates.
func CoordSize(dims int) int { return 8 * dims }

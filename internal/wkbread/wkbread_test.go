package wkbread

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// byteOrder is binary.LittleEndian or binary.BigEndian.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// header writes a byte-order mark and a type code in that order.
func header(order byteOrder, code uint32) []byte {
	mark := byte(1)
	if order == byteOrder(binary.BigEndian) {
		mark = 0
	}
	return order.AppendUint32([]byte{mark}, code)
}

func TestHeaderByteOrders(t *testing.T) {
	t.Parallel()
	for _, order := range []byteOrder{binary.LittleEndian, binary.BigEndian} {
		t.Run(order.String(), func(t *testing.T) {
			t.Parallel()
			b := header(order, 2)                             // LINESTRING
			b = order.AppendUint32(b, 1)                      // one coordinate
			b = order.AppendUint64(b, math.Float64bits(-1.5)) // x
			b = order.AppendUint64(b, math.Float64bits(2.25)) // y
			r := NewReader(b, Errors{})
			h, err := r.Header()
			require.NoError(t, err)
			assert.Equal(t, Header{Code: 2, Type: LineString}, h)
			n, err := r.Count(CoordSize(h.Dims()))
			require.NoError(t, err)
			assert.Equal(t, 1, n)
			x, err := r.Float64()
			require.NoError(t, err)
			y, err := r.Float64()
			require.NoError(t, err)
			assert.Equal(t, [2]float64{-1.5, 2.25}, [2]float64{x, y})
			assert.Zero(t, r.Remaining())
		})
	}
}

// Each (sub)geometry carries its own byte-order mark: a big-endian part
// inside a little-endian collection is read big-endian, and the next
// part's mark switches back.
func TestHeaderSwitchesByteOrderPerPart(t *testing.T) {
	t.Parallel()
	b := header(binary.LittleEndian, MultiPoint)
	b = binary.LittleEndian.AppendUint32(b, 2)
	b = append(b, header(binary.BigEndian, Point)...)
	b = binary.BigEndian.AppendUint64(b, math.Float64bits(1))
	b = binary.BigEndian.AppendUint64(b, math.Float64bits(2))
	b = append(b, header(binary.LittleEndian, Point)...)
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(3))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(4))

	r := NewReader(b, Errors{})
	_, err := r.Header()
	require.NoError(t, err)
	n, err := r.Count(HeaderSize)
	require.NoError(t, err)
	var got []float64
	for range n {
		h, err := r.Header()
		require.NoError(t, err)
		require.Equal(t, uint32(Point), h.Type)
		for range h.Dims() {
			f, err := r.Float64()
			require.NoError(t, err)
			got = append(got, f)
		}
	}
	assert.Equal(t, []float64{1, 2, 3, 4}, got)
}

func TestHeaderDimensions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		code uint32
		want Header
		dims int
	}{
		{"ISO POINT Z", 1001, Header{Code: 1001, Type: Point, Z: true}, 3},
		{"ISO LINESTRING M", 2002, Header{Code: 2002, Type: LineString, M: true}, 3},
		{"ISO POLYGON ZM", 3003, Header{Code: 3003, Type: Polygon, Z: true, M: true}, 4},
		{"EWKB POINT Z", 0x80000001, Header{Code: 1, Type: Point, Z: true}, 3},
		{"EWKB POINT M", 0x40000001, Header{Code: 1, Type: Point, M: true}, 3},
		{"EWKB POINT ZM", 0xC0000001, Header{Code: 1, Type: Point, Z: true, M: true}, 4},
		{"unknown type is returned for the caller", 99, Header{Code: 99, Type: 99}, 2},
	} {
		h, err := NewReader(header(binary.LittleEndian, tc.code), Errors{}).Header()
		require.NoError(t, err, tc.name)
		assert.Equal(t, tc.want, h, tc.name)
		assert.Equal(t, tc.dims, h.Dims(), tc.name)
	}
}

func TestHeaderSkipsEWKBSRID(t *testing.T) {
	t.Parallel()
	b := header(binary.BigEndian, 0x20000001)
	b = binary.BigEndian.AppendUint32(b, 4326)
	b = binary.BigEndian.AppendUint64(b, math.Float64bits(7))
	r := NewReader(b, Errors{})
	h, err := r.Header()
	require.NoError(t, err)
	assert.Equal(t, Header{Code: 1, Type: Point}, h)
	x, err := r.Float64()
	require.NoError(t, err)
	assert.Equal(t, 7.0, x)
}

func TestTruncated(t *testing.T) {
	t.Parallel()
	full := header(binary.LittleEndian, 0x20000001) // EWKB point with SRID
	full = binary.LittleEndian.AppendUint32(full, 4326)
	// Every strict prefix of the header fails as truncated, never panics.
	for n := range len(full) {
		_, err := NewReader(full[:n], Errors{}).Header()
		assert.ErrorIs(t, err, ErrTruncated, "prefix of %d bytes", n)
	}
	r := NewReader([]byte{1, 2, 3}, Errors{})
	_, err := r.Uint32()
	assert.ErrorIs(t, err, ErrTruncated)
	_, err = NewReader(make([]byte, 7), Errors{}).Float64()
	assert.ErrorIs(t, err, ErrTruncated)
	_, err = NewReader(make([]byte, 3), Errors{}).Count(1)
	assert.ErrorIs(t, err, ErrTruncated)
}

// A count is checked against what the rest of the input could hold, at the
// element's smallest size, before anyone allocates for it.
func TestCountRejectsWhatTheInputCannotHold(t *testing.T) {
	t.Parallel()
	withCount := func(n uint32, rest int) *Reader {
		b := binary.LittleEndian.AppendUint32(nil, n)
		return NewReader(append(b, make([]byte, rest)...), Errors{})
	}
	for _, tc := range []struct {
		name     string
		n        uint32
		rest     int
		minSize  int
		wantErr  bool
		wantSize int
	}{
		{"max uint32", math.MaxUint32, 64, 1, true, 0},
		{"max uint32 times a 4D coordinate", math.MaxUint32, 64, CoordSize(4), true, 0},
		{"two coordinates, bytes for two", 2, 32, CoordSize(2), false, 2},
		{"three coordinates, bytes for two", 3, 32, CoordSize(2), true, 0},
		{"bytes enough at one byte each, not at 16", 10, 10, CoordSize(2), true, 0},
		{"rings of at least a count each", 4, 16, CountSize, false, 4},
		{"parts of at least a header each", 4, 19, HeaderSize, true, 0},
		{"zero is always fine", 0, 0, HeaderSize, false, 0},
		{"minSize below one counts as one", 3, 3, 0, false, 3},
	} {
		n, err := withCount(tc.n, tc.rest).Count(tc.minSize)
		if tc.wantErr {
			assert.ErrorIs(t, err, ErrTruncated, tc.name)
			continue
		}
		require.NoError(t, err, tc.name)
		assert.Equal(t, tc.wantSize, n, tc.name)
	}
}

func TestCallerErrors(t *testing.T) {
	t.Parallel()
	mine := errors.New("my truncated")
	errs := Errors{
		Truncated: mine,
		ByteOrder: func(mark byte) error { return fmt.Errorf("my bad order %d", mark) },
	}
	_, err := NewReader(nil, errs).Header()
	assert.Same(t, mine, err)
	_, err = NewReader([]byte{7, 1, 0, 0, 0}, errs).Header()
	assert.EqualError(t, err, "my bad order 7")
	_, err = NewReader([]byte{7, 1, 0, 0, 0}, Errors{}).Header()
	assert.EqualError(t, err, "wkb: bad byte order 7")
	_, err = NewReader(binary.LittleEndian.AppendUint32(nil, 9), errs).Count(1)
	assert.Same(t, mine, err)
}

func FuzzReader(f *testing.F) {
	f.Add([]byte{1, 1, 0, 0, 0})
	f.Add([]byte{0, 0x20, 0, 0, 1, 0, 0, 0x10, 0xe6})
	f.Add([]byte{1, 4, 0, 0, 0, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		// Read as a caller would: headers, counts and ordinates, until
		// an error; nothing may panic or claim more than the input holds.
		r := NewReader(b, Errors{})
		for range 64 {
			h, err := r.Header()
			if err != nil {
				return
			}
			n, err := r.Count(CoordSize(h.Dims()))
			if err != nil {
				return
			}
			if n*CoordSize(h.Dims()) > r.Remaining() {
				t.Fatalf("count %d of %d-byte coordinates with %d bytes left", n, CoordSize(h.Dims()), r.Remaining())
			}
			for range n * h.Dims() {
				if _, err := r.Float64(); err != nil {
					t.Fatalf("ordinate within a checked count failed: %v", err)
				}
			}
		}
	})
}

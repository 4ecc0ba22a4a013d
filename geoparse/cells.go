package geoparse

import (
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
	"github.com/uber/h3-go/v4"
)

// H3 cells.

func h3FromString(s string) (h3.Cell, bool) {
	u, err := strconv.ParseUint(s, 16, 64)
	if err != nil {
		return 0, false
	}
	return h3FromUint(u)
}

func h3FromUint(u uint64) (h3.Cell, bool) {
	c := h3.Cell(u)
	return c, c.IsValid()
}

// cellPolygon is the boundary of an H3 cell as a closed ring. Longitudes of a
// cell that crosses the antimeridian are unwrapped past ±180 so the ring stays
// one piece.
func cellPolygon(c h3.Cell) orb.Polygon {
	b := c.Boundary()
	ring := make(orb.Ring, 0, len(b)+1)
	for _, ll := range b {
		ring = append(ring, orb.Point{ll.Lng, ll.Lat})
	}
	unwrapAntimeridian(ring)
	ring = append(ring, ring[0])
	return orb.Polygon{ring}
}

func unwrapAntimeridian(r orb.Ring) {
	minX, maxX := 180.0, -180.0
	for _, p := range r {
		minX, maxX = min(minX, p[0]), max(maxX, p[0])
	}
	if maxX-minX <= 180 {
		return
	}
	for i := range r {
		if r[i][0] < 0 {
			r[i][0] += 360
		}
	}
}

// Quadbin cells (CARTO's 64-bit encoding of a Web Mercator tile, as in the
// Analytics Toolbox's QUADBIN functions): bit 62 set, mode bits 59-61 = 1,
// the zoom in bits 52-56, the tile's x/y bits interleaved below them, and the
// unused low bits all ones.

const (
	quadbinHeader = uint64(0x4000000000000000)
	quadbinMode   = uint64(1) << 59
	quadbinFooter = uint64(0xFFFFFFFFFFFFF)
	quadbinMaxZ   = 26
)

// QuadbinValid reports whether q is a quadbin cell index.
func QuadbinValid(q uint64) bool {
	if q&(uint64(1)<<63) != 0 || q&quadbinHeader == 0 || (q>>59)&7 != 1 {
		return false
	}
	z := (q >> 52) & 31
	if z > quadbinMaxZ {
		return false
	}
	unused := quadbinFooter >> (2 * z)
	return q&unused == unused
}

// QuadbinTile returns the Web Mercator tile of a valid quadbin cell.
func QuadbinTile(q uint64) maptile.Tile {
	z := uint32((q >> 52) & 31)
	m := (q & quadbinFooter) << 12
	return maptile.New(deinterleave(m)>>(32-z), deinterleave(m>>1)>>(32-z), maptile.Zoom(z))
}

// QuadbinFromTile returns the quadbin cell of a tile.
func QuadbinFromTile(t maptile.Tile) uint64 {
	z := uint64(t.Z)
	x, y := uint64(t.X)<<(32-z), uint64(t.Y)<<(32-z)
	return quadbinHeader | quadbinMode | z<<52 | (interleave(x)|interleave(y)<<1)>>12 | quadbinFooter>>(2*z)
}

// QuadbinPolygon is the tile of a quadbin cell as a polygon in EPSG:4326.
func QuadbinPolygon(q uint64) orb.Polygon {
	return QuadbinTile(q).Bound().ToPolygon()
}

// deinterleave gathers the even bits of m into the low 32 bits.
func deinterleave(m uint64) uint32 {
	m &= 0x5555555555555555
	m = (m | m>>1) & 0x3333333333333333
	m = (m | m>>2) & 0x0F0F0F0F0F0F0F0F
	m = (m | m>>4) & 0x00FF00FF00FF00FF
	m = (m | m>>8) & 0x0000FFFF0000FFFF
	m = (m | m>>16) & 0x00000000FFFFFFFF
	return uint32(m)
}

// interleave spreads the low 32 bits of v over the even bits.
func interleave(v uint64) uint64 {
	v &= 0xFFFFFFFF
	v = (v | v<<16) & 0x0000FFFF0000FFFF
	v = (v | v<<8) & 0x00FF00FF00FF00FF
	v = (v | v<<4) & 0x0F0F0F0F0F0F0F0F
	v = (v | v<<2) & 0x3333333333333333
	v = (v | v<<1) & 0x5555555555555555
	return v
}

package geoparse

import (
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
	"github.com/uber/h3-go/v4"

	"github.com/carto-mcp/carto-mcp/quadbin"
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

// Quadbin cells, decoded by the quadbin package; these give its cells
// orb's types.

// quadbinMaxZ is the finest quadbin resolution.
const quadbinMaxZ = quadbin.MaxResolution

// QuadbinValid reports whether q is a quadbin cell index.
func QuadbinValid(q uint64) bool { return quadbin.Cell(q).Valid() }

// QuadbinTile returns the Web Mercator tile of a valid quadbin cell.
func QuadbinTile(q uint64) maptile.Tile {
	z, x, y := quadbin.Cell(q).Tile()
	return maptile.New(uint32(x), uint32(y), maptile.Zoom(z))
}

// QuadbinFromTile returns the quadbin cell of a tile, or 0 (not a cell)
// for a tile that does not exist or is finer than quadbin's resolutions.
func QuadbinFromTile(t maptile.Tile) uint64 {
	c, err := quadbin.FromTile(int(t.Z), int(t.X), int(t.Y))
	if err != nil {
		return 0
	}
	return uint64(c)
}

// QuadbinPolygon is the tile of a quadbin cell as a polygon in EPSG:4326,
// with orb's tile bounds, as every other tile geoparse and tiler draw.
func QuadbinPolygon(q uint64) orb.Polygon {
	return QuadbinTile(q).Bound().ToPolygon()
}

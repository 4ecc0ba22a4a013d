package quadbin

import (
	"errors"
	"fmt"
	"math"
)

// Cell is a quadbin cell index. Its value always fits in a signed 64-bit
// integer (bit 63 is 0), which is how SQL engines store it (BIGINT, INT64).
type Cell uint64

// MaxResolution is the finest resolution (zoom level) a cell can have.
const MaxResolution = 26

const (
	header    = 0x4000000000000000 // bit 62
	cellMode  = 1 << 59            // mode 1: a cell
	footer    = 0xFFFFFFFFFFFFF    // the 52 bits holding x and y
	resShift  = 52
	resMask   = 0x1F
	topBits   = 0x24 // bits 57..63 of every cell: header | mode 1, extra 0
	topShift  = 57
	maxLatDeg = 89.99999 // CARTO clamps latitudes here before projecting
)

// ErrInvalidCell is wrapped by errors about values that are not cell indexes.
var ErrInvalidCell = errors.New("not a valid quadbin cell index")

// FromTile returns the cell of tile x/y at zoom z. It fails unless
// 0 <= z <= MaxResolution and 0 <= x, y < 2^z.
func FromTile(z, x, y int) (Cell, error) {
	if z < 0 || z > MaxResolution {
		return 0, fmt.Errorf("invalid resolution %d; should be between 0 and %d", z, MaxResolution)
	}
	n := 1 << z
	if x < 0 || x >= n || y < 0 || y >= n {
		return 0, fmt.Errorf("tile %d/%d/%d does not exist: x and y must be in [0, %d) at zoom %d", z, x, y, n, z)
	}
	return fromTile(uint(z), uint64(x), uint64(y)), nil
}

// fromTile interleaves a valid tile's x and y; z, x and y are not checked.
// The cell keeps them as the Morton code of x and y scaled up to 32 bits,
// less its 12 low bits (26 levels of 2 bits each fill bits 0..51).
func fromTile(z uint, x, y uint64) Cell {
	code := Interleave(uint32(x<<(32-z)), uint32(y<<(32-z))) >> 12
	return Cell(header | cellMode | uint64(z)<<resShift | code | footer>>(2*z))
}

// FromLonLat returns the cell at resolution z that contains the point
// lon/lat (degrees, WGS84), as CARTO's QUADBIN_FROMLONGLAT computes it:
// longitudes wrap around the antimeridian (180 is -180), and latitudes beyond
// Web Mercator's range fall in the first or last row of tiles.
func FromLonLat(lon, lat float64, z int) (Cell, error) {
	if z < 0 || z > MaxResolution {
		return 0, fmt.Errorf("invalid resolution %d; should be between 0 and %d", z, MaxResolution)
	}
	if math.IsNaN(lon) || math.IsNaN(lat) || math.IsInf(lon, 0) || math.IsInf(lat, 0) {
		return 0, fmt.Errorf("invalid point (%g, %g): longitude and latitude must be finite", lon, lat)
	}
	x, y := TileXY(lon, lat, z)
	return fromTile(uint(z), uint64(x), uint64(y)), nil
}

// TileXY returns the x and y of the zoom-z Web Mercator tile containing
// lon/lat, with CARTO's wrapping and clamping (see FromLonLat). z must be in
// [0, MaxResolution] and the coordinates finite.
func TileXY(lon, lat float64, z int) (x, y int) {
	n := float64(int64(1) << z)
	lon = math.Mod(lon, 360) // keep huge longitudes in int64 range; the mask below wraps the rest
	x = int(int64(math.Floor(n*(lon/360+0.5))) & (int64(1)<<z - 1))

	lat = math.Max(-maxLatDeg, math.Min(maxLatDeg, lat))
	// CARTO writes 0.5 - 0.25*ln((1+sin)/(1-sin))/pi, the same number as
	// below; atanh rounds like BigQuery on tile edges, where ln's extra
	// division lands one ulp short (a golden vector checks this).
	t := math.Atanh(math.Sin(lat*math.Pi/180)) / math.Pi
	frac := 0.5 - 0.5*math.Max(-1, math.Min(1, t))
	y = int(math.Max(0, math.Min(n-1, math.Floor(n*frac))))
	return x, y
}

// Valid reports whether c is a well-formed cell: header and mode bits set as
// FromTile sets them, a resolution of at most MaxResolution, and every bit
// below that resolution set.
func (c Cell) Valid() bool {
	if uint64(c)>>topShift != topBits {
		return false
	}
	z := c.Resolution()
	if z > MaxResolution {
		return false
	}
	unused := uint64(footer) >> (2 * uint(z))
	return uint64(c)&unused == unused
}

// Check returns an error wrapping ErrInvalidCell unless c is Valid.
func (c Cell) Check() error {
	if !c.Valid() {
		return fmt.Errorf("%d: %w", int64(c), ErrInvalidCell)
	}
	return nil
}

// Resolution returns the cell's resolution (its zoom level). It reads the
// resolution bits without checking that c is Valid.
func (c Cell) Resolution() int { return int(uint64(c) >> resShift & resMask) }

// Tile returns the z/x/y of a valid cell (see Check); for an invalid one the
// result is meaningless.
func (c Cell) Tile() (z, x, y int) {
	zz := uint(c.Resolution())
	xs, ys := Deinterleave((uint64(c) & footer) << 12)
	return int(zz), int(xs >> (32 - zz)), int(ys >> (32 - zz))
}

// Parent returns the cell at the coarser resolution z containing c. It fails
// unless c is Valid and 0 <= z <= c.Resolution().
func (c Cell) Parent(z int) (Cell, error) {
	if err := c.Check(); err != nil {
		return 0, err
	}
	if z < 0 || z > c.Resolution() {
		return 0, fmt.Errorf("invalid resolution %d for the parent of a resolution %d cell; should be between 0 and %d",
			z, c.Resolution(), c.Resolution())
	}
	// The dropped levels' bits become 1s: the unused-bits convention.
	return Cell(uint64(c)&^(resMask<<resShift) | uint64(z)<<resShift | footer>>(2*uint(z))), nil
}

// Children returns the 4^(z - c.Resolution()) cells at the finer resolution z
// inside c, in row-major order of their tiles. It fails unless c is Valid,
// c.Resolution() < z <= MaxResolution and the result has at most max cells
// (max <= 0 means no limit).
func (c Cell) Children(z, max int) ([]Cell, error) {
	if err := c.Check(); err != nil {
		return nil, err
	}
	pz, px, py := c.Tile()
	if z <= pz || z > MaxResolution {
		return nil, fmt.Errorf("invalid resolution %d for the children of a resolution %d cell; should be between %d and %d",
			z, pz, pz+1, MaxResolution)
	}
	d := uint(z - pz)
	if 2*d >= 62 || (max > 0 && 1<<(2*d) > max) {
		return nil, fmt.Errorf("a resolution %d cell has 4^%d children at resolution %d, more than the limit of %d", pz, d, z, max)
	}
	side := 1 << d
	out := make([]Cell, 0, side*side)
	for y := py << d; y < (py+1)<<d; y++ {
		for x := px << d; x < (px+1)<<d; x++ {
			out = append(out, fromTile(uint(z), uint64(x), uint64(y)))
		}
	}
	return out, nil
}

// Bound is a longitude/latitude bounding box in degrees.
type Bound struct {
	West, South, East, North float64
}

// Bound returns the cell's tile as a longitude/latitude box (its north and
// south edges within Web Mercator's +-85.0511 degrees).
func (c Cell) Bound() Bound {
	z, x, y := c.Tile()
	return TileBound(z, x, y)
}

// Center returns the longitude and latitude of the centre of the cell's tile
// (the centre in Web Mercator, as CARTO's QUADBIN_CENTER).
func (c Cell) Center() (lon, lat float64) {
	z, x, y := c.Tile()
	return tileLon(z, float64(x)+0.5), tileLat(z, float64(y)+0.5)
}

// TileBound returns the longitude/latitude box of tile z/x/y.
func TileBound(z, x, y int) Bound {
	return Bound{
		West:  tileLon(z, float64(x)),
		South: tileLat(z, float64(y+1)),
		East:  tileLon(z, float64(x+1)),
		North: tileLat(z, float64(y)),
	}
}

func tileLon(z int, x float64) float64 {
	return 180 * (2*x/float64(int64(1)<<z) - 1)
}

func tileLat(z int, y float64) float64 {
	return 360 * (math.Atan(math.Exp(-(2*y/float64(int64(1)<<z)-1)*math.Pi))/math.Pi - 0.25)
}

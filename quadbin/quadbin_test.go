package quadbin

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Golden vectors published by CARTO. Sources:
//   - AT = CartoDB/analytics-toolbox-core, clouds/bigquery/modules/test/quadbin/*.test.js
//     and clouds/bigquery/modules/doc/quadbin/*.md (the SQL reference's examples)
//   - JS = CartoDB/quadbin-js, test/index.spec.ts (TEST_TILES, cellToChildren)
var goldenTiles = []struct {
	z, x, y int
	cell    Cell
	source  string
}{
	{4, 9, 8, 5209574053332910079, "AT QUADBIN_FROMZXY.test.js, QUADBIN_TOZXY.test.js"},
	{0, 0, 0, 5192650370358181887, "JS TEST_TILES"},
	{3, 1, 2, 5202361257054699519, "JS TEST_TILES"},
	{23, 1023, 2412, 5291729562728627583, "JS TEST_TILES"},
}

var goldenLonLat = []struct {
	lon, lat float64
	z        int
	cell     Cell
	source   string
}{
	{40.4168, -3.7038, 4, 5209574053332910079, "AT QUADBIN_FROMLONGLAT.test.js and .md"},
	{-3.71219873428345, 40.413365349070865, 26, 5306319089810037072, "AT QUADBIN_FROMLONGLAT.test.js"},
	{40.413365349070865, -3.71219873428345, 26, 5308641755410858449, "AT QUADBIN_FROMLONGLAT.test.js"},
	{0.0, 3.552713678800501e-15, 26, 5308618060762972160, "AT QUADBIN_FROMLONGLAT.test.js"},
	{0.0, -3.552713678800501e-15, 26, 5308618060762972160, "AT QUADBIN_FROMLONGLAT.test.js"},
	{-89.71219873428345, -84.413365349070865, 26, 5308521992464067502, "AT QUADBIN_FROMLONGLAT.test.js"},
	{0.0, 5.3644180297851546e-06, 26, 5307116860887181994, "AT QUADBIN_FROMLONGLAT.test.js"},
	{0.0, 5.364418029785155e-06, 26, 5307116860887181994, "AT QUADBIN_FROMLONGLAT.test.js"},
	{0.0, 5.364418029785156e-06, 26, 5307116860887181994, "AT QUADBIN_FROMLONGLAT.test.js"},
	{0.0, 5.364418029785157e-06, 26, 5307116860887181994, "AT QUADBIN_FROMLONGLAT.test.js"},
	{0.0, 5.364418029785158e-06, 26, 5307116860887181994, "AT QUADBIN_FROMLONGLAT.test.js"},
	// QUADBIN_BOUNDARY.md's example cell is Madrid at resolution 4.
	{-3.7038, 40.4168, 4, 5207251884775047167, "AT QUADBIN_BOUNDARY.md (the cell containing Madrid)"},
}

func TestFromTileGolden(t *testing.T) {
	for _, g := range goldenTiles {
		c, err := FromTile(g.z, g.x, g.y)
		require.NoError(t, err)
		assert.Equal(t, g.cell, c, "%d/%d/%d (%s)", g.z, g.x, g.y, g.source)
		assert.True(t, c.Valid())
		z, x, y := c.Tile()
		assert.Equal(t, []int{g.z, g.x, g.y}, []int{z, x, y}, g.source)
		assert.Equal(t, g.z, c.Resolution())
	}
}

func TestFromLonLatGolden(t *testing.T) {
	for _, g := range goldenLonLat {
		c, err := FromLonLat(g.lon, g.lat, g.z)
		require.NoError(t, err)
		assert.Equal(t, g.cell, c, "(%v, %v, %d) (%s)", g.lon, g.lat, g.z, g.source)
	}
}

func TestParentGolden(t *testing.T) {
	// AT QUADBIN_TOPARENT.test.js
	p, err := Cell(5209574053332910079).Parent(3)
	require.NoError(t, err)
	assert.Equal(t, Cell(5205105638077628415), p)

	for _, bad := range []int{-1, 5, 27} { // same file: each must fail
		_, err := Cell(5209574053332910079).Parent(bad)
		assert.Error(t, err, "resolution %d", bad)
	}

	// As JS cellToParent (whose 10/134/1238 is off the grid: y < 1024):
	// walking up drops one quadkey digit per level, i.e. halves x and y.
	c, err := FromTile(10, 134, 938)
	require.NoError(t, err)
	for z := 10; z >= 0; z-- {
		p, err := c.Parent(z)
		require.NoError(t, err)
		require.True(t, p.Valid())
		pz, px, py := p.Tile()
		assert.Equal(t, []int{z, 134 >> (10 - z), 938 >> (10 - z)}, []int{pz, px, py})
	}
}

func TestChildrenGolden(t *testing.T) {
	// JS cellToChildren: row major, from NW to SE.
	parent, err := FromTile(8, 59, 97)
	require.NoError(t, err)
	kids, err := parent.Children(9, 0)
	require.NoError(t, err)
	var tiles [][3]int
	for _, k := range kids {
		z, x, y := k.Tile()
		tiles = append(tiles, [3]int{z, x, y})
	}
	assert.Equal(t, [][3]int{{9, 118, 194}, {9, 119, 194}, {9, 118, 195}, {9, 119, 195}}, tiles)
	kids, err = parent.Children(10, 0)
	require.NoError(t, err)
	assert.Len(t, kids, 16)

	_, err = parent.Children(8, 0)
	assert.Error(t, err)
	_, err = parent.Children(20, 1000)
	assert.ErrorContains(t, err, "more than the limit")
}

func TestBoundGolden(t *testing.T) {
	// AT QUADBIN_BOUNDARY.test.js:
	//   POLYGON((22.5 0, 22.5 -21.9430455334382, 45 -21.9430455334382, 45 0, 22.5 0))
	b := Cell(5209574053332910079).Bound()
	assert.Equal(t, 22.5, b.West)
	assert.Equal(t, 45.0, b.East)
	assert.InDelta(t, -21.9430455334382, b.South, 1e-12)
	assert.InDelta(t, 0, b.North, 1e-12)

	// AT QUADBIN_BOUNDARY.md:
	//   POLYGON((-22.5 40.9798980696201, -22.5 21.9430455334382, 0 21.9430455334382, 0 40.9798980696201, ...))
	b = Cell(5207251884775047167).Bound()
	assert.Equal(t, Bound{-22.5, b.South, 0, b.North}, b)
	assert.InDelta(t, 21.9430455334382, b.South, 1e-12)
	assert.InDelta(t, 40.9798980696201, b.North, 1e-12)

	// Resolution 0 spans Web Mercator's whole square (JS cellToBoundary).
	b = Cell(5192650370358181887).Bound()
	assert.Equal(t, -180.0, b.West)
	assert.Equal(t, 180.0, b.East)
	assert.InDelta(t, 85.0511287798066, b.North, 1e-12)
	assert.InDelta(t, -85.05112877980659, b.South, 1e-12)
}

func TestCenterInsideBound(t *testing.T) {
	c, err := FromLonLat(-3.7038, 40.4168, 12)
	require.NoError(t, err)
	lon, lat := c.Center()
	b := c.Bound()
	assert.Equal(t, (b.West+b.East)/2, lon)
	assert.True(t, lat > b.South && lat < b.North)
	back, err := FromLonLat(lon, lat, 12)
	require.NoError(t, err)
	assert.Equal(t, c, back)
}

func TestFromLonLatEdges(t *testing.T) {
	// 180 and -180 are the same meridian; x wraps like CARTO's "& (2^z - 1)".
	east, err := FromLonLat(180, 0, 5)
	require.NoError(t, err)
	west, err := FromLonLat(-180, 0, 5)
	require.NoError(t, err)
	assert.Equal(t, west, east)
	wrapped, err := FromLonLat(-3.7038+360*1e6, 40.4168, 10)
	require.NoError(t, err)
	madrid, err := FromLonLat(-3.7038, 40.4168, 10)
	require.NoError(t, err)
	assert.Equal(t, madrid, wrapped)

	// The poles fall in the first and last rows, never outside the grid.
	for _, z := range []int{0, 1, 10, 26} {
		n, err := FromLonLat(0, 90, z)
		require.NoError(t, err)
		s, err := FromLonLat(0, -90, z)
		require.NoError(t, err)
		_, _, ny := n.Tile()
		_, _, sy := s.Tile()
		assert.Equal(t, 0, ny)
		assert.Equal(t, 1<<z-1, sy)
		assert.True(t, n.Valid() && s.Valid())
	}

	for _, bad := range []struct{ lon, lat float64 }{{math.NaN(), 0}, {0, math.Inf(1)}} {
		_, err := FromLonLat(bad.lon, bad.lat, 3)
		assert.ErrorContains(t, err, "finite")
	}
	for _, z := range []int{-1, 27} {
		_, err := FromLonLat(0, 0, z)
		assert.ErrorContains(t, err, "invalid resolution")
	}
}

func TestFromTileRejects(t *testing.T) {
	for _, tc := range [][3]int{{-1, 0, 0}, {27, 0, 0}, {2, 4, 0}, {2, 0, -1}, {0, 1, 0}} {
		_, err := FromTile(tc[0], tc[1], tc[2])
		assert.Error(t, err, "%v", tc)
	}
}

func TestValid(t *testing.T) {
	for _, bad := range []Cell{0, 1, 5209574053332910079 - 1, 1 << 63, 0x4000000000000000, 0x49FFFFFFFFFFFFFF} {
		assert.False(t, bad.Valid(), "%x", uint64(bad))
		assert.True(t, errors.Is(bad.Check(), ErrInvalidCell))
		_, err := bad.Parent(0)
		assert.ErrorIs(t, err, ErrInvalidCell)
	}
}

// Every tile round-trips through its cell, and cells sort in Z-order within
// a zoom level.
func TestRoundTripAllTilesZ5(t *testing.T) {
	seen := map[Cell]bool{}
	for x := range 32 {
		for y := range 32 {
			c, err := FromTile(5, x, y)
			require.NoError(t, err)
			z, gx, gy := c.Tile()
			require.Equal(t, [3]int{5, x, y}, [3]int{z, gx, gy})
			require.False(t, seen[c])
			seen[c] = true
			lon, lat := c.Center()
			back, err := FromLonLat(lon, lat, 5)
			require.NoError(t, err)
			require.Equal(t, c, back)
		}
	}
}

func TestMaxResolutionExtremes(t *testing.T) {
	n := 1 << MaxResolution
	for _, xy := range [][2]int{{0, 0}, {n - 1, n - 1}, {n - 1, 0}, {0, n - 1}} {
		c, err := FromTile(MaxResolution, xy[0], xy[1])
		require.NoError(t, err)
		require.True(t, c.Valid())
		require.LessOrEqual(t, uint64(c), uint64(math.MaxInt64))
		_, x, y := c.Tile()
		assert.Equal(t, xy, [2]int{x, y})
	}
}

func FuzzTileRoundTrip(f *testing.F) {
	f.Add(uint8(4), uint32(9), uint32(8))
	f.Fuzz(func(t *testing.T, z uint8, x, y uint32) {
		zz := int(z % (MaxResolution + 1))
		xx, yy := int(x)%(1<<zz), int(y)%(1<<zz)
		c, err := FromTile(zz, xx, yy)
		if err != nil {
			t.Fatal(err)
		}
		gz, gx, gy := c.Tile()
		if gz != zz || gx != xx || gy != yy || !c.Valid() {
			t.Fatalf("%d/%d/%d -> %d -> %d/%d/%d", zz, xx, yy, c, gz, gx, gy)
		}
	})
}

func BenchmarkFromLonLat(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_, _ = FromLonLat(float64(i%360)-180, float64(i%170)-85, 15)
	}
}

package duckspatial

import (
	"database/sql/driver"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/carto-mcp/carto-mcp/quadbin"
	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

// Quadbin: BIGINT cells, as in CARTO's Analytics Toolbox.

func quadbinCell(v driver.Value) (quadbin.Cell, error) {
	i, err := intArg(v)
	if err != nil {
		return 0, err
	}
	c := quadbin.Cell(uint64(i))
	if i < 0 || !c.Valid() {
		return 0, fmt.Errorf("%d is not a valid quadbin cell index (make one with QUADBIN_FROMLONGLAT or QUADBIN_FROMZXY)", i)
	}
	return c, nil
}

func resolutionArg(v driver.Value, max int) (int, error) {
	r, err := intArg(v)
	if err != nil {
		return 0, err
	}
	if r < 0 || r > int64(max) {
		return 0, fmt.Errorf("invalid resolution %d; should be between 0 and %d", r, max)
	}
	return int(r), nil
}

// parentResolutionArg reads the resolution of a parent of a cell at
// resolution current: between 0 and current.
func parentResolutionArg(v driver.Value, current int) (int, error) {
	r, err := intArg(v)
	if err != nil {
		return 0, err
	}
	if r < 0 || r > int64(current) {
		return 0, fmt.Errorf("invalid resolution %d for the parent of a resolution %d cell; should be between 0 and %d",
			r, current, current)
	}
	return int(r), nil
}

func quadbinFromLonLat(args []driver.Value) (any, error) {
	lon, err := floatArg(args[0], "longitude")
	if err != nil {
		return nil, err
	}
	lat, err := floatArg(args[1], "latitude")
	if err != nil {
		return nil, err
	}
	z, err := resolutionArg(args[2], quadbin.MaxResolution)
	if err != nil {
		return nil, err
	}
	c, err := quadbin.FromLonLat(lon, lat, z)
	if err != nil {
		return nil, err
	}
	return int64(c), nil
}

func quadbinFromZXY(args []driver.Value) (any, error) {
	var v [3]int64
	for i := range v {
		n, err := intArg(args[i])
		if err != nil {
			return nil, err
		}
		v[i] = n
	}
	if v[0] < 0 || v[0] > quadbin.MaxResolution {
		return nil, fmt.Errorf("invalid resolution %d; should be between 0 and %d", v[0], quadbin.MaxResolution)
	}
	if v[1] < 0 || v[2] < 0 || v[1] >= 1<<v[0] || v[2] >= 1<<v[0] {
		return nil, fmt.Errorf("tile %d/%d/%d does not exist: x and y must be in [0, %d) at zoom %d", v[0], v[1], v[2], int64(1)<<v[0], v[0])
	}
	c, err := quadbin.FromTile(int(v[0]), int(v[1]), int(v[2]))
	if err != nil {
		return nil, err
	}
	return int64(c), nil
}

func quadbinToZXY(args []driver.Value) (any, error) {
	c, err := quadbinCell(args[0])
	if err != nil {
		return nil, err
	}
	z, x, y := c.Tile()
	return map[string]any{"z": int64(z), "x": int64(x), "y": int64(y)}, nil
}

func quadbinResolution(args []driver.Value) (any, error) {
	c, err := quadbinCell(args[0])
	if err != nil {
		return nil, err
	}
	return int64(c.Resolution()), nil
}

func quadbinToParent(args []driver.Value) (any, error) {
	c, err := quadbinCell(args[0])
	if err != nil {
		return nil, err
	}
	r, err := parentResolutionArg(args[1], c.Resolution())
	if err != nil {
		return nil, err
	}
	p, err := c.Parent(r)
	if err != nil {
		return nil, err
	}
	return int64(p), nil
}

// quadbinBoundary is the cell's tile as a polygon, with the vertices in the
// order CARTO writes them: NW, SW, SE, NE, NW.
func quadbinBoundary(args []driver.Value) (any, error) {
	c, err := quadbinCell(args[0])
	if err != nil {
		return nil, err
	}
	b := c.Bound()
	return geometryResult(orb.Polygon{{
		{b.West, b.North}, {b.West, b.South}, {b.East, b.South}, {b.East, b.North}, {b.West, b.North},
	}})
}

func quadbinCenter(args []driver.Value) (any, error) {
	c, err := quadbinCell(args[0])
	if err != nil {
		return nil, err
	}
	lon, lat := c.Center()
	return geometryResult(orb.Point{lon, lat})
}

// H3: VARCHAR cell indexes (15 hex digits), as on BigQuery.

func h3Cell(v driver.Value) (h3.Cell, error) {
	s, err := stringArg(v)
	if err != nil {
		return 0, err
	}
	u, perr := strconv.ParseUint(strings.TrimSpace(s), 16, 64)
	c := h3.Cell(u)
	if perr != nil || !c.IsValid() {
		return 0, fmt.Errorf("%s is not a valid H3 cell index (expected 15 hex digits such as '84390cbffffffff'; make one with H3_FROMLONGLAT)", snippet(s))
	}
	return c, nil
}

func h3FromLonLat(args []driver.Value) (any, error) {
	lon, err := floatArg(args[0], "longitude")
	if err != nil {
		return nil, err
	}
	lat, err := floatArg(args[1], "latitude")
	if err != nil {
		return nil, err
	}
	r, err := resolutionArg(args[2], 15)
	if err != nil {
		return nil, err
	}
	if lat < -90 || lat > 90 {
		return nil, fmt.Errorf("latitude %v is outside [-90, 90]; check the argument order (longitude, latitude, resolution)", lat)
	}
	c := h3.LatLngToCell(h3.NewLatLng(lat, lon), r)
	if !c.IsValid() {
		return nil, fmt.Errorf("H3 cannot index the point (%v, %v)", lon, lat)
	}
	return c.String(), nil
}

func h3Resolution(args []driver.Value) (any, error) {
	c, err := h3Cell(args[0])
	if err != nil {
		return nil, err
	}
	return int64(c.Resolution()), nil
}

func h3ToParent(args []driver.Value) (any, error) {
	c, err := h3Cell(args[0])
	if err != nil {
		return nil, err
	}
	r, err := parentResolutionArg(args[1], c.Resolution())
	if err != nil {
		return nil, err
	}
	return c.Parent(r).String(), nil
}

// h3Boundary is the cell's hexagon (or pentagon) in H3's vertex order. A
// cell crossing the antimeridian keeps its longitudes continuous, on the side
// of its centre (some beyond +-180), so that it stays one small polygon in
// planar terms and contains the points H3 puts in it on that side.
func h3Boundary(args []driver.Value) (any, error) {
	c, err := h3Cell(args[0])
	if err != nil {
		return nil, err
	}
	bnd := c.Boundary()
	ring := make(orb.Ring, 0, len(bnd)+1)
	for _, ll := range bnd {
		ring = append(ring, orb.Point{ll.Lng, ll.Lat})
	}
	if len(ring) == 0 {
		return nil, fmt.Errorf("H3 returned no boundary for %s", c)
	}
	ring = append(ring, ring[0])
	unwrap(ring, c.LatLng().Lng)
	return geometryResult(orb.Polygon{ring})
}

// unwrap shifts longitudes by 360 where consecutive vertices jump across the
// antimeridian, keeping the ring continuous, then moves the whole ring by 360
// if that brings it closer to the longitude center.
func unwrap(r orb.Ring, center float64) {
	sum := r[0][0]
	for i := 1; i < len(r); i++ {
		for r[i][0]-r[i-1][0] > 180 {
			r[i][0] -= 360
		}
		for r[i][0]-r[i-1][0] < -180 {
			r[i][0] += 360
		}
		sum += r[i][0]
	}
	mean := sum / float64(len(r))
	shift := 360 * math.Round((center-mean)/360)
	if shift != 0 {
		for i := range r {
			r[i][0] += shift
		}
	}
}

func h3Center(args []driver.Value) (any, error) {
	c, err := h3Cell(args[0])
	if err != nil {
		return nil, err
	}
	ll := c.LatLng()
	return geometryResult(orb.Point{ll.Lng, ll.Lat})
}

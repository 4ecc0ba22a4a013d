package duckspatial

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
)

// functions is the catalogue, in documentation order. Each takes and
// returns GEOMETRY as WKB; NULL in any argument gives NULL without a call.
var functions = []*function{
	// Constructors.
	{name: "ST_GEOMFROMTEXT", args: []string{"wkt"}, in: []argType{tWKT}, out: tGeometry, call: geomFromText(false)},
	{name: "ST_GEOGFROMTEXT", args: []string{"wkt"}, in: []argType{tWKT}, out: tGeometry, call: geomFromText(true)},
	{name: "ST_GEOMFROMGEOJSON", args: []string{"geojson"}, in: []argType{tVarchar}, out: tGeometry, call: geomFromGeoJSON},
	{name: "ST_POINT", args: []string{"x", "y"}, in: []argType{tDouble, tDouble}, out: tGeometry, call: point(false)},
	{name: "ST_GEOGPOINT", args: []string{"longitude", "latitude"}, in: []argType{tDouble, tDouble}, out: tGeometry, call: point(true)},
	{name: "ST_MAKEENVELOPE", args: []string{"xmin", "ymin", "xmax", "ymax"}, in: []argType{tDouble, tDouble, tDouble, tDouble}, out: tGeometry, call: makeEnvelope},
	// Accessors and measures.
	{name: "ST_X", args: []string{"point"}, in: []argType{tGeometry}, out: tDouble, call: coordinate(0)},
	{name: "ST_Y", args: []string{"point"}, in: []argType{tGeometry}, out: tDouble, call: coordinate(1)},
	{name: "ST_ENVELOPE", args: []string{"geom"}, in: []argType{tGeometry}, out: tGeometry, call: envelope},
	{name: "ST_CENTROID", args: []string{"geom"}, in: []argType{tGeometry}, out: tGeometry, call: centroid},
	{name: "ST_AREA", args: []string{"geom"}, in: []argType{tGeometry}, out: tDouble, call: measure(sphereArea)},
	{name: "ST_LENGTH", args: []string{"geom"}, in: []argType{tGeometry}, out: tDouble, call: measure(sphereLength)},
	{name: "ST_DISTANCE", args: []string{"geom1", "geom2"}, in: []argType{tGeometry, tGeometry}, out: tDouble, call: distanceFn},
	// Predicates.
	{name: "ST_INTERSECTS", args: []string{"geom1", "geom2"}, in: []argType{tGeometry, tGeometry}, out: tBoolean, call: intersectsFn},
	{name: "ST_CONTAINS", args: []string{"geom1", "geom2"}, in: []argType{tGeometry, tGeometry}, out: tBoolean, call: containsFn},
	// Output.
	{name: "ST_ASGEOJSON", args: []string{"geom"}, in: []argType{tGeometry}, out: tVarchar, call: asGeoJSON},
	// Quadbin.
	{name: "QUADBIN_FROMLONGLAT", args: []string{"longitude", "latitude", "resolution"}, in: []argType{tDouble, tDouble, tBigint}, out: tBigint, call: quadbinFromLonLat},
	{name: "QUADBIN_FROMZXY", args: []string{"z", "x", "y"}, in: []argType{tBigint, tBigint, tBigint}, out: tBigint, call: quadbinFromZXY},
	{name: "QUADBIN_TOZXY", args: []string{"quadbin"}, in: []argType{tBigint}, out: tZXY, call: quadbinToZXY},
	{name: "QUADBIN_RESOLUTION", args: []string{"quadbin"}, in: []argType{tBigint}, out: tBigint, call: quadbinResolution},
	{name: "QUADBIN_TOPARENT", args: []string{"quadbin", "resolution"}, in: []argType{tBigint, tBigint}, out: tBigint, call: quadbinToParent},
	{name: "QUADBIN_BOUNDARY", args: []string{"quadbin"}, in: []argType{tBigint}, out: tGeometry, call: quadbinBoundary},
	{name: "QUADBIN_CENTER", args: []string{"quadbin"}, in: []argType{tBigint}, out: tGeometry, call: quadbinCenter},
	// H3.
	{name: "H3_FROMLONGLAT", args: []string{"longitude", "latitude", "resolution"}, in: []argType{tDouble, tDouble, tBigint}, out: tVarchar, call: h3FromLonLat},
	{name: "H3_RESOLUTION", args: []string{"index"}, in: []argType{tVarchar}, out: tBigint, call: h3Resolution},
	{name: "H3_TOPARENT", args: []string{"index", "resolution"}, in: []argType{tVarchar, tBigint}, out: tVarchar, call: h3ToParent},
	{name: "H3_BOUNDARY", args: []string{"index"}, in: []argType{tVarchar}, out: tGeometry, call: h3Boundary},
	{name: "H3_CENTER", args: []string{"index"}, in: []argType{tVarchar}, out: tGeometry, call: h3Center},
}

// Argument accessors. DuckDB has already cast every argument to the declared
// type, so a mismatch here is a bug, reported as an error rather than a panic.

// geomArg reads a GEOMETRY (WKB) or VARCHAR (WKT) argument.
func geomArg(v driver.Value) (orb.Geometry, error) {
	switch v := v.(type) {
	case []byte:
		return decode(v)
	case string:
		return parseWKT(v)
	}
	return nil, fmt.Errorf("expected GEOMETRY or WKT text, got %T", v)
}

func parseWKT(s string) (orb.Geometry, error) {
	g, err := wkt.Unmarshal(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("invalid WKT %s: %v (expected 2D WKT such as 'POINT (1 2)' or 'POLYGON ((0 0, 1 0, 1 1, 0 0))'; "+
			"for Z, M or EMPTY geometries cast the text with ::GEOMETRY)", snippet(s), err)
	}
	if err := checkFinite(g); err != nil {
		return nil, err
	}
	return g, nil
}

func floatArg(v driver.Value, what string) (float64, error) {
	f, ok := v.(float64)
	if !ok {
		return 0, fmt.Errorf("expected DOUBLE, got %T", v)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%s must be a finite number, got %v", what, f)
	}
	return f, nil
}

func intArg(v driver.Value) (int64, error) {
	i, ok := v.(int64)
	if !ok {
		return 0, fmt.Errorf("expected BIGINT, got %T", v)
	}
	return i, nil
}

func stringArg(v driver.Value) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("expected VARCHAR, got %T", v)
	}
	return s, nil
}

func geometryResult(g orb.Geometry) (any, error) {
	b, err := encode(g)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// Constructors.

func geomFromText(geographic bool) func([]driver.Value) (any, error) {
	return func(args []driver.Value) (any, error) {
		g, err := geomArg(args[0])
		if err != nil {
			return nil, err
		}
		if geographic {
			if err := checkLonLat(g); err != nil {
				return nil, err
			}
		}
		return geometryResult(g)
	}
}

func geomFromGeoJSON(args []driver.Value) (any, error) {
	s, err := stringArg(args[0])
	if err != nil {
		return nil, err
	}
	g, err := geojson.UnmarshalGeometry([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("invalid GeoJSON geometry %s: %v (expected e.g. '{\"type\": \"Point\", \"coordinates\": [1, 2]}')", snippet(s), err)
	}
	if g.Coordinates == nil {
		return nil, fmt.Errorf("invalid GeoJSON geometry %s: no geometry type and coordinates", snippet(s))
	}
	if err := checkFinite(g.Coordinates); err != nil {
		return nil, err
	}
	return geometryResult(g.Coordinates)
}

func point(geographic bool) func([]driver.Value) (any, error) {
	return func(args []driver.Value) (any, error) {
		x, err := floatArg(args[0], "x")
		if err != nil {
			return nil, err
		}
		y, err := floatArg(args[1], "y")
		if err != nil {
			return nil, err
		}
		if geographic {
			// As BigQuery's ST_GEOGPOINT: longitudes wrap, latitudes
			// must be on the globe.
			if y < -90 || y > 90 {
				return nil, fmt.Errorf("latitude %v is outside [-90, 90]; check the argument order (longitude, latitude)", y)
			}
			x = wrapLongitude(x)
		}
		return geometryResult(orb.Point{x, y})
	}
}

func wrapLongitude(lon float64) float64 {
	if lon >= -180 && lon <= 180 {
		return lon
	}
	lon = math.Mod(lon+180, 360)
	if lon < 0 {
		lon += 360
	}
	return lon - 180
}

func makeEnvelope(args []driver.Value) (any, error) {
	var v [4]float64
	for i, name := range []string{"xmin", "ymin", "xmax", "ymax"} {
		f, err := floatArg(args[i], name)
		if err != nil {
			return nil, err
		}
		v[i] = f
	}
	if v[0] > v[2] || v[1] > v[3] {
		return nil, fmt.Errorf("xmin > xmax or ymin > ymax in (%v, %v, %v, %v); the order is (xmin, ymin, xmax, ymax)", v[0], v[1], v[2], v[3])
	}
	return geometryResult(boxPolygon(orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}))
}

// boxPolygon is a bound as PostGIS writes an envelope:
// (xmin ymin, xmin ymax, xmax ymax, xmax ymin, xmin ymin).
func boxPolygon(b orb.Bound) orb.Polygon {
	return orb.Polygon{{
		{b.Min[0], b.Min[1]}, {b.Min[0], b.Max[1]}, {b.Max[0], b.Max[1]}, {b.Max[0], b.Min[1]}, {b.Min[0], b.Min[1]},
	}}
}

// Accessors and measures.

func coordinate(i int) func([]driver.Value) (any, error) {
	return func(args []driver.Value) (any, error) {
		g, err := geomArg(args[0])
		if err != nil {
			return nil, err
		}
		p, ok := g.(orb.Point)
		if !ok {
			return nil, fmt.Errorf("expected a POINT, got a %s", typeName(g))
		}
		if isEmptyPoint(p) {
			return nil, nil
		}
		return p[i], nil
	}
}

// envelope is ST_ENVELOPE with PostGIS's result types: the bounding box as
// a POLYGON, or a POINT or LINESTRING when the box is degenerate.
func envelope(args []driver.Value) (any, error) {
	g, err := geomArg(args[0])
	if err != nil {
		return nil, err
	}
	s := newShape(g)
	if s.empty {
		return geometryResult(orb.Collection{})
	}
	b := s.bound
	switch {
	case b.Min == b.Max:
		return geometryResult(b.Min)
	case b.Min[0] == b.Max[0] || b.Min[1] == b.Max[1]:
		return geometryResult(orb.LineString{b.Min, b.Max})
	}
	return geometryResult(boxPolygon(b))
}

// centroid is the planar centroid of the highest-dimension parts (areas,
// else lines, else points), in degrees.
func centroid(args []driver.Value) (any, error) {
	g, err := geomArg(args[0])
	if err != nil {
		return nil, err
	}
	if newShape(g).empty {
		return geometryResult(emptyPoint)
	}
	c, _ := planar.CentroidArea(g)
	return geometryResult(c)
}

func measure(fn func(orb.Geometry) float64) func([]driver.Value) (any, error) {
	return func(args []driver.Value) (any, error) {
		g, err := geomArg(args[0])
		if err != nil {
			return nil, err
		}
		return fn(g), nil
	}
}

func twoShapes(args []driver.Value) (shape, shape, error) {
	a, err := geomArg(args[0])
	if err != nil {
		return shape{}, shape{}, err
	}
	b, err := geomArg(args[1])
	if err != nil {
		return shape{}, shape{}, err
	}
	return newShape(a), newShape(b), nil
}

func distanceFn(args []driver.Value) (any, error) {
	a, b, err := twoShapes(args)
	if err != nil {
		return nil, err
	}
	if a.empty || b.empty {
		return nil, nil // BigQuery: NULL when either geography is empty
	}
	return distance(&a, &b), nil
}

// Predicates.

func intersectsFn(args []driver.Value) (any, error) {
	a, b, err := twoShapes(args)
	if err != nil {
		return nil, err
	}
	return intersects(&a, &b), nil
}

func containsFn(args []driver.Value) (any, error) {
	a, b, err := twoShapes(args)
	if err != nil {
		return nil, err
	}
	return contains(&a, &b)
}

// Output.

func asGeoJSON(args []driver.Value) (any, error) {
	g, err := geomArg(args[0])
	if err != nil {
		return nil, err
	}
	if p, ok := g.(orb.Point); ok && isEmptyPoint(p) {
		// GeoJSON has no empty point; an empty collection says the same.
		return `{"type":"GeometryCollection","geometries":[]}`, nil
	}
	if err := checkFinite(g); err != nil {
		return nil, err
	}
	b, err := geojson.NewGeometry(g).MarshalJSON()
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// Validation.

var errNotFinite = errors.New("coordinates must be finite numbers (no NaN or Infinity)")

// checkFinite rejects NaN and infinite coordinates, except a whole point of
// NaNs, which is how WKB writes POINT EMPTY.
func checkFinite(g orb.Geometry) error {
	s := newShape(g)
	ok := s.eachVertex(func(p orb.Point) bool {
		return !math.IsNaN(p[0]) && !math.IsNaN(p[1]) && !math.IsInf(p[0], 0) && !math.IsInf(p[1], 0)
	})
	if !ok {
		return errNotFinite
	}
	return nil
}

func checkLonLat(g orb.Geometry) error {
	s := newShape(g)
	var bad orb.Point
	ok := s.eachVertex(func(p orb.Point) bool {
		bad = p
		return p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90
	})
	if !ok {
		return fmt.Errorf("point (%v %v) is not a longitude/latitude in degrees (longitude in [-180, 180], latitude in [-90, 90]); "+
			"use ST_GEOMFROMTEXT for projected coordinates", bad[0], bad[1])
	}
	return nil
}

// snippet quotes the start of a long SQL argument for an error message.
func snippet(s string) string {
	const max = 60
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "..."
	}
	return "'" + s + "'"
}

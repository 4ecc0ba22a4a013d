package duckspatial

import (
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Golden values. Sources:
//
//	AT  CARTO's Analytics Toolbox (CartoDB/analytics-toolbox-core):
//	    clouds/bigquery/modules/test/quadbin/*.test.js and the SQL reference
//	    examples in clouds/bigquery/modules/doc/{quadbin,h3}/*.md
//	H3  Uber's h3-go (github.com/uber/h3-go/v4): example_test.go
//	    (ExampleLatLngToCell) and h3_test.go (validLatLng1, validCell,
//	    validGeoLoop)
//	SPH values on the sphere of radius EarthRadius derived by hand
//	    (an octant is a quarter of a hemisphere, a degree of arc is R*pi/180)
var goldenExact = []struct {
	sql, source string
	want        any
}{
	// Quadbin.
	{"SELECT QUADBIN_FROMLONGLAT(40.4168, -3.7038, 4)", "AT QUADBIN_FROMLONGLAT.md/.test.js", int64(5209574053332910079)},
	{"SELECT QUADBIN_FROMLONGLAT(-3.71219873428345, 40.413365349070865, 26)", "AT QUADBIN_FROMLONGLAT.test.js", int64(5306319089810037072)},
	{"SELECT QUADBIN_FROMLONGLAT(-89.71219873428345, -84.413365349070865, 26)", "AT QUADBIN_FROMLONGLAT.test.js", int64(5308521992464067502)},
	{"SELECT QUADBIN_FROMLONGLAT(0.0, 5.364418029785156e-06, 26)", "AT QUADBIN_FROMLONGLAT.test.js", int64(5307116860887181994)},
	{"SELECT QUADBIN_FROMZXY(4, 9, 8)", "AT QUADBIN_FROMZXY.test.js", int64(5209574053332910079)},
	{"SELECT QUADBIN_TOZXY(5209574053332910079)", "AT QUADBIN_TOZXY.test.js", map[string]any{"z": int64(4), "x": int64(9), "y": int64(8)}},
	{"SELECT QUADBIN_TOZXY(5209574053332910079).x", "AT QUADBIN_TOZXY.test.js", int64(9)},
	{"SELECT QUADBIN_RESOLUTION(5209574053332910079)", "AT QUADBIN_RESOLUTION.test.js", int64(4)},
	{"SELECT QUADBIN_TOPARENT(5209574053332910079, 3)", "AT QUADBIN_TOPARENT.test.js", int64(5205105638077628415)},
	// H3.
	{"SELECT H3_FROMLONGLAT(-3.7038, 40.4168, 4)", "AT H3_FROMLONGLAT.md", "84390cbffffffff"},
	{"SELECT H3_RESOLUTION('84390cbffffffff')", "AT H3_RESOLUTION.md", int64(4)},
	{"SELECT H3_TOPARENT('84390cbffffffff', 3)", "AT H3_TOPARENT.md", "83390cfffffffff"},
	{"SELECT H3_FROMLONGLAT(-122.41795063018799, 37.775938728915946, 9)", "H3 ExampleLatLngToCell", "8928308280fffff"},
	{"SELECT H3_FROMLONGLAT(-168.3908885810, 67.1509268640, 5)", "H3 validLatLng1 -> validCell", "850dab63fffffff"},
	// Constructors, accessors, output.
	{"SELECT ST_X(ST_POINT(1.5, 2))", "definition", 1.5},
	{"SELECT ST_Y(ST_GEOGPOINT(1.5, -2))", "definition", -2.0},
	{"SELECT ST_AsText(ST_GEOMFROMTEXT('POINT(1.5 2)'))", "definition", "POINT (1.5 2)"},
	{"SELECT ST_AsText(ST_GEOGFROMTEXT('LINESTRING(0 0, 10 10)'))", "definition", "LINESTRING (0 0, 10 10)"},
	{"SELECT ST_AsText(ST_GEOGPOINT(190, 10))", "BigQuery ST_GEOGPOINT: longitudes wrap", "POINT (-170 10)"},
	{"SELECT ST_AsText(ST_GEOMFROMGEOJSON('{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,0]]]}'))", "definition", "POLYGON ((0 0, 1 0, 1 1, 0 0))"},
	{"SELECT ST_AsText(ST_MAKEENVELOPE(0, 0, 2, 1))", "PostGIS envelope order", "POLYGON ((0 0, 0 1, 2 1, 2 0, 0 0))"},
	{"SELECT ST_AsText(ST_ENVELOPE('LINESTRING (0 0, 2 1)'))", "PostGIS ST_Envelope", "POLYGON ((0 0, 0 1, 2 1, 2 0, 0 0))"},
	{"SELECT ST_AsText(ST_ENVELOPE('POINT (1 2)'))", "PostGIS ST_Envelope", "POINT (1 2)"},
	{"SELECT ST_AsText(ST_ENVELOPE('LINESTRING (1 0, 1 5)'))", "PostGIS ST_Envelope", "LINESTRING (1 0, 1 5)"},
	{"SELECT ST_AsText(ST_CENTROID('POLYGON ((0 0, 2 0, 2 2, 0 2, 0 0))'))", "definition", "POINT (1 1)"},
	{"SELECT ST_AsText(ST_CENTROID('MULTIPOINT ((0 0), (2 4))'))", "definition", "POINT (1 2)"},
	{"SELECT ST_ASGEOJSON(ST_POINT(1, 2))", "RFC 7946", `{"type":"Point","coordinates":[1,2]}`},
	{"SELECT ST_ASGEOJSON('LINESTRING (0 0, 1 1)')", "RFC 7946", `{"type":"LineString","coordinates":[[0,0],[1,1]]}`},
	{"SELECT ST_LENGTH('POLYGON ((0 0, 1 0, 1 1, 0 0))')", "BigQuery ST_LENGTH: polygons have no length", 0.0},
	{"SELECT ST_AREA('LINESTRING (0 0, 1 1)')", "BigQuery ST_AREA: lines have no area", 0.0},
	{"SELECT ST_DISTANCE('POINT (0 0)', 'POLYGON ((-1 -1, 1 -1, 1 1, -1 1, -1 -1))')", "a point inside is at distance 0", 0.0},
	// Z and M are dropped, and POINT EMPTY has no coordinates.
	{"SELECT ST_X('POINT Z (1 2 3)'::GEOMETRY)", "2D semantics", 1.0},
	{"SELECT ST_AsText(ST_ENVELOPE('LINESTRING ZM (0 0 5 6, 2 1 7 8)'::GEOMETRY))", "2D semantics", "POLYGON ((0 0, 0 1, 2 1, 2 0, 0 0))"},
	{"SELECT ST_X('POINT EMPTY'::GEOMETRY)", "PostGIS ST_X of an empty point", nil},
}

func TestGoldenExact(t *testing.T) {
	conn := openDB(t)
	for _, g := range goldenExact {
		got, err := one(t, conn, g.sql)
		if assert.NoError(t, err, g.sql) {
			assert.Equal(t, g.want, got, "%s (%s)", g.sql, g.source)
		}
	}
}

// The same values through the Analytics Toolbox's qualified names need the
// carto catalog of macros; see TestMacrosQualified.

var goldenMeasures = []struct {
	sql, source string
	want, tol   float64
}{
	{"SELECT ST_DISTANCE(ST_GEOGPOINT(0, 0), ST_GEOGPOINT(1, 0))", "SPH one degree of the equator", EarthRadius * math.Pi / 180, 1e-6},
	{"SELECT ST_DISTANCE(ST_GEOGPOINT(0, 0), ST_GEOGPOINT(90, 0))", "SPH quarter of the equator", EarthRadius * math.Pi / 2, 1e-6},
	{"SELECT ST_DISTANCE(ST_GEOGPOINT(0, 89), ST_GEOGPOINT(180, 89))", "SPH across the pole", EarthRadius * 2 * math.Pi / 180, 1e-6},
	{"SELECT ST_DISTANCE('POINT (0 10)', 'LINESTRING (-5 0, 5 0)')", "SPH 10 degrees from the equator", EarthRadius * 10 * math.Pi / 180, 1e-6},
	{"SELECT ST_DISTANCE('POINT (10 0)', 'LINESTRING (0 0, 0 5)')", "SPH nearest point is the end (0 0)", EarthRadius * 10 * math.Pi / 180, 1e-6},
	{"SELECT ST_LENGTH('LINESTRING (0 0, 0 90)')", "SPH meridian to the pole", EarthRadius * math.Pi / 2, 1e-6},
	{"SELECT ST_LENGTH('MULTILINESTRING ((0 0, 1 0), (0 0, 0 1))')", "SPH two degrees of great circle", EarthRadius * 2 * math.Pi / 180, 1e-6},
	{"SELECT ST_AREA('POLYGON ((0 0, 90 0, 0 90, 0 0))')", "SPH an octant of the sphere", math.Pi / 2 * EarthRadius * EarthRadius, 1},
	{"SELECT ST_AREA('POLYGON ((0 0, 0 90, 90 0, 0 0))')", "SPH orientation does not matter", math.Pi / 2 * EarthRadius * EarthRadius, 1},
	{"SELECT ST_AREA('POLYGON ((0 0, 90 0, 0 90, 0 0), (10 10, 20 10, 10 20, 10 10))') + ST_AREA('POLYGON ((10 10, 20 10, 10 20, 10 10))')",
		"SPH a hole is subtracted", math.Pi / 2 * EarthRadius * EarthRadius, 1},
	// Around the north pole: the ring winds once, so the area is the cap,
	// made of four triangles with a vertex at the pole.
	{"SELECT ST_AREA('POLYGON ((0 80, 90 80, 180 80, -90 80, 0 80))') - 4 * ST_AREA('POLYGON ((0 80, 90 80, 0 90, 0 80))')",
		"SPH a polar cap equals its four pole triangles", 0, 1},
}

func TestGoldenMeasures(t *testing.T) {
	conn := openDB(t)
	for _, g := range goldenMeasures {
		got, err := one(t, conn, g.sql)
		require.NoError(t, err, g.sql)
		assert.InDelta(t, g.want, got, g.tol, "%s (%s)", g.sql, g.source)
	}
}

// ringOf parses the outer ring of a WKT polygon returned by ST_AsText.
func ringOf(t *testing.T, text string) orb.Ring {
	t.Helper()
	g, err := wkt.Unmarshal(text)
	require.NoError(t, err)
	p, ok := g.(orb.Polygon)
	require.True(t, ok, text)
	return p[0]
}

func assertRing(t *testing.T, want, got orb.Ring, tol float64, msg string) {
	t.Helper()
	require.Len(t, got, len(want), msg)
	for i := range want {
		assert.InDelta(t, want[i][0], got[i][0], tol, "%s: vertex %d lon", msg, i)
		assert.InDelta(t, want[i][1], got[i][1], tol, "%s: vertex %d lat", msg, i)
	}
}

func TestGoldenBoundaries(t *testing.T) {
	conn := openDB(t)
	text := func(q string) string {
		v, err := one(t, conn, q)
		require.NoError(t, err, q)
		return v.(string)
	}

	// AT QUADBIN_BOUNDARY.test.js (BigQuery prints 15 significant digits).
	assertRing(t, orb.Ring{{22.5, 0}, {22.5, -21.9430455334382}, {45, -21.9430455334382}, {45, 0}, {22.5, 0}},
		ringOf(t, text("SELECT ST_AsText(QUADBIN_BOUNDARY(5209574053332910079))")), 1e-12, "AT QUADBIN_BOUNDARY.test.js")
	// AT QUADBIN_BOUNDARY.md
	assertRing(t, orb.Ring{{-22.5, 40.9798980696201}, {-22.5, 21.9430455334382}, {0, 21.9430455334382}, {0, 40.9798980696201}, {-22.5, 40.9798980696201}},
		ringOf(t, text("SELECT ST_AsText(QUADBIN_BOUNDARY(5207251884775047167))")), 1e-12, "AT QUADBIN_BOUNDARY.md")

	// AT H3_BOUNDARY.md gives the first two vertices.
	r := ringOf(t, text("SELECT ST_AsText(H3_BOUNDARY('84390cbffffffff'))"))
	assertRing(t, orb.Ring{{-3.57692743539573, 40.6134385959352}, {-3.85975632308016, r[1][1]}}, r[:2], 1e-12, "AT H3_BOUNDARY.md")
	assert.Len(t, r, 7, "a hexagon, closed")
	assert.Equal(t, r[0], r[6])

	// H3 validGeoLoop is validCell's boundary (9 decimals in the test).
	r = ringOf(t, text("SELECT ST_AsText(H3_BOUNDARY('850dab63fffffff'))"))
	want := orb.Ring{{-168.523006585, 67.224749856}, {-168.626914333, 67.140938355}, {-168.494913285, 67.067252558},
		{-168.259695931, 67.077062918}, {-168.154801171, 67.160561948}, {-168.286102782, 67.234563187}, {-168.523006585, 67.224749856}}
	assertRing(t, want, r, 1e-9, "H3 validGeoLoop")

	// Centres lie inside their cells.
	for _, q := range []string{
		"SELECT ST_CONTAINS(QUADBIN_BOUNDARY(5209574053332910079), QUADBIN_CENTER(5209574053332910079))",
		"SELECT ST_CONTAINS(H3_BOUNDARY('84390cbffffffff'), H3_CENTER('84390cbffffffff'))",
		"SELECT H3_FROMLONGLAT(ST_X(H3_CENTER('8928308280fffff')), ST_Y(H3_CENTER('8928308280fffff')), 9) = '8928308280fffff'",
		"SELECT QUADBIN_FROMLONGLAT(ST_X(QUADBIN_CENTER(5209574053332910079)), ST_Y(QUADBIN_CENTER(5209574053332910079)), 4) = 5209574053332910079",
	} {
		v, err := one(t, conn, q)
		require.NoError(t, err, q)
		assert.Equal(t, true, v, q)
	}
}

func TestAntimeridianH3CellStaysSmall(t *testing.T) {
	conn := openDB(t)
	// A resolution-2 cell on the antimeridian: its ring must not span the
	// globe, so its planar envelope stays narrow.
	v, err := one(t, conn, "SELECT ST_AsText(ST_ENVELOPE(H3_BOUNDARY(H3_FROMLONGLAT(180, 0, 2))))")
	require.NoError(t, err)
	b := ringOf(t, v.(string)).Bound()
	assert.Less(t, b.Max[0]-b.Min[0], 20.0, v)
	assert.True(t, strings.HasPrefix(v.(string), "POLYGON"))

	// A cell centred just west of the antimeridian holds points on both
	// sides of it, and says so whichever side a point is given on.
	for _, q := range []string{
		"SELECT H3_FROMLONGLAT(179.5, 84.25, 5) = '85056863fffffff' AND H3_FROMLONGLAT(-179.5, 84.25, 5) = '85056863fffffff'",
		"SELECT ST_CONTAINS(H3_BOUNDARY('85056863fffffff'), ST_POINT(179.5, 84.25))",
		"SELECT ST_CONTAINS(H3_BOUNDARY('85056863fffffff'), ST_POINT(-179.5, 84.25))",
		"SELECT ST_INTERSECTS(ST_POINT(179.5, 84.25), H3_BOUNDARY('85056863fffffff'))",
	} {
		v, err := one(t, conn, q)
		require.NoError(t, err, q)
		assert.Equal(t, true, v, q)
	}
}

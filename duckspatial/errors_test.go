package duckspatial

import (
	"database/sql/driver"
	"fmt"
	"strings"
	"testing"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// NULL in any argument gives NULL, never an error, for every function and
// every overload.
func TestNullInNullOut(t *testing.T) {
	conn := openDB(t)
	for _, f := range functions {
		for i := range f.in {
			args := make([]string, len(f.in))
			for j, typ := range f.in {
				args[j] = sampleArg(typ)
			}
			args[i] = "NULL"
			q := fmt.Sprintf("SELECT %s(%s)", f.name, strings.Join(args, ", "))
			got, err := one(t, conn, q)
			require.NoError(t, err, q)
			assert.Nil(t, got, q)
		}
	}
}

// sampleArg is a valid SQL value of a type, for building calls.
func sampleArg(t argType) string {
	switch t {
	case tGeometry, tWKT:
		return "'POINT (1 2)'"
	case tVarchar:
		return "'84390cbffffffff'"
	case tDouble:
		return "1.5"
	case tBigint:
		return "1"
	}
	return "NULL"
}

// Every bad input is a query error naming the function and saying what to
// fix; none is a crash.
var badInputs = []struct{ sql, want string }{
	{"SELECT ST_GEOMFROMTEXT('POINT (1')", "ST_GEOMFROMTEXT: invalid WKT 'POINT (1'"},
	{"SELECT ST_GEOMFROMTEXT('nonsense')", "expected 2D WKT"},
	{"SELECT ST_GEOMFROMTEXT('POINT Z (1 2 3)')", "cast the text with ::GEOMETRY"},
	{"SELECT ST_GEOGFROMTEXT('POINT (200 10)')", "is not a longitude/latitude"},
	{"SELECT ST_GEOMFROMGEOJSON('{\"type\":\"Pointy\"}')", "ST_GEOMFROMGEOJSON: invalid GeoJSON"},
	{"SELECT ST_GEOMFROMGEOJSON('[1, 2]')", "invalid GeoJSON"},
	{"SELECT ST_POINT('NaN'::DOUBLE, 1)", "x must be a finite number"},
	{"SELECT ST_GEOGPOINT(10, 91)", "latitude 91 is outside [-90, 90]"},
	{"SELECT ST_MAKEENVELOPE(1, 0, 0, 1)", "the order is (xmin, ymin, xmax, ymax)"},
	{"SELECT ST_X('LINESTRING (0 0, 1 1)')", "ST_X: expected a POINT, got a LINESTRING"},
	{"SELECT ST_Y(ST_MAKEENVELOPE(0, 0, 1, 1))", "ST_Y: expected a POINT, got a POLYGON"},
	{"SELECT ST_CONTAINS('GEOMETRYCOLLECTION (POINT (0 0), POLYGON ((0 0, 1 0, 1 1, 0 0)))', 'POINT (1 1)')", "ST_CONTAINS: a first argument mixing"},
	{"SELECT QUADBIN_FROMLONGLAT(0, 0, 27)", "invalid resolution 27; should be between 0 and 26"},
	{"SELECT QUADBIN_FROMLONGLAT(0, 0, -1)", "invalid resolution -1"},
	{"SELECT QUADBIN_FROMZXY(2, 4, 0)", "tile 2/4/0 does not exist"},
	{"SELECT QUADBIN_FROMZXY(30, 0, 0)", "invalid resolution 30"},
	{"SELECT QUADBIN_TOZXY(12345)", "12345 is not a valid quadbin cell index"},
	{"SELECT QUADBIN_RESOLUTION(-1)", "not a valid quadbin cell index"},
	{"SELECT QUADBIN_BOUNDARY(5209574053332910079 - 1)", "not a valid quadbin cell index"},
	{"SELECT QUADBIN_TOPARENT(5209574053332910079, 5)", "invalid resolution 5 for the parent of a resolution 4 cell"},
	{"SELECT QUADBIN_TOPARENT(5209574053332910079, -1)", "invalid resolution -1"},
	{"SELECT H3_FROMLONGLAT(0, 0, 16)", "invalid resolution 16; should be between 0 and 15"},
	{"SELECT H3_FROMLONGLAT(0, 95, 3)", "latitude 95 is outside"},
	{"SELECT H3_RESOLUTION('zzz')", "'zzz' is not a valid H3 cell index"},
	{"SELECT H3_BOUNDARY('84390cbfffffff0')", "not a valid H3 cell index"},
	{"SELECT H3_TOPARENT('84390cbffffffff', 5)", "invalid resolution 5 for the parent of a resolution 4 cell"},
	{"SELECT ST_X(ST_GeomFromWKB('\\x01\\x01\\x00\\x00\\x00'::BLOB))", ""}, // DuckDB rejects the WKB itself
}

func TestBadInputIsAnError(t *testing.T) {
	conn := openDB(t)
	for _, b := range badInputs {
		_, err := one(t, conn, b.sql)
		if assert.Error(t, err, b.sql) {
			assert.Contains(t, err.Error(), b.want, b.sql)
		}
	}
	// The connection is still usable afterwards.
	v, err := one(t, conn, "SELECT QUADBIN_RESOLUTION(5209574053332910079)")
	require.NoError(t, err)
	assert.Equal(t, int64(4), v)
}

// A panic inside a function fails the query and reaches the hook; the
// process (the whole MCP server, in production) keeps running.
func TestPanicBecomesAnError(t *testing.T) {
	conn := openDB(t)
	var hooked []string
	f := &function{name: "TEST_PANICS", args: []string{"x"}, in: []argType{tBigint}, out: tBigint,
		call: func(args []driver.Value) (any, error) {
			if args[0].(int64) == 3 {
				var m map[string]int
				m["boom"]++ // a nil-map write: a real runtime panic
			}
			return args[0], nil
		}}
	sf, err := newScalar(f, []duckdb.Type{duckdb.TYPE_BIGINT}, func(name string, r any, stack []byte) {
		hooked = append(hooked, name)
		assert.NotEmpty(t, stack)
	})
	require.NoError(t, err)
	require.NoError(t, duckdb.RegisterScalarUDF(conn, f.name, sf))

	_, err = one(t, conn, "SELECT sum(TEST_PANICS(i)) FROM range(10) t(i)")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "TEST_PANICS: internal error")
	assert.Contains(t, hooked, "TEST_PANICS")

	v, err := one(t, conn, "SELECT sum(TEST_PANICS(i)) FROM range(3) t(i)")
	require.NoError(t, err)
	assert.Equal(t, "3", fmt.Sprint(v))
}

// DuckDB calls the functions from several threads at once; under -race this
// checks they share nothing mutable. Every point lies in (or, on a tile
// edge, on) the cells it was indexed into, including cells that cross the
// antimeridian.
func TestParallelRows(t *testing.T) {
	conn := openDB(t)
	_, err := conn.ExecContext(t.Context(), "SET threads = 4")
	require.NoError(t, err)
	v, err := one(t, conn, `
		SELECT count(*) FROM (
			SELECT ST_GEOGPOINT((i % 360) - 180 + 0.5, (i % 170) - 85 + 0.25) AS p,
			       QUADBIN_FROMLONGLAT(ST_X(p), ST_Y(p), 10) AS q,
			       H3_FROMLONGLAT(ST_X(p), ST_Y(p), 5) AS h
			FROM range(20000) t(i)
		) WHERE ST_INTERSECTS(QUADBIN_BOUNDARY(q), p) AND ST_CONTAINS(H3_BOUNDARY(h), p)`)
	require.NoError(t, err)
	assert.Equal(t, int64(20000), v)
}

func FuzzDecode(f *testing.F) {
	for _, seed := range [][]byte{
		{1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 240, 63, 0, 0, 0, 0, 0, 0, 0, 64},
		{1, 233, 3, 0, 0, 0, 0, 0, 0, 0, 0, 240, 63, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0, 0, 0, 0, 0, 8, 64},
		{0, 0, 0, 0, 7, 0, 0, 0, 1},
	} {
		f.Add(seed)
	}
	sq := orb.Ring{{0, 0}, {1, 0}, {1, 1}, {0, 0}}
	for _, g := range []orb.Geometry{
		orb.Polygon{{}}, orb.Polygon{sq, {}}, orb.Polygon{sq, {{0, 0}}}, orb.LineString{{1, 1}},
		orb.MultiPolygon{{sq}, {}}, orb.Collection{orb.Point{1, 2}, orb.LineString{}, orb.Polygon{sq}},
		orb.MultiPoint{}, orb.Ring{{0, 0}, {1, 1}},
	} {
		f.Add(wkb.MustMarshal(g))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := decode(b)
		if err != nil || g == nil {
			return
		}
		// Nothing a decodable geometry holds may panic any function.
		s := newShape(g)
		_, _ = encode(g)
		_ = intersects(&s, &s)
		_, _ = contains(&s, &s)
		_ = distance(&s, &s)
		_, _ = sphereArea(g), sphereLength(g)
		v := []driver.Value{b}
		for _, fn := range []func([]driver.Value) (any, error){envelope, centroid, asGeoJSON, coordinate(0)} {
			_, _ = fn(v)
		}
	})
}

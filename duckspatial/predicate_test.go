package duckspatial

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	square  = "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))"
	holed   = "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (4 4, 6 4, 6 6, 4 6, 4 4))"
	uShape  = "POLYGON ((0 0, 10 0, 10 10, 7 10, 7 3, 3 3, 3 10, 0 10, 0 0))"
	inner   = "POLYGON ((2 2, 3 2, 3 3, 2 3, 2 2))"
	overlap = "POLYGON ((5 5, 15 5, 15 15, 5 15, 5 5))"
	far     = "POLYGON ((20 20, 30 20, 30 30, 20 30, 20 20))"
)

// The predicates against the OGC definitions, evaluated in the plane.
var predicateCases = []struct {
	a, b                 string
	intersects, contains bool
}{
	// Points and polygons: exact.
	{square, "POINT (5 5)", true, true},
	{square, "POINT (10 5)", true, false}, // on the boundary: not in the interior
	{square, "POINT (0 0)", true, false},  // a corner
	{square, "POINT (11 5)", false, false},
	{holed, "POINT (5 5)", false, false}, // in the hole
	{holed, "POINT (4 5)", true, false},  // on the hole's edge
	{holed, "POINT (2 5)", true, true},
	{"MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))", "POINT (5.8 5.2)", true, true},
	// Polygons.
	{square, inner, true, true},
	{square, square, true, true},
	{square, overlap, true, false},
	{square, far, false, false},
	{inner, square, true, false},
	{holed, "POLYGON ((3 3, 7 3, 7 7, 3 7, 3 3))", true, false},                                 // covers the hole
	{holed, "POLYGON ((1 1, 2 1, 2 2, 1 2, 1 1))", true, true},                                  // beside it
	{uShape, "POLYGON ((1 8, 9 8, 9 9, 1 9, 1 8))", true, false},                                // bridges the gap
	{uShape, "LINESTRING (1 8, 9 8)", true, false},                                              // crosses the gap
	{uShape, "LINESTRING (1 1, 9 1)", true, true},                                               // along the bottom
	{"POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0))", "POLYGON ((1 0, 2 0, 2 1, 1 1, 1 0))", true, false}, // share an edge
	{"POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0))", "POLYGON ((1 1, 2 1, 2 2, 1 2, 1 1))", true, false}, // share a corner
	// Lines.
	{"LINESTRING (0 0, 10 10)", "LINESTRING (0 10, 10 0)", true, false},
	{"LINESTRING (0 0, 10 10)", "LINESTRING (0 1, 10 11)", false, false},
	{"LINESTRING (0 0, 10 10)", "POINT (5 5)", true, true},
	{"LINESTRING (0 0, 10 10)", "POINT (0 0)", true, false}, // an end point is the boundary
	{"LINESTRING (0 0, 10 10)", "LINESTRING (2 2, 4 4)", true, true},
	{"LINESTRING (0 0, 10 10)", square, true, false},
	{square, "LINESTRING (-1 5, 11 5)", true, false},
	{square, "LINESTRING (2 2, 8 8)", true, true},
	{square, "LINESTRING (0 0, 10 0)", true, false}, // along the boundary only
	// Bounding boxes overlap, geometries do not.
	{"LINESTRING (0 0, 10 10)", "POINT (9 1)", false, false},
	{"POLYGON ((0 0, 10 0, 0 10, 0 0))", "POINT (8 8)", false, false},
	// Points.
	{"POINT (1 2)", "POINT (1 2)", true, true},
	{"MULTIPOINT ((1 2), (3 4))", "POINT (3 4)", true, true},
	{"POINT (1 2)", "MULTIPOINT ((1 2), (3 4))", true, false},
	// Collections.
	{"GEOMETRYCOLLECTION (POINT (50 50), POLYGON ((0 0, 1 0, 1 1, 0 0)))", "POINT (0.9 0.1)", true, false},
}

func TestPredicates(t *testing.T) {
	conn := openDB(t)
	for _, c := range predicateCases {
		got, err := one(t, conn, "SELECT ST_INTERSECTS($1, $2)", c.a, c.b)
		require.NoError(t, err)
		assert.Equal(t, c.intersects, got, "ST_INTERSECTS(%s, %s)", c.a, c.b)
		// Intersects is symmetric.
		got, err = one(t, conn, "SELECT ST_INTERSECTS($2, $1)", c.a, c.b)
		require.NoError(t, err)
		assert.Equal(t, c.intersects, got, "ST_INTERSECTS(%s, %s)", c.b, c.a)

		got, err = one(t, conn, "SELECT ST_CONTAINS($1, $2)", c.a, c.b)
		if c.a[:4] == "GEOM" {
			assert.ErrorContains(t, err, "not supported", "ST_CONTAINS(%s, ...)", c.a)
			continue
		}
		require.NoError(t, err, c.a)
		assert.Equal(t, c.contains, got, "ST_CONTAINS(%s, %s)", c.a, c.b)
		if c.contains {
			d, err := one(t, conn, "SELECT ST_DISTANCE($1, $2)", c.a, c.b)
			require.NoError(t, err)
			assert.Equal(t, 0.0, d)
		}
	}
}

// Geometry arguments come as GEOMETRY or as WKT text, through the same code.
func TestGeometryOrText(t *testing.T) {
	conn := openDB(t)
	for _, q := range []string{
		"SELECT ST_INTERSECTS('%s'::GEOMETRY, 'POINT (5 5)'::GEOMETRY)",
		"SELECT ST_INTERSECTS('%s', 'POINT (5 5)'::GEOMETRY)",
		"SELECT ST_INTERSECTS('%s'::GEOMETRY, 'POINT (5 5)')",
		"SELECT ST_INTERSECTS(ST_GEOMFROMTEXT('%s'), ST_POINT(5, 5))",
		"SELECT ST_INTERSECTS(ST_GEOMFROMTEXT('%s'::GEOMETRY), ST_GEOMFROMGEOJSON('{\"type\":\"Point\",\"coordinates\":[5,5]}'))",
	} {
		got, err := one(t, conn, fmt.Sprintf(q, square))
		require.NoError(t, err, q)
		assert.Equal(t, true, got, q)
	}
	// A VARCHAR column, as in the demo tables.
	ctx := t.Context()
	_, err := conn.ExecContext(ctx, "CREATE TABLE t (geom VARCHAR); INSERT INTO t VALUES ('POINT (1 2)'), ('POINT (20 20)')")
	require.NoError(t, err)
	got, err := one(t, conn, "SELECT count(*) FROM t WHERE ST_CONTAINS(ST_GEOMFROMTEXT($1), ST_GEOMFROMTEXT(geom))", square)
	require.NoError(t, err)
	assert.Equal(t, int64(1), got)
	got, err = one(t, conn, "SELECT sum(ST_X(geom)) FROM t")
	require.NoError(t, err)
	assert.Equal(t, 21.0, got)
}

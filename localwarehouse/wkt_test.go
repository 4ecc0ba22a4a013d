package localwarehouse

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGeometryMatchesDuckDB checks that GEOMETRY values come out as the same
// WKT DuckDB's own ST_AsText produces.
func TestGeometryMatchesDuckDB(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{NoDemoData: true})
	for _, wkt := range []string{
		"POINT (1.5 -2.25)",
		"POINT EMPTY",
		"POINT Z (1 2 3)",
		"POINT M (1 2 3)",
		"POINT ZM (1 2 3 4)",
		"LINESTRING (0 0, 1 1, 2 0.5)",
		"LINESTRING EMPTY",
		"POLYGON ((0 0, 10 0, 10 10, 0 0), (1 1, 2 1, 2 2, 1 1))",
		"MULTIPOINT ((0 0), (1 1))",
		"MULTILINESTRING ((0 0, 1 1), (2 2, 3 3))",
		"MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))",
		"GEOMETRYCOLLECTION (POINT (1 2), LINESTRING (0 0, 1 1), POLYGON ((0 0, 1 0, 1 1, 0 0)))",
		"GEOMETRYCOLLECTION EMPTY",
		"POINT (-122.419416 37.774929)",
	} {
		res := e.query("SELECT g, ST_AsText(g) AS want FROM (SELECT $1::GEOMETRY AS g)", []any{wkt})
		assert.Equal(t, "geometry", res.Schema[0].Type)
		assert.Equal(t, res.value(0, "want"), res.value(0, "g"), wkt)
	}

	// A GEOMETRY column in a table, whatever its name.
	e.query("CREATE TABLE shapes (id INTEGER, outline GEOMETRY); INSERT INTO shapes VALUES (1, 'POINT (3 4)')", nil)
	res := e.query("SELECT * FROM shapes", nil)
	assert.Equal(t, []schemaField{{"id", "number"}, {"outline", "geometry"}}, res.Schema)
	assert.Equal(t, `"POINT (3 4)"`, res.value(0, "outline"))
}

func TestWKBEdgeCases(t *testing.T) {
	t.Parallel()
	// Big-endian EWKB point with an SRID.
	b := []byte{0}
	b = binary.BigEndian.AppendUint32(b, 0x20000001)
	b = binary.BigEndian.AppendUint32(b, 4326)
	b = binary.BigEndian.AppendUint64(b, math.Float64bits(1))
	b = binary.BigEndian.AppendUint64(b, math.Float64bits(2))
	got, err := wkbToWKT(b)
	require.NoError(t, err)
	assert.Equal(t, "POINT (1 2)", got)

	for name, bad := range map[string][]byte{
		"empty":       {},
		"bad order":   {7, 1, 0, 0, 0},
		"truncated":   b[:len(b)-1],
		"trailing":    append(append([]byte{}, b...), 0),
		"bad type":    {1, 99, 0, 0, 0},
		"huge count":  {1, 2, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f},
		"wrong child": {1, 4, 0, 0, 0, 1, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0},
	} {
		_, err := wkbToWKT(bad)
		assert.Error(t, err, name)
	}
	// Undecodable GEOMETRY bytes fall back to hex rather than failing.
	assert.Equal(t, `"0701"`, string(encodeGeometry(nil, []byte{7, 1})))
}

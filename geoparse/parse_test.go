package geoparse

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/ewkb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/paulmach/orb/maptile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func raw(s string) json.RawMessage { return json.RawMessage(s) }

func str(s string) json.RawMessage { return raw(strconv.Quote(s)) }

func TestParseFormats(t *testing.T) {
	madrid := orb.Point{-3.7038, 40.4168}
	for _, tc := range []struct {
		name   string
		in     json.RawMessage
		format Format
		want   orb.Geometry
	}{
		{"wkt point", str("POINT (-3.7038 40.4168)"), WKT, madrid},
		{"wkt lowercase", str("point(-3.7038 40.4168)"), WKT, madrid},
		{"ewkt", str("SRID=4326;POINT(-3.7038 40.4168)"), WKT, madrid},
		{"wkt polygon", str("POLYGON ((0 0, 1 0, 1 1, 0 0))"), WKT, orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}},
		{"geojson object", raw(`{"type":"Point","coordinates":[-3.7038,40.4168]}`), GeoJSON, madrid},
		{"geojson string", str(`{"type":"Point","coordinates":[-3.7038,40.4168]}`), GeoJSON, madrid},
		{"geojson feature", raw(`{"type":"Feature","geometry":{"type":"Point","coordinates":[-3.7038,40.4168]},"properties":{}}`), GeoJSON, madrid},
		{"wkb hex", str(wkb.MustMarshalToHex(madrid)), WKBHex, madrid},
		{"ewkb hex", str(ewkb.MustMarshalToHex(madrid, 4326)), WKBHex, madrid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, f, err := Parse(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.format, f)
			assert.Equal(t, tc.want, g)
		})
	}
}

func TestParseNull(t *testing.T) {
	for _, in := range []string{"null", `""`, " ", `{"type":"Feature","geometry":null}`} {
		_, _, err := Parse(raw(in))
		assert.ErrorIs(t, err, ErrNull, in)
	}
}

func TestParseBadValues(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`"POINT (1)"`, "invalid WKT"},
		{`"POLYGON ((0 0, 1 0"`, "invalid WKT"},
		{`"POINT Z (1 2 3)"`, "ST_FORCE2D"},
		{`"POINT (500000 4400000)"`, "ST_TRANSFORM"},
		{`{"type":"Point","coordinates":[-200,10]}`, "outside longitude/latitude"},
		{`"SRID=3857;POINT(1 2)"`, "SRID 3857"},
		{`"Madrid"`, "neither WKT"},
		{`42`, "neither an H3 cell nor a quadbin"},
		{`-1`, "neither an H3 cell nor a quadbin"},
		{`true`, "neither WKT"},
		{`"0101000000"`, "neither an H3 cell nor a quadbin"},
		{`"0101000000000000000000F03F"`, "invalid WKB"},
		{`"01010000000000000000000000"`, "invalid WKB"},
		{`{"type":"Polygon"}`, "GeoJSON"},
	} {
		_, _, err := Parse(raw(tc.in))
		require.Error(t, err, tc.in)
		assert.NotErrorIs(t, err, ErrNull)
		assert.Contains(t, err.Error(), tc.want, tc.in)
	}
}

func TestQuadbin(t *testing.T) {
	// CARTO's documented example: QUADBIN_FROMZXY(4, 9, 8) = 5209574053332910079.
	const q = uint64(5209574053332910079)
	require.True(t, QuadbinValid(q))
	assert.Equal(t, maptile.New(9, 8, 4), QuadbinTile(q))
	assert.Equal(t, q, QuadbinFromTile(maptile.New(9, 8, 4)))

	rng := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		z := maptile.Zoom(rng.IntN(quadbinMaxZ + 1))
		n := uint32(1) << z
		tile := maptile.New(rng.Uint32N(n), rng.Uint32N(n), z)
		cell := QuadbinFromTile(tile)
		require.True(t, QuadbinValid(cell), "%v", tile)
		require.Equal(t, tile, QuadbinTile(cell))
	}
	assert.False(t, QuadbinValid(q&^1), "trailing bits must be ones")
	assert.False(t, QuadbinValid(42))

	for _, in := range []json.RawMessage{raw("5209574053332910079"), str("5209574053332910079"), str("484c1fffffffffff")} {
		g, f, err := Parse(in)
		require.NoError(t, err, string(in))
		assert.Equal(t, Quadbin, f)
		b := g.Bound()
		assert.InDelta(t, 22.5, b.Min[0], 1e-9)
		assert.InDelta(t, 45, b.Max[0], 1e-9)
	}
}

// geoparse reads quadbins through the quadbin package, so it agrees with
// the QUADBIN SQL functions on what a cell is: the mode-dependent bits
// 57-58 are 0 in every cell, and a tile finer than resolution 26 has none.
func TestQuadbinAgreesWithQuadbinPackage(t *testing.T) {
	t.Parallel()
	const q = uint64(5209574053332910079)
	extra := q | 1<<57
	assert.False(t, QuadbinValid(extra))
	_, _, err := Parse(raw(strconv.FormatUint(extra, 10)))
	assert.ErrorIs(t, err, ErrNotGeometry)
	assert.Zero(t, QuadbinFromTile(maptile.New(0, 0, quadbinMaxZ+1)))
	assert.Zero(t, QuadbinFromTile(maptile.New(2, 0, 1)), "x beyond the zoom's 2 columns")
}

func TestH3(t *testing.T) {
	// A resolution-9 cell in San Francisco, as a string and as its integer.
	const cell = "8928308280fffff"
	u, err := strconv.ParseUint(cell, 16, 64)
	require.NoError(t, err)
	for _, in := range []json.RawMessage{str(cell), raw(strconv.FormatUint(u, 10))} {
		g, f, err := Parse(in)
		require.NoError(t, err)
		assert.Equal(t, H3, f)
		p := g.(orb.Polygon)
		require.Len(t, p, 1)
		assert.Len(t, p[0], 7, "a hexagon, closed")
		c := p.Bound().Center()
		assert.InDelta(t, -122.42, c[0], 0.01)
		assert.InDelta(t, 37.78, c[1], 0.01)
	}
	_, _, err = Parse(str("8928308280ffffe"))
	assert.Error(t, err)
}

func TestH3AntimeridianStaysOnePiece(t *testing.T) {
	// Resolution-0 cell 8071fffffffffff spans the antimeridian near Fiji.
	g, _, err := Parse(str("8071fffffffffff"))
	require.NoError(t, err)
	b := g.Bound()
	assert.Less(t, b.Max[0]-b.Min[0], 180.0)
}

func TestCheckLonLatCollection(t *testing.T) {
	err := CheckLonLat(orb.Collection{orb.Point{1, 2}, orb.LineString{{0, 0}, {0, 95}}})
	require.Error(t, err)
	assert.True(t, !errors.Is(err, ErrNull))
}

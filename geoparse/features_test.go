package geoparse

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/paulmach/orb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFeatures(t *testing.T) {
	cols := []Column{{"name", "string"}, {"geom", "geometry"}, {"pop", "number"}}
	rs := rows(
		[]string{`"Madrid"`, `"POINT (-3.7038 40.4168)"`, "6700000"},
		[]string{`"nowhere"`, "null", "0"},
		[]string{`"box"`, `"POLYGON ((0 0, 2 0, 2 1, 0 1, 0 0))"`, "12345678901234567890"},
	)
	c, err := Features(cols, rs, "", Limits{MaxFeatures: 10})
	require.NoError(t, err)
	assert.Equal(t, "geom", c.GeometryColumn)
	assert.Equal(t, 3, c.Rows)
	assert.Equal(t, 1, c.NullGeometries)
	assert.False(t, c.Truncated)
	require.Len(t, c.Features.Features, 2)
	assert.Equal(t, orb.Bound{Min: orb.Point{-3.7038, 0}, Max: orb.Point{2, 40.4168}}, c.Bound)
	assert.Equal(t, map[string]int{"Point": 1, "Polygon": 1}, c.GeometryTypes)

	b, err := json.Marshal(c.Features)
	require.NoError(t, err)
	assert.JSONEq(t, string(b), string(c.JSON), "JSON is the collection's encoding")
	assert.Contains(t, string(b), `"pop":12345678901234567890`, "numbers are kept exactly")
	assert.NotContains(t, string(b), `"geom"`, "the geometry column is not repeated as a property")
}

func TestFeaturesCaps(t *testing.T) {
	cols := []Column{{"geom", ""}, {"i", ""}}
	var rs [][]json.RawMessage
	for i := range 100 {
		rs = append(rs, []json.RawMessage{json.RawMessage(fmt.Sprintf(`"POINT (%d 1)"`, i)), json.RawMessage(fmt.Sprint(i))})
	}
	c, err := Features(cols, rs, "", Limits{MaxFeatures: 10})
	require.NoError(t, err)
	assert.True(t, c.Truncated)
	assert.Equal(t, "max_features", c.TruncatedBy)
	assert.Len(t, c.Features.Features, 10)

	c, err = Features(cols, rs, "", Limits{MaxBytes: 1000})
	require.NoError(t, err)
	assert.Equal(t, "max_bytes", c.TruncatedBy)
	assert.LessOrEqual(t, len(c.JSON), 1000)
	assert.Greater(t, len(c.JSON), 700, "the cap is used, not wasted")
	b, _ := json.Marshal(c.Features)
	assert.JSONEq(t, string(b), string(c.JSON))
}

func TestFeaturesBadRow(t *testing.T) {
	cols := []Column{{"geom", "geometry"}}
	rs := rows([]string{`"POINT (1 1)"`}, []string{`"POINT (2 2)"`}, []string{`"POINT (oops)"`})
	_, err := Features(cols, rs, "", Limits{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `column "geom": row 3: invalid WKT`, "found while sampling")

	// Past the sampled rows, the error names the row too.
	var many [][]json.RawMessage
	for range sampleSize + 5 {
		many = append(many, []json.RawMessage{json.RawMessage(`"POINT (1 1)"`)})
	}
	many = append(many, []json.RawMessage{json.RawMessage(`"POINT (1 1"`)})
	_, err = Features(cols, many, "", Limits{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `Row 26, column "geom": invalid WKT`)
}

func TestFeaturesSimplify(t *testing.T) {
	ring := orb.Ring{}
	for i := 0; i <= 1000; i++ {
		ring = append(ring, orb.Point{float64(i) / 100, 0.00001 * float64(i%2)})
	}
	ring = append(ring, orb.Point{10, 5}, orb.Point{0, 5}, orb.Point{0, 0})
	g, _ := json.Marshal(map[string]any{"type": "Polygon", "coordinates": orb.Polygon{ring}})
	c, err := Features([]Column{{"g", ""}}, [][]json.RawMessage{{g}}, "g", Limits{SimplifyFraction: 1.0 / 2000})
	require.NoError(t, err)
	p := c.Features.Features[0].Geometry.(orb.Polygon)
	assert.Less(t, len(p[0]), 10)
}

func TestTableFromGeoJSON(t *testing.T) {
	tb, err := TableFromGeoJSON([]byte(`{"type":"FeatureCollection","features":[
		{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"b":1,"a":"x"}},
		{"type":"Feature","geometry":null,"properties":{"c":true}}]}`))
	require.NoError(t, err)
	assert.Equal(t, []Column{{"geometry", "geometry"}, {"b", ""}, {"a", ""}, {"c", ""}}, tb.Columns)
	assert.Equal(t, "null", string(tb.Rows[1][0]))
	c, err := Features(tb.Columns, tb.Rows, "", Limits{})
	require.NoError(t, err)
	assert.Len(t, c.Features.Features, 1)
	assert.Equal(t, 1, c.NullGeometries)

	_, err = TableFromGeoJSON([]byte(`{"type":"Topology"}`))
	assert.ErrorContains(t, err, "FeatureCollection")
}

func TestTableFromObjects(t *testing.T) {
	objs, order, err := DecodeObjects([]byte(`[{"z":1,"geom":"POINT (1 2)"},{"geom":"POINT (3 4)","y":2}]`))
	require.NoError(t, err)
	tb := TableFromObjects(objs, order)
	assert.Equal(t, []Column{{Name: "z"}, {Name: "geom"}, {Name: "y"}}, tb.Columns)
	assert.Equal(t, "null", string(tb.Rows[1][0]))
	_, _, err = DecodeObjects([]byte(`[1]`))
	assert.ErrorContains(t, err, "rows[0] is not a JSON object")
}

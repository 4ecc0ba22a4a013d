package geoparse

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func rows(vals ...[]string) [][]json.RawMessage {
	out := make([][]json.RawMessage, len(vals))
	for i, r := range vals {
		for _, v := range r {
			out[i] = append(out[i], json.RawMessage(v))
		}
	}
	return out
}

func TestDetectColumn(t *testing.T) {
	cols := []Column{{"id", "number"}, {"name", "string"}, {"where", "string"}}
	rs := rows(
		[]string{"1", `"Madrid"`, `"POINT (-3.7 40.4)"`},
		[]string{"2", `"Paris"`, "null"},
	)
	i, f, err := DetectColumn(cols, rs)
	require.NoError(t, err)
	assert.Equal(t, 2, i)
	assert.Equal(t, WKT, f)

	// A geometry-typed column comes first, then usual names.
	cols2 := []Column{{"a", "string"}, {"geom", "string"}, {"g2", "geometry"}}
	rs2 := rows([]string{`"POINT (1 1)"`, `"POINT (2 2)"`, `"POINT (3 3)"`})
	i, _, err = DetectColumn(cols2, rs2)
	require.NoError(t, err)
	assert.Equal(t, 2, i)
	cols2[2].Type = "string"
	i, _, err = DetectColumn(cols2, rs2)
	require.NoError(t, err)
	assert.Equal(t, 1, i)
}

func TestDetectColumnNone(t *testing.T) {
	_, _, err := DetectColumn([]Column{{"id", "number"}, {"name", "string"}}, rows([]string{"1", `"Madrid"`}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "No geometry column found among id (number), name (string)")
	assert.Contains(t, err.Error(), "geometry_column")

	// A geometry-typed column whose values do not parse says why.
	_, _, err = DetectColumn([]Column{{"geom", "geometry"}}, rows([]string{`"POINT (1"`}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "invalid WKT")
}

func TestCheckColumn(t *testing.T) {
	cols := []Column{{"name", "string"}, {"Geom", "string"}}
	rs := rows([]string{`"Madrid"`, `"POINT (-3.7 40.4)"`})
	i, _, err := CheckColumn(cols, rs, "geom")
	require.NoError(t, err)
	assert.Equal(t, 1, i)

	_, _, err = CheckColumn(cols, rs, "name")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `Column "name" is not a geometry column`)

	_, _, err = CheckColumn(cols, rs, "nope")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"nope" is not in the result; its columns are name (string), Geom (string)`)

	_, _, err = CheckColumn(cols, rows([]string{`"x"`, "null"}), "Geom")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "null in every row")
}

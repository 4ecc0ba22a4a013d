package tilesetmap

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/mapstyle"
)

// TestTilestatsStyle reads CARTO's tilestats as the Maps API's TileJSON
// and the tilers' metadata rows carry them, into the classes of a style.
func TestTilestatsStyle(t *testing.T) {
	ts := ParseTilestats(json.RawMessage(`{"layerCount": 1, "layers": [{"layer": "default", "count": 200, "geometry": "Polygon",
		"attributes": [
			{"attribute": "pop", "type": "Number", "count": 190, "min": 0, "max": 5000, "sum": 1, "avg": 2,
			 "quantiles": {"3": [100, 900], "5": [10, 50, 200, 1000], "bad": [1], "6": "x"}},
			{"attribute": "zone", "type": "String", "count": 200,
			 "categories": [{"category": "B", "frequency": 60}, {"category": "A", "frequency": 140}]},
			{"attribute": "code", "type": "Number", "count": 200, "min": 1, "max": 9},
			{"attribute": "flag", "type": "Boolean", "count": 200, "categories": [{"category": true, "frequency": 200}]}
		]}]}`))
	require.Len(t, ts.Layers, 1)

	a, features, ok := ts.Attribute("pop")
	require.True(t, ok)
	assert.EqualValues(t, 200, features)
	st := a.Style(false, features)
	assert.True(t, st.Numeric, "the stats' own type wins")
	assert.Equal(t, map[int][]float64{3: {100, 900}, 5: {10, 50, 200, 1000}}, st.Quantiles, "unknown forms are left out")
	s, err := mapstyle.FromStats(st)
	require.NoError(t, err)
	assert.Equal(t, []float64{10, 50, 200, 1000}, s.Breaks)
	assert.Equal(t, "no value", s.Legend[len(s.Legend)-1].Label, "10 of 200 features have no pop")

	a, features, _ = ts.Attribute("zone")
	s, err = mapstyle.FromStats(a.Style(false, features))
	require.NoError(t, err)
	assert.Equal(t, []string{"A", "B"}, s.Categories)
	assert.Nil(t, s.Other)
	assert.Nil(t, s.NoValue)

	a, features, _ = ts.Attribute("code")
	s, err = mapstyle.FromStats(a.Style(true, features))
	require.NoError(t, err)
	assert.Equal(t, mapstyle.MethodEqualInterval, s.Method, "min and max only: equal intervals")

	a, features, _ = ts.Attribute("flag")
	s, err = mapstyle.FromStats(a.Style(false, features))
	require.NoError(t, err)
	assert.Equal(t, 0, s.ClassOf(true))

	_, _, ok = ts.Attribute("nope")
	assert.False(t, ok)
	assert.Empty(t, ParseTilestats(json.RawMessage(`"garbage"`)).Layers)

	// Forms we do not know spoil neither the layer's count nor the other
	// properties: quantiles as a list of lists, an attribute that is not
	// an object, a count with a fraction.
	ts = ParseTilestats(json.RawMessage(`{"layers": [{"layer": "default", "count": 7, "geometry": "Point", "attributes": [
		{"attribute": "a", "type": "Number", "count": 7.0, "min": 1, "max": 2, "quantiles": [[1, 2], [1, 1.5, 2]]},
		"odd",
		{"attribute": "b", "type": "String", "count": 7, "categories": [{"category": "x", "frequency": 7.0}]}]}]}`))
	require.Len(t, ts.Layers, 1)
	assert.EqualValues(t, 7, ts.Layers[0].Count)
	a, features, ok = ts.Attribute("a")
	require.True(t, ok)
	s, err = mapstyle.FromStats(a.Style(true, features))
	require.NoError(t, err)
	assert.Equal(t, mapstyle.MethodEqualInterval, s.Method, "the quantiles' form is unknown: min and max")
	a, features, _ = ts.Attribute("b")
	s, err = mapstyle.FromStats(a.Style(false, features))
	require.NoError(t, err)
	assert.Equal(t, []string{"x"}, s.Categories)

	// A layer whose attributes are not a list keeps its count.
	ts = ParseTilestats(json.RawMessage(`{"layers": [{"layer": "default", "count": 3, "attributes": {"a": 1}}]}`))
	require.Len(t, ts.Layers, 1)
	assert.EqualValues(t, 3, ts.Layers[0].Count)
}

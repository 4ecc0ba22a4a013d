package mapstyle

import (
	"encoding/json"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func ptr(f float64) *float64 { return &f }

// TestFromStatsQuantiles: the quintile breaks of the stats become the
// classes, open at both ends, in the ramp's colours; values fall in them
// as the view's script puts them, whatever tile they come from.
func TestFromStatsQuantiles(t *testing.T) {
	s, err := FromStats(Stats{Name: "count", Numeric: true, Features: 100, Count: 100, Min: ptr(1), Max: ptr(900),
		Quantiles: map[int][]float64{3: {5, 50}, 5: {2, 10, 40, 200}, 10: {1, 2, 3, 4, 5, 6, 7, 8, 9}}})
	require.NoError(t, err)
	assert.Equal(t, Numeric, s.Kind)
	assert.True(t, s.ByValue)
	assert.Equal(t, "quantiles", s.Method)
	assert.Equal(t, []float64{2, 10, 40, 200}, s.Breaks)
	assert.Equal(t, []Entry{{"≤ 2", ramp[0]}, {"2 – 10", ramp[1]}, {"10 – 40", ramp[2]}, {"40 – 200", ramp[3]}, {"> 200", ramp[4]}}, s.Legend)
	assert.Nil(t, s.NoValue, "every feature has a value")
	for v, want := range map[any]int{0.5: 0, int64(2): 0, 2.5: 1, int64(10): 1, 40.0: 2, uint64(41): 3, 200.0: 3, 201.0: 4, 1e9: 4, "7": -1, nil: -1} {
		assert.Equal(t, want, s.ClassOf(v), "%v (%T)", v, v)
	}

	// Repeated breaks merge; a break at the maximum is dropped; features
	// without a value get a "no value" class.
	s, err = FromStats(Stats{Name: "n", Numeric: true, Features: 10, Count: 8, Min: ptr(1), Max: ptr(3),
		Quantiles: map[int][]float64{5: {1, 1, 2, 3}}})
	require.NoError(t, err)
	assert.Equal(t, []float64{1, 2}, s.Breaks)
	assert.Equal(t, []Entry{{"≤ 1", ramp[0]}, {"1 – 2", ramp[2]}, {"> 2", ramp[4]}, {"no value", noValueColor}}, s.Legend)
	assert.Equal(t, 3, s.ClassOf(nil))
	assert.Equal(t, 3, s.ClassOf("text"))

	// Lists of n+1 values (min to max) are read too; without quantiles,
	// equal intervals between min and max.
	s, err = FromStats(Stats{Name: "n", Numeric: true, Min: ptr(0), Max: ptr(100), Quantiles: map[int][]float64{4: {0, 10, 20, 30, 100}}})
	require.NoError(t, err)
	assert.Equal(t, MethodQuantiles, s.Method)
	assert.Equal(t, []float64{10, 20, 30}, s.Breaks, "4 buckets, the nearest to the ramp's 5")
	s, err = FromStats(Stats{Name: "n", Numeric: true, Min: ptr(0), Max: ptr(100)})
	require.NoError(t, err)
	assert.Equal(t, MethodEqualInterval, s.Method)
	assert.Equal(t, []float64{20, 40, 60, 80}, s.Breaks)
	s, err = FromStats(Stats{Name: "n", Numeric: true, Min: ptr(7), Max: ptr(7), Quantiles: map[int][]float64{5: {7, 7, 7, 7}}})
	require.NoError(t, err)
	assert.Empty(t, s.Breaks)
	assert.Equal(t, []Entry{{"7", ramp[len(ramp)-1]}}, s.Legend, "one value, one class")

	_, err = FromStats(Stats{Name: "n", Numeric: true, Features: 3, Count: 3})
	assert.ErrorIs(t, err, ErrNoClasses)
	assert.ErrorContains(t, err, `number property "n" has neither quantiles nor min and max`)
}

// TestFromStatsCategories: the most frequent values get the palette in
// order of frequency, the rest "other values" unless the stats list them
// all; booleans and numbers match as the view writes them.
func TestFromStatsCategories(t *testing.T) {
	s, err := FromStats(Stats{Name: "kind", Features: 10, Count: 10,
		Categories: []Category{{"b", 3}, {"a", 5}, {"c", 2}}})
	require.NoError(t, err)
	assert.Equal(t, Categorical, s.Kind)
	assert.Equal(t, []string{"a", "b", "c"}, s.Categories)
	assert.Equal(t, []Entry{{"a", categorical[0]}, {"b", categorical[1]}, {"c", categorical[2]}}, s.Legend)
	assert.Nil(t, s.Other, "the stats list every value")
	assert.Equal(t, 1, s.ClassOf("b"))
	assert.Equal(t, -1, s.ClassOf("zzz"))

	var many []Category
	for i := range 14 {
		many = append(many, Category{Value: string(rune('a' + i)), Count: int64(20 - i)})
	}
	s, err = FromStats(Stats{Name: "kind", Features: 300, Count: 290, Categories: many})
	require.NoError(t, err)
	require.Len(t, s.Legend, 12)
	assert.Equal(t, Entry{"other values", otherColor}, s.Legend[10])
	assert.Equal(t, Entry{"no value", noValueColor}, s.Legend[11])
	assert.Equal(t, 10, s.ClassOf("m"))
	assert.Equal(t, 11, s.ClassOf(nil))

	s, err = FromStats(Stats{Name: "open", Features: 4, Count: 4, Categories: []Category{{"true", 3}, {"false", 1}}})
	require.NoError(t, err)
	assert.Equal(t, 0, s.ClassOf(true))
	assert.Equal(t, 1, s.ClassOf(false))
	s, err = FromStats(Stats{Name: "code", Features: 2, Count: 2, Categories: []Category{{"12", 1}, {"3.5", 1}}})
	require.NoError(t, err)
	assert.Equal(t, 0, s.ClassOf(int64(12)))
	assert.Equal(t, 1, s.ClassOf(3.5))

	_, err = FromStats(Stats{Name: "kind", Features: 3, Count: 3})
	assert.ErrorIs(t, err, ErrNoClasses)
	s, err = FromStats(Stats{Name: "kind", Features: 3, Count: 0})
	require.NoError(t, err, "all NULL: one class")
	assert.Equal(t, []Entry{{"no value", noValueColor}}, s.Legend)
}

// TestStyleFor: the picture's features get the classes of their values,
// and travel as JSON like any style.
func TestStyleFor(t *testing.T) {
	s, err := FromStats(Stats{Name: "n", Numeric: true, Features: 3, Count: 2, Min: ptr(0), Max: ptr(10), Quantiles: map[int][]float64{5: {2, 4, 6, 8}}})
	require.NoError(t, err)
	fc := geojson.NewFeatureCollection()
	for _, v := range []any{1.0, int64(9), nil} {
		f := geojson.NewFeature(orb.Point{0, 0})
		if v != nil {
			f.Properties["n"] = v
		}
		fc.Append(f)
	}
	p := s.For(fc)
	assert.Equal(t, []int{0, 4, 5}, p.Classes)
	assert.Nil(t, s.Classes, "the style itself is unchanged")
	assert.Equal(t, Parse(ramp[4]), p.ColorOf(1))
	assert.Equal(t, Parse(noValueColor), p.ColorOf(2))

	b, err := json.Marshal(s)
	require.NoError(t, err)
	assert.JSONEq(t, `{"kind":"numeric","color_by":"n","by_value":true,"breaks":[2,4,6,8],"no_value":5,"method":"quantiles",
		"legend":[{"label":"≤ 2","color":"#f3e79b"},{"label":"2 – 4","color":"#fab27f"},{"label":"4 – 6","color":"#eb7f86"},
		{"label":"6 – 8","color":"#b95e9a"},{"label":"> 8","color":"#5c53a5"},{"label":"no value","color":"#cccccc"}]}`, string(b))
}

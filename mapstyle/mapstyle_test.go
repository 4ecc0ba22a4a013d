package mapstyle

import (
	"encoding/json"
	"fmt"
	"image/color"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func collection(prop string, vals ...string) *geojson.FeatureCollection {
	fc := geojson.NewFeatureCollection()
	for _, v := range vals {
		f := geojson.NewFeature(orb.Point{0, 0})
		if v != "" {
			f.Properties[prop] = json.RawMessage(v)
		}
		f.Properties["name"] = json.RawMessage(`"x"`)
		fc.Append(f)
	}
	return fc
}

func TestSingle(t *testing.T) {
	s, err := New(collection("v", "1", "2"), "", "name")
	require.NoError(t, err)
	assert.Equal(t, Single, s.Kind)
	assert.Equal(t, color.RGBA{0xe7, 0x3f, 0x74, 255}, s.ColorOf(1))
	assert.Equal(t, "name", s.LabelColumn)
}

func TestNumericQuantiles(t *testing.T) {
	var vals []string
	for i := 1; i <= 100; i++ {
		vals = append(vals, fmt.Sprint(i*1000))
	}
	vals = append(vals, `"2500000"`, "null")
	s, err := New(collection("v", vals...), "v", "")
	require.NoError(t, err)
	assert.Equal(t, Numeric, s.Kind)
	require.Len(t, s.Legend, 6, "five classes and no value")
	assert.Equal(t, "1000 – 21k", s.Legend[0].Label)
	assert.Equal(t, "81k – 2.5M", s.Legend[4].Label)
	assert.Equal(t, "no value", s.Legend[5].Label)
	assert.Equal(t, 0, s.Classes[0])
	assert.Equal(t, 4, s.Classes[100], "a number in a string is a number")
	assert.Equal(t, 5, s.Classes[101])
	// Darker is more.
	assert.Less(t, s.ColorOf(0).B+s.ColorOf(0).G, s.ColorOf(99).B+s.ColorOf(99).G+255)
}

func TestNumericFewValues(t *testing.T) {
	s, err := New(collection("v", "7", "7", "7"), "v", "")
	require.NoError(t, err)
	require.Len(t, s.Legend, 1)
	assert.Equal(t, "7", s.Legend[0].Label)
}

func TestCategories(t *testing.T) {
	var vals []string
	for i := range 14 {
		for range 14 - i {
			vals = append(vals, fmt.Sprintf(`"c%02d"`, i))
		}
	}
	vals = append(vals, "null", "true")
	s, err := New(collection("v", vals...), "v", "")
	require.NoError(t, err)
	assert.Equal(t, Categorical, s.Kind)
	assert.Equal(t, "c00", s.Legend[0].Label)
	assert.Equal(t, 0, s.Classes[0])
	var labels []string
	for _, e := range s.Legend {
		labels = append(labels, e.Label)
	}
	assert.Contains(t, labels, "other (5 values)")
	assert.Contains(t, labels, "no value")
	assert.Len(t, s.Legend, 12)
}

func TestUnknownColumn(t *testing.T) {
	_, err := New(collection("v", "1"), "revenue", "")
	require.Error(t, err)
	assert.Equal(t, `color_by "revenue" is not a column of the result; the columns besides the geometry are name, v`, err.Error())
	_, err = New(collection("v", "1"), "", "nom")
	assert.ErrorContains(t, err, `label_column "nom"`)
}

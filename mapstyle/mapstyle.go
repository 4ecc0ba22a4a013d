// Package mapstyle decides the colours of a map's features, once, on the
// server, so that the MCP Apps view (package mapview) and the PNG picture
// (package mappng) colour them the same way.
//
// Without color_by every feature has one colour. With color_by naming a
// property, numbers get a sequential ramp in quantile classes and anything
// else categories (the most frequent ones, then "other"); missing values
// get a grey "no value" class. The style travels in the result's _meta as
// JSON: classes[i] is the legend entry of feature i.
package mapstyle

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/color"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/paulmach/orb/geojson"
)

// Kinds of style.
const (
	Single      = "single"
	Numeric     = "numeric"
	Categorical = "categorical"
)

// DefaultColor is the colour of every feature when there is no color_by.
const DefaultColor = "#e73f74"

// Sequential ramp (CARTOColors "Sunset", light to dark) and qualitative
// palette (CARTOColors "Bold").
var (
	ramp        = []string{"#f3e79b", "#fab27f", "#eb7f86", "#b95e9a", "#5c53a5"}
	categorical = []string{"#7f3c8d", "#11a579", "#3969ac", "#f2b701", "#e73f74", "#80ba5a", "#e68310", "#008695", "#cf1c90", "#f97b72"}
)

const (
	otherColor   = "#a5aa99"
	noValueColor = "#cccccc"
)

// Entry is one legend line.
type Entry struct {
	Label string `json:"label"`
	Color string `json:"color"`
}

// Style is how the features of one map are coloured and labelled.
type Style struct {
	Kind        string  `json:"kind"`
	ColorBy     string  `json:"color_by,omitempty"`
	LabelColumn string  `json:"label_column,omitempty"`
	Color       string  `json:"color,omitempty"`
	Legend      []Entry `json:"legend,omitempty"`
	// Classes[i] indexes Legend for feature i (empty for Single).
	Classes []int `json:"classes,omitempty"`

	// ByValue says the features are classed by their value of ColorBy
	// with the rules below (see FromStats), not by Classes: a tileset's
	// features arrive with its tiles, after the style. Numeric: a value
	// goes to the first class k with value <= Breaks[k], else to the last
	// (len(Breaks)). Categorical: Categories[k] is Legend[k]'s value, and
	// any other value goes to Other. A missing value goes to NoValue; a
	// feature with no class is drawn in the "no value" grey.
	ByValue    bool      `json:"by_value,omitempty"`
	Breaks     []float64 `json:"breaks,omitempty"`
	Categories []string  `json:"categories,omitempty"`
	Other      *int      `json:"other,omitempty"`
	NoValue    *int      `json:"no_value,omitempty"`
	// Method says how numbers were classed by stats.
	Method string `json:"method,omitempty"`
}

// New styles fc. colorBy and labelColumn name feature properties ("" for
// none); an unknown name is an error listing the properties there are.
func New(fc *geojson.FeatureCollection, colorBy, labelColumn string) (*Style, error) {
	for _, name := range []struct{ arg, val string }{{"color_by", colorBy}, {"label_column", labelColumn}} {
		if name.val != "" && !hasProperty(fc, name.val) {
			return nil, fmt.Errorf("%s %q is not a column of the result; the columns besides the geometry are %s", name.arg, name.val, propertyNames(fc))
		}
	}
	s := &Style{Kind: Single, Color: DefaultColor, LabelColumn: labelColumn}
	if colorBy == "" || len(fc.Features) == 0 {
		return s, nil
	}
	s.ColorBy, s.Color = colorBy, ""
	vals := make([]json.RawMessage, len(fc.Features))
	numbers := make([]float64, len(fc.Features))
	isNum := make([]bool, len(fc.Features))
	present, numeric := 0, 0
	for i, f := range fc.Features {
		v := rawProperty(f.Properties[colorBy])
		vals[i] = v
		if isNull(v) {
			continue
		}
		present++
		if n, ok := number(v); ok {
			numbers[i], isNum[i] = n, true
			numeric++
		}
	}
	if present > 0 && numeric == present {
		s.numeric(numbers, isNum)
	} else {
		s.categories(vals)
	}
	return s, nil
}

// ColorOf returns the colour of feature i.
func (s *Style) ColorOf(i int) color.RGBA {
	if s.Kind == Single || i >= len(s.Classes) {
		return Parse(s.Color)
	}
	if c := s.Classes[i]; c >= 0 && c < len(s.Legend) {
		return Parse(s.Legend[c].Color)
	}
	return Parse(noValueColor)
}

func (s *Style) numeric(numbers []float64, isNum []bool) {
	s.Kind = Numeric
	var sorted []float64
	for i, ok := range isNum {
		if ok {
			sorted = append(sorted, numbers[i])
		}
	}
	sort.Float64s(sorted)
	// Quantile breaks, without repeats: upper[k] is class k's maximum.
	var upper []float64
	for k := 1; k <= len(ramp); k++ {
		v := sorted[(len(sorted)-1)*k/len(ramp)]
		if len(upper) == 0 || v > upper[len(upper)-1] {
			upper = append(upper, v)
		}
	}
	lo := sorted[0]
	colors := spread(len(upper))
	for k, hi := range upper {
		label := formatNumber(lo) + " – " + formatNumber(hi)
		if lo == hi {
			label = formatNumber(hi)
		}
		s.Legend = append(s.Legend, Entry{Label: label, Color: colors[k]})
		lo = hi
	}
	noValue := -1
	s.Classes = make([]int, len(numbers))
	for i, ok := range isNum {
		if !ok {
			if noValue < 0 {
				noValue = len(s.Legend)
				s.Legend = append(s.Legend, Entry{Label: "no value", Color: noValueColor})
			}
			s.Classes[i] = noValue
			continue
		}
		s.Classes[i] = sort.SearchFloat64s(upper, numbers[i])
	}
}

// spread picks n colours of the ramp, from its ends inwards.
func spread(n int) []string {
	if n >= len(ramp) {
		return ramp
	}
	out := make([]string, n)
	for k := range n {
		j := len(ramp) - 1
		if n > 1 {
			j = k * (len(ramp) - 1) / (n - 1)
		}
		out[k] = ramp[j]
	}
	return out
}

func (s *Style) categories(vals []json.RawMessage) {
	s.Kind = Categorical
	counts := map[string]int{}
	keys := make([]string, len(vals))
	for i, v := range vals {
		if isNull(v) {
			keys[i] = "\x00null"
			continue
		}
		keys[i] = label(v)
		counts[keys[i]]++
	}
	order := make([]string, 0, len(counts))
	for k := range counts {
		order = append(order, k)
	}
	sort.Slice(order, func(a, b int) bool {
		ca, cb := counts[order[a]], counts[order[b]]
		return ca > cb || ca == cb && order[a] < order[b]
	})
	idx := map[string]int{}
	for k, name := range order {
		if k == len(categorical) && len(order) > len(categorical)+1 {
			break
		}
		if k == len(categorical) { // exactly one more: it gets a colour of its own
			idx[name] = len(s.Legend)
			s.Legend = append(s.Legend, Entry{Label: name, Color: otherColor})
			break
		}
		idx[name] = len(s.Legend)
		s.Legend = append(s.Legend, Entry{Label: name, Color: categorical[k]})
	}
	other, noValue := -1, -1
	s.Classes = make([]int, len(vals))
	for i, k := range keys {
		c, ok := idx[k]
		switch {
		case ok:
		case k == "\x00null":
			if noValue < 0 {
				noValue = len(s.Legend)
				s.Legend = append(s.Legend, Entry{Label: "no value", Color: noValueColor})
			}
			c = noValue
		default:
			if other < 0 {
				other = len(s.Legend)
				s.Legend = append(s.Legend, Entry{Label: fmt.Sprintf("other (%d values)", len(order)-len(categorical)), Color: otherColor})
			}
			c = other
		}
		s.Classes[i] = c
	}
}

func rawProperty(v any) json.RawMessage {
	switch v := v.(type) {
	case json.RawMessage:
		return bytes.TrimSpace(v)
	case nil:
		return nil
	default:
		b, _ := json.Marshal(v)
		return b
	}
}

func isNull(v json.RawMessage) bool { return len(v) == 0 || string(v) == "null" }

// number reads a JSON number, or a string holding one (warehouses send big
// integers and decimals as strings).
func number(v json.RawMessage) (float64, bool) {
	s := string(v)
	if v[0] == '"' {
		if err := json.Unmarshal(v, &s); err != nil {
			return 0, false
		}
		s = strings.TrimSpace(s)
	} else if v[0] != '-' && (v[0] < '0' || v[0] > '9') {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

func label(v json.RawMessage) string {
	if v[0] == '"' {
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
	}
	return string(v)
}

// formatNumber writes f shortly for a legend: 3 significant digits, with
// k, M and B for thousands, millions and billions.
func formatNumber(f float64) string {
	a := math.Abs(f)
	switch {
	case a >= 1e9:
		return short(f/1e9) + "B"
	case a >= 1e6:
		return short(f/1e6) + "M"
	case a >= 1e4:
		return short(f/1e3) + "k"
	case a >= 100:
		return strconv.FormatFloat(f, 'f', 0, 64)
	}
	return short(f)
}

func short(f float64) string {
	if math.Abs(f) >= 1000 {
		return strconv.FormatFloat(f, 'f', 0, 64)
	}
	return strconv.FormatFloat(f, 'g', 3, 64)
}

func hasProperty(fc *geojson.FeatureCollection, name string) bool {
	for _, f := range fc.Features {
		if _, ok := f.Properties[name]; ok {
			return true
		}
	}
	return len(fc.Features) == 0
}

func propertyNames(fc *geojson.FeatureCollection) string {
	seen := map[string]bool{}
	var names []string
	for _, f := range fc.Features {
		for k := range f.Properties {
			if !seen[k] {
				seen[k] = true
				names = append(names, k)
			}
		}
		if len(names) > 50 {
			break
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// Parse reads a "#rrggbb" colour.
func Parse(hex string) color.RGBA {
	var c color.RGBA
	c.A = 255
	if len(hex) == 7 && hex[0] == '#' {
		if v, err := strconv.ParseUint(hex[1:], 16, 32); err == nil {
			c.R, c.G, c.B = uint8(v>>16), uint8(v>>8), uint8(v)
		}
	}
	return c
}

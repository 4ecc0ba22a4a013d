package mapstyle

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/paulmach/orb/geojson"
)

// Stats are what a dataset's metadata says about one property over all of
// its features (a tileset's tilestats): enough to fix the classes before
// any feature is seen, so that a map drawn tile by tile keeps its colours
// as the user pans.
type Stats struct {
	Name    string
	Numeric bool
	// Features in the dataset, and how many have a value (0 and 0 when
	// unknown: then no "no value" class is promised).
	Features, Count int64
	// Numbers: the range and, per number of buckets n, the n-1 breaks
	// between them (CARTO's tilestats "quantiles").
	Min, Max  *float64
	Quantiles map[int][]float64
	// Text: the most frequent values, in any order.
	Categories []Category
}

// Category is one value of a text property and how many features have it.
type Category struct {
	Value string
	Count int64
}

// Methods of classing numbers by stats.
const (
	MethodQuantiles     = "quantiles"
	MethodEqualInterval = "equal intervals"
)

// ErrNoClasses is wrapped by FromStats's error when the stats lack what the
// classes need (numbers with neither quantiles nor a range, text without
// categories).
var ErrNoClasses = errors.New("the metadata has no statistics to class the property by")

// FromStats styles features by the value of one property, classed from
// stats rather than from the features (see Style.ByValue). Numbers get the
// ramp in quantile classes (or equal intervals between min and max when
// the stats have no quantiles); text gets the palette by frequency.
func FromStats(st Stats) (*Style, error) {
	s := &Style{Kind: Categorical, ColorBy: st.Name, ByValue: true}
	if st.Features > 0 && st.Count == 0 {
		s.noValue()
		return s, nil
	}
	var err error
	if st.Numeric {
		err = s.numericStats(st)
	} else {
		err = s.categoryStats(st)
	}
	if err != nil {
		return nil, err
	}
	if st.Count < st.Features {
		s.noValue()
	}
	return s, nil
}

func (s *Style) noValue() {
	i := len(s.Legend)
	s.NoValue = &i
	s.Legend = append(s.Legend, Entry{Label: "no value", Color: noValueColor})
}

func (s *Style) numericStats(st Stats) error {
	s.Kind = Numeric
	var breaks []float64
	if b := pickQuantiles(st.Quantiles); b != nil {
		s.Method = MethodQuantiles
		breaks = b
	} else if st.Min != nil && st.Max != nil && !math.IsNaN(*st.Min) && !math.IsNaN(*st.Max) {
		s.Method = MethodEqualInterval
		for k := 1; k < len(ramp) && *st.Min < *st.Max; k++ {
			breaks = append(breaks, *st.Min+(*st.Max-*st.Min)*float64(k)/float64(len(ramp)))
		}
	} else {
		return fmt.Errorf("%w: number property %q has neither quantiles nor min and max", ErrNoClasses, st.Name)
	}
	// Strictly increasing; a break at the maximum would leave the class
	// above it empty.
	slices.Sort(breaks)
	breaks = slices.Compact(breaks)
	for len(breaks) > 0 && st.Max != nil && breaks[len(breaks)-1] >= *st.Max {
		breaks = breaks[:len(breaks)-1]
	}
	s.Breaks = breaks
	colors := spread(len(breaks) + 1)
	if len(breaks) == 0 {
		label := "all values"
		if st.Min != nil && st.Max != nil {
			label = formatNumber(*st.Min)
			if *st.Min != *st.Max {
				label += " – " + formatNumber(*st.Max)
			}
		}
		s.Legend = append(s.Legend, Entry{Label: label, Color: colors[0]})
		return nil
	}
	// Open at both ends: an aggregation tileset's coarser zooms sum more
	// points per cell than the stats saw.
	for k := range len(breaks) + 1 {
		var label string
		switch {
		case k == 0:
			label = "≤ " + formatNumber(breaks[0])
		case k == len(breaks):
			label = "> " + formatNumber(breaks[k-1])
		default:
			label = formatNumber(breaks[k-1]) + " – " + formatNumber(breaks[k])
		}
		s.Legend = append(s.Legend, Entry{Label: label, Color: colors[k]})
	}
	return nil
}

// pickQuantiles takes the breaks for as many buckets as the ramp has
// colours, or the nearest count there is (fewer first). A list may hold
// the n-1 breaks or, as some tilers write, n+1 values from min to max.
func pickQuantiles(q map[int][]float64) []float64 {
	var counts []int
	for n, b := range q {
		if n >= 2 && (len(b) == n-1 || len(b) == n+1) {
			counts = append(counts, n)
		}
	}
	if len(counts) == 0 {
		return nil
	}
	want := len(ramp)
	slices.SortFunc(counts, func(a, b int) int {
		da, db := abs(a-want), abs(b-want)
		return cmp.Or(cmp.Compare(da, db), cmp.Compare(a, b))
	})
	n := counts[0]
	b := slices.Clone(q[n])
	if len(b) == n+1 {
		b = b[1:n]
	}
	for _, v := range b {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
	}
	return b
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func (s *Style) categoryStats(st Stats) error {
	cats := slices.Clone(st.Categories)
	if len(cats) == 0 {
		return fmt.Errorf("%w: text property %q has no categories", ErrNoClasses, st.Name)
	}
	slices.SortStableFunc(cats, func(a, b Category) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Value, b.Value))
	})
	var listed, shown int64
	for _, c := range cats {
		listed += c.Count
	}
	// All the values are listed when their counts add up to the features
	// with a value; otherwise some fall under "other".
	complete := st.Count > 0 && listed >= st.Count
	for k, c := range cats {
		if k == len(categorical) {
			if complete && len(cats) == k+1 { // exactly one more: its own colour
				s.Categories = append(s.Categories, c.Value)
				s.Legend = append(s.Legend, Entry{Label: c.Value, Color: otherColor})
				shown += c.Count
			}
			break
		}
		s.Categories = append(s.Categories, c.Value)
		s.Legend = append(s.Legend, Entry{Label: c.Value, Color: categorical[k]})
		shown += c.Count
	}
	if !complete || shown < listed {
		i := len(s.Legend)
		s.Other = &i
		s.Legend = append(s.Legend, Entry{Label: "other values", Color: otherColor})
	}
	return nil
}

// ClassOf is the legend entry of a feature whose property value is v (as
// decoded from a vector tile: a number, string, bool, or nil when the
// feature lacks it), or -1 for no entry. It follows the same rules as the
// view's script.
func (s *Style) ClassOf(v any) int {
	if v == nil {
		return deref(s.NoValue)
	}
	switch s.Kind {
	case Numeric:
		f, ok := tileNumber(v)
		if !ok {
			return deref(s.NoValue)
		}
		for k, b := range s.Breaks {
			if f <= b {
				return k
			}
		}
		return len(s.Breaks)
	case Categorical:
		if i := slices.Index(s.Categories, tileText(v)); i >= 0 {
			return i
		}
		return deref(s.Other)
	}
	return -1
}

// For is the style with Classes set for fc's features, by value (for the
// picture of a tileset, whose features come from its tiles).
func (s *Style) For(fc *geojson.FeatureCollection) *Style {
	if !s.ByValue {
		return s
	}
	out := *s
	out.Classes = make([]int, len(fc.Features))
	for i, f := range fc.Features {
		out.Classes[i] = s.ClassOf(f.Properties[s.ColorBy])
	}
	return &out
}

func deref(p *int) int {
	if p == nil {
		return -1
	}
	return *p
}

func tileNumber(v any) (float64, bool) {
	var f float64
	switch n := v.(type) {
	case float64:
		f = n
	case float32:
		f = float64(n)
	case int64:
		f = float64(n)
	case uint64:
		f = float64(n)
	case int:
		f = float64(n)
	default:
		return 0, false
	}
	return f, !math.IsNaN(f)
}

// tileText writes v as the view's String(v) does.
func tileText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	}
	if f, ok := tileNumber(v); ok {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

package tiler

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
)

// Source holds the features of one tileset, projected to Web Mercator, with
// the statistics the metadata reports. Memory grows with the features (the
// input), never with the tiles: Tile streams those one at a time.
//
// Features are kept compact: a point is two float64 (no orb.Geometry), and
// property values live in one column per property (numbers as float64,
// text interned, booleans as bytes), shared by the parts of a collection.
type Source struct {
	props []Property
	cols  []column
	rows  int32 // rows in the columns
	feats []feature
	stats []attrStats

	bound    orb.Bound // lon/lat, of the clamped input
	hasBound bool
	kinds    map[string]int64
	skipped  int64 // rows with a NULL or empty geometry
}

type feature struct {
	g    orb.Geometry // Web Mercator, unit square (see project); nil for a point at (x, y)
	x, y float64
	id   uint64 // the input row number, the MVT feature id
	row  int32  // the row of its property values in Source.cols
}

// bound is the feature's bounding box in the unit square.
func (f *feature) bound() orb.Bound {
	if f.g == nil {
		p := orb.Point{f.x, f.y}
		return orb.Bound{Min: p, Max: p}
	}
	return f.g.Bound()
}

// column holds one property's values, one per row.
type column struct {
	nums  []float64 // Number: NaN is NULL
	ids   []int32   // String: index in strs; Boolean: 0 or 1; -1 is NULL
	strs  []string
	index map[string]int32
}

// value is the MVT values-table key of the column's value at row.
func (c *column) value(t PropertyType, row int32) (valueKey, bool) {
	switch t {
	case Number:
		return numberKey(c.nums[row])
	case String:
		if id := c.ids[row]; id >= 0 {
			return valueKey{kind: valString, s: c.strs[id]}, true
		}
	default:
		if id := c.ids[row]; id >= 0 {
			return boolKey(id == 1), true
		}
	}
	return valueKey{}, false
}

func (c *column) add(t PropertyType, v any) {
	switch t {
	case Number:
		f := math.NaN()
		switch n := v.(type) {
		case int64:
			f = float64(n)
		case float64:
			f = n
		}
		c.nums = append(c.nums, f)
	case String:
		id := int32(-1)
		if s, ok := v.(string); ok {
			var seen bool
			if id, seen = c.index[s]; !seen {
				if c.index == nil {
					c.index = map[string]int32{}
				}
				id = int32(len(c.strs))
				c.strs = append(c.strs, s)
				c.index[s] = id
			}
		}
		c.ids = append(c.ids, id)
	default:
		id := int32(-1)
		if b, ok := v.(bool); ok {
			id = 0
			if b {
				id = 1
			}
		}
		c.ids = append(c.ids, id)
	}
}

// attrStats are one property's tilestats.
type attrStats struct {
	count         int64
	min, max, sum float64
	cats          map[string]int64
	// nums are a Number property's values, for the quantiles; filled only
	// where the values are not kept anyway (see Source.Metadata).
	nums []float64
}

// maxCategories bounds the distinct values counted per String/Boolean
// property, so a unique-id column cannot make the stats as big as the data.
const maxCategories = 1000

// NewSource starts an empty source whose features carry props.
func NewSource(props []Property) *Source {
	s := &Source{props: props, cols: make([]column, len(props)), stats: make([]attrStats, len(props)), kinds: map[string]int64{}}
	for i := range s.stats {
		s.stats[i].min, s.stats[i].max = math.Inf(1), math.Inf(-1)
	}
	return s
}

// Properties are the source's properties, in tile order.
func (s *Source) Properties() []Property { return s.props }

// Len is the number of features added (a collection counts its members).
func (s *Source) Len() int { return len(s.feats) }

// value is the encoder's view of the columns.
func (s *Source) value(row int32, col int) (valueKey, bool) {
	return s.cols[col].value(s.props[col].Type, row)
}

// Add adds one input row: its geometry (lon/lat, EPSG:4326; nil or empty
// skips the row) and its property values, aligned with the properties. A
// geometry that cannot be tiled, or a value that does not fit its type, is
// an *Error naming the row.
func (s *Source) Add(row int64, g orb.Geometry, values []any) error {
	if g == nil || isEmpty(g) {
		s.skipped++
		return nil
	}
	if err := checkGeometry(g); err != nil {
		return errorf("input row %d: the geometry %v; fix or filter it out in the input query (e.g. WHERE a valid-range check)", row, err)
	}
	if s.rows == math.MaxInt32 {
		return errorf("input row %d: a tileset takes at most %d rows; filter or split the input", row, math.MaxInt32)
	}
	var converted [8]any
	props := converted[:0]
	for i, p := range s.props {
		v, err := convertValue(p.Type, values[i])
		if err != nil {
			return errorf("input row %d: property %q: %v", row, p.Name, err)
		}
		props = append(props, v)
	}
	for i, p := range s.props {
		s.cols[i].add(p.Type, props[i])
		s.stats[i].add(p.Type, props[i])
	}
	r := s.rows
	s.rows++
	for _, part := range splitCollection(g) {
		if isEmpty(part) {
			continue
		}
		b := part.Bound()
		b.Min[1] = math.Max(-MaxLatitude, math.Min(MaxLatitude, b.Min[1]))
		b.Max[1] = math.Max(-MaxLatitude, math.Min(MaxLatitude, b.Max[1]))
		if s.hasBound {
			s.bound = s.bound.Union(b)
		} else {
			s.bound, s.hasBound = b, true
		}
		s.kinds[geometryKind(part)]++
		f := feature{id: uint64(row), row: r}
		if p, ok := part.(orb.Point); ok {
			p = project(p)
			f.x, f.y = p[0], p[1]
		} else {
			f.g = transform(part, project)
		}
		s.feats = append(s.feats, f)
	}
	return nil
}

func isEmpty(g orb.Geometry) bool {
	switch g := g.(type) {
	case orb.MultiPoint:
		return len(g) == 0
	case orb.LineString:
		return len(g) == 0
	case orb.MultiLineString:
		return len(g) == 0
	case orb.Polygon:
		return len(g) == 0
	case orb.MultiPolygon:
		return len(g) == 0
	case orb.Collection:
		return len(g) == 0
	case orb.Point:
		return math.IsNaN(g[0]) && math.IsNaN(g[1])
	}
	return false
}

// convertValue turns a warehouse value into the MVT value of a property of
// type t: Number as int64 when integral (float64 otherwise), String as
// string, Boolean as bool; nil stays nil (the property is left out of that
// feature, as MVT has no null).
func convertValue(t PropertyType, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch t {
	case Number:
		f, ok := toFloat(v)
		if !ok {
			return nil, fmt.Errorf("%v (%T) is not a number; declare it \"String\" in options.properties, or cast it", v, v)
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, nil
		}
		if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return int64(f), nil
		}
		return f, nil
	case Boolean:
		switch b := v.(type) {
		case bool:
			return b, nil
		case string:
			if p, err := strconv.ParseBool(b); err == nil {
				return p, nil
			}
		}
		return nil, fmt.Errorf("%v (%T) is not a boolean; declare it \"String\" or \"Number\" in options.properties", v, v)
	}
	return toString(v), nil
}

func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int8:
		return float64(n), true
	case int16:
		return float64(n), true
	case int32:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint:
		return float64(n), true
	case uint8:
		return float64(n), true
	case uint16:
		return float64(n), true
	case uint32:
		return float64(n), true
	case uint64:
		return float64(n), true
	case float32:
		return float64(n), true
	case float64:
		return n, true
	case *big.Int:
		f, _ := new(big.Float).SetInt(n).Float64()
		return f, true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
		return f, err == nil
	case interface{ Float64() float64 }: // duckdb.Decimal
		return n.Float64(), true
	}
	return 0, false
}

func toString(v any) string {
	switch s := v.(type) {
	case string:
		return s
	case []byte:
		return string(s)
	case time.Time:
		return s.UTC().Format(time.RFC3339Nano)
	case bool:
		return strconv.FormatBool(s)
	case fmt.Stringer:
		return s.String()
	}
	if f, ok := toFloat(v); ok {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	if b, err := json.Marshal(v); err == nil {
		return string(b)
	}
	return fmt.Sprint(v)
}

func (a *attrStats) add(t PropertyType, v any) {
	if v == nil {
		return
	}
	a.count++
	if t == Number {
		f, _ := toFloat(v)
		a.min, a.max, a.sum = math.Min(a.min, f), math.Max(a.max, f), a.sum+f
		return
	}
	key := fmt.Sprint(v)
	if a.cats == nil {
		a.cats = map[string]int64{}
	}
	if _, ok := a.cats[key]; ok || len(a.cats) < maxCategories {
		a.cats[key]++
	}
}

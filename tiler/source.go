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
type Source struct {
	props []Property
	feats []feature
	stats []attrStats

	bound    orb.Bound // lon/lat, of the clamped input
	hasBound bool
	kinds    map[string]int64
	skipped  int64 // rows with a NULL or empty geometry
}

type feature struct {
	g     orb.Geometry // Web Mercator, unit square (see project)
	props []any        // aligned with Source.props; nil entries are omitted
	id    uint64       // the input row number, the MVT feature id
}

// attrStats are one property's tilestats.
type attrStats struct {
	count         int64
	min, max, sum float64
	cats          map[string]int64
}

// maxCategories bounds the distinct values counted per String/Boolean
// property, so a unique-id column cannot make the stats as big as the data.
const maxCategories = 1000

// NewSource starts an empty source whose features carry props.
func NewSource(props []Property) *Source {
	s := &Source{props: props, stats: make([]attrStats, len(props)), kinds: map[string]int64{}}
	for i := range s.stats {
		s.stats[i].min, s.stats[i].max = math.Inf(1), math.Inf(-1)
	}
	return s
}

// Properties are the source's properties, in tile order.
func (s *Source) Properties() []Property { return s.props }

// Len is the number of features added (a collection counts its members).
func (s *Source) Len() int { return len(s.feats) }

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
	var props []any
	if len(s.props) > 0 {
		props = make([]any, len(s.props))
		for i, p := range s.props {
			v, err := convertValue(p.Type, values[i])
			if err != nil {
				return errorf("input row %d: property %q: %v", row, p.Name, err)
			}
			props[i] = v
			s.stats[i].add(p.Type, v)
		}
	}
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
		s.feats = append(s.feats, feature{g: transform(part, project), props: props, id: uint64(row)})
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

package tiler

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/bits"
	"regexp"
	"slices"
	"strings"

	"github.com/carto-mcp/carto-mcp/quadbin"
)

// Placement is where an aggregation cell's feature goes
// (aggregation_placement).
type Placement string

// CARTO's aggregation placements.
const (
	CellCentroid     Placement = "cell-centroid"     // a point at the cell's centre
	CellPolygon      Placement = "cell"              // the cell's square
	FeaturesAny      Placement = "features-any"      // one of the cell's points (the first in input order)
	FeaturesCentroid Placement = "features-centroid" // the mean longitude/latitude of the cell's points
)

var placements = []Placement{CellCentroid, CellPolygon, FeaturesAny, FeaturesCentroid}

// AggFunc is an aggregate function of a property formula.
type AggFunc string

// The aggregate functions the local tiler computes.
const (
	Count AggFunc = "COUNT"
	Sum   AggFunc = "SUM"
	Avg   AggFunc = "AVG"
	Min   AggFunc = "MIN"
	Max   AggFunc = "MAX"
)

// supportedFormulas is said in every refusal of a formula.
const supportedFormulas = "COUNT(*), COUNT(column), SUM(column), AVG(column), MIN(column) or MAX(column)"

// AggregateProperty is one property of an aggregation tileset: Func over
// Column ("" for COUNT(*)), with SQL's semantics (NULLs ignored; SUM, AVG,
// MIN and MAX of no values are NULL, and the property is left out of that
// cell's feature).
type AggregateProperty struct {
	Name    string
	Type    PropertyType // Number, or String (the value as text)
	Func    AggFunc
	Column  string
	Formula string // as written
}

// Aggregation holds the options of CREATE_POINT_AGGREGATION_TILESET.
type Aggregation struct {
	// Resolution: the cells of zoom z are the quadbin cells (quadkey
	// tiles) of level z + Resolution, 4^Resolution per tile.
	Resolution int
	Placement  Placement
	Properties []AggregateProperty
	// SinglePoint are single_point_properties: source columns a cell's
	// feature carries only when the cell holds exactly one point (that
	// point's values); cells of two or more points leave them out, as
	// NULL. In the tiles and the metadata they follow Properties.
	SinglePoint []Property
	// Order sorts a tile's features (tile_feature_order over properties
	// and single-point properties).
	Order []OrderKey
}

// OrderKey is one key of tile_feature_order.
type OrderKey struct {
	Property int // index in Properties, then in SinglePoint (len(Properties)+j)
	Desc     bool
}

// aggregationKeys are CREATE_POINT_AGGREGATION_TILESET's options (CARTO's
// BigQuery and PostgreSQL documentation).
var aggregationKeys = []string{
	"geom_column", "zoom_min", "zoom_max", "aggregation_type", "aggregation_resolution", "aggregation_placement",
	"properties", "metadata", "tile_extent", "tile_buffer", "max_tile_size_kb", "max_tile_features",
	"max_tile_size_strategy", "tile_feature_order", "target_tilestats", "single_point_properties",
}

// ParsePointAggregationOptions reads CREATE_POINT_AGGREGATION_TILESET's
// options JSON. Defaults: geom_column "geom", zoom 0-12 (as
// CREATE_SIMPLE_TILESET here), aggregation_resolution 6,
// aggregation_placement "cell-centroid", tile_buffer 0 (always: cells never
// cross tile edges), tile_extent 4096, max_tile_size_kb 1024,
// strategy throw_error. Properties are {"name": {"formula": "SUM(col)",
// "type": "Number"}}; the formulas are COUNT, SUM, AVG, MIN and MAX of one
// column (or COUNT(*)). single_point_properties are {"column": "Number" |
// "String" | "Boolean"}, written only in cells of one point.
func ParsePointAggregationOptions(raw string) (Options, error) {
	o := defaults()
	o.TileBuffer = 0
	agg := &Aggregation{Resolution: 6, Placement: CellCentroid}
	o.Aggregation = agg
	fields, err := objectFields(raw, aggregationKeys, "CREATE_POINT_AGGREGATION_TILESET")
	if err != nil {
		return o, err
	}
	var order string
	for _, k := range sortedKeys(fields) {
		v := fields[k]
		switch k {
		case "aggregation_type":
			var s string
			if decodeString(k, v, &s) != nil || !strings.EqualFold(s, "quadkey") {
				err = errorf(`options.aggregation_type must be "quadkey" (the only aggregation CARTO's tiler has), got %s`, v)
			}
		case "aggregation_resolution":
			err = decodeInt(k, v, 0, quadbin.MaxResolution, &agg.Resolution)
		case "aggregation_placement":
			var s string
			_ = json.Unmarshal(v, &s)
			if i := slices.IndexFunc(placements, func(p Placement) bool { return strings.EqualFold(string(p), s) }); i >= 0 {
				agg.Placement = placements[i]
			} else {
				err = errorf(`options.aggregation_placement must be "cell-centroid", "cell", "features-any" or "features-centroid", got %s`, v)
			}
		case "properties":
			agg.Properties, err = decodeAggregateProperties(v)
		case "single_point_properties":
			agg.SinglePoint, err = decodeProperties(k, v)
		case "tile_buffer":
			if err = decodeInt(k, v, 0, 0, &o.TileBuffer); err != nil {
				err = errorf("options.tile_buffer must be 0 in a point aggregation tileset (cells never cross tile edges), got %s; leave it out", v)
			}
		case "tile_feature_order":
			err = decodeString(k, v, &order)
		default:
			err = decodeSharedOption(k, v, &o)
		}
		if err != nil {
			return o, err
		}
	}
	if err := o.check(); err != nil {
		return o, err
	}
	if lvl := o.ZoomMax + agg.Resolution; lvl > quadbin.MaxResolution {
		return o, errorf("zoom_max (%d) + aggregation_resolution (%d) = %d is beyond the finest quadbin cells (level %d): lower one of them",
			o.ZoomMax, agg.Resolution, lvl, quadbin.MaxResolution)
	}
	if px := bits.TrailingZeros(uint(o.TileExtent)); agg.Placement == CellPolygon && agg.Resolution > px {
		return o, errorf(`with aggregation_placement "cell", aggregation_resolution (%d) must be at most %d for tile_extent %d, or cells are smaller than a tile pixel`,
			agg.Resolution, px, o.TileExtent)
	}
	if err := checkSinglePoint(agg, o.GeomColumn); err != nil {
		return o, err
	}
	agg.Order, err = parseFeatureOrder(order, agg.names())
	return o, err
}

// checkSinglePoint refuses single_point_properties that would collide in
// a cell's feature: a name an aggregated property already has (MVT keys and
// the metadata's fields are one namespace; compared case-insensitively, as
// the warehouses fold column names) or the geometry column.
func checkSinglePoint(agg *Aggregation, geomColumn string) error {
	for _, sp := range agg.SinglePoint {
		if strings.EqualFold(sp.Name, geomColumn) {
			return errorf("options.single_point_properties lists the geometry column %q; list only attribute columns "+
				"(the cell's feature already has its point)", sp.Name)
		}
		i := slices.IndexFunc(agg.Properties, func(p AggregateProperty) bool { return strings.EqualFold(p.Name, sp.Name) })
		if i >= 0 {
			return errorf("options.single_point_properties.%s has the name of the aggregated property options.properties.%s (%s): "+
				"a cell's feature cannot carry two values under one name; rename the aggregated property (e.g. %q), "+
				"or leave %s out of single_point_properties",
				sp.Name, agg.Properties[i].Name, agg.Properties[i].Formula, agg.Properties[i].Name+"_agg", sp.Name)
		}
	}
	return nil
}

// names are the property names of a cell's feature: the aggregated ones,
// then the single-point ones.
func (agg *Aggregation) names() []string {
	names := make([]string, 0, len(agg.Properties)+len(agg.SinglePoint))
	for _, p := range agg.Properties {
		names = append(names, p.Name)
	}
	for _, p := range agg.SinglePoint {
		names = append(names, p.Name)
	}
	return names
}

// decodeAggregateProperties reads {"name": {"formula": "...", "type": "Number"}, ...}
// in the order the JSON lists them.
func decodeAggregateProperties(v json.RawMessage) ([]AggregateProperty, error) {
	dec := json.NewDecoder(bytes.NewReader(v))
	bad := errorf(`options.properties must be an object of property names to {"formula": ..., "type": ...}, like `+
		`{"total": {"formula": "COUNT(*)", "type": "Number"}, "revenue": {"formula": "SUM(revenue)", "type": "Number"}}; got %s`, v)
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, bad
	}
	var props []AggregateProperty
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, bad
		}
		name := t.(string)
		var def struct {
			Formula *string `json:"formula"`
			Type    *string `json:"type"`
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, bad
		}
		if json.Unmarshal(raw, &def) != nil || def.Formula == nil {
			return nil, errorf(`options.properties.%s must be {"formula": "<aggregate>", "type": "Number"} with formula one of %s; got %s`,
				name, supportedFormulas, raw)
		}
		p, err := parseFormula(name, *def.Formula)
		if err != nil {
			return nil, err
		}
		p.Type = Number
		if def.Type != nil {
			pt, ok := parseType(*def.Type)
			if !ok || pt == Boolean {
				return nil, errorf(`options.properties.%s has type %q; an aggregate is "Number" (or "String" for its value as text)`, name, *def.Type)
			}
			p.Type = pt
		}
		if slices.ContainsFunc(props, func(q AggregateProperty) bool { return q.Name == name }) {
			return nil, errorf("options.properties lists %q twice", name)
		}
		props = append(props, p)
	}
	return props, nil
}

var formulaRE = regexp.MustCompile(`(?i)^\s*(count|sum|avg|min|max)\s*\(\s*(\*|"(?:[^"]|"")+"|[\p{L}_][\p{L}\p{N}_$]*)\s*\)\s*$`)

// parseFormula reads one aggregate formula: COUNT(*), or COUNT, SUM, AVG,
// MIN or MAX of one column (plain or "quoted").
func parseFormula(name, formula string) (AggregateProperty, error) {
	m := formulaRE.FindStringSubmatch(formula)
	if m == nil {
		return AggregateProperty{}, errorf("options.properties.%s: formula %q is not supported on the local warehouse; use one of %s "+
			"(for anything else, compute a column in the input query and aggregate that)", name, formula, supportedFormulas)
	}
	p := AggregateProperty{Name: name, Func: AggFunc(strings.ToUpper(m[1])), Column: m[2], Formula: formula}
	switch {
	case p.Column == "*":
		if p.Func != Count {
			return p, errorf("options.properties.%s: %s(*) is not an aggregate; only COUNT takes *, use %s(column)", name, p.Func, p.Func)
		}
		p.Column = ""
	case strings.HasPrefix(p.Column, `"`):
		p.Column = strings.ReplaceAll(p.Column[1:len(p.Column)-1], `""`, `"`)
	}
	return p, nil
}

// parseFeatureOrder reads tile_feature_order for an aggregation tileset:
// property names, each optionally ASC or DESC, comma separated (CARTO:
// "you can only use columns defined as properties"). names are the
// aggregated properties' then the single-point ones': CARTO's docs do not
// say whether the latter may order a tile; they are properties of the
// cells, so they can (NULL, in cells of several points, sorts as NULL).
func parseFeatureOrder(order string, names []string) ([]OrderKey, error) {
	if strings.TrimSpace(order) == "" {
		return nil, nil
	}
	var keys []OrderKey
	for _, part := range strings.Split(order, ",") {
		words := strings.Fields(part)
		bad := errorf("options.tile_feature_order %q: in a point aggregation tileset it orders by properties: "+
			"list property names, each optionally ASC or DESC, like \"%s DESC\"; the properties are %s",
			order, firstOr(names, "total"), strings.Join(names, ", "))
		if len(words) == 0 || len(words) > 2 {
			return nil, bad
		}
		k := OrderKey{Property: slices.IndexFunc(names, func(n string) bool {
			return strings.EqualFold(n, strings.Trim(words[0], `"`))
		})}
		if k.Property < 0 {
			return nil, bad
		}
		if len(words) == 2 {
			switch strings.ToUpper(words[1]) {
			case "DESC":
				k.Desc = true
			case "ASC":
			default:
				return nil, bad
			}
		}
		keys = append(keys, k)
	}
	return keys, nil
}

func firstOr(s []string, def string) string {
	if len(s) > 0 {
		return s[0]
	}
	return def
}

// String is the formula as a short description, for errors.
func (p AggregateProperty) String() string {
	col := p.Column
	if col == "" {
		col = "*"
	}
	return fmt.Sprintf("%s(%s)", p.Func, col)
}

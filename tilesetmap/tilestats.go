package tilesetmap

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/carto-mcp/carto-mcp/mapstyle"
)

// Tilestats are a TileJSON's "tilestats" (CARTO's tilers write them in the
// tileset's metadata row): per layer, its features and per property their
// count, range, quantiles and most frequent values, where the tiler
// computed them.
type Tilestats struct {
	Layers []LayerStats `json:"layers"`
}

// LayerStats are one layer's tilestats.
type LayerStats struct {
	Layer      string           `json:"layer"`
	Count      int64            `json:"count"`
	Geometry   string           `json:"geometry"`
	Attributes []AttributeStats `json:"attributes"`
}

// AttributeStats are one property's tilestats. Type is "Number", "String"
// or "Boolean" (CARTO's property types).
type AttributeStats struct {
	Attribute  string                     `json:"attribute"`
	Type       string                     `json:"type"`
	Count      *int64                     `json:"count"`
	Min        *float64                   `json:"min"`
	Max        *float64                   `json:"max"`
	Quantiles  map[string]json.RawMessage `json:"quantiles"`
	Categories []struct {
		Category  json.RawMessage `json:"category"`
		Frequency int64           `json:"frequency"`
	} `json:"categories"`
}

// ParseTilestats reads a TileJSON's tilestats; an unreadable value reads as
// none (the tilestats are optional).
func ParseTilestats(raw json.RawMessage) Tilestats {
	var ts Tilestats
	if len(raw) > 0 {
		if json.Unmarshal(raw, &ts) != nil {
			return Tilestats{}
		}
	}
	return ts
}

// Attribute finds property name's stats in any layer, with its layer's
// feature count.
func (ts Tilestats) Attribute(name string) (AttributeStats, int64, bool) {
	for _, l := range ts.Layers {
		for _, a := range l.Attributes {
			if a.Attribute == name {
				return a, l.Count, true
			}
		}
	}
	return AttributeStats{}, 0, false
}

// Style is what mapstyle needs from the property's stats; numeric says
// how the tileset's fields type it (the stats' own type wins when set).
// Features default to the layer's count; without a count of values they
// are taken to all have one (no "no value" class is promised).
func (a AttributeStats) Style(numeric bool, features int64) mapstyle.Stats {
	if a.Type != "" {
		numeric = strings.EqualFold(a.Type, "Number")
	}
	st := mapstyle.Stats{Name: a.Attribute, Numeric: numeric, Min: a.Min, Max: a.Max}
	if a.Count != nil && features > 0 {
		st.Features, st.Count = features, *a.Count
	}
	for k, raw := range a.Quantiles {
		n, err := strconv.Atoi(k)
		var breaks []float64
		if err != nil || json.Unmarshal(raw, &breaks) != nil {
			continue // a form we do not know: not guessed at
		}
		if st.Quantiles == nil {
			st.Quantiles = map[int][]float64{}
		}
		st.Quantiles[n] = breaks
	}
	for _, c := range a.Categories {
		var s string
		if json.Unmarshal(c.Category, &s) != nil {
			s = string(c.Category) // a number or boolean, as written
		}
		st.Categories = append(st.Categories, mapstyle.Category{Value: s, Count: c.Frequency})
	}
	return st
}

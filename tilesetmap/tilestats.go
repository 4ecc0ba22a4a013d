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
// computed them. Tilers differ in the details, so each property's stats
// are read only when asked for, and one that does not read as expected
// spoils neither the others nor the layer's count.
type Tilestats struct {
	Layers []LayerStats `json:"layers"`
}

// LayerStats are one layer's tilestats.
type LayerStats struct {
	Layer      string            `json:"layer"`
	Count      int64             `json:"count"`
	Geometry   string            `json:"geometry"`
	Attributes []json.RawMessage `json:"attributes"`
}

// AttributeStats are one property's tilestats. Type is "Number", "String"
// or "Boolean" (CARTO's property types).
type AttributeStats struct {
	Attribute  string          `json:"attribute"`
	Type       string          `json:"type"`
	Count      *float64        `json:"count"`
	Min        *float64        `json:"min"`
	Max        *float64        `json:"max"`
	Quantiles  json.RawMessage `json:"quantiles"`
	Categories []struct {
		Category  json.RawMessage `json:"category"`
		Frequency float64         `json:"frequency"`
	} `json:"categories"`
}

// ParseTilestats reads a TileJSON's tilestats; an unreadable value reads as
// none (the tilestats are optional).
func ParseTilestats(raw json.RawMessage) Tilestats {
	var ts Tilestats
	if len(raw) > 0 {
		if json.Unmarshal(raw, &ts) != nil {
			var counts struct {
				Layers []struct {
					Layer    string `json:"layer"`
					Count    int64  `json:"count"`
					Geometry string `json:"geometry"`
				} `json:"layers"`
			}
			if json.Unmarshal(raw, &counts) != nil {
				return Tilestats{}
			}
			ts = Tilestats{}
			for _, l := range counts.Layers {
				ts.Layers = append(ts.Layers, LayerStats{Layer: l.Layer, Count: l.Count, Geometry: l.Geometry})
			}
		}
	}
	return ts
}

// Attribute finds property name's stats in any layer, with its layer's
// feature count; stats that do not read are not found.
func (ts Tilestats) Attribute(name string) (AttributeStats, int64, bool) {
	for _, l := range ts.Layers {
		for _, raw := range l.Attributes {
			var head struct {
				Attribute string `json:"attribute"`
			}
			if json.Unmarshal(raw, &head) != nil || head.Attribute != name {
				continue
			}
			var a AttributeStats
			if json.Unmarshal(raw, &a) != nil {
				return AttributeStats{}, 0, false
			}
			return a, l.Count, true
		}
	}
	return AttributeStats{}, 0, false
}

// Style is what mapstyle needs from the property's stats; numeric says
// how the tileset's fields type it (the stats' own type wins when set).
// Features default to the layer's count; without a count of values they
// are taken to all have one (no "no value" class is promised). Quantiles
// in a form other than {"<buckets>": [breaks]} are left out, not guessed
// at.
func (a AttributeStats) Style(numeric bool, features int64) mapstyle.Stats {
	if a.Type != "" {
		numeric = strings.EqualFold(a.Type, "Number")
	}
	st := mapstyle.Stats{Name: a.Attribute, Numeric: numeric, Min: a.Min, Max: a.Max}
	if a.Count != nil && features > 0 {
		st.Features, st.Count = features, int64(*a.Count)
	}
	var quantiles map[string]json.RawMessage
	_ = json.Unmarshal(a.Quantiles, &quantiles) // another form: none
	for k, raw := range quantiles {
		n, err := strconv.Atoi(k)
		var breaks []float64
		if err != nil || json.Unmarshal(raw, &breaks) != nil {
			continue
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
		st.Categories = append(st.Categories, mapstyle.Category{Value: s, Count: int64(c.Frequency)})
	}
	return st
}

package tiler

import (
	"cmp"
	"encoding/json"
	"maps"
	"math"
	"slices"
	"strconv"

	"github.com/paulmach/orb"
)

// TileJSON-ish metadata, as the z = -1 row of CARTO's tilesets holds it:
// CARTO's keys (bounds and center as strings, zmin/zmax, tilestats) plus the
// TileJSON ones (minzoom, maxzoom, vector_layers) the Maps API serves.
type metadataJSON struct {
	Name          string                     `json:"name"`
	Description   string                     `json:"description"`
	Legend        string                     `json:"legend,omitempty"`
	Bounds        string                     `json:"bounds"`
	Center        string                     `json:"center"`
	ZMin          int                        `json:"zmin"`
	ZMax          int                        `json:"zmax"`
	MinZoom       int                        `json:"minzoom"`
	MaxZoom       int                        `json:"maxzoom"`
	TileExtent    int                        `json:"tile_extent"`
	TileBuffer    int                        `json:"tile_buffer"`
	Compression   string                     `json:"compression"`
	Format        string                     `json:"format"`
	Tiles         int64                      `json:"num_tiles"`
	TilesPerZoom  map[string]int64           `json:"tiles_per_zoom"`
	NullTiles     int64                      `json:"null_tiles,omitempty"`
	Dropped       []float64                  `json:"fraction_dropped_per_zoom"`
	MaxTileBytes  int                        `json:"max_tile_size_bytes"`
	Strategy      Strategy                   `json:"max_tile_size_strategy"`
	VectorLayers  []vectorLayer              `json:"vector_layers"`
	Tilestats     tilestats                  `json:"tilestats"`
	ExtraMetadata map[string]json.RawMessage `json:"extra_metadata,omitempty"`
	Aggregation   *aggregationJSON           `json:"aggregation,omitempty"`
}

// aggregationJSON describes a point aggregation tileset's cells.
type aggregationJSON struct {
	Type       string        `json:"type"`
	Resolution int           `json:"resolution"`
	Placement  Placement     `json:"placement"`
	Points     int64         `json:"points"`
	Formulas   []formulaJSON `json:"properties"`
	// SinglePoint are the single_point_properties, carried by the cells
	// of one point only.
	SinglePoint []propertyJSON `json:"single_point_properties,omitempty"`
}

type propertyJSON struct {
	Name string       `json:"name"`
	Type PropertyType `json:"type"`
}

type formulaJSON struct {
	Name    string       `json:"name"`
	Formula string       `json:"formula"`
	Type    PropertyType `json:"type"`
}

type vectorLayer struct {
	ID           string            `json:"id"`
	MinZoom      int               `json:"minzoom"`
	MaxZoom      int               `json:"maxzoom"`
	Fields       map[string]string `json:"fields"`
	GeometryType string            `json:"geometry_type"`
}

type tilestats struct {
	LayerCount int          `json:"layerCount"`
	Layers     []layerStats `json:"layers"`
}

type layerStats struct {
	Layer          string          `json:"layer"`
	Count          int64           `json:"count"`
	Geometry       string          `json:"geometry"`
	AttributeCount int             `json:"attributeCount"`
	Attributes     []attributeJSON `json:"attributes"`
}

type attributeJSON struct {
	Attribute string       `json:"attribute"`
	Type      PropertyType `json:"type"`
	Count     int64        `json:"count"`
	Min       *float64     `json:"min,omitempty"`
	Max       *float64     `json:"max,omitempty"`
	Sum       *float64     `json:"sum,omitempty"`
	Avg       *float64     `json:"avg,omitempty"`
	// Quantiles are, per number of buckets n (as text: a JSON key), the
	// n-1 breaks between them, CARTO's form: for 3 buckets [b1, b2] puts a
	// third of the values in [min, b1], a third in (b1, b2], the rest above.
	Quantiles  map[string][]float64 `json:"quantiles,omitempty"`
	Categories []categoryJSON       `json:"categories,omitempty"`
}

type categoryJSON struct {
	Category  string `json:"category"`
	Frequency int64  `json:"frequency"`
}

// maxCategoriesReported is how many of a property's most frequent values
// the tilestats list.
const maxCategoriesReported = 100

// The tilestats of a Number property hold its quantiles for 3 to
// maxQuantileBuckets buckets, so a map can colour it in classes that do not
// depend on the tiles in view.
const maxQuantileBuckets = 10

// Metadata is the tileset's metadata JSON, for its z = -1 row.
func (s *Source) Metadata(o Options, res *Result) []byte {
	m := newMetadata(o, res, s.bound, s.hasBound)
	// The quantiles read the values from the columns, which hold them
	// already, rather than from a second copy kept while adding.
	stats := slices.Clone(s.stats)
	for i, p := range s.props {
		if p.Type == Number {
			stats[i].nums = slices.DeleteFunc(slices.Clone(s.cols[i].nums), math.IsNaN)
		}
	}
	m.setLayer(s.geometryType(), int64(len(s.feats)), s.props, stats, !o.NoTilestats)
	out, _ := json.Marshal(m) // plain data: cannot fail
	return out
}

// newMetadata fills what every tileset's metadata has: options, result,
// bounds (b, of the input; the world when !hasBound) and center.
func newMetadata(o Options, res *Result, b orb.Bound, hasBound bool) metadataJSON {
	m := metadataJSON{
		Name:          o.Metadata.Name,
		Description:   o.Metadata.Description,
		Legend:        o.Metadata.Legend,
		ZMin:          res.ZoomMin,
		ZMax:          res.ZoomMax,
		MinZoom:       res.ZoomMin,
		MaxZoom:       res.ZoomMax,
		TileExtent:    o.TileExtent,
		TileBuffer:    o.TileBuffer,
		Compression:   "gzip",
		Format:        "pbf",
		Tiles:         res.Tiles,
		TilesPerZoom:  map[string]int64{},
		NullTiles:     res.NullTiles,
		MaxTileBytes:  res.MaxTileBytes,
		Strategy:      o.Strategy,
		ExtraMetadata: o.Metadata.Extra,
	}
	if !hasBound {
		b.Min, b.Max = [2]float64{-180, -MaxLatitude}, [2]float64{180, MaxLatitude}
	}
	m.Bounds = joinFloats(b.Min[0], b.Min[1], b.Max[0], b.Max[1])
	c := b.Center()
	m.Center = joinFloats(c[0], c[1]) + "," + strconv.Itoa(res.ZoomMin)
	for z, n := range res.TilesPerZoom {
		m.TilesPerZoom[strconv.Itoa(z)] = n
	}
	for z := res.ZoomMin; z <= res.ZoomMax; z++ {
		m.Dropped = append(m.Dropped, res.FractionDropped[z])
	}
	return m
}

// setLayer sets the one layer's vector_layers entry and tilestats: count
// features of geomType with props (stats aligned with them, left out
// unless withStats).
func (m *metadataJSON) setLayer(geomType string, count int64, props []Property, stats []attrStats, withStats bool) {
	fields := map[string]string{}
	ls := layerStats{Layer: LayerName, Count: count, Geometry: geomType}
	for i, p := range props {
		fields[p.Name] = string(p.Type)
		if withStats {
			ls.Attributes = append(ls.Attributes, stats[i].json(p))
		}
	}
	ls.AttributeCount = len(ls.Attributes)
	ls.Attributes = slices.Clip(ls.Attributes)
	if ls.Attributes == nil {
		ls.Attributes = []attributeJSON{}
	}
	m.VectorLayers = []vectorLayer{{ID: LayerName, MinZoom: m.MinZoom, MaxZoom: m.MaxZoom, Fields: fields, GeometryType: geomType}}
	m.Tilestats = tilestats{LayerCount: 1, Layers: []layerStats{ls}}
}

// geometryType is the most common kind of geometry in the source.
func (s *Source) geometryType() string {
	best, n := "Point", int64(-1)
	for _, k := range slices.Sorted(maps.Keys(s.kinds)) {
		if s.kinds[k] > n {
			best, n = k, s.kinds[k]
		}
	}
	return best
}

func (a *attrStats) json(p Property) attributeJSON {
	out := attributeJSON{Attribute: p.Name, Type: p.Type, Count: a.count}
	if p.Type == Number {
		if a.count > 0 {
			avg := a.sum / float64(a.count)
			out.Min, out.Max, out.Sum, out.Avg = &a.min, &a.max, &a.sum, &avg
			out.Quantiles = quantiles(a.nums)
		}
		return out
	}
	for k, n := range a.cats {
		out.Categories = append(out.Categories, categoryJSON{Category: k, Frequency: n})
	}
	slices.SortFunc(out.Categories, func(x, y categoryJSON) int {
		return cmp.Or(cmp.Compare(y.Frequency, x.Frequency), cmp.Compare(x.Category, y.Category))
	})
	if len(out.Categories) > maxCategoriesReported {
		out.Categories = out.Categories[:maxCategoriesReported]
	}
	return out
}

// quantiles are the breaks of nums (unsorted, sorted in place) for 3 to
// maxQuantileBuckets buckets: for n buckets, break k (1..n-1) is the value
// at rank (len-1)*k/n, the rule view_map's classes use for query results.
func quantiles(nums []float64) map[string][]float64 {
	if len(nums) == 0 {
		return nil
	}
	slices.Sort(nums)
	out := make(map[string][]float64, maxQuantileBuckets-2)
	for n := 3; n <= maxQuantileBuckets; n++ {
		breaks := make([]float64, n-1)
		for k := 1; k < n; k++ {
			breaks[k-1] = nums[(len(nums)-1)*k/n]
		}
		out[strconv.Itoa(n)] = breaks
	}
	return out
}

func joinFloats(fs ...float64) string {
	var b []byte
	for i, f := range fs {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendFloat(b, f, 'f', -1, 64)
	}
	return string(b)
}

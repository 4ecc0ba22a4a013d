package tiler

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// PropertyType is the type of a tile property, as CARTO names it in the
// options' "properties" and in the metadata's vector_layers and tilestats.
type PropertyType string

// The property types of CARTO's tiler.
const (
	Number  PropertyType = "Number"
	String  PropertyType = "String"
	Boolean PropertyType = "Boolean"
)

// Strategy is what to do with a tile over max_tile_size_kb or
// max_tile_features (max_tile_size_strategy).
type Strategy string

// The strategies of CARTO's tiler.
const (
	ThrowError   Strategy = "throw_error"
	ReturnNull   Strategy = "return_null"
	DropFraction Strategy = "drop_fraction_as_needed"
)

// Limits of the options. MaxZoom keeps tile coordinates times the extent
// well inside float64's exact integers; MaxTileSizeKB is CARTO's.
const (
	MaxZoom        = 20
	MaxTileSizeKB  = 6144
	DefaultMaxTile = 20_000_000
	// autoTileBudget bounds the tiles CREATE_TILESET plans when it picks
	// zoom_max itself.
	autoTileBudget = 1_000_000
	autoZoomMax    = 15
)

// Property is one column written into the tiles.
type Property struct {
	Name string
	Type PropertyType
}

// Metadata is the options' "metadata": name, description and legend go to
// the TileJSON, anything else to extra_metadata.
type Metadata struct {
	Name        string
	Description string
	Legend      string
	Extra       map[string]json.RawMessage
}

// Options configure a tileset. Build them with ParseSimpleOptions or
// ParseTilesetOptions, which apply CARTO's defaults and check every value.
type Options struct {
	GeomColumn string
	ZoomMin    int
	ZoomMax    int
	// AutoZoomMax picks the highest zoom_max up to 15 whose tiles fit the
	// automatic budget (CREATE_TILESET without zoom_max).
	AutoZoomMax bool
	// Properties are the columns to write, in this order. With
	// AllProperties, every non-geometry column of the input is written
	// with a type inferred from the column (CREATE_TILESET).
	Properties    []Property
	AllProperties bool
	Metadata      Metadata

	TileExtent       int
	TileBuffer       int
	MaxTileSizeKB    int
	MaxTileFeatures  int
	Strategy         Strategy
	TileFeatureOrder string
	// NoTilestats leaves the properties' statistics out of the metadata
	// (target_tilestats false): the layer's count stays.
	NoTilestats bool

	// Aggregation is set for a point aggregation tileset
	// (CREATE_POINT_AGGREGATION_TILESET); Properties is then empty.
	Aggregation *Aggregation

	// MaxTiles bounds the tiles a tileset may have; a zoom_max whose
	// estimate exceeds it is refused up front. Not a JSON option: it is
	// the warehouse's limit (default DefaultMaxTile).
	MaxTiles int64
}

// Error is an options or input problem the caller must fix: the message
// says what to change.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

func errorf(format string, args ...any) error { return &Error{Msg: fmt.Sprintf(format, args...)} }

// simpleKeys are CREATE_SIMPLE_TILESET's options (CARTO's PostgreSQL and
// BigQuery documentation); zoom_min_column, zoom_max_column,
// drop_duplicates and target_partitions are CARTO keys this tiler does not
// implement, refused by name rather than ignored.
var simpleKeys = []string{
	"geom_column", "zoom_min", "zoom_max", "properties", "metadata",
	"tile_extent", "tile_buffer", "max_tile_size_kb", "max_tile_features",
	"max_tile_size_strategy", "tile_feature_order", "target_tilestats",
}

// tilesetKeys are CREATE_TILESET's (BigQuery's STRUCT fields).
var tilesetKeys = []string{
	"name", "description", "legend", "zoom_min", "zoom_max", "geom_column_name",
	"max_tile_size_kb", "tile_feature_order", "extra_metadata",
}

var unsupportedKeys = map[string]string{
	"zoom_min_column":        "per-feature zoom ranges are not implemented on the local warehouse; filter the input per zoom instead",
	"zoom_max_column":        "per-feature zoom ranges are not implemented on the local warehouse; filter the input per zoom instead",
	"drop_duplicates":        "use SELECT DISTINCT in the input query instead",
	"target_partitions":      "the local warehouse does not partition tilesets (BigQuery only)",
	"max_tile_vertices":      "Snowflake/Redshift only; use max_tile_size_kb",
	"aggregation_resolution": "it belongs to CALL carto.CREATE_POINT_AGGREGATION_TILESET, which aggregates points into cells",
	"aggregation_placement":  "it belongs to CALL carto.CREATE_POINT_AGGREGATION_TILESET, which aggregates points into cells",
	"single_point_properties": "it belongs to CALL carto.CREATE_POINT_AGGREGATION_TILESET (a cell's properties when it holds one point); " +
		"in a simple tileset every feature carries options.properties",
}

func defaults() Options {
	return Options{
		GeomColumn:    "geom",
		ZoomMin:       0,
		ZoomMax:       12,
		TileExtent:    4096,
		TileBuffer:    16,
		MaxTileSizeKB: 1024,
		Strategy:      ThrowError,
		MaxTiles:      DefaultMaxTile,
	}
}

// ParseSimpleOptions reads CREATE_SIMPLE_TILESET's options JSON. Defaults
// are CARTO's for PostgreSQL: geom_column "geom", zoom 0-12, tile_extent
// 4096, tile_buffer 16, max_tile_size_kb 1024 (before compression),
// max_tile_features 0 (no limit), strategy throw_error.
func ParseSimpleOptions(raw string) (Options, error) {
	o := defaults()
	fields, err := objectFields(raw, simpleKeys, "CREATE_SIMPLE_TILESET")
	if err != nil {
		return o, err
	}
	for _, k := range sortedKeys(fields) {
		v := fields[k]
		switch k {
		case "properties":
			o.Properties, err = decodeProperties(k, v)
		case "tile_buffer":
			err = decodeInt(k, v, 0, 4096, &o.TileBuffer)
		case "tile_feature_order":
			err = decodeString(k, v, &o.TileFeatureOrder)
		default:
			err = decodeSharedOption(k, v, &o)
		}
		if err != nil {
			return o, err
		}
	}
	return o, o.check()
}

// decodeSharedOption reads an option that CREATE_SIMPLE_TILESET and
// CREATE_POINT_AGGREGATION_TILESET both take, with the same meaning and
// bounds; keys that are not among them are left alone (objectFields has
// already refused unknown ones).
func decodeSharedOption(k string, v json.RawMessage, o *Options) error {
	switch k {
	case "geom_column":
		return decodeName(k, v, &o.GeomColumn)
	case "zoom_min":
		return decodeInt(k, v, 0, MaxZoom, &o.ZoomMin)
	case "zoom_max":
		return decodeInt(k, v, 0, MaxZoom, &o.ZoomMax)
	case "metadata":
		var err error
		o.Metadata, err = decodeMetadata(v)
		return err
	case "tile_extent":
		if err := decodeInt(k, v, 256, 16384, &o.TileExtent); err != nil {
			return err
		}
		if o.TileExtent&(o.TileExtent-1) != 0 {
			return errorf("options.tile_extent must be a power of two from 256 to 16384 (CARTO's default is 4096), got %d", o.TileExtent)
		}
	case "max_tile_size_kb":
		return decodeInt(k, v, 1, MaxTileSizeKB, &o.MaxTileSizeKB)
	case "max_tile_features":
		return decodeInt(k, v, 0, 1<<30, &o.MaxTileFeatures)
	case "max_tile_size_strategy":
		return decodeStrategy(v, &o.Strategy)
	case "target_tilestats":
		var b bool
		if json.Unmarshal(v, &b) != nil {
			return errorf("options.target_tilestats must be true or false")
		}
		o.NoTilestats = !b
	}
	return nil
}

// ParseTilesetOptions reads CREATE_TILESET's options: BigQuery's STRUCT
// fields as a JSON object, or "" / "null" for NULL. CREATE_TILESET picks
// the rest itself: every column becomes a property, zoom_max is the highest
// (up to 15) whose tiles fit a budget of a million, tiles are at most
// 512 KB and over-full tiles drop a fraction of their features (reported
// in the metadata's fraction_dropped_per_zoom).
func ParseTilesetOptions(raw string) (Options, error) {
	o := defaults()
	o.AllProperties = true
	o.AutoZoomMax = true
	o.MaxTileSizeKB = 512
	o.Strategy = DropFraction
	fields, err := objectFields(raw, tilesetKeys, "CREATE_TILESET")
	if err != nil {
		return o, err
	}
	for _, k := range sortedKeys(fields) {
		v := fields[k]
		switch k {
		case "name":
			err = decodeString(k, v, &o.Metadata.Name)
		case "description":
			err = decodeString(k, v, &o.Metadata.Description)
		case "legend":
			err = decodeString(k, v, &o.Metadata.Legend)
		case "zoom_min":
			err = decodeInt(k, v, 0, MaxZoom, &o.ZoomMin)
		case "zoom_max":
			err = decodeInt(k, v, 0, MaxZoom, &o.ZoomMax)
			o.AutoZoomMax = false
		case "geom_column_name":
			err = decodeName(k, v, &o.GeomColumn)
		case "max_tile_size_kb":
			err = decodeInt(k, v, 1, MaxTileSizeKB, &o.MaxTileSizeKB)
		case "tile_feature_order":
			err = decodeString(k, v, &o.TileFeatureOrder)
		case "extra_metadata":
			var s string
			if err = decodeString(k, v, &s); err == nil && strings.TrimSpace(s) != "" {
				var extra map[string]json.RawMessage
				if json.Unmarshal([]byte(s), &extra) != nil {
					err = errorf("options.extra_metadata must be a JSON object in a string, like '{\"source\": \"...\"}'")
				}
				o.Metadata.Extra = extra
			}
		}
		if err != nil {
			return o, err
		}
	}
	if o.AutoZoomMax && o.ZoomMin > autoZoomMax {
		o.AutoZoomMax = false
		o.ZoomMax = o.ZoomMin
	}
	return o, o.check()
}

func (o *Options) check() error {
	if o.ZoomMin > o.ZoomMax && !o.AutoZoomMax {
		return errorf("options.zoom_min (%d) is above zoom_max (%d); set zoom_min <= zoom_max", o.ZoomMin, o.ZoomMax)
	}
	if o.TileBuffer > o.TileExtent {
		return errorf("options.tile_buffer (%d) must not exceed tile_extent (%d); CARTO's default is 16", o.TileBuffer, o.TileExtent)
	}
	for _, p := range o.Properties {
		if strings.EqualFold(p.Name, o.GeomColumn) {
			return errorf("options.properties lists the geometry column %q; list only attribute columns", p.Name)
		}
	}
	return nil
}

// objectFields parses raw as a JSON object ("" and "null" are an empty
// one) and refuses unknown keys by name.
func objectFields(raw string, allowed []string, proc string) (map[string]json.RawMessage, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" || raw == "null" {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	var fields map[string]json.RawMessage
	if err := dec.Decode(&fields); err != nil || dec.More() || fields == nil {
		return nil, errorf("%s options must be a JSON object like '{\"zoom_max\": 10}'; could not parse it: %v", proc, errOr(err, "not an object"))
	}
	for _, k := range sortedKeys(fields) {
		if slices.Contains(allowed, k) {
			continue
		}
		if why, ok := unsupportedKeys[k]; ok {
			return nil, errorf("%s option %q is not supported: %s", proc, k, why)
		}
		return nil, errorf("unknown %s option %q; the options are: %s", proc, k, strings.Join(allowed, ", "))
	}
	return fields, nil
}

func errOr(err error, msg string) string {
	if err != nil {
		return err.Error()
	}
	return msg
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func decodeInt(key string, v json.RawMessage, lo, hi int, dst *int) error {
	var f float64
	if json.Unmarshal(v, &f) != nil || f != float64(int(f)) || int(f) < lo || int(f) > hi {
		return errorf("options.%s must be an integer from %d to %d, got %s", key, lo, hi, v)
	}
	*dst = int(f)
	return nil
}

func decodeString(key string, v json.RawMessage, dst *string) error {
	if json.Unmarshal(v, dst) != nil {
		return errorf("options.%s must be a string, got %s", key, v)
	}
	return nil
}

func decodeName(key string, v json.RawMessage, dst *string) error {
	if err := decodeString(key, v, dst); err != nil {
		return err
	}
	if strings.TrimSpace(*dst) == "" {
		return errorf("options.%s must name a column, got an empty string", key)
	}
	return nil
}

func decodeStrategy(v json.RawMessage, dst *Strategy) error {
	var s string
	_ = json.Unmarshal(v, &s)
	switch st := Strategy(strings.ToLower(s)); st {
	case ThrowError, ReturnNull, DropFraction:
		*dst = st
		return nil
	}
	return errorf("options.max_tile_size_strategy must be %q, %q or %q, got %s", ThrowError, ReturnNull, DropFraction, v)
}

// decodeProperties reads option key's {"column": "Number"|"String"|"Boolean", ...}
// (properties, or single_point_properties); the properties are kept in the
// order the JSON lists them.
func decodeProperties(key string, v json.RawMessage) ([]Property, error) {
	dec := json.NewDecoder(bytes.NewReader(v))
	bad := errorf(`options.%s must be an object of column names to types, like {"name": "String", "revenue": "Number", "open": "Boolean"}; got %s`, key, v)
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, bad
	}
	var props []Property
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, bad
		}
		name := t.(string)
		var typ string
		if err := dec.Decode(&typ); err != nil {
			return nil, bad
		}
		pt, ok := parseType(typ)
		if !ok {
			return nil, errorf("options.%s.%s has type %q; use \"Number\", \"String\" or \"Boolean\"", key, name, typ)
		}
		if slices.ContainsFunc(props, func(p Property) bool { return p.Name == name }) {
			return nil, errorf("options.%s lists %q twice", key, name)
		}
		props = append(props, Property{Name: name, Type: pt})
	}
	return props, nil
}

func parseType(s string) (PropertyType, bool) {
	for _, t := range []PropertyType{Number, String, Boolean} {
		if strings.EqualFold(s, string(t)) {
			return t, true
		}
	}
	return "", false
}

func decodeMetadata(v json.RawMessage) (Metadata, error) {
	var m Metadata
	var fields map[string]json.RawMessage
	if json.Unmarshal(v, &fields) != nil {
		return m, errorf(`options.metadata must be an object like {"name": "...", "description": "...", "legend": "..."}; got %s`, v)
	}
	for k, raw := range fields {
		var err error
		switch k {
		case "name":
			err = decodeString("metadata.name", raw, &m.Name)
		case "description":
			err = decodeString("metadata.description", raw, &m.Description)
		case "legend":
			err = decodeString("metadata.legend", raw, &m.Legend)
		default:
			if m.Extra == nil {
				m.Extra = map[string]json.RawMessage{}
			}
			m.Extra[k] = raw
		}
		if err != nil {
			return m, err
		}
	}
	return m, nil
}

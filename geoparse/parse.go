package geoparse

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/ewkb"
	"github.com/paulmach/orb/encoding/wkt"
	"github.com/paulmach/orb/geojson"
)

// Format names how a geometry value was written.
type Format string

// The formats Parse reads.
const (
	WKT     Format = "wkt"
	GeoJSON Format = "geojson"
	WKBHex  Format = "wkb_hex"
	H3      Format = "h3"
	Quadbin Format = "quadbin"
)

// ErrNull is returned for a JSON null or an empty string: a row without a
// geometry, which callers usually skip rather than fail on.
var ErrNull = errors.New("geoparse: no geometry (null)")

// ErrNotGeometry is wrapped by the error for a value in none of the formats.
var ErrNotGeometry = errors.New("not a geometry")

// Parse decodes one JSON value of a result row into a geometry in EPSG:4326.
// The error, when not ErrNull, explains what was wrong with the value in
// words meant for a person (or a model) fixing the query.
func Parse(v json.RawMessage) (orb.Geometry, Format, error) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || bytes.Equal(v, []byte("null")) {
		return nil, "", ErrNull
	}
	switch v[0] {
	case '{':
		g, err := parseGeoJSON(v)
		return checked(g, GeoJSON, err)
	case '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, "", fmt.Errorf("%w: %v", ErrNotGeometry, err)
		}
		return ParseString(s)
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return parseCellNumber(string(v))
	}
	return nil, "", fmt.Errorf("%w: %s is neither WKT, GeoJSON, WKB hex, an H3 cell nor a quadbin cell", ErrNotGeometry, snippet(string(v)))
}

// ParseString decodes a geometry written as text.
func ParseString(s string) (orb.Geometry, Format, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, "", ErrNull
	}
	switch {
	case s[0] == '{':
		g, err := parseGeoJSON([]byte(s))
		return checked(g, GeoJSON, err)
	case looksLikeWKT(s):
		g, err := parseWKT(s)
		return checked(g, WKT, err)
	case isDecimal(s) && len(s) <= 20:
		if g, f, err := parseCellNumber(s); err == nil || len(s) <= 16 {
			return g, f, err
		}
		g, err := parseWKBHex(s) // WKB hex with no letter in it
		return checked(g, WKBHex, err)
	case isHex(s):
		if len(s) <= 16 {
			if c, ok := h3FromString(s); ok {
				return cellPolygon(c), H3, nil
			}
			if q, err := strconv.ParseUint(s, 16, 64); err == nil && QuadbinValid(q) {
				return QuadbinPolygon(q), Quadbin, nil
			}
			return nil, "", fmt.Errorf("%w: %q is hex but neither a valid H3 cell nor a quadbin cell", ErrNotGeometry, s)
		}
		g, err := parseWKBHex(s)
		return checked(g, WKBHex, err)
	}
	return nil, "", fmt.Errorf("%w: %s is neither WKT, GeoJSON, WKB hex, an H3 cell nor a quadbin cell", ErrNotGeometry, strconv.Quote(snippet(s)))
}

func checked(g orb.Geometry, f Format, err error) (orb.Geometry, Format, error) {
	if err != nil {
		return nil, "", err
	}
	if err := CheckLonLat(g); err != nil {
		return nil, "", err
	}
	return g, f, nil
}

var wktKeywords = []string{"POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION", "SRID="}

func looksLikeWKT(s string) bool {
	for _, k := range wktKeywords {
		if len(s) >= len(k) && strings.EqualFold(s[:len(k)], k) {
			return true
		}
	}
	return false
}

func parseWKT(s string) (orb.Geometry, error) {
	if len(s) > 5 && strings.EqualFold(s[:5], "SRID=") {
		srid, rest, ok := strings.Cut(s[5:], ";")
		if !ok {
			return nil, fmt.Errorf("invalid WKT %s: an EWKT SRID prefix needs a semicolon (SRID=4326;POINT(...))", strconv.Quote(snippet(s)))
		}
		if err := checkSRID(srid); err != nil {
			return nil, err
		}
		s = rest
	}
	g, err := wkt.Unmarshal(s)
	if err != nil {
		hint := ""
		if i := strings.IndexByte(s, '('); i > 0 {
			if tag := strings.ToUpper(strings.TrimSpace(s[:i])); strings.HasSuffix(tag, " Z") || strings.HasSuffix(tag, " M") || strings.HasSuffix(tag, " ZM") {
				hint = " Only 2D coordinates are read: drop Z/M with ST_FORCE2D (or ST_FORCE_2D)."
			}
		}
		return nil, fmt.Errorf("invalid WKT %s: %v.%s", strconv.Quote(snippet(s)), err, hint)
	}
	return g, nil
}

func checkSRID(srid string) error {
	if srid = strings.TrimSpace(srid); srid == "4326" || srid == "0" {
		return nil
	}
	return fmt.Errorf("geometry is in SRID %s; only EPSG:4326 longitude/latitude is drawn: transform it with ST_TRANSFORM(geom, 4326)", srid)
}

func parseGeoJSON(b []byte) (orb.Geometry, error) {
	var probe struct {
		Type     string          `json:"type"`
		Geometry json.RawMessage `json:"geometry"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, fmt.Errorf("invalid GeoJSON %s: %v", snippet(string(b)), err)
	}
	if probe.Type == "Feature" {
		if len(probe.Geometry) == 0 || bytes.Equal(probe.Geometry, []byte("null")) {
			return nil, ErrNull
		}
		b = probe.Geometry
	}
	g, err := geojson.UnmarshalGeometry(b)
	if err != nil {
		return nil, fmt.Errorf("invalid GeoJSON geometry %s: %v", snippet(string(b)), err)
	}
	if g.Coordinates == nil && g.Geometries == nil {
		return nil, fmt.Errorf("invalid GeoJSON geometry %s: no coordinates", snippet(string(b)))
	}
	return g.Geometry(), nil
}

func parseWKBHex(s string) (orb.Geometry, error) {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "\\x"), "0x")
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("invalid WKB hex: %v", err)
	}
	g, srid, err := ewkb.Unmarshal(b)
	if err != nil {
		return nil, fmt.Errorf("invalid WKB (%d bytes): %v", len(b), err)
	}
	if srid != 0 {
		if err := checkSRID(strconv.Itoa(srid)); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// parseCellNumber reads an integer cell index: quadbin, or H3 as a number.
func parseCellNumber(s string) (orb.Geometry, Format, error) {
	u, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return nil, "", fmt.Errorf("%w: the number %s is neither an H3 cell nor a quadbin cell", ErrNotGeometry, snippet(s))
	}
	if QuadbinValid(u) {
		return QuadbinPolygon(u), Quadbin, nil
	}
	if c, ok := h3FromUint(u); ok {
		return cellPolygon(c), H3, nil
	}
	return nil, "", fmt.Errorf("%w: the number %s is neither an H3 cell nor a quadbin cell", ErrNotGeometry, s)
}

// CheckLonLat reports an error when a coordinate of g is outside longitude
// [-180, 180] and latitude [-90, 90], or is not a finite number.
func CheckLonLat(g orb.Geometry) error {
	var bad orb.Point
	found := false
	eachPoint(g, func(p orb.Point) bool {
		if !(p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90) {
			bad, found = p, true
			return false
		}
		return true
	})
	if !found {
		return nil
	}
	if math.IsNaN(bad[0]) || math.IsNaN(bad[1]) || math.IsInf(bad[0], 0) || math.IsInf(bad[1], 0) {
		return fmt.Errorf("coordinate (%v %v) is not a finite number", bad[0], bad[1])
	}
	return fmt.Errorf("coordinate (%v %v) is outside longitude/latitude range (x -180..180, y -90..90): the geometry is probably in a projected "+
		"coordinate system; transform it to EPSG:4326 (ST_TRANSFORM(geom, 4326)), or check that x is the longitude and y the latitude", bad[0], bad[1])
}

// eachPoint calls fn for every point of g until fn returns false.
func eachPoint(g orb.Geometry, fn func(orb.Point) bool) bool {
	switch g := g.(type) {
	case orb.Point:
		return fn(g)
	case orb.MultiPoint:
		for _, p := range g {
			if !fn(p) {
				return false
			}
		}
	case orb.LineString:
		return eachPoint(orb.MultiPoint(g), fn)
	case orb.Ring:
		return eachPoint(orb.MultiPoint(g), fn)
	case orb.MultiLineString:
		for _, l := range g {
			if !eachPoint(orb.MultiPoint(l), fn) {
				return false
			}
		}
	case orb.Polygon:
		for _, r := range g {
			if !eachPoint(orb.MultiPoint(r), fn) {
				return false
			}
		}
	case orb.MultiPolygon:
		for _, p := range g {
			if !eachPoint(p, fn) {
				return false
			}
		}
	case orb.Collection:
		for _, c := range g {
			if !eachPoint(c, fn) {
				return false
			}
		}
	case orb.Bound:
		return eachPoint(g.ToPolygon(), fn)
	}
	return true
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return len(s) > 0
}

func isDecimal(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}

func snippet(s string) string {
	const n = 60
	if len(s) <= n {
		return s
	}
	for i := n; i > n-4; i-- {
		if s[i]&0xC0 != 0x80 {
			return s[:i] + "…"
		}
	}
	return s[:n] + "…"
}

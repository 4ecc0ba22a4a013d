// Package mapview holds view_map's MCP Apps view: one self-contained HTML
// file (Leaflet with its canvas renderer, the Natural Earth 110 m world
// outline, and the host bridge), built from web/ by esbuild and embedded, so
// that building the server needs no Node.
//
// The view renders under the MCP Apps default content security policy in a
// null-origin sandbox: no <script src>, no network, no workers, no eval. It
// waits for ui/notifications/tool-result and draws the GeoJSON
// FeatureCollection in the result's _meta[GeoJSONKey], coloured by
// _meta[StyleKey] (see package mapstyle).
//
// To change the view, edit web/src and rebuild (CI checks that the
// committed files match a fresh build):
//
//	cd mapview/web && npm ci && npm run build
package mapview

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// The MCP Apps (io.modelcontextprotocol/ui) names the view uses.
const (
	// URI is the view's UI resource.
	URI = "ui://carto/view-map.html"
	// MIMEType is the MIME type of an MCP Apps HTML resource.
	MIMEType = "text/html;profile=mcp-app"
	// Extension is the MCP Apps extension's identifier in capabilities.
	Extension = "io.modelcontextprotocol/ui"
	// GeoJSONKey is the result _meta key of the FeatureCollection to draw.
	GeoJSONKey = "carto/geojson"
	// StyleKey is the result _meta key of the features' colours and legend.
	StyleKey = "carto/style"
	// TilesetKey is the result _meta key of a tileset to show instead of
	// GeoJSON: its name, connection, zoom levels and bounds, and the
	// app-only tool that returns its tiles one at a time.
	TilesetKey = "carto/tileset"
)

//go:embed view-map.html
var html string

//go:embed land-110m.geojson
var landJSON []byte

//go:embed THIRD_PARTY_LICENSES.txt
var licences string

// HTML returns the view, a complete HTML document.
func HTML() string { return html }

// Licences returns the licence texts of the packages and data bundled in
// the view (also in a comment at the top of the HTML).
func Licences() string { return licences }

// Land returns the world's land outline (Natural Earth 110 m via the
// world-atlas package, the one the view draws) in EPSG:4326.
func Land() orb.MultiPolygon { return land() }

var land = sync.OnceValue(func() orb.MultiPolygon {
	var g geojson.Geometry
	if err := json.Unmarshal(landJSON, &g); err != nil {
		panic(fmt.Sprintf("mapview: embedded land-110m.geojson: %v", err)) // checked by tests
	}
	switch v := g.Geometry().(type) {
	case orb.MultiPolygon:
		return v
	case orb.Polygon:
		return orb.MultiPolygon{v}
	}
	panic("mapview: embedded land-110m.geojson is not a (multi)polygon")
})

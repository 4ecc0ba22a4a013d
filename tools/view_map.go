package tools

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/carto-mcp/carto-mcp/client"
	"github.com/carto-mcp/carto-mcp/discovery"
	"github.com/carto-mcp/carto-mcp/geoparse"
	"github.com/carto-mcp/carto-mcp/mappng"
	"github.com/carto-mcp/carto-mcp/mapstyle"
	"github.com/carto-mcp/carto-mcp/mapview"
	"github.com/carto-mcp/carto-mcp/sqlguard"
)

// ViewMapInput is the arguments of view_map.
type ViewMapInput struct {
	SQL            string          `json:"sql,omitempty" jsonschema_description:"A query (SELECT) whose rows to map, in the connection's warehouse dialect. Give exactly one of sql, rows or geojson."`
	Connection     string          `json:"connection,omitempty" jsonschema_description:"CARTO connection to run sql on. Omit it to use the server's default connection."`
	Parameters     json.RawMessage `json:"parameters,omitempty" jsonschema:"anyof_type=object;array" jsonschema_description:"Values bound by the warehouse for sql's placeholders, as in run_query."`
	Rows           json.RawMessage `json:"rows,omitempty" jsonschema:"type=array" jsonschema_description:"Rows to map instead of sql: an array of objects, column name to value, one of them a geometry."`
	GeoJSON        json.RawMessage `json:"geojson,omitempty" jsonschema:"type=object" jsonschema_description:"A GeoJSON FeatureCollection, Feature or geometry to map instead of sql (EPSG:4326)."`
	GeometryColumn string          `json:"geometry_column,omitempty" jsonschema_description:"Column holding the geometry: WKT, GeoJSON, WKB hex, or an H3 or quadbin cell (drawn as its polygon). Default: detected from the column types, names and values."`
	LabelColumn    string          `json:"label_column,omitempty" jsonschema_description:"Column whose value labels each feature on the map (not with tileset: tiles would cut the labels)."`
	ColorBy        string          `json:"color_by,omitempty" jsonschema_description:"Column (with tileset: property) that colours the features: numbers get a sequential ramp in quantile classes, anything else categories; the map shows a legend. A tileset's classes come from its tilestats, so they stay the same as the user pans and zooms."`
	Limit          int             `json:"limit,omitempty" jsonschema:"minimum=1,maximum=5000,default=5000" jsonschema_description:"Most features to draw (default and maximum 5000)."`
	Tileset        string          `json:"tileset,omitempty" jsonschema_description:"A tileset to show instead of sql, rows or geojson: the output_table of a tileset job (CALL carto.CREATE_SIMPLE_TILESET or CREATE_TILESET; fully qualified on CARTO). The map loads its vector tiles as the user pans and zooms."`
	Zoom           *int            `json:"zoom,omitempty" jsonschema:"minimum=0,maximum=24" jsonschema_description:"With tileset only: the zoom level to open the map at, centred on the tileset's center; within the tileset's zoom levels (minzoom..maxzoom of its TileJSON). Default: fit the tileset's bounds."`
	Image          string          `json:"image,omitempty" jsonschema:"enum=auto,enum=always,enum=never,default=auto" jsonschema_description:"Whether the result also carries a PNG picture of the map: auto (when the client cannot show the interactive map), always, or never."`
}

// ViewMapOutput is the structured result of view_map: a summary only (the
// features travel in the result's _meta, for the view).
type ViewMapOutput struct {
	FeatureCount   int            `json:"feature_count" jsonschema:"required,minimum=0" jsonschema_description:"Number of features drawn; for a tileset, the features it holds (from its tilestats, 0 when it has none)."`
	RowCount       int            `json:"row_count" jsonschema:"required,minimum=0" jsonschema_description:"Number of rows read."`
	NullGeometries int            `json:"null_geometries,omitempty" jsonschema_description:"Rows left out because their geometry was null."`
	GeometryColumn string         `json:"geometry_column" jsonschema:"required" jsonschema_description:"Column the geometries came from (empty for a tileset)."`
	GeometryFormat string         `json:"geometry_format" jsonschema:"required,enum=wkt,enum=geojson,enum=wkb_hex,enum=h3,enum=quadbin,enum=mvt" jsonschema_description:"How the geometries were written: mvt for a tileset's vector tiles."`
	GeometryTypes  map[string]int `json:"geometry_types" jsonschema:"required" jsonschema_description:"Features by GeoJSON geometry type."`
	BBox           []float64      `json:"bbox,omitempty" jsonschema_description:"Bounding box of the features: [min_lon, min_lat, max_lon, max_lat] (EPSG:4326)."`
	Columns        []string       `json:"columns" jsonschema:"required" jsonschema_description:"The other columns, kept as each feature's properties."`
	ColorBy        string         `json:"color_by,omitempty" jsonschema_description:"Column the colours follow."`
	Legend         []LegendEntry  `json:"legend,omitempty" jsonschema_description:"The colours and what they stand for, when color_by is set."`
	Truncated      bool           `json:"truncated" jsonschema:"required" jsonschema_description:"True when not every row is on the map; notice says why and what to do."`
	TruncatedBy    string         `json:"truncated_by,omitempty" jsonschema:"enum=limit,enum=max_rows,enum=max_bytes" jsonschema_description:"What cut the map: limit (the feature cap), max_rows (the query had more rows), or max_bytes (the size cap)."`
	Notice         string         `json:"notice,omitempty" jsonschema_description:"Present when the map needs attention: why it was cut and how to see the rest."`
	Connection     string         `json:"connection,omitempty" jsonschema_description:"Connection the query ran on."`
	Image          bool           `json:"image" jsonschema:"required" jsonschema_description:"Whether the result carries a PNG picture of the map."`
	Tileset        *TilesetView   `json:"tileset,omitempty" jsonschema_description:"The tileset shown, when the tileset argument was given."`
}

// LegendEntry is one line of the map's legend.
type LegendEntry struct {
	Label string `json:"label" jsonschema:"required"`
	Color string `json:"color" jsonschema:"required" jsonschema_description:"#rrggbb"`
}

// The map's caps. The features ride in the result's _meta, which hosts
// hand to the view whole: 2 MB keeps that quick everywhere.
const (
	mapMaxFeatures = 5000
	mapMaxBytes    = 2 << 20
	// mapReadBytes bounds the rows read from the warehouse for one map: twice
	// the GeoJSON cap, room for geometries that simplification shrinks.
	mapReadBytes = 4 << 20
	// mapSimplify: lines and polygons are simplified to 1/4000 of the map's
	// larger side, below a pixel of any chat-sized view.
	mapSimplify = 1.0 / 4000
	// mapTextRows is how many rows the text content shows.
	mapTextRows = 10
)

const viewMapDescription = `Show data on an interactive map in the chat, and describe it in text.

Give exactly one of: sql (a SELECT run on a CARTO connection, as run_query), rows (an array of objects), geojson (a FeatureCollection), or tileset (a tileset table made by CALL carto.CREATE_SIMPLE_TILESET / CREATE_TILESET, whose vector tiles the map loads as the user pans and zooms; zoom sets the level it opens at). The geometry column is detected, or named with geometry_column: WKT, GeoJSON, WKB hex, H3 cells and quadbin cells (drawn as their polygons) in EPSG:4326. color_by colours features by a column (numbers: a sequential ramp; text: categories) with a legend, for a tileset too (classes from its tilestats); label_column labels them (not for a tileset).

At most %d features are drawn (limit), polygons are simplified for display, and only reads are allowed. The result's text gives the feature count, geometry types, bounding box and first rows; hosts that support MCP Apps show the map itself, others get a PNG picture of it (image: always/never to choose). For the full rows use run_query.`

// ViewMap is the view_map tool.
func ViewMap(d *Deps) server.ServerTool {
	t := mustTool(ToolViewMap, "Show data on a map", fmt.Sprintf(viewMapDescription, mapMaxFeatures), annotations(true, false, true))
	// The MCP Apps link; the flat key is the older form some hosts still read.
	t.Meta = mcp.NewMetaFromMap(map[string]any{
		"ui":             map[string]any{"resourceUri": mapview.URI},
		"ui/resourceUri": mapview.URI,
	})
	return server.ServerTool{Tool: t, Handler: handle(d, ToolViewMap, d.viewMap)}
}

// uiMeta is the view's _meta.ui: an explicit empty CSP (it needs no network
// at all) and a border.
func uiMeta() map[string]any {
	return map[string]any{"csp": map[string]any{}, "prefersBorder": true}
}

// MapViewResource is the view's UI resource (ui://carto/view-map.html).
func MapViewResource() server.ServerResource {
	r := mcp.NewResource(mapview.URI, "view_map",
		mcp.WithResourceDescription("The interactive map view_map results are shown in (MCP Apps)."),
		mcp.WithMIMEType(mapview.MIMEType))
	r.Meta = mcp.NewMetaFromMap(map[string]any{"ui": uiMeta()})
	return server.ServerResource{
		Resource: r,
		Handler: func(context.Context, mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
			return []mcp.ResourceContents{mcp.TextResourceContents{
				URI: mapview.URI, MIMEType: mapview.MIMEType, Text: mapview.HTML(), Meta: map[string]any{"ui": uiMeta()},
			}}, nil
		},
	}
}

// MapAppsExtension is the server capability announcing MCP Apps.
func MapAppsExtension() map[string]any {
	return map[string]any{mapview.Extension: map[string]any{}}
}

func (d *Deps) viewMap(ctx context.Context, in ViewMapInput, info *callInfo) (*mcp.CallToolResult, *callError) {
	limit := in.Limit
	switch {
	case limit == 0 || limit > mapMaxFeatures:
		limit = mapMaxFeatures
	case limit < 0:
		return nil, badArgument("`limit` must be at least 1, got %d.", limit)
	}
	var image bool
	switch in.Image {
	case "", "auto":
		image = !clientShowsApps(ctx)
	case "always":
		image = true
	case "never":
	default:
		return nil, badArgument("`image` must be auto, always or never, got %q.", in.Image)
	}

	if strings.TrimSpace(in.Tileset) != "" {
		if n := sourcesGiven(in); n != 0 {
			return nil, badArgument("give exactly one of `sql`, `rows`, `geojson` or `tileset`; got `tileset` and %d more.", n)
		}
		return d.viewTileset(ctx, in, image, info)
	}
	if in.Zoom != nil {
		return nil, badArgument("`zoom` applies only with `tileset` (the zoom level to open a tileset at); a map of rows fits its features. Drop zoom.")
	}

	tbl, out, cerr := d.mapRows(ctx, in, limit, info)
	if cerr != nil {
		return nil, cerr
	}
	if len(tbl.Rows) == 0 {
		return nil, &callError{kind: "no_rows", text: "Nothing to map: the " + sourceName(in) + " has no rows. " +
			"Check the query's WHERE clause (or the rows given), e.g. with run_query and SELECT COUNT(*)."}
	}
	coll, err := geoparse.Features(tbl.Columns, tbl.Rows, strings.TrimSpace(in.GeometryColumn),
		geoparse.Limits{MaxFeatures: limit, MaxBytes: mapMaxBytes, SimplifyFraction: mapSimplify})
	if err != nil {
		var ce *geoparse.ColumnError
		if errors.As(err, &ce) {
			return nil, &callError{kind: "bad_geometry", text: ce.Error()}
		}
		return nil, &callError{kind: "bad_geometry", text: "The geometries could not be read: " + err.Error()}
	}
	if len(coll.Features.Features) == 0 {
		return nil, &callError{kind: "no_geometry", text: fmt.Sprintf("Nothing to map: all %d rows have a null %s. "+
			"Filter them out (WHERE %s IS NOT NULL) or pick another geometry_column.", coll.Rows, coll.GeometryColumn, coll.GeometryColumn)}
	}
	style, err := mapstyle.New(coll.Features, strings.TrimSpace(in.ColorBy), strings.TrimSpace(in.LabelColumn))
	if err != nil {
		return nil, badArgument("%v.", err)
	}

	out.FeatureCount = len(coll.Features.Features)
	out.RowCount = coll.Rows
	out.NullGeometries = coll.NullGeometries
	out.GeometryColumn, out.GeometryFormat = coll.GeometryColumn, string(coll.Format)
	out.GeometryTypes = coll.GeometryTypes
	out.BBox = []float64{coll.Bound.Min[0], coll.Bound.Min[1], coll.Bound.Max[0], coll.Bound.Max[1]}
	for _, c := range tbl.Columns {
		if c.Name != coll.GeometryColumn {
			out.Columns = append(out.Columns, c.Name)
		}
	}
	if out.Columns == nil {
		out.Columns = []string{}
	}
	out.ColorBy = style.ColorBy
	for _, e := range style.Legend {
		out.Legend = append(out.Legend, LegendEntry(e))
	}
	if coll.Truncated && !out.Truncated {
		out.Truncated = true
		out.TruncatedBy = map[string]string{"max_features": "limit", "max_bytes": "max_bytes"}[coll.TruncatedBy]
	}
	out.Notice = mapNotice(out, limit, in)
	out.Image = image

	text := mapText(out, tbl, coll)
	b, err := json.Marshal(out)
	if err != nil {
		return nil, &callError{kind: "internal", text: "carto-mcp could not encode the result: " + err.Error()}
	}
	res := &mcp.CallToolResult{
		Content:           []mcp.Content{mcp.NewTextContent(text)},
		StructuredContent: json.RawMessage(b),
	}
	res.Meta = mcp.NewMetaFromMap(map[string]any{mapview.GeoJSONKey: coll.JSON, mapview.StyleKey: style})
	if image {
		png, err := mappng.Render(coll.Features, style, mappng.Options{Caption: caption(out)})
		if err != nil {
			return nil, &callError{kind: "internal", text: "carto-mcp could not draw the map's picture: " + err.Error()}
		}
		res.Content = append(res.Content, mcp.NewImageContent(base64.StdEncoding.EncodeToString(png), "image/png"))
		info.attrs = append(info.attrs, slog.Int("png_bytes", len(png)))
	}
	info.attrs = append(info.attrs, slog.Int("features", out.FeatureCount), slog.Int("geojson_bytes", len(coll.JSON)),
		slog.Bool("truncated", out.Truncated))
	return res, nil
}

// mapRows gets the rows to map from sql, rows or geojson.
func (d *Deps) mapRows(ctx context.Context, in ViewMapInput, limit int, info *callInfo) (geoparse.Table, ViewMapOutput, *callError) {
	var out ViewMapOutput
	if given := sourcesGiven(in); given != 1 {
		return geoparse.Table{}, out, badArgument("give exactly one of `sql` (a query to run), `rows` (an array of objects), `geojson` (a FeatureCollection) "+
			"or `tileset` (a tileset table); got %d.", given)
	}
	switch {
	case len(bytes.TrimSpace(in.Rows)) > 0:
		objs, order, err := geoparse.DecodeObjects(in.Rows)
		if err != nil {
			return geoparse.Table{}, out, badArgument("%v.", err)
		}
		return geoparse.TableFromObjects(objs, order), out, nil
	case len(bytes.TrimSpace(in.GeoJSON)) > 0:
		t, err := geoparse.TableFromGeoJSON(in.GeoJSON)
		if err != nil {
			return geoparse.Table{}, out, badArgument("%v.", err)
		}
		return t, out, nil
	}

	params, cerr := checkParameters(in.Parameters)
	if cerr != nil {
		return geoparse.Table{}, out, cerr
	}
	c := d.carto(ctx)
	conn, cerr := d.callConnection(c, in.Connection, opQuery, info)
	if cerr != nil {
		return geoparse.Table{}, out, cerr
	}
	if err := d.mapQueryGuard(ctx, conn, in.SQL); err != nil {
		return geoparse.Table{}, out, &callError{kind: "refused", text: "Query refused: view_map only reads data. " + err.Error()}
	}
	res, err := c.Queries.Run(ctx, &client.QueryRequest{Connection: conn, SQL: in.SQL, Parameters: params},
		client.QueryLimits{MaxRows: limit, MaxBytes: mapReadBytes})
	if err != nil {
		return geoparse.Table{}, out, describeError(opQuery, err, d.opts.CallTimeout)
	}
	out.Connection = conn
	if res.Truncated {
		out.Truncated = true
		out.TruncatedBy = res.TruncatedBy
		if res.TruncatedBy != "max_bytes" {
			out.TruncatedBy = "max_rows"
		}
	}
	t := geoparse.Table{Columns: make([]geoparse.Column, len(res.Columns)), Rows: res.Rows}
	for i, col := range res.Columns {
		t.Columns[i] = geoparse.Column{Name: col.Name, Type: col.Type}
	}
	return t, out, nil
}

// sourcesGiven counts the row sources given: sql, rows and geojson.
func sourcesGiven(in ViewMapInput) int {
	given := 0
	for _, v := range []bool{strings.TrimSpace(in.SQL) != "", len(bytes.TrimSpace(in.Rows)) > 0, len(bytes.TrimSpace(in.GeoJSON)) > 0} {
		if v {
			given++
		}
	}
	return given
}

// mapQueryGuard refuses SQL that writes. view_map is read-only whatever the
// server's mode: the server's own guard when it has one (read-only mode),
// otherwise a statement must be a read under every dialect's rules, which
// needs no lookup of the connection's warehouse.
func (d *Deps) mapQueryGuard(ctx context.Context, conn, sql string) error {
	if d.opts.QueryGuard != nil {
		return d.opts.QueryGuard(sql, func() discovery.Provider { return d.provider(ctx, conn) })
	}
	for _, dialect := range []sqlguard.Dialect{sqlguard.BigQuery, sqlguard.Snowflake, sqlguard.Redshift,
		sqlguard.PostgreSQL, sqlguard.Databricks, sqlguard.Generic} {
		if err := sqlguard.Check(sql, dialect); err != nil {
			return fmt.Errorf("%w (use submit_job for statements that change data)", err)
		}
	}
	return nil
}

// clientShowsApps reports whether the client said it renders MCP Apps
// views of our MIME type.
func clientShowsApps(ctx context.Context) bool {
	var caps *mcp.ClientCapabilities
	if p := server.RequestProtocolInfoFromContext(ctx); p != nil && p.ClientCapabilities != nil {
		caps = p.ClientCapabilities
	} else if s, ok := server.ClientSessionFromContext(ctx).(server.SessionWithClientInfo); ok {
		c := s.GetClientCapabilities()
		caps = &c
	}
	if caps == nil {
		return false
	}
	ext, ok := caps.Extensions[mapview.Extension]
	if !ok {
		return false
	}
	if m, ok := ext.(map[string]any); ok {
		if types, ok := m["mimeTypes"].([]any); ok {
			for _, t := range types {
				if t == mapview.MIMEType {
					return true
				}
			}
			return false
		}
	}
	return true
}

func sourceName(in ViewMapInput) string {
	switch {
	case strings.TrimSpace(in.SQL) != "":
		return "query's result"
	case len(in.Rows) > 0:
		return "rows argument"
	}
	return "GeoJSON"
}

func mapNotice(out ViewMapOutput, limit int, in ViewMapInput) string {
	var notes []string
	switch out.TruncatedBy {
	case "limit", "max_rows":
		more := ""
		if limit < mapMaxFeatures {
			more = fmt.Sprintf(", raise limit (up to %d)", mapMaxFeatures)
		}
		notes = append(notes, fmt.Sprintf("Only the first %d features are drawn: there are more rows. To see them all, narrow the query "+
			"(WHERE, a bounding box), aggregate them (into H3 or quadbin cells, or by area)%s.", out.FeatureCount, more))
	case "max_bytes":
		notes = append(notes, fmt.Sprintf("Only the first %d features are drawn: the rest would take the map over its size cap. "+
			"Select fewer columns, simplify the geometries (ST_SIMPLIFY) or aggregate them.", out.FeatureCount))
	}
	if out.NullGeometries > 0 {
		notes = append(notes, fmt.Sprintf("%d rows with a null %s are not drawn.", out.NullGeometries, out.GeometryColumn))
	}
	return strings.Join(notes, " ")
}

func caption(out ViewMapOutput) string {
	s := plural(out.FeatureCount, "feature")
	if out.Truncated {
		s += " (truncated)"
	}
	return s
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return groupThousands(n) + " " + what + "s"
}

func groupThousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// mapText is the result's text: what the map shows, for the model and for
// hosts that show neither the view nor the picture.
func mapText(out ViewMapOutput, tbl geoparse.Table, coll *geoparse.Collection) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Map of %s", plural(out.FeatureCount, "feature"))
	var types []string
	for _, t := range coll.TypeNames() {
		types = append(types, fmt.Sprintf("%s %d", t, out.GeometryTypes[t]))
	}
	fmt.Fprintf(&b, " (%s) from column %s (%s).\n", strings.Join(types, ", "), out.GeometryColumn, out.GeometryFormat)
	fmt.Fprintf(&b, "Bounding box: [%s, %s, %s, %s] (min lon, min lat, max lon, max lat).\n",
		coord(out.BBox[0]), coord(out.BBox[1]), coord(out.BBox[2]), coord(out.BBox[3]))
	if out.ColorBy != "" {
		var items []string
		for _, e := range out.Legend {
			items = append(items, e.Label+" "+e.Color)
		}
		fmt.Fprintf(&b, "Coloured by %s: %s.\n", out.ColorBy, strings.Join(items, "; "))
	}
	if out.Notice != "" {
		b.WriteString(out.Notice + "\n")
	}
	// The first rows, without the geometry.
	var cols []int
	for i, c := range tbl.Columns {
		if c.Name != out.GeometryColumn && len(cols) < 8 {
			cols = append(cols, i)
		}
	}
	if len(cols) == 0 {
		return b.String()
	}
	n := min(len(tbl.Rows), mapTextRows)
	fmt.Fprintf(&b, "\nFirst %d rows:\n|", n)
	for _, i := range cols {
		b.WriteString(" " + cell(tbl.Columns[i].Name) + " |")
	}
	b.WriteString("\n|")
	for range cols {
		b.WriteString("---|")
	}
	for _, row := range tbl.Rows[:n] {
		b.WriteString("\n|")
		for _, i := range cols {
			v := ""
			if i < len(row) {
				v = valueText(row[i])
			}
			b.WriteString(" " + cell(v) + " |")
		}
	}
	b.WriteString("\n")
	if rest := len(tbl.Rows) - n; rest > 0 {
		fmt.Fprintf(&b, "%s more not shown", groupThousands(rest))
		if out.TruncatedBy == "max_rows" {
			b.WriteString(" (and the query had more rows than were read)")
		}
		b.WriteString(".\n")
	}
	return b.String()
}

func coord(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// valueText is a value as a table cell: strings bare, anything else as JSON.
func valueText(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) > 0 && v[0] == '"' {
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
	}
	return string(v)
}

func cell(s string) string {
	s = strings.NewReplacer("|", "\\|", "\n", " ", "\r", " ").Replace(s)
	return snippet(s, 40)
}

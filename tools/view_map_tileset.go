package tools

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"

	"github.com/carto-mcp/carto-mcp/client"
	"github.com/carto-mcp/carto-mcp/discovery"
	"github.com/carto-mcp/carto-mcp/mappng"
	"github.com/carto-mcp/carto-mcp/mapstyle"
	"github.com/carto-mcp/carto-mcp/mapview"
	"github.com/carto-mcp/carto-mcp/tilesetmap"
)

// TilesetView describes the tileset view_map shows.
type TilesetView struct {
	Name         string    `json:"name" jsonschema:"required" jsonschema_description:"The tileset table."`
	MinZoom      int       `json:"minzoom" jsonschema:"required" jsonschema_description:"The tileset's lowest zoom level."`
	MaxZoom      int       `json:"maxzoom" jsonschema:"required" jsonschema_description:"The tileset's highest zoom level; the map zooms further by enlarging these tiles."`
	Zoom         int       `json:"zoom" jsonschema:"required" jsonschema_description:"Zoom level of the tiles the map opens with: the zoom argument, or the one that fits the tileset's bounds."`
	Bounds       []float64 `json:"bounds" jsonschema:"required" jsonschema_description:"The tileset's bounds: [min_lon, min_lat, max_lon, max_lat]."`
	Layers       []string  `json:"layers" jsonschema:"required" jsonschema_description:"The tiles' layers (CARTO's tiler writes one, default)."`
	PictureZoom  int       `json:"picture_zoom,omitempty" jsonschema_description:"Zoom level of the tiles the PNG picture was drawn from, when there is one."`
	PictureTiles int       `json:"picture_tiles,omitempty" jsonschema_description:"Tiles with data the PNG picture was drawn from."`
}

// The PNG of a tileset is drawn from the tiles that cover its bounds at the
// zoom that fits the picture: a few tiles, at most pictureMaxTiles (when the
// tileset's minzoom needs more, there is no picture).
const (
	pictureWidth, pictureHeight = 640, 400
	pictureMaxTiles             = 32
	pictureFetches              = 4
)

// tilesetMeta is the result _meta[mapview.TilesetKey] the view reads: what
// it needs to load the tiles through get_tileset_tile.
type tilesetMeta struct {
	Name       string      `json:"name"`
	Connection string      `json:"connection"`
	MinZoom    int         `json:"minzoom"`
	MaxZoom    int         `json:"maxzoom"`
	Bounds     []float64   `json:"bounds"`
	Zoom       *int        `json:"zoom,omitempty"`
	Center     []float64   `json:"center,omitempty"`
	Tool       string      `json:"tool"`
	Layers     []tileLayer `json:"layers"`
}

type tileLayer struct {
	ID           string            `json:"id"`
	GeometryType string            `json:"geometry_type,omitempty"`
	Fields       map[string]string `json:"fields,omitempty"`
	MinZoom      *int              `json:"minzoom,omitempty"`
	MaxZoom      *int              `json:"maxzoom,omitempty"`
}

// tilesetConflicts names the first of view_map's arguments for rows that
// was given with a tileset, where it means nothing (the tileset's features
// and properties are fixed in its tiles).
func tilesetConflicts(in ViewMapInput) string {
	switch {
	case strings.TrimSpace(in.GeometryColumn) != "":
		return "geometry_column"
	case len(in.Parameters) > 0 && string(in.Parameters) != "null":
		return "parameters"
	case in.Limit != 0 && in.Limit != mapMaxFeatures: // a client may send the default
		return "limit"
	}
	return ""
}

func (d *Deps) viewTileset(ctx context.Context, in ViewMapInput, image bool, info *callInfo) (*mcp.CallToolResult, *callError) {
	name := strings.TrimSpace(in.Tileset)
	if arg := tilesetConflicts(in); arg != "" {
		return nil, badArgument("`%s` does not apply to a tileset: its features and properties are fixed when the tileset is made. "+
			"Drop %s, or map the source table with sql instead.", arg, arg)
	}
	if strings.TrimSpace(in.LabelColumn) != "" {
		// Tiles are drawn one by one: a label would be cut at tile edges
		// and repeated in each tile's buffer.
		return nil, badArgument("`label_column` is not supported with a tileset: its features are drawn tile by tile, where labels would be cut at tile edges. " +
			"Drop label_column (clicking a feature on the map shows its properties), or map the source table with sql and label_column.")
	}
	c := d.carto(ctx)
	conn, cerr := d.callConnection(c, in.Connection, opTileset, info)
	if cerr != nil {
		return nil, cerr
	}
	tj, err := c.Maps.Tileset(ctx, conn, name)
	if err != nil {
		cerr := describeError(opTileset, err, d.opts.CallTimeout)
		var apiErr *client.APIError
		if errors.As(err, &apiErr) && apiErr.StatusCode >= 400 && apiErr.StatusCode < 500 {
			cerr.text = "view_map could not open tileset " + name + ": " + strings.TrimSuffix(cerr.text, "\nCheck the arguments and try again.") +
				"\n`tileset` takes the output_table of a tileset job (CALL carto.CREATE_SIMPLE_TILESET or CREATE_TILESET); " +
				"to map an ordinary table, pass sql (SELECT ... FROM the table) instead."
		}
		return nil, cerr
	}
	if tj.MinZoom < 0 || tj.MaxZoom < tj.MinZoom || tj.MaxZoom > maxTileZoom {
		return nil, &callError{kind: "bad_tileset", text: fmt.Sprintf("Tileset %s has an unusable zoom range %d..%d in its TileJSON; "+
			"recreate it with zoom_min <= zoom_max <= %d.", name, tj.MinZoom, tj.MaxZoom, maxTileZoom)}
	}
	bounds := orb.Bound{Min: orb.Point{-180, -85.0511}, Max: orb.Point{180, 85.0511}}
	if len(tj.Bounds) == 4 && tj.Bounds[0] <= tj.Bounds[2] && tj.Bounds[1] <= tj.Bounds[3] {
		bounds = orb.Bound{Min: orb.Point{tj.Bounds[0], tj.Bounds[1]}, Max: orb.Point{tj.Bounds[2], tj.Bounds[3]}}
	}
	fit := tilesetmap.FitZoom(bounds, pictureWidth, pictureHeight, tj.MinZoom, tj.MaxZoom)
	zoom := fit
	if in.Zoom != nil {
		if *in.Zoom < tj.MinZoom || *in.Zoom > tj.MaxZoom {
			return nil, badArgument("`zoom` %d is outside tileset %s's zoom levels %d..%d: pass a zoom in that range, or omit zoom to fit the tileset's bounds.",
				*in.Zoom, name, tj.MinZoom, tj.MaxZoom)
		}
		zoom = *in.Zoom
	}

	meta := tilesetMeta{Name: name, Connection: conn, MinZoom: tj.MinZoom, MaxZoom: tj.MaxZoom, Zoom: in.Zoom, Tool: ToolGetTilesetTile,
		Bounds: []float64{bounds.Min[0], bounds.Min[1], bounds.Max[0], bounds.Max[1]}}
	if len(tj.Center) >= 2 {
		meta.Center = tj.Center[:2]
	}
	if len(tj.VectorLayers) > 0 {
		if err := json.Unmarshal(tj.VectorLayers, &meta.Layers); err != nil {
			return nil, &callError{kind: "bad_tileset", text: "Tileset " + name + "'s TileJSON has unreadable vector_layers: " + err.Error()}
		}
	}
	if meta.Layers == nil {
		meta.Layers = []tileLayer{}
	}
	stats := tilesetmap.ParseTilestats(tj.Tilestats) // optional: without it the counts stay unknown

	out := ViewMapOutput{Connection: conn, GeometryFormat: "mvt", GeometryTypes: map[string]int{}, Columns: []string{}, Image: image,
		BBox: meta.Bounds}
	view := &TilesetView{Name: name, MinZoom: tj.MinZoom, MaxZoom: tj.MaxZoom, Zoom: zoom, Bounds: meta.Bounds, Layers: []string{}}
	columns := map[string]bool{}
	for _, l := range meta.Layers {
		view.Layers = append(view.Layers, l.ID)
		for f := range l.Fields {
			columns[f] = true
		}
	}
	for f := range columns {
		out.Columns = append(out.Columns, f)
	}
	sort.Strings(out.Columns)
	for _, l := range stats.Layers {
		out.FeatureCount += int(l.Count)
		if l.Geometry != "" {
			out.GeometryTypes[l.Geometry] += int(l.Count)
		}
	}
	out.RowCount = out.FeatureCount
	out.Tileset = view
	style, cerr := tilesetStyle(name, strings.TrimSpace(in.ColorBy), meta.Layers, out.Columns, stats)
	if cerr != nil {
		return nil, cerr
	}
	out.ColorBy = style.ColorBy
	for _, e := range style.Legend {
		out.Legend = append(out.Legend, LegendEntry(e))
	}

	res := &mcp.CallToolResult{}
	res.Meta = mcp.NewMetaFromMap(map[string]any{mapview.TilesetKey: meta, mapview.StyleKey: style})
	var picture []byte
	var pictureNote string
	if image {
		var err error
		picture, pictureNote, err = d.tilesetPicture(ctx, c, conn, name, bounds, fit, style, view)
		if err != nil {
			return nil, &callError{kind: "internal", text: "carto-mcp could not draw the tileset's picture: " + err.Error()}
		}
		out.Image = picture != nil
	}
	out.Notice = pictureNote
	b, err := json.Marshal(out)
	if err != nil {
		return nil, &callError{kind: "internal", text: "carto-mcp could not encode the result: " + err.Error()}
	}
	res.StructuredContent = json.RawMessage(b)
	text := tilesetText(out, meta, style)
	if out.ColorBy != "" && style.Kind == mapstyle.Numeric && zoom < tj.MaxZoom && isAggregation(tj.Raw) {
		text += fmt.Sprintf("This is a point aggregation tileset: its tilestats describe the cells of zoom %d, and at lower zooms a cell sums the points of several, "+
			"so more of them fall in the top class; zoom in (or pass zoom %d) to see the classes as the legend counts them.\n", tj.MaxZoom, tj.MaxZoom)
	}
	res.Content = []mcp.Content{mcp.NewTextContent(text)}
	if picture != nil {
		res.Content = append(res.Content, mcp.NewImageContent(base64.StdEncoding.EncodeToString(picture), "image/png"))
		info.attrs = append(info.attrs, slog.Int("png_bytes", len(picture)), slog.Int("picture_tiles", view.PictureTiles))
	}
	info.attrs = append(info.attrs, slog.String("tileset", name), slog.Int("zoom", zoom))
	return res, nil
}

// tilesetPicture draws the tileset from the tiles covering its bounds at
// zoom z. No picture comes with a note saying why; an error reading a tile
// is a note too (the interactive map may still work).
func (d *Deps) tilesetPicture(ctx context.Context, c *client.Client, conn, name string, bounds orb.Bound, z int,
	style *mapstyle.Style, view *TilesetView) ([]byte, string, error) {
	tiles, err := tilesetmap.Cover(bounds, z, pictureMaxTiles)
	if err != nil {
		return nil, fmt.Sprintf("No picture: at the tileset's lowest zoom (%d) more than %d tiles cover its bounds; "+
			"a host that shows MCP Apps views draws it as you pan and zoom.", z, pictureMaxTiles), nil
	}
	data := make([][]byte, len(tiles))
	errs := make([]error, len(tiles))
	sem := make(chan struct{}, pictureFetches)
	var wg sync.WaitGroup
	for i, t := range tiles {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			data[i], errs[i] = c.Maps.Tile(ctx, conn, name, int(t.Z), int(t.X), int(t.Y))
		}()
	}
	wg.Wait()
	index := map[maptile.Tile]int{}
	for i, t := range tiles {
		index[t] = i
	}
	fc, loaded, err := tilesetmap.Features(tiles, mapMaxFeatures, func(t maptile.Tile) ([]byte, error) {
		i := index[t]
		return data[i], errs[i]
	})
	caption := fmt.Sprintf("%s, zoom %d", name, z)
	switch {
	case errors.Is(err, tilesetmap.ErrTooManyFeatures):
		caption += fmt.Sprintf(" (first %s features)", groupThousands(mapMaxFeatures))
	case err != nil:
		return nil, "No picture: reading the tileset's tiles failed: " + describeError(opTileset, err, d.opts.CallTimeout).text, nil
	}
	if len(fc.Features) == 0 {
		return nil, fmt.Sprintf("No picture: the tileset's %d tiles at zoom %d hold no features.", len(tiles), z), nil
	}
	png, err := mappng.Render(fc, style.For(fc), mappng.Options{Width: pictureWidth, Height: pictureHeight, Caption: caption})
	if err != nil {
		return nil, "", err
	}
	view.PictureZoom, view.PictureTiles = z, loaded
	return png, "", nil
}

func tilesetText(out ViewMapOutput, meta tilesetMeta, style *mapstyle.Style) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Tileset %s on connection %s", meta.Name, meta.Connection)
	if out.FeatureCount > 0 {
		var types []string
		for t, n := range out.GeometryTypes {
			types = append(types, fmt.Sprintf("%s %d", t, n))
		}
		sort.Strings(types)
		fmt.Fprintf(&b, ": %s", plural(out.FeatureCount, "feature"))
		if len(types) > 0 {
			fmt.Fprintf(&b, " (%s)", strings.Join(types, ", "))
		}
	}
	fmt.Fprintf(&b, ", zoom levels %d to %d.\n", meta.MinZoom, meta.MaxZoom)
	fmt.Fprintf(&b, "Bounding box: [%s, %s, %s, %s] (min lon, min lat, max lon, max lat).\n",
		coord(out.BBox[0]), coord(out.BBox[1]), coord(out.BBox[2]), coord(out.BBox[3]))
	for _, l := range meta.Layers {
		var fields []string
		for f, t := range l.Fields {
			fields = append(fields, f+" ("+t+")")
		}
		sort.Strings(fields)
		fmt.Fprintf(&b, "Layer %s", l.ID)
		if l.GeometryType != "" {
			fmt.Fprintf(&b, " of %ss", strings.ToLower(l.GeometryType))
		}
		if len(fields) > 0 {
			fmt.Fprintf(&b, ", properties: %s", strings.Join(fields, ", "))
		}
		b.WriteString(".\n")
	}
	if out.ColorBy != "" {
		var items []string
		for _, e := range out.Legend {
			items = append(items, e.Label+" "+e.Color)
		}
		fmt.Fprintf(&b, "Coloured by %s in %s from the tileset's tilestats (the same at every zoom and wherever the user pans): %s.\n",
			out.ColorBy, classesName(style), strings.Join(items, "; "))
	}
	fmt.Fprintf(&b, "The interactive map opens at zoom %d and loads the tiles in view as the user pans and zooms.\n", out.Tileset.Zoom)
	switch {
	case out.Tileset.PictureTiles > 0:
		fmt.Fprintf(&b, "The picture shows it from %s at zoom %d.\n", plural(out.Tileset.PictureTiles, "tile"), out.Tileset.PictureZoom)
	case out.Notice != "":
		b.WriteString(out.Notice + "\n")
	}
	return b.String()
}

// tilesetStyle colours the tileset's features by property colorBy ("" for
// one colour), with classes fixed from its tilestats before any tile loads.
func tilesetStyle(name, colorBy string, layers []tileLayer, properties []string, stats tilesetmap.Tilestats) (*mapstyle.Style, *callError) {
	if colorBy == "" {
		style, _ := mapstyle.New(geojson.NewFeatureCollection(), "", "")
		return style, nil
	}
	fieldType, found := "", false
	for _, l := range layers {
		if fieldType, found = l.Fields[colorBy]; found {
			break
		}
	}
	if !found {
		if len(properties) == 0 {
			return nil, badArgument("`color_by` %q is not a property of tileset %s: its vector_layers list no properties, so it can only be drawn in one colour. Drop color_by.", colorBy, name)
		}
		msg := fmt.Sprintf("`color_by` %q is not a property of tileset %s; its properties are %s.", colorBy, name, strings.Join(properties, ", "))
		if near := discovery.Suggest(colorBy, properties, 3); len(near) > 0 {
			msg += " Did you mean " + quoteNames(near) + "?"
		}
		return nil, badArgument("%s", msg)
	}
	rebuild := "The colours must be fixed before any tile loads, so that they do not change as the user pans. " +
		"Recreate the tileset with tilestats (CREATE_SIMPLE_TILESET / CREATE_POINT_AGGREGATION_TILESET option \"target_tilestats\": true, the default), " +
		"drop color_by, or map the source table with sql and color_by."
	attr, features, ok := stats.Attribute(colorBy)
	if !ok {
		return nil, &callError{kind: "no_tilestats", text: fmt.Sprintf("Tileset %s's metadata has no tilestats for property %s, so view_map cannot class its values. %s", name, colorBy, rebuild)}
	}
	style, err := mapstyle.FromStats(attr.Style(strings.EqualFold(fieldType, "Number"), features))
	if err != nil {
		return nil, &callError{kind: "no_tilestats", text: fmt.Sprintf("Tileset %s's tilestats cannot class property %s: %v. %s", name, colorBy, err, rebuild)}
	}
	return style, nil
}

// classesName says how the style's classes were made, for the text.
func classesName(s *mapstyle.Style) string {
	switch {
	case s.Kind == mapstyle.Categorical:
		return "categories by frequency"
	case s.Method == mapstyle.MethodQuantiles:
		return "quantile classes"
	case s.Method == mapstyle.MethodEqualInterval:
		return "equal-interval classes between min and max (the tilestats have no quantiles)"
	}
	return "classes"
}

// isAggregation reports whether a TileJSON describes a point aggregation
// tileset (the local tiler's metadata says so in "aggregation").
func isAggregation(raw json.RawMessage) bool {
	var tj struct {
		Aggregation json.RawMessage `json:"aggregation"`
	}
	return json.Unmarshal(raw, &tj) == nil && len(tj.Aggregation) > 0 && string(tj.Aggregation) != "null"
}

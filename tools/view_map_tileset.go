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

type tileStats struct {
	Layers []struct {
		Layer    string `json:"layer"`
		Count    int    `json:"count"`
		Geometry string `json:"geometry"`
	} `json:"layers"`
}

// tilesetConflicts names the first of view_map's arguments for rows that
// was given with a tileset, where it means nothing (the tileset's features
// and properties are fixed in its tiles).
func tilesetConflicts(in ViewMapInput) string {
	switch {
	case strings.TrimSpace(in.GeometryColumn) != "":
		return "geometry_column"
	case strings.TrimSpace(in.ColorBy) != "":
		return "color_by"
	case strings.TrimSpace(in.LabelColumn) != "":
		return "label_column"
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
	c := d.carto(ctx)
	conn := strings.TrimSpace(in.Connection)
	if conn == "" {
		conn = c.DefaultConnection()
	}
	info.connection = conn
	if conn == "" {
		return nil, describeError(opTileset, client.ErrNoConnection, d.opts.CallTimeout)
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
	var stats tileStats
	if len(tj.Tilestats) > 0 {
		_ = json.Unmarshal(tj.Tilestats, &stats) // optional: without it the counts stay unknown
	}

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
		out.FeatureCount += l.Count
		if l.Geometry != "" {
			out.GeometryTypes[l.Geometry] += l.Count
		}
	}
	out.RowCount = out.FeatureCount
	out.Tileset = view
	style, _ := mapstyle.New(geojson.NewFeatureCollection(), "", "")

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
	res.Content = []mcp.Content{mcp.NewTextContent(tilesetText(out, meta, stats))}
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
	png, err := mappng.Render(fc, style, mappng.Options{Width: pictureWidth, Height: pictureHeight, Caption: caption})
	if err != nil {
		return nil, "", err
	}
	view.PictureZoom, view.PictureTiles = z, loaded
	return png, "", nil
}

func tilesetText(out ViewMapOutput, meta tilesetMeta, stats tileStats) string {
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
	fmt.Fprintf(&b, "The interactive map opens at zoom %d and loads the tiles in view as the user pans and zooms.\n", out.Tileset.Zoom)
	switch {
	case out.Tileset.PictureTiles > 0:
		fmt.Fprintf(&b, "The picture shows it from %s at zoom %d.\n", plural(out.Tileset.PictureTiles, "tile"), out.Tileset.PictureZoom)
	case out.Notice != "":
		b.WriteString(out.Notice + "\n")
	}
	return b.String()
}

package tools

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// GetTilesetTileInput is the arguments of get_tileset_tile.
type GetTilesetTileInput struct {
	Tileset         string `json:"tileset" jsonschema:"required,minLength=1" jsonschema_description:"The tileset table, fully qualified (the output_table of CREATE_SIMPLE_TILESET / CREATE_TILESET)."`
	Z               int    `json:"z" jsonschema:"required,minimum=0,maximum=24" jsonschema_description:"Zoom level of the tile."`
	X               int    `json:"x" jsonschema:"required,minimum=0" jsonschema_description:"Column of the tile, 0 to 2^z - 1."`
	Y               int    `json:"y" jsonschema:"required,minimum=0" jsonschema_description:"Row of the tile (XYZ scheme, 0 at the top), 0 to 2^z - 1."`
	IncludeTileJSON bool   `json:"include_tilejson,omitempty" jsonschema_description:"Also return the tileset's TileJSON (zoom range, bounds, center, vector_layers, tilestats): for the first tile a view asks for."`
	Connection      string `json:"connection,omitempty" jsonschema_description:"Connection the tileset is on (default: the server's)."`
}

// GetTilesetTileOutput is one tile.
type GetTilesetTileOutput struct {
	Tileset    string `json:"tileset" jsonschema:"required"`
	Connection string `json:"connection" jsonschema:"required"`
	Z          int    `json:"z" jsonschema:"required"`
	X          int    `json:"x" jsonschema:"required"`
	Y          int    `json:"y" jsonschema:"required"`
	Empty      bool   `json:"empty" jsonschema:"required" jsonschema_description:"True when the tileset has no tile here (no features): data is then absent."`
	Format     string `json:"format" jsonschema:"required" jsonschema_description:"Always mvt: a Mapbox Vector Tile (protobuf)."`
	Encoding   string `json:"encoding,omitempty" jsonschema:"enum=gzip" jsonschema_description:"How data is compressed: gzip (RFC 1952), as tilesets store their tiles; decompress it to get the MVT. Absent when the tile is empty."`
	Bytes      int    `json:"bytes" jsonschema:"required" jsonschema_description:"Size of the tile as sent in data (gzip-compressed), in bytes, before base64."`
	Data       string `json:"data,omitempty" jsonschema_description:"The tile, gzip-compressed (see encoding), then base64-encoded."`
	// TileJSON is the tileset's TileJSON, when asked for.
	TileJSON json.RawMessage `json:"tilejson,omitempty" jsonschema_description:"The tileset's TileJSON, when include_tilejson was set."`
}

const getTilesetTileDescription = `Return one vector tile (z/x/y, Mapbox Vector Tile, gzip-compressed, base64) of a tileset made by CREATE_SIMPLE_TILESET or CREATE_TILESET, and optionally its TileJSON. For map views, which have no network of their own and load a tileset tile by tile through this tool; not meant for the model.`

// maxTileZoom bounds z (CARTO's tiler stops at 20 or so).
const maxTileZoom = 24

// GetTilesetTile is the get_tileset_tile tool, visible to MCP Apps views
// only (_meta.ui.visibility ["app"]): a model has no use for tile bytes.
func GetTilesetTile(d *Deps) server.ServerTool {
	t := mustTool(ToolGetTilesetTile, "Get a tileset tile", getTilesetTileDescription, annotations(true, false, true))
	t.Meta = &mcp.Meta{AdditionalFields: map[string]any{"ui": map[string]any{"visibility": []string{"app"}}}}
	return server.ServerTool{Tool: t, Handler: handle(d, ToolGetTilesetTile, d.getTilesetTile)}
}

func (d *Deps) getTilesetTile(ctx context.Context, in GetTilesetTileInput, info *callInfo) (*mcp.CallToolResult, *callError) {
	name := strings.TrimSpace(in.Tileset)
	if name == "" {
		return nil, badArgument("`tileset` is empty: pass the tileset table's name.")
	}
	if in.Z < 0 || in.Z > maxTileZoom || in.X < 0 || in.Y < 0 || in.X >= 1<<in.Z || in.Y >= 1<<in.Z {
		return nil, badArgument("tile %d/%d/%d does not exist: z is 0 to %d, and x and y are 0 to 2^z - 1.", in.Z, in.X, in.Y, maxTileZoom)
	}
	c := d.carto(ctx)
	conn := connectionName(c, in.Connection)
	info.connection = conn
	out := GetTilesetTileOutput{Tileset: name, Connection: conn, Z: in.Z, X: in.X, Y: in.Y, Format: "mvt"}
	if in.IncludeTileJSON {
		tj, err := c.Maps.Tileset(ctx, conn, name)
		if err != nil {
			return nil, describeError(opTileset, err, d.opts.CallTimeout)
		}
		out.TileJSON = tj.Raw
	}
	// The tile travels as the tileset stores it, gzip-compressed: a third
	// to a fifth of the MVT's size (the view decompresses it).
	data, err := c.Maps.TileGzip(ctx, conn, name, in.Z, in.X, in.Y)
	if err != nil {
		return nil, describeError(opTileset, err, d.opts.CallTimeout)
	}
	out.Empty, out.Bytes = len(data) == 0, len(data)
	if len(data) > 0 {
		out.Encoding = "gzip"
		out.Data = base64.StdEncoding.EncodeToString(data)
	}
	text := fmt.Sprintf("Tile %d/%d/%d of %s: %d bytes of gzip-compressed MVT.", in.Z, in.X, in.Y, name, len(data))
	if out.Empty {
		text = fmt.Sprintf("Tile %d/%d/%d of %s is empty (no features there).", in.Z, in.X, in.Y, name)
	}
	return structuredResult(out, text)
}

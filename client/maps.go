package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// MapService reads tilesets through CARTO's Maps API v3:
// GET /v3/maps/{connection}/tileset?name= (TileJSON) and
// GET /v3/maps/{connection}/tileset/{z}/{x}/{y}?name= (one tile).
type MapService struct{ c *Client }

// TileJSON is a tileset's TileJSON as the Maps API serves it. Raw holds the
// whole document, CARTO's extra keys (tilestats, fraction_dropped_per_zoom...)
// included.
type TileJSON struct {
	TileJSON     string          `json:"tilejson"`
	Name         string          `json:"name"`
	Description  string          `json:"description"`
	Tiles        []string        `json:"tiles"`
	MinZoom      int             `json:"minzoom"`
	MaxZoom      int             `json:"maxzoom"`
	Bounds       []float64       `json:"bounds"`
	Center       []float64       `json:"center"`
	VectorLayers json.RawMessage `json:"vector_layers"`
	Tilestats    json.RawMessage `json:"tilestats"`
	Raw          json.RawMessage `json:"-"`
}

// tileMediaTypes are the Content-Types a vector tile may come with.
var tileMediaTypes = map[string]bool{
	"application/vnd.mapbox-vector-tile": true,
	"application/x-protobuf":             true,
	"application/protobuf":               true,
	"application/x-mvt":                  true,
	"application/octet-stream":           true,
}

// maxTileBytes bounds a tile read: CARTO's tiler caps tiles at 6 MB.
const maxTileBytes = 8 << 20

// Tileset returns the TileJSON of the tileset table name (fully qualified).
func (s *MapService) Tileset(ctx context.Context, connection, name string) (*TileJSON, error) {
	cl, err := s.call("get tileset", connection, name)
	if err != nil {
		return nil, err
	}
	var raw json.RawMessage
	if err := s.c.doJSON(ctx, cl, &raw); err != nil {
		return nil, err
	}
	var tj TileJSON
	if err := json.Unmarshal(raw, &tj); err != nil {
		return nil, s.c.wrap(cl, fmt.Errorf("%w: not TileJSON: %v", ErrInvalidResponse, err))
	}
	tj.Raw = raw
	return &tj, nil
}

// Tile returns one tile of the tileset as a Mapbox Vector Tile (the HTTP
// layer undoes any gzip transfer encoding), or nil when the tileset has no
// tile there (204 No Content).
func (s *MapService) Tile(ctx context.Context, connection, name string, z, x, y int) ([]byte, error) {
	if z < 0 || z > 30 || x < 0 || y < 0 || x >= 1<<z || y >= 1<<z {
		return nil, fmt.Errorf("carto: get tile: %d/%d/%d is not a tile: x and y must be in [0, 2^z)", z, x, y)
	}
	cl, err := s.call("get tile", connection, name)
	if err != nil {
		return nil, err
	}
	cl.segments = append(cl.segments, strconv.Itoa(z), strconv.Itoa(x), strconv.Itoa(y))
	cl.query.Set("formatTiles", "mvt")
	resp, err := s.c.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNoContent {
		return nil, nil
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxTileBytes+1))
	if err != nil {
		if ctx.Err() != nil {
			return nil, s.c.wrap(cl, ctx.Err())
		}
		return nil, s.c.wrap(cl, fmt.Errorf("%w: %v", ErrTruncatedResponse, err))
	}
	if len(data) > maxTileBytes {
		return nil, s.c.wrap(cl, fmt.Errorf("%w: the tile is over %d MiB", ErrInvalidResponse, maxTileBytes>>20))
	}
	// A JSON, HTML or XML page with a 2xx status is a proxy's or an error
	// page, not a tile.
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); !tileMediaTypes[mt] {
		return nil, s.c.wrap(cl, fmt.Errorf("%w (HTTP %d, %s): not a vector tile: %s", ErrInvalidResponse,
			resp.StatusCode, mt, describeNonJSON(resp, data[:min(len(data), 4096)])))
	}
	if len(data) == 0 {
		return nil, nil
	}
	return data, nil
}

func (s *MapService) call(op, connection, name string) (*call, error) {
	conn, err := s.c.resolveConnection(connection)
	if err != nil {
		return nil, fmt.Errorf("carto: %s: %w", op, err)
	}
	if strings.TrimSpace(name) == "" {
		return nil, fmt.Errorf("carto: %s on connection %q: %w: empty tileset name", op, conn, ErrInvalidName)
	}
	return &call{op: op, connection: conn, method: http.MethodGet, idempotent: true,
		segments: []string{"v3", "maps", conn, "tileset"}, query: url.Values{"name": {name}}}, nil
}

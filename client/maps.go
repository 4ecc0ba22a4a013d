package client

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
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
// layer undoes any gzip transfer encoding; a tileset that stores its tiles
// gzip-compressed and serves them without Content-Encoding sends them
// compressed), or nil when the tileset has no tile there (204 No Content).
func (s *MapService) Tile(ctx context.Context, connection, name string, z, x, y int) ([]byte, error) {
	data, _, err := s.tile(ctx, connection, name, z, x, y, "")
	return data, err
}

// TileGzip returns one tile of the tileset as a gzip-compressed Mapbox
// Vector Tile, or nil when the tileset has no tile there. Tilesets store
// their tiles gzip-compressed and the Maps API sends them so (with
// Content-Encoding: gzip) to a client that accepts it: those bytes are
// returned as they came, not decompressed. A tile that came uncompressed
// is compressed here.
func (s *MapService) TileGzip(ctx context.Context, connection, name string, z, x, y int) ([]byte, error) {
	data, encoding, err := s.tile(ctx, connection, name, z, x, y, "gzip")
	if err != nil || data == nil {
		return data, err
	}
	switch {
	case encoding == "gzip" || isGzip(data):
		// As sent with Content-Encoding: gzip, or stored gzip-compressed
		// and sent as stored.
		return data, nil
	}
	var buf bytes.Buffer
	buf.Grow(len(data)/2 + 64)
	zw := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(zw)
	zw.Reset(&buf)
	if _, err := zw.Write(data); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// gzipWriters compress the tiles that came plain, and are reused (a
// gzip.Writer holds hundreds of KB of state). BestSpeed: on a 180 KB tile of
// 3,000 stores it takes about a quarter of the default level's time for 9%
// more bytes (BenchmarkTileGzip), and the tile is on a view's critical path.
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed) // a valid level: no error
	return zw
}}

// isGzip reports whether data starts with gzip's magic and method
// (deflate): RFC 1952's ID1 ID2 CM.
func isGzip(data []byte) bool {
	return len(data) >= 3 && data[0] == 0x1f && data[1] == 0x8b && data[2] == 8
}

// tile reads one tile, sending acceptEncoding (none: net/http asks for
// gzip and decodes it). It returns the body and its Content-Encoding
// ("" for identity).
func (s *MapService) tile(ctx context.Context, connection, name string, z, x, y int, acceptEncoding string) ([]byte, string, error) {
	if z < 0 || z > 30 || x < 0 || y < 0 || x >= 1<<z || y >= 1<<z {
		return nil, "", fmt.Errorf("carto: get tile: %d/%d/%d is not a tile: x and y must be in [0, 2^z)", z, x, y)
	}
	cl, err := s.call("get tile", connection, name)
	if err != nil {
		return nil, "", err
	}
	cl.segments = append(cl.segments, strconv.Itoa(z), strconv.Itoa(x), strconv.Itoa(y))
	cl.query.Set("formatTiles", "mvt")
	cl.acceptEncoding = acceptEncoding
	resp, err := s.c.do(ctx, cl)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNoContent {
		return nil, "", nil
	}
	encoding := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding")))
	if encoding == "identity" {
		encoding = ""
	}
	if encoding != "" && encoding != acceptEncoding {
		return nil, "", s.c.wrap(cl, fmt.Errorf("%w (HTTP %d): the tile came with Content-Encoding %q, which was not asked for",
			ErrInvalidResponse, resp.StatusCode, encoding))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxTileBytes+1))
	if err != nil {
		if ctx.Err() != nil {
			return nil, "", s.c.wrap(cl, ctx.Err())
		}
		return nil, "", s.c.wrap(cl, fmt.Errorf("%w: %v", ErrTruncatedResponse, err))
	}
	if len(data) > maxTileBytes {
		return nil, "", s.c.wrap(cl, fmt.Errorf("%w: the tile is over %d MiB", ErrInvalidResponse, maxTileBytes>>20))
	}
	// A JSON, HTML or XML page with a 2xx status is a proxy's or an error
	// page, not a tile.
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); !tileMediaTypes[mt] {
		page := data[:min(len(data), 4096)]
		if encoding == "gzip" {
			if zr, err := gzip.NewReader(bytes.NewReader(data)); err == nil {
				page, _ = io.ReadAll(io.LimitReader(zr, 4096))
			}
		}
		return nil, "", s.c.wrap(cl, fmt.Errorf("%w (HTTP %d, %s): not a vector tile: %s", ErrInvalidResponse,
			resp.StatusCode, mt, describeNonJSON(resp, page)))
	}
	if len(data) == 0 {
		return nil, "", nil
	}
	if encoding == "gzip" && !isGzip(data) {
		return nil, "", s.c.wrap(cl, fmt.Errorf("%w (HTTP %d): the tile sent with Content-Encoding: gzip is not gzip", ErrInvalidResponse, resp.StatusCode))
	}
	return data, encoding, nil
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

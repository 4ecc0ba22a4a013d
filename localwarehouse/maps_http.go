package localwarehouse

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// The Maps API's tileset routes, so that MapLibre, deck.gl or the MCP
// tools can show a tileset made by the local tiler:
//
//	GET /v3/maps/{connection}/tileset?name=demo.stores_tiles        -> TileJSON 3.0.0
//	GET /v3/maps/{connection}/tileset/{z}/{x}/{y}?name=...          -> one tile (MVT)
//
// The TileJSON's "tiles" template points at the second route on the host
// the request came to. A tile is served as stored, gzip-compressed, with
// Content-Encoding: gzip when the client accepts it (browsers and MapLibre
// do) and decompressed otherwise; a tile the tileset does not have is a
// 204 No Content, as CARTO answers for empty tiles.

// mvtContentType is the registered media type of Mapbox Vector Tiles.
const mvtContentType = "application/vnd.mapbox-vector-tile"

// handleTileJSON serves GET /v3/maps/{connection}/tileset?name=...
func (w *Warehouse) handleTileJSON(rw http.ResponseWriter, r *http.Request) {
	if !allowMethods(rw, r, http.MethodGet) {
		return
	}
	name, apiErr := w.tilesetName(r)
	if apiErr != nil {
		writeError(rw, apiErr)
		return
	}
	var meta []byte
	apiErr = w.withTileset(r.Context(), name, func(ctx context.Context, conn *sql.Conn) error {
		return conn.QueryRowContext(ctx, "SELECT data FROM "+name.quoted()+" WHERE z = -1 LIMIT 1").Scan(&meta)
	})
	if apiErr != nil {
		writeError(rw, apiErr)
		return
	}
	var tj map[string]any
	if err := json.Unmarshal(meta, &tj); err != nil {
		writeError(rw, errorf(http.StatusBadRequest, "The metadata row (z = -1) of "+name.String()+" is not JSON"))
		return
	}
	// CARTO's metadata keeps bounds and center as "a,b,c" strings; TileJSON
	// wants arrays.
	for _, k := range []string{"bounds", "center"} {
		if s, ok := tj[k].(string); ok {
			var nums []float64
			for _, part := range strings.Split(s, ",") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(part), 64); err == nil {
					nums = append(nums, f)
				}
			}
			tj[k] = nums
		}
	}
	q := url.Values{"name": {r.URL.Query().Get("name")}, "formatTiles": {"mvt"}}
	tj["tilejson"] = "3.0.0"
	tj["scheme"] = "xyz"
	tj["tiles"] = []string{requestBase(r) + "/v3/maps/" + url.PathEscape(w.opts.Connection) +
		"/tileset/{z}/{x}/{y}?" + q.Encode()}
	if n, _ := tj["name"].(string); n == "" {
		tj["name"] = name.String()
	}
	writeJSON(rw, http.StatusOK, tj)
}

// handleTile serves GET /v3/maps/{connection}/tileset/{z}/{x}/{y}?name=...
func (w *Warehouse) handleTile(rw http.ResponseWriter, r *http.Request) {
	if !allowMethods(rw, r, http.MethodGet) {
		return
	}
	name, apiErr := w.tilesetName(r)
	if apiErr != nil {
		writeError(rw, apiErr)
		return
	}
	var zxy [3]int
	for i, k := range []string{"z", "x", "y"} {
		v, err := strconv.Atoi(r.PathValue(k))
		if err != nil || v < 0 || v > 1<<30 {
			writeError(rw, errorf(http.StatusBadRequest, "Tile coordinate "+k+" must be a non-negative integer, got "+strconv.Quote(r.PathValue(k))))
			return
		}
		zxy[i] = v
	}
	if zxy[0] > 30 || zxy[1] >= 1<<zxy[0] || zxy[2] >= 1<<zxy[0] {
		writeError(rw, errorf(http.StatusBadRequest, "Tile "+r.PathValue("z")+"/"+r.PathValue("x")+"/"+r.PathValue("y")+
			" does not exist: x and y must be in [0, 2^z)"))
		return
	}
	var data []byte
	found := true
	apiErr = w.withTileset(r.Context(), name, func(ctx context.Context, conn *sql.Conn) error {
		err := conn.QueryRowContext(ctx, "SELECT data FROM "+name.quoted()+" WHERE z = $1 AND x = $2 AND y = $3 LIMIT 1",
			zxy[0], zxy[1], zxy[2]).Scan(&data)
		if errors.Is(err, sql.ErrNoRows) {
			found = false
			return nil
		}
		return err
	})
	if apiErr != nil {
		writeError(rw, apiErr)
		return
	}
	h := rw.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Vary", "Accept-Encoding")
	if !found || len(data) == 0 {
		rw.WriteHeader(http.StatusNoContent)
		return
	}
	h.Set("Content-Type", mvtContentType)
	if acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		h.Set("Content-Length", strconv.Itoa(len(data)))
		rw.WriteHeader(http.StatusOK)
		_, _ = rw.Write(data)
		return
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		writeError(rw, errorf(http.StatusInternalServerError, "Tile data of "+name.String()+" is not gzip-compressed"))
		return
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		writeError(rw, errorf(http.StatusInternalServerError, "Tile data of "+name.String()+" is corrupt: "+err.Error()))
		return
	}
	rw.WriteHeader(http.StatusOK)
	_, _ = rw.Write(raw)
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && !strings.Contains(strings.ReplaceAll(params, " ", ""), "q=0") {
			return true
		}
	}
	return false
}

// requestBase is the scheme and host the client used, for absolute tile URLs.
func requestBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (w *Warehouse) tilesetName(r *http.Request) (tableName, *apiError) {
	raw := r.URL.Query().Get("name")
	if strings.TrimSpace(raw) == "" {
		return tableName{}, &apiError{Status: http.StatusBadRequest, Message: "Missing name parameter",
			Hint: "Pass the tileset table: ?name=" + w.opts.Connection + ".demo.stores_tiles"}
	}
	n, err := w.parseTableName(raw, "name")
	if err != nil {
		return tableName{}, errorf(http.StatusBadRequest, err.Error())
	}
	return n, nil
}

// withTileset runs f on a fresh connection after checking that name is a
// table with a tileset's columns.
func (w *Warehouse) withTileset(reqCtx context.Context, name tableName, f func(context.Context, *sql.Conn) error) *apiError {
	if !w.begin() {
		return errorf(http.StatusServiceUnavailable, errClosed.Error())
	}
	defer w.end()
	ctx, cancel := w.queryContext(reqCtx)
	defer cancel()
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return errorf(http.StatusServiceUnavailable, err.Error())
	}
	defer conn.Close()
	var all, cols int
	err = conn.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE lower(column_name) IN ('z', 'x', 'y', 'data'))
		FROM duckdb_columns()
		WHERE database_name = $1 AND lower(schema_name) = lower($2) AND lower(table_name) = lower($3)`,
		name.catalog, name.schema, name.table).Scan(&all, &cols)
	if err != nil {
		return errorf(http.StatusBadRequest, err.Error())
	}
	if all == 0 {
		return &apiError{Status: http.StatusNotFound, Message: "Tileset not found: " + name.String(),
			Hint: "Create it with a job: CALL carto.CREATE_SIMPLE_TILESET('<input>', '" + name.String() + "', '{}')"}
	}
	if cols != 4 {
		return errorf(http.StatusBadRequest, name.String()+" is not a tileset: a tileset has the columns z, x, y and data")
	}
	if err := f(ctx, conn); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return errorf(http.StatusBadRequest, name.String()+" has no metadata row (z = -1): it is not a finished tileset")
		}
		return w.classifyQueryError(ctx, reqCtx, err)
	}
	return nil
}

package localwarehouse

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/paulmach/orb/encoding/mvt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTileJSONAndTiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	done := e.runTileset(tilesetCall("demo.cities", "demo.city_tiles",
		`{"zoom_min": 0, "zoom_max": 4, "properties": {"name": "String"}, "metadata": {"name": "Cities"}}`))
	require.Equal(t, statusSuccess, done.Status, "%+v", done.Error)

	r := e.do(http.MethodGet, "/v3/maps/carto_local/tileset?name=demo.city_tiles", "", nil, nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var tj struct {
		TileJSON     string    `json:"tilejson"`
		Name         string    `json:"name"`
		Tiles        []string  `json:"tiles"`
		MinZoom      int       `json:"minzoom"`
		MaxZoom      int       `json:"maxzoom"`
		Bounds       []float64 `json:"bounds"`
		Center       []float64 `json:"center"`
		VectorLayers []struct {
			ID     string            `json:"id"`
			Fields map[string]string `json:"fields"`
		} `json:"vector_layers"`
	}
	require.NoError(t, json.Unmarshal(r.body, &tj))
	assert.Equal(t, "3.0.0", tj.TileJSON)
	assert.Equal(t, "Cities", tj.Name)
	assert.Equal(t, 0, tj.MinZoom)
	assert.Equal(t, 4, tj.MaxZoom)
	assert.Len(t, tj.Bounds, 4)
	assert.Len(t, tj.Center, 3)
	require.Len(t, tj.VectorLayers, 1)
	assert.Equal(t, "default", tj.VectorLayers[0].ID)
	assert.Equal(t, map[string]string{"name": "String"}, tj.VectorLayers[0].Fields)
	require.Len(t, tj.Tiles, 1)
	assert.True(t, strings.HasPrefix(tj.Tiles[0], e.srv.URL+"/v3/maps/carto_local/tileset/{z}/{x}/{y}?"), tj.Tiles[0])

	// The template works as a client would use it: Go's HTTP client asks
	// for gzip and decodes it transparently.
	tileURL := strings.NewReplacer("{z}", "0", "{x}", "0", "{y}", "0").Replace(tj.Tiles[0])
	resp, err := http.Get(tileURL)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	assert.Equal(t, mvtContentType, resp.Header.Get("Content-Type"))
	assert.True(t, resp.Uncompressed, "served with Content-Encoding: gzip")
	layers, err := mvt.Unmarshal(body)
	require.NoError(t, err)
	require.Len(t, layers, 1)
	assert.Len(t, layers[0].Features, 313)

	// Without gzip in Accept-Encoding the tile comes decompressed.
	q := url.Values{"name": {"demo.city_tiles"}}.Encode()
	r = e.do(http.MethodGet, "/v3/maps/carto_local/tileset/0/0/0?"+q, "", nil, map[string]string{"Accept-Encoding": "identity"})
	require.Equal(t, http.StatusOK, r.status)
	assert.Empty(t, r.header.Get("Content-Encoding"))
	_, err = mvt.Unmarshal(r.body)
	require.NoError(t, err)

	for path, want := range map[string]int{
		"/v3/maps/carto_local/tileset/4/0/15?" + q:                       http.StatusNoContent, // the South Pacific: no city
		"/v3/maps/carto_local/tileset/2/4/0?" + q:                        http.StatusBadRequest,
		"/v3/maps/carto_local/tileset/a/0/0?" + q:                        http.StatusBadRequest,
		"/v3/maps/carto_local/tileset?name=demo.nothing":                 http.StatusNotFound,
		"/v3/maps/carto_local/tileset?name=demo.cities":                  http.StatusBadRequest,
		"/v3/maps/carto_local/tileset":                                   http.StatusBadRequest,
		"/v3/maps/carto_local/tileset?name=demo.x%3B%20DROP%20TABLE%20y": http.StatusBadRequest,
		"/v3/maps/other/tileset?" + q:                                    http.StatusNotFound,
	} {
		r := e.do(http.MethodGet, path, "", nil, nil)
		assert.Equal(t, want, r.status, "%s: %s", path, r.body)
	}
}

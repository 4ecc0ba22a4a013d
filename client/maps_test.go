package client

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testTile is a small MVT and its gzip-compressed bytes, as a tileset
// stores them.
func testTile(t *testing.T) (raw, gz []byte) {
	t.Helper()
	fc := geojson.NewFeatureCollection()
	for i := range 50 {
		f := geojson.NewFeature(orb.Point{float64(i * 40), float64(i * 70)})
		f.Properties["name"] = "store"
		fc.Append(f)
	}
	return tileOf(t, fc)
}

// tileOf is the MVT of fc's features in one layer, and its gzip-compressed
// bytes.
func tileOf(tb testing.TB, fc *geojson.FeatureCollection) (raw, gz []byte) {
	tb.Helper()
	raw, err := mvt.Marshal(mvt.Layers{&mvt.Layer{Name: "default", Version: 2, Extent: 4096, Features: fc.Features}})
	require.NoError(tb, err)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(raw)
	require.NoError(tb, zw.Close())
	return raw, buf.Bytes()
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	require.NoError(t, err)
	out, err := io.ReadAll(zr)
	require.NoError(t, err)
	return out
}

// TileGzip returns a tile gzip-compressed however the Maps API sends it:
// with Content-Encoding: gzip (the stored bytes, untouched), stored gzip
// bytes without it, or uncompressed (compressed here). Tile keeps
// returning the MVT.
func TestTileGzip(t *testing.T) {
	t.Parallel()
	raw, gz := testTile(t)
	garbage := []byte("not gzip at all")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gzipOK := strings.Contains(r.Header.Get("Accept-Encoding"), "gzip")
		w.Header().Set("Content-Type", "application/vnd.mapbox-vector-tile")
		switch r.URL.Query().Get("name") {
		case "encoded": // as CARTO and the local warehouse serve stored tiles
			if !gzipOK {
				_, _ = w.Write(raw)
				return
			}
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = w.Write(gz)
		case "stored": // the stored bytes, with no Content-Encoding
			_, _ = w.Write(gz)
		case "plain":
			_, _ = w.Write(raw)
		case "liar":
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = w.Write(garbage)
		case "brotli":
			w.Header().Set("Content-Encoding", "br")
			_, _ = w.Write(garbage)
		case "missing": // a gzip-compressed error, as a proxy may send it
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Encoding", "gzip")
			w.WriteHeader(http.StatusNotFound)
			zw := gzip.NewWriter(w)
			_, _ = zw.Write([]byte(`{"error": "Tileset not found: missing"}`))
			_ = zw.Close()
		case "empty":
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	t.Cleanup(srv.Close)
	c, err := New(Config{BaseURL: srv.URL, Connection: "conn", Token: StaticToken("t"), HTTPClient: srv.Client(), Retry: fastRetry})
	require.NoError(t, err)

	got, err := c.Maps.TileGzip(testCtx(t), "", "encoded", 1, 0, 1)
	require.NoError(t, err)
	assert.Equal(t, gz, got, "the stored bytes, as sent")
	got, err = c.Maps.TileGzip(testCtx(t), "", "stored", 1, 0, 1)
	require.NoError(t, err)
	assert.Equal(t, gz, got, "the stored bytes, as sent")
	got, err = c.Maps.TileGzip(testCtx(t), "", "plain", 1, 0, 1)
	require.NoError(t, err)
	assert.True(t, isGzip(got))
	assert.Equal(t, raw, gunzip(t, got), "compressed here")
	assert.Less(t, len(got), len(raw))
	got, err = c.Maps.TileGzip(testCtx(t), "", "empty", 1, 0, 1)
	require.NoError(t, err)
	assert.Nil(t, got)

	got, err = c.Maps.Tile(testCtx(t), "", "encoded", 1, 0, 1)
	require.NoError(t, err)
	assert.Equal(t, raw, got, "net/http undoes the transfer encoding")

	_, err = c.Maps.TileGzip(testCtx(t), "", "liar", 1, 0, 1)
	require.ErrorIs(t, err, ErrInvalidResponse)
	assert.ErrorContains(t, err, "Content-Encoding: gzip is not gzip")
	_, err = c.Maps.TileGzip(testCtx(t), "", "brotli", 1, 0, 1)
	require.ErrorIs(t, err, ErrInvalidResponse)
	assert.ErrorContains(t, err, `Content-Encoding "br"`)
	_, err = c.Maps.TileGzip(testCtx(t), "", "missing", 1, 0, 1)
	var apiErr *APIError
	require.True(t, errors.As(err, &apiErr), "%v", err)
	assert.Equal(t, http.StatusNotFound, apiErr.StatusCode)
	assert.Contains(t, apiErr.Error(), "Tileset not found: missing", "the error body is decompressed")
}

// BenchmarkTileGzip measures TileGzip on a tile of 3,000 stores (about the
// size of a demo.stores tile at zoom 1) sent as CARTO and --local send
// stored tiles (Content-Encoding: gzip, passed on as they are) and sent
// uncompressed (compressed here, the extra work a plain Maps API costs);
// and, for comparison, Tile on the stored tile (net/http decompresses it).
func BenchmarkTileGzip(b *testing.B) {
	fc := geojson.NewFeatureCollection()
	for i := range 3000 {
		f := geojson.NewFeature(orb.Point{float64((i * 7919) % 4096), float64((i * 104729) % 4096)})
		f.Properties["name"] = "Store #" + strconv.Itoa(i)
		f.Properties["category"] = []string{"grocery", "pharmacy", "electronics", "apparel", "coffee", "hardware"}[i%6]
		f.Properties["revenue"] = float64(i*37%100000) + 0.25
		f.Properties["store_id"] = float64(i)
		fc.Append(f)
	}
	raw, gz := tileOf(b, fc)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.mapbox-vector-tile")
		if r.URL.Query().Get("name") == "plain" {
			_, _ = w.Write(raw)
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(gz)
	}))
	b.Cleanup(srv.Close)
	c, err := New(Config{BaseURL: srv.URL, Connection: "conn", Token: StaticToken("t"), HTTPClient: srv.Client(), Retry: fastRetry})
	require.NoError(b, err)
	for _, bc := range []struct {
		name, tileset string
		get           func(ctx context.Context, connection, name string, z, x, y int) ([]byte, error)
	}{
		{"AsSent", "stored", c.Maps.TileGzip},
		{"CompressedHere", "plain", c.Maps.TileGzip},
		{"TileDecompressed", "stored", c.Maps.Tile},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var got []byte
			for b.Loop() {
				got, err = bc.get(b.Context(), "", bc.tileset, 1, 0, 0)
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(raw)), "mvt-bytes")
			b.ReportMetric(float64(len(got)), "result-bytes")
		})
	}
}

package localwarehouse_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/paulmach/orb/encoding/mvt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/client"
	"github.com/carto-mcp/carto-mcp/localwarehouse"
)

// The whole tileset loop through the real client: submit the CALL, wait,
// read the TileJSON, fetch tiles.
func TestClientTilesetLoop(t *testing.T) {
	t.Parallel()
	w := newWarehouse(t, localwarehouse.Options{})
	for name, c := range clients(t, w, "any") {
		t.Run(name, func(t *testing.T) {
			out := "demo.stores_tiles_" + name
			job, err := c.Jobs.Create(ctx(t), &client.CreateJobRequest{SQL: "CALL carto.CREATE_SIMPLE_TILESET('demo.stores', '" + out +
				`', '{"zoom_max": 5, "properties": {"category": "String"}}')`})
			require.NoError(t, err)
			done := waitDone(t, c, job.ID)
			require.Equal(t, client.JobSuccess, done.Status, "%+v", done.Error)
			assert.Contains(t, string(done.Provider), `"tiles_written":`)

			tj, err := c.Maps.Tileset(ctx(t), "", out)
			require.NoError(t, err)
			assert.Equal(t, "3.0.0", tj.TileJSON)
			assert.Equal(t, 5, tj.MaxZoom)
			require.Len(t, tj.Tiles, 1)
			assert.JSONEq(t, `[{"id":"default","minzoom":0,"maxzoom":5,"fields":{"category":"String"},"geometry_type":"Point"}]`,
				string(tj.VectorLayers))

			data, err := c.Maps.Tile(ctx(t), "", out, 0, 0, 0)
			require.NoError(t, err)
			layers, err := mvt.Unmarshal(data)
			require.NoError(t, err, "an uncompressed MVT")
			require.Len(t, layers, 1)
			assert.Len(t, layers[0].Features, 3381)
			// TileGzip: the stored gzip bytes, whatever the transport.
			gz, err := c.Maps.TileGzip(ctx(t), "", out, 0, 0, 0)
			require.NoError(t, err)
			require.Equal(t, []byte{0x1f, 0x8b}, gz[:2], "gzip")
			gzLayers, err := mvt.UnmarshalGzipped(gz)
			require.NoError(t, err)
			assert.Equal(t, layers, gzLayers)
			assert.Less(t, len(gz), len(data))

			data, err = c.Maps.Tile(ctx(t), "", out, 5, 0, 31)
			require.NoError(t, err)
			assert.Nil(t, data, "no store near the South Pole")

			_, err = c.Maps.Tileset(ctx(t), "", "demo.nothing")
			var apiErr *client.APIError
			require.True(t, errors.As(err, &apiErr), "%v", err)
			assert.Equal(t, http.StatusNotFound, apiErr.StatusCode)

			_, err = c.Maps.Tile(ctx(t), "", out, 1, 2, 0)
			require.ErrorContains(t, err, "x and y must be in [0, 2^z)")
		})
	}
}

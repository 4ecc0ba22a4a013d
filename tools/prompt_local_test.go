package tools_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/tools"
)

// On --local the create_tileset prompt walks the whole loop the local tiler
// supports, and the call it gives really runs there.
func TestCreateTilesetPromptOnLocal(t *testing.T) {
	t.Parallel()
	e := newLocalEnv(t, inProcess, "")
	text, err := e.prompt(tools.PromptCreateTileset, map[string]string{
		"source": "carto_local.main.pts", "output": "carto_local.main.pts_tiles", "zoom_max": "4"})
	require.NoError(t, err)
	assert.Empty(t, missing(text, "embedded local warehouse",
		`CALL carto.CREATE_SIMPLE_TILESET('carto_local.main.pts', 'carto_local.main.pts_tiles', '{\"geom_column\": \"geom\", \"zoom_min\": 0, \"zoom_max\": 4}')`,
		"provider.tileset", "tiles_written", "SELECT decode(data) AS metadata FROM carto_local.main.pts_tiles WHERE z = -1",
		"/v3/maps/<connection>/tileset?name=carto_local.main.pts_tiles", "get_tileset_tile"), text)

	// The call the prompt gives runs on the local warehouse.
	var job tools.SubmitJobOutput
	e.ok(e.call(tools.ToolSubmitJob, map[string]any{"wait_seconds": 50,
		"sql": "CREATE TABLE pts AS SELECT i AS id, format('POINT ({} {})', i, i) AS geom FROM range(10) t(i)"}), &job)
	require.Equal(t, "success", job.Status, "%+v", job.Error)
	e.ok(e.call(tools.ToolSubmitJob, map[string]any{"wait_seconds": 50,
		"sql": `CALL carto.CREATE_SIMPLE_TILESET('carto_local.main.pts', 'carto_local.main.pts_tiles', '{"geom_column": "geom", "zoom_min": 0, "zoom_max": 4}')`}), &job)
	require.Equal(t, "success", job.Status, "%+v", job.Error)
}

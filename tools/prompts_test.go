package tools_test

import (
	"encoding/json"
	"regexp"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/tools"
)

func (e *env) prompt(name string, args map[string]string) (string, error) {
	e.t.Helper()
	res, err := e.mcp.GetPrompt(testContext(e.t), mcp.GetPromptRequest{Params: mcp.GetPromptParams{Name: name, Arguments: args}})
	if err != nil {
		return "", err
	}
	require.Len(e.t, res.Messages, 1)
	assert.Equal(e.t, mcp.RoleUser, res.Messages[0].Role)
	tc, ok := res.Messages[0].Content.(mcp.TextContent)
	require.True(e.t, ok, "%T", res.Messages[0].Content)
	return tc.Text, nil
}

// submitArgs finds the submit_job arguments in a create_tileset text and
// decodes them.
func submitArgs(t *testing.T, text string) map[string]any {
	t.Helper()
	m := regexp.MustCompile(`(?m)^(\{"sql": .*\})$`).FindStringSubmatch(text)
	require.NotNil(t, m, "no submit_job arguments in:\n%s", text)
	var args map[string]any
	require.NoError(t, json.Unmarshal([]byte(m[1]), &args), m[1])
	return args
}

func TestPromptsListed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	res, err := e.mcp.ListPrompts(testContext(t), mcp.ListPromptsRequest{})
	require.NoError(t, err)
	var names []string
	for _, p := range res.Prompts {
		names = append(names, p.Name)
	}
	assert.Equal(t, []string{tools.PromptCreateTileset, tools.PromptExploreTable}, names)

	ro := newEnv(t, withOptions(func(o *tools.Options) { o.ReadOnly = true }))
	res, err = ro.mcp.ListPrompts(testContext(t), mcp.ListPromptsRequest{})
	require.NoError(t, err)
	require.Len(t, res.Prompts, 1, "create_tileset needs submit_job")
	assert.Equal(t, tools.PromptExploreTable, res.Prompts[0].Name)
}

func TestCreateTilesetCalls(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tc := range []struct {
		args map[string]string
		sql  string
	}{
		{map[string]string{"source": "proj-1.geo.stores", "output": "proj-1.geo.stores_tileset", "warehouse": "BigQuery"},
			"CALL carto.CREATE_TILESET('`proj-1.geo.stores`', '`proj-1.geo.stores_tileset`', NULL)"},
		{map[string]string{"source": "`p.d.src`", "output": "`p.d.out`", "warehouse": "bigquery"},
			"CALL carto.CREATE_TILESET('`p.d.src`', '`p.d.out`', NULL)"},
		{map[string]string{"source": "(SELECT geom, name\n  FROM `p.d.src` WHERE pop > 10)", "output": "p.d.out", "warehouse": "bigquery"},
			"CALL carto.CREATE_TILESET('(SELECT geom, name FROM `p.d.src` WHERE pop > 10)', '`p.d.out`', NULL)"},
		{map[string]string{"source": "db.public.roads", "output": "db.public.roads_tileset", "warehouse": "postgresql", "zoom_min": "2", "zoom_max": "14"},
			`CALL carto.CREATE_SIMPLE_TILESET('db.public.roads', 'db.public.roads_tileset', '{"geom_column": "geom", "zoom_min": 2, "zoom_max": 14}')`},
		{map[string]string{"source": "SELECT * FROM db.s.t", "output": "db.s.t_tiles", "warehouse": "postgres"},
			`CALL carto.CREATE_SIMPLE_TILESET('(SELECT * FROM db.s.t)', 'db.s.t_tiles', '{"geom_column": "geom", "zoom_min": 0, "zoom_max": 12}')`},
		{map[string]string{"source": "DB.PUBLIC.ROADS", "output": "DB.PUBLIC.ROADS_TILESET", "warehouse": "snowflake", "geom_column": "GEOM"},
			`CALL carto.CREATE_SIMPLE_TILESET('DB.PUBLIC.ROADS', 'DB.PUBLIC.ROADS_TILESET', '{"geom_column": "GEOM", "zoom_min": 0, "zoom_max": 12}')`},
		{map[string]string{"source": "(SELECT * FROM dev.s.t)", "output": "dev.s.t_tiles", "warehouse": "redshift", "zoom_max": "10"},
			`CALL carto.CREATE_SIMPLE_TILESET('SELECT * FROM dev.s.t', 'dev.s.t_tiles', '{"geom_column": "geom", "zoom_min": 0, "zoom_max": 10}')`},
	} {
		text, err := e.prompt(tools.PromptCreateTileset, tc.args)
		require.NoError(t, err, "%v", tc.args)
		args := submitArgs(t, text)
		assert.Equal(t, tc.sql, args["sql"], "%v", tc.args)
		assert.Equal(t, 50.0, args["wait_seconds"])
		assert.Contains(t, text, "\n"+tc.sql+"\n", "the SQL is shown as is")
		assert.Empty(t, missing(text, "submit_job", "get_job", `"wait_seconds": 50`, "must not exist", "already exists", "cancel_job"), "%v", tc.args)
	}

	text, err := e.prompt(tools.PromptCreateTileset, map[string]string{"source": "p.d.s", "output": "p.d.o", "warehouse": "bigquery", "zoom_max": "8", "connection": "bq conn"})
	require.NoError(t, err)
	assert.Equal(t, "bq conn", submitArgs(t, text)["connection"])
	assert.Contains(t, text, "0 AS zoom_min, 8 AS zoom_max, 'geom' AS geom_column_name", "BigQuery's explicit zoom range")

	text, err = e.prompt(tools.PromptCreateTileset, map[string]string{"source": "cat.sch.t", "output": "cat.sch.t_tiles", "warehouse": "databricks"})
	require.NoError(t, err)
	assert.Empty(t, missing(text, "Databricks", "no tileset procedure", "cannot give an exact call", "Builder", "H3"))
	assert.NotContains(t, text, "CREATE_SIMPLE_TILESET")
}

func TestCreateTilesetRefusesUnsafeArguments(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	base := map[string]string{"source": "p.d.s", "output": "p.d.o", "warehouse": "postgres"}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range base {
			m[a] = b
		}
		m[k] = v
		return m
	}
	for _, tc := range []struct {
		args map[string]string
		want string
	}{
		{with("source", "p.d.s'); DROP TABLE x; --"), `contains "'"`},
		{with("output", "p.d.o;x"), `contains ";"`},
		{with("source", "(SELECT * FROM t WHERE name = 'x')"), `contains "'"`},
		{with("source", "(SELECT * FROM t -- comment\n)"), `contains "--"`},
		{with("source", `p.d.s\`), `contains "\\"`},
		{with("source", "(SELECT * FROM t"), "must end with )"},
		{with("output", "o"), "fully qualified"},
		{with("output", "p.d.my table"), "not a table name"},
		{with("output", "p.d.`x`"), "backtick"},
		{with("warehouse", "oracle"), "not one of"},
		{with("warehouse", ""), "`warehouse` could not be learned from the connection"},
		{with("zoom_min", "5"), ""},
		{with("zoom_max", "23"), "from 0 to 22"},
		{with("zoom_max", "x"), "whole number"},
		{with("geom_column", `geom"`), "plain column name"},
		{with("connection", "a\nb"), "control character"},
	} {
		_, err := e.prompt(tools.PromptCreateTileset, tc.args)
		if tc.want == "" {
			assert.NoError(t, err, "%v", tc.args)
			continue
		}
		require.Error(t, err, "%v", tc.args)
		assert.Contains(t, err.Error(), tc.want, "%v", tc.args)
	}
	_, err := e.prompt(tools.PromptCreateTileset, map[string]string{"source": "p.d.s", "output": "p.d.o", "warehouse": "postgres", "zoom_min": "9", "zoom_max": "3"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "above `zoom_max`")
	_, err = e.prompt(tools.PromptCreateTileset, map[string]string{"source": "p.d.s", "output": `p.d."o"`, "warehouse": "bigquery"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no double quotes")
}

func TestExploreTable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	text, err := e.prompt(tools.PromptExploreTable, map[string]string{"table": "carto_local.demo.cities"})
	require.NoError(t, err)
	assert.Empty(t, missing(text, "run_query",
		`{"sql": "SELECT * FROM carto_local.demo.cities LIMIT 0"}`,
		`{"sql": "SELECT count(*) AS row_count FROM carto_local.demo.cities"}`,
		`{"sql": "SELECT * FROM carto_local.demo.cities LIMIT 10", "max_rows": 10}`,
		"the server's default connection"))

	text, err = e.prompt(tools.PromptExploreTable, map[string]string{"table": "my-project.geo.stores", "connection": "bq"})
	require.NoError(t, err)
	assert.Contains(t, text, `{"sql": "SELECT * FROM `+"`my-project.geo.stores`"+` LIMIT 0", "connection": "bq"}`)

	_, err = e.prompt(tools.PromptExploreTable, map[string]string{"table": "t; DROP TABLE t"})
	require.Error(t, err)
	_, err = e.prompt(tools.PromptExploreTable, map[string]string{})
	require.Error(t, err)
}

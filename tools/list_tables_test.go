package tools_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/localwarehouse"
	"github.com/carto-mcp/carto-mcp/tools"
)

// newDemoEnv is a session on the embedded warehouse with its demo data, as
// `carto-mcp --local --read-only` runs it.
func newDemoEnv(t *testing.T, transport string) *env {
	t.Helper()
	return newLocalEnvWith(t, transport, "", localwarehouse.Options{ReadOnly: true}, tools.Options{ReadOnly: true})
}

// Browsing the local warehouse level by level, over each transport.
func TestListTablesLocal(t *testing.T) {
	t.Parallel()
	for _, tr := range []string{inProcess, stdioPipes, streamableHTTP, sseHTTP} {
		t.Run(tr, func(t *testing.T) {
			t.Parallel()
			e := newDemoEnv(t, tr)
			var top tools.ListTablesOutput
			e.ok(e.call(tools.ToolListTables, nil), &top)
			assert.Equal(t, "duckdb", top.Provider)
			assert.Equal(t, []string{"database", "schema"}, top.Levels)
			require.Equal(t, 1, top.Count)
			assert.Equal(t, tools.CatalogEntry{Name: "carto_local", Kind: "database", Path: "carto_local"}, top.Items[0])

			var schemas tools.ListTablesOutput
			e.ok(e.call(tools.ToolListTables, map[string]any{"path": top.Items[0].Path}), &schemas)
			assert.Contains(t, entryNames(schemas.Items), "demo")

			var tables tools.ListTablesOutput
			e.ok(e.call(tools.ToolListTables, map[string]any{"path": "carto_local.demo"}), &tables)
			require.Equal(t, []string{"cities", "countries", "stores"}, entryNames(tables.Items))
			stores := tables.Items[2]
			assert.Equal(t, "carto_local.demo.stores", stores.FullName)
			assert.Equal(t, "table", stores.Kind)
			require.NotNil(t, stores.RowCount)
			assert.Positive(t, *stores.RowCount)
			assert.Equal(t, []tools.SpatialColumnInfo{{Name: "geom", Type: "VARCHAR", Kind: "geometry"}}, stores.SpatialColumns)
			assert.Empty(t, tables.NextCursor)
		})
	}
}

func TestListTablesPagesAndFilters(t *testing.T) {
	t.Parallel()
	e := newDemoEnv(t, inProcess)
	var seen []string
	args := map[string]any{"path": "carto_local.demo", "limit": 2}
	for page := 0; ; page++ {
		require.Less(t, page, 5)
		var out tools.ListTablesOutput
		e.ok(e.call(tools.ToolListTables, args), &out)
		seen = append(seen, entryNames(out.Items)...)
		if out.NextCursor == "" {
			break
		}
		args["cursor"] = out.NextCursor
	}
	assert.Equal(t, []string{"cities", "countries", "stores"}, seen)

	var out tools.ListTablesOutput
	e.ok(e.call(tools.ToolListTables, map[string]any{"path": "carto_local.demo", "name_contains": "UNTR"}), &out)
	assert.Equal(t, []string{"countries"}, entryNames(out.Items))

	// A cursor of another listing is refused, not misapplied.
	text := e.failed(e.call(tools.ToolListTables, map[string]any{"path": "carto_local", "cursor": args["cursor"]}))
	assert.Contains(t, text, "belongs to another listing")
	text = e.failed(e.call(tools.ToolListTables, map[string]any{"cursor": "garbage!"}))
	assert.Contains(t, text, "not a cursor this server gave")
}

func TestListTablesBadInput(t *testing.T) {
	t.Parallel()
	e := newDemoEnv(t, inProcess)
	for _, tc := range []struct {
		args map[string]any
		want []string
	}{
		{map[string]any{"path": "carto_local.dmo"}, []string{`no schema "dmo"`, `Did you mean "demo"`}},
		{map[string]any{"path": "carto_lcal"}, []string{`no database "carto_lcal"`, `Did you mean "carto_local"`}},
		{map[string]any{"path": "carto_local.demo.stores"}, []string{"names a table", "describe_table", `table="carto_local.demo.stores"`}},
		{map[string]any{"path": "a.b.c.d"}, []string{"4 levels", "at most 2"}},
		{map[string]any{"path": `carto_local."demo'; DROP TABLE x; --"`}, []string{`no schema "demo'; DROP TABLE x; --"`, `Did you mean "demo"`}},
		{map[string]any{"path": `carto_local."unclosed`}, []string{"not closed"}},
		{map[string]any{"path": "carto_local..demo"}, []string{"empty part"}},
		{map[string]any{"connection": "carto_locl"}, []string{`no connection "carto_locl"`, `Did you mean "carto_local"`}},
	} {
		text := e.failed(e.call(tools.ToolListTables, tc.args))
		assert.Empty(t, missing(text, tc.want...), "%v: %s", tc.args, text)
	}
	// Nothing was written: the demo tables are all there (the warehouse is read-only anyway).
	var out tools.ListTablesOutput
	e.ok(e.call(tools.ToolListTables, map[string]any{"path": "carto_local.demo"}), &out)
	assert.Equal(t, 3, out.Count)
}

func entryNames(items []tools.CatalogEntry) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Name)
	}
	return out
}

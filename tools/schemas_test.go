package tools_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/schemas"
	"github.com/carto-mcp/carto-mcp/tools"
	"github.com/carto-mcp/carto-mcp/tools/internal/schemagen"
)

const regenerate = "the schema files and the Go types in package tools have drifted apart: run `go generate ./...` from the repository root and commit the result"

// TestSchemaFilesMatchGoTypes regenerates every schema in memory and compares it
// byte for byte with the embedded files.
func TestSchemaFilesMatchGoTypes(t *testing.T) {
	t.Parallel()
	gen, err := schemagen.Generate()
	require.NoError(t, err)

	var want []string
	for name, b := range gen {
		want = append(want, name)
		got, err := schemas.File(name)
		if !assert.NoError(t, err, "%s is missing: %s", name, regenerate) {
			continue
		}
		if !bytes.Equal(got, b) {
			t.Errorf("%s differs from what the Go types generate (%s):\n%s", name, regenerate, firstDiff(got, b))
		}
	}
	sort.Strings(want)
	assert.Equal(t, want, schemas.Names(), "the embedded schema files are not exactly the generated set: %s", regenerate)
}

func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(i-80, 0)
	return fmt.Sprintf("at byte %d\n  file:      …%q\n  generated: …%q", i, a[from:min(i+80, len(a))], b[from:min(i+80, len(b))])
}

func TestEveryToolHasSchemas(t *testing.T) {
	t.Parallel()
	var names []string
	for _, g := range schemagen.Tools {
		names = append(names, g.Name)
	}
	assert.ElementsMatch(t, tools.ToolNames, names)
	for _, n := range tools.ToolNames {
		for _, kind := range []string{"input", "output"} {
			b, err := schemas.File(n + "." + kind + ".json")
			require.NoError(t, err)
			var doc map[string]any
			require.NoError(t, json.Unmarshal(b, &doc), "%s.%s", n, kind)
			// MCP: inputSchema and outputSchema are JSON Schemas of type object.
			assert.Equal(t, "object", doc["type"], "%s.%s must be type object", n, kind)
			assert.NotContains(t, doc, "$schema", "draft 2020-12 by MCP's default, and no trouble for draft-07 validators")
			assert.NotContains(t, doc, "$ref")
			assert.NotContains(t, doc, "$defs")
			assert.NotContains(t, doc, "$id")
			if kind == "input" {
				assert.Equal(t, false, doc["additionalProperties"], "inputs are closed: %s", n)
			} else {
				assert.NotContains(t, doc, "additionalProperties", "outputs are open: %s", n)
			}
			// Deterministic, indented, one trailing newline.
			var ind bytes.Buffer
			require.NoError(t, json.Indent(&ind, bytes.TrimSpace(b), "", "  "))
			assert.Equal(t, ind.String()+"\n", string(b))
		}
	}
}

func TestRunQueryMaxRowsSchemaMatchesLimit(t *testing.T) {
	t.Parallel()
	b, err := schemas.Input(tools.ToolRunQuery)
	require.NoError(t, err)
	var doc struct {
		Properties map[string]struct {
			Minimum *float64 `json:"minimum"`
			Maximum *float64 `json:"maximum"`
			Default any      `json:"default"`
		} `json:"properties"`
		Required []string `json:"required"`
	}
	require.NoError(t, json.Unmarshal(b, &doc))
	mr := doc.Properties["max_rows"]
	require.NotNil(t, mr.Maximum)
	require.NotNil(t, mr.Minimum)
	assert.Equal(t, float64(tools.MaxRowsLimit), *mr.Maximum)
	assert.Equal(t, 1.0, *mr.Minimum)
	assert.Equal(t, float64(tools.DefaultRows), mr.Default)
	assert.Equal(t, []string{"sql"}, doc.Required)
	assert.True(t, slices.Contains(tools.ToolNames, tools.ToolRunQuery))
}

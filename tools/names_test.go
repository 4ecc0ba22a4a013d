package tools_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/carto-mcp/carto-mcp/tools"
)

// TestDotNamesAreRefused: a connection or job id of "." or ".." would be a
// relative path segment that proxies normalise away (issue 15.3); every tool
// refuses it with an argument error, and nothing reaches CARTO.
func TestDotNamesAreRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, name := range []string{".", ".."} {
		for tool, args := range map[string]map[string]any{
			tools.ToolRunQuery:  {"sql": "SELECT 1", "connection": name},
			tools.ToolSubmitJob: {"sql": "SELECT 1", "connection": name},
			tools.ToolGetJob:    {"job_id": name},
			tools.ToolCancelJob: {"job_id": name, "connection": name},
		} {
			text := e.failed(e.call(tool, args))
			assert.Empty(t, missing(text, "Invalid arguments", `"`+name+`"`, "relative path", "CARTO Workspace"), "%s: %s", tool, text)
		}
		text := e.failed(e.call(tools.ToolGetJob, map[string]any{"job_id": "job_1", "connection": name}))
		assert.Contains(t, text, "Invalid arguments")
	}
	assert.Empty(t, e.fake.Requests())
}

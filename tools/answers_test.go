package tools_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/carto-mcp/carto-mcp/cartofake"
	"github.com/carto-mcp/carto-mcp/tools"
)

// TestOddAnswersFromCARTO: parts of an answer that only describe it do not
// fail a result: odd meta values (issue 15.7) and keys this server does not
// know, however large (issue 15.4).
func TestOddAnswersFromCARTO(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for sql, body := range map[string]string{
		"SELECT 'cache'": `{"rows":[{"a":1}],"schema":[{"name":"a","type":"number"}],"meta":{"cacheHit":"yes","totalBytesProcessed":12}}`,
		"SELECT 'meta'":  `{"rows":[{"a":1}],"schema":[{"name":"a","type":"number"}],"meta":"fast"}`,
		"SELECT 'extra'": `{"debug":{"plan":"` + strings.Repeat("x", 8<<20) + `"},"rows":[{"a":1}],"schema":[{"name":"a","type":"number"}]}`,
	} {
		e.fake.SetQueryResponse(sql, http.StatusOK, body)
		var out tools.RunQueryOutput
		e.ok(e.call(tools.ToolRunQuery, map[string]any{"sql": sql}), &out)
		assert.Equal(t, 1, out.RowCount, sql)
	}
}

// TestListJobsShapeNotUnderstood: list_jobs on an answer it cannot read says
// so, the same way every time, rather than report no jobs (issue 15.6).
func TestListJobsShapeNotUnderstood(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.fake.Inject(cartofake.Fault{PathSuffix: "/v3/sql/jobs", Status: http.StatusOK,
		Body: `{"warnings":[],"items_v2":[{"jobId":"job_1","connection":"carto_dw","status":"running"}]}`})
	var first string
	for range 5 {
		text := e.failed(e.call(tools.ToolListJobs, map[string]any{}))
		assert.Empty(t, missing(text, "shape", "does not understand", "items_v2", "does not mean there is nothing", "get_job"), text)
		if first == "" {
			first = text
		}
		assert.Equal(t, first, text)
	}
}

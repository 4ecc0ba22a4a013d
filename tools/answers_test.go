package tools_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

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

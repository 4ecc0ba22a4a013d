package tools_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/tools"
)

// sqlJob runs statements on the local warehouse through submit_job, waiting
// for each to succeed.
func (e *env) sqlJob(statements ...string) {
	e.t.Helper()
	for _, s := range statements {
		var out tools.SubmitJobOutput
		e.ok(e.call(tools.ToolSubmitJob, map[string]any{"sql": s, "wait_seconds": 50}), &out)
		require.Equal(e.t, "success", out.Status, "%s: %+v", s, out)
	}
}

// describeStats is describe_table with stats: true.
func (e *env) describeStats(args map[string]any) tools.DescribeTableOutput {
	e.t.Helper()
	args["stats"] = true
	var out tools.DescribeTableOutput
	e.ok(e.call(tools.ToolDescribeTable, args), &out)
	require.NotNil(e.t, out.Stats)
	return out
}

// Statistics never come from an empty sample of a table that has rows, on
// real DuckDB: DuckDB's system sampling keeps or drops whole vectors of 2,048
// rows at a rate computed from the row estimate, and after a DELETE that
// estimate (estimated_size) stays at the old size, so a block sample of the
// 100 rows left is empty 49 times in 50. The statistics then read the first
// rows. Small tables, tables just above the sample, views and queries are
// read whole (up to the limit).
func TestDescribeStatsNeverFromAnEmptySample(t *testing.T) {
	t.Parallel()
	e := newLocalEnv(t, inProcess, "")
	e.sqlJob(
		"CREATE TABLE shrunk AS SELECT i, 'k' || CAST(i % 7 AS VARCHAR) AS k FROM range(1000000) r(i)",
		"DELETE FROM shrunk WHERE i >= 100",
		"CREATE TABLE emptied AS SELECT i FROM range(100000) r(i)",
		"DELETE FROM emptied",
		"CREATE TABLE small AS SELECT i FROM range(5000) r(i)",
		"CREATE TABLE just_above AS SELECT i FROM range(20001) r(i)",
		"CREATE VIEW shrunk_view AS SELECT * FROM shrunk",
	)

	out := e.describeStats(map[string]any{"table": "carto_local.main.shrunk"})
	require.NotNil(t, out.RowCount)
	assert.Greater(t, *out.RowCount, int64(20000), "the estimate is stale: this is the case under test")
	assert.Equal(t, int64(100), out.Stats.SampleRows, "method: %s", out.Stats.Method)
	top := 0
	for _, c := range out.Stats.Columns {
		if c.Column == "k" {
			top = len(c.TopValues)
		}
	}
	assert.Equal(t, 7, top, "the statistics describe the rows that are there")

	out = e.describeStats(map[string]any{"table": "carto_local.main.emptied"})
	assert.Zero(t, out.Stats.SampleRows, "an empty table has an empty sample, and no error")

	for _, tc := range []struct {
		args map[string]any
		want int64
	}{
		{map[string]any{"table": "carto_local.main.small"}, 5000},
		{map[string]any{"table": "carto_local.main.shrunk_view"}, 100},
		{map[string]any{"sql": "SELECT * FROM carto_local.main.shrunk"}, 100},
		{map[string]any{"sql": "SELECT i FROM range(3) r(i)"}, 3},
	} {
		out := e.describeStats(tc.args)
		assert.Equal(t, tc.want, out.Stats.SampleRows, "%v", tc.args)
		assert.Equal(t, "first rows (LIMIT)", out.Stats.Method, "%v", tc.args)
	}

	// Just above the sample: a block sample at about 100%, bounded by LIMIT.
	out = e.describeStats(map[string]any{"table": "carto_local.main.just_above"})
	assert.Positive(t, out.Stats.SampleRows)
	assert.LessOrEqual(t, out.Stats.SampleRows, int64(out.Stats.SampleLimit))
	assert.Equal(t, fmt.Sprint(out.Stats.SampleLimit), fmt.Sprint(10000))
}

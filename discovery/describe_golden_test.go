package discovery_test

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/discovery"
	"github.com/carto-mcp/carto-mcp/sqlguard"
)

// statColumns cover every kind of statistic.
var statColumns = []discovery.StatColumn{
	{Name: "revenue", Kind: "number", Type: "NUMERIC"},
	{Name: "Category Name", Kind: "string", Type: "VARCHAR"},
	{Name: "is_open", Kind: "boolean", Type: "BOOLEAN"},
	{Name: "opened_at", Kind: "timestamp", Type: "TIMESTAMP"},
	{Name: "geom", Kind: "geometry", Type: "GEOGRAPHY"},
	{Name: "attrs", Kind: "", Type: "VARIANT"},
}

func TestDescribeStatementsGolden(t *testing.T) {
	t.Parallel()
	table := []string{"proj-1", "geo_data", "Stores 2024"}
	big := int64(1_000_000_000)
	for _, p := range discovery.Providers {
		dialect, _ := p.Dialect()
		st, err := p.ColumnsStatement(table)
		require.NoError(t, err)
		require.NoError(t, sqlguard.Check(st.SQL, dialect), "%s:\n%s", p, st.SQL)
		golden(t, filepath.Join(string(p), "columns.sql"), vendorDocs[p], st.SQL+"\n-- queryParameters: "+string(st.Params))

		ref, err := p.TableRef(table)
		require.NoError(t, err)
		st, err = p.StatsStatement(ref, statColumns, discovery.SampleOptions{Rows: 10000, EstimatedRows: &big, Table: true})
		require.NoError(t, err)
		stmts, err := sqlguard.Classify(st.SQL, dialect)
		require.NoError(t, err, "%s:\n%s", p, st.SQL)
		require.Len(t, stmts, 1, "%s: ONE statement", p)
		assert.True(t, stmts[0].Read)
		assert.Contains(t, st.SQL, "LIMIT 10000", "the sample is bounded")
		golden(t, filepath.Join(string(p), "stats_billion_rows.sql"), statDocs[p], st.SQL)
	}
}

// The statement a billion-row table gets is the one a thousand-row table
// gets but for the sampling rate: its size does not grow with the table.
func TestStatsStatementDoesNotGrowWithTheTable(t *testing.T) {
	t.Parallel()
	small, big := int64(30_000), int64(1_000_000_000_000)
	for _, p := range discovery.Providers {
		a, err := p.StatsStatement("t", statColumns, discovery.SampleOptions{Rows: 10000, EstimatedRows: &small, Table: true})
		require.NoError(t, err)
		b, err := p.StatsStatement("t", statColumns, discovery.SampleOptions{Rows: 10000, EstimatedRows: &big, Table: true})
		require.NoError(t, err)
		assert.InDelta(t, len(a.SQL), len(b.SQL), 16, p)
	}
}

var statDocs = map[discovery.Provider]string{
	discovery.BigQuery: "-- BigQuery: https://cloud.google.com/bigquery/docs/table-sampling (TABLESAMPLE SYSTEM),\n" +
		"-- https://cloud.google.com/bigquery/docs/reference/standard-sql/approximate_aggregate_functions (APPROX_QUANTILES, APPROX_COUNT_DISTINCT),\n" +
		"-- https://cloud.google.com/bigquery/docs/reference/standard-sql/geography_functions (ST_GEOMETRYTYPE, ST_BOUNDINGBOX)\n",
	discovery.Snowflake: "-- Snowflake: https://docs.snowflake.com/en/sql-reference/constructs/sample (SAMPLE SYSTEM),\n" +
		"-- https://docs.snowflake.com/en/sql-reference/functions/approx_percentile, .../approx_count_distinct, .../st_xmin, .../st_asgeojson\n",
	discovery.Redshift: "-- Redshift (no table sampling: LIMIT): https://docs.aws.amazon.com/redshift/latest/dg/r_APPROXIMATE_PERCENTILE_DISC.html,\n" +
		"-- https://docs.aws.amazon.com/redshift/latest/dg/r_COUNT.html (APPROXIMATE COUNT DISTINCT), .../ST_XMin-function.html, .../GeometryType-function.html\n",
	discovery.Databricks: "-- Databricks: https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-syntax-qry-select-sampling,\n" +
		"-- .../functions/percentile_approx, .../functions/approx_count_distinct, .../functions/st_geometrytype, .../functions/st_xmin\n",
	discovery.Postgres: "-- PostgreSQL: https://www.postgresql.org/docs/current/sql-select.html (TABLESAMPLE SYSTEM, WITH ... AS MATERIALIZED),\n" +
		"-- https://www.postgresql.org/docs/current/functions-aggregate.html (percentile_cont); PostGIS GeometryType, ST_XMin; run for real in the tests\n",
	discovery.DuckDB: "-- DuckDB: https://duckdb.org/docs/stable/sql/samples (TABLESAMPLE ... (system)), quantile_cont, approx_count_distinct;\n" +
		"-- WKT and GeoJSON read with regexp_extract_all; run for real in the tests\n",
}

// Every read of the table in the statistics statement is bounded: each
// FROM of the table is followed by LIMIT sample-size and the end of its
// subquery (after the block sampling clause, where there is one). So the
// rows the statement reads do not grow with the table, however large.
func TestStatsStatementBoundsEveryRead(t *testing.T) {
	t.Parallel()
	const src = `"the table"`
	bounded := regexp.MustCompile(`FROM "the table"( (TABLESAMPLE SYSTEM \([0-9.]+( PERCENT)?\)|SAMPLE SYSTEM \([0-9.]+\)|TABLESAMPLE \([0-9.]+ PERCENT\)|TABLESAMPLE [0-9.]+% \(system\)))? LIMIT 10000\)`)
	duckSample := regexp.MustCompile(`FROM "the table" TABLESAMPLE ([0-9.e-]+)% \(system\)\)`)
	for _, est := range []*int64{nil, ptr(int64(500)), ptr(int64(20_001)), ptr(int64(1_000_000_000_000))} {
		for _, p := range discovery.Providers {
			st, err := p.StatsStatement(src, statColumns, discovery.SampleOptions{Rows: 10000, EstimatedRows: est, Table: true})
			require.NoError(t, err)
			reads := strings.Count(st.SQL, "FROM "+src)
			require.Positive(t, reads, "%s reads the table", p)
			limited := len(bounded.FindAllString(st.SQL, -1))
			// DuckDB reads its block sample whole, then limits it (see
			// limitAfterSample): that read is bounded by the sampling rate,
			// 2 x 10,000 rows of the estimate.
			if m := duckSample.FindAllStringSubmatch(st.SQL, -1); p == discovery.DuckDB && len(m) == 1 {
				pct, err := strconv.ParseFloat(m[0][1], 64)
				require.NoError(t, err)
				assert.InDelta(t, 20000, pct/100*float64(*est), 1e-3)
				assert.Contains(t, st.SQL, "(SELECT * FROM bs LIMIT 10000)")
				limited++
			}
			assert.Equal(t, reads, limited, "%s (estimate %v): every read is bounded:\n%s", p, est, st.SQL)
		}
	}
}

func ptr[T any](v T) *T { return &v }

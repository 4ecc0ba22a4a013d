package discovery_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/discovery"
	"github.com/carto-mcp/carto-mcp/sqlguard"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or writes it with -update. Each
// file starts with a comment naming the vendor documentation the statement
// follows (kept from the existing file), then the statement and its
// parameters.
func golden(t *testing.T, name, docs, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	content := docs + got + "\n"
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./discovery -update to create it")
	assert.Equal(t, string(want), content, "%s differs; if the change is intended, run go test ./discovery -update and review the diff", path)
}

// vendorDocs are the documents each provider's catalog SQL follows.
var vendorDocs = map[discovery.Provider]string{
	discovery.BigQuery: "-- BigQuery: https://cloud.google.com/bigquery/docs/information-schema-datasets-schemata,\n" +
		"-- https://cloud.google.com/bigquery/docs/information-schema-tables, https://cloud.google.com/bigquery/docs/information-schema-columns,\n" +
		"-- https://cloud.google.com/bigquery/docs/reference/system-variables (@@project_id); __TABLES__ as CARTO's QGIS plugin reads it.\n",
	discovery.Snowflake: "-- Snowflake: https://docs.snowflake.com/en/sql-reference/info-schema/databases, .../info-schema/schemata,\n" +
		"-- https://docs.snowflake.com/en/sql-reference/info-schema/tables, https://docs.snowflake.com/en/sql-reference/info-schema/columns\n",
	discovery.Redshift: "-- Redshift: https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_REDSHIFT_DATABASES.html, r_SVV_ALL_SCHEMAS.html,\n" +
		"-- r_SVV_ALL_TABLES.html, r_SVV_TABLE_INFO.html, r_SVV_ALL_COLUMNS.html (same directory)\n",
	discovery.Databricks: "-- Databricks: https://docs.databricks.com/aws/en/sql/language-manual/information-schema/catalogs,\n" +
		"-- .../information-schema/schemata, .../information-schema/tables, .../information-schema/columns\n",
	discovery.Postgres: "-- PostgreSQL: https://www.postgresql.org/docs/current/catalogs.html (pg_namespace, pg_class, pg_attribute),\n" +
		"-- https://www.postgresql.org/docs/current/functions-admin.html (pg_total_relation_size), format_type; run for real in the tests\n",
	discovery.DuckDB: "-- DuckDB: https://duckdb.org/docs/stable/sql/meta/duckdb_table_functions; run for real in the tests\n",
}

// awkwardPaths are names with the characters that break naive SQL: quotes,
// spaces, mixed case, dots, an injection attempt.
var awkwardPaths = [][]string{
	{"My Project-1", `data "set"`},
	{"db.with.dots", `it's; DROP TABLE x; --`},
	{"Ünïcode", "MiXeD"},
}

func TestListStatementsGolden(t *testing.T) {
	t.Parallel()
	paths := [][]string{nil, {"proj-1"}, {"proj-1", "geo_data"}}
	for _, p := range discovery.Providers {
		dialect, _ := p.Dialect()
		for depth, path := range paths {
			st, err := p.ListStatement(path, discovery.ListOptions{NameContains: "road", Limit: 100, Offset: 200})
			require.NoError(t, err)
			require.NoError(t, sqlguard.Check(st.SQL, dialect), "%s depth %d:\n%s", p, depth, st.SQL)
			got := st.SQL
			if len(st.Params) > 0 {
				got += "\n-- queryParameters: " + string(st.Params)
			}
			golden(t, filepath.Join(string(p), "list_"+[]string{"top", "level1", "tables"}[depth]+".sql"), vendorDocs[p], got)
		}
	}
}

// Whatever the names, every statement is one read in its dialect, and a
// name never becomes SQL text outside a quoted identifier or a bound value.
func TestListStatementsAwkwardNames(t *testing.T) {
	t.Parallel()
	for _, p := range discovery.Providers {
		dialect, _ := p.Dialect()
		for _, path := range awkwardPaths {
			for depth := 0; depth <= len(path); depth++ {
				st, err := p.ListStatement(path[:depth], discovery.ListOptions{NameContains: `x'"`, Limit: 10})
				if p == discovery.Databricks {
					require.Error(t, err, "a quote in a Databricks literal is refused")
					st, err = p.ListStatement(path[:depth], discovery.ListOptions{Limit: 10})
					if err != nil && strings.Contains(err.Error(), "Databricks") {
						continue
					}
				}
				require.NoError(t, err, "%s %q", p, path[:depth])
				stmts, cerr := sqlguard.Classify(st.SQL, dialect)
				require.NoError(t, cerr, "%s %q:\n%s", p, path[:depth], st.SQL)
				require.Len(t, stmts, 1, "%s: one statement", p)
				assert.True(t, stmts[0].Read, "%s: a read", p)
			}
		}
	}
	_, err := discovery.BigQuery.ListStatement([]string{"p`x"}, discovery.ListOptions{Limit: 1})
	assert.ErrorContains(t, err, "cannot be a BigQuery name")
}

package discovery

import (
	"fmt"
	"strings"
)

// ColumnsStatement returns the statement that lists a table's columns, in
// order, with ColColumnName, ColDataType and ColIsNullable ("YES"/"NO"). path
// is the table's full path (len(p.Levels())+1 parts). It reads catalog views
// only; the documents are those of ListStatement.
func (p Provider) ColumnsStatement(path []string) (Statement, error) {
	if len(path) != len(p.Levels())+1 {
		return Statement{}, fmt.Errorf("a table's path has %d parts", len(p.Levels())+1)
	}
	if err := p.checkNames(path); err != nil {
		return Statement{}, err
	}
	b := &binder{p: p}
	var sql string
	switch p {
	case BigQuery:
		sql = fmt.Sprintf(`SELECT column_name AS column_name, data_type AS data_type, is_nullable AS is_nullable
FROM %s.%s.INFORMATION_SCHEMA.COLUMNS WHERE table_name = %s ORDER BY ordinal_position`, bq(path[0]), bq(path[1]), b.bind(path[2]))
	case Snowflake:
		sql = fmt.Sprintf(`SELECT column_name AS "column_name", data_type AS "data_type", is_nullable AS "is_nullable"
FROM %s.INFORMATION_SCHEMA.COLUMNS WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position`,
			quoteDouble(path[0]), b.bind(path[1]), b.bind(path[2]))
	case Redshift:
		sql = fmt.Sprintf(`SELECT column_name AS column_name, data_type AS data_type, is_nullable AS is_nullable
FROM svv_all_columns WHERE database_name = %s AND schema_name = %s AND table_name = %s ORDER BY ordinal_position`,
			b.bind(path[0]), b.bind(path[1]), b.bind(path[2]))
	case Postgres:
		sql = fmt.Sprintf(`SELECT a.attname::text AS column_name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS data_type,
  CASE WHEN a.attnotnull THEN 'NO' ELSE 'YES' END AS is_nullable
FROM pg_catalog.pg_attribute AS a
JOIN pg_catalog.pg_class AS c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
WHERE current_database() = %s AND n.nspname = %s AND c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum`, b.bind(path[0]), b.bind(path[1]), b.bind(path[2]))
	case Databricks:
		sql = fmt.Sprintf(`SELECT column_name AS column_name, data_type AS data_type, is_nullable AS is_nullable
FROM %s.information_schema.columns WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position`,
			quoteBacktick(path[0]), b.bind(path[1]), b.bind(path[2]))
	case DuckDB:
		sql = fmt.Sprintf(`SELECT column_name AS column_name, data_type AS data_type, CASE WHEN is_nullable THEN 'YES' ELSE 'NO' END AS is_nullable
FROM duckdb_columns() WHERE database_name = %s AND schema_name = %s AND table_name = %s ORDER BY column_index`,
			b.bind(path[0]), b.bind(path[1]), b.bind(path[2]))
	default:
		return Statement{}, fmt.Errorf("unknown provider %q", p)
	}
	return b.statement(sql)
}

// ColIsNullable is the nullability column of ColumnsStatement.
const ColIsNullable = "is_nullable"

// QuoteIdent quotes one identifier for p's SQL, always.
func (p Provider) QuoteIdent(s string) string {
	switch p {
	case BigQuery:
		return bq(s) // BigQuery names cannot hold a backtick (checkNames)
	case Databricks:
		return quoteBacktick(s)
	}
	return quoteDouble(s)
}

// TableRef is a table's name for a FROM clause in p's SQL, every part quoted.
// A PostgreSQL connection's database is implied: schema.table.
func (p Provider) TableRef(path []string) (string, error) {
	if err := p.checkNames(path); err != nil {
		return "", err
	}
	if p == Postgres && len(path) == 3 {
		path = path[1:]
	}
	q := make([]string, len(path))
	for i, s := range path {
		q[i] = p.QuoteIdent(s)
	}
	return strings.Join(q, "."), nil
}

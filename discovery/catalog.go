package discovery

import (
	"fmt"
	"strings"
)

// Levels names the containers of p's catalog, outermost first; tables and
// views sit inside the last one. A path has at most len(Levels) parts.
func (p Provider) Levels() []string {
	switch p {
	case BigQuery:
		return []string{"project", "dataset"}
	case Databricks:
		return []string{"catalog", "schema"}
	}
	return []string{"database", "schema"}
}

// ListOptions select one page of a listing.
type ListOptions struct {
	NameContains string // case-insensitive substring of the name; "" for all
	Limit        int    // rows of the page; the statement asks for one more, to tell whether another page follows
	Offset       int
}

// Column names of a listing's rows (lower case; some warehouses answer in
// upper case, which callers fold).
const (
	ColName       = "name"
	ColTableType  = "table_type"
	ColRowCount   = "row_count"
	ColSizeBytes  = "size_bytes"
	ColColumnName = "column_name"
	ColDataType   = "data_type"
)

// spatialCandidate is true for a column that may be spatial: a GEOGRAPHY or
// GEOMETRY type, or a name that spatial indexes and WKT columns use (h3,
// quadbin, geom). SpatialKind decides.
func spatialCandidate(name, typ string) string {
	return fmt.Sprintf("(UPPER(%[2]s) LIKE 'GEOGRAPHY%%' OR UPPER(%[2]s) LIKE 'GEOMETRY%%' OR LOWER(%[1]s) LIKE '%%h3%%' "+
		"OR LOWER(%[1]s) LIKE '%%quadbin%%' OR LOWER(%[1]s) LIKE '%%geom%%')", name, typ)
}

func (b *binder) contains(expr, v string) string {
	if b.p == BigQuery {
		return fmt.Sprintf("STRPOS(LOWER(%s), LOWER(%s)) > 0", expr, b.bind(v))
	}
	return fmt.Sprintf("POSITION(LOWER(%s) IN LOWER(%s)) > 0", b.bind(v), expr)
}

// page is the ORDER BY and LIMIT of a listing's page.
func page(orderBy string, o ListOptions) string {
	return fmt.Sprintf("ORDER BY %s LIMIT %d OFFSET %d", orderBy, o.Limit+1, o.Offset)
}

// ListStatement returns the statement that lists what is inside path (nil or
// empty: the top level), one page of it. With len(path) == len(p.Levels()) it
// lists tables and views, with the columns Col*; otherwise the next level's
// names (ColName). It reads catalog views only, never table data.
func (p Provider) ListStatement(path []string, o ListOptions) (Statement, error) {
	if len(path) > len(p.Levels()) {
		return Statement{}, fmt.Errorf("too deep")
	}
	if o.Limit < 1 || o.Offset < 0 {
		return Statement{}, fmt.Errorf("limit must be positive and offset not negative")
	}
	if err := p.checkNames(path); err != nil {
		return Statement{}, err
	}
	b := &binder{p: p}
	filter := func(expr string) string {
		if o.NameContains == "" {
			return ""
		}
		return " AND " + b.contains(expr, o.NameContains)
	}
	var sql string
	switch p {
	case BigQuery:
		sql = bigQueryList(b, path, o, filter)
	case Snowflake:
		sql = snowflakeList(b, path, o, filter)
	case Redshift:
		sql = redshiftList(b, path, o, filter)
	case Postgres:
		sql = postgresList(b, path, o, filter)
	case Databricks:
		sql = databricksList(b, path, o, filter)
	case DuckDB:
		sql = duckdbList(b, path, o, filter)
	default:
		return Statement{}, fmt.Errorf("unknown provider %q", p)
	}
	return b.statement(sql)
}

// checkNames refuses names p's SQL cannot hold: BigQuery identifiers in
// backticks take backslash escapes, and no BigQuery name holds a backtick,
// a backslash or a line break, so such a name cannot exist there.
func (p Provider) checkNames(parts []string) error {
	if p != BigQuery {
		return nil
	}
	for _, s := range parts {
		if strings.ContainsAny(s, "`\\\n\r") {
			return fmt.Errorf("%q cannot be a BigQuery name (it holds a backtick, backslash or line break)", s)
		}
	}
	return nil
}

// bq quotes a BigQuery path part for a FROM clause.
func bq(s string) string { return "`" + s + "`" }

// BigQuery.
//   - Projects cannot be listed in SQL: the top level is the billing project
//     of the connection (@@project_id, https://cloud.google.com/bigquery/docs/reference/system-variables).
//   - Datasets: PROJECT.INFORMATION_SCHEMA.SCHEMATA (schema_name),
//     https://cloud.google.com/bigquery/docs/information-schema-datasets-schemata
//   - Tables: PROJECT.DATASET.INFORMATION_SCHEMA.TABLES (table_name, table_type),
//     https://cloud.google.com/bigquery/docs/information-schema-tables;
//     row and byte counts from the dataset's __TABLES__ meta-table (row_count,
//     size_bytes; the source CARTO's QGIS plugin reads);
//     spatial columns from INFORMATION_SCHEMA.COLUMNS (column_name, data_type),
//     https://cloud.google.com/bigquery/docs/information-schema-columns
func bigQueryList(b *binder, path []string, o ListOptions, filter func(string) string) string {
	switch len(path) {
	case 0:
		return "SELECT name FROM (SELECT @@project_id AS name) WHERE TRUE" + filter("name") + " " + page("name", o)
	case 1:
		return fmt.Sprintf("SELECT schema_name AS name FROM %s.INFORMATION_SCHEMA.SCHEMATA WHERE TRUE%s %s",
			bq(path[0]), filter("schema_name"), page("schema_name", o))
	}
	ds := bq(path[0]) + "." + bq(path[1])
	return fmt.Sprintf(`SELECT t.table_name AS name, t.table_type AS table_type, s.row_count AS row_count, s.size_bytes AS size_bytes,
  c.column_name AS column_name, c.data_type AS data_type
FROM (SELECT table_name, table_type FROM %[1]s.INFORMATION_SCHEMA.TABLES WHERE TRUE%[2]s %[3]s) AS t
LEFT JOIN %[1]s.__TABLES__ AS s ON s.table_id = t.table_name
LEFT JOIN (SELECT table_name, column_name, data_type FROM %[1]s.INFORMATION_SCHEMA.COLUMNS
  WHERE %[4]s) AS c ON c.table_name = t.table_name
ORDER BY name, column_name`, ds, filter("table_name"), page("table_name", o), spatialCandidate("column_name", "data_type"))
}

// Snowflake (identifiers in double quotes, doubled inside).
//   - Databases: INFORMATION_SCHEMA.DATABASES (database_name),
//     https://docs.snowflake.com/en/sql-reference/info-schema/databases
//   - Schemas: DB.INFORMATION_SCHEMA.SCHEMATA (schema_name),
//     https://docs.snowflake.com/en/sql-reference/info-schema/schemata
//   - Tables: DB.INFORMATION_SCHEMA.TABLES (table_name, table_type,
//     row_count, bytes), https://docs.snowflake.com/en/sql-reference/info-schema/tables;
//     spatial columns from DB.INFORMATION_SCHEMA.COLUMNS (data_type GEOGRAPHY,
//     GEOMETRY), https://docs.snowflake.com/en/sql-reference/info-schema/columns
func snowflakeList(b *binder, path []string, o ListOptions, filter func(string) string) string {
	switch len(path) {
	case 0:
		return `SELECT database_name AS "name" FROM INFORMATION_SCHEMA.DATABASES WHERE TRUE` + filter("database_name") + " " + page("database_name", o)
	case 1:
		return fmt.Sprintf(`SELECT schema_name AS "name" FROM %s.INFORMATION_SCHEMA.SCHEMATA WHERE TRUE%s %s`,
			quoteDouble(path[0]), filter("schema_name"), page("schema_name", o))
	}
	db := quoteDouble(path[0])
	schema := b.bind(path[1])
	return fmt.Sprintf(`SELECT t.table_name AS "name", t.table_type AS "table_type", t.row_count AS "row_count", t.bytes AS "size_bytes",
  c.column_name AS "column_name", c.data_type AS "data_type"
FROM (SELECT table_name, table_type, row_count, bytes FROM %[1]s.INFORMATION_SCHEMA.TABLES
  WHERE table_schema = %[2]s%[3]s %[4]s) AS t
LEFT JOIN (SELECT table_name, column_name, data_type FROM %[1]s.INFORMATION_SCHEMA.COLUMNS
  WHERE table_schema = %[2]s AND %[5]s) AS c ON c.table_name = t.table_name
ORDER BY "name", "column_name"`, db, schema, filter("table_name"), page("table_name", o), spatialCandidate("column_name", "data_type"))
}

// Redshift.
//   - Databases: SVV_REDSHIFT_DATABASES (database_name),
//     https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_REDSHIFT_DATABASES.html
//   - Schemas: SVV_ALL_SCHEMAS (database_name, schema_name),
//     https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_ALL_SCHEMAS.html
//   - Tables: SVV_ALL_TABLES (database_name, schema_name, table_name,
//     table_type), https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_ALL_TABLES.html;
//     rows and size from SVV_TABLE_INFO (tbl_rows, size in 1 MB blocks; local
//     tables of the connected database only),
//     https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_TABLE_INFO.html;
//     spatial columns from SVV_ALL_COLUMNS (data_type geometry, geography),
//     https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_ALL_COLUMNS.html
func redshiftList(b *binder, path []string, o ListOptions, filter func(string) string) string {
	switch len(path) {
	case 0:
		return "SELECT database_name AS name FROM svv_redshift_databases WHERE TRUE" + filter("database_name") + " " + page("database_name", o)
	case 1:
		return fmt.Sprintf("SELECT schema_name AS name FROM svv_all_schemas WHERE database_name = %s%s %s",
			b.bind(path[0]), filter("schema_name"), page("schema_name", o))
	}
	db, schema := b.bind(path[0]), b.bind(path[1])
	return fmt.Sprintf(`SELECT t.table_name AS name, t.table_type AS table_type, i.tbl_rows AS row_count, i.size * 1048576 AS size_bytes,
  c.column_name AS column_name, c.data_type AS data_type
FROM (SELECT database_name, schema_name, table_name, table_type FROM svv_all_tables
  WHERE database_name = %[1]s AND schema_name = %[2]s%[3]s %[4]s) AS t
LEFT JOIN svv_table_info AS i ON i."database" = t.database_name AND i."schema" = t.schema_name AND i."table" = t.table_name
LEFT JOIN (SELECT table_name, column_name, data_type FROM svv_all_columns
  WHERE database_name = %[1]s AND schema_name = %[2]s AND %[5]s) AS c ON c.table_name = t.table_name
ORDER BY name, column_name`, db, schema, filter("table_name"), page("table_name", o), spatialCandidate("column_name", "data_type"))
}

// PostgreSQL: a connection reaches one database, so the top level is
// current_database(). Schemas, tables and columns come from the system
// catalogs (https://www.postgresql.org/docs/current/catalogs.html):
// pg_namespace, pg_class (relkind; reltuples, the planner's row estimate,
// -1 when never analysed), pg_total_relation_size, and pg_attribute with
// format_type for PostGIS geometry/geography columns (which
// information_schema.columns shows only as USER-DEFINED).
func postgresList(b *binder, path []string, o ListOptions, filter func(string) string) string {
	switch len(path) {
	case 0:
		return "SELECT name FROM (SELECT current_database()::text AS name) AS d WHERE TRUE" + filter("name") + " " + page("name", o)
	case 1:
		return fmt.Sprintf(`SELECT nspname::text AS name FROM pg_catalog.pg_namespace
WHERE current_database() = %s AND substr(nspname, 1, 3) <> 'pg_' AND nspname <> 'information_schema'%s %s`,
			b.bind(path[0]), filter("nspname::text"), page("nspname", o))
	}
	db, schema := b.bind(path[0]), b.bind(path[1])
	return fmt.Sprintf(`SELECT t.relname::text AS name, t.relkind::text AS table_type,
  CASE WHEN t.reltuples >= 0 THEN t.reltuples::bigint END AS row_count, pg_catalog.pg_total_relation_size(t.oid) AS size_bytes,
  a.attname::text AS column_name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS data_type
FROM (SELECT c.oid, c.relname, c.relkind, c.reltuples FROM pg_catalog.pg_class AS c
  JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
  WHERE current_database() = %[1]s AND n.nspname = %[2]s AND c.relkind IN ('r', 'p', 'v', 'm', 'f')%[3]s %[4]s) AS t
LEFT JOIN pg_catalog.pg_attribute AS a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
  AND %[5]s
ORDER BY name, column_name`, db, schema, filter("c.relname::text"), page("c.relname", o),
		spatialCandidate("a.attname::text", "pg_catalog.format_type(a.atttypid, a.atttypmod)"))
}

// Databricks (Unity Catalog; identifiers in backticks, doubled inside).
//   - Catalogs: system.information_schema.catalogs (catalog_name),
//     https://docs.databricks.com/aws/en/sql/language-manual/information-schema/catalogs
//   - Schemas: CATALOG.information_schema.schemata (schema_name),
//     https://docs.databricks.com/aws/en/sql/language-manual/information-schema/schemata
//   - Tables: CATALOG.information_schema.tables (table_name, table_type; no
//     row counts), https://docs.databricks.com/aws/en/sql/language-manual/information-schema/tables;
//     spatial columns from CATALOG.information_schema.columns (data_type),
//     https://docs.databricks.com/aws/en/sql/language-manual/information-schema/columns
func databricksList(b *binder, path []string, o ListOptions, filter func(string) string) string {
	switch len(path) {
	case 0:
		return "SELECT catalog_name AS name FROM system.information_schema.catalogs WHERE TRUE" + filter("catalog_name") + " " + page("catalog_name", o)
	case 1:
		return fmt.Sprintf("SELECT schema_name AS name FROM %s.information_schema.schemata WHERE TRUE%s %s",
			quoteBacktick(path[0]), filter("schema_name"), page("schema_name", o))
	}
	cat, schema := quoteBacktick(path[0]), b.bind(path[1])
	return fmt.Sprintf(`SELECT t.table_name AS name, t.table_type AS table_type, CAST(NULL AS BIGINT) AS row_count, CAST(NULL AS BIGINT) AS size_bytes,
  c.column_name AS column_name, c.data_type AS data_type
FROM (SELECT table_name, table_type FROM %[1]s.information_schema.tables
  WHERE table_schema = %[2]s%[3]s %[4]s) AS t
LEFT JOIN (SELECT table_name, column_name, data_type FROM %[1]s.information_schema.columns
  WHERE table_schema = %[2]s AND %[5]s) AS c ON c.table_name = t.table_name
ORDER BY name, column_name`, cat, schema, filter("table_name"), page("table_name", o), spatialCandidate("column_name", "data_type"))
}

// DuckDB (the local warehouse): duckdb_databases() (the current one, and
// those with tables or views), duckdb_schemas(),
// duckdb_tables() (estimated_size: a row estimate), duckdb_views() and
// duckdb_columns(), https://duckdb.org/docs/stable/sql/meta/duckdb_table_functions
func duckdbList(b *binder, path []string, o ListOptions, filter func(string) string) string {
	switch len(path) {
	case 0:
		// The current database, and others that hold tables or views: not the
		// catalogs that only hold functions (the local warehouse's carto).
		return `SELECT database_name AS name FROM duckdb_databases() WHERE NOT internal AND (database_name = current_database()
  OR database_name IN (SELECT database_name FROM duckdb_tables() UNION SELECT database_name FROM duckdb_views() WHERE NOT internal))` +
			filter("database_name") + " " + page("database_name", o)
	case 1:
		return fmt.Sprintf("SELECT schema_name AS name FROM duckdb_schemas() WHERE database_name = %s AND NOT internal%s %s",
			b.bind(path[0]), filter("schema_name"), page("schema_name", o))
	}
	db, schema := b.bind(path[0]), b.bind(path[1])
	return fmt.Sprintf(`SELECT t.name AS name, t.table_type AS table_type, t.row_count AS row_count, CAST(NULL AS BIGINT) AS size_bytes,
  c.column_name AS column_name, c.data_type AS data_type
FROM (SELECT name, table_type, row_count FROM (
    SELECT table_name AS name, 'BASE TABLE' AS table_type, estimated_size AS row_count FROM duckdb_tables()
      WHERE database_name = %[1]s AND schema_name = %[2]s AND NOT internal
    UNION ALL
    SELECT view_name, 'VIEW', CAST(NULL AS BIGINT) FROM duckdb_views()
      WHERE database_name = %[1]s AND schema_name = %[2]s AND NOT internal) AS u
  WHERE TRUE%[3]s %[4]s) AS t
LEFT JOIN (SELECT table_name, column_name, data_type FROM duckdb_columns()
  WHERE database_name = %[1]s AND schema_name = %[2]s AND %[5]s) AS c ON c.table_name = t.name
ORDER BY name, column_name`, db, schema, filter("name"), page("name", o), spatialCandidate("column_name", "data_type"))
}

// SpatialKind says what a column holds, from its type and name: "geometry"
// or "geography" (a spatial type), "h3" (an H3 index string), "h3int",
// "quadbin" (a Quadbin integer), or "" for none. On DuckDB a text column named
// geom, the_geom, geometry or *_geom holds WKT, by the local warehouse's
// convention, and counts as "geometry".
func (p Provider) SpatialKind(name, dataType string) string {
	t := strings.ToUpper(strings.TrimSpace(dataType))
	n := strings.ToLower(name)
	isText := strings.HasPrefix(t, "STRING") || strings.HasPrefix(t, "VARCHAR") || strings.HasPrefix(t, "TEXT") ||
		strings.HasPrefix(t, "CHARACTER VARYING") || strings.HasPrefix(t, "CHAR")
	isInt := strings.HasPrefix(t, "INT") || strings.HasPrefix(t, "BIGINT") || strings.HasPrefix(t, "NUMBER") ||
		strings.HasPrefix(t, "UBIGINT") || strings.HasPrefix(t, "LONG") || t == "NUMERIC" || strings.HasPrefix(t, "DECIMAL(38,0)")
	switch {
	case strings.HasPrefix(t, "GEOGRAPHY"):
		return "geography"
	case strings.HasPrefix(t, "GEOMETRY"):
		return "geometry"
	case (n == "h3" || strings.HasPrefix(n, "h3_") || strings.HasSuffix(n, "_h3") || n == "h3index") && isText:
		return "h3"
	case (n == "h3" || strings.HasPrefix(n, "h3_") || strings.HasSuffix(n, "_h3") || n == "h3index") && isInt:
		return "h3int"
	case strings.Contains(n, "quadbin") && isInt:
		return "quadbin"
	case p == DuckDB && isText && (n == "geom" || n == "the_geom" || n == "geometry" || strings.HasSuffix(n, "_geom")):
		return "geometry"
	}
	return ""
}

// TableKind maps a warehouse's table type to "table" or "view".
func TableKind(tableType string) string {
	t := strings.ToUpper(strings.TrimSpace(tableType))
	if strings.Contains(t, "VIEW") || t == "V" || t == "M" {
		return "view"
	}
	return "table"
}

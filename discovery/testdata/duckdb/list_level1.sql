-- DuckDB: https://duckdb.org/docs/stable/sql/meta/duckdb_table_functions; run for real in the tests
SELECT schema_name AS name FROM duckdb_schemas() WHERE database_name = CAST($1 AS VARCHAR) AND NOT internal AND POSITION(LOWER(CAST($2 AS VARCHAR)) IN LOWER(schema_name)) > 0 ORDER BY schema_name LIMIT 101 OFFSET 200
-- queryParameters: ["proj-1","road"]

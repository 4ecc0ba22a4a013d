-- DuckDB: https://duckdb.org/docs/stable/sql/meta/duckdb_table_functions; run for real in the tests
SELECT database_name AS name FROM duckdb_databases() WHERE NOT internal AND (database_name = current_database()
  OR database_name IN (SELECT database_name FROM duckdb_tables() UNION SELECT database_name FROM duckdb_views() WHERE NOT internal)) AND POSITION(LOWER(CAST($1 AS VARCHAR)) IN LOWER(database_name)) > 0 ORDER BY database_name LIMIT 101 OFFSET 200
-- queryParameters: ["road"]

-- DuckDB: https://duckdb.org/docs/stable/sql/meta/duckdb_table_functions; run for real in the tests
SELECT column_name AS column_name, data_type AS data_type, CASE WHEN is_nullable THEN 'YES' ELSE 'NO' END AS is_nullable
FROM duckdb_columns() WHERE database_name = CAST($1 AS VARCHAR) AND schema_name = CAST($2 AS VARCHAR) AND table_name = CAST($3 AS VARCHAR) ORDER BY column_index
-- queryParameters: ["proj-1","geo_data","Stores 2024"]

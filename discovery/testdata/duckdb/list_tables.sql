-- DuckDB: https://duckdb.org/docs/stable/sql/meta/duckdb_table_functions; run for real in the tests
SELECT t.name AS name, t.table_type AS table_type, t.row_count AS row_count, CAST(NULL AS BIGINT) AS size_bytes,
  c.column_name AS column_name, c.data_type AS data_type
FROM (SELECT name, table_type, row_count FROM (
    SELECT table_name AS name, 'BASE TABLE' AS table_type, estimated_size AS row_count FROM duckdb_tables()
      WHERE database_name = CAST($1 AS VARCHAR) AND schema_name = CAST($2 AS VARCHAR) AND NOT internal
    UNION ALL
    SELECT view_name, 'VIEW', CAST(NULL AS BIGINT) FROM duckdb_views()
      WHERE database_name = CAST($1 AS VARCHAR) AND schema_name = CAST($2 AS VARCHAR) AND NOT internal) AS u
  WHERE TRUE AND POSITION(LOWER(CAST($3 AS VARCHAR)) IN LOWER(name)) > 0 ORDER BY name LIMIT 101 OFFSET 200) AS t
LEFT JOIN (SELECT table_name, column_name, data_type FROM duckdb_columns()
  WHERE database_name = CAST($1 AS VARCHAR) AND schema_name = CAST($2 AS VARCHAR) AND (UPPER(data_type) LIKE 'GEOGRAPHY%' OR UPPER(data_type) LIKE 'GEOMETRY%' OR LOWER(column_name) LIKE '%h3%' OR LOWER(column_name) LIKE '%quadbin%' OR LOWER(column_name) LIKE '%geom%')) AS c ON c.table_name = t.name
ORDER BY name, column_name
-- queryParameters: ["proj-1","geo_data","road"]

-- Redshift: https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_REDSHIFT_DATABASES.html, r_SVV_ALL_SCHEMAS.html,
-- r_SVV_ALL_TABLES.html, r_SVV_TABLE_INFO.html, r_SVV_ALL_COLUMNS.html (same directory)
SELECT t.table_name AS name, t.table_type AS table_type, i.tbl_rows AS row_count, i.size * 1048576 AS size_bytes,
  c.column_name AS column_name, c.data_type AS data_type
FROM (SELECT database_name, schema_name, table_name, table_type FROM svv_all_tables
  WHERE database_name = CAST($1 AS VARCHAR) AND schema_name = CAST($2 AS VARCHAR) AND POSITION(LOWER(CAST($3 AS VARCHAR)) IN LOWER(table_name)) > 0 ORDER BY table_name LIMIT 101 OFFSET 200) AS t
LEFT JOIN svv_table_info AS i ON i."database" = t.database_name AND i."schema" = t.schema_name AND i."table" = t.table_name
LEFT JOIN (SELECT table_name, column_name, data_type FROM svv_all_columns
  WHERE database_name = CAST($1 AS VARCHAR) AND schema_name = CAST($2 AS VARCHAR) AND (UPPER(data_type) LIKE 'GEOGRAPHY%' OR UPPER(data_type) LIKE 'GEOMETRY%' OR LOWER(column_name) LIKE '%h3%' OR LOWER(column_name) LIKE '%quadbin%' OR LOWER(column_name) LIKE '%geom%')) AS c ON c.table_name = t.table_name
ORDER BY name, column_name
-- queryParameters: ["proj-1","geo_data","road"]

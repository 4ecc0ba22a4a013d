-- Snowflake: https://docs.snowflake.com/en/sql-reference/info-schema/databases, .../info-schema/schemata,
-- https://docs.snowflake.com/en/sql-reference/info-schema/tables, https://docs.snowflake.com/en/sql-reference/info-schema/columns
SELECT t.table_name AS "name", t.table_type AS "table_type", t.row_count AS "row_count", t.bytes AS "size_bytes",
  c.column_name AS "column_name", c.data_type AS "data_type"
FROM (SELECT table_name, table_type, row_count, bytes FROM "proj-1".INFORMATION_SCHEMA.TABLES
  WHERE table_schema = :1 AND POSITION(LOWER(:2) IN LOWER(table_name)) > 0 ORDER BY table_name LIMIT 101 OFFSET 200) AS t
LEFT JOIN (SELECT table_name, column_name, data_type FROM "proj-1".INFORMATION_SCHEMA.COLUMNS
  WHERE table_schema = :1 AND (UPPER(data_type) LIKE 'GEOGRAPHY%' OR UPPER(data_type) LIKE 'GEOMETRY%' OR LOWER(column_name) LIKE '%h3%' OR LOWER(column_name) LIKE '%quadbin%' OR LOWER(column_name) LIKE '%geom%')) AS c ON c.table_name = t.table_name
ORDER BY "name", "column_name"
-- queryParameters: ["geo_data","road"]

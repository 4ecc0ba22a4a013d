-- Databricks: https://docs.databricks.com/aws/en/sql/language-manual/information-schema/catalogs,
-- .../information-schema/schemata, .../information-schema/tables, .../information-schema/columns
SELECT t.table_name AS name, t.table_type AS table_type, CAST(NULL AS BIGINT) AS row_count, CAST(NULL AS BIGINT) AS size_bytes,
  c.column_name AS column_name, c.data_type AS data_type
FROM (SELECT table_name, table_type FROM `proj-1`.information_schema.tables
  WHERE table_schema = 'geo_data' AND POSITION(LOWER('road') IN LOWER(table_name)) > 0 ORDER BY table_name LIMIT 101 OFFSET 200) AS t
LEFT JOIN (SELECT table_name, column_name, data_type FROM `proj-1`.information_schema.columns
  WHERE table_schema = 'geo_data' AND (UPPER(data_type) LIKE 'GEOGRAPHY%' OR UPPER(data_type) LIKE 'GEOMETRY%' OR LOWER(column_name) LIKE '%h3%' OR LOWER(column_name) LIKE '%quadbin%' OR LOWER(column_name) LIKE '%geom%')) AS c ON c.table_name = t.table_name
ORDER BY name, column_name

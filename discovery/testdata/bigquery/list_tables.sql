-- BigQuery: https://cloud.google.com/bigquery/docs/information-schema-datasets-schemata,
-- https://cloud.google.com/bigquery/docs/information-schema-tables, https://cloud.google.com/bigquery/docs/information-schema-columns,
-- https://cloud.google.com/bigquery/docs/reference/system-variables (@@project_id); __TABLES__ as CARTO's QGIS plugin reads it.
SELECT t.table_name AS name, t.table_type AS table_type, s.row_count AS row_count, s.size_bytes AS size_bytes,
  c.column_name AS column_name, c.data_type AS data_type
FROM (SELECT table_name, table_type FROM `proj-1`.`geo_data`.INFORMATION_SCHEMA.TABLES WHERE TRUE AND STRPOS(LOWER(table_name), LOWER(@p0)) > 0 ORDER BY table_name LIMIT 101 OFFSET 200) AS t
LEFT JOIN `proj-1`.`geo_data`.__TABLES__ AS s ON s.table_id = t.table_name
LEFT JOIN (SELECT table_name, column_name, data_type FROM `proj-1`.`geo_data`.INFORMATION_SCHEMA.COLUMNS
  WHERE (UPPER(data_type) LIKE 'GEOGRAPHY%' OR UPPER(data_type) LIKE 'GEOMETRY%' OR LOWER(column_name) LIKE '%h3%' OR LOWER(column_name) LIKE '%quadbin%' OR LOWER(column_name) LIKE '%geom%')) AS c ON c.table_name = t.table_name
ORDER BY name, column_name
-- queryParameters: {"p0":"road"}

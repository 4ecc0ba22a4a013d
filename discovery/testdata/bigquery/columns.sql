-- BigQuery: https://cloud.google.com/bigquery/docs/information-schema-datasets-schemata,
-- https://cloud.google.com/bigquery/docs/information-schema-tables, https://cloud.google.com/bigquery/docs/information-schema-columns,
-- https://cloud.google.com/bigquery/docs/reference/system-variables (@@project_id); __TABLES__ as CARTO's QGIS plugin reads it.
SELECT column_name AS column_name, data_type AS data_type, is_nullable AS is_nullable
FROM `proj-1`.`geo_data`.INFORMATION_SCHEMA.COLUMNS WHERE table_name = @p0 ORDER BY ordinal_position
-- queryParameters: {"p0":"Stores 2024"}

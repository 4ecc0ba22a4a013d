-- BigQuery: https://cloud.google.com/bigquery/docs/information-schema-datasets-schemata,
-- https://cloud.google.com/bigquery/docs/information-schema-tables, https://cloud.google.com/bigquery/docs/information-schema-columns,
-- https://cloud.google.com/bigquery/docs/reference/system-variables (@@project_id); __TABLES__ as CARTO's QGIS plugin reads it.
SELECT schema_name AS name FROM `proj-1`.INFORMATION_SCHEMA.SCHEMATA WHERE TRUE AND STRPOS(LOWER(schema_name), LOWER(@p0)) > 0 ORDER BY schema_name LIMIT 101 OFFSET 200
-- queryParameters: {"p0":"road"}

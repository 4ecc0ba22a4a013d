-- BigQuery: https://cloud.google.com/bigquery/docs/information-schema-datasets-schemata,
-- https://cloud.google.com/bigquery/docs/information-schema-tables, https://cloud.google.com/bigquery/docs/information-schema-columns,
-- https://cloud.google.com/bigquery/docs/reference/system-variables (@@project_id); __TABLES__ as CARTO's QGIS plugin reads it.
SELECT name FROM (SELECT @@project_id AS name) WHERE TRUE AND STRPOS(LOWER(name), LOWER(@p0)) > 0 ORDER BY name LIMIT 101 OFFSET 200
-- queryParameters: {"p0":"road"}

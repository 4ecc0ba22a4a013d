-- Databricks: https://docs.databricks.com/aws/en/sql/language-manual/information-schema/catalogs,
-- .../information-schema/schemata, .../information-schema/tables, .../information-schema/columns
SELECT column_name AS column_name, data_type AS data_type, is_nullable AS is_nullable
FROM `proj-1`.information_schema.columns WHERE table_schema = 'geo_data' AND table_name = 'Stores 2024' ORDER BY ordinal_position
-- queryParameters: 

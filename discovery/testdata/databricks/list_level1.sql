-- Databricks: https://docs.databricks.com/aws/en/sql/language-manual/information-schema/catalogs,
-- .../information-schema/schemata, .../information-schema/tables, .../information-schema/columns
SELECT schema_name AS name FROM `proj-1`.information_schema.schemata WHERE TRUE AND POSITION(LOWER('road') IN LOWER(schema_name)) > 0 ORDER BY schema_name LIMIT 101 OFFSET 200

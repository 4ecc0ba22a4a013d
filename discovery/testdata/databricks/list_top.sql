-- Databricks: https://docs.databricks.com/aws/en/sql/language-manual/information-schema/catalogs,
-- .../information-schema/schemata, .../information-schema/tables, .../information-schema/columns
SELECT catalog_name AS name FROM system.information_schema.catalogs WHERE TRUE AND POSITION(LOWER('road') IN LOWER(catalog_name)) > 0 ORDER BY catalog_name LIMIT 101 OFFSET 200

-- Snowflake: https://docs.snowflake.com/en/sql-reference/info-schema/databases, .../info-schema/schemata,
-- https://docs.snowflake.com/en/sql-reference/info-schema/tables, https://docs.snowflake.com/en/sql-reference/info-schema/columns
SELECT schema_name AS "name" FROM "proj-1".INFORMATION_SCHEMA.SCHEMATA WHERE TRUE AND POSITION(LOWER(:1) IN LOWER(schema_name)) > 0 ORDER BY schema_name LIMIT 101 OFFSET 200
-- queryParameters: ["road"]

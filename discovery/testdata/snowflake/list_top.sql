-- Snowflake: https://docs.snowflake.com/en/sql-reference/info-schema/databases, .../info-schema/schemata,
-- https://docs.snowflake.com/en/sql-reference/info-schema/tables, https://docs.snowflake.com/en/sql-reference/info-schema/columns
SELECT database_name AS "name" FROM INFORMATION_SCHEMA.DATABASES WHERE TRUE AND POSITION(LOWER(:1) IN LOWER(database_name)) > 0 ORDER BY database_name LIMIT 101 OFFSET 200
-- queryParameters: ["road"]

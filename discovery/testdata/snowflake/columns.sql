-- Snowflake: https://docs.snowflake.com/en/sql-reference/info-schema/databases, .../info-schema/schemata,
-- https://docs.snowflake.com/en/sql-reference/info-schema/tables, https://docs.snowflake.com/en/sql-reference/info-schema/columns
SELECT column_name AS "column_name", data_type AS "data_type", is_nullable AS "is_nullable"
FROM "proj-1".INFORMATION_SCHEMA.COLUMNS WHERE table_schema = :1 AND table_name = :2 ORDER BY ordinal_position
-- queryParameters: ["geo_data","Stores 2024"]

-- Redshift: https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_REDSHIFT_DATABASES.html, r_SVV_ALL_SCHEMAS.html,
-- r_SVV_ALL_TABLES.html, r_SVV_TABLE_INFO.html, r_SVV_ALL_COLUMNS.html (same directory)
SELECT column_name AS column_name, data_type AS data_type, is_nullable AS is_nullable
FROM svv_all_columns WHERE database_name = CAST($1 AS VARCHAR) AND schema_name = CAST($2 AS VARCHAR) AND table_name = CAST($3 AS VARCHAR) ORDER BY ordinal_position
-- queryParameters: ["proj-1","geo_data","Stores 2024"]

-- Redshift: https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_REDSHIFT_DATABASES.html, r_SVV_ALL_SCHEMAS.html,
-- r_SVV_ALL_TABLES.html, r_SVV_TABLE_INFO.html, r_SVV_ALL_COLUMNS.html (same directory)
SELECT schema_name AS name FROM svv_all_schemas WHERE database_name = CAST($1 AS VARCHAR) AND POSITION(LOWER(CAST($2 AS VARCHAR)) IN LOWER(schema_name)) > 0 ORDER BY schema_name LIMIT 101 OFFSET 200
-- queryParameters: ["proj-1","road"]

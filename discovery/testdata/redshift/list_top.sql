-- Redshift: https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_REDSHIFT_DATABASES.html, r_SVV_ALL_SCHEMAS.html,
-- r_SVV_ALL_TABLES.html, r_SVV_TABLE_INFO.html, r_SVV_ALL_COLUMNS.html (same directory)
SELECT database_name AS name FROM svv_redshift_databases WHERE TRUE AND POSITION(LOWER(CAST($1 AS VARCHAR)) IN LOWER(database_name)) > 0 ORDER BY database_name LIMIT 101 OFFSET 200
-- queryParameters: ["road"]

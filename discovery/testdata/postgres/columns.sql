-- PostgreSQL: https://www.postgresql.org/docs/current/catalogs.html (pg_namespace, pg_class, pg_attribute),
-- https://www.postgresql.org/docs/current/functions-admin.html (pg_total_relation_size), format_type; run for real in the tests
SELECT a.attname::text AS column_name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS data_type,
  CASE WHEN a.attnotnull THEN 'NO' ELSE 'YES' END AS is_nullable
FROM pg_catalog.pg_attribute AS a
JOIN pg_catalog.pg_class AS c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
WHERE current_database() = CAST($1 AS VARCHAR) AND n.nspname = CAST($2 AS VARCHAR) AND c.relname = CAST($3 AS VARCHAR) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
-- queryParameters: ["proj-1","geo_data","Stores 2024"]

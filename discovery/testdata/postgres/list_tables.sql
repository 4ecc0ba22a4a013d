-- PostgreSQL: https://www.postgresql.org/docs/current/catalogs.html (pg_namespace, pg_class, pg_attribute),
-- https://www.postgresql.org/docs/current/functions-admin.html (pg_total_relation_size), format_type; run for real in the tests
SELECT t.relname::text AS name, t.relkind::text AS table_type,
  CASE WHEN t.reltuples >= 0 THEN t.reltuples::bigint END AS row_count, pg_catalog.pg_total_relation_size(t.oid) AS size_bytes,
  a.attname::text AS column_name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS data_type
FROM (SELECT c.oid, c.relname, c.relkind, c.reltuples FROM pg_catalog.pg_class AS c
  JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
  WHERE current_database() = CAST($1 AS VARCHAR) AND n.nspname = CAST($2 AS VARCHAR) AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND POSITION(LOWER(CAST($3 AS VARCHAR)) IN LOWER(c.relname::text)) > 0 ORDER BY c.relname LIMIT 101 OFFSET 200) AS t
LEFT JOIN pg_catalog.pg_attribute AS a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
  AND (UPPER(pg_catalog.format_type(a.atttypid, a.atttypmod)) LIKE 'GEOGRAPHY%' OR UPPER(pg_catalog.format_type(a.atttypid, a.atttypmod)) LIKE 'GEOMETRY%' OR LOWER(a.attname::text) LIKE '%h3%' OR LOWER(a.attname::text) LIKE '%quadbin%' OR LOWER(a.attname::text) LIKE '%geom%')
ORDER BY name, column_name
-- queryParameters: ["proj-1","geo_data","road"]

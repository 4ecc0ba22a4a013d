-- PostgreSQL: https://www.postgresql.org/docs/current/catalogs.html (pg_namespace, pg_class, pg_attribute),
-- https://www.postgresql.org/docs/current/functions-admin.html (pg_total_relation_size), format_type; run for real in the tests
SELECT nspname::text AS name FROM pg_catalog.pg_namespace
WHERE current_database() = CAST($1 AS VARCHAR) AND substr(nspname, 1, 3) <> 'pg_' AND nspname <> 'information_schema' AND POSITION(LOWER(CAST($2 AS VARCHAR)) IN LOWER(nspname::text)) > 0 ORDER BY nspname LIMIT 101 OFFSET 200
-- queryParameters: ["proj-1","road"]

-- PostgreSQL: https://www.postgresql.org/docs/current/catalogs.html (pg_namespace, pg_class, pg_attribute),
-- https://www.postgresql.org/docs/current/functions-admin.html (pg_total_relation_size), format_type; run for real in the tests
SELECT name FROM (SELECT current_database()::text AS name) AS d WHERE TRUE AND POSITION(LOWER(CAST($1 AS VARCHAR)) IN LOWER(name)) > 0 ORDER BY name LIMIT 101 OFFSET 200
-- queryParameters: ["road"]

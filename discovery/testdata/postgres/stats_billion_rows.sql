-- PostgreSQL: https://www.postgresql.org/docs/current/sql-select.html (TABLESAMPLE SYSTEM, WITH ... AS MATERIALIZED),
-- https://www.postgresql.org/docs/current/functions-aggregate.html (percentile_cont); PostGIS GeometryType, ST_XMin; run for real in the tests
WITH b AS MATERIALIZED (SELECT "revenue", "Category Name", "is_open", "opened_at", "geom", "attrs" FROM "geo_data"."Stores 2024" TABLESAMPLE SYSTEM (0.002) LIMIT 10000),
s AS MATERIALIZED (SELECT * FROM b UNION ALL SELECT * FROM (SELECT "revenue", "Category Name", "is_open", "opened_at", "geom", "attrs" FROM "geo_data"."Stores 2024" LIMIT 10000) AS f WHERE NOT EXISTS (SELECT 1 FROM b))
SELECT -1 AS col, 'block_rows' AS stat, CAST(NULL AS text) AS val, COUNT(*) AS n FROM b
UNION ALL SELECT -1 AS col, 'rows' AS stat, CAST(NULL AS text) AS val, COUNT(*) AS n FROM s
UNION ALL SELECT 0 AS col, 'nulls' AS stat, CAST(NULL AS text) AS val, COUNT(*) - COUNT("revenue") AS n FROM s
UNION ALL SELECT 0 AS col, 'min' AS stat, CAST(MIN("revenue") AS text) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 0 AS col, 'max' AS stat, CAST(MAX("revenue") AS text) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 0 AS col, 'mean' AS stat, CAST(AVG(CAST("revenue" AS double precision)) AS text) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 0 AS col, 'q1' AS stat, CAST(percentile_cont(0.25) WITHIN GROUP (ORDER BY CAST("revenue" AS double precision)) AS text) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 0 AS col, 'q2' AS stat, CAST(percentile_cont(0.5) WITHIN GROUP (ORDER BY CAST("revenue" AS double precision)) AS text) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 0 AS col, 'q3' AS stat, CAST(percentile_cont(0.75) WITHIN GROUP (ORDER BY CAST("revenue" AS double precision)) AS text) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 1 AS col, 'nulls' AS stat, CAST(NULL AS text) AS val, COUNT(*) - COUNT("Category Name") AS n FROM s
UNION ALL SELECT 1 AS col, 'distinct' AS stat, CAST(NULL AS text) AS val, COUNT(DISTINCT "Category Name") AS n FROM s
UNION ALL SELECT 1 AS col, 'top' AS stat, CAST(t1.v AS text) AS val, t1.n AS n FROM (SELECT "Category Name" AS v, COUNT(*) AS n FROM s WHERE "Category Name" IS NOT NULL GROUP BY "Category Name" ORDER BY n DESC, v LIMIT 10) AS t1
UNION ALL SELECT 2 AS col, 'nulls' AS stat, CAST(NULL AS text) AS val, COUNT(*) - COUNT("is_open") AS n FROM s
UNION ALL SELECT 2 AS col, 'distinct' AS stat, CAST(NULL AS text) AS val, COUNT(DISTINCT "is_open") AS n FROM s
UNION ALL SELECT 2 AS col, 'top' AS stat, CAST(t2.v AS text) AS val, t2.n AS n FROM (SELECT "is_open" AS v, COUNT(*) AS n FROM s WHERE "is_open" IS NOT NULL GROUP BY "is_open" ORDER BY n DESC, v LIMIT 10) AS t2
UNION ALL SELECT 3 AS col, 'nulls' AS stat, CAST(NULL AS text) AS val, COUNT(*) - COUNT("opened_at") AS n FROM s
UNION ALL SELECT 3 AS col, 'min' AS stat, CAST(MIN("opened_at") AS text) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 3 AS col, 'max' AS stat, CAST(MAX("opened_at") AS text) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 4 AS col, 'nulls' AS stat, CAST(NULL AS text) AS val, COUNT(*) - COUNT("geom") AS n FROM s
UNION ALL SELECT 4 AS col, 'gtype' AS stat, CAST(t4.v AS text) AS val, t4.n AS n FROM (SELECT upper(GeometryType(CAST("geom" AS geometry))) AS v, COUNT(*) AS n FROM s WHERE upper(GeometryType(CAST("geom" AS geometry))) IS NOT NULL GROUP BY upper(GeometryType(CAST("geom" AS geometry))) ORDER BY n DESC, v LIMIT 10) AS t4
UNION ALL SELECT 4 AS col, 'xmin' AS stat, CAST(MIN(ST_XMin(CAST("geom" AS geometry))) AS text) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 4 AS col, 'ymin' AS stat, CAST(MIN(ST_YMin(CAST("geom" AS geometry))) AS text) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 4 AS col, 'xmax' AS stat, CAST(MAX(ST_XMax(CAST("geom" AS geometry))) AS text) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 4 AS col, 'ymax' AS stat, CAST(MAX(ST_YMax(CAST("geom" AS geometry))) AS text) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 5 AS col, 'nulls' AS stat, CAST(NULL AS text) AS val, COUNT(*) - COUNT("attrs") AS n FROM s

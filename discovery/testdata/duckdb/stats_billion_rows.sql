-- DuckDB: https://duckdb.org/docs/stable/sql/samples (TABLESAMPLE ... (system)), quantile_cont, approx_count_distinct;
-- WKT and GeoJSON read with regexp_extract_all; run for real in the tests
WITH bs AS MATERIALIZED (SELECT "revenue", "Category Name", "is_open", "opened_at", "geom", "attrs" FROM "proj-1"."geo_data"."Stores 2024" TABLESAMPLE 0.002% (system)),
b AS MATERIALIZED (SELECT * FROM bs LIMIT 10000),
s AS MATERIALIZED (SELECT * FROM b UNION ALL SELECT * FROM (SELECT "revenue", "Category Name", "is_open", "opened_at", "geom", "attrs" FROM "proj-1"."geo_data"."Stores 2024" LIMIT 10000) AS f WHERE NOT EXISTS (SELECT 1 FROM b))
SELECT -1 AS col, 'block_rows' AS stat, CAST(NULL AS VARCHAR) AS val, COUNT(*) AS n FROM b
UNION ALL SELECT -1 AS col, 'rows' AS stat, CAST(NULL AS VARCHAR) AS val, COUNT(*) AS n FROM s
UNION ALL SELECT 0 AS col, 'nulls' AS stat, CAST(NULL AS VARCHAR) AS val, COUNT(*) - COUNT("revenue") AS n FROM s
UNION ALL SELECT 0 AS col, 'min' AS stat, CAST(MIN("revenue") AS VARCHAR) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 0 AS col, 'max' AS stat, CAST(MAX("revenue") AS VARCHAR) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 0 AS col, 'mean' AS stat, CAST(AVG(CAST("revenue" AS DOUBLE)) AS VARCHAR) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 0 AS col, 'q1' AS stat, CAST(quantile_cont(CAST("revenue" AS DOUBLE), 0.25) AS VARCHAR) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 0 AS col, 'q2' AS stat, CAST(quantile_cont(CAST("revenue" AS DOUBLE), 0.5) AS VARCHAR) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 0 AS col, 'q3' AS stat, CAST(quantile_cont(CAST("revenue" AS DOUBLE), 0.75) AS VARCHAR) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 1 AS col, 'nulls' AS stat, CAST(NULL AS VARCHAR) AS val, COUNT(*) - COUNT("Category Name") AS n FROM s
UNION ALL SELECT 1 AS col, 'distinct' AS stat, CAST(NULL AS VARCHAR) AS val, approx_count_distinct("Category Name") AS n FROM s
UNION ALL SELECT 1 AS col, 'top' AS stat, CAST(t1.v AS VARCHAR) AS val, t1.n AS n FROM (SELECT "Category Name" AS v, COUNT(*) AS n FROM s WHERE "Category Name" IS NOT NULL GROUP BY "Category Name" ORDER BY n DESC, v LIMIT 10) AS t1
UNION ALL SELECT 2 AS col, 'nulls' AS stat, CAST(NULL AS VARCHAR) AS val, COUNT(*) - COUNT("is_open") AS n FROM s
UNION ALL SELECT 2 AS col, 'distinct' AS stat, CAST(NULL AS VARCHAR) AS val, approx_count_distinct("is_open") AS n FROM s
UNION ALL SELECT 2 AS col, 'top' AS stat, CAST(t2.v AS VARCHAR) AS val, t2.n AS n FROM (SELECT "is_open" AS v, COUNT(*) AS n FROM s WHERE "is_open" IS NOT NULL GROUP BY "is_open" ORDER BY n DESC, v LIMIT 10) AS t2
UNION ALL SELECT 3 AS col, 'nulls' AS stat, CAST(NULL AS VARCHAR) AS val, COUNT(*) - COUNT("opened_at") AS n FROM s
UNION ALL SELECT 3 AS col, 'min' AS stat, CAST(MIN("opened_at") AS VARCHAR) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 3 AS col, 'max' AS stat, CAST(MAX("opened_at") AS VARCHAR) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 4 AS col, 'nulls' AS stat, CAST(NULL AS VARCHAR) AS val, COUNT(*) - COUNT("geom") AS n FROM s
UNION ALL SELECT 4 AS col, 'gtype' AS stat, CAST(t4.v AS VARCHAR) AS val, t4.n AS n FROM (SELECT upper(trim(split_part(trim("geom"), '(', 1))) AS v, COUNT(*) AS n FROM s WHERE upper(trim(split_part(trim("geom"), '(', 1))) IS NOT NULL GROUP BY upper(trim(split_part(trim("geom"), '(', 1))) ORDER BY n DESC, v LIMIT 10) AS t4
UNION ALL SELECT 4 AS col, 'xmin' AS stat, CAST(MIN(list_min(CAST(regexp_extract_all("geom", '(-?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?)\s+(-?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?)', 1) AS DOUBLE[]))) AS VARCHAR) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 4 AS col, 'ymin' AS stat, CAST(MIN(list_min(CAST(regexp_extract_all("geom", '(-?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?)\s+(-?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?)', 2) AS DOUBLE[]))) AS VARCHAR) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 4 AS col, 'xmax' AS stat, CAST(MAX(list_max(CAST(regexp_extract_all("geom", '(-?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?)\s+(-?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?)', 1) AS DOUBLE[]))) AS VARCHAR) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 4 AS col, 'ymax' AS stat, CAST(MAX(list_max(CAST(regexp_extract_all("geom", '(-?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?)\s+(-?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?)', 2) AS DOUBLE[]))) AS VARCHAR) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 5 AS col, 'nulls' AS stat, CAST(NULL AS VARCHAR) AS val, COUNT(*) - COUNT("attrs") AS n FROM s

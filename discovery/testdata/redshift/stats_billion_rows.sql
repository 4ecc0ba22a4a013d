-- Redshift (no table sampling: LIMIT): https://docs.aws.amazon.com/redshift/latest/dg/r_APPROXIMATE_PERCENTILE_DISC.html,
-- https://docs.aws.amazon.com/redshift/latest/dg/r_COUNT.html (APPROXIMATE COUNT DISTINCT), .../ST_XMin-function.html, .../GeometryType-function.html
WITH s AS (SELECT "revenue", "Category Name", "is_open", "opened_at", "geom", "attrs" FROM "proj-1"."geo_data"."Stores 2024" LIMIT 10000)
SELECT -1 AS col, 'rows' AS stat, CAST(NULL AS VARCHAR(65535)) AS val, COUNT(*) AS n FROM s
UNION ALL SELECT 0 AS col, 'nulls' AS stat, CAST(NULL AS VARCHAR(65535)) AS val, COUNT(*) - COUNT("revenue") AS n FROM s
UNION ALL SELECT 0 AS col, 'min' AS stat, CAST(MIN("revenue") AS VARCHAR(65535)) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 0 AS col, 'max' AS stat, CAST(MAX("revenue") AS VARCHAR(65535)) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 0 AS col, 'mean' AS stat, CAST(AVG(CAST("revenue" AS DOUBLE PRECISION)) AS VARCHAR(65535)) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 0 AS col, 'q1' AS stat, CAST(APPROXIMATE PERCENTILE_DISC(0.25) WITHIN GROUP (ORDER BY CAST("revenue" AS DOUBLE PRECISION)) AS VARCHAR(65535)) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 0 AS col, 'q2' AS stat, CAST(APPROXIMATE PERCENTILE_DISC(0.5) WITHIN GROUP (ORDER BY CAST("revenue" AS DOUBLE PRECISION)) AS VARCHAR(65535)) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 0 AS col, 'q3' AS stat, CAST(APPROXIMATE PERCENTILE_DISC(0.75) WITHIN GROUP (ORDER BY CAST("revenue" AS DOUBLE PRECISION)) AS VARCHAR(65535)) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 1 AS col, 'nulls' AS stat, CAST(NULL AS VARCHAR(65535)) AS val, COUNT(*) - COUNT("Category Name") AS n FROM s
UNION ALL SELECT 1 AS col, 'distinct' AS stat, CAST(NULL AS VARCHAR(65535)) AS val, APPROXIMATE COUNT(DISTINCT "Category Name") AS n FROM s
UNION ALL SELECT 1 AS col, 'top' AS stat, CAST(t1.v AS VARCHAR(65535)) AS val, t1.n AS n FROM (SELECT "Category Name" AS v, COUNT(*) AS n FROM s WHERE "Category Name" IS NOT NULL GROUP BY "Category Name" ORDER BY n DESC, v LIMIT 10) AS t1
UNION ALL SELECT 2 AS col, 'nulls' AS stat, CAST(NULL AS VARCHAR(65535)) AS val, COUNT(*) - COUNT("is_open") AS n FROM s
UNION ALL SELECT 2 AS col, 'distinct' AS stat, CAST(NULL AS VARCHAR(65535)) AS val, APPROXIMATE COUNT(DISTINCT "is_open") AS n FROM s
UNION ALL SELECT 2 AS col, 'top' AS stat, CAST(t2.v AS VARCHAR(65535)) AS val, t2.n AS n FROM (SELECT "is_open" AS v, COUNT(*) AS n FROM s WHERE "is_open" IS NOT NULL GROUP BY "is_open" ORDER BY n DESC, v LIMIT 10) AS t2
UNION ALL SELECT 3 AS col, 'nulls' AS stat, CAST(NULL AS VARCHAR(65535)) AS val, COUNT(*) - COUNT("opened_at") AS n FROM s
UNION ALL SELECT 3 AS col, 'min' AS stat, CAST(MIN("opened_at") AS VARCHAR(65535)) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 3 AS col, 'max' AS stat, CAST(MAX("opened_at") AS VARCHAR(65535)) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 4 AS col, 'nulls' AS stat, CAST(NULL AS VARCHAR(65535)) AS val, COUNT(*) - COUNT("geom") AS n FROM s
UNION ALL SELECT 4 AS col, 'gtype' AS stat, CAST(t4.v AS VARCHAR(65535)) AS val, t4.n AS n FROM (SELECT GeometryType("geom") AS v, COUNT(*) AS n FROM s WHERE GeometryType("geom") IS NOT NULL GROUP BY GeometryType("geom") ORDER BY n DESC, v LIMIT 10) AS t4
UNION ALL SELECT 4 AS col, 'xmin' AS stat, CAST(MIN(ST_XMin("geom")) AS VARCHAR(65535)) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 4 AS col, 'ymin' AS stat, CAST(MIN(ST_YMin("geom")) AS VARCHAR(65535)) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 4 AS col, 'xmax' AS stat, CAST(MAX(ST_XMax("geom")) AS VARCHAR(65535)) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 4 AS col, 'ymax' AS stat, CAST(MAX(ST_YMax("geom")) AS VARCHAR(65535)) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 5 AS col, 'nulls' AS stat, CAST(NULL AS VARCHAR(65535)) AS val, COUNT(*) - COUNT("attrs") AS n FROM s

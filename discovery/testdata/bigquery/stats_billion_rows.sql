-- BigQuery: https://cloud.google.com/bigquery/docs/table-sampling (TABLESAMPLE SYSTEM),
-- https://cloud.google.com/bigquery/docs/reference/standard-sql/approximate_aggregate_functions (APPROX_QUANTILES, APPROX_COUNT_DISTINCT),
-- https://cloud.google.com/bigquery/docs/reference/standard-sql/geography_functions (ST_GEOMETRYTYPE, ST_BOUNDINGBOX)
WITH b AS (SELECT `revenue`, `Category Name`, `is_open`, `opened_at`, `geom`, `attrs` FROM `proj-1`.`geo_data`.`Stores 2024` TABLESAMPLE SYSTEM (0.002 PERCENT) LIMIT 10000),
s AS (SELECT * FROM b)
SELECT -1 AS col, 'block_rows' AS stat, CAST(NULL AS STRING) AS val, COUNT(*) AS n FROM b
UNION ALL SELECT -1 AS col, 'rows' AS stat, CAST(NULL AS STRING) AS val, COUNT(*) AS n FROM s
UNION ALL SELECT 0 AS col, 'nulls' AS stat, CAST(NULL AS STRING) AS val, COUNT(*) - COUNT(`revenue`) AS n FROM s
UNION ALL SELECT 0 AS col, 'min' AS stat, CAST(MIN(`revenue`) AS STRING) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 0 AS col, 'max' AS stat, CAST(MAX(`revenue`) AS STRING) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 0 AS col, 'mean' AS stat, CAST(AVG(CAST(`revenue` AS FLOAT64)) AS STRING) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 0 AS col, 'q1' AS stat, CAST(APPROX_QUANTILES(CAST(`revenue` AS FLOAT64), 4)[OFFSET(1)] AS STRING) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 0 AS col, 'q2' AS stat, CAST(APPROX_QUANTILES(CAST(`revenue` AS FLOAT64), 4)[OFFSET(2)] AS STRING) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 0 AS col, 'q3' AS stat, CAST(APPROX_QUANTILES(CAST(`revenue` AS FLOAT64), 4)[OFFSET(3)] AS STRING) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 1 AS col, 'nulls' AS stat, CAST(NULL AS STRING) AS val, COUNT(*) - COUNT(`Category Name`) AS n FROM s
UNION ALL SELECT 1 AS col, 'distinct' AS stat, CAST(NULL AS STRING) AS val, APPROX_COUNT_DISTINCT(`Category Name`) AS n FROM s
UNION ALL SELECT 1 AS col, 'top' AS stat, CAST(t1.v AS STRING) AS val, t1.n AS n FROM (SELECT `Category Name` AS v, COUNT(*) AS n FROM s WHERE `Category Name` IS NOT NULL GROUP BY `Category Name` ORDER BY n DESC, v LIMIT 10) AS t1
UNION ALL SELECT 2 AS col, 'nulls' AS stat, CAST(NULL AS STRING) AS val, COUNT(*) - COUNT(`is_open`) AS n FROM s
UNION ALL SELECT 2 AS col, 'distinct' AS stat, CAST(NULL AS STRING) AS val, APPROX_COUNT_DISTINCT(`is_open`) AS n FROM s
UNION ALL SELECT 2 AS col, 'top' AS stat, CAST(t2.v AS STRING) AS val, t2.n AS n FROM (SELECT `is_open` AS v, COUNT(*) AS n FROM s WHERE `is_open` IS NOT NULL GROUP BY `is_open` ORDER BY n DESC, v LIMIT 10) AS t2
UNION ALL SELECT 3 AS col, 'nulls' AS stat, CAST(NULL AS STRING) AS val, COUNT(*) - COUNT(`opened_at`) AS n FROM s
UNION ALL SELECT 3 AS col, 'min' AS stat, CAST(MIN(`opened_at`) AS STRING) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 3 AS col, 'max' AS stat, CAST(MAX(`opened_at`) AS STRING) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 4 AS col, 'nulls' AS stat, CAST(NULL AS STRING) AS val, COUNT(*) - COUNT(`geom`) AS n FROM s
UNION ALL SELECT 4 AS col, 'gtype' AS stat, CAST(t4.v AS STRING) AS val, t4.n AS n FROM (SELECT ST_GEOMETRYTYPE(`geom`) AS v, COUNT(*) AS n FROM s WHERE ST_GEOMETRYTYPE(`geom`) IS NOT NULL GROUP BY ST_GEOMETRYTYPE(`geom`) ORDER BY n DESC, v LIMIT 10) AS t4
UNION ALL SELECT 4 AS col, 'xmin' AS stat, CAST(MIN(ST_BOUNDINGBOX(`geom`).xmin) AS STRING) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 4 AS col, 'ymin' AS stat, CAST(MIN(ST_BOUNDINGBOX(`geom`).ymin) AS STRING) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 4 AS col, 'xmax' AS stat, CAST(MAX(ST_BOUNDINGBOX(`geom`).xmax) AS STRING) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 4 AS col, 'ymax' AS stat, CAST(MAX(ST_BOUNDINGBOX(`geom`).ymax) AS STRING) AS val, CAST(NULL AS BIGINT) AS n FROM s
UNION ALL SELECT 5 AS col, 'nulls' AS stat, CAST(NULL AS STRING) AS val, COUNT(*) - COUNT(`attrs`) AS n FROM s

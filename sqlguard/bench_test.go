package sqlguard

import (
	"slices"
	"testing"
)

// benchQuery is a typical ~2 KB analytical query as a model writes it:
// CTEs, joins, window functions, spatial calls, strings and comments.
const benchQuery = `-- Top stores by revenue growth, per region, with spatial context
WITH sales AS (
  SELECT s.store_id, s.region, date_trunc('month', o.ordered_at) AS month,
         sum(o.amount) AS revenue, count(DISTINCT o.customer_id) AS customers
  FROM analytics.orders AS o
  JOIN analytics.stores AS s ON s.store_id = o.store_id
  WHERE o.ordered_at >= '2023-01-01' AND o.status NOT IN ('cancelled', 'refunded')
  GROUP BY 1, 2, 3
),
growth AS (
  SELECT store_id, region, month, revenue, customers,
         revenue - lag(revenue) OVER (PARTITION BY store_id ORDER BY month) AS delta,
         rank() OVER (PARTITION BY region, month ORDER BY revenue DESC) AS region_rank
  FROM sales
),
/* join demographic context from the spatial features table */
context AS (
  SELECT g.store_id, f.population, f.median_income,
         ST_Distance(st.geom, f.centroid) AS distance_m,
         CASE WHEN f.median_income > 60000 THEN 'high'
              WHEN f.median_income > 35000 THEN 'mid' ELSE 'low' END AS income_band
  FROM growth AS g
  JOIN analytics.stores AS st ON st.store_id = g.store_id
  LEFT JOIN carto.spatial_features AS f
    ON ST_Intersects(f.geom, ST_Buffer(st.geom, 500.0))
  WHERE g.region_rank <= 10
)
SELECT g.region, g.month, g.store_id, g.revenue, g.customers,
       coalesce(g.delta, 0) AS delta,
       round(100.0 * g.delta / nullif(g.revenue - g.delta, 0), 2) AS growth_pct,
       c.population, c.median_income, c.income_band,
       avg(c.distance_m) OVER (PARTITION BY g.region) AS avg_distance_m,
       string_agg(DISTINCT c.income_band, ', ') AS bands -- e.g. 'high, mid'
FROM growth AS g
LEFT JOIN context AS c ON c.store_id = g.store_id
WHERE g.month BETWEEN '2023-06-01' AND '2024-05-31'
  AND g.region IN ('north', 'south', 'east', 'west', 'central')
  AND g.customers > 25
GROUP BY g.region, g.month, g.store_id, g.revenue, g.customers, g.delta,
         c.population, c.median_income, c.income_band, c.distance_m
HAVING sum(g.revenue) > 10000
ORDER BY g.region, g.month DESC, growth_pct DESC NULLS LAST
LIMIT 500;
`

func BenchmarkCheck(b *testing.B) {
	if err := Check(benchQuery, PostgreSQL); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(benchQuery)))
	b.ReportAllocs()
	for b.Loop() {
		if err := Check(benchQuery, PostgreSQL); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHostileInputs runs Check, in every dialect, on 64 KiB of each input
// built to trip a quadratic scan, and reports ns per input byte. A linear
// classifier stays within a small constant of the typical query's figure; a
// quadratic path shows up as a jump of orders of magnitude (one found this way
// took over two minutes on 1 MiB before its fix). Time is measured here, not
// asserted in a test.
func BenchmarkHostileInputs(b *testing.B) {
	names := make([]string, 0, len(hostileInputs))
	for name := range hostileInputs {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		sql := hostileInputs[name](1 << 16)
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				for d := Dialect(0); d < numDialects; d++ {
					_ = Check(sql, d)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(sql)*int(numDialects)), "ns/byte")
		})
	}
}

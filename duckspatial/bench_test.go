package duckspatial

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"syscall"
	"testing"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/stretchr/testify/require"
)

// BenchmarkPerRow measures what a Go function costs per row against DuckDB's
// built-in ST_AsText, over a million generated points:
//
//	go test -run '^$' -bench PerRow -benchtime 3x ./duckspatial/
//
// ns/row is wall time; cpu-ns/row is the process's user+system CPU time
// (all DuckDB threads) per row, which depends less on how busy the machine
// is. "scan" reads the column and aggregates, with no function; the
// floor_udf rows are the floor duckdb-go sets for any Go function: an
// identity function through the same wrapper, DOUBLE -> DOUBLE and
// GEOMETRY -> GEOMETRY.
func BenchmarkPerRow(b *testing.B) {
	const benchRows = 1_000_000
	conn := openDB(b)
	_, err := conn.ExecContext(b.Context(), fmt.Sprintf(`CREATE TABLE pts AS
		SELECT lon, lat, ('POINT (' || lon || ' ' || lat || ')')::GEOMETRY AS g,
		       'POINT (' || lon || ' ' || lat || ')' AS wkt
		FROM (SELECT (i %% 36000) / 100.0 - 180 AS lon, (i %% 17000) / 100.0 - 85 AS lat FROM range(%d) t(i))`, benchRows))
	require.NoError(b, err)
	registerFloor(b, conn)

	for _, c := range []struct{ name, sql string }{
		{"scan", "SELECT sum(lon) FROM pts"},
		{"floor_udf_DOUBLE", "SELECT sum(BENCH_FLOOR_DOUBLE(lon)) FROM pts"},
		{"floor_udf_GEOMETRY", "SELECT count(BENCH_FLOOR_GEOMETRY(g)) FROM pts"},
		{"builtin_ST_AsText", "SELECT sum(length(ST_AsText(g))) FROM pts"},
		{"ST_X", "SELECT sum(ST_X(g)) FROM pts"},
		{"ST_X_of_WKT_text", "SELECT sum(ST_X(wkt)) FROM pts"},
		{"ST_GEOGPOINT", "SELECT count(ST_GEOGPOINT(lon, lat)) FROM pts"},
		{"ST_ASGEOJSON", "SELECT sum(length(ST_ASGEOJSON(g))) FROM pts"},
		{"ST_INTERSECTS_polygon", "SELECT count(*) FILTER (WHERE ST_INTERSECTS(g, ST_MAKEENVELOPE(-10, 35, 5, 45))) FROM pts"},
		{"ST_DISTANCE", "SELECT sum(ST_DISTANCE(g, ST_GEOGPOINT(-3.7, 40.4))) FROM pts"},
		{"QUADBIN_FROMLONGLAT", "SELECT sum(QUADBIN_FROMLONGLAT(lon, lat, 10) % 7) FROM pts"},
		{"H3_FROMLONGLAT", "SELECT count(H3_FROMLONGLAT(lon, lat, 7)) FROM pts"},
	} {
		b.Run(c.name, func(b *testing.B) {
			var cpu time.Duration
			for b.Loop() {
				before := cpuTime()
				var v any
				require.NoError(b, conn.QueryRowContext(b.Context(), c.sql).Scan(&v))
				cpu += cpuTime() - before
			}
			rows := float64(b.N) * benchRows
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/rows, "ns/row")
			b.ReportMetric(float64(cpu.Nanoseconds())/rows, "cpu-ns/row")
		})
	}
}

// registerFloor adds identity functions that do no work, to measure what
// calling Go from DuckDB costs by itself.
func registerFloor(b *testing.B, conn *sql.Conn) {
	for _, f := range []struct {
		name string
		typ  duckdb.Type
		arg  argType
	}{
		{"BENCH_FLOOR_DOUBLE", duckdb.TYPE_DOUBLE, tDouble},
		{"BENCH_FLOOR_GEOMETRY", duckdb.TYPE_GEOMETRY, tGeometry},
	} {
		fn := &function{name: f.name, args: []string{"v"}, in: []argType{f.arg}, out: f.arg,
			call: func(args []driver.Value) (any, error) { return args[0], nil }}
		sf, err := newScalar(fn, []duckdb.Type{f.typ}, nil)
		require.NoError(b, err)
		require.NoError(b, duckdb.RegisterScalarUDF(conn, f.name, sf))
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

package duckspatial

import (
	"context"
	"database/sql"
	"testing"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// openDB returns a connection to a fresh in-memory DuckDB with the functions
// registered, closed when the test ends.
func openDB(t testing.TB) *sql.Conn {
	t.Helper()
	c, err := duckdb.NewConnector("", nil)
	require.NoError(t, err)
	db := sql.OpenDB(c)
	conn, err := db.Conn(context.Background())
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = conn.Close()
		_ = db.Close()
	})
	require.NoError(t, Register(conn, func(name string, r any, _ []byte) {
		t.Logf("%s panicked: %v", name, r)
	}))
	return conn
}

// one runs a single-value query.
func one(t testing.TB, conn *sql.Conn, q string, args ...any) (any, error) {
	t.Helper()
	var v any
	err := conn.QueryRowContext(context.Background(), q, args...).Scan(&v)
	return v, err
}

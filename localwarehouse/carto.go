package localwarehouse

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	"github.com/carto-mcp/carto-mcp/duckspatial"
)

// cartoCatalog is the DuckDB catalog that makes carto.<FUNCTION>(...) work as
// it does with CARTO's Analytics Toolbox. DuckDB resolves a one-part
// qualifier on a function name as a schema of the current catalog or, failing
// that, as a catalog (its main schema), so a catalog named carto holding one
// macro per function answers carto.QUADBIN_FROMLONGLAT(...), while the
// functions themselves live in DuckDB's system catalog and are reachable
// unqualified.
const cartoCatalog = "carto"

// registerSpatial adds the spatial functions (duckspatial) and the carto
// catalog. The catalog is a small file in the warehouse's temporary
// directory, filled once and then attached READ_ONLY: an in-memory catalog
// cannot be read-only, and a writable one would be a side door for tables in
// read-only mode. It must run before external access is disabled (ATTACH of
// a file needs it).
func (w *Warehouse) registerSpatial(ctx context.Context, conn *sql.Conn) error {
	err := duckspatial.Register(conn, func(name string, recovered any, stack []byte) {
		w.log.Error("spatial function panicked; the query failed with an error", "function", name,
			"panic", fmt.Sprint(recovered), "stack", string(stack))
	})
	if err != nil {
		return fmt.Errorf("localwarehouse: %w", err)
	}
	if w.tempDir == "" {
		dir, err := os.MkdirTemp("", "carto-local-*")
		if err != nil {
			return fmt.Errorf("localwarehouse: temp dir: %w", err)
		}
		w.tempDir = dir
	}
	file := quoteString(filepath.Join(w.tempDir, cartoCatalog+".duckdb"))
	stmts := []string{"ATTACH " + file + " AS " + cartoCatalog}
	stmts = append(stmts, duckspatial.Macros(cartoCatalog+".main")...)
	stmts = append(stmts, "DETACH "+cartoCatalog, "ATTACH "+file+" AS "+cartoCatalog+" (READ_ONLY)")
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("localwarehouse: carto functions: %s: %w", s, err)
		}
	}
	return nil
}

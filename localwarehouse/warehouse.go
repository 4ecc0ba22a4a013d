package localwarehouse

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// Warehouse is an in-process, CARTO-SQL-API-v3-compatible warehouse backed by
// DuckDB. Create it with New, serve Handler, and Close it when done.
type Warehouse struct {
	opts    Options
	log     *slog.Logger
	db      *sql.DB
	catalog string // quoted catalog identifier, for SQL we generate
	tempDir string // the carto catalog file, and the demo data of in-memory read-only mode
	handler http.Handler

	hasToken  bool
	tokenHash [sha256.Size]byte

	// ready gates the per-connection "USE catalog": the very first
	// connection is opened before the catalog exists.
	ready atomic.Bool

	// ctx is cancelled by Close; every query and job runs under it.
	ctx    context.Context
	cancel context.CancelFunc

	// mu guards closed, and with it the use of inflight: Close must not
	// start waiting while new work can still be added.
	mu       sync.Mutex
	closed   bool
	inflight sync.WaitGroup

	jobs *jobManager

	// now is the clock, replaceable by tests that check job retention.
	now func() time.Time

	closeOnce sync.Once
	closeErr  error
}

// New opens DuckDB, attaches the connection's catalog, loads the demo data
// (unless opts.NoDemoData) and locks the configuration.
func New(ctx context.Context, opts Options) (*Warehouse, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	w := &Warehouse{
		opts:    opts,
		log:     opts.Logger,
		catalog: quoteIdent(opts.Connection),
		now:     time.Now,
	}
	if opts.Token != "" {
		w.hasToken = true
		w.tokenHash = sha256.Sum256([]byte(opts.Token))
	}

	// Every request gets a fresh DuckDB connection (see open), and each new
	// connection starts in the connection's catalog, so unqualified names
	// like demo.cities resolve as in CARTO's default database.
	connector, err := duckdb.NewConnector("", func(execer driver.ExecerContext) error {
		if !w.ready.Load() {
			return nil
		}
		_, err := execer.ExecContext(context.Background(), "USE "+w.catalog, nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("localwarehouse: open duckdb: %w", err)
	}
	w.db = sql.OpenDB(connector)
	// No idle connections: a query's session state (USE, SET search_path,
	// an open BEGIN, temp tables) must not leak into the next request.
	// DuckDB connections are cheap to create.
	w.db.SetMaxIdleConns(0)

	start := time.Now()
	if err := w.setup(ctx); err != nil {
		_ = w.db.Close()
		w.removeTempDir()
		return nil, err
	}
	w.ready.Store(true)

	w.ctx, w.cancel = context.WithCancel(context.Background())
	w.jobs = newJobManager(w)
	w.handler = w.routes()
	w.log.Info("local warehouse ready",
		"connection", opts.Connection, "path", opts.Path, "read_only", opts.ReadOnly,
		"demo_data", !opts.NoDemoData, "setup", time.Since(start).Round(time.Millisecond))
	return w, nil
}

// setup attaches the catalog, loads the demo data and locks DuckDB down.
func (w *Warehouse) setup(ctx context.Context) error {
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("localwarehouse: connect: %w", err)
	}
	defer conn.Close()

	o := w.opts
	switch {
	case o.Path != "" && o.ReadOnly:
		if err := w.attach(ctx, conn, o.Path, true); err != nil {
			return err
		}
		if !o.NoDemoData {
			if ok, err := w.hasDemoSchema(ctx, conn); err == nil && !ok {
				w.log.Warn("read-only database file has no demo schema; demo data not loaded", "path", o.Path)
			}
		}
	case o.Path != "":
		if err := w.attach(ctx, conn, o.Path, false); err != nil {
			return err
		}
		if !o.NoDemoData {
			ok, err := w.hasDemoSchema(ctx, conn)
			if err != nil {
				return err
			}
			if !ok {
				if err := loadDemoData(ctx, conn, o.Connection); err != nil {
					return err
				}
			}
		}
	case o.ReadOnly:
		// DuckDB refuses to attach an in-memory database read-only, so
		// build the data in a private file and attach that read-only.
		dir, err := os.MkdirTemp("", "carto-local-*")
		if err != nil {
			return fmt.Errorf("localwarehouse: temp dir: %w", err)
		}
		w.tempDir = dir
		file := filepath.Join(dir, o.Connection+".duckdb")
		if err := w.attach(ctx, conn, file, false); err != nil {
			return err
		}
		if !o.NoDemoData {
			if err := loadDemoData(ctx, conn, o.Connection); err != nil {
				return err
			}
		}
		if _, err := conn.ExecContext(ctx, "DETACH "+w.catalog); err != nil {
			return fmt.Errorf("localwarehouse: detach: %w", err)
		}
		if err := w.attach(ctx, conn, file, true); err != nil {
			return err
		}
	default:
		if _, err := conn.ExecContext(ctx, "ATTACH ':memory:' AS "+w.catalog); err != nil {
			return fmt.Errorf("localwarehouse: attach in-memory catalog: %w", err)
		}
		if !o.NoDemoData {
			if err := loadDemoData(ctx, conn, o.Connection); err != nil {
				return err
			}
		}
	}

	if err := w.registerSpatial(ctx, conn); err != nil {
		return err
	}

	// Leave the connection's catalog as the only writable user catalog
	// (beside the read-only carto one): DuckDB's default "memory" catalog
	// would otherwise be a writable side door in read-only mode, and a
	// confusing second database otherwise.
	stmts := []string{"USE " + w.catalog, "DETACH memory"}
	if !o.AllowExternalAccess {
		stmts = append(stmts, "SET enable_external_access = false", "SET lock_configuration = true")
	}
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("localwarehouse: %s: %w", s, err)
		}
	}
	return nil
}

func (w *Warehouse) attach(ctx context.Context, conn *sql.Conn, path string, readOnly bool) error {
	stmt := "ATTACH " + quoteString(path) + " AS " + w.catalog
	if readOnly {
		stmt += " (READ_ONLY)"
	}
	if _, err := conn.ExecContext(ctx, stmt); err != nil {
		return fmt.Errorf("localwarehouse: attach %s: %w", path, err)
	}
	return nil
}

func (w *Warehouse) hasDemoSchema(ctx context.Context, conn *sql.Conn) (bool, error) {
	var n int
	err := conn.QueryRowContext(ctx,
		"SELECT count(*) FROM duckdb_schemas() WHERE database_name = $1 AND schema_name = 'demo'",
		w.opts.Connection).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("localwarehouse: look for demo schema: %w", err)
	}
	return n > 0, nil
}

// Handler serves the CARTO SQL API v3 endpoints under /v3/sql/.
func (w *Warehouse) Handler() http.Handler { return w.handler }

// Close stops accepting work, cancels running queries and jobs, waits for
// their goroutines and closes DuckDB. It is safe to call more than once.
func (w *Warehouse) Close() error {
	w.closeOnce.Do(func() {
		w.mu.Lock()
		w.closed = true
		w.mu.Unlock()

		w.cancel()
		w.jobs.shutdown()
		w.inflight.Wait()

		w.closeErr = w.db.Close()
		w.removeTempDir()
		w.log.Info("local warehouse closed", "connection", w.opts.Connection)
	})
	return w.closeErr
}

// begin registers one unit of work (a query or a job goroutine) so that Close
// waits for it; it reports false once Close has started.
func (w *Warehouse) begin() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return false
	}
	w.inflight.Add(1)
	return true
}

func (w *Warehouse) end() { w.inflight.Done() }

func (w *Warehouse) removeTempDir() {
	if w.tempDir == "" {
		return
	}
	if err := os.RemoveAll(w.tempDir); err != nil {
		w.log.Warn("remove temp dir", "dir", w.tempDir, "err", err)
	}
}

// errClosed is returned for work that arrives after Close.
var errClosed = errors.New("the local warehouse is shutting down")

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func quoteString(s string) string { return `'` + strings.ReplaceAll(s, `'`, `''`) + `'` }

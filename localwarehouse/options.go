package localwarehouse

import (
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// DefaultConnection is the connection name used when Options.Connection is
// empty. The connection name is also the DuckDB catalog that holds the data,
// so it has to work unquoted in three-part names: "local" also works but is
// an (unreserved) DuckDB keyword, "carto_local" is no keyword at all.
const DefaultConnection = "carto_local"

// Defaults applied by New to zero-valued Options fields. They mirror the
// limits of CARTO's SQL API (1 minute, 200,000 rows) so that behaviour seen
// locally carries over to a real CARTO account.
const (
	DefaultQueryTimeout      = 60 * time.Second
	DefaultMaxRows           = 200_000
	DefaultMaxConcurrentJobs = 4
	DefaultJobRetention      = time.Hour
	DefaultMaxFinishedJobs   = 1000
)

// Options configures a Warehouse. The zero value is usable: an in-memory
// database with the demo data, no token, the CARTO-like limits above.
type Options struct {
	// Connection is the name clients use in /v3/sql/{connection}/... and the
	// DuckDB catalog holding the tables. Default DefaultConnection. It must be
	// a plain SQL identifier ([A-Za-z_][A-Za-z0-9_]*) so that queries can say
	// connection.schema.table without quoting.
	Connection string

	// Path is the DuckDB database file; "" keeps everything in memory.
	Path string

	// Token, if not empty, is required on every request as
	// "Authorization: Bearer <Token>" (or ?access_token=<Token>).
	Token string

	// ReadOnly refuses every write to the connection's catalog. With a Path
	// the file is attached read-only; in memory the demo data is written to a
	// private temporary file which is then attached read-only (DuckDB cannot
	// attach an in-memory database read-only).
	ReadOnly bool

	// QueryTimeout bounds synchronous queries (default 60s, negative: none).
	QueryTimeout time.Duration

	// MaxRows caps synchronous results (default 200,000, negative: none).
	// Larger results get a 400 error that points at jobs and LIMIT.
	MaxRows int

	// MaxConcurrentJobs is the number of jobs run at once (default 4);
	// further jobs stay "pending" until a slot frees.
	MaxConcurrentJobs int

	// JobRetention is how long finished jobs stay visible (default 1h).
	JobRetention time.Duration

	// MaxFinishedJobs is how many finished jobs are kept at most (default 1000).
	MaxFinishedJobs int

	// NoDemoData skips creating the demo schema. With a Path the demo data is
	// only created when the file has no "demo" schema yet, so edits survive
	// restarts; a read-only file is never modified.
	NoDemoData bool

	// AllowExternalAccess lets SQL reach the local file system and network
	// (read_csv('...'), COPY ... TO, ATTACH, INSTALL). It is off by default:
	// the SQL comes from an AI agent, and file access would let a prompt
	// injection read or overwrite local files. When off, the DuckDB
	// configuration is also locked so SQL cannot switch it back on.
	AllowExternalAccess bool

	// Logger receives operational logs; nil discards them.
	Logger *slog.Logger
}

// isPlainIdentifier reports whether s matches [A-Za-z_][A-Za-z0-9_]{0,62}: a
// name DuckDB takes unquoted. (A loop rather than a regexp, whose compilation
// at program start would cost every stdio launch.)
func isPlainIdentifier(s string) bool {
	if len(s) == 0 || len(s) > 63 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z')
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// withDefaults validates opts and fills in the defaults.
func (o Options) withDefaults() (Options, error) {
	if o.Connection == "" {
		o.Connection = DefaultConnection
	}
	if !isPlainIdentifier(o.Connection) {
		return o, fmt.Errorf("localwarehouse: connection name %q must be a plain SQL identifier ([A-Za-z_][A-Za-z0-9_]*)", o.Connection)
	}
	switch strings.ToLower(o.Connection) {
	case "memory", "system", "temp", "main":
		// These are DuckDB's own catalog names.
		return o, fmt.Errorf("localwarehouse: connection name %q is reserved by DuckDB", o.Connection)
	case cartoCatalog:
		return o, fmt.Errorf("localwarehouse: connection name %q is reserved for the Analytics Toolbox functions (carto.QUADBIN_FROMLONGLAT, ...)", o.Connection)
	}
	if o.QueryTimeout == 0 {
		o.QueryTimeout = DefaultQueryTimeout
	}
	if o.MaxRows == 0 {
		o.MaxRows = DefaultMaxRows
	}
	if o.MaxConcurrentJobs <= 0 {
		o.MaxConcurrentJobs = DefaultMaxConcurrentJobs
	}
	if o.JobRetention <= 0 {
		o.JobRetention = DefaultJobRetention
	}
	if o.MaxFinishedJobs <= 0 {
		o.MaxFinishedJobs = DefaultMaxFinishedJobs
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, nil
}

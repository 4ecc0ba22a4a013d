package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/carto-mcp/carto-mcp/discovery"
	"github.com/carto-mcp/carto-mcp/sqlguard"
)

// allDialects are checked together when a connection's warehouse is unknown.
var allDialects = []sqlguard.Dialect{sqlguard.BigQuery, sqlguard.Snowflake, sqlguard.Redshift,
	sqlguard.PostgreSQL, sqlguard.Databricks, sqlguard.Generic}

// queryGuard is run_query's read-only check: nil when the server may write.
//
// A statement is checked with the lexical rules of its connection's warehouse:
// --sql-dialect when given (an override for every connection), otherwise the
// connection's provider as the server learned it (CARTO's connections API,
// --connection-provider, or a probe; the local warehouse is DuckDB). When the
// provider cannot be learned, the statement must be a read under the rules
// of every dialect: where engines would read the text differently, it is
// refused.
func queryGuard(cfg *config) (func(sql string, provider func() discovery.Provider) error, error) {
	if !cfg.readOnly {
		return nil, nil
	}
	var fixed []sqlguard.Dialect
	if cfg.sqlDialect != "" {
		d, err := sqlguard.ParseDialect(cfg.sqlDialect)
		if err != nil {
			return nil, fmt.Errorf("%w: --sql-dialect %q: %v", errUsage, cfg.sqlDialect, strings.TrimPrefix(err.Error(), "sqlguard: "))
		}
		fixed = []sqlguard.Dialect{d}
	}
	return func(sql string, provider func() discovery.Provider) error {
		dialects := fixed
		if dialects == nil {
			if d, ok := provider().Dialect(); ok {
				dialects = []sqlguard.Dialect{d}
			} else {
				dialects = allDialects
			}
		}
		var errs []error
		for _, d := range dialects {
			if err := sqlguard.Check(sql, d); err != nil {
				if len(dialects) > 1 {
					return fmt.Errorf("%w (checked as %s, because the connection's warehouse is unknown; if your warehouse reads it differently, "+
						"start the server with --connection-provider <connection>=<provider> or --sql-dialect)", err, d)
				}
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	}, nil
}

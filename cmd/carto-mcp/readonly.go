package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/carto-mcp/carto-mcp/sqlguard"
)

// queryGuard is run_query's read-only check: nil when the server may write.
//
// The server cannot know which warehouse a CARTO connection fronts, so unless
// --sql-dialect names it, a statement must be a read under the lexical rules of
// every dialect: where engines would read the text differently, it is refused.
// The local warehouse is DuckDB, sqlguard's generic dialect.
func queryGuard(cfg *config) (func(sql string) error, error) {
	if !cfg.readOnly {
		return nil, nil
	}
	var dialects []sqlguard.Dialect
	switch {
	case cfg.sqlDialect != "":
		d, err := sqlguard.ParseDialect(cfg.sqlDialect)
		if err != nil {
			return nil, fmt.Errorf("%w: --sql-dialect %q: %v", errUsage, cfg.sqlDialect, strings.TrimPrefix(err.Error(), "sqlguard: "))
		}
		dialects = []sqlguard.Dialect{d}
	case cfg.local.enabled:
		dialects = []sqlguard.Dialect{sqlguard.Generic}
	default:
		dialects = []sqlguard.Dialect{sqlguard.BigQuery, sqlguard.Snowflake, sqlguard.Redshift,
			sqlguard.PostgreSQL, sqlguard.Databricks, sqlguard.Generic}
	}
	return func(sql string) error {
		var errs []error
		for _, d := range dialects {
			if err := sqlguard.Check(sql, d); err != nil {
				if len(dialects) > 1 {
					return fmt.Errorf("%w (checked as %s; if your warehouse reads it differently, start the server with --sql-dialect)", err, d)
				}
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	}, nil
}

// Package discovery knows what a CARTO connection fronts and how to look
// inside it: the provider (warehouse) of every connection, and, per warehouse,
// the SQL that browses its catalog and describes a table. Package tools calls
// it; nothing here is about MCP.
//
// To add a warehouse: a Provider constant, its sqlguard dialect in Dialect, and
// a dialect value in dialects.go with its catalog SQL.
package discovery

import (
	"fmt"
	"strings"

	"github.com/carto-mcp/carto-mcp/sqlguard"
)

// Provider is the warehouse behind a connection, named as CARTO's provider_id
// names it, plus DuckDB for the embedded local warehouse.
type Provider string

// The providers.
const (
	BigQuery   Provider = "bigquery"
	Snowflake  Provider = "snowflake"
	Redshift   Provider = "redshift"
	Postgres   Provider = "postgres"
	Databricks Provider = "databricks"
	DuckDB     Provider = "duckdb"
)

// Providers lists every provider, in a stable order.
var Providers = []Provider{BigQuery, Snowflake, Redshift, Postgres, Databricks, DuckDB}

// providerAliases maps the spellings accepted from CARTO and from users (lower
// case) to a provider. CARTO's provider_id values are bigquery, postgres,
// snowflake, redshift, databricks, carto_dw and databricksRest (carto-api-client
// src/types.ts and src/constants.ts); the CARTO Data Warehouse runs on BigQuery.
var providerAliases = map[string]Provider{
	"bigquery": BigQuery, "bq": BigQuery, "carto_dw": BigQuery, "carto-dw": BigQuery, "cartodw": BigQuery, "carto": BigQuery,
	"snowflake": Snowflake,
	"redshift":  Redshift,
	"postgres":  Postgres, "postgresql": Postgres, "pg": Postgres,
	"databricks": Databricks, "databricksrest": Databricks, "databricks_rest": Databricks,
	"duckdb": DuckDB, "local": DuckDB,
}

// ParseProvider reads a provider name, ignoring case and surrounding space.
func ParseProvider(s string) (Provider, error) {
	if p, ok := providerAliases[strings.ToLower(strings.TrimSpace(s))]; ok {
		return p, nil
	}
	return "", fmt.Errorf("unknown warehouse provider %q: want one of bigquery (or carto_dw), snowflake, redshift, postgres, databricks, duckdb", s)
}

// Dialect is the sqlguard dialect that reads SQL the way this provider does.
func (p Provider) Dialect() (sqlguard.Dialect, bool) {
	switch p {
	case BigQuery:
		return sqlguard.BigQuery, true
	case Snowflake:
		return sqlguard.Snowflake, true
	case Redshift:
		return sqlguard.Redshift, true
	case Postgres:
		return sqlguard.PostgreSQL, true
	case Databricks:
		return sqlguard.Databricks, true
	case DuckDB:
		return sqlguard.Generic, true
	}
	return 0, false
}

// Title is the provider's name as people write it.
func (p Provider) Title() string {
	switch p {
	case BigQuery:
		return "BigQuery"
	case Snowflake:
		return "Snowflake"
	case Redshift:
		return "Redshift"
	case Postgres:
		return "PostgreSQL"
	case Databricks:
		return "Databricks"
	case DuckDB:
		return "DuckDB"
	}
	return string(p)
}

// ParseConfig reads per-connection providers written as name=provider pairs
// separated by commas, e.g. "carto_dw=bigquery,pg_prod=postgres".
func ParseConfig(s string) (map[string]Provider, error) {
	out := map[string]Provider{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, prov, ok := strings.Cut(part, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return nil, fmt.Errorf("%q: want connection=provider, e.g. my_pg=postgres", part)
		}
		p, err := ParseProvider(prov)
		if err != nil {
			return nil, fmt.Errorf("connection %q: %w", name, err)
		}
		out[name] = p
	}
	return out, nil
}

package sqlguard

import (
	"fmt"
	"strings"
)

// Dialect selects the lexical rules of one warehouse engine. The rules
// matter for safety, not just for accuracy: if sqlguard believed some text
// was inside a string or comment while the engine saw code there, a write
// could hide in it. Pass the dialect of the connection the SQL will run on.
type Dialect int

const (
	// Generic follows DuckDB, the engine of the local backend. It is not a
	// lowest common denominator: use the warehouse's own dialect for a
	// warehouse connection.
	Generic Dialect = iota
	BigQuery
	Snowflake
	Redshift
	PostgreSQL
	Databricks
)

// numDialects is the number of valid Dialect values.
const numDialects = 6

var dialectNames = [numDialects]string{"generic", "bigquery", "snowflake", "redshift", "postgresql", "databricks"}

// String returns the canonical lower-case name, which ParseDialect accepts.
func (d Dialect) String() string {
	if d < 0 || d >= numDialects {
		return fmt.Sprintf("Dialect(%d)", int(d))
	}
	return dialectNames[d]
}

// dialectAliases maps every accepted spelling (lower case) to a dialect. It
// includes the provider names CARTO uses for connections.
var dialectAliases = map[string]Dialect{
	"generic": Generic, "duckdb": Generic, "local": Generic,
	"bigquery": BigQuery, "bq": BigQuery,
	// The CARTO Data Warehouse runs on BigQuery.
	"carto_dw": BigQuery, "cartodw": BigQuery, "carto-dw": BigQuery,
	"snowflake":  Snowflake,
	"redshift":   Redshift,
	"postgresql": PostgreSQL, "postgres": PostgreSQL, "pg": PostgreSQL,
	"databricks": Databricks, "databricksrest": Databricks, "databricks_rest": Databricks,
}

// ParseDialect parses a dialect or CARTO provider name, ignoring case and
// surrounding space. An empty or unknown name is an error rather than a
// silent default, because lexing with the wrong rules is unsafe.
func ParseDialect(s string) (Dialect, error) {
	if d, ok := dialectAliases[strings.ToLower(strings.TrimSpace(s))]; ok {
		return d, nil
	}
	return 0, fmt.Errorf("sqlguard: unknown SQL dialect %q (want one of generic/duckdb, bigquery/carto_dw, snowflake, redshift, postgresql/postgres, databricks)", s)
}

// rule is a yes/no lexical property, or "either" when engines or server
// settings disagree. For "either" the tokenizer computes both readings and
// refuses the input when they differ, so it never has to guess.
type rule uint8

const (
	no rule = iota
	yes
	either
)

type backtickRule uint8

const (
	btPunct     backtickRule = iota // not a quote: the engine rejects it or treats it as an operator
	btRefuse                        // unknown meaning: refuse
	btBackslash                     // BigQuery: quoted identifier with backslash escapes, single line
	btDoubled                       // Databricks: quoted identifier, `` escapes a backtick
)

type dollarRule uint8

const (
	dollarPunct     dollarRule = iota // '$' is never a quote (BigQuery)
	dollarRefuse                      // '$$' or '$tag' may or may not be a quote (Databricks): refuse
	dollarSnowflake                   // '$$...$$' strings only; $1 and $name are references
	dollarTagged                      // PostgreSQL-style $$...$$ and $tag$...$tag$
)

// lexRules are one dialect's lexical rules. Each field exists because some
// engine differs from the others on it.
type lexRules struct {
	hashComment    bool // '#' starts a line comment (BigQuery)
	slashComment   bool // '//' starts a line comment (Snowflake)
	nestedComments rule // /* /* */ */ nests
	sparkHints     bool // '/*+ ... */' is tokenized, not skipped (Spark/Databricks)

	sqBackslash   rule // backslash escapes the next character in '...'
	eStrings      rule // E'...' has backslash escapes (PostgreSQL family)
	dqIsString    bool // "..." is a string literal (BigQuery), not a quoted identifier
	dqBackslash   rule // backslash escapes in "..."
	rawStrings    rule // r'...' is a raw string without escapes (Databricks)
	bqStrings     bool // BigQuery strings: r/b prefixes, '''/""" triple quotes, one-line '...'
	backtick      backtickRule
	dollar        dollarRule
	dollarInWords bool // '$' continues an unquoted identifier (a$b)
	noDollarPairs bool // refuse '$$' inside an identifier: unclear whether it opens a string (Snowflake)

	stagePaths    bool // '@stage/path' references (Snowflake)
	flowOperator  bool // '->>' chains statements (Snowflake)
	uriIdents     bool // unquoted scheme://path identifiers (Spark/Databricks)
	noUnicodeName bool // refuse U&"..." identifiers, whose escapes could spell any name
	fromFirst     bool // a query may start with FROM (BigQuery pipe syntax, DuckDB)
}

var rulesByDialect = [numDialects]lexRules{
	Generic: { // DuckDB uses a fork of the PostgreSQL scanner.
		nestedComments: either, sqBackslash: either, eStrings: either, dqBackslash: either,
		backtick: btRefuse, dollar: dollarTagged, dollarInWords: true, noUnicodeName: true, fromFirst: true,
	},
	BigQuery: {
		hashComment: true, nestedComments: no,
		sqBackslash: yes, dqIsString: true, dqBackslash: yes, bqStrings: true,
		backtick: btBackslash, dollar: dollarPunct, fromFirst: true,
	},
	Snowflake: {
		slashComment: true, nestedComments: either,
		sqBackslash: yes, dqBackslash: either,
		backtick: btPunct, dollar: dollarSnowflake, dollarInWords: true, noDollarPairs: true,
		stagePaths: true, flowOperator: true,
	},
	Redshift: { // Forked from PostgreSQL 8.0; string escaping depends on the release.
		nestedComments: either, sqBackslash: either, eStrings: either, dqBackslash: either,
		backtick: btPunct, dollar: dollarTagged, dollarInWords: true, noUnicodeName: true,
	},
	PostgreSQL: { // '...' escaping depends on standard_conforming_strings.
		nestedComments: yes, sqBackslash: either, eStrings: yes, dqBackslash: no,
		backtick: btPunct, dollar: dollarTagged, dollarInWords: true, noUnicodeName: true,
	},
	Databricks: { // "..." is a string unless ANSI double-quoted identifiers are on.
		nestedComments: yes, sparkHints: true,
		sqBackslash: yes, dqBackslash: either, rawStrings: either,
		backtick: btDoubled, dollar: dollarRefuse, uriIdents: true,
	},
}

// rules returns the dialect's lexical rules, or false for an invalid value.
func (d Dialect) rules() (*lexRules, bool) {
	if d < 0 || d >= numDialects {
		return nil, false
	}
	return &rulesByDialect[d], true
}

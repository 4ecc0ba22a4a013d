package sqlguard

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDialect(t *testing.T) {
	for in, want := range map[string]Dialect{
		"generic": Generic, "DuckDB": Generic, "local": Generic,
		"bigquery": BigQuery, " BQ ": BigQuery, "carto_dw": BigQuery,
		"snowflake": Snowflake, "Redshift": Redshift,
		"postgres": PostgreSQL, "postgresql": PostgreSQL, "PG": PostgreSQL,
		"databricks": Databricks, "databricksRest": Databricks,
	} {
		got, err := ParseDialect(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "mysql", "oracle", "sqlserver"} {
		_, err := ParseDialect(bad)
		assert.Error(t, err, bad)
	}
	for d := Dialect(0); d < numDialects; d++ {
		back, err := ParseDialect(d.String())
		require.NoError(t, err)
		assert.Equal(t, d, back)
	}
	assert.Equal(t, "Dialect(42)", Dialect(42).String())
}

func TestInvalidDialectIsRefused(t *testing.T) {
	for _, d := range []Dialect{-1, numDialects, 99} {
		e := refusal(t, Check("SELECT 1", d))
		assert.Equal(t, 0, e.Statement)
	}
}

func TestErrorMessage(t *testing.T) {
	err := Check("SELECT 1; DELETE FROM t", PostgreSQL)
	e := refusal(t, err)
	assert.Equal(t, 2, e.Statement)
	assert.Equal(t, "DELETE", e.Keyword)
	msg := err.Error()
	assert.True(t, strings.HasPrefix(msg, "statement 2 refused: DELETE changes data;"), msg)
	for _, want := range []string{"SELECT", "WITH (without data-modifying parts)", "SHOW", "DESCRIBE", "EXPLAIN", "--read-only"} {
		assert.Contains(t, msg, want)
	}

	e = refusal(t, Check("  -- nothing\n", BigQuery))
	assert.Equal(t, 0, e.Statement)
	assert.Equal(t, "query refused: "+e.Reason, e.Error())
	assert.Contains(t, e.Reason, "nothing to run")
}

// TestMessagesAreActionable checks that each kind of refusal tells the
// model what to do next.
func TestMessagesAreActionable(t *testing.T) {
	for sql, want := range map[string]string{
		"SET search_path = x":                            "fully qualify",
		"USE mydb":                                       "fully qualify",
		"SELECT * INTO t2 FROM t":                        "remove the INTO clause",
		"SELECT * FROM t FOR UPDATE":                     "remove the locking clause",
		"SELECT pg_sleep(1)":                             "remove the call",
		"BEGIN":                                          "without BEGIN",
		"CALL carto.CREATE_TILESET('a')":                 "CREATE_TILESET",
		"SELECT * FROM t AS delete":                      `quote it as "delete"`,
		"SELECT 'abc":                                    "close the ' quote",
		"SELECT 1 /* x":                                  "close it with */",
		"SELECT 1 \u3000":                                "U+3000",
		"EXPLAIN ANALYZE DELETE FROM t":                  "explains only reads",
		"DECLARE c CURSOR FOR SELECT 1":                  "plain SELECT",
		"SELECT 'x' FROM t; SELECT 'a\\'; DELETE FROM t": "write it twice",
	} {
		e := refusal(t, Check(sql, PostgreSQL))
		assert.Contains(t, e.Error(), want, sql)
	}
	e := refusal(t, Check("SELECT delete FROM t", BigQuery))
	assert.Contains(t, e.Reason, "quote it as `delete`")
	e = refusal(t, Check("SELECT delete FROM t", Snowflake))
	assert.Contains(t, e.Reason, `quote it as "DELETE"`)
}

func TestErrorPosition(t *testing.T) {
	e := refusal(t, Check("SELECT 1;\nSELECT 'ü',\n  'unterminated", PostgreSQL))
	assert.Equal(t, 2, e.Statement)
	assert.Contains(t, e.Reason, "at line 3, column 3")

	e = refusal(t, Check("SELECT 'é', 1；", PostgreSQL))
	assert.Contains(t, e.Reason, "at line 1, column 14")
}

func TestClassify(t *testing.T) {
	stmts, err := Classify("/* c */ select 1 ;; WITH x AS (SELECT 1) SELECT * FROM x;\n delete from t -- bye", PostgreSQL)
	require.NoError(t, err)
	require.Len(t, stmts, 3)

	assert.Equal(t, Statement{Index: 1, Keyword: "SELECT", Text: "select 1", Read: true}, stmts[0])
	assert.Equal(t, "WITH", stmts[1].Keyword)
	assert.Equal(t, "WITH x AS (SELECT 1) SELECT * FROM x", stmts[1].Text)
	assert.True(t, stmts[1].Read)

	assert.Equal(t, 3, stmts[2].Index)
	assert.Equal(t, "DELETE", stmts[2].Keyword)
	assert.Equal(t, "delete from t", stmts[2].Text)
	assert.False(t, stmts[2].Read)
	require.NotNil(t, stmts[2].Err)
	assert.Equal(t, 3, stmts[2].Err.Statement)
	assert.Equal(t, "DELETE", stmts[2].Err.Keyword)

	// A tokenizing failure refuses the statement it is in and reports the
	// statements before it.
	stmts, err = Classify("SELECT 1; DELETE FROM t; SELECT 'open", PostgreSQL)
	e := refusal(t, err)
	assert.Equal(t, 3, e.Statement)
	require.Len(t, stmts, 3)
	assert.True(t, stmts[0].Read)
	assert.False(t, stmts[1].Read)
	assert.False(t, stmts[2].Read)
	assert.Same(t, e, stmts[2].Err)
	assert.Equal(t, "DELETE", refusal(t, Check("SELECT 1; DELETE FROM t; SELECT 'open", PostgreSQL)).Keyword,
		"Check reports the first refused statement")

	stmts, err = Classify("", PostgreSQL)
	assert.Nil(t, stmts)
	assert.Equal(t, 0, refusal(t, err).Statement)
}

func TestCheckReturnsUntypedNil(t *testing.T) {
	err := Check("SELECT 1", PostgreSQL)
	assert.True(t, err == nil, "Check must return an untyped nil")
	_, err = Classify("SELECT 1", PostgreSQL)
	assert.True(t, err == nil, "Classify must return an untyped nil")
}

// hostileInputs build, for a size n, inputs that would make a naive
// tokenizer quadratic (or a backtracking regex exponential).
var hostileInputs = map[string]func(n int) string{
	"open comments":   func(n int) string { return strings.Repeat("/*", n/2) },
	"nested comments": func(n int) string { return "SELECT " + strings.Repeat("/* ", n/6) + strings.Repeat("*/ ", n/6) },
	"open quotes":     func(n int) string { return "SELECT " + strings.Repeat("'", n) },
	"strings":         func(n int) string { return "SELECT " + strings.Repeat("'a',", n/4) + "1" },
	"escapes":         func(n int) string { return "SELECT '" + strings.Repeat(`\\`, n/2) + "'" },
	"prefixed":        func(n int) string { return "SELECT " + strings.Repeat("r'a' E'b' ", n/10) },
	"quoted names":    func(n int) string { return "SELECT " + strings.Repeat(`"a"("b"),`, n/9) + "1" },
	"backticks":       func(n int) string { return "SELECT " + strings.Repeat("`a`,", n/4) + "1" },
	"triple quotes":   func(n int) string { return "SELECT " + strings.Repeat(`'''a''' """b""" `, n/16) },
	"dollar tags":     func(n int) string { return "SELECT " + strings.Repeat("$a$", n/3) },
	"dollar names":    func(n int) string { return "SELECT " + strings.Repeat("$a ", n/3) },
	"long tag": func(n int) string {
		return "SELECT $" + strings.Repeat("a", n/2) + "$ x $" + strings.Repeat("a", n/2-2)
	},
	"parens":      func(n int) string { return "SELECT " + strings.Repeat("(", n/2) + strings.Repeat(")", n/2) },
	"identifier":  func(n int) string { return "SELECT " + strings.Repeat("IDENTIFIER(", n/11) + "1" },
	"explain":     func(n int) string { return strings.Repeat("EXPLAIN ", n/8) + "SELECT 1" },
	"semicolons":  func(n int) string { return strings.Repeat("SELECT 1;", n/9) },
	"flow":        func(n int) string { return strings.Repeat("SELECT 1 ->> ", n/13) },
	"dashes":      func(n int) string { return "SELECT 1 " + strings.Repeat("-", n) },
	"hashes":      func(n int) string { return "SELECT 1 " + strings.Repeat("#", n) },
	"slashes":     func(n int) string { return "SELECT 1 " + strings.Repeat("/", n) },
	"stages":      func(n int) string { return "SELECT " + strings.Repeat("@", n) },
	"uris":        func(n int) string { return "SELECT " + strings.Repeat("a://b", n/5) },
	"hints":       func(n int) string { return "SELECT " + strings.Repeat("/*+ x */", n/8) + "1" },
	"unicode":     func(n int) string { return "SELECT " + strings.Repeat("名", n/3) },
	"folded word": func(n int) string { return "SELECT " + strings.Repeat("\u0131", n/2) + "(1)" },
	"folded words": func(n int) string {
		return "SELECT " + strings.Repeat("\u0131nto f\u0131 ", n/12)
	},
	"for": func(n int) string { return "SELECT " + strings.Repeat("FOR NO KEY ", n/11) },
}

func TestRefusedInputIsAlwaysAnError(t *testing.T) {
	err := Check("DROP TABLE t", Databricks)
	var e *Error
	require.True(t, errors.As(err, &e))
	assert.NotEmpty(t, e.Error())
}

// TestFoldCoversUnicode checks fold.go's list against Go's Unicode tables:
// every character whose simple upper, lower or title case, Turkish casing or
// case-folding orbit is an ASCII letter must be on it, with that letter.
func TestFoldCoversUnicode(t *testing.T) {
	isLetter := func(r rune) bool { return 'A' <= r && r <= 'Z' || 'a' <= r && r <= 'z' }
	for r := rune(utf8.RuneSelf); r <= unicode.MaxRune; r++ {
		var reach []rune
		reach = append(reach, unicode.ToUpper(r), unicode.ToLower(r), unicode.ToTitle(r),
			unicode.TurkishCase.ToUpper(r), unicode.TurkishCase.ToLower(r))
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			reach = append(reach, f)
		}
		for _, to := range reach {
			if isLetter(to) {
				assert.Equal(t, strings.ToUpper(string(to)), foldToASCII[r], "%U reaches %q", r, to)
			}
		}
	}
	for r := range foldToASCII {
		assert.True(t, foldsToASCII(r), "%U", r)
	}
	assert.False(t, foldsToASCII('s'))
	assert.False(t, foldsToASCII(0xFB07))
	assert.Equal(t, "INsERT", foldWord("\u0130NsERT"))
	assert.Equal(t, "STRASSE", asciiUpper(foldWord("straße")))
}

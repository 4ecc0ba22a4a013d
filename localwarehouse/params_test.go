package localwarehouse

import (
	"database/sql"
	"math/big"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPositionalParameters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})

	res := e.query("SELECT $1::INTEGER + $2 AS sum, $3 AS s, ? IS NULL AS isnull", []any{1, 2, "x", nil})
	assert.Equal(t, "3", res.value(0, "sum"))
	assert.Equal(t, `"x"`, res.value(0, "s"))
	assert.Equal(t, "true", res.value(0, "isnull"))

	// GET carries queryParameters as a JSON string.
	r := e.get("SELECT name FROM demo.cities WHERE iso_a3 = $1 AND population > $2 ORDER BY population DESC", `["FRA", 1500000]`)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	res = decodeQueryResult(t, r.body)
	require.Len(t, res.Rows, 3)
	assert.Equal(t, `"Paris"`, res.value(0, "name"))

	// Too few values is a 400 that says which placeholder has no value.
	body := e.queryError(http.StatusBadRequest, "SELECT $1 + $2 AS x", []any{1})
	assert.Contains(t, body["error"], "uses $2, but queryParameters has only 1 values")
	// Named references need an object.
	body = e.queryError(http.StatusBadRequest, "SELECT $name AS x", []any{1})
	assert.Contains(t, body["error"], "$name")
}

// Placeholders without parameters, and parameters without placeholders, are
// refused with what is missing, instead of DuckDB's binder errors or values
// dropped in silence.
func TestParametersAndPlaceholdersMustMatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{NoDemoData: true})
	for _, tc := range []struct {
		sql    string
		params any
		want   string
	}{
		{"SELECT @a AS x", nil, `the query uses the parameter @a, but no queryParameters were given: pass them as an object, e.g. {"a": ...}`},
		{"SELECT $a AS x", nil, "uses the parameter $a, but no queryParameters were given"},
		{"SELECT $1 AS x", nil, "uses positional parameters ($1 or ?), but no queryParameters were given"},
		{"SELECT ? AS x", nil, "uses positional parameters"},
		{"SELECT 1 AS x", []any{5}, "queryParameters has 1 values, but the query has no placeholders"},
		{"SELECT $1 AS x", []any{5, 6}, "queryParameters has 2 values, but the query uses only 1 ($1 to $1)"},
		{"SELECT ? AS x, ? AS y", []any{5, 6, 7}, "has 3 values, but the query uses only 2"},
		{"SELECT @a AS x", map[string]any{"a": 1, "b": 2}, `queryParameters has "b", which the query does not use (it uses @a)`},
		{"SELECT 1 AS x", map[string]any{"b": 2}, `queryParameters has "b", which the query does not use (it uses no named placeholders)`},
	} {
		body := e.queryError(http.StatusBadRequest, tc.sql, tc.params)
		assert.Contains(t, body["error"], tc.want, tc.sql)
	}
	// Jobs check the same way.
	r := e.postJSON(e.jobPath(), map[string]any{"query": "SELECT @a", "queryParameters": map[string]any{}})
	assert.Equal(t, http.StatusBadRequest, r.status, "%s", r.body)
	// Text that only looks like a placeholder needs no parameter.
	res := e.query(`SELECT '@a ? $1' AS s, "@b" FROM (SELECT 1 AS "@b") -- @c $2 ?`, nil)
	assert.Equal(t, `"@a ? $1"`, res.value(0, "s"))
	// Matching ones run.
	res = e.query("SELECT $1 + $2 AS x", []any{1, 2})
	assert.Equal(t, "3", res.value(0, "x"))
}

func TestNamedParameters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})

	res := e.query(`SELECT name FROM demo.cities WHERE iso_a3 = @iso AND population >= @min ORDER BY population DESC`,
		map[string]any{"iso": "ESP", "min": 1000000})
	require.NotEmpty(t, res.Rows)
	assert.Equal(t, `"Madrid"`, res.value(0, "name"))

	// @name inside literals, quoted identifiers and comments is text, not a parameter.
	res = e.query(`SELECT @v AS "@v", '@v' AS lit, $$ @v $$ AS dollar -- @nothing
		/* @nothing */`, map[string]any{"v": "value"})
	assert.Equal(t, []schemaField{{"@v", "string"}, {"lit", "string"}, {"dollar", "string"}}, res.Schema)
	assert.Equal(t, `"value"`, res.value(0, "@v"))
	assert.Equal(t, `"@v"`, res.value(0, "lit"))
	assert.Equal(t, `" @v "`, res.value(0, "dollar"))

	// Lists bind as DuckDB lists; $name works too; names are case-insensitive.
	res = e.query("SELECT count(*) AS n FROM demo.cities WHERE iso_a3 = ANY(@isos) AND population > $Min",
		map[string]any{"isos": []string{"ESP", "PRT"}, "min": 0})
	assert.Equal(t, "9", res.value(0, "n"))

	// Integers beyond 2^53 stay exact.
	res = e.query("SELECT @n AS n", map[string]any{"n": json9007199254740993{}})
	assert.Equal(t, []schemaField{{"n", "bigint"}}, res.Schema)
	assert.Equal(t, "9007199254740993", res.value(0, "n"))

	// A missing name is our error, before DuckDB could bind by position.
	body := e.queryError(http.StatusBadRequest, "SELECT @a AS a, @b AS b", map[string]any{"a": 1, "c": 2})
	assert.Contains(t, body["error"], "@b")
	body = e.queryError(http.StatusBadRequest, "SELECT $1 AS a", map[string]any{"a": 1})
	assert.Contains(t, body["error"], "positional")
	body = e.queryError(http.StatusBadRequest, "SELECT 1", map[string]any{"_x": 1})
	assert.Contains(t, body["error"], "_x")
}

// json9007199254740993 marshals to a JSON integer float64 cannot hold.
type json9007199254740993 struct{}

func (json9007199254740993) MarshalJSON() ([]byte, error) { return []byte("9007199254740993"), nil }

func TestParameterInjectionIsBound(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	evil := "x'; DROP TABLE demo.cities; --"

	res := e.query("SELECT @city AS city, count(*) AS n FROM demo.cities WHERE name = @city",
		map[string]any{"city": evil})
	assert.Equal(t, `"x'; DROP TABLE demo.cities; --"`, res.value(0, "city"))
	assert.Equal(t, "0", res.value(0, "n"))

	res = e.query("SELECT $1 AS city", []any{evil})
	assert.Equal(t, `"x'; DROP TABLE demo.cities; --"`, res.value(0, "city"))

	// The table is still there.
	res = e.query("SELECT count(*) > 200 AS ok FROM demo.cities", nil)
	assert.Equal(t, "true", res.value(0, "ok"))
}

func TestScanParams(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in, out    string
		named      []string
		positional bool
	}{
		{in: "SELECT @a, @b_2", out: "SELECT $a, $b_2", named: []string{"@a", "@b_2"}},
		{in: "SELECT '@a', 'it''s @a'", out: "SELECT '@a', 'it''s @a'"},
		{in: `SELECT E'\'@a', @b`, out: `SELECT E'\'@a', $b`, named: []string{"@b"}},
		{in: `SELECT "@a", "x""@a"`, out: `SELECT "@a", "x""@a"`},
		{in: "SELECT 1 -- @a\n, @b", out: "SELECT 1 -- @a\n, $b", named: []string{"@b"}},
		{in: "SELECT /* /* @a */ @a */ @b", out: "SELECT /* /* @a */ @a */ $b", named: []string{"@b"}},
		{in: "SELECT $$ @a $x $$, $tag$ @a $tag$, @b", out: "SELECT $$ @a $x $$, $tag$ @a $tag$, $b", named: []string{"@b"}},
		{in: "SELECT $1, ?", out: "SELECT $1, ?", positional: true},
		{in: "SELECT $name, a$b", out: "SELECT $name, a$b", named: []string{"$name"}},
		{in: "SELECT @@version, [1] @> [1], x@y", out: "SELECT @@version, [1] @> [1], x$y", named: []string{"@y"}},
		{in: "SELECT 'unterminated @a", out: "SELECT 'unterminated @a"},
	}
	for _, c := range cases {
		got := scanParams(c.in, true)
		assert.Equal(t, c.out, got.sql, c.in)
		assert.Equal(t, c.named, got.named, c.in)
		assert.Equal(t, c.positional, got.positional, c.in)
	}
	// Without rewriting the text is unchanged.
	assert.Equal(t, "SELECT @a", scanParams("SELECT @a", false).sql)
}

func TestParamValue(t *testing.T) {
	t.Parallel()
	sqlText, args, err := bindParameters("SELECT @a, @b, @c, @d, @e", []byte(
		`{"a": 1, "b": 1.5, "c": 123456789012345678901234567890, "d": [1, "x"], "e": {"k": 1}}`))
	require.NoError(t, err)
	assert.Equal(t, "SELECT $a, $b, $c, $d, $e", sqlText)
	want, _ := new(big.Int).SetString("123456789012345678901234567890", 10)
	assert.Equal(t, []any{
		sql.Named("a", int64(1)),
		sql.Named("b", 1.5),
		sql.Named("c", want),
		sql.Named("d", []any{int64(1), "x"}),
		sql.Named("e", `{"k":1}`),
	}, args)

	// A JSON string holding JSON is unwrapped (the GET form).
	_, args, err = bindParameters("SELECT $1", []byte(`"[true]"`))
	require.NoError(t, err)
	assert.Equal(t, []any{true}, args)

	for _, bad := range []string{`{`, `[1] [2]`, `"nope"`, `{"a b": 1}`, `{"a": 1, "A": 2}`} {
		_, _, err := bindParameters("SELECT 1", []byte(bad))
		assert.True(t, isParamError(err), bad)
	}
}

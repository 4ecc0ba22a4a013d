package tools_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/cartofake"
	"github.com/carto-mcp/carto-mcp/discovery"
	"github.com/carto-mcp/carto-mcp/tools"
)

var cityCols = []cartofake.Column{
	{Name: "id", Type: "bigint"}, {Name: "name", Type: "string"}, {Name: "population", Type: "number"}, {Name: "geom", Type: "geometry"},
}

func TestRunQuery(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.fake.SetQueryResult("SELECT * FROM `p.d.cities` LIMIT 2", cityCols, [][]any{
		{1, "Madrid", 3223334, "POINT(-3.7038 40.4168)"},
		{2, `Paris "la" <ville>`, nil, cartofake.Omit},
	})
	var out tools.RunQueryOutput
	text := e.ok(e.call(tools.ToolRunQuery, map[string]any{"sql": "SELECT * FROM `p.d.cities` LIMIT 2"}), &out)

	assert.Equal(t, defaultConn, out.Connection)
	assert.Equal(t, []tools.Column{{"id", "bigint", true}, {"name", "string", false}, {"population", "number", false},
		{"geom", "geometry", false}}, out.Columns, "a bigint column's numbers are strings")
	assert.Equal(t, 2, out.RowCount)
	assert.False(t, out.Truncated)
	assert.Empty(t, out.TruncatedBy)
	assert.Empty(t, out.Notice)
	assert.Equal(t, 100, out.RowLimit)
	assert.Equal(t, tools.QueryMeta{Location: "US", TotalBytesProcessed: "0"}, out.Meta)
	assert.Equal(t, [][]string{
		{`"1"`, `"Madrid"`, `3223334`, `"POINT(-3.7038 40.4168)"`},
		{`"2"`, `"Paris \"la\" \u003cville\u003e"`, `null`, `null`},
	}, rawRows(out.Rows))

	assert.Equal(t, `columns: ["id","name","population","geom"]
types: ["bigint","string","number","geometry"]
format: one row per line, values separated by commas; bare text is a string, "..." a JSON string, anything else JSON
1,Madrid,3223334,POINT(-3.7038 40.4168)
2,"Paris \"la\" <ville>",null,null
rows: 2`, text)
	assertTextMatchesStructured(t, text, out)

	reqs := e.fake.RequestsTo("POST", "/v3/sql/"+defaultConn+"/query")
	require.Len(t, reqs, 1, "a query is POSTed (never edge-cached) unless cached is asked for")
	assert.Equal(t, "SELECT * FROM `p.d.cities` LIMIT 2", reqs[0].SQL)
	assert.Empty(t, reqs[0].Params)
}

// rawRows is each value's JSON text.
func rawRows(rows [][]json.RawMessage) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		for _, v := range r {
			out[i] = append(out[i], string(v))
		}
	}
	return out
}

// assertTextMatchesStructured parses the text form back: it holds the same
// columns and, value for value, the same JSON.
func assertTextMatchesStructured(t *testing.T, text string, out tools.RunQueryOutput) {
	t.Helper()
	lines := strings.Split(text, "\n")
	require.GreaterOrEqual(t, len(lines), 3)
	var names, types []string
	require.NoError(t, json.Unmarshal([]byte(strings.TrimPrefix(lines[0], "columns: ")), &names))
	require.NoError(t, json.Unmarshal([]byte(strings.TrimPrefix(lines[1], "types: ")), &types))
	require.Len(t, names, len(out.Columns))
	for i, c := range out.Columns {
		assert.Equal(t, c.Name, names[i])
		assert.Equal(t, c.Type, types[i])
	}
	rows := textRows(t, text)
	require.Len(t, rows, len(out.Rows))
	for i, line := range rows {
		vals := parseTextRow(t, line)
		require.Len(t, vals, len(out.Rows[i]), line)
		for j := range vals {
			want := out.Rows[i][j]
			if out.Columns[j].NumbersAsStrings {
				// The text form has the numbers bare.
				want = quotedNumber.ReplaceAll(want, []byte("$1"))
				assert.Equal(t, string(want), string(compactJSON(t, vals[j])), "row %d col %d", i, j)
				continue
			}
			assert.JSONEq(t, string(want), string(vals[j]), "row %d col %d", i, j)
		}
	}
}

// quotedNumber is a number that the structured form sent as a string.
var quotedNumber = regexp.MustCompile(`"(-?[0-9][0-9.eE+-]*)"`)

func compactJSON(t *testing.T, v []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, json.Compact(&b, v))
	return b.Bytes()
}

// textRows returns the row lines of a run_query text.
func textRows(t *testing.T, text string) []string {
	t.Helper()
	lines := strings.Split(text, "\n")
	var rows []string
	in := false
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "format: "):
			in = true
		case strings.HasPrefix(l, "rows: "):
			return rows
		case in:
			rows = append(rows, l)
		}
	}
	t.Fatalf("no summary line in %q", text)
	return nil
}

func parseTextRow(t *testing.T, line string) []json.RawMessage {
	t.Helper()
	vals, err := tools.ParseTextRow(line)
	require.NoError(t, err, line)
	return vals
}

func TestRunQueryNumbersAreExact(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cols := []cartofake.Column{{Name: "big", Type: "bigint"}, {Name: "dec", Type: "number"}, {Name: "neg", Type: "bigint"}, {Name: "obj", Type: "object"}}
	e.fake.SetQueryResult("SELECT big", cols, [][]any{{
		json.Number("9007199254740993"),
		json.Number("0.1000000000000000055511151231257827"),
		json.Number("-18446744073709551617"),
		json.RawMessage(`{"id": 12345678901234567891, "f": 1.5e300}`),
	}})
	var out tools.RunQueryOutput
	text := e.ok(e.call(tools.ToolRunQuery, map[string]any{"sql": "SELECT big"}), &out)
	want := `9007199254740993,0.1000000000000000055511151231257827,-18446744073709551617,{"id":12345678901234567891,"f":1.5e300}`
	assert.Contains(t, text, "\n"+want+"\n")
	// A JavaScript client reads structuredContent with 64-bit floats: the
	// numbers it would change come as strings of their exact digits, and the
	// columns say so. A number a float holds exactly (1.5e300) stays a number.
	assert.Equal(t, [][]string{{`"9007199254740993"`, `"0.1000000000000000055511151231257827"`, `"-18446744073709551617"`,
		`{"id":"12345678901234567891","f":1.5e300}`}}, rawRows(out.Rows))
	for _, c := range out.Columns {
		assert.True(t, c.NumbersAsStrings, c.Name)
	}
	assertTextMatchesStructured(t, text, out)
}

// Numbers that a 64-bit float holds exactly stay JSON numbers outside bigint
// columns; the rest become strings, and only their columns are marked.
func TestRunQueryStructuredNumbers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cols := []cartofake.Column{{Name: "safe", Type: "number"}, {Name: "unsafe", Type: "number"},
		{Name: "float", Type: "number"}, {Name: "count", Type: "bigint"}, {Name: "doc", Type: "object"}}
	e.fake.SetQueryResult("SELECT n", cols, [][]any{
		{json.Number("9007199254740991"), json.Number("9007199254740992"), json.Number("0.30000000000000004"),
			json.Number("7"), json.RawMessage(`{"a":[1,2.5,"9007199254740993"]}`)},
		{json.Number("-9007199254740991"), json.Number("12"), json.Number("1e-7"), nil, nil},
	})
	var out tools.RunQueryOutput
	text := e.ok(e.call(tools.ToolRunQuery, map[string]any{"sql": "SELECT n"}), &out)
	assert.Equal(t, [][]string{
		{`9007199254740991`, `"9007199254740992"`, `0.30000000000000004`, `"7"`, `{"a":[1,2.5,"9007199254740993"]}`},
		{`-9007199254740991`, `12`, `1e-7`, `null`, `null`},
	}, rawRows(out.Rows))
	var marked []string
	for _, c := range out.Columns {
		if c.NumbersAsStrings {
			marked = append(marked, c.Name)
		}
	}
	assert.Equal(t, []string{"unsafe", "count"}, marked)
	assert.Contains(t, text, "\n9007199254740991,9007199254740992,0.30000000000000004,7,")
}

func TestRunQueryParametersAreForwardedExactly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.fake.SetQueryResult("SELECT @id", []cartofake.Column{{Name: "x", Type: "number"}}, [][]any{{1}})
	e.fake.SetQueryResult("SELECT $1", []cartofake.Column{{Name: "x", Type: "number"}}, [][]any{{1}})

	var out tools.RunQueryOutput
	e.ok(e.call(tools.ToolRunQuery, `{"sql":"SELECT @id","parameters":{"id":9007199254740993,"name":"Madrid"}}`), &out)
	e.ok(e.call(tools.ToolRunQuery, `{"sql":"SELECT $1","parameters":[9007199254740993,"x"],"connection":"pg"}`), &out)
	assert.Equal(t, "pg", out.Connection)

	reqs := e.fake.RequestsTo("POST", "/query")
	require.Len(t, reqs, 2)
	assert.Equal(t, `{"id":9007199254740993,"name":"Madrid"}`, string(reqs[0].Params))
	assert.Equal(t, defaultConn, reqs[0].Connection)
	assert.Equal(t, `[9007199254740993,"x"]`, string(reqs[1].Params))
	assert.Equal(t, "pg", reqs[1].Connection)
}

func TestRunQueryCached(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.fake.SetQueryResult("SELECT 1", []cartofake.Column{{Name: "x", Type: "number"}}, [][]any{{1}})
	var out tools.RunQueryOutput
	e.ok(e.call(tools.ToolRunQuery, map[string]any{"sql": "SELECT 1", "cached": true}), &out)
	assert.True(t, out.Meta.Cached)
	assert.False(t, out.Meta.CacheHit)
	e.ok(e.call(tools.ToolRunQuery, map[string]any{"sql": "SELECT 1", "cached": true}), &out)
	assert.True(t, out.Meta.CacheHit, "the second identical GET is a cache hit")
	assert.Len(t, e.fake.RequestsTo("GET", "/query"), 2)
	assert.Empty(t, e.fake.RequestsTo("POST", "/query"))
}

func numberedRows(n int) [][]any {
	rows := make([][]any, n)
	for i := range rows {
		rows[i] = []any{i, fmt.Sprintf("city-%d", i), i * 1000, fmt.Sprintf("POINT(%d %d)", i%180, i%90)}
	}
	return rows
}

func TestRunQueryTruncatedByMaxRows(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.fake.SetQueryResult("SELECT * FROM cities", cityCols, numberedRows(150))

	var out tools.RunQueryOutput
	text := e.ok(e.call(tools.ToolRunQuery, map[string]any{"sql": "SELECT * FROM cities"}), &out)
	assert.Equal(t, 100, out.RowCount)
	assert.Len(t, out.Rows, 100)
	assert.True(t, out.Truncated)
	assert.Equal(t, "max_rows", out.TruncatedBy)
	assert.Empty(t, missing(out.Notice, "first 100 rows", "max_rows=100", "LIMIT 100 OFFSET 100", "submit_job", "aggregate", "narrow", "raise max_rows (up to 1000)"))
	assert.Contains(t, text, "\nrows: 100 (truncated by max_rows)\nnotice: "+out.Notice)
	assertTextMatchesStructured(t, text, out)

	// Exactly at the cap is not truncated.
	e.ok(e.call(tools.ToolRunQuery, map[string]any{"sql": "SELECT * FROM cities", "max_rows": 150}), &out)
	assert.Equal(t, 150, out.RowCount)
	assert.False(t, out.Truncated)

	e.ok(e.call(tools.ToolRunQuery, map[string]any{"sql": "SELECT * FROM cities", "max_rows": 3}), &out)
	assert.Equal(t, 3, out.RowCount)
	assert.Equal(t, 3, out.RowLimit)
	assert.True(t, out.Truncated)
}

func TestRunQueryMaxRowsLoweredToServerMaximum(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withOptions(func(o *tools.Options) { o.MaxRows = 20; o.DefaultRows = 10 }))
	e.fake.SetQueryResult("SELECT * FROM cities", cityCols, numberedRows(50))
	var out tools.RunQueryOutput
	e.ok(e.call(tools.ToolRunQuery, map[string]any{"sql": "SELECT * FROM cities", "max_rows": 5000}), &out)
	assert.Equal(t, 20, out.RowLimit)
	assert.Equal(t, 20, out.RowCount)
	assert.True(t, out.Truncated)
	assert.Contains(t, out.Notice, "max_rows 5000 was lowered to this server's maximum, 20.")
	assert.NotContains(t, out.Notice, "raise max_rows")

	e.ok(e.call(tools.ToolRunQuery, map[string]any{"sql": "SELECT * FROM cities"}), &out)
	assert.Equal(t, 10, out.RowLimit, "the configured default")

	// Above the schema's maximum is an argument error, caught by the schema.
	text := e.failed(e.call(tools.ToolRunQuery, map[string]any{"sql": "SELECT * FROM cities", "max_rows": tools.MaxRowsLimit + 1}))
	assert.Contains(t, text, "/max_rows")
}

func TestRunQueryByteCap(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withOptions(func(o *tools.Options) { o.MaxTextBytes = 1024 }))
	e.fake.SetQueryResult("SELECT * FROM cities", cityCols, numberedRows(100))
	var out tools.RunQueryOutput
	text := e.ok(e.call(tools.ToolRunQuery, map[string]any{"sql": "SELECT * FROM cities"}), &out)
	assert.True(t, out.Truncated)
	assert.Equal(t, "max_bytes", out.TruncatedBy)
	assert.Less(t, out.RowCount, 100)
	assert.Positive(t, out.RowCount)
	assert.Empty(t, out.CutValues, "whole rows are left out; no value is cut")
	for i, r := range out.Rows {
		assert.Equal(t, fmt.Sprintf(`"POINT(%d %d)"`, i%180, i%90), string(r[3]), "geometries stay intact")
	}
	assert.Empty(t, missing(out.Notice, "1024 bytes", fmt.Sprintf("LIMIT %d OFFSET %d", out.RowCount, out.RowCount), "submit_job", "ST_SIMPLIFY"))
	rowText := 0
	for _, l := range textRows(t, text) {
		rowText += len(l) + 1
	}
	assert.LessOrEqual(t, rowText, 1024)
	assertTextMatchesStructured(t, text, out)
}

func TestRunQueryCutsAFirstRowOverTheByteCap(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withOptions(func(o *tools.Options) { o.MaxTextBytes = 2048 }))
	big := "MULTIPOLYGON(((" + strings.Repeat("-3.7038 40.4168, ", 2000) + "-3.7038 40.4168)))"
	e.fake.SetQueryResult("SELECT * FROM countries", cityCols, [][]any{
		{1, "Spain", 47000000, big},
		{2, "France", 68000000, "POINT(2 48)"},
	})
	var out tools.RunQueryOutput
	text := e.ok(e.call(tools.ToolRunQuery, map[string]any{"sql": "SELECT * FROM countries"}), &out)
	assert.True(t, out.Truncated)
	assert.Equal(t, "max_bytes", out.TruncatedBy)
	require.Equal(t, 1, out.RowCount)
	require.Len(t, out.CutValues, 1)
	cut := out.CutValues[0]
	assert.Equal(t, tools.CutValue{Row: 0, Column: "geom", Bytes: len(big) + 2, KeptBytes: len(out.Rows[0][3])}, cut)
	var kept string
	require.NoError(t, json.Unmarshal(out.Rows[0][3], &kept))
	assert.True(t, strings.HasPrefix(big, kept), "a cut string is a prefix of the value")
	assert.Equal(t, `"Spain"`, string(out.Rows[0][1]), "the other values are intact")
	assert.Empty(t, missing(out.Notice, "NOT complete", "geom (kept", "not a valid geometry", "Further rows are not shown"))
	assert.Contains(t, text, "notice: ")
	assert.LessOrEqual(t, len(text), 2048+1024)
}

func TestRunQueryFirstRowOverTheReadBudget(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withOptions(func(o *tools.Options) { o.MaxTextBytes = 1024 }))
	huge := strings.Repeat("x", 2<<20) // over max(4×1 KiB, 1 MiB)
	e.fake.SetQueryResult("SELECT blob", []cartofake.Column{{Name: "blob", Type: "string"}}, [][]any{{huge}})
	var out tools.RunQueryOutput
	text := e.ok(e.call(tools.ToolRunQuery, map[string]any{"sql": "SELECT blob"}), &out)
	assert.True(t, out.Truncated)
	assert.Equal(t, "max_bytes", out.TruncatedBy)
	assert.Equal(t, 0, out.RowCount)
	assert.Empty(t, missing(out.Notice, "first row alone", "no row is shown", "SUBSTR"))
	assert.Less(t, len(text), 4096)
}

func TestRunQueryConnectionRequired(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withoutDefaultConnection())
	text := e.failed(e.call(tools.ToolRunQuery, map[string]any{"sql": "SELECT 1"}))
	assert.Empty(t, missing(text, "connection", "CARTO_CONNECTION"))
	text = e.failed(e.call(tools.ToolSubmitJob, map[string]any{"sql": "SELECT 1"}))
	assert.Empty(t, missing(text, "connection", "CARTO_CONNECTION"))
	assert.Empty(t, e.fake.Requests())

	e.fake.SetQueryResult("SELECT 1", []cartofake.Column{{Name: "x", Type: "number"}}, [][]any{{1}})
	var out tools.RunQueryOutput
	e.ok(e.call(tools.ToolRunQuery, map[string]any{"sql": "SELECT 1", "connection": "bq"}), &out)
	assert.Equal(t, "bq", out.Connection)
}

func TestRunQueryQueryGuard(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withOptions(func(o *tools.Options) {
		o.ReadOnly = true
		o.QueryGuard = func(sql string, _ func() discovery.Provider) error {
			if strings.HasPrefix(strings.ToUpper(sql), "SELECT") {
				return nil
			}
			return errors.New("only SELECT statements are allowed in read-only mode; run writes elsewhere")
		}
	}))
	e.fake.SetQueryResult("SELECT 1", []cartofake.Column{{Name: "x", Type: "number"}}, [][]any{{1}})
	var out tools.RunQueryOutput
	e.ok(e.call(tools.ToolRunQuery, map[string]any{"sql": "SELECT 1"}), &out)
	text := e.failed(e.call(tools.ToolRunQuery, map[string]any{"sql": "DROP TABLE x"}))
	assert.Equal(t, "Query refused: only SELECT statements are allowed in read-only mode; run writes elsewhere", text)
	assert.Len(t, e.fake.Requests(), 1, "a refused query never reaches CARTO")
}

// TestBadArguments covers arguments of the wrong shape. mcp-go's input schema
// validation answers them with an isError result (SEP-1303), before the handler
// runs, so the model can correct itself; they never reach CARTO.
func TestBadArguments(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tc := range []struct {
		tool string
		args string
		want []string
	}{
		{tools.ToolRunQuery, `{}`, []string{"Invalid arguments for run_query: missing required argument `sql`",
			"Expected arguments: sql (string, required, not empty); connection (string, optional); parameters (object or array, optional); " +
				"max_rows (integer, optional, 1 to 10000, default 100); cached (boolean, optional, default false).",
			"Fix the arguments and call again", "input schema validation failed"}},
		{tools.ToolRunQuery, `{"sql":""}`, []string{"input schema validation failed", "/sql"}},
		{tools.ToolRunQuery, `{"sql":123}`, []string{"input schema validation failed", "/sql", "string"}},
		{tools.ToolRunQuery, `{"sql":"SELECT 1","max_rows":"ten"}`, []string{"/max_rows", "integer"}},
		{tools.ToolRunQuery, `{"sql":"SELECT 1","max_rows":0}`, []string{"`max_rows` is 0, out of range (limit 1)"}},
		{tools.ToolRunQuery, `{"sql":"SELECT 1","max_rows":1.5}`, []string{"/max_rows"}},
		{tools.ToolRunQuery, `{"sql":"SELECT 1","cached":"yes"}`, []string{"/cached", "boolean"}},
		{tools.ToolRunQuery, `{"sql":"SELECT 1","parameters":"{\"a\":1}"}`, []string{"`parameters` is a string, but must be an object or an array"}},
		{tools.ToolRunQuery, `{"sql":"SELECT 1","parameters":5}`, []string{"/parameters"}},
		{tools.ToolRunQuery, `{"sql":"SELECT 1","query":"SELECT 2"}`, []string{"unknown argument `query`"}},
		{tools.ToolRunQuery, `{"sql":"SELECT 1","connection":null}`, []string{"`connection` is null, but must be a string", "rather than sending null"}},
		{tools.ToolSubmitJob, `{"sql":"SELECT 1","metadata":[1]}`, []string{"/metadata", "object"}},
		{tools.ToolGetJob, `{}`, []string{"job_id"}},
		{tools.ToolGetJob, `{"job_id":7}`, []string{"/job_id", "string"}},
		{tools.ToolCancelJob, `{"job_id":""}`, []string{"/job_id"}},
		{tools.ToolListJobs, `{"all":true}`, []string{"unknown argument `all`", "Expected arguments: none"}},
		{tools.ToolRunQuery, `[1,2]`, []string{"the arguments are an array, but must be an object"}},
	} {
		res, err := e.callErr(tc.tool, tc.args)
		require.NoError(t, err, "%s %s: a bad argument is not a protocol error", tc.tool, tc.args)
		text := e.failed(res)
		assert.Empty(t, missing(text, tc.want...), "%s %s: %s", tc.tool, tc.args, text)
	}
	// Handler-level checks for what the schema cannot say.
	text := e.failed(e.call(tools.ToolRunQuery, map[string]any{"sql": "   "}))
	assert.Contains(t, text, "`sql` is empty")
	assert.Empty(t, e.fake.Requests(), "no bad argument reached CARTO")
}

func TestConcurrentCalls(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.fake.SetQueryResult("SELECT * FROM cities", cityCols, numberedRows(10))
	e.fake.SetJobScript(cartofake.Statuses("running", "success")...)
	done := make(chan string, 40)
	for i := range 20 {
		go func() {
			res, err := e.callErr(tools.ToolRunQuery, map[string]any{"sql": "SELECT * FROM cities", "max_rows": 1 + i%10})
			switch {
			case err != nil:
				done <- err.Error()
			case res.IsError:
				done <- "isError"
			default:
				done <- ""
			}
		}()
		go func() {
			res, err := e.callErr(tools.ToolSubmitJob, map[string]any{"sql": fmt.Sprintf("INSERT INTO t VALUES (%d)", i)})
			if err != nil || res.IsError {
				done <- "submit failed"
				return
			}
			var sub tools.SubmitJobOutput
			if json.Unmarshal(res.RawStructuredContent, &sub) != nil {
				done <- "bad output"
				return
			}
			res, err = e.callErr(tools.ToolGetJob, map[string]any{"job_id": sub.JobID})
			if err != nil || res.IsError {
				done <- "get failed"
				return
			}
			done <- ""
		}()
	}
	for range 40 {
		assert.Empty(t, <-done)
	}
	assert.Len(t, e.fake.Jobs(), 20)
}

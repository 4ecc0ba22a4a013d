package client

import (
	"encoding/json"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/cartofake"
)

func rawRows(rows [][]json.RawMessage) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		out[i] = make([]string, len(r))
		for j, v := range r {
			out[i][j] = string(v)
		}
	}
	return out
}

func colNames(cols []Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}

// getURLLen is the length of the GET URL Run would build for sql.
func getURLLen(c *Client, conn, sql string, params json.RawMessage) int {
	cl := &call{segments: []string{"v3", "sql", conn, "query"}, query: url.Values{"q": {sql}}}
	if len(params) > 0 {
		cl.query.Set("queryParameters", string(params))
	}
	return len(c.url(cl).String())
}

func TestRunMethodAndBody(t *testing.T) {
	t.Parallel()
	// sqlNear returns SQL whose GET URL on c is maxGETURL+extra characters long.
	sqlNear := func(t *testing.T, c *Client, extra int) string {
		base := "SELECT 1 AS x -- "
		pad := maxGETURL - getURLLen(c, "conn", base, nil) + extra
		require.Positive(t, pad)
		sql := base + strings.Repeat("a", pad)
		require.Equal(t, maxGETURL+extra, getURLLen(c, "conn", sql, nil))
		return sql
	}

	tests := []struct {
		name       string
		req        QueryRequest
		wantMethod string
		wantParams string // JSON, "" for none
		nearLimit  *int   // when set, SQL is replaced by sqlNear(*nearLimit)
	}{
		{name: "POST by default", req: QueryRequest{SQL: "SELECT 1 AS x"}, wantMethod: http.MethodPost},
		{name: "POST with named parameters", req: QueryRequest{SQL: "SELECT @a AS x", Parameters: json.RawMessage(`{"a":1}`)},
			wantMethod: http.MethodPost, wantParams: `{"a":1}`},
		{name: "POST with positional parameters", req: QueryRequest{SQL: "SELECT $1 AS x", Parameters: json.RawMessage(`[1,"two"]`)},
			wantMethod: http.MethodPost, wantParams: `[1,"two"]`},
		{name: "cached GET", req: QueryRequest{SQL: "SELECT 1 AS x", Cached: true}, wantMethod: http.MethodGet},
		{name: "cached GET with parameters", req: QueryRequest{SQL: "SELECT :1 AS x", Parameters: json.RawMessage(`[5]`), Cached: true},
			wantMethod: http.MethodGet, wantParams: `[5]`},
		{name: "cached GET at exactly 7000 chars", req: QueryRequest{Cached: true}, nearLimit: new(0), wantMethod: http.MethodGet},
		{name: "cached but 7001 chars: POST", req: QueryRequest{Cached: true}, nearLimit: new(1), wantMethod: http.MethodPost},
		{name: "other connection", req: QueryRequest{SQL: "SELECT 1 AS x", Connection: "other"}, wantMethod: http.MethodPost},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// Each subtest its own server, to look at its requests alone.
			srv := cartofake.New(t)
			c := newTestClient(t, srv)
			if tt.nearLimit != nil {
				tt.req.SQL = sqlNear(t, c, *tt.nearLimit)
			}
			srv.SetQueryResult(tt.req.SQL, []cartofake.Column{{Name: "x", Type: "number"}}, [][]any{{1}})
			req := tt.req
			res, err := c.Queries.Run(testCtx(t), &req, QueryLimits{})
			require.NoError(t, err)
			assert.Equal(t, tt.wantMethod, res.Method)
			assert.Equal(t, [][]string{{"1"}}, rawRows(res.Rows))

			reqs := srv.Requests()
			require.Len(t, reqs, 1)
			r := reqs[0]
			assert.Equal(t, tt.wantMethod, r.Method)
			wantConn := "conn"
			if tt.req.Connection != "" {
				wantConn = tt.req.Connection
			}
			assert.Equal(t, "/v3/sql/"+wantConn+"/query", r.Path)
			assert.Equal(t, tt.req.SQL, r.SQL)
			assert.Equal(t, "Bearer "+cartofake.DefaultToken, r.Header.Get("Authorization"))
			q, err := url.ParseQuery(r.RawQuery)
			require.NoError(t, err)
			assert.Equal(t, DefaultClientID, q.Get("client"))
			assert.False(t, q.Has("access_token"))
			if tt.wantMethod == http.MethodPost {
				assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
				assert.False(t, q.Has("q"), "POST must not put the SQL in the URL")
				var body map[string]json.RawMessage
				require.NoError(t, json.Unmarshal(r.Body, &body))
				assert.JSONEq(t, mustJSON(t, tt.req.SQL), string(body["q"]))
				if tt.wantParams != "" {
					assert.JSONEq(t, tt.wantParams, string(body["queryParameters"]))
				} else {
					assert.NotContains(t, body, "queryParameters")
				}
				for k := range body {
					assert.Contains(t, []string{"q", "queryParameters"}, k)
				}
			} else {
				assert.Empty(t, r.Body)
				assert.Equal(t, tt.req.SQL, q.Get("q"))
				if tt.wantParams != "" {
					assert.JSONEq(t, tt.wantParams, q.Get("queryParameters"))
				} else {
					assert.False(t, q.Has("queryParameters"))
				}
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func TestRunInvalidParameters(t *testing.T) {
	t.Parallel()
	for _, p := range []string{`5`, `"a"`, `true`, `{`, `[1,`, `not json`} {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			srv := cartofake.New(t)
			c := newTestClient(t, srv)
			_, err := c.Queries.Run(testCtx(t), &QueryRequest{SQL: "SELECT 1", Parameters: json.RawMessage(p)}, QueryLimits{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), "parameters")
			assert.Contains(t, err.Error(), `"conn"`)
			assert.Empty(t, srv.Requests(), "nothing is sent for invalid parameters")

			_, err = c.Jobs.Create(testCtx(t), &CreateJobRequest{SQL: "CALL x()", Parameters: json.RawMessage(p)})
			require.Error(t, err)
			assert.Empty(t, srv.Requests())
		})
	}
}

func TestRunConnectionEscaping(t *testing.T) {
	t.Parallel()
	srv := cartofake.New(t)
	srv.SetQueryResult("SELECT 1", []cartofake.Column{{Name: "x", Type: "number"}}, [][]any{{1}})
	c := newTestClient(t, srv)
	_, err := c.Queries.Run(testCtx(t), &QueryRequest{SQL: "SELECT 1", Connection: "my conn/with?odd#chars"}, QueryLimits{})
	require.NoError(t, err)
	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "my conn/with?odd#chars", reqs[0].Connection)
}

func TestRunResults(t *testing.T) {
	t.Parallel()
	cols := []cartofake.Column{{Name: "id", Type: "bigint"}, {Name: "name", Type: "string"}, {Name: "amount", Type: "number"}}
	rows := [][]any{
		{json.Number("9007199254740993"), "a", json.Number("0.1000000000000000055511151231257827")},
		{json.Number("-9223372036854775809"), "b", json.Number("1e400")},
		{json.Number("3"), cartofake.Omit, nil},
		{json.Number("4"), "d", json.Number("12345678901234567890.123456789")},
		{json.Number("5"), "é\"\\\n", json.Number("-0")},
	}
	want := [][]string{
		{"9007199254740993", `"a"`, "0.1000000000000000055511151231257827"},
		{"-9223372036854775809", `"b"`, "1e400"},
		{"3", "null", "null"},
		{"4", `"d"`, "12345678901234567890.123456789"},
		{"5", `"é\"\\\n"`, "-0"},
	}
	// Byte sizes of the values of each row, to put MaxBytes exactly on a row.
	var sizes []int64
	for _, r := range want {
		var n int64
		for _, v := range r {
			if v != "null" {
				n += int64(len(v))
			}
		}
		sizes = append(sizes, n)
	}
	// "null" of the missing key is not in the body; the explicit null is.
	sizes[2] = int64(len("3") + len("null"))
	sum := func(n int) int64 {
		var s int64
		for _, v := range sizes[:n] {
			s += v
		}
		return s
	}

	tests := []struct {
		name          string
		limits        QueryLimits
		wantRows      int
		wantTruncated string
	}{
		{name: "no limits", wantRows: 5},
		{name: "max rows below count", limits: QueryLimits{MaxRows: 3}, wantRows: 3, wantTruncated: "max_rows"},
		{name: "max rows 1", limits: QueryLimits{MaxRows: 1}, wantRows: 1, wantTruncated: "max_rows"},
		{name: "max rows exactly at count", limits: QueryLimits{MaxRows: 5}, wantRows: 5},
		{name: "max rows above count", limits: QueryLimits{MaxRows: 6}, wantRows: 5},
		{name: "max bytes exactly at 2 rows", limits: QueryLimits{MaxBytes: sum(2)}, wantRows: 2, wantTruncated: "max_bytes"},
		{name: "max bytes one under 2 rows", limits: QueryLimits{MaxBytes: sum(2) - 1}, wantRows: 1, wantTruncated: "max_bytes"},
		{name: "max bytes exactly at all rows", limits: QueryLimits{MaxBytes: sum(5)}, wantRows: 5},
		{name: "max bytes one under all rows", limits: QueryLimits{MaxBytes: sum(5) - 1}, wantRows: 4, wantTruncated: "max_bytes"},
		{name: "max bytes smaller than first row", limits: QueryLimits{MaxBytes: 1}, wantRows: 0, wantTruncated: "max_bytes"},
		{name: "rows cap before bytes cap", limits: QueryLimits{MaxRows: 2, MaxBytes: sum(5)}, wantRows: 2, wantTruncated: "max_rows"},
	}
	for _, order := range []string{"rows first", "schema first"} {
		for _, tt := range tests {
			t.Run(order+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				srv := cartofake.New(t)
				srv.SetQuery("SELECT *", cartofake.Result{Columns: cols, Rows: rows, SchemaFirst: order == "schema first",
					Meta: json.RawMessage(`{"cacheHit":true,"location":"EU","totalBytesProcessed":"1024"}`)})
				c := newTestClient(t, srv)
				res, err := c.Queries.Run(testCtx(t), &QueryRequest{SQL: "SELECT *"}, tt.limits)
				require.NoError(t, err)
				assert.Equal(t, []Column{{"id", "bigint"}, {"name", "string"}, {"amount", "number"}}, res.Columns)
				assert.False(t, res.SchemaInferred)
				assert.Equal(t, want[:tt.wantRows], rawRows(res.Rows))
				assert.Equal(t, tt.wantTruncated != "", res.Truncated)
				assert.Equal(t, tt.wantTruncated, res.TruncatedBy)
				if !res.Truncated {
					// Meta is best-effort once rows are cut ("when it was read").
					assert.Equal(t, QueryMeta{CacheHit: true, Location: "EU", TotalBytesProcessed: "1024"}, res.Meta)
				}
			})
		}
	}
}

func TestDecodeShapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		body         string
		limits       QueryLimits
		wantCols     []Column
		wantRows     [][]string
		wantInferred bool
		wantTrunc    string
		wantMeta     QueryMeta
		wantErr      error
	}{
		{
			name:     "row keys in another order than the schema",
			body:     `{"rows":[{"b":2,"a":1},{"a":3,"b":4}],"schema":[{"name":"a","type":"number"},{"name":"b","type":"number"}]}`,
			wantCols: []Column{{"a", "number"}, {"b", "number"}},
			wantRows: [][]string{{"1", "2"}, {"3", "4"}},
		},
		{
			name:     "schema first, row keys in another order",
			body:     `{"schema":[{"name":"a","type":"number"},{"name":"b","type":"number"}],"rows":[{"b":2,"a":1}]}`,
			wantCols: []Column{{"a", "number"}, {"b", "number"}},
			wantRows: [][]string{{"1", "2"}},
		},
		{
			// Each member is first tried in the slot of its position: a row
			// whose keys move, or that lacks one, must still land right.
			name: "keys that change order from row to row, and a missing key",
			body: `{"schema":[{"name":"a","type":"number"},{"name":"b","type":"number"},{"name":"c","type":"number"}],` +
				`"rows":[{"a":1,"b":2,"c":3},{"c":6,"a":4,"b":5},{"a":7,"c":9},{"b":11,"a":10,"c":12}]}`,
			wantCols: []Column{{"a", "number"}, {"b", "number"}, {"c", "number"}},
			wantRows: [][]string{{"1", "2", "3"}, {"4", "5", "6"}, {"7", "null", "9"}, {"10", "11", "12"}},
		},
		{
			name:     "a key the schema lacks is kept as an unknown column",
			body:     `{"schema":[{"name":"a","type":"number"}],"rows":[{"a":1,"z":"x"}]}`,
			wantCols: []Column{{"a", "number"}, {"z", "unknown"}},
			wantRows: [][]string{{"1", `"x"`}},
		},
		{
			name:     "object, array and geometry values kept verbatim",
			body:     `{"rows":[{"o":{"k":[1,2.50]},"g":"POINT(1 2)","v":[1,{"x":null}]}],"schema":[{"name":"o","type":"object"},{"name":"g","type":"geometry"},{"name":"v","type":"variant"}]}`,
			wantCols: []Column{{"o", "object"}, {"g", "geometry"}, {"v", "variant"}},
			wantRows: [][]string{{`{"k":[1,2.50]}`, `"POINT(1 2)"`, `[1,{"x":null}]`}},
		},
		{
			name:     "empty result",
			body:     `{"rows":[],"schema":[{"name":"a","type":"string"}],"meta":{"cacheHit":false}}`,
			wantCols: []Column{{"a", "string"}},
			wantRows: [][]string{},
		},
		{
			name:     "rows null",
			body:     `{"rows":null,"schema":[]}`,
			wantRows: [][]string{},
		},
		{
			name:         "no schema at all: inferred from the rows",
			body:         `{"rows":[{"b":1,"a":2}]}`,
			wantCols:     []Column{{"b", "unknown"}, {"a", "unknown"}},
			wantRows:     [][]string{{"1", "2"}},
			wantInferred: true,
		},
		{
			name:         "cut rows, schema beyond the lookahead: inferred",
			body:         `{"rows":[{"a":1},{"a":2},{"a":3}],"schema":[{"name":"a","type":"bigint"}]}`,
			limits:       QueryLimits{MaxRows: 1, SchemaLookahead: -1},
			wantCols:     []Column{{"a", "unknown"}},
			wantRows:     [][]string{{"1"}},
			wantInferred: true,
			wantTrunc:    "max_rows",
		},
		{
			name:      "cut rows, schema within the lookahead",
			body:      `{"rows":[{"a":1},{"a":2},{"a":3}],"schema":[{"name":"a","type":"bigint"}],"meta":{"location":"US"}}`,
			limits:    QueryLimits{MaxRows: 1},
			wantCols:  []Column{{"a", "bigint"}},
			wantRows:  [][]string{{"1"}},
			wantTrunc: "max_rows",
			wantMeta:  QueryMeta{Location: "US"},
		},
		{
			name:     "meta with a numeric totalBytesProcessed, unknown keys skipped",
			body:     `{"extra":{"x":[1]},"rows":[],"meta":{"cacheHit":true,"totalBytesProcessed":123,"other":1},"schema":[]}`,
			wantRows: [][]string{},
			wantMeta: QueryMeta{CacheHit: true, TotalBytesProcessed: "123"},
		},
		{
			name:     "whitespace everywhere",
			body:     " \n{ \"rows\" : [ { \"a\" : 1 } ] , \"schema\" : [ { \"name\" : \"a\" , \"type\" : \"number\" } ] }\n",
			wantCols: []Column{{"a", "number"}},
			wantRows: [][]string{{"1"}},
		},
		{name: "no rows key", body: `{"schema":[]}`, wantErr: ErrInvalidResponse},
		{name: "not an object", body: `[1,2]`, wantErr: ErrInvalidResponse},
		{name: "rows not an array", body: `{"rows":{"a":1}}`, wantErr: ErrInvalidResponse},
		{name: "row not an object", body: `{"rows":[1]}`, wantErr: ErrInvalidResponse},
		{name: "schema of the wrong type", body: `{"rows":[],"schema":"a"}`, wantErr: ErrInvalidResponse},
		{name: "syntax error", body: `{"rows":[{"a":1,}]}`, wantErr: ErrInvalidResponse},
		{name: "html", body: `<html><body>oops</body></html>`, wantErr: ErrInvalidResponse},
		{name: "empty body", body: ``, wantErr: ErrTruncatedResponse},
		{name: "cut inside a row", body: `{"rows":[{"a":1},{"a":`, wantErr: ErrTruncatedResponse},
		{name: "cut after rows", body: `{"rows":[{"a":1}]`, wantErr: ErrTruncatedResponse},
		{name: "cut inside a string", body: `{"rows":[{"a":"abc`, wantErr: ErrTruncatedResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := decodeQueryResult(strings.NewReader(tt.body), tt.limits)
			if tt.wantErr != nil {
				require.Error(t, err)
				assert.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantCols, res.Columns)
			assert.Equal(t, tt.wantRows, rawRows(res.Rows))
			assert.Equal(t, tt.wantInferred, res.SchemaInferred)
			assert.Equal(t, tt.wantTrunc, res.TruncatedBy)
			assert.Equal(t, tt.wantTrunc != "", res.Truncated)
			assert.Equal(t, tt.wantMeta, res.Meta)
		})
	}
}

// A schema with a duplicate name (PostgreSQL's "?column?" for SELECT 1, 2) plus a
// row key the schema does not list: every value must stay in its own column.
func TestDecodeDuplicateSchemaNames(t *testing.T) {
	t.Parallel()
	body := `{"schema":[{"name":"?column?","type":"number"},{"name":"?column?","type":"number"},{"name":"b","type":"string"}],` +
		`"rows":[{"?column?":2,"b":"bee","extra":"x"}]}`
	res, err := decodeQueryResult(strings.NewReader(body), QueryLimits{})
	require.NoError(t, err)
	require.Len(t, res.Columns, 4)
	assert.Equal(t, Column{"extra", "unknown"}, res.Columns[3])
	require.Len(t, res.Rows, 1)
	row := res.Rows[0]
	require.Len(t, row, 4)
	assert.Equal(t, `"bee"`, string(row[2]), "b keeps its value")
	assert.Equal(t, `"x"`, string(row[3]), "extra lands in its own column")
}

func TestRunLimitsOnSchemaFirstGenerator(t *testing.T) {
	t.Parallel()
	srv := cartofake.New(t, cartofake.WithSchemaFirst())
	srv.SetQueryGenerator("SELECT big", testCols, 50_000, func(i int) []any { return []any{i, "n", 1.5} })
	c := newTestClient(t, srv)
	res, err := c.Queries.Run(testCtx(t), &QueryRequest{SQL: "SELECT big"}, QueryLimits{MaxRows: 10})
	require.NoError(t, err)
	assert.Len(t, res.Rows, 10)
	assert.True(t, res.Truncated)
	assert.Equal(t, []string{"id", "name", "amount"}, colNames(res.Columns))
	assert.Equal(t, []string{"9", `"n"`, "1.5"}, rawRows(res.Rows)[9])
}

// A result read whole leaves its connection to CARTO open for the next call:
// a new connection per query (and, to CARTO, a new TLS handshake) would cost
// more than reading the result does.
func TestRunReusesTheConnection(t *testing.T) {
	t.Parallel()
	srv := cartofake.New(t)
	// Large enough that the last read of the result does not also see the end
	// of the body.
	srv.SetQueryGenerator("SELECT rows", testCols, 3000, func(i int) []any { return []any{i, strings.Repeat("n", i%50), 1.5} })
	c := newTestClient(t, srv)
	var reused []bool
	ctx := httptrace.WithClientTrace(testCtx(t), &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) { reused = append(reused, info.Reused) },
	})
	for range 5 {
		res, err := c.Queries.Run(ctx, &QueryRequest{SQL: "SELECT rows"}, QueryLimits{})
		require.NoError(t, err)
		require.Len(t, res.Rows, 3000)
	}
	assert.Equal(t, []bool{false, true, true, true, true}, reused)
}

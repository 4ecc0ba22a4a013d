package localwarehouse

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/internal/syncbuf"
)

const topCitiesSQL = "SELECT name, population FROM carto_local.demo.cities ORDER BY population DESC LIMIT 3"

func TestQueryGET(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})

	r := e.get(topCitiesSQL, "")
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	assert.Equal(t, "application/json; charset=utf-8", r.header.Get("Content-Type"))
	assert.Equal(t, []string{"schema", "rows", "meta"}, topLevelKeys(t, r.body))

	res := decodeQueryResult(t, r.body)
	assert.Equal(t, []schemaField{{"name", "string"}, {"population", "bigint"}}, res.Schema)
	require.Len(t, res.Rows, 3)
	assert.Equal(t, `"Tokyo"`, res.value(0, "name"))
	assert.Equal(t, `37400000`, res.value(0, "population"))
	assert.Equal(t, map[string]any{"cacheHit": false, "location": "local", "totalBytesProcessed": "0"}, res.Meta)
}

func TestQueryPOSTJSONAndForm(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	path := "/v3/sql/" + e.conn() + "/query"

	// JSON body, with the extra client/v parameters CARTO's clients send.
	r := e.postJSON(path+"?client=test&v=3.4", map[string]any{"q": topCitiesSQL})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	assert.Equal(t, `"Tokyo"`, decodeQueryResult(t, r.body).value(0, "name"))

	// Form-encoded body, with parameters.
	form := url.Values{
		"q":               {"SELECT name FROM demo.cities WHERE iso_a3 = $1 ORDER BY population DESC LIMIT 1"},
		"queryParameters": {`["ESP"]`},
	}
	r = e.do(http.MethodPost, path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	assert.Equal(t, `"Madrid"`, decodeQueryResult(t, r.body).value(0, "name"))

	// JSON without a Content-Type is still JSON.
	r = e.do(http.MethodPost, path, "", strings.NewReader(`{"q":"SELECT 42 AS answer"}`), nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	assert.Equal(t, "42", decodeQueryResult(t, r.body).value(0, "answer"))
}

func TestQueryTypesAndExactValues(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{NoDemoData: true})

	// name, SQL expression, CARTO type, expected JSON value.
	cases := []struct{ name, expr, typ, want string }{
		{"ti", "1::TINYINT", "number", "1"},
		{"si", "-2::SMALLINT", "number", "-2"},
		{"i", "3::INTEGER", "number", "3"},
		{"ui", "4::UINTEGER", "number", "4"},
		{"big", "9223372036854775807::BIGINT", "bigint", "9223372036854775807"},
		{"big_neg", "-9007199254740993::BIGINT", "bigint", "-9007199254740993"},
		{"ubig", "18446744073709551615::UBIGINT", "bigint", "18446744073709551615"},
		{"huge", "170141183460469231731687303715884105727::HUGEINT", "bigint", "170141183460469231731687303715884105727"},
		{"dec", "12345678901234567890123456.78::DECIMAL(38,2)", "number", "12345678901234567890123456.78"},
		{"dec_scale", "12.3::DECIMAL(12,2)", "number", "12.30"},
		{"dec_small", "-0.05::DECIMAL(4,3)", "number", "-0.050"},
		{"dbl", "0.1::DOUBLE", "number", "0.1"},
		{"flt", "1.1::FLOAT", "number", "1.1"},
		{"nan", "'NaN'::DOUBLE", "number", "null"},
		{"b", "true", "boolean", "true"},
		{"s", `'quote " back \ nl' || chr(10) || '<&>'`, "string", `"quote \" back \\ nl\n<&>"`},
		{"e", "'a'::ENUM('a', 'b')", "string", `"a"`},
		{"u", "'12345678-90ab-cdef-1234-567890abcdef'::UUID", "string", `"12345678-90ab-cdef-1234-567890abcdef"`},
		{"blob", "'\\x01\\x02'::BLOB", "string", `"AQI="`},
		{"iv", "INTERVAL 1 DAY + INTERVAL 90 MINUTE", "string", `"P1DT1H30M"`},
		{"d", "DATE '2021-03-04'", "timestamp", `"2021-03-04T00:00:00Z"`},
		{"ts", "TIMESTAMP '2021-03-04 05:06:07.123456'", "timestamp", `"2021-03-04T05:06:07.123456Z"`},
		{"tstz", "TIMESTAMPTZ '2021-03-04 05:06:07+02:00'", "timestamp", `"2021-03-04T03:06:07Z"`},
		{"t", "TIME '05:06:07'", "timestamp", `"05:06:07"`},
		{"list", "[1, 2, 3]", "object", "[1,2,3]"},
		{"arr", "[1.5, 2]::DOUBLE[2]", "object", "[1.5,2]"},
		{"st", "{'b': 1, 'a': 'x'}", "object", `{"a":"x","b":1}`},
		{"mp", "MAP {'k': 1}", "object", `{"k":1}`},
		{"mp_int", "MAP {1: 'one'}", "object", `[{"key":1,"value":"one"}]`},
		{"js", `'{"k": [1, true, null]}'::JSON`, "object", `{"k":[1,true,null]}`},
		// JSON keeps its numbers exact and its keys in order (issue 15 item 21).
		{"js_big", `'{"z": 9007199254740993, "a": [0.1000000000000000055511151231257827, -18446744073709551617]}'::JSON`,
			"object", `{"z":9007199254740993,"a":[0.1000000000000000055511151231257827,-18446744073709551617]}`},
		{"js_null", `NULL::JSON`, "object", "null"},
		{"un", "union_value(n := 7)", "variant", "7"},
		{"g", "'POINT (1 2)'::GEOMETRY", "geometry", `"POINT (1 2)"`},
		{"geom", "'POINT (3 4)'", "geometry", `"POINT (3 4)"`},
		{"store_geom", "'POINT (5 6)'", "geometry", `"POINT (5 6)"`},
		{"nul", "NULL::INTEGER", "number", "null"},
	}
	var exprs []string
	for _, c := range cases {
		exprs = append(exprs, fmt.Sprintf("%s AS %s", c.expr, c.name))
	}
	res := e.query("SELECT "+strings.Join(exprs, ", "), nil)
	require.Len(t, res.Rows, 1)
	for i, c := range cases {
		assert.Equal(t, schemaField{c.name, c.typ}, res.Schema[i], c.name)
		assert.Equal(t, c.want, res.value(0, c.name), c.name)
	}
}

// A JSON column is exact whatever the query around it: parameters, a
// trailing semicolon or comment, a CTE; other statements run as they are.
func TestQueryJSONNumbersAreExact(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{NoDemoData: true})
	for _, q := range []string{
		`SELECT '{"big": 9007199254740993}'::JSON AS j, $1 AS p;`,
		"WITH x AS (SELECT '{\"big\": 9007199254740993}'::JSON AS j) SELECT j, $1 AS p FROM x -- a comment",
		`SELECT j, $1 AS p FROM (VALUES ('{"big": 9007199254740993}'::JSON)) AS v("j")`,
	} {
		res := e.query(q, []any{7})
		require.Len(t, res.Rows, 1, q)
		assert.Equal(t, schemaField{"j", "object"}, res.Schema[0], q)
		assert.Equal(t, `{"big":9007199254740993}`, res.value(0, "j"), q)
		assert.Equal(t, "7", res.value(0, "p"), q)
	}
	// Two columns of one name: left as it is (duckdb-go decodes the JSON).
	res := e.query(`SELECT '{"a": 1}'::JSON AS j, 2 AS j`, nil)
	assert.Equal(t, `{"a":1}`, res.value(0, "j"))
}

func TestQueryColumnOrderAndDuplicates(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{NoDemoData: true})

	r := e.get("SELECT 1 AS zeta, 2 AS alpha, 3 AS mid, 4 AS alpha", "")
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	res := decodeQueryResult(t, r.body)
	assert.Equal(t, []schemaField{{"zeta", "number"}, {"alpha", "number"}, {"mid", "number"}, {"alpha_1", "number"}}, res.Schema)
	// The row object keeps the column order, not an alphabetical one.
	assert.Contains(t, string(r.body), `"rows":[{"zeta":1,"alpha":2,"mid":3,"alpha_1":4}]`)
}

func TestQueryDemoData(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})

	res := e.query(`SELECT
		(SELECT count(*) FROM demo.cities) AS cities,
		(SELECT count(*) FROM demo.countries) AS countries,
		(SELECT count(*) FROM demo.stores) AS stores,
		(SELECT count(*) FROM demo.cities c LEFT JOIN demo.countries k USING (iso_a3) WHERE k.iso_a3 IS NULL) AS orphans`, nil)
	// The sizes the package documentation states.
	assert.Equal(t, "313", res.value(0, "cities"))
	assert.Equal(t, "151", res.value(0, "countries"))
	assert.Equal(t, "3381", res.value(0, "stores"))
	assert.Equal(t, "0", res.value(0, "orphans"))

	res = e.query("SELECT * FROM demo.stores ORDER BY store_id LIMIT 1", nil)
	types := map[string]string{}
	for _, f := range res.Schema {
		types[f.Name] = f.Type
	}
	assert.Equal(t, map[string]string{
		"store_id": "number", "name": "string", "category": "string", "city_id": "number",
		"city": "string", "iso_a3": "string", "revenue": "number", "opened_at": "timestamp",
		"lon": "number", "lat": "number", "geom": "geometry",
	}, types)
	assert.Regexp(t, `^"POINT \(-?[0-9.]+ -?[0-9.]+\)"$`, res.value(0, "geom"))
	assert.Regexp(t, `^[0-9]+\.[0-9]{2}$`, res.value(0, "revenue"))

	res = e.query("SELECT geom FROM demo.countries WHERE iso_a3 = 'ESP'", nil)
	assert.Equal(t, `"POLYGON ((-9.39 35.95, 3.04 35.95, 3.04 43.75, -9.39 43.75, -9.39 35.95))"`, res.value(0, "geom"))
}

func TestQueryRowLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{NoDemoData: true, MaxRows: 10})

	res := e.query("SELECT range AS i FROM range(10)", nil)
	assert.Len(t, res.Rows, 10)

	body := e.queryError(http.StatusBadRequest, "SELECT range AS i FROM range(11)", nil)
	assert.Contains(t, body["error"], "limit of 10 rows")
	assert.Contains(t, body["hint"], "/job")
	assert.Contains(t, body["hint"], "LIMIT")
	assert.Equal(t, "400", fmt.Sprint(body["status"]))
}

func TestQueryLargeResultSpillsToDisk(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{NoDemoData: true})

	// About 5 MB of rows, beyond the in-memory spool.
	res := e.query("SELECT range AS i, repeat('x', 1000) AS s FROM range(5000)", nil)
	require.Len(t, res.Rows, 5000)
	assert.Equal(t, "4999", res.value(4999, "i"))
	assert.Greater(t, len(res.raw), spoolMemLimit)
}

func TestQueryTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{NoDemoData: true, QueryTimeout: 100e6}) // 100ms

	body := e.queryError(http.StatusBadRequest, slowSQL, nil)
	assert.Contains(t, body["error"], "exceeded the 100ms timeout")
	assert.Contains(t, body["hint"], "job")
}

// slowSQL runs for minutes unless interrupted.
const slowSQL = "SELECT sum(a.range * b.range) AS s FROM range(1000000) a, range(1000000) b"

func TestQueryErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{NoDemoData: true})
	path := "/v3/sql/" + e.conn() + "/query"

	t.Run("bad SQL", func(t *testing.T) {
		body := e.queryError(http.StatusBadRequest, "SELECT * FROM no_such_table", nil)
		assert.Contains(t, body["error"], "no_such_table")
		body = e.queryError(http.StatusBadRequest, "SELEC 1", nil)
		assert.Contains(t, body["error"], "syntax error")
	})
	t.Run("missing q", func(t *testing.T) {
		r := e.do(http.MethodGet, path, "", nil, nil)
		assert.Equal(t, http.StatusBadRequest, r.status)
		assert.Equal(t, "Missing q parameter", r.json(t)["error"])
	})
	t.Run("bad JSON body", func(t *testing.T) {
		r := e.do(http.MethodPost, path, "application/json", strings.NewReader(`{"q": `), nil)
		assert.Equal(t, http.StatusBadRequest, r.status)
		assert.Contains(t, r.json(t)["error"], "Invalid JSON body")
	})
	t.Run("body too large", func(t *testing.T) {
		big := `{"q": "SELECT '` + strings.Repeat("x", maxBodyBytes) + `'"}`
		r := e.do(http.MethodPost, path, "application/json", strings.NewReader(big), nil)
		assert.Equal(t, http.StatusRequestEntityTooLarge, r.status)
		assert.Equal(t, "413", fmt.Sprint(r.json(t)["status"]))
	})
	t.Run("bad parameters", func(t *testing.T) {
		body := e.queryError(http.StatusBadRequest, "SELECT 1", "{nope")
		assert.Contains(t, body["error"], "queryParameters")
		body = e.queryError(http.StatusBadRequest, "SELECT 1", 5)
		assert.Contains(t, body["error"], "array")
	})
	t.Run("method not allowed", func(t *testing.T) {
		r := e.do(http.MethodPut, path, "", nil, nil)
		assert.Equal(t, http.StatusMethodNotAllowed, r.status)
		assert.Equal(t, "GET, POST", r.header.Get("Allow"))
		assert.Equal(t, map[string]any{"error": "Method PUT not allowed", "status": json.Number("405")}, r.json(t))
	})
	t.Run("unknown connection", func(t *testing.T) {
		r := e.do(http.MethodGet, "/v3/sql/bigquery/query?q=SELECT+1", "", nil, nil)
		assert.Equal(t, http.StatusNotFound, r.status)
		assert.Equal(t, "Connection not found: bigquery", r.json(t)["error"])
	})
	t.Run("unknown path", func(t *testing.T) {
		r := e.do(http.MethodGet, "/v3/maps", "", nil, nil)
		assert.Equal(t, http.StatusNotFound, r.status)
		assert.Equal(t, "404", fmt.Sprint(r.json(t)["status"]))
	})
}

func TestQueryScriptAndSessionIsolation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{NoDemoData: true})

	// A script returns its last statement's result.
	res := e.query("CREATE TEMP TABLE scratch AS SELECT 7 AS v; SELECT v FROM scratch", nil)
	assert.Equal(t, "7", res.value(0, "v"))

	// Each request has its own connection: the temp table is gone, and
	// an open transaction does not leak either.
	body := e.queryError(http.StatusBadRequest, "SELECT v FROM scratch", nil)
	assert.Contains(t, body["error"], "scratch")
	e.query("BEGIN TRANSACTION", nil)
	e.query("CREATE TABLE main.kept AS SELECT 1 AS v", nil)
	assert.Equal(t, "1", e.query("SELECT v FROM carto_local.main.kept", nil).value(0, "v"))
}

func TestExternalAccessDisabled(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{NoDemoData: true})

	body := e.queryError(http.StatusBadRequest, "SELECT * FROM read_csv('/etc/hosts')", nil)
	assert.Contains(t, body["error"], "disabled by configuration")
	body = e.queryError(http.StatusBadRequest, "SET enable_external_access = true", nil)
	assert.Contains(t, body["error"], "locked")
	body = e.queryError(http.StatusBadRequest, "COPY (SELECT 1) TO '/tmp/carto-local-test.csv'", nil)
	assert.Contains(t, body["error"], "disabled by configuration")
}

func TestAuth(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{NoDemoData: true, Token: "s3cret"})
	path := "/v3/sql/" + e.conn() + "/query?q=SELECT+1+AS+one"

	r := e.do(http.MethodGet, path, "", nil, nil)
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.JSONEq(t, `{"error":"Token not defined","status":401}`, string(r.body))

	r = e.do(http.MethodGet, path, "", nil, map[string]string{"Authorization": "Bearer wrong"})
	assert.Equal(t, http.StatusForbidden, r.status)
	assert.JSONEq(t, `{"error":"You don't have permissions to read this resource","status":403}`, string(r.body))

	r = e.do(http.MethodGet, path+"&access_token=wrong", "", nil, nil)
	assert.Equal(t, http.StatusForbidden, r.status)

	for _, h := range []string{"Bearer s3cret", "bearer s3cret"} {
		r = e.do(http.MethodGet, path, "", nil, map[string]string{"Authorization": h})
		assert.Equal(t, http.StatusOK, r.status, h)
	}
	r = e.do(http.MethodGet, path+"&access_token=s3cret", "", nil, nil)
	assert.Equal(t, http.StatusOK, r.status)

	// Authentication comes first, so connection names do not leak.
	r = e.do(http.MethodGet, "/v3/sql/other/query?q=SELECT+1", "", nil, nil)
	assert.Equal(t, http.StatusUnauthorized, r.status)
}

func TestOptionsValidation(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"my-conn", "1abc", "memory", "a b"} {
		_, err := New(t.Context(), Options{Connection: name, NoDemoData: true})
		assert.Error(t, err, name)
	}
}

func TestCustomConnectionName(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{Connection: "my_dw"})
	res := e.query("SELECT count(*) AS n FROM my_dw.demo.countries WHERE continent = 'Oceania'", nil)
	assert.Equal(t, "5", res.value(0, "n"))
	r := e.do(http.MethodGet, "/v3/sql/carto_local/query?q=SELECT+1", "", nil, nil)
	assert.Equal(t, http.StatusNotFound, r.status)
}

func TestConcurrentQueries(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})

	const n = 16
	errs := make(chan error, n)
	for i := range n {
		go func() {
			r := e.get("SELECT count(*) AS n FROM demo.stores WHERE city_id = $1", fmt.Sprintf("[%d]", i%10+1))
			if r.status != http.StatusOK {
				errs <- fmt.Errorf("status %d: %s", r.status, r.body)
				return
			}
			errs <- nil
		}()
	}
	for range n {
		assert.NoError(t, <-errs)
	}
}

// Close interrupts a query DuckDB is running. The query calls a Go
// function (startedSignal) on every row, so the test knows it is executing
// before it calls Close; only Close's cancellation can end it (it would
// count for hours).
func TestCloseCancelsQueries(t *testing.T) {
	t.Parallel()
	w, err := New(t.Context(), Options{NoDemoData: true})
	require.NoError(t, err)
	started := registerStartedSignal(t, w, "test_started")
	srv := startServer(t, w)
	e := &testEnv{t: t, w: w, srv: srv}

	result := make(chan response, 1)
	go func() {
		sqlText := "SELECT count(test_started(i)) FROM range(100000000000) AS r(i)"
		result <- e.do(http.MethodGet, "/v3/sql/carto_local/query?"+url.Values{"q": {sqlText}}.Encode(), "", nil, nil)
	}()
	select {
	case <-started:
	case r := <-result:
		t.Fatalf("the query ended before it started running: %d %s", r.status, r.body)
	}
	require.NoError(t, w.Close())
	r := <-result
	assert.Equal(t, http.StatusServiceUnavailable, r.status, "%s", r.body)
	assert.Contains(t, r.json(t)["error"], "shutting down")
}

// After Close, queries are refused before they reach DuckDB.
func TestQueriesAfterCloseAreRefused(t *testing.T) {
	t.Parallel()
	w, err := New(t.Context(), Options{NoDemoData: true})
	require.NoError(t, err)
	e := &testEnv{t: t, w: w, srv: startServer(t, w)}
	require.NoError(t, w.Close())

	r := e.get("SELECT 1", "")
	assert.Equal(t, http.StatusServiceUnavailable, r.status, "%s", r.body)
	assert.Contains(t, r.json(t)["error"], "shutting down")
}

// startedSignal is a BIGINT -> BIGINT identity function that closes its
// channel the first time DuckDB calls it: a query using it has started
// executing.
type startedSignal struct {
	once    sync.Once
	started chan struct{}
}

func (s *startedSignal) Config() duckdb.ScalarFuncConfig {
	bigint, err := duckdb.NewTypeInfo(duckdb.TYPE_BIGINT)
	if err != nil {
		panic(err)
	}
	// Volatile: DuckDB must call it for every row, never fold it.
	return duckdb.ScalarFuncConfig{InputTypeInfos: []duckdb.TypeInfo{bigint}, ResultTypeInfo: bigint, Volatile: true}
}

func (s *startedSignal) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{RowExecutor: func(args []driver.Value) (any, error) {
		s.once.Do(func() { close(s.started) })
		return args[0], nil
	}}
}

// registerStartedSignal registers a startedSignal as name in w's DuckDB
// (functions live in its catalog, so every connection sees it) and returns
// the channel it closes.
func registerStartedSignal(t *testing.T, w *Warehouse, name string) <-chan struct{} {
	t.Helper()
	conn, err := w.db.Conn(t.Context())
	require.NoError(t, err)
	defer conn.Close()
	s := &startedSignal{started: make(chan struct{})}
	require.NoError(t, duckdb.RegisterScalarUDF(conn, name, s))
	return s.started
}

// DuckDB's infinite dates and timestamps are null, as CARTO's Node.js API
// writes them; every other date or timestamp is a valid RFC 3339 date-time,
// or, for a year RFC 3339 cannot hold, ISO 8601's expanded form.
func TestQueryInfiniteAndFarDates(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{NoDemoData: true})
	cases := []struct{ name, expr, want string }{
		{"d_inf", "'infinity'::DATE", "null"},
		{"d_ninf", "'-infinity'::DATE", "null"},
		{"ts_inf", "'infinity'::TIMESTAMP", "null"},
		{"ts_ninf", "'-infinity'::TIMESTAMP", "null"},
		{"tstz_inf", "'infinity'::TIMESTAMPTZ", "null"},
		{"tstz_ninf", "'-infinity'::TIMESTAMPTZ", "null"},
		{"s_inf", "'infinity'::TIMESTAMP_S", "null"},
		{"s_ninf", "'-infinity'::TIMESTAMP_S", "null"},
		{"ms_inf", "'infinity'::TIMESTAMP_MS", "null"},
		{"ms_ninf", "'-infinity'::TIMESTAMP_MS", "null"},
		{"ns_inf", "'infinity'::TIMESTAMP_NS", "null"},
		{"ns_ninf", "'-infinity'::TIMESTAMP_NS", "null"},
		{"list_inf", "['infinity'::DATE, DATE '2020-01-02']", `[null,"2020-01-02T00:00:00Z"]`},
		{"far", "DATE '294247-01-10'", `"+294247-01-10T00:00:00Z"`},
		{"bc", "DATE '0044-03-15 (BC)'", `"-000043-03-15T00:00:00Z"`},
		{"edge", "TIMESTAMP '9999-12-31 23:59:59'", `"9999-12-31T23:59:59Z"`},
		{"ns_real", "TIMESTAMP_NS '2262-04-11 23:47:16.854775806'", `"2262-04-11T23:47:16.854775806Z"`},
	}
	var exprs []string
	for _, c := range cases {
		exprs = append(exprs, fmt.Sprintf("%s AS %s", c.expr, c.name))
	}
	res := e.query("SELECT "+strings.Join(exprs, ", "), nil)
	for _, c := range cases {
		assert.Equal(t, c.want, res.value(0, c.name), c.name)
	}
}

// SQL never reaches the logs, not even inside DuckDB's error messages, which
// quote it ("LINE 1: SELECT * FROM ..."); the kind of error does.
func TestLogsHoldNoSQL(t *testing.T) {
	t.Parallel()
	var logs syncbuf.Buffer
	e := newEnv(t, Options{NoDemoData: true, Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	body := e.queryError(http.StatusBadRequest, "SELECT * FROM SECRET_TABLE_456", nil)
	assert.Contains(t, body["error"], "SECRET_TABLE_456", "the caller gets DuckDB's message")
	e.queryError(http.StatusBadRequest, "SELEC 'SECRET_VALUE_789'", nil)
	j := e.submitJob("SELECT * FROM SECRET_TABLE_456", nil)
	e.waitJob(j.JobID, statusSuccess, statusFailure)
	j = e.submitJob("CREATE TABLE SECRET_TABLE_457 AS SELECT 'SECRET_VALUE_789' AS v", nil)
	e.waitJob(j.JobID, statusSuccess, statusFailure)
	out := logs.String()
	assert.Contains(t, out, "error_kind=\"Catalog Error\"")
	assert.Contains(t, out, "error_kind=\"Parser Error\"")
	for _, secret := range []string{"SECRET", "LINE 1", "SELECT", "SELEC"} {
		assert.NotContains(t, out, secret)
	}
}

func TestSingleStatement(t *testing.T) {
	t.Parallel()
	for q, want := range map[string]bool{
		"SELECT 1":                        true,
		"SELECT 1;":                       true,
		"SELECT 1; -- done\n":             true,
		"SELECT 1; /* done */ ;":          true,
		"SELECT ';' AS s":                 true,
		`SELECT 1 AS "a;b"`:               true,
		"SELECT 1 -- x; y\n":              true,
		"SELECT $$a;b$$":                  true,
		"SELECT 1; SELECT 2":              false,
		"CREATE TABLE t(a INT); SELECT 1": false,
		"SELECT 1; /* x */ SELECT 2":      false,
	} {
		assert.Equal(t, want, singleStatement(q), q)
	}
}

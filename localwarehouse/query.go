package localwarehouse

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// metaJSON is the meta object of every query response; the values describe
// a local engine (nothing cached, nothing billed).
const metaJSON = `{"cacheHit":false,"location":"local","totalBytesProcessed":"0"}`

var (
	errQueryTimeout = errors.New("query timeout")
	errTooManyRows  = errors.New("too many rows")
)

// handleQuery serves /v3/sql/{connection}/query.
func (w *Warehouse) handleQuery(rw http.ResponseWriter, r *http.Request) {
	if !allowMethods(rw, r, http.MethodGet, http.MethodPost) {
		return
	}
	q, rawParams, apiErr := parseQueryRequest(rw, r)
	if apiErr != nil {
		writeError(rw, apiErr)
		return
	}
	sqlText, args, err := bindParameters(q, rawParams)
	if err != nil {
		writeError(rw, errorf(http.StatusBadRequest, err.Error()))
		return
	}
	if _, ok, _ := parseTilerCall(sqlText, args); ok {
		writeError(rw, &apiError{
			Status:  http.StatusBadRequest,
			Message: "Tileset procedures run as jobs, not as synchronous queries",
			Hint: "Submit the CALL as a job: POST /v3/sql/" + w.opts.Connection +
				`/job with {"query": "CALL carto.CREATE_SIMPLE_TILESET(...)"} (the submit_job tool), then follow it with get_job.`,
		})
		return
	}
	if !w.begin() {
		writeError(rw, errorf(http.StatusServiceUnavailable, errClosed.Error()))
		return
	}
	defer w.end()

	ctx, cancel := w.queryContext(r.Context())
	defer cancel()

	var out spool
	defer out.Close()
	cols, rows, err := w.runQuery(ctx, sqlText, args, &out)
	if err != nil {
		e := w.classifyQueryError(ctx, r.Context(), err)
		// DuckDB's message quotes the SQL ("LINE 1: SELECT ..."), and SQL
		// never goes to logs: log the kind of error only.
		w.log.Info("query failed", "status", e.Status, "error_kind", errorKind(e.Message))
		writeError(rw, e)
		return
	}
	w.log.Debug("query", "rows", rows, "columns", len(cols))

	head := append([]byte(`{"schema":`), appendSchema(nil, cols)...)
	head = append(head, `,"rows":[`...)
	h := rw.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	rw.WriteHeader(http.StatusOK)
	if _, err := rw.Write(head); err != nil {
		return
	}
	if _, err := out.WriteTo(rw); err != nil {
		w.log.Debug("write query response", "err", err)
		return
	}
	_, _ = io.WriteString(rw, `],"meta":`+metaJSON+"}\n")
}

// queryContext derives the context of a synchronous query: cancelled when
// the client goes away, when Close is called, or at QueryTimeout.
func (w *Warehouse) queryContext(parent context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(parent)
	stop := context.AfterFunc(w.ctx, cancel)
	if w.opts.QueryTimeout <= 0 {
		return ctx, func() { stop(); cancel() }
	}
	tctx, tcancel := context.WithTimeoutCause(ctx, w.opts.QueryTimeout, errQueryTimeout)
	return tctx, func() { tcancel(); stop(); cancel() }
}

// runQuery executes one statement (or a ;-separated script, whose last
// statement's result is returned) on a fresh connection and encodes the
// rows into out. It stops as soon as MaxRows is exceeded.
func (w *Warehouse) runQuery(ctx context.Context, sqlText string, args []any, out *spool) ([]column, int, error) {
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer conn.Close()

	shape := prepareShape(ctx, conn, sqlText)
	runSQL, jsonText, wrapped := wrapJSON(sqlText, shape)
	rows, err := conn.QueryContext(ctx, runSQL, args...)
	if err != nil {
		return nil, 0, err
	}
	defer func() { rows.Close() }()
	cts, err := rows.ColumnTypes()
	if err != nil {
		return nil, 0, err
	}
	if shape.isSelect && !wrapped {
		// A parameter left the types open until this run: if it has JSON
		// columns, read them again as text (a SELECT changes nothing).
		if runSQL, jsonText, wrapped = wrapJSON(sqlText, shapeOf(cts)); wrapped {
			rows.Close()
			if rows, err = conn.QueryContext(ctx, runSQL, args...); err != nil {
				return nil, 0, err
			}
			if cts, err = rows.ColumnTypes(); err != nil {
				return nil, 0, err
			}
		}
	}
	cols := newColumns(cts, jsonText)

	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var buf []byte
	n := 0
	for rows.Next() {
		if n++; w.opts.MaxRows > 0 && n > w.opts.MaxRows {
			return nil, n, errTooManyRows
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, n, err
		}
		buf = buf[:0]
		if n > 1 {
			buf = append(buf, ',')
		}
		buf = appendRow(buf, cols, vals)
		if _, err := out.Write(buf); err != nil {
			return nil, n, fmt.Errorf("buffer result: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, n, err
	}
	return cols, n, nil
}

// classifyQueryError maps a failed query to the API error.
func (w *Warehouse) classifyQueryError(ctx, reqCtx context.Context, err error) *apiError {
	jobHint := "Run it as a job instead: POST /v3/sql/" + w.opts.Connection +
		`/job with {"query": "CREATE TABLE ... AS SELECT ..."}, then query the result table.`
	switch {
	case errors.Is(context.Cause(ctx), errQueryTimeout):
		return &apiError{
			Status: http.StatusBadRequest,
			Message: fmt.Sprintf("Query exceeded the %s timeout of synchronous queries and was cancelled",
				w.opts.QueryTimeout),
			Hint: jobHint,
		}
	case errors.Is(err, errTooManyRows):
		return &apiError{
			Status: http.StatusBadRequest,
			Message: fmt.Sprintf("Query result exceeds the limit of %d rows for synchronous queries",
				w.opts.MaxRows),
			Hint: "Add a LIMIT or aggregate the data. " + jobHint,
		}
	case w.ctx.Err() != nil:
		return errorf(http.StatusServiceUnavailable, errClosed.Error())
	case reqCtx.Err() != nil:
		// The client is gone; nobody reads this answer.
		return errorf(http.StatusBadRequest, "Request cancelled by the client")
	default:
		// DuckDB's own message (with its "LINE 1: ..." pointer) is the
		// most useful thing we can pass on.
		return errorf(http.StatusBadRequest, strings.TrimSpace(err.Error()))
	}
}

// parseQueryRequest reads q and queryParameters from the query string (GET),
// a JSON body or a form-encoded body (POST).
func parseQueryRequest(rw http.ResponseWriter, r *http.Request) (string, []byte, *apiError) {
	urlQuery := r.URL.Query()
	q := urlQuery.Get("q")
	params := []byte(urlQuery.Get("queryParameters"))
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(rw, r.Body, maxBodyBytes)
		mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mediaType == "application/x-www-form-urlencoded" {
			if err := r.ParseForm(); err != nil {
				return "", nil, bodyError(err)
			}
			if v := r.PostForm.Get("q"); v != "" {
				q = v
			}
			if v := r.PostForm.Get("queryParameters"); v != "" {
				params = []byte(v)
			}
		} else {
			// JSON, also when the client sent no Content-Type.
			body, err := io.ReadAll(r.Body)
			if err != nil {
				return "", nil, bodyError(err)
			}
			if len(bytes.TrimSpace(body)) > 0 {
				var req struct {
					Q               *string         `json:"q"`
					QueryParameters json.RawMessage `json:"queryParameters"`
				}
				if err := json.Unmarshal(body, &req); err != nil {
					return "", nil, errorf(http.StatusBadRequest, "Invalid JSON body: "+err.Error())
				}
				if req.Q != nil {
					q = *req.Q
				}
				if len(req.QueryParameters) > 0 {
					params = req.QueryParameters
				}
			}
		}
	}
	if strings.TrimSpace(q) == "" {
		return "", nil, &apiError{
			Status:  http.StatusBadRequest,
			Message: "Missing q parameter",
			Hint:    `Send the SQL as ?q=... (GET) or as {"q": "..."} (POST)`,
		}
	}
	return q, params, nil
}

// errorKind is the class of a DuckDB error message ("Catalog Error",
// "Parser Error", ...) without the message itself, which may quote the SQL
// and the values in it: the part that may go to logs.
func errorKind(msg string) string {
	if kind, _, ok := strings.Cut(msg, ": "); ok && strings.HasSuffix(kind, " Error") && !strings.ContainsAny(kind, "\n'\"") && len(kind) <= 40 {
		return kind
	}
	return "query error"
}

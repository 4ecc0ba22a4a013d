package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// maxGETURL is where CARTO's own client switches from GET to POST; the edge's limit
// is 8,192 characters.
const maxGETURL = 7000

// QueryService runs synchronous SQL through /v3/sql/{connection}/query.
type QueryService struct{ c *Client }

// QueryRequest is one SQL statement to run.
type QueryRequest struct {
	// Connection is the CARTO connection name; "" uses the client's default.
	Connection string
	// SQL is the statement, in the connection's warehouse dialect.
	SQL string
	// Parameters are bound by the warehouse, never spliced into SQL: a JSON object
	// for named parameters (BigQuery @name) or a JSON array for positional ones
	// (PostgreSQL/Redshift $1, Snowflake :1). nil for none.
	Parameters json.RawMessage
	// Cached asks for CARTO's edge-cached GET path. Results may then be stale (an
	// earlier identical query's answer), so use it only for data known not to change.
	// A URL over 7,000 characters is POSTed anyway.
	Cached bool
}

// QueryLimits caps what Run keeps of a result. Zero means no cap.
type QueryLimits struct {
	// MaxRows is the most rows kept.
	MaxRows int
	// MaxBytes is the most bytes of row values kept (their JSON text).
	MaxBytes int64
	// SchemaLookahead is how many more bytes of a truncated body may be skimmed, not
	// kept, to reach a schema sent after the rows. 0 means 4 MiB; negative, none.
	SchemaLookahead int64
}

// Column is one result column, in the order of the response's schema.
type Column struct {
	Name string `json:"name"`
	// Type is CARTO's type name: number, bigint, string, geometry, timestamp,
	// object, boolean, variant or unknown (other names are kept as sent).
	Type string `json:"type"`
}

// QueryMeta is the response's "meta".
type QueryMeta struct {
	CacheHit            bool   `json:"cacheHit"`
	Location            string `json:"location,omitempty"`
	TotalBytesProcessed string `json:"totalBytesProcessed,omitempty"`
}

// QueryResult is what Run kept of a result.
type QueryResult struct {
	// Columns in schema order. When the schema came after the rows and the body was
	// cut before it, they are the rows' keys in order with type "unknown", and
	// SchemaInferred is true.
	Columns        []Column
	SchemaInferred bool
	// Rows hold each value's exact JSON text (numbers are never rounded), aligned
	// with Columns; a key missing from a row is JSON null.
	Rows [][]json.RawMessage
	// Meta is the response's meta, when it was read.
	Meta QueryMeta
	// Truncated is true when the result had more rows than were kept.
	Truncated bool
	// TruncatedBy is "max_rows" or "max_bytes" when Truncated.
	TruncatedBy string
	// Method is the HTTP method used: POST, or GET for the cached path.
	Method string
}

// Run executes req and decodes its result as a stream, stopping at limits.
func (s *QueryService) Run(ctx context.Context, req *QueryRequest, limits QueryLimits) (*QueryResult, error) {
	return s.run(ctx, req, limits, nil)
}

// RunFunc is Run for a caller that is done with the result when fn returns:
// the bytes the rows are read into and their value slots are then reused by
// a later call, which saves allocating them on every call. So fn must copy
// whatever it keeps of res (a value is a slice of those bytes), and must not
// let any of it reach another goroutine. Its error is RunFunc's.
func (s *QueryService) RunFunc(ctx context.Context, req *QueryRequest, limits QueryLimits, fn func(res *QueryResult) error) error {
	bufs := rowBufferPool.Get().(*rowBuffers)
	defer func() {
		bufs.reset()
		rowBufferPool.Put(bufs)
	}()
	res, err := s.run(ctx, req, limits, bufs)
	if err != nil {
		return err
	}
	if cap(res.Rows) > cap(bufs.rows) {
		bufs.rows = res.Rows[:0] // grown past the pooled one: keep the larger
	}
	return fn(res)
}

func (s *QueryService) run(ctx context.Context, req *QueryRequest, limits QueryLimits, bufs *rowBuffers) (*QueryResult, error) {
	conn, err := s.c.resolveConnection(req.Connection)
	if err != nil {
		return nil, fmt.Errorf("carto: run query: %w", err)
	}
	if err := checkParameters(req.Parameters); err != nil {
		return nil, fmt.Errorf("carto: run query on connection %q: %w", conn, err)
	}
	cl := &call{op: "run query", connection: conn, segments: []string{"v3", "sql", conn, "query"}}
	if req.Cached {
		cl.method, cl.idempotent = http.MethodGet, true
		cl.query = url.Values{"q": {req.SQL}}
		if len(req.Parameters) > 0 {
			cl.query.Set("queryParameters", string(req.Parameters))
		}
		if len(s.c.url(cl).String()) > maxGETURL {
			cl.method, cl.idempotent, cl.query = "", false, nil
		}
	}
	if cl.method == "" {
		// POST is never cached at CARTO's edge, and may have run once it reached
		// CARTO, so it is repeated only if it never did.
		body, err := json.Marshal(struct {
			Q               string          `json:"q"`
			QueryParameters json.RawMessage `json:"queryParameters,omitempty"`
		}{req.SQL, req.Parameters})
		if err != nil {
			return nil, err
		}
		cl.method, cl.body, cl.bodyType = http.MethodPost, body, "application/json"
	}

	resp, err := s.c.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	// Closing without draining drops the connection: right for a body we stopped
	// reading on purpose, and what keeps memory bounded.
	defer resp.Body.Close()
	res, err := decodeQueryResultInto(resp.Body, limits, maxSkippedBytes, bufs)
	if err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return nil, s.c.wrap(cl, fmt.Errorf("reading the result (HTTP %d): %w", resp.StatusCode, err))
	}
	if !res.Truncated {
		drainTail(resp.Body)
	}
	res.Method = cl.method
	return res, nil
}

// maxTail is the most of a body read past the end of a complete result.
const maxTail = 4 << 10

// drainTail reads what follows a complete result (a newline, the end of the
// chunked encoding), so that the connection goes back to the pool: closed
// before its end, it is dropped, and the next call to CARTO dials a new one
// (a TLS handshake) while the result was read in full.
func drainTail(body io.Reader) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, maxTail))
}

// checkParameters accepts nothing, a JSON object or a JSON array, the two forms
// the warehouses take.
func checkParameters(p json.RawMessage) error {
	if len(p) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(p, &v); err != nil {
		return fmt.Errorf("query parameters are not valid JSON: %v", err)
	}
	switch v.(type) {
	case map[string]any, []any, nil:
		return nil
	}
	return fmt.Errorf("query parameters must be a JSON object (named, BigQuery @name) or array (positional, $1 or :1), got %s", p)
}

package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/carto-mcp/carto-mcp/client"
	"github.com/carto-mcp/carto-mcp/discovery"
)

// RunQueryInput is the arguments of run_query.
type RunQueryInput struct {
	SQL        string          `json:"sql" jsonschema:"required,minLength=1" jsonschema_description:"One SQL statement in the connection's warehouse dialect. Name tables in full: BigQuery project.dataset.table (backticks when needed); Snowflake, Redshift and PostgreSQL database.schema.table. Add a LIMIT when exploring."`
	Connection string          `json:"connection,omitempty" jsonschema_description:"Name of the CARTO connection to run on (as listed in the CARTO Workspace under Connections; case-sensitive). Omit it to use the server's default connection."`
	Parameters json.RawMessage `json:"parameters,omitempty" jsonschema:"anyof_type=object;array" jsonschema_description:"Values bound by the warehouse instead of being spliced into the SQL. BigQuery: an object with @name placeholders, e.g. {\"city\": \"Madrid\"} with WHERE name = @city. PostgreSQL and Redshift: an array with $1, $2. Snowflake: an array with :1, :2."`
	MaxRows    int             `json:"max_rows,omitempty" jsonschema:"minimum=1,maximum=10000,default=100" jsonschema_description:"Most rows to return (default 100). A value above the server's maximum is lowered to it. When the query has more rows, truncated is true and notice says how to get the rest."`
	Cached     bool            `json:"cached,omitempty" jsonschema:"default=false" jsonschema_description:"Allow CARTO's edge cache (a GET request). Default false: the query always runs fresh. A cached answer can be an earlier identical query's result, possibly hours old, so use true only for data known not to change, and never to read a table you just wrote."`
}

// Column is one result column.
type Column struct {
	Name string `json:"name" jsonschema:"required" jsonschema_description:"Column name."`
	Type string `json:"type" jsonschema:"required" jsonschema_description:"CARTO's type for the column: number, bigint, string, geometry, timestamp, object, boolean, variant or unknown. In rows, every number of a bigint column is a JSON string holding its exact decimal digits."`
	// NumbersAsStrings is set by appendStructuredRows.
	NumbersAsStrings bool `json:"numbers_as_strings,omitempty" jsonschema_description:"True when numbers of this column are sent in rows as JSON strings holding their exact decimal text, so that no JSON reader rounds them: always for a bigint column; for another column, when it has a number that a 64-bit float cannot hold exactly (an integer beyond ±9007199254740991, or a decimal with more digits than a float keeps), also inside object and array values. Read such a string as an exact number."`
}

// CutValue is a value the byte cap shortened.
type CutValue struct {
	Row       int    `json:"row" jsonschema:"required" jsonschema_description:"Index of the row in rows (0-based)."`
	Column    string `json:"column" jsonschema:"required" jsonschema_description:"Column of the value."`
	Bytes     int    `json:"bytes" jsonschema:"required" jsonschema_description:"Size of the complete value, in bytes of JSON text."`
	KeptBytes int    `json:"kept_bytes" jsonschema:"required" jsonschema_description:"Size of what was kept, in bytes of JSON text: a string is cut to its first characters; any other value is replaced by null."`
}

// QueryMeta is what CARTO reported about how the query ran.
type QueryMeta struct {
	CacheHit            bool   `json:"cache_hit" jsonschema:"required" jsonschema_description:"CARTO's meta.cacheHit: whether the answer came from a cache."`
	Cached              bool   `json:"cached" jsonschema:"required" jsonschema_description:"Whether the edge-cacheable GET path was used (the cached argument, for URLs that fit)."`
	Location            string `json:"location,omitempty" jsonschema_description:"Where the warehouse ran the query, when CARTO reports it."`
	TotalBytesProcessed string `json:"total_bytes_processed,omitempty" jsonschema_description:"Bytes the warehouse processed, as CARTO reports it (a decimal string)."`
	SchemaInferred      bool   `json:"schema_inferred,omitempty" jsonschema_description:"True when CARTO's column types were not read (they came after the part of the answer that was kept): the types are then unknown."`
}

// RunQueryOutput is the structured result of run_query.
type RunQueryOutput struct {
	Connection  string              `json:"connection" jsonschema:"required" jsonschema_description:"Connection the query ran on."`
	Columns     []Column            `json:"columns" jsonschema:"required" jsonschema_description:"Result columns, in order."`
	Rows        [][]json.RawMessage `json:"rows" jsonschema:"required" jsonschema_description:"Result rows, each an array of values aligned with columns. Values are exactly as the warehouse sent them, never rounded: geometries as WKT, GeoJSON or WKB hex, timestamps as strings. A number that a 64-bit float would change (an integer beyond ±9007199254740991, a decimal with more digits than a float keeps), and every number of a bigint column, comes as a JSON string of its exact decimal text; its column then has numbers_as_strings true. The text content has every number bare."`
	RowCount    int                 `json:"row_count" jsonschema:"required,minimum=0" jsonschema_description:"Number of rows in rows."`
	Truncated   bool                `json:"truncated" jsonschema:"required" jsonschema_description:"True when the result is not complete: more rows exist, or values were cut. notice then says how to get the rest."`
	TruncatedBy string              `json:"truncated_by,omitempty" jsonschema:"enum=max_rows,enum=max_bytes" jsonschema_description:"What cut the result: max_rows (the row cap) or max_bytes (the byte cap on the result's text)."`
	RowLimit    int                 `json:"row_limit" jsonschema:"required,minimum=1" jsonschema_description:"The row cap applied: max_rows, or the server's maximum when max_rows was higher."`
	CutValues   []CutValue          `json:"cut_values,omitempty" jsonschema_description:"Values shortened by the byte cap (only when a single row is over it). They are NOT complete; a cut geometry is not a valid geometry."`
	Notice      string              `json:"notice,omitempty" jsonschema_description:"Present when the result needs attention: why it was cut and how to get the rest."`
	Meta        QueryMeta           `json:"meta" jsonschema:"required" jsonschema_description:"How the query ran."`
}

const runQueryDescription = `Run one SQL statement synchronously on a CARTO connection and return its rows.

Use it for reads that finish within about a minute: CARTO stops synchronous queries after 60 s. Use submit_job instead for anything longer, for statements that create or change data (CREATE TABLE ... AS SELECT, INSERT, UPDATE, DELETE, MERGE, DROP) and for CALL procedures such as CALL carto.CREATE_TILESET(...).

Write SQL in the warehouse's own dialect. Table names: BigQuery ` + "`project.dataset.table`" + `; Snowflake, Redshift and PostgreSQL database.schema.table.

Pass values in parameters rather than splicing them into the SQL: BigQuery takes an object and @name placeholders; PostgreSQL and Redshift an array and $1, $2; Snowflake an array and :1, :2.

At most max_rows rows come back (default %d, server maximum %d), and the rows' text is capped at %d bytes. When a cap cuts the result, truncated is true and notice says how to get the rest: narrow the query, aggregate, page with ORDER BY + LIMIT/OFFSET, or write the result to a table with submit_job.

The result lists the column names and types once, then the rows, values exactly as the warehouse sent them: numbers are never rounded, geometries come as WKT, GeoJSON or WKB hex. In the text form each row is one line of comma-separated values, where bare text is a string and anything else is JSON.`

// RunQuery is the run_query tool.
func RunQuery(d *Deps) server.ServerTool {
	desc := d.localize(fmt.Sprintf(runQueryDescription, d.opts.DefaultRows, d.opts.MaxRows, d.opts.MaxTextBytes))
	if d.opts.ReadOnly {
		desc += "\n\nThis server is read-only: only statements that read data are accepted."
	}
	// run_query can run any SQL, so it is read-only only when the server is.
	ann := annotations(d.opts.ReadOnly, !d.opts.ReadOnly, false)
	return server.ServerTool{
		Tool:    mustTool(ToolRunQuery, "Run a SQL query", desc, ann),
		Handler: handle(d, ToolRunQuery, d.runQuery),
	}
}

func (d *Deps) runQuery(ctx context.Context, in RunQueryInput, info *callInfo) (*mcp.CallToolResult, *callError) {
	if strings.TrimSpace(in.SQL) == "" {
		return nil, badArgument("`sql` is empty: pass one SQL statement.")
	}
	params, cerr := checkParameters(in.Parameters)
	if cerr != nil {
		return nil, cerr
	}
	limit, lowered := in.MaxRows, false
	switch {
	case limit == 0:
		limit = d.opts.DefaultRows
	case limit < 0:
		return nil, badArgument("`max_rows` must be at least 1, got %d.", limit)
	case limit > d.opts.MaxRows:
		limit, lowered = d.opts.MaxRows, true
	}

	c := d.carto(ctx)
	conn, cerr := d.callConnection(c, in.Connection, opQuery, info)
	if cerr != nil {
		return nil, cerr
	}
	if d.opts.QueryGuard != nil {
		if err := d.opts.QueryGuard(in.SQL, func() discovery.Provider { return d.provider(ctx, conn) }); err != nil {
			return nil, &callError{kind: "refused", text: "Query refused: " + err.Error()}
		}
	}
	// Both forms are written inside the callback, where the rows are valid:
	// they are copies, so the client can reuse the rows' buffers afterwards.
	var result *mcp.CallToolResult
	err := c.Queries.RunFunc(ctx, &client.QueryRequest{Connection: conn, SQL: in.SQL, Parameters: params, Cached: in.Cached},
		client.QueryLimits{MaxRows: limit, MaxBytes: d.readBudget()}, func(res *client.QueryResult) error {
			out, text := d.shapeQueryResult(conn, res, limit, in.MaxRows, lowered)
			info.attrs = append(info.attrs, slog.Int("rows", out.RowCount), slog.Bool("truncated", out.Truncated))
			result, cerr = queryResult(out, text)
			return nil
		})
	if err != nil {
		return nil, d.describe(opQuery, err)
	}
	return result, cerr
}

// checkParameters accepts an absent or null value, a JSON object or a JSON array.
func checkParameters(p json.RawMessage) (json.RawMessage, *callError) {
	p = bytes.TrimSpace(p)
	if len(p) == 0 || bytes.Equal(p, []byte("null")) {
		return nil, nil
	}
	if p[0] != '{' && p[0] != '[' {
		return nil, badArgument("`parameters` must be a JSON object (BigQuery, @name placeholders) or a JSON array "+
			"(PostgreSQL/Redshift $1, Snowflake :1), not %s. Pass it as JSON, not as a string holding JSON.", snippet(string(p), 80))
	}
	return p, nil
}

func snippet(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && (s[n]&0xC0) == 0x80 {
		n--
	}
	return s[:n] + "…"
}

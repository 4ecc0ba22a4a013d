package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/carto-mcp/carto-mcp/client"
	"github.com/carto-mcp/carto-mcp/discovery"
	"github.com/carto-mcp/carto-mcp/sqlguard"
)

// Limits of describe_table.
const (
	// statsSampleRows is the most rows the statistics read.
	statsSampleRows = 10000
	// maxSampleRows caps sample_rows.
	maxSampleRows = 100
)

// DescribeTableInput is the arguments of describe_table.
type DescribeTableInput struct {
	Connection string `json:"connection,omitempty" jsonschema_description:"The CARTO connection (see list_connections). Omit it for the server's default."`
	Table      string `json:"table,omitempty" jsonschema:"maxLength=3000" jsonschema_description:"The table or view: its path or full_name as list_tables gives it (BigQuery project.dataset.table; Snowflake, Redshift database.schema.table; PostgreSQL and DuckDB database.schema.table or schema.table in the current database; Databricks catalog.schema.table). Give table or sql, not both."`
	SQL        string `json:"sql,omitempty" jsonschema:"maxLength=100000" jsonschema_description:"A SELECT to describe instead of a table: its columns come from running it with LIMIT, and statistics from its first rows."`
	Stats      bool   `json:"stats,omitempty" jsonschema:"default=false" jsonschema_description:"Also compute per-column statistics (min, max, mean, quartiles, null fraction, distinct count, top values, geometry types and bounds) with ONE statement on a bounded sample of at most 10,000 rows."`
	SampleRows int    `json:"sample_rows,omitempty" jsonschema:"minimum=0,maximum=100,default=0" jsonschema_description:"Also return this many rows (at most 100)."`
}

// TableColumn is one column of a table.
type TableColumn struct {
	Name      string `json:"name" jsonschema:"required" jsonschema_description:"Column name."`
	Type      string `json:"type,omitempty" jsonschema_description:"The warehouse's type (from its catalog; absent for a query)."`
	CartoType string `json:"carto_type,omitempty" jsonschema_description:"CARTO's type: number, bigint, string, geometry, timestamp, object, boolean, variant or unknown."`
	Nullable  *bool  `json:"nullable,omitempty" jsonschema_description:"Whether the column may hold NULL, when the catalog says."`
	Spatial   string `json:"spatial,omitempty" jsonschema:"enum=geometry,enum=geography,enum=h3,enum=h3int,enum=quadbin" jsonschema_description:"What spatial data the column holds, if any."`
}

// ValueCount is a value and how often it occurs in the sample.
type ValueCount struct {
	Value json.RawMessage `json:"value" jsonschema:"required" jsonschema_description:"The value (a string for text values)."`
	Count int64           `json:"count" jsonschema:"required,minimum=0" jsonschema_description:"Rows of the sample holding it."`
}

// GeometryInfo describes a table's geometry column.
type GeometryInfo struct {
	Column  string       `json:"column" jsonschema:"required" jsonschema_description:"The geometry column."`
	Types   []ValueCount `json:"types,omitempty" jsonschema_description:"Geometry types in the sample (POINT, POLYGON...) with counts."`
	BBox    []float64    `json:"bbox,omitempty" jsonschema_description:"Bounding box of the sample: [xmin, ymin, xmax, ymax]."`
	Sampled bool         `json:"sampled" jsonschema:"required" jsonschema_description:"True: types and bbox come from a bounded sample, not the whole table."`
}

// ColumnStats are the statistics of one column on the sample.
type ColumnStats struct {
	Column         string            `json:"column" jsonschema:"required" jsonschema_description:"Column name."`
	Kind           string            `json:"kind" jsonschema:"required,enum=number,enum=string,enum=boolean,enum=timestamp,enum=geometry,enum=other" jsonschema_description:"Which statistics apply."`
	NullFraction   float64           `json:"null_fraction" jsonschema:"required,minimum=0,maximum=1" jsonschema_description:"Fraction of sampled rows where the column is NULL."`
	Min            json.RawMessage   `json:"min,omitempty" jsonschema_description:"Smallest value (numbers, timestamps)."`
	Max            json.RawMessage   `json:"max,omitempty" jsonschema_description:"Largest value (numbers, timestamps)."`
	Mean           json.RawMessage   `json:"mean,omitempty" jsonschema_description:"Mean (numbers)."`
	Quartiles      []json.RawMessage `json:"quartiles,omitempty" jsonschema_description:"Approximate 25th, 50th and 75th percentiles (numbers)."`
	ApproxDistinct *int64            `json:"approx_distinct,omitempty" jsonschema_description:"Approximate count of distinct values (strings, booleans)."`
	TopValues      []ValueCount      `json:"top_values,omitempty" jsonschema_description:"The 10 most frequent values with their counts (strings, booleans)."`
	GeometryTypes  []ValueCount      `json:"geometry_types,omitempty" jsonschema_description:"Geometry types with counts (geometries)."`
	BBox           []float64         `json:"bbox,omitempty" jsonschema_description:"Bounding box [xmin, ymin, xmax, ymax] (geometries)."`
}

// StatsInfo says how the statistics were computed.
type StatsInfo struct {
	Sampled     bool          `json:"sampled" jsonschema:"required" jsonschema_description:"True: the statistics describe a bounded sample, not every row."`
	SampleRows  int64         `json:"sample_rows" jsonschema:"required,minimum=0" jsonschema_description:"Rows the sample held."`
	SampleLimit int           `json:"sample_limit" jsonschema:"required" jsonschema_description:"The most rows a sample may hold."`
	Method      string        `json:"method" jsonschema:"required" jsonschema_description:"How rows were picked: block sampling of the table, or its first rows."`
	Columns     []ColumnStats `json:"columns" jsonschema:"required" jsonschema_description:"Per-column statistics, in column order."`
}

// DescribeTableOutput describes a table, view or query.
type DescribeTableOutput struct {
	Connection    string              `json:"connection" jsonschema:"required" jsonschema_description:"The connection."`
	Provider      string              `json:"provider" jsonschema:"required" jsonschema_description:"Its warehouse."`
	Kind          string              `json:"kind" jsonschema:"required,enum=table,enum=view,enum=query" jsonschema_description:"What was described."`
	Table         string              `json:"table,omitempty" jsonschema_description:"The table's path."`
	FullName      string              `json:"full_name,omitempty" jsonschema_description:"The table's name to paste into SQL."`
	Columns       []TableColumn       `json:"columns" jsonschema:"required" jsonschema_description:"The columns, in order."`
	RowCount      *int64              `json:"row_count,omitempty" jsonschema:"minimum=0" jsonschema_description:"Rows, from the warehouse's metadata (an estimate on PostgreSQL and DuckDB), without scanning the table."`
	SizeBytes     *int64              `json:"size_bytes,omitempty" jsonschema:"minimum=0" jsonschema_description:"Storage size, from the warehouse's metadata."`
	Geometry      *GeometryInfo       `json:"geometry,omitempty" jsonschema_description:"The geometry column, when there is one."`
	Stats         *StatsInfo          `json:"stats,omitempty" jsonschema_description:"Per-column statistics, with stats: true."`
	SampleColumns []Column            `json:"sample_columns,omitempty" jsonschema_description:"Columns of sample_rows."`
	SampleRows    [][]json.RawMessage `json:"sample_rows,omitempty" jsonschema_description:"The first rows, values as run_query gives them."`
	Notice        string              `json:"notice,omitempty" jsonschema_description:"What to know about this description."`
}

const describeTableDescription = `Describe a table, view or query before writing SQL against it: its columns with the warehouse's type and CARTO's type, nullability, the spatial columns, the geometry column with its geometry types and bounding box, and the row count from the warehouse's metadata.

With stats: true, per-column statistics from ONE statement on a bounded sample (at most 10,000 rows, picked by the warehouse's block sampling on large tables, so the cost does not grow with the table): numbers (min, max, mean, approximate quartiles), strings and booleans (approximate distinct count, top 10 values), timestamps (min, max), geometries (types, bbox), and every column's null fraction. The result says it was sampled.

Pass table as list_tables gives it (path or full_name), or sql with a SELECT. sample_rows adds a few rows. Use it after list_tables and before run_query.`

// DescribeTable is the describe_table tool.
func DescribeTable(d *Deps) server.ServerTool {
	return server.ServerTool{
		Tool:    mustTool(ToolDescribeTable, "Describe a table", describeTableDescription, annotations(true, false, true)),
		Handler: handle(d, ToolDescribeTable, d.describeTable),
	}
}

func (d *Deps) describeTable(ctx context.Context, in DescribeTableInput, info *callInfo) (*mcp.CallToolResult, *callError) {
	table, query := strings.TrimSpace(in.Table), strings.TrimSpace(in.SQL)
	switch {
	case table == "" && query == "":
		return nil, badArgument("pass `table` (as list_tables gives it) or `sql` (a SELECT).")
	case table != "" && query != "":
		return nil, badArgument("pass `table` or `sql`, not both.")
	case in.SampleRows < 0 || in.SampleRows > maxSampleRows:
		return nil, badArgument("`sample_rows` must be between 0 and %d, got %d.", maxSampleRows, in.SampleRows)
	}
	conn, prov, cerr := d.connectionProvider(ctx, in.Connection)
	info.connection = conn
	if cerr != nil {
		return nil, cerr
	}
	c := d.carto(ctx)
	out := DescribeTableOutput{Connection: conn, Provider: string(prov), Columns: []TableColumn{}}
	var source string
	var est *int64
	if query != "" {
		dialect, _ := prov.Dialect()
		if err := sqlguard.Check(query, dialect); err != nil {
			return nil, &callError{kind: "refused", text: "describe_table only reads: `sql` must be one SELECT (" + err.Error() + ")."}
		}
		stmts, _ := sqlguard.Classify(query, dialect)
		if len(stmts) != 1 {
			return nil, badArgument("`sql` holds %d statements: describe_table describes one SELECT; send them one at a time.", len(stmts))
		}
		if !describable[stmts[0].Keyword] {
			return nil, badArgument("`sql` is a %s statement: describe_table describes a SELECT (or WITH ... SELECT) by reading it as a subquery; run %s with run_query instead.",
				stmts[0].Keyword, stmts[0].Keyword)
		}
		// The statement from its first token to its last: no trailing
		// semicolon or comment, which would break the subquery around it.
		source = "(" + stmts[0].Text + "\n) AS q"
		out.Kind = "query"
	} else {
		path, cerr := d.tablePath(ctx, conn, prov, table)
		if cerr != nil {
			return nil, cerr
		}
		cols, err := discovery.Columns(ctx, c, conn, prov, path)
		if err != nil {
			return nil, describeError(opDiscover, err, d.opts.CallTimeout)
		}
		if len(cols) == 0 {
			return nil, d.missingTable(ctx, conn, prov, path)
		}
		meta, _ := discovery.List(ctx, c, conn, prov, path[:len(path)-1], discovery.ListOptions{NameContains: path[len(path)-1], Limit: maxListLimit})
		out.Kind = "table"
		for _, it := range meta.Items {
			if it.Name == path[len(path)-1] {
				out.Kind, out.RowCount, out.SizeBytes, est = it.Kind, it.RowCount, it.SizeBytes, it.RowCount
			}
		}
		for _, col := range cols {
			out.Columns = append(out.Columns, TableColumn{Name: col.Name, Type: col.Type, Nullable: col.Nullable, Spatial: prov.SpatialKind(col.Name, col.Type)})
		}
		out.Table, out.FullName = discovery.Path(path...), sqlName(prov, path)
		source, _ = prov.TableRef(path)
	}

	// CARTO's types, and the sample rows, from one LIMIT statement: no scan.
	res, err := c.Queries.Run(ctx, &client.QueryRequest{Connection: conn, SQL: fmt.Sprintf("SELECT * FROM %s LIMIT %d", source, in.SampleRows)},
		client.QueryLimits{MaxRows: in.SampleRows, MaxBytes: d.readBudget()})
	if err != nil {
		return nil, describeError(opQuery, err, d.opts.CallTimeout)
	}
	cartoType := map[string]string{}
	for _, col := range res.Columns {
		cartoType[col.Name] = col.Type
	}
	if out.Kind == "query" {
		for _, col := range res.Columns {
			out.Columns = append(out.Columns, TableColumn{Name: col.Name, CartoType: col.Type, Spatial: spatialFromCarto(col.Type)})
		}
	} else {
		for i := range out.Columns {
			out.Columns[i].CartoType = cartoType[out.Columns[i].Name]
		}
	}
	if in.SampleRows > 0 {
		out.SampleColumns = make([]Column, len(res.Columns))
		for i, col := range res.Columns {
			out.SampleColumns[i] = Column{Name: col.Name, Type: col.Type}
		}
		out.SampleRows = res.Rows
		if out.SampleRows == nil {
			out.SampleRows = [][]json.RawMessage{}
		}
	}

	// Statistics, or the geometry column's alone, from ONE sampled statement.
	var statCols []discovery.StatColumn
	geomIdx := -1
	for _, col := range out.Columns {
		kind := discovery.StatKind(col.CartoType, col.Type)
		if col.Spatial == "geometry" || col.Spatial == "geography" {
			kind = "geometry"
		}
		if kind == "geometry" && geomIdx < 0 {
			out.Geometry = &GeometryInfo{Column: col.Name, Sampled: true}
		}
		if in.Stats || (kind == "geometry" && geomIdx < 0) {
			if kind == "geometry" && geomIdx < 0 {
				geomIdx = len(statCols)
			}
			statCols = append(statCols, discovery.StatColumn{Name: col.Name, Kind: kind, Type: col.Type})
		}
	}
	if len(statCols) > 0 {
		opts := discovery.SampleOptions{Rows: statsSampleRows, EstimatedRows: est, Table: out.Kind == "table"}
		st, err := prov.StatsStatement(source, statCols, opts)
		if err != nil {
			return nil, &callError{kind: "internal", text: "carto-mcp could not write the statistics statement: " + err.Error()}
		}
		stats, err := discovery.Stats(ctx, c, conn, st)
		if err != nil {
			return nil, describeError(opQuery, err, d.opts.CallTimeout)
		}
		info := shapeStats(stats, statCols, prov, opts)
		if geomIdx >= 0 {
			g := info.Columns[geomIdx]
			out.Geometry.Types, out.Geometry.BBox = g.GeometryTypes, g.BBox
		}
		if in.Stats {
			out.Stats = info
		}
	}
	if out.Kind == "query" {
		out.Notice = "A query is described from its first rows: its statistics are not a random sample."
	}
	info.attrs = append(info.attrs, slog.Int("columns", len(out.Columns)), slog.Bool("stats", in.Stats))
	return structuredResult(out, renderJSONText(out))
}

// describable are the first words of a statement that reads as a subquery
// ("" for one that starts with a parenthesis; FROM is DuckDB's FROM-first
// SELECT).
var describable = map[string]bool{"SELECT": true, "WITH": true, "VALUES": true, "TABLE": true, "FROM": true, "": true}

func spatialFromCarto(t string) string {
	if t == "geometry" {
		return "geometry"
	}
	return ""
}

// shapeStats turns the statistics rows into per-column statistics.
func shapeStats(stats []discovery.Stat, cols []discovery.StatColumn, p discovery.Provider, o discovery.SampleOptions) *StatsInfo {
	info := &StatsInfo{Sampled: true, SampleLimit: o.Rows, Method: "first rows (LIMIT)", Columns: make([]ColumnStats, len(cols))}
	block := o.BlockSampled(p)
	var blockRows int64
	for i, c := range cols {
		kind := c.Kind
		if kind == "" {
			kind = "other"
		}
		info.Columns[i] = ColumnStats{Column: c.Name, Kind: kind}
	}
	bbox := make([][4]*float64, len(cols))
	for _, s := range stats {
		if s.Col == -1 && s.Count != nil {
			switch s.Name {
			case "rows":
				info.SampleRows = *s.Count
			case discovery.StatBlockRows:
				blockRows = *s.Count
			}
			continue
		}
		if s.Col < 0 || s.Col >= len(cols) {
			continue
		}
		cs := &info.Columns[s.Col]
		val := func() json.RawMessage {
			if s.Value == nil {
				return nil
			}
			return discovery.JSONValue(*s.Value)
		}
		switch s.Name {
		case "nulls":
			if s.Count != nil && info.SampleRows > 0 {
				cs.NullFraction = float64(*s.Count) / float64(info.SampleRows)
			}
		case "min":
			cs.Min = val()
		case "max":
			cs.Max = val()
		case "mean":
			cs.Mean = val()
		case "q1", "q2", "q3":
			if v := val(); v != nil {
				cs.Quartiles = append(cs.Quartiles, v)
			}
		case "distinct":
			cs.ApproxDistinct = s.Count
		case "top", "gtype":
			if s.Value != nil && s.Count != nil {
				vc := ValueCount{Value: stringJSON(*s.Value), Count: *s.Count}
				if s.Name == "top" {
					cs.TopValues = append(cs.TopValues, vc)
				} else {
					cs.GeometryTypes = append(cs.GeometryTypes, vc)
				}
			}
		case "xmin", "ymin", "xmax", "ymax":
			if s.Value != nil {
				if f, err := strconv.ParseFloat(*s.Value, 64); err == nil {
					bbox[s.Col][map[string]int{"xmin": 0, "ymin": 1, "xmax": 2, "ymax": 3}[s.Name]] = &f
				}
			}
		}
	}
	switch {
	case block && (blockRows > 0 || info.SampleRows == 0):
		info.Method = "block sampling of the table, then LIMIT"
	case block:
		info.Method = fmt.Sprintf("first rows (LIMIT): a block sample for the estimated %d rows held none, so the table has far fewer rows than its metadata says", *o.EstimatedRows)
	}
	for i := range cols {
		b := bbox[i]
		if b[0] != nil && b[1] != nil && b[2] != nil && b[3] != nil {
			info.Columns[i].BBox = []float64{*b[0], *b[1], *b[2], *b[3]}
		}
	}
	return info
}

func stringJSON(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

// tablePath parses a table name into its full path. On PostgreSQL and
// DuckDB a schema.table gets the session's current database in front, as
// their SQL resolves it.
func (d *Deps) tablePath(ctx context.Context, conn string, p discovery.Provider, table string) ([]string, *callError) {
	path, err := discovery.ParsePath(table)
	if err != nil {
		return nil, badArgument("`table`: %v.", err)
	}
	want := len(p.Levels()) + 1
	if (p == discovery.Postgres || p == discovery.DuckDB) && len(path) == want-1 {
		db, err := discovery.CurrentDatabase(ctx, d.carto(ctx), conn, p)
		if err != nil {
			return nil, describeError(opDiscover, fmt.Errorf("reading the connection's database: %w", err), d.opts.CallTimeout)
		}
		path = append([]string{db}, path...)
	}
	if len(path) != want {
		parts := "parts"
		if len(path) == 1 {
			parts = "part"
		}
		return nil, badArgument("`table` %s has %d %s, but a %s table is named %s.table; browse with list_tables to find it.",
			discovery.Path(path...), len(path), parts, p.Title(), strings.Join(p.Levels(), "."))
	}
	return path, nil
}

// missingTable explains a table that does not exist, naming those nearby.
func (d *Deps) missingTable(ctx context.Context, conn string, p discovery.Provider, path []string) *callError {
	parent := path[:len(path)-1]
	if cerr := d.missingPath(ctx, conn, p, parent); cerr != nil {
		return cerr
	}
	msg := fmt.Sprintf("There is no table or view %q in %s on connection %q (names are case-sensitive).", path[len(path)-1], discovery.Path(parent...), conn)
	if pg, err := discovery.List(ctx, d.carto(ctx), conn, p, parent, discovery.ListOptions{Limit: maxListLimit}); err == nil {
		if near := discovery.Suggest(path[len(path)-1], itemNames(pg.Items), 5); len(near) > 0 {
			msg += " Did you mean " + quoteNames(near) + "?"
		} else {
			msg += fmt.Sprintf(" List its tables with list_tables, path=%q.", discovery.Path(parent...))
		}
	}
	return &callError{kind: "not_found", text: msg}
}

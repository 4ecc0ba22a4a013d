package localwarehouse

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"sync"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/paulmach/orb"

	"github.com/carto-mcp/carto-mcp/geoparse"

	"github.com/carto-mcp/carto-mcp/tiler"
)

// tilesetProgress is what get_job shows of a running tileset job, under
// provider.tileset. It is written by the job's goroutine and read by views.
type tilesetProgress struct {
	mu sync.Mutex
	p  tilesetProgressJSON
}

type tilesetProgressJSON struct {
	Procedure    string `json:"procedure"`
	OutputTable  string `json:"output_table"`
	Phase        string `json:"phase"` // reading, tiling, committing, done
	RowsRead     int64  `json:"rows_read"`
	Features     int    `json:"features"`
	ZoomMin      int    `json:"zoom_min"`
	ZoomMax      int    `json:"zoom_max"`
	Zoom         int    `json:"zoom"` // zoom of the last tile written
	TilesWritten int64  `json:"tiles_written"`
}

func (t *tilesetProgress) update(f func(p *tilesetProgressJSON)) {
	t.mu.Lock()
	f(&t.p)
	t.mu.Unlock()
}

func (t *tilesetProgress) snapshot() *tilesetProgressJSON {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.p
	return &p
}

// tableName is a resolved three-part table name.
type tableName struct{ catalog, schema, table string }

func (n tableName) String() string { return n.catalog + "." + n.schema + "." + n.table }

func (n tableName) quoted() string {
	return quoteIdent(n.catalog) + "." + quoteIdent(n.schema) + "." + quoteIdent(n.table)
}

// parseTableName reads table, schema.table or catalog.schema.table, each
// part plain or "quoted". It is the only form of input (besides a query in
// parentheses) and output names take, so no other SQL can ride along.
func (w *Warehouse) parseTableName(s, what string) (tableName, error) {
	p := &sqlScanner{s: s}
	var parts []string
	for {
		c := p.peek()
		part, ok := p.namePart()
		if !ok || part == "" || (c != '"' && strings.ContainsAny(part, "-`")) {
			return tableName{}, fmt.Errorf("%s %q is not a table name: use table, schema.table or %s.schema.table (quote parts with \"double quotes\")", what, s, w.opts.Connection)
		}
		if c != '"' {
			part = strings.ToLower(part) // DuckDB folds unquoted names
		}
		parts = append(parts, part)
		if p.peek() != '.' {
			break
		}
		p.pos++
	}
	if p.skipSpace(); p.pos != len(s) || len(parts) > 3 {
		return tableName{}, fmt.Errorf("%s %q is not a table name: use table, schema.table or %s.schema.table", what, s, w.opts.Connection)
	}
	n := tableName{catalog: w.opts.Connection, schema: "main"}
	switch len(parts) {
	case 1:
		n.table = parts[0]
	case 2:
		n.schema, n.table = parts[0], parts[1]
	case 3:
		n.catalog, n.schema, n.table = parts[0], parts[1], parts[2]
		if !strings.EqualFold(n.catalog, w.opts.Connection) {
			return tableName{}, fmt.Errorf("%s %q is in database %q; this local warehouse has only %q", what, s, n.catalog, w.opts.Connection)
		}
		n.catalog = w.opts.Connection
	}
	return n, nil
}

// createTileset runs a tiler CALL: it reads the input, cuts the tiles and
// writes them, with the metadata row, into the output table inside one
// transaction, so that a failure or a cancellation leaves no table behind
// and nobody sees a half-written one. It returns the rows written.
func (w *Warehouse) createTileset(ctx context.Context, call *tilerCall, prog *tilesetProgress) (int64, error) {
	if w.opts.ReadOnly {
		return 0, fmt.Errorf("carto.%s writes a table, and this local warehouse is read-only (--read-only): restart it without --read-only to create tilesets", call.proc)
	}
	var opts tiler.Options
	var err error
	switch call.proc {
	case procSimpleTileset:
		opts, err = tiler.ParseSimpleOptions(call.options)
	case procPointAggregation:
		opts, err = tiler.ParsePointAggregationOptions(call.options)
	default:
		opts, err = tiler.ParseTilesetOptions(call.options)
	}
	if err != nil {
		return 0, err
	}
	out, err := w.parseTableName(call.output, "output_table")
	if err != nil {
		return 0, err
	}
	prog.update(func(p *tilesetProgressJSON) {
		p.Procedure, p.OutputTable, p.Phase = "carto."+call.proc, out.String(), "reading"
		p.ZoomMin, p.ZoomMax = opts.ZoomMin, opts.ZoomMax
	})

	conn, err := w.db.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	if err := checkOutputTable(ctx, conn, out); err != nil {
		return 0, err
	}
	var src tileSource
	if opts.Aggregation != nil {
		src, err = w.readAggregationInput(ctx, conn, call.input, opts, prog)
	} else {
		src, err = w.readTilesetInput(ctx, conn, call.input, &opts, prog)
	}
	if err != nil {
		return 0, err
	}
	prog.update(func(p *tilesetProgressJSON) { p.Phase, p.Features = "tiling", src.Len() })

	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return 0, err
	}
	committed := false
	defer func() {
		if !committed {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	if _, err := conn.ExecContext(ctx, "CREATE TABLE "+out.quoted()+
		" (z INTEGER NOT NULL, x INTEGER, y INTEGER, data BLOB)"); err != nil {
		return 0, fmt.Errorf("create output table %s: %w", out, err)
	}
	var rows int64
	err = conn.Raw(func(dc any) error {
		dconn, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		app, err := duckdb.NewAppender(dconn, out.catalog, out.schema, out.table)
		if err != nil {
			return err
		}
		res, err := src.Tile(ctx, opts, func(t tiler.Tile) error {
			return app.AppendRow(int32(t.Z), int32(t.X), int32(t.Y), t.Data)
		}, func(pr tiler.Progress) {
			prog.update(func(p *tilesetProgressJSON) { p.Zoom, p.TilesWritten = pr.Zoom, pr.Tiles })
		})
		if err == nil {
			prog.update(func(p *tilesetProgressJSON) { p.Phase, p.ZoomMax = "committing", res.ZoomMax })
			err = app.AppendRow(int32(-1), nil, nil, src.Metadata(opts, res))
			rows = res.Tiles + 1
		}
		if cerr := app.Close(); err == nil {
			err = cerr
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return 0, fmt.Errorf("commit output table %s: %w", out, err)
	}
	committed = true
	prog.update(func(p *tilesetProgressJSON) { p.Phase = "done" })
	return rows, nil
}

// tileSource is what a tiler CALL tiles: a simple tileset's features or
// an aggregation tileset's points.
type tileSource interface {
	Len() int
	Tile(ctx context.Context, opts tiler.Options, write func(tiler.Tile) error, progress func(tiler.Progress)) (*tiler.Result, error)
	Metadata(opts tiler.Options, res *tiler.Result) []byte
}

// checkOutputTable fails if the output exists (CARTO's tiler does not
// overwrite) or its schema does not.
func checkOutputTable(ctx context.Context, conn *sql.Conn, out tableName) error {
	var tables, schemas int
	err := conn.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM duckdb_tables() WHERE database_name = $1 AND lower(schema_name) = lower($2) AND lower(table_name) = lower($3))
		+ (SELECT count(*) FROM duckdb_views() WHERE database_name = $1 AND lower(schema_name) = lower($2) AND lower(view_name) = lower($3)),
		(SELECT count(*) FROM duckdb_schemas() WHERE database_name = $1 AND lower(schema_name) = lower($2))`,
		out.catalog, out.schema, out.table).Scan(&tables, &schemas)
	if err != nil {
		return err
	}
	if schemas == 0 {
		return fmt.Errorf("output_table %s: schema %s does not exist; create it first (CREATE SCHEMA %s) or use another schema",
			out, out.schema, quoteIdent(out.schema))
	}
	if tables > 0 {
		return fmt.Errorf("output_table %s already exists; the tiler does not overwrite tables, as on CARTO: "+
			"choose another output_table, or drop the old tileset first (DROP TABLE %s)", out, out)
	}
	return nil
}

// inputRows is the input of a tiler CALL being read: its columns, with
// the geometry column found and checked.
type inputRows struct {
	rows    *sql.Rows
	cts     []*sql.ColumnType
	names   []string
	geomIdx int
}

// openInput runs the input (a table name or a query in parentheses, in
// order when order is set) and finds its geometry column.
func (w *Warehouse) openInput(ctx context.Context, conn *sql.Conn, input, geomColumn, order string) (*inputRows, error) {
	from := strings.TrimSpace(input)
	if strings.HasPrefix(from, "(") {
		if !strings.HasSuffix(from, ")") {
			return nil, fmt.Errorf("input %q starts with ( but does not end with ): wrap the whole query in parentheses", shortSQL(from))
		}
		from += " AS __carto_tileset_input"
	} else {
		n, err := w.parseTableName(from, "input")
		if err != nil {
			return nil, fmt.Errorf("%w; or pass a query in parentheses: (SELECT ...)", err)
		}
		from = n.quoted()
	}
	q := "SELECT * FROM " + from
	if order != "" {
		q += " ORDER BY " + order
	}
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("input %s: %s", shortSQL(input), strings.TrimSpace(err.Error()))
	}
	in := &inputRows{rows: rows, geomIdx: -1}
	if in.cts, err = rows.ColumnTypes(); err != nil {
		rows.Close()
		return nil, err
	}
	in.names = make([]string, len(in.cts))
	for i, ct := range in.cts {
		in.names[i] = ct.Name()
		if strings.EqualFold(ct.Name(), geomColumn) && in.geomIdx < 0 {
			in.geomIdx = i
		}
	}
	if in.geomIdx < 0 {
		rows.Close()
		return nil, fmt.Errorf("the input has no column %q (geom_column); its columns are %s: set geom_column to the one holding the geometries",
			geomColumn, strings.Join(in.names, ", "))
	}
	switch t := strings.ToUpper(in.cts[in.geomIdx].DatabaseTypeName()); {
	case t == "GEOMETRY" || t == "BLOB" || t == "VARCHAR" || strings.HasPrefix(t, "GEOMETRY"):
	default:
		rows.Close()
		return nil, fmt.Errorf("column %q is %s, not a geometry: geom_column must name a GEOMETRY column, or text (WKT or GeoJSON) or WKB; its columns are %s",
			in.names[in.geomIdx], t, strings.Join(in.names, ", "))
	}
	return in, nil
}

// scan reads every row, handing add its geometry and the values of the
// columns propIdx lists, and reports the rows read. It closes the rows.
func (in *inputRows) scan(ctx context.Context, input string, propIdx []int, prog *tilesetProgress,
	add func(row int64, g orb.Geometry, props []any) error) error {
	defer in.rows.Close()
	vals := make([]any, len(in.cts))
	ptrs := make([]any, len(in.cts))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	props := make([]any, len(propIdx))
	var row int64
	for in.rows.Next() {
		row++
		if err := in.rows.Scan(ptrs...); err != nil {
			return err
		}
		g, err := decodeGeometryValue(vals[in.geomIdx])
		if err != nil {
			return fmt.Errorf("input row %d: column %q: %v; fix or filter out that row", row, in.names[in.geomIdx], err)
		}
		for j, i := range propIdx {
			props[j] = vals[i]
		}
		if err := add(row, g, props); err != nil {
			return err
		}
		if row%4096 == 0 {
			prog.update(func(p *tilesetProgressJSON) { p.RowsRead = row })
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
	if err := in.rows.Err(); err != nil {
		return fmt.Errorf("input %s: %s", shortSQL(input), strings.TrimSpace(err.Error()))
	}
	prog.update(func(p *tilesetProgressJSON) { p.RowsRead = row })
	return nil
}

// readTilesetInput loads the input's rows into a tiler source, checking
// the geometry column and the properties against the columns it has.
func (w *Warehouse) readTilesetInput(ctx context.Context, conn *sql.Conn, input string, opts *tiler.Options, prog *tilesetProgress) (*tiler.Source, error) {
	in, err := w.openInput(ctx, conn, input, opts.GeomColumn, opts.TileFeatureOrder)
	if err != nil {
		return nil, err
	}
	propIdx := make([]int, 0, len(in.names))
	if opts.AllProperties {
		opts.Properties = nil
		for i, ct := range in.cts {
			if i != in.geomIdx {
				opts.Properties = append(opts.Properties, tiler.Property{Name: ct.Name(), Type: propertyType(ct.DatabaseTypeName())})
				propIdx = append(propIdx, i)
			}
		}
	} else {
		for _, p := range opts.Properties {
			i := indexFold(in.names, p.Name)
			if i < 0 {
				in.rows.Close()
				return nil, fmt.Errorf("options.properties names %q, which is not a column of the input; its columns are %s",
					p.Name, strings.Join(in.names, ", "))
			}
			propIdx = append(propIdx, i)
		}
	}
	src := tiler.NewSource(opts.Properties)
	if err := in.scan(ctx, input, propIdx, prog, src.Add); err != nil {
		return nil, err
	}
	if src.Len() == 0 {
		return nil, fmt.Errorf("the input has no rows with a geometry in %q: nothing to tile", in.names[in.geomIdx])
	}
	return src, nil
}

// readAggregationInput loads the input's points into a point aggregator,
// checking the columns the formulas and single_point_properties read.
func (w *Warehouse) readAggregationInput(ctx context.Context, conn *sql.Conn, input string, opts tiler.Options, prog *tilesetProgress) (*tiler.PointAggregator, error) {
	in, err := w.openInput(ctx, conn, input, opts.GeomColumn, "")
	if err != nil {
		return nil, err
	}
	for _, p := range opts.Aggregation.Properties {
		if p.Column != "" && indexFold(in.names, p.Column) < 0 {
			in.rows.Close()
			return nil, fmt.Errorf("options.properties.%s: formula %s reads %q, which is not a column of the input; its columns are %s",
				p.Name, p.Formula, p.Column, strings.Join(in.names, ", "))
		}
	}
	for _, p := range opts.Aggregation.SinglePoint {
		if indexFold(in.names, p.Name) < 0 {
			in.rows.Close()
			return nil, fmt.Errorf("options.single_point_properties names %q, which is not a column of the input; its columns are %s "+
				"(a single-point property is a column of the input, written as is in cells of one point)",
				p.Name, strings.Join(in.names, ", "))
		}
	}
	agg := tiler.NewPointAggregator(opts)
	var colIdx []int
	for _, c := range agg.Columns() {
		colIdx = append(colIdx, indexFold(in.names, c))
	}
	if err := in.scan(ctx, input, colIdx, prog, agg.Add); err != nil {
		return nil, err
	}
	if agg.Len() == 0 {
		return nil, fmt.Errorf("the input has no rows with a point in %q: nothing to aggregate", in.names[in.geomIdx])
	}
	return agg, nil
}

// decodeGeometryValue reads a geometry column's value: text (WKT, EWKT,
// GeoJSON, hex WKB, H3 or quadbin cells) through geoparse, the same reader
// the map tools use; WKB bytes (GEOMETRY, BLOB) through orb.
func decodeGeometryValue(v any) (orb.Geometry, error) {
	if s, ok := v.(string); ok {
		g, _, err := geoparse.ParseString(s)
		if errors.Is(err, geoparse.ErrNull) {
			return nil, nil
		}
		return g, err
	}
	return tiler.DecodeGeometry(v)
}

func indexFold(names []string, name string) int {
	for i, n := range names {
		if strings.EqualFold(n, name) {
			return i
		}
	}
	return -1
}

// propertyType is CREATE_TILESET's type for a DuckDB column.
func propertyType(dbType string) tiler.PropertyType {
	t := strings.ToUpper(dbType)
	switch t {
	case "BOOLEAN":
		return tiler.Boolean
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
		"UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE":
		return tiler.Number
	}
	if strings.HasPrefix(t, "DECIMAL") {
		return tiler.Number
	}
	return tiler.String
}

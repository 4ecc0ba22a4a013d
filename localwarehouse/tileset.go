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
	if call.proc == procSimpleTileset {
		opts, err = tiler.ParseSimpleOptions(call.options)
	} else {
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
	src, err := w.readTilesetInput(ctx, conn, call.input, &opts, prog)
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

// readTilesetInput runs the input (a table name or a query in
// parentheses) and loads its rows into a tiler source, checking the
// geometry column and the properties against the columns it has.
func (w *Warehouse) readTilesetInput(ctx context.Context, conn *sql.Conn, input string, opts *tiler.Options, prog *tilesetProgress) (*tiler.Source, error) {
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
	if opts.TileFeatureOrder != "" {
		q += " ORDER BY " + opts.TileFeatureOrder
	}
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("input %s: %s", shortSQL(input), strings.TrimSpace(err.Error()))
	}
	defer rows.Close()
	cts, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}

	names := make([]string, len(cts))
	geomIdx := -1
	for i, ct := range cts {
		names[i] = ct.Name()
		if strings.EqualFold(ct.Name(), opts.GeomColumn) && geomIdx < 0 {
			geomIdx = i
		}
	}
	if geomIdx < 0 {
		return nil, fmt.Errorf("the input has no column %q (geom_column); its columns are %s: set geom_column to the one holding the geometries",
			opts.GeomColumn, strings.Join(names, ", "))
	}
	switch t := strings.ToUpper(cts[geomIdx].DatabaseTypeName()); {
	case t == "GEOMETRY" || t == "BLOB" || t == "VARCHAR" || strings.HasPrefix(t, "GEOMETRY"):
	default:
		return nil, fmt.Errorf("column %q is %s, not a geometry: geom_column must name a GEOMETRY column, or text (WKT or GeoJSON) or WKB; its columns are %s",
			names[geomIdx], t, strings.Join(names, ", "))
	}

	propIdx := make([]int, 0, len(names))
	if opts.AllProperties {
		opts.Properties = nil
		for i, ct := range cts {
			if i != geomIdx {
				opts.Properties = append(opts.Properties, tiler.Property{Name: ct.Name(), Type: propertyType(ct.DatabaseTypeName())})
				propIdx = append(propIdx, i)
			}
		}
	} else {
		for _, p := range opts.Properties {
			i := indexFold(names, p.Name)
			if i < 0 {
				return nil, fmt.Errorf("options.properties names %q, which is not a column of the input; its columns are %s",
					p.Name, strings.Join(names, ", "))
			}
			propIdx = append(propIdx, i)
		}
	}

	src := tiler.NewSource(opts.Properties)
	vals := make([]any, len(cts))
	ptrs := make([]any, len(cts))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	props := make([]any, len(propIdx))
	var row int64
	for rows.Next() {
		row++
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		g, err := decodeGeometryValue(vals[geomIdx])
		if err != nil {
			return nil, fmt.Errorf("input row %d: column %q: %v; fix or filter out that row", row, names[geomIdx], err)
		}
		for j, i := range propIdx {
			props[j] = vals[i]
		}
		if err := src.Add(row, g, props); err != nil {
			return nil, err
		}
		if row%4096 == 0 {
			prog.update(func(p *tilesetProgressJSON) { p.RowsRead = row })
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("input %s: %s", shortSQL(input), strings.TrimSpace(err.Error()))
	}
	prog.update(func(p *tilesetProgressJSON) { p.RowsRead = row })
	if src.Len() == 0 {
		return nil, fmt.Errorf("the input has no rows with a geometry in %q: nothing to tile", names[geomIdx])
	}
	return src, nil
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

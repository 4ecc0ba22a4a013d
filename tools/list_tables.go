package tools

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/carto-mcp/carto-mcp/client"
	"github.com/carto-mcp/carto-mcp/discovery"
)

// Limits of list_tables.
const (
	defaultListLimit = 100
	maxListLimit     = 1000
)

// ListTablesInput is the arguments of list_tables.
type ListTablesInput struct {
	Connection   string `json:"connection,omitempty" jsonschema_description:"The CARTO connection to browse (see list_connections). Omit it for the server's default."`
	Path         string `json:"path,omitempty" jsonschema:"maxLength=3000" jsonschema_description:"Where to look, one level at a time: omit it for the top level (BigQuery projects, Snowflake/Redshift/PostgreSQL/DuckDB databases, Databricks catalogs), then pass an item's path to see inside it (datasets or schemas, then tables and views). Dotted; quote a name holding a dot or quote with double quotes, e.g. mydb.\"my.schema\"."`
	NameContains string `json:"name_contains,omitempty" jsonschema:"maxLength=256" jsonschema_description:"Only names containing this text (case-insensitive)."`
	Limit        int    `json:"limit,omitempty" jsonschema:"minimum=1,maximum=1000,default=100" jsonschema_description:"Most items to return (default 100). When more exist, next_cursor is set."`
	Cursor       string `json:"cursor,omitempty" jsonschema:"maxLength=6000" jsonschema_description:"The next_cursor of the previous call, for the next page (with the same connection, path and name_contains)."`
}

// SpatialColumnInfo is a column holding geometries or spatial index cells.
type SpatialColumnInfo struct {
	Name string `json:"name" jsonschema:"required" jsonschema_description:"Column name."`
	Type string `json:"type" jsonschema:"required" jsonschema_description:"The warehouse's type of the column."`
	Kind string `json:"kind" jsonschema:"required,enum=geometry,enum=geography,enum=h3,enum=h3int,enum=quadbin" jsonschema_description:"What it holds: geometry or geography (a spatial type; on the local warehouse also WKT text named geom), h3 (H3 cell ids as strings), h3int (as integers) or quadbin (Quadbin cell ids)."`
}

// CatalogEntry is one item of a listing.
type CatalogEntry struct {
	Name           string              `json:"name" jsonschema:"required" jsonschema_description:"The item's name."`
	Kind           string              `json:"kind" jsonschema:"required,enum=project,enum=dataset,enum=database,enum=schema,enum=catalog,enum=table,enum=view" jsonschema_description:"What the item is."`
	Path           string              `json:"path" jsonschema:"required" jsonschema_description:"The item's path: pass it as path to list_tables to look inside a container, or as table to describe_table for a table or view."`
	FullName       string              `json:"full_name,omitempty" jsonschema_description:"For tables and views: the name to paste into SQL, quoted as the warehouse needs."`
	RowCount       *int64              `json:"row_count,omitempty" jsonschema:"minimum=0" jsonschema_description:"Rows, from the warehouse's metadata (an estimate on PostgreSQL and DuckDB); absent when the metadata has none (views, Databricks)."`
	SizeBytes      *int64              `json:"size_bytes,omitempty" jsonschema:"minimum=0" jsonschema_description:"Storage size in bytes, from the warehouse's metadata, when it has it."`
	SpatialColumns []SpatialColumnInfo `json:"spatial_columns,omitempty" jsonschema_description:"Columns with geometries or spatial index cells (by type, and for H3 and Quadbin by type and name)."`
}

// ListTablesOutput is one page of a listing.
type ListTablesOutput struct {
	Connection string         `json:"connection" jsonschema:"required" jsonschema_description:"The connection browsed."`
	Provider   string         `json:"provider" jsonschema:"required" jsonschema_description:"Its warehouse."`
	Path       string         `json:"path" jsonschema:"required" jsonschema_description:"The path listed (empty for the top level)."`
	Levels     []string       `json:"levels" jsonschema:"required" jsonschema_description:"The warehouse's levels above tables, outermost first, e.g. [project, dataset]."`
	Items      []CatalogEntry `json:"items" jsonschema:"required" jsonschema_description:"The items, sorted by name."`
	Count      int            `json:"count" jsonschema:"required,minimum=0" jsonschema_description:"Number of items in this page."`
	NextCursor string         `json:"next_cursor,omitempty" jsonschema_description:"Present when more items follow: pass it as cursor, with the same other arguments, for the next page."`
	Notice     string         `json:"notice,omitempty" jsonschema_description:"What to know about this listing."`
}

const listTablesDescription = `Browse a connection's catalog one level at a time, like a file tree: with no path, the top level (BigQuery projects; Snowflake, Redshift, PostgreSQL and local databases; Databricks catalogs); with a project's or database's path, its datasets or schemas; with a dataset's or schema's path, its tables and views.

Each table comes with full_name, ready to paste into SQL, its row count and size where the warehouse's metadata has them (no data is read), and its spatial columns (GEOGRAPHY/GEOMETRY, H3, Quadbin).

Use it after list_connections and before describe_table and run_query, instead of guessing names. Filter with name_contains; page with limit and next_cursor.`

// ListTables is the list_tables tool.
func ListTables(d *Deps) server.ServerTool {
	return server.ServerTool{
		Tool:    mustTool(ToolListTables, "Browse tables", listTablesDescription, annotations(true, false, true)),
		Handler: handle(d, ToolListTables, d.listTables),
	}
}

// listCursor is what next_cursor carries: where the next page starts, and
// the listing it belongs to.
type listCursor struct {
	Connection string `json:"c"`
	Path       string `json:"p"`
	Filter     string `json:"f"`
	Offset     int    `json:"o"`
}

func (c listCursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (listCursor, error) {
	var c listCursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &c) != nil || c.Offset < 0 {
		return c, errors.New("not a cursor this server gave")
	}
	return c, nil
}

func (d *Deps) listTables(ctx context.Context, in ListTablesInput, info *callInfo) (*mcp.CallToolResult, *callError) {
	limit := in.Limit
	switch {
	case limit == 0:
		limit = defaultListLimit
	case limit < 1 || limit > maxListLimit:
		return nil, badArgument("`limit` must be between 1 and %d, got %d.", maxListLimit, limit)
	}
	conn, prov, cerr := d.connectionProvider(ctx, in.Connection)
	info.connection = conn
	if cerr != nil {
		return nil, cerr
	}
	path, err := discovery.ParsePath(in.Path)
	if err != nil {
		return nil, badArgument("`path`: %v.", err)
	}
	canonical := discovery.Path(path...)
	offset := 0
	if in.Cursor != "" {
		cur, err := decodeCursor(in.Cursor)
		if err != nil {
			return nil, badArgument("`cursor`: %v. Pass next_cursor exactly as a list_tables result gave it, or leave cursor out to start again.", err)
		}
		if cur.Connection != conn || cur.Path != canonical || cur.Filter != in.NameContains {
			return nil, badArgument("`cursor` belongs to another listing (connection %q, path %q, name_contains %q): pass the same arguments as that call, or leave cursor out.",
				cur.Connection, cur.Path, cur.Filter)
		}
		offset = cur.Offset
	}
	levels := prov.Levels()
	if len(path) > len(levels) {
		return nil, d.tooDeep(prov, path)
	}
	c := d.carto(ctx)
	pg, err := discovery.List(ctx, c, conn, prov, path, discovery.ListOptions{NameContains: in.NameContains, Limit: limit, Offset: offset})
	if err != nil {
		if cerr := d.missingPath(ctx, conn, prov, path); cerr != nil {
			return nil, cerr
		}
		return nil, describeError(opDiscover, err, d.opts.CallTimeout)
	}
	if len(pg.Items) == 0 && offset == 0 && in.NameContains == "" && len(path) > 0 {
		if cerr := d.missingPath(ctx, conn, prov, path); cerr != nil {
			return nil, cerr
		}
	}
	out := ListTablesOutput{Connection: conn, Provider: string(prov), Path: canonical, Levels: levels, Items: make([]CatalogEntry, 0, len(pg.Items))}
	for _, it := range pg.Items {
		e := CatalogEntry{Name: it.Name, Kind: it.Kind, Path: discovery.Path(it.Path...), RowCount: it.RowCount, SizeBytes: it.SizeBytes}
		if it.Kind == "table" || it.Kind == "view" {
			e.FullName = sqlName(prov, it.Path)
		}
		for _, sc := range it.Spatial {
			e.SpatialColumns = append(e.SpatialColumns, SpatialColumnInfo{Name: sc.Name, Type: sc.Type, Kind: sc.Kind})
		}
		out.Items = append(out.Items, e)
	}
	out.Count = len(out.Items)
	if pg.More {
		out.NextCursor = listCursor{Connection: conn, Path: canonical, Filter: in.NameContains, Offset: offset + len(pg.Items)}.encode()
	}
	switch {
	case len(path) == 0 && prov == discovery.BigQuery:
		out.Notice = "BigQuery cannot list projects in SQL: this is the connection's billing project. To browse another project you can read, pass its id as path."
	case len(path) == 0 && prov == discovery.Postgres:
		out.Notice = "A PostgreSQL connection reaches one database: this one."
	case len(path) == len(levels) && prov == discovery.Databricks:
		out.Notice = "Databricks' information schema has no row counts: describe_table gives them."
	}
	info.attrs = append(info.attrs, slog.Int("items", out.Count), slog.Int("depth", len(path)))
	return structuredResult(out, renderJSONText(out))
}

// sqlName is a table's name to paste into SQL. PostgreSQL's is schema.table:
// its connection's database is implied, and naming another is an error.
func sqlName(p discovery.Provider, path []string) string {
	if p == discovery.Postgres && len(path) == 3 {
		return p.FullName(path[1:]...)
	}
	return p.FullName(path...)
}

// connectionProvider resolves the call's connection and its provider, or
// explains what is wrong, naming connections nearby.
func (d *Deps) connectionProvider(ctx context.Context, name string) (string, discovery.Provider, *callError) {
	c := d.carto(ctx)
	conn := connectionName(c, name)
	if conn == "" {
		return "", "", describeError(opDiscover, client.ErrNoConnection, d.opts.CallTimeout)
	}
	if listing, err := d.providers.List(ctx, c, c.DefaultConnection()); err == nil && listing.Complete {
		known := false
		var names []string
		for _, lc := range listing.Connections {
			known = known || lc.Name == conn
			names = append(names, lc.Name)
		}
		if !known {
			msg := fmt.Sprintf("There is no connection %q among the %d CARTO lists for these credentials (names are case-sensitive).", conn, len(names))
			if d.opts.Local {
				msg = fmt.Sprintf("There is no connection %q on the embedded local warehouse (names are case-sensitive).", conn)
			}
			if near := discovery.Suggest(conn, names, 5); len(near) > 0 {
				msg += " Did you mean " + quoteNames(near) + "?"
			} else {
				msg += " See them with list_connections."
			}
			return conn, "", &callError{kind: "not_found", text: msg}
		}
	}
	found, err := d.providers.Resolve(ctx, c, conn)
	var apiErr *client.APIError
	switch {
	case err == nil && found.Provider != "":
		return conn, found.Provider, nil
	case errors.As(err, &apiErr) && apiErr.StatusCode == 404:
		cerr := describeError(opDiscover, err, d.opts.CallTimeout)
		if near := d.nearConnections(ctx, conn); len(near) > 0 {
			cerr.text += " Did you mean " + quoteNames(near) + "?"
		}
		return conn, "", cerr
	case err != nil && !errors.Is(err, discovery.ErrUnknownProvider):
		return conn, "", describeError(opDiscover, err, d.opts.CallTimeout)
	}
	if apiErr := d.providers.APIError(ctx); apiErr != nil && !discovery.IsRefusal(apiErr) {
		// CARTO failing is the cause to report, not the unknown warehouse.
		return conn, "", describeError(opDiscover, apiErr, d.opts.CallTimeout)
	}
	return conn, "", &callError{kind: "unknown_provider", text: fmt.Sprintf("The warehouse of connection %q could not be learned (CARTO's connections API, "+
		"the server's --connection-provider setting and a probe statement all failed), so its catalog cannot be browsed. "+
		"Ask the user which warehouse it is and to start the server with --connection-provider %s=<provider> (%s); "+
		"meanwhile run_query still works with SQL in that warehouse's dialect.", conn, conn, providerList())}
}

// nearConnections are the known connection names closest to name.
func (d *Deps) nearConnections(ctx context.Context, name string) []string {
	c := d.carto(ctx)
	listing, err := d.providers.List(ctx, c, c.DefaultConnection())
	if err != nil {
		return nil
	}
	var names []string
	for _, conn := range listing.Connections {
		if conn.Name != name {
			names = append(names, conn.Name)
		}
	}
	return discovery.Suggest(name, names, 5)
}

// tooDeep explains a path with more levels than the warehouse has.
func (d *Deps) tooDeep(p discovery.Provider, path []string) *callError {
	levels := p.Levels()
	msg := fmt.Sprintf("`path` %s has %d levels, but %s has %d above its tables (%s).", discovery.Path(path...), len(path), p.Title(),
		len(levels), strings.Join(levels, " > "))
	if len(path) == len(levels)+1 {
		msg += fmt.Sprintf(" It names a table or view: describe it with describe_table, table=%q, or list its %s with path=%q.",
			discovery.Path(path...), levels[len(levels)-1], discovery.Path(path[:len(levels)]...))
	} else {
		msg += fmt.Sprintf(" Pass at most %d dotted parts.", len(levels))
	}
	return &callError{kind: "bad_argument", text: "Invalid arguments: " + msg}
}

// missingPath checks, level by level, that each part of path exists, and
// explains the first that does not with the names nearby. It returns nil
// when every part exists (or the check itself fails: the caller then reports
// its own error).
func (d *Deps) missingPath(ctx context.Context, conn string, p discovery.Provider, path []string) *callError {
	c := d.carto(ctx)
	for depth := range path {
		if depth == 0 && p == discovery.BigQuery {
			continue // projects cannot be listed: any readable project may be browsed
		}
		parent, want := path[:depth], path[depth]
		pg, err := discovery.List(ctx, c, conn, p, parent, discovery.ListOptions{Limit: maxListLimit})
		if err != nil {
			return nil
		}
		var names []string
		found := false
		for _, it := range pg.Items {
			names = append(names, it.Name)
			found = found || it.Name == want
		}
		if found {
			continue
		}
		if pg.More && depth > 0 {
			// Too many to be sure by this page: ask for it by name.
			if byName, err := discovery.List(ctx, c, conn, p, parent, discovery.ListOptions{Limit: maxListLimit, NameContains: want}); err == nil {
				for _, it := range byName.Items {
					if it.Name == want {
						found = true
					}
				}
				names = append(names, itemNames(byName.Items)...)
			}
			if found {
				continue
			}
		}
		kind := p.Levels()[depth]
		msg := fmt.Sprintf("There is no %s %q", kind, want)
		if depth > 0 {
			msg += " in " + discovery.Path(parent...)
		}
		msg += fmt.Sprintf(" on connection %q (names are case-sensitive).", conn)
		if near := discovery.Suggest(want, names, 5); len(near) > 0 {
			msg += " Did you mean " + quoteNames(near) + "?"
		} else if len(names) > 0 {
			msg += fmt.Sprintf(" List the %ss with list_tables, path=%q.", kind, discovery.Path(parent...))
		}
		return &callError{kind: "not_found", text: msg}
	}
	return nil
}

func itemNames(items []discovery.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Name
	}
	return out
}

func quoteNames(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

package tools

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// The prompts: create_tileset (the tileset flow, with the exact Analytics
// Toolbox call for the warehouse) and explore_table (schema, row count, sample).
//
// Names given to a prompt end up inside SQL string literals or SQL text, so
// they are checked rather than escaped: a name with a quote, backslash,
// semicolon, comment marker or control character is refused, because the
// quoting rules differ between warehouses (BigQuery escapes with a backslash,
// the others by doubling) and an escape right for one breaks another.

// The prompt names.
const (
	PromptCreateTileset = "create_tileset"
	PromptExploreTable  = "explore_table"
)

// Zoom levels create_tileset accepts, and its defaults.
const (
	maxTilesetZoom     = 22
	defaultTilesetZoom = 12
)

// promptREs check prompt arguments; compiled on the first prompt rather than at
// program start, which a stdio client waits for.
var promptREs = sync.OnceValue(func() (r struct{ tableName, identifier *regexp.Regexp }) {
	r.tableName = regexp.MustCompile(`^[A-Za-z0-9_$."-]+$`)
	r.identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	return r
})

// Prompts returns the prompts for d's options: explore_table always, and
// create_tileset unless read-only (it needs submit_job).
func Prompts(d *Deps) []server.ServerPrompt {
	out := []server.ServerPrompt{}
	if !d.opts.ReadOnly {
		out = append(out, server.ServerPrompt{Prompt: createTilesetPrompt, Handler: d.createTileset})
	}
	return append(out, server.ServerPrompt{Prompt: exploreTablePrompt, Handler: d.exploreTable})
}

var createTilesetPrompt = mcp.NewPrompt(PromptCreateTileset,
	mcp.WithPromptTitle("Create a tileset"),
	mcp.WithPromptDescription("Build a tileset from a table or query with CARTO's Analytics Toolbox, as a job: the steps, and the exact procedure call for the warehouse, to run with submit_job and follow with get_job."),
	mcp.WithArgument("source", mcp.RequiredArgument(), mcp.ArgumentDescription(
		"The table to tile, fully qualified (BigQuery project.dataset.table; Snowflake, Redshift, PostgreSQL database.schema.table), or a query in parentheses: (SELECT geom, name FROM ...). No quotes, semicolons or comments.")),
	mcp.WithArgument("output", mcp.RequiredArgument(), mcp.ArgumentDescription(
		"The tileset table to create, fully qualified like source. It must not exist yet.")),
	mcp.WithArgument("warehouse", mcp.ArgumentDescription(
		"The connection's warehouse: bigquery, snowflake, postgres, redshift or databricks. Default: learned from the connection (see list_connections).")),
	mcp.WithArgument("zoom_min", mcp.ArgumentDescription("Lowest zoom level to generate, 0 to 22 (default 0).")),
	mcp.WithArgument("zoom_max", mcp.ArgumentDescription(fmt.Sprintf("Highest zoom level to generate, zoom_min to 22 (default %d). Each level has four times the tiles of the one before.", defaultTilesetZoom))),
	mcp.WithArgument("geom_column", mcp.ArgumentDescription("The source's geometry column (default geom).")),
	mcp.WithArgument("connection", mcp.ArgumentDescription("The CARTO connection to run on (default: the server's).")),
)

var exploreTablePrompt = mcp.NewPrompt(PromptExploreTable,
	mcp.WithPromptTitle("Explore a table"),
	mcp.WithPromptDescription("Look at a table step by step with run_query: its columns and types, its row count, a sample of rows, then what stands out."),
	mcp.WithArgument("table", mcp.RequiredArgument(), mcp.ArgumentDescription(
		"The table, fully qualified (BigQuery project.dataset.table; Snowflake, Redshift, PostgreSQL database.schema.table).")),
	mcp.WithArgument("connection", mcp.ArgumentDescription("The CARTO connection to run on (default: the server's).")),
)

// tilesetArgs are create_tileset's checked arguments.
type tilesetArgs struct {
	warehouse        string
	source, output   string // as they go into the procedure call's string literals
	sourceIsQuery    bool
	zoomMin, zoomMax int
	zoomGiven        bool
	geom, connection string
}

func (d *Deps) createTileset(ctx context.Context, req mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	args := req.Params.Arguments
	if strings.TrimSpace(args["warehouse"]) == "" {
		// Learn it from the connection: CARTO's API, the configuration or a probe.
		conn := connectionName(d.carto(ctx), args["connection"])
		if conn != "" {
			if _, err := checkConnection(conn); err == nil {
				if p := d.provider(ctx, conn); p != "" {
					args = maps.Clone(args)
					args["warehouse"] = string(p)
				}
			}
		}
	}
	a, err := parseTilesetArgs(args)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", PromptCreateTileset, err)
	}
	return &mcp.GetPromptResult{
		Description: fmt.Sprintf("Create the %s tileset %s from %s", a.warehouse, a.output, a.source),
		Messages:    []mcp.PromptMessage{{Role: mcp.RoleUser, Content: mcp.NewTextContent(d.tilesetSteps(a))}},
	}, nil
}

func parseTilesetArgs(args map[string]string) (tilesetArgs, error) {
	var a tilesetArgs
	switch w := strings.ToLower(strings.TrimSpace(args["warehouse"])); w {
	case "bigquery", "snowflake", "redshift", "databricks":
		a.warehouse = w
	case "postgres", "postgresql":
		a.warehouse = "postgres"
	case "":
		return a, fmt.Errorf("`warehouse` could not be learned from the connection: pass it (bigquery, snowflake, postgres, redshift or databricks)")
	case "duckdb", "local":
		// The embedded local warehouse runs CARTO's tiler procedures itself.
		a.warehouse = "duckdb"
	default:
		return a, fmt.Errorf("`warehouse` %q is not one of bigquery, snowflake, postgres, redshift, databricks", w)
	}
	src := strings.TrimSpace(args["source"])
	if isQuery(src) {
		q, err := checkQuery(src)
		if err != nil {
			return a, fmt.Errorf("`source`: %w", err)
		}
		a.sourceIsQuery = true
		switch a.warehouse {
		case "snowflake", "redshift":
			a.source = q // their docs pass the query bare
		default:
			a.source = "(" + q + ")"
		}
	} else {
		name, err := checkTableName("source", src, a.warehouse)
		if err != nil {
			return a, err
		}
		a.source = name
	}
	out, err := checkTableName("output", strings.TrimSpace(args["output"]), a.warehouse)
	if err != nil {
		return a, err
	}
	a.output = out
	if a.warehouse == "bigquery" {
		a.output = "`" + out + "`"
		if !a.sourceIsQuery {
			a.source = "`" + a.source + "`"
		}
	}
	a.zoomMin, a.zoomMax = 0, defaultTilesetZoom
	for _, z := range []struct {
		name string
		into *int
	}{{"zoom_min", &a.zoomMin}, {"zoom_max", &a.zoomMax}} {
		v := strings.TrimSpace(args[z.name])
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > maxTilesetZoom {
			return a, fmt.Errorf("`%s` must be a whole number from 0 to %d, got %q", z.name, maxTilesetZoom, v)
		}
		*z.into, a.zoomGiven = n, true
	}
	if a.zoomMin > a.zoomMax {
		return a, fmt.Errorf("`zoom_min` (%d) is above `zoom_max` (%d)", a.zoomMin, a.zoomMax)
	}
	a.geom = "geom"
	if g := strings.TrimSpace(args["geom_column"]); g != "" {
		if !promptREs().identifier.MatchString(g) {
			return a, fmt.Errorf("`geom_column` %q must be a plain column name (letters, digits, underscores)", g)
		}
		a.geom = g
	}
	conn, err := checkConnection(args["connection"])
	if err != nil {
		return a, err
	}
	a.connection = conn
	return a, nil
}

// isQuery reports whether a source is a query rather than a table name.
func isQuery(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "(") || strings.HasPrefix(l, "select ") || strings.HasPrefix(l, "with ") ||
		strings.HasPrefix(l, "select\n") || strings.HasPrefix(l, "with\n")
}

// checkQuery checks a query source and returns it on one line, without its
// outer parentheses. Line breaks become spaces: a single-quoted string cannot
// hold them in BigQuery.
func checkQuery(q string) (string, error) {
	if err := refuseUnsafe(q, true); err != nil {
		return "", err
	}
	q = strings.Join(strings.Fields(q), " ")
	if strings.HasPrefix(q, "(") {
		if !strings.HasSuffix(q, ")") {
			return "", fmt.Errorf("a query that starts with ( must end with )")
		}
		q = strings.TrimSpace(q[1 : len(q)-1])
	}
	if q == "" {
		return "", fmt.Errorf("the query is empty")
	}
	if strings.Count(q, "(") != strings.Count(q, ")") {
		return "", fmt.Errorf("the query's parentheses do not balance")
	}
	if len(q) > 20000 {
		return "", fmt.Errorf("the query is over 20000 characters: save it as a table or view first")
	}
	return q, nil
}

// checkTableName checks a fully qualified table name for warehouse. BigQuery
// names may come in backticks, which are taken off (they are put back around
// the whole name).
func checkTableName(arg, name, warehouse string) (string, error) {
	if name == "" {
		return "", fmt.Errorf("`%s` is required: a fully qualified table name", arg)
	}
	if warehouse == "bigquery" && strings.HasPrefix(name, "`") && strings.HasSuffix(name, "`") && len(name) > 2 {
		name = name[1 : len(name)-1]
	}
	if err := refuseUnsafe(name, false); err != nil {
		return "", fmt.Errorf("`%s`: %w", arg, err)
	}
	if len(name) > 512 || !promptREs().tableName.MatchString(name) || strings.Contains(name, "..") ||
		strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") {
		return "", fmt.Errorf("`%s` %q is not a table name this prompt accepts: letters, digits, _ $ - and dots between the parts "+
			"(double quotes around a part for Snowflake, Redshift and PostgreSQL); for other names, create a view with a plain name first", arg, name)
	}
	if warehouse == "bigquery" && strings.Contains(name, `"`) {
		return "", fmt.Errorf("`%s` %q: BigQuery names take no double quotes", arg, name)
	}
	if !strings.Contains(name, ".") {
		return "", fmt.Errorf("`%s` %q must be fully qualified (BigQuery project.dataset.table; the others database.schema.table or schema.table)", arg, name)
	}
	return name, nil
}

// refuseUnsafe refuses what could end a SQL string literal or comment out the
// rest of a statement. Queries may span lines; names may not.
func refuseUnsafe(s string, query bool) error {
	for _, bad := range []string{"'", `\`, ";", "--", "/*", "*/"} {
		if strings.Contains(s, bad) {
			return fmt.Errorf("it contains %q, which this prompt refuses rather than escape (warehouses quote differently): "+
				"for a query with string literals, save it as a table or view first and pass that", bad)
		}
	}
	if !query && strings.Contains(s, "`") {
		return fmt.Errorf("it contains a backtick inside the name")
	}
	for _, r := range s {
		if r < 0x20 && !(query && (r == '\n' || r == '\t' || r == '\r')) || r == 0x7f {
			return fmt.Errorf("it contains a control character")
		}
	}
	return nil
}

// checkConnection checks an optional connection name.
func checkConnection(c string) (string, error) {
	c = strings.TrimSpace(c)
	if len(c) > 256 {
		return "", fmt.Errorf("`connection` is over 256 characters")
	}
	for _, r := range c {
		if r < 0x20 || r == 0x7f {
			return "", fmt.Errorf("`connection` contains a control character")
		}
	}
	return c, nil
}

// toolArgs renders a tool call's arguments as JSON, with the connection when
// one was given.
func toolArgs(connection string, kv ...any) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s: %s", marshalNoEscape(kv[i]), marshalNoEscape(kv[i+1]))
	}
	if connection != "" {
		fmt.Fprintf(&b, ", \"connection\": %s", marshalNoEscape(connection))
	}
	b.WriteByte('}')
	return b.String()
}

// tilesetCall is the Analytics Toolbox call for a, or "" for a warehouse with
// none.
func tilesetCall(a tilesetArgs) string {
	switch a.warehouse {
	case "bigquery":
		return fmt.Sprintf("CALL carto.CREATE_TILESET('%s', '%s', NULL)", a.source, a.output)
	case "databricks":
		return ""
	}
	return fmt.Sprintf(`CALL carto.CREATE_SIMPLE_TILESET('%s', '%s', '{"geom_column": "%s", "zoom_min": %d, "zoom_max": %d}')`,
		a.source, a.output, a.geom, a.zoomMin, a.zoomMax)
}

// aggregationCall is the Analytics Toolbox's point aggregation call for a,
// or "" for a warehouse without it.
func aggregationCall(a tilesetArgs) string {
	if a.warehouse == "databricks" {
		return ""
	}
	return fmt.Sprintf(`CALL carto.CREATE_POINT_AGGREGATION_TILESET('%s', '%s', '{"geom_column": "%s", "zoom_min": %d, "zoom_max": %d, `+
		`"aggregation_resolution": 6, "aggregation_placement": "cell-centroid", "properties": {"total": {"formula": "COUNT(*)", "type": "Number"}}}')`,
		a.source, a.output, a.geom, a.zoomMin, a.zoomMax)
}

// bigQueryStructCall is the BigQuery call with explicit options (the STRUCT's
// fields in the order CARTO documents them).
func bigQueryStructCall(a tilesetArgs) string {
	return fmt.Sprintf("CALL carto.CREATE_TILESET('%s', '%s', STRUCT(NULL AS name, NULL AS description, NULL AS legend, "+
		"%d AS zoom_min, %d AS zoom_max, '%s' AS geom_column_name, NULL AS zoom_min_column, NULL AS zoom_max_column, "+
		"NULL AS max_tile_size_kb, NULL AS tile_feature_order, NULL AS drop_duplicates, NULL AS extra_metadata))",
		a.source, a.output, a.zoomMin, a.zoomMax, a.geom)
}

func (d *Deps) tilesetSteps(a tilesetArgs) string {
	var b strings.Builder
	on := "the server's default connection"
	if a.connection != "" {
		on = "connection " + a.connection
	}
	source := a.source
	if a.sourceIsQuery && !strings.HasPrefix(source, "(") {
		source = "(" + source + ")"
	}
	fmt.Fprintf(&b, "Create a tileset from %s into the table %s (zoom levels %d to %d) on %s (%s), with CARTO's Analytics Toolbox, as a job.\n\n",
		source, a.output, a.zoomMin, a.zoomMax, on, a.warehouse)
	if a.warehouse == "duckdb" {
		b.WriteString("This is the embedded local warehouse (--local): carto-mcp runs CARTO's tiler itself, offline, and writes the same table " +
			"as CARTO on PostgreSQL and BigQuery (z, x, y, data: gzip-compressed Mapbox Vector Tiles, layer default, plus a z = -1 metadata row).\n\n")
	}
	call := tilesetCall(a)
	if call == "" {
		b.WriteString("CARTO's Analytics Toolbox for Databricks, as documented, has no tileset procedure (its modules are location data services: " +
			"geocoding, routing, isolines), so this server cannot give an exact call. Tell the user, and suggest instead: " +
			"showing the table in CARTO Builder, which tiles Databricks data dynamically; or aggregating it to a spatial index " +
			"(H3 cells, with Databricks' native h3_ functions) in a job written with submit_job. " +
			"Check the source first with run_query: " + toolArgs(a.connection, "sql", "SELECT * FROM "+source+" AS src LIMIT 1") + ".\n")
		return b.String()
	}
	wait := d.opts.MaxWaitSeconds
	submit := toolArgs(a.connection, "sql", call)
	get := `{"job_id": "<job_id>"}`
	if wait > 0 {
		submit = toolArgs(a.connection, "sql", call, "wait_seconds", wait)
		get = fmt.Sprintf(`{"job_id": "<job_id>", "wait_seconds": %d}`, wait)
	}
	fmt.Fprintf(&b, "1. Check the source with run_query: %s. It must have rows and a geometry column named %s",
		toolArgs(a.connection, "sql", "SELECT * FROM "+source+" AS src LIMIT 1"), a.geom)
	if a.warehouse == "snowflake" {
		b.WriteString(" (Snowflake matches the column name's case exactly: unquoted columns are upper case, e.g. GEOM)")
	}
	b.WriteString(". If it is named otherwise, get this prompt again with geom_column.\n")
	fmt.Fprintf(&b, "2. The output table %s must not exist: tileset procedures refuse to overwrite. If it exists, ask the user before dropping it, or pick another name.\n", a.output)
	fmt.Fprintf(&b, "3. Submit the procedure call with submit_job, with exactly these arguments:\n%s\nThe SQL it runs:\n%s\n", submit, call)
	if agg := aggregationCall(a); agg != "" {
		fmt.Fprintf(&b, "If the source holds many points (hundreds of thousands or more) and the user wants densities rather than each point, "+
			"an aggregation tileset is lighter: each zoom level's points grouped into cells (aggregation_resolution 6: 4^6 cells per tile), "+
			"with aggregated properties (formulas such as COUNT(*), SUM(column), AVG(column)). Offer it, and submit instead:\n%s\n", toolArgs(a.connection, "sql", agg))
	}
	if a.warehouse == "bigquery" && a.zoomGiven {
		fmt.Fprintf(&b, "With NULL options BigQuery's CREATE_TILESET picks the zoom range itself. To force zoom levels %d to %d, run this instead:\n%s\n",
			a.zoomMin, a.zoomMax, bigQueryStructCall(a))
	}
	fmt.Fprintf(&b, "4. If the result has done false, follow the job with get_job %s until done is true (it returns as soon as the job ends). "+
		"Tileset jobs can take minutes; never submit the call again while it runs (list_jobs shows running jobs). "+
		"Clients that support MCP tasks may instead call submit_job as a task; clients that support subscriptions may subscribe to the job's resource_uri. "+
		"cancel_job stops the job if the user asks.\n", get)
	if a.warehouse == "duckdb" {
		b.WriteString("   While it runs, the job's provider.tileset shows the progress: phase (reading, tiling, committing), rows_read, tiles_written and the zoom of the last tile; tell the user.\n")
	}
	fmt.Fprintf(&b, "5. When status is success, check the tileset with run_query: %s. ",
		toolArgs(a.connection, "sql", "SELECT z, count(*) AS tiles FROM "+a.output+" GROUP BY z ORDER BY z"))
	if a.warehouse == "duckdb" {
		fmt.Fprintf(&b, "Then read the metadata row (bounds, center, zoom range, vector_layers with field types, tilestats): run_query %s.\n",
			toolArgs(a.connection, "sql", "SELECT decode(data) AS metadata FROM "+a.output+" WHERE z = -1"))
		fmt.Fprintf(&b, "6. View it: call view_map %s to show it on a map in the chat (the map loads its tiles through get_tileset_tile as the user pans and zooms; "+
			"add \"zoom\" within the tileset's zoom range to open closer). The local warehouse also serves it as CARTO's Maps API does, TileJSON at /v3/maps/<connection>/tileset?name=%s with the tiles "+
			"at /v3/maps/<connection>/tileset/{z}/{x}/{y}?name=%s, for MapLibre and deck.gl.\n", toolArgs(a.connection, "tileset", a.output), a.output, a.output)
		b.WriteString("If it failed, read error.msg: it names what to change (the option, the column, the input row, or a lower zoom_max); the output table is not left behind.\n")
		return b.String()
	}
	fmt.Fprintf(&b, "6. View it: call view_map %s to show it on a map in the chat (it loads the tiles through CARTO's Maps API as the user pans and zooms).\n",
		toolArgs(a.connection, "tileset", a.output))
	b.WriteString("If it failed, read error.msg: \"already exists\" means the output table exists (step 2); a procedure that is not found, " +
		"or a permission error, means the Analytics Toolbox is not installed or not granted on this connection, or lives under another name " +
		"(for BigQuery often `carto-un`.carto or `carto-un-eu`.carto): ask the user rather than guess.\n")
	return b.String()
}

func (d *Deps) exploreTable(_ context.Context, req mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	table := strings.TrimSpace(req.Params.Arguments["table"])
	quoted := strings.HasPrefix(table, "`") && strings.HasSuffix(table, "`") && len(table) > 2
	name, err := checkTableName("table", table, map[bool]string{true: "bigquery", false: ""}[quoted])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", PromptExploreTable, err)
	}
	if quoted || (strings.Contains(name, "-") && !strings.Contains(name, `"`)) {
		name = "`" + name + "`" // BigQuery: project ids have dashes
	}
	conn, err := checkConnection(req.Params.Arguments["connection"])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", PromptExploreTable, err)
	}
	on := "the server's default connection"
	if conn != "" {
		on = "connection " + conn
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Explore the table %s on %s with run_query, one step at a time, then summarize for the user what it holds.\n\n", name, on)
	fmt.Fprintf(&b, "1. Columns and types, reading no rows: run_query %s. The result's columns list each name and CARTO type (geometry columns have type geometry).\n",
		toolArgs(conn, "sql", "SELECT * FROM "+name+" LIMIT 0"))
	fmt.Fprintf(&b, "2. Size: run_query %s.\n", toolArgs(conn, "sql", "SELECT count(*) AS row_count FROM "+name))
	fmt.Fprintf(&b, "3. A sample: run_query %s. Long values such as geometries may be cut (see notice): select fewer columns, "+
		"or a geometry's centroid or bounding box instead.\n", toolArgs(conn, "sql", "SELECT * FROM "+name+" LIMIT 10", "max_rows", 10))
	b.WriteString("4. Then follow what the sample shows, keeping every query bounded with LIMIT or aggregates: the most frequent values of a categorical column " +
		"(SELECT col, count(*) AS n FROM ... GROUP BY col ORDER BY n DESC LIMIT 20), the range of numeric and time columns (min, max), " +
		"how many values are null, the extent of the geometries.\n")
	b.WriteString("Write SQL in the connection's warehouse dialect. If a count or scan takes over a minute, run it with submit_job " +
		"(CREATE TABLE ... AS SELECT) and wait_seconds instead.\n")
	return &mcp.GetPromptResult{
		Description: "Explore " + name,
		Messages:    []mcp.PromptMessage{{Role: mcp.RoleUser, Content: mcp.NewTextContent(b.String())}},
	}, nil
}

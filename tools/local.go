package tools

import (
	"fmt"
	"strings"
)

// What the model is told differs on the embedded local warehouse (--local):
// it is DuckDB, not one of CARTO's warehouses, so its SQL, names and
// placeholders are DuckDB's (":1" is a syntax error there), it has no
// Analytics Toolbox, and its jobs run inside this server and stop with it.
// Everything here is chosen by Options.Local.

// localInstructions replace the first paragraph of the server instructions
// (what the server runs on); %[1]s is the connection.
const localInstructions = `carto-mcp runs SQL on its embedded local warehouse: DuckDB, inside this server, with no CARTO account and no network. Its one connection is %[1]s (omit connection to use it).

- Write DuckDB SQL. Tables have three-part names, %[1]s.schema.table, or schema.table. The demo data (unless the database file has none): %[1]s.demo.cities (city_id, name, country, iso_a2, iso_a3, population, lon, lat, geom), %[1]s.demo.countries (iso_a3, iso_a2, name, continent, population, geom) and %[1]s.demo.stores (store_id, name, category, city_id, city, iso_a3, revenue, opened_at, lon, lat, geom). List tables with SHOW ALL TABLES or information_schema.tables.
- Geometries are WKT text in columns named geom (or *_geom), or GEOMETRY values. Spatial SQL takes either: ST_GEOMFROMTEXT, ST_POINT, ST_X, ST_Y, ST_CENTROID, ST_AREA, ST_LENGTH, ST_DISTANCE (metres), ST_INTERSECTS, ST_CONTAINS, ST_ASGEOJSON, and QUADBIN_* and H3_* functions, also as carto.<NAME> as in CARTO's Analytics Toolbox.
- Pass values in parameters: an array for $1, $2 (or ?), or an object for @name (or $name). Every placeholder needs a value and every value a placeholder. Do not use :1 (a DuckDB syntax error).`

// cartoOnlyLines are the instruction lines about CARTO's warehouses that
// localInstructions replace.
var cartoOnlyLines = []string{
	"- Every call runs on a named CARTO connection.",
	"- Write SQL in the connection's warehouse dialect",
	"- Pass values in parameters instead of splicing them into SQL.",
}

const localJobsLine = `- Jobs run inside this server, in its warehouse: they are cancelled when the server stops. Tilesets work as on CARTO: submit_job with CALL carto.CREATE_TILESET('(SELECT name, geom FROM demo.cities)', 'demo.cities_tiles', NULL), carto.CREATE_SIMPLE_TILESET, or carto.CREATE_POINT_AGGREGATION_TILESET (points aggregated into cells per zoom, with COUNT, SUM, AVG, MIN and MAX properties, and single_point_properties such as {"name": "String"} that cells of one point carry).`

// instructions is what the server tells the model at initialization.
func (d *Deps) instructions() string {
	s := Instructions(d.opts.ReadOnly)
	if !d.opts.Local {
		return s
	}
	_, rest, _ := strings.Cut(s, "\n\n") // the first paragraph is CARTO's
	var b strings.Builder
	fmt.Fprintf(&b, localInstructions, d.opts.Client.DefaultConnection())
	for _, line := range strings.Split(rest, "\n") {
		drop := false
		for _, prefix := range cartoOnlyLines {
			drop = drop || strings.HasPrefix(line, prefix)
		}
		if drop {
			continue
		}
		if strings.HasPrefix(line, "- Clients that support MCP tasks") && !d.opts.ReadOnly {
			b.WriteString("\n" + localJobsLine)
		}
		b.WriteString("\n" + line)
	}
	return b.String()
}

// The run_query and submit_job paragraphs that differ locally.
const (
	cartoDialectParagraph = "Write SQL in the warehouse's own dialect. Table names: BigQuery `project.dataset.table`; Snowflake, Redshift and PostgreSQL database.schema.table."
	localDialectParagraph = "Write DuckDB SQL: this server runs on its embedded local warehouse (DuckDB). Table names: connection.schema.table or schema.table, e.g. carto_local.demo.cities; SHOW ALL TABLES lists them."

	cartoParamsParagraph = "Pass values in parameters rather than splicing them into the SQL: BigQuery takes an object and @name placeholders; PostgreSQL and Redshift an array and $1, $2; Snowflake an array and :1, :2."
	localParamsParagraph = "Pass values in parameters rather than splicing them into the SQL: an array for $1, $2 (or ?), or an object for @name (or $name). Every placeholder needs a value and every value a placeholder; :1 is not DuckDB syntax."

	cartoSubmitNames = "Table names: BigQuery project.dataset.table; Snowflake, Redshift and PostgreSQL database.schema.table. Parameters as in run_query."
	localSubmitNames = "Write DuckDB SQL: this server runs on its embedded local warehouse (DuckDB), where jobs run inside the server and are cancelled when it stops. Table names: connection.schema.table or schema.table (e.g. demo.stores). Parameters as in run_query. The tileset procedures above work here too, with those names."
)

// localize rewrites a tool description for the local warehouse.
func (d *Deps) localize(desc string) string {
	if !d.opts.Local {
		return desc
	}
	return strings.NewReplacer(
		cartoDialectParagraph, localDialectParagraph,
		cartoParamsParagraph, localParamsParagraph,
		cartoSubmitNames, localSubmitNames,
		"CARTO stops synchronous queries after 60 s", "the warehouse stops synchronous queries after 60 s",
	).Replace(desc)
}

// localSQLAdvice replaces cartoSQLAdvice (errors.go) on the local warehouse.
const localSQLAdvice = "DuckDB rejected the SQL: fix it using the message above and try again. Check the table names " +
	"(connection.schema.table or schema.table, e.g. carto_local.demo.cities; SHOW ALL TABLES lists them), the column names, " +
	"DuckDB's SQL syntax, and that `parameters` match the placeholders: an array for $1, $2 (or ?), an object for @name (not :1)."

// describe is describeError, with the advice for rejected SQL fitted to the
// warehouse.
func (d *Deps) describe(op opKind, err error) *callError {
	cerr := describeError(op, err, d.opts.CallTimeout)
	if d.opts.Local {
		cerr.text = strings.Replace(cerr.text, cartoSQLAdvice, localSQLAdvice, 1)
	}
	return cerr
}

// jobNoun is how results name a job: a CARTO job, or a job of the local
// warehouse.
func (d *Deps) jobNoun() string {
	if d.opts.Local {
		return "Job"
	}
	return "CARTO job"
}

// jobHome is where a job runs, for "it keeps running in ...".
func (d *Deps) jobHome() string {
	if d.opts.Local {
		return "the local warehouse"
	}
	return "CARTO"
}

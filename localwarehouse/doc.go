// Package localwarehouse is an embedded, offline stand-in for CARTO: an
// in-process warehouse on DuckDB that serves the CARTO SQL API v3
// (/v3/sql/...) with demo data, so the MCP server can run without a CARTO
// account. It implements the contract in shared/carto/contract.md; where the
// contract leaves a detail open, the choice made here is documented below.
//
//	w, err := localwarehouse.New(ctx, localwarehouse.Options{})
//	...
//	defer w.Close()
//	http.ListenAndServe("127.0.0.1:8090", w.Handler())
//
// # Connection and names
//
// The warehouse serves exactly one connection, Options.Connection (default
// DefaultConnection, "carto_local"). The connection name is also the name of
// the DuckDB catalog (database) holding the data, so tables are addressed
// with three-part names, like in CARTO's Snowflake and PostgreSQL
// connections:
//
//	SELECT name, population FROM carto_local.demo.cities ORDER BY population DESC LIMIT 5
//
// Every query starts in that catalog, so demo.cities works too. DuckDB's
// default "memory" catalog is detached: the connection's catalog is the only
// place tables can go. Any other connection name in a URL gets a 404.
//
// # Endpoints
//
//	GET  /v3/sql/{connection}/query?q=SQL[&queryParameters=JSON]
//	POST /v3/sql/{connection}/query  {"q": SQL, "queryParameters": JSON}  (or form-encoded q=...)
//	POST /v3/sql/{connection}/job    {"query": SQL, "queryParameters": JSON, "metadata": {...}}  -> 201 Created
//	GET  /v3/sql/{connection}/job/{jobId}
//	DELETE /v3/sql/{connection}/job/{jobId}
//	GET  /v3/sql/jobs                -> JSON array of the pending and running jobs
//	GET  /v3/maps/{connection}/tileset?name=T               -> TileJSON of tileset T (see Tilesets)
//	GET  /v3/maps/{connection}/tileset/{z}/{x}/{y}?name=T   -> one tile of T, MVT
//
// A query response is
//
//	{"schema":[{"name":"city","type":"string"},...],"rows":[{"city":"Tokyo",...},...],
//	 "meta":{"cacheHit":false,"location":"local","totalBytesProcessed":"0"}}
//
// with "schema" before "rows", so that a streaming client learns the column
// order and types first, and with every row's keys in column order. Columns
// with duplicate names (SELECT 1 AS a, 2 AS a) are renamed a, a_1, as DuckDB
// does for subqueries, because JSON objects cannot hold both. A script of
// several statements separated by ";" runs in order and returns the result
// of the last one.
//
// Every request runs on a fresh DuckDB connection, so session state (USE,
// SET, BEGIN, temporary tables) never leaks from one request to the next,
// just as each CARTO API call is independent.
//
// # Types
//
// DuckDB types map to CARTO's schema types as follows:
//
//	number     TINYINT, SMALLINT, INTEGER, their unsigned forms, FLOAT, DOUBLE, DECIMAL
//	bigint     BIGINT, UBIGINT, HUGEINT, UHUGEINT, BIGNUM
//	string     VARCHAR, ENUM, UUID, BLOB (base64), BIT, INTERVAL (ISO 8601 duration, e.g. "P1DT2H")
//	geometry   GEOMETRY, and VARCHAR columns named by the geometry convention (below)
//	timestamp  TIMESTAMP[_S|_MS|_NS], TIMESTAMPTZ, DATE, TIME, TIMETZ
//	object     LIST, ARRAY, STRUCT, MAP, JSON
//	boolean    BOOLEAN
//	variant    UNION
//	unknown    anything else
//
// Numbers are written as exact JSON number literals: BIGINT and HUGEINT
// values digit for digit (never through float64), DECIMAL values from their
// unscaled integer with their scale kept (12.30 stays 12.30), and a JSON
// column's text as it is, keys in order (see exactjson.go). NaN and
// infinities become null, as JSON.stringify does in CARTO's Node.js API.
// TIMESTAMP, TIMESTAMPTZ and DATE values are RFC 3339 date-times in UTC
// ("2021-03-04T05:06:07.123456Z", a DATE as "2021-03-04T00:00:00Z"; a
// TIMESTAMP without time zone is read as UTC). 'infinity' and '-infinity'
// dates and timestamps are null, as CARTO's Node.js API writes them; a year
// outside 0000-9999 uses ISO 8601's expanded form ("+294247-01-10T00:00:00Z"),
// as JavaScript does. TIME and TIMETZ are RFC 3339
// partial times ("05:06:07", "05:06:07+02:00"). STRUCT values come from the
// driver as Go maps, so their keys are sorted rather than in declared order;
// a MAP with string keys becomes a JSON object, any other MAP an array of
// {"key","value"} entries. DuckDB's VARIANT type cannot be read by the
// driver and fails the query: cast it first.
//
// # Geometry
//
// DuckDB's spatial extension is not available offline, so geometries are
// handled without it, in one of two ways:
//
//   - By name: a VARCHAR column named geom, the_geom, geometry, or ending in
//     _geom (case-insensitive) holds WKT text and is reported as
//     "geometry". This is how the demo tables store their geometries, and
//     the way to mark a column of your own: name it, or alias it in the
//     query (SELECT wkt AS geom ...).
//   - By type: DuckDB 1.5 has a GEOMETRY type in its core (no extension
//     needed) that parses WKT on cast: CREATE TABLE t (g GEOMETRY) and
//     INSERT ... VALUES ('POINT (1 2)'), or SELECT 'POINT (1 2)'::GEOMETRY.
//     GEOMETRY columns are reported as "geometry" whatever their name, and
//     their values are written as WKT in DuckDB's ST_AsText style. ST_AsText
//     is also available in SQL, with the functions below.
//
// A DuckDB user type alias (CREATE TYPE ... AS VARCHAR) cannot serve as a
// marker: DuckDB resolves it to the base type, and result columns no longer
// carry the alias name.
//
// # Spatial SQL
//
// New registers Go implementations of CARTO's and BigQuery's spatial
// functions (package duckspatial, which documents each one and what is exact
// and what is not): ST_GEOMFROMTEXT, ST_GEOGFROMTEXT, ST_GEOMFROMGEOJSON,
// ST_POINT, ST_GEOGPOINT, ST_MAKEENVELOPE, ST_X, ST_Y, ST_ENVELOPE,
// ST_CENTROID, ST_AREA, ST_LENGTH, ST_DISTANCE (metres, on the sphere),
// ST_INTERSECTS, ST_CONTAINS (planar), ST_ASGEOJSON, QUADBIN_FROMLONGLAT,
// QUADBIN_FROMZXY, QUADBIN_TOZXY, QUADBIN_RESOLUTION, QUADBIN_TOPARENT,
// QUADBIN_BOUNDARY, QUADBIN_CENTER, H3_FROMLONGLAT, H3_RESOLUTION,
// H3_TOPARENT, H3_BOUNDARY and H3_CENTER (H3 indexes as strings, quadbins as
// BIGINT). Each is reachable unqualified and, as with CARTO's Analytics
// Toolbox, as carto.<NAME>:
//
//	SELECT carto.QUADBIN_FROMLONGLAT(lon, lat, 10) AS quadbin, count(*) AS stores
//	FROM demo.stores GROUP BY 1
//
// carto is a catalog of macros that call the functions, built in the
// warehouse's temporary directory and attached READ_ONLY, so it can never
// hold a table (and a connection cannot be named carto). Geometry arguments
// take GEOMETRY or WKT text, so the demo tables' text geom columns work as
// they are: ST_CONTAINS(ST_GEOMFROMTEXT(c.geom), ST_GEOMFROMTEXT(s.geom)), or
// simply ST_CONTAINS(c.geom, s.geom). GEOMETRY results come back as WKT, like
// every GEOMETRY column. The demo tables keep their WKT text columns rather
// than GEOMETRY ones: results and types are the same either way, and text
// keeps ST_GEOMFROMTEXT(geom) - the BigQuery idiom for a WKT column - and
// string functions on geom working.
//
// # Query parameters
//
// queryParameters is JSON: a string holding JSON in a GET query string, a
// JSON value in a POST body. An array binds positionally to $1, $2, ... (or
// ?). An object binds by name, BigQuery style: @name in the SQL is rewritten
// to DuckDB's $name by a scanner that leaves string literals, quoted
// identifiers, comments and dollar-quoted strings alone ($name also works
// directly). Values are always bound as prepared-statement parameters,
// never spliced into the SQL text. Integers bind as BIGINT (or a big integer
// beyond 64 bits), other numbers as DOUBLE, strings as VARCHAR (DuckDB casts
// them where a DATE or TIMESTAMP is expected), arrays as lists
// (x = ANY($ids)) and objects as JSON text. With an object, every @name in
// the SQL must be present (DuckDB would otherwise bind a missing name by
// position), names must start with a letter, and @ is always a parameter
// marker: write abs(x), not @x. @@name (a BigQuery system variable) is left
// alone. Placeholders and values must match: a placeholder with no
// queryParameters, a named value no placeholder uses, or more positional
// values than placeholders is a 400 that says so (DuckDB would give a binder
// error, or drop the extra values in silence).
//
// # Limits and errors
//
// Synchronous queries are cancelled after Options.QueryTimeout (default 60s,
// CARTO's 1 minute) and refused beyond Options.MaxRows rows (default
// 200,000); both give a 400 whose hint suggests a job. Jobs have neither
// limit. The rows of a synchronous result are encoded as they are read
// and held in a spool (memory up to 4 MiB, then a temporary file) until the
// result is known to be within MaxRows; only then are the status and the
// body sent. duckdb-go materializes results inside DuckDB before the first
// row is readable, so waiting costs little and makes the row-limit error a
// clean 400 instead of a truncated 200.
//
// Errors are JSON in the contract's shape, {"error": "...", "status": N}
// with an optional "hint": 400 for bad SQL (DuckDB's own message, which
// quotes the SQL; the warehouse's logs name only its kind, e.g. "Catalog
// Error", as SQL never goes to logs), bad
// parameters, a bad JSON body, a timeout or too many rows; 401 {"error":
// "Token not defined"} when a token is required but missing; 403 {"error":
// "You don't have permissions to read this resource"} for a wrong token;
// 404 for an unknown connection, job or path; 405 for a wrong method (with
// an Allow header); 413 for a request body over 1 MiB; 503 while closing.
//
// # Jobs
//
// Jobs run asynchronously, at most Options.MaxConcurrentJobs at once, in
// submission order; the rest stay "pending". POST answers 201 Created with
// the job object (status "pending" as submitted, even if it starts at once):
//
//	{"jobId","connection","user","query","status","createdAt","updatedAt","metadata","provider"}
//
// Timestamps are RFC 3339 in UTC with milliseconds. "user" is "local".
// "provider" is {"engine":"duckdb"}, plus "rowsAffected" once a job
// succeeded: the rows its (last) statement inserted, updated or deleted,
// CREATE TABLE ... AS SELECT included; 0 for other statements. A failed job has "status":"failure" and "error":{"code":
// "query_error","msg":<DuckDB's message>}.
//
// Cancelling (DELETE) dequeues a pending job, or interrupts a running
// statement through its context (duckdb-go calls duckdb_interrupt). A
// cancelled job ends as
//
//	"status": "failure", "error": {"code": "cancelled", "msg": "Job cancelled by request"}
//
// rather than with a status of its own: clients written against CARTO know
// failure is final, while an unknown status could leave them polling
// forever. DELETE waits briefly for a running job to stop and returns the
// job object, normally already in that state; cancelling a finished job
// changes nothing and returns it as is. Close cancels all jobs the same way
// (with a message saying the warehouse is shutting down).
//
// Finished jobs stay visible for Options.JobRetention (default 1h), and at
// most Options.MaxFinishedJobs of them (default 1000); older ones answer 404
// {"error":"Job not found","status":404}. GET /v3/sql/jobs lists only
// pending and running jobs, oldest first, as a bare JSON array.
//
// # Tilesets
//
// A job whose SQL is one CALL of CARTO's tiler procedures is run by the
// warehouse itself, in Go (package tiler), since DuckDB has neither those
// procedures nor a spatial extension offline:
//
//	CALL carto.CREATE_SIMPLE_TILESET('demo.stores', 'demo.stores_tiles',
//	  '{"zoom_min": 0, "zoom_max": 12, "properties": {"name": "String", "revenue": "Number"}}')
//	CALL carto.CREATE_TILESET('(SELECT name, population, geom FROM demo.cities)', 'demo.cities_tiles', NULL)
//	CALL carto.CREATE_POINT_AGGREGATION_TILESET('demo.stores', 'demo.stores_agg',
//	  '{"zoom_max": 12, "aggregation_resolution": 6, "properties": {"stores": {"formula": "COUNT(*)", "type": "Number"},
//	    "revenue": {"formula": "SUM(revenue)", "type": "Number"}}}')
//
// The procedure may be written carto.X, `carto-un`.carto.X, tiler.X or
// bare, in any case; its arguments are string literals ('...', BigQuery's
// triple-quoted and r'...' strings, $$...$$), NULL, or query parameters
// ($1, @name).
// input is a table name or a query in parentheses; output_table a table
// name (table, schema.table or <connection>.schema.table) that must not
// exist yet. The options are CARTO's (package tiler lists them; an unknown
// key fails the job naming it). The geometry column may be GEOMETRY, WKB
// (BLOB) or text holding WKT, GeoJSON or hex WKB, in EPSG:4326; point
// aggregation takes points only (a polygon fails the job, suggesting
// ST_CENTROID), formulas COUNT, SUM, AVG, MIN and MAX of a column, and
// single_point_properties (columns written in the cells of one point).
//
// The output is what CARTO writes on PostgreSQL and BigQuery: a table
// (z INTEGER, x INTEGER, y INTEGER, data BLOB) with one row per tile, data a
// gzip-compressed Mapbox Vector Tile with the layer "default", plus one row
// z = -1 (x and y NULL) whose data is the metadata JSON (read it with
// SELECT decode(data) FROM t WHERE z = -1). The table is created and filled
// in one transaction: until the job succeeds nobody sees it, and a failure
// or cancel_job leaves nothing behind. While the job runs, its
// provider.tileset shows the phase (reading, tiling, committing, done), the
// rows read, the tiles written and the zoom of the last one; rowsAffected
// is the number of rows written. Read-only mode fails such jobs. A tiler
// CALL sent to the synchronous query endpoint gets a 400 saying to submit
// it as a job.
//
// A finished tileset is served like CARTO's Maps API serves one: its
// TileJSON 3.0.0 (the metadata row, with bounds and center as arrays and a
// "tiles" template on the host the request came to) and its tiles, gzip
// MVT sent with Content-Encoding: gzip to clients that accept it
// (decompressed otherwise), 204 No Content where the tileset has no tile.
// CORS stays off, as for every endpoint here: a browser page on another
// origin cannot read them.
//
// # Read-only mode and safety
//
// With Options.ReadOnly the catalog is attached READ_ONLY, so DuckDB itself
// refuses INSERT, CREATE, DROP and friends on it: a second wall behind the
// MCP server's own read-only checks. (An in-memory database cannot be
// attached read-only, so the demo data is then built in a private temporary
// file, removed by Close.) What remains writable is scratch space that is
// never part of the warehouse: temporary tables, which vanish with the
// request's connection, and in-memory databases a query attaches itself
// (ATTACH ':memory:' AS scratch), which vanish with the process.
//
// Unless Options.AllowExternalAccess is set, DuckDB's external access is
// disabled (no reading or writing local files, no ATTACH of files, no
// extension installs) and its configuration locked, because the SQL comes
// from an AI agent that prompt injection could steer.
//
// # Demo data
//
// Unless Options.NoDemoData is set, New creates the schema "demo" in well
// under a second, deterministically (no network, a fixed-seed generator):
//
//	demo.countries (151 rows)
//	  iso_a3 VARCHAR PRIMARY KEY, iso_a2 VARCHAR, name VARCHAR,
//	  continent VARCHAR   -- Africa, Asia, Europe, North America, Oceania, South America
//	  population BIGINT   -- approximate, 2023
//	  geom VARCHAR        -- approximate bounding box, WKT POLYGON, EPSG:4326
//
//	demo.cities (313 rows)
//	  city_id INTEGER PRIMARY KEY, name VARCHAR, country VARCHAR,
//	  iso_a2 VARCHAR, iso_a3 VARCHAR  -- joins demo.countries
//	  population BIGINT   -- approximate urban area
//	  lon DOUBLE, lat DOUBLE,
//	  geom VARCHAR        -- WKT POINT (lon lat), EPSG:4326
//
//	demo.stores (3381 rows, synthetic)
//	  store_id INTEGER PRIMARY KEY, name VARCHAR,
//	  category VARCHAR    -- grocery, pharmacy, electronics, apparel, coffee, hardware
//	  city_id INTEGER, city VARCHAR, iso_a3 VARCHAR,  -- joins demo.cities / demo.countries
//	  revenue DECIMAL(12,2),  -- yearly
//	  opened_at DATE,     -- 2005-01-01 .. 2024-12-31
//	  lon DOUBLE, lat DOUBLE,
//	  geom VARCHAR        -- WKT POINT, scattered around the store's city
//
// With Options.Path the demo schema is created only if the file has none
// yet, so changes survive restarts (drop the schema to regenerate it); a
// read-only file is used as it is.
package localwarehouse

package sqlguard

import "sync"

// The word lists the classifier works from. Everything not listed as a read
// is refused, so these lists only decide the wording of a refusal and the
// few reads that are allowed; forgetting a write keyword here cannot let it
// through at the start of a statement.

// category groups the leading keywords of statements that are not reads.
type category uint8

const (
	catNone category = iota
	catWrite
	catSchema
	catMove
	catProcedure
	catTransaction
	catSession
	catScript
	catMaintenance
)

var leadsByCategory = map[category][]string{
	catWrite:  {"INSERT", "UPDATE", "DELETE", "MERGE", "UPSERT", "REPLACE", "TRUNCATE", "UNDROP"},
	catSchema: {"CREATE", "ALTER", "DROP", "RENAME", "COMMENT", "GRANT", "REVOKE", "DENY", "REASSIGN", "SECURITY"},
	catMove: {"COPY", "UNLOAD", "EXPORT", "IMPORT", "LOAD", "PUT", "GET", "REMOVE", "RM",
		"ATTACH", "DETACH"},
	catProcedure:   {"CALL", "EXECUTE", "EXEC", "DO", "PREPARE", "DEALLOCATE"},
	catTransaction: {"BEGIN", "START", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "END", "ABORT"},
	catSession:     {"SET", "RESET", "UNSET", "USE", "PRAGMA", "LISTEN", "UNLISTEN", "NOTIFY", "DISCARD"},
	catScript: {"DECLARE", "ASSERT", "IF", "LOOP", "WHILE", "FOR", "REPEAT", "RAISE", "RETURN", "BREAK",
		"LEAVE", "CONTINUE", "ITERATE", "LET", "CASE", "EXCEPTION", "OPEN", "FETCH", "CLOSE", "MOVE"},
	catMaintenance: {"VACUUM", "ANALYZE", "ANALYSE", "OPTIMIZE", "REFRESH", "REINDEX", "CLUSTER", "LOCK",
		"UNLOCK", "CACHE", "UNCACHE", "MSCK", "FSCK", "RESTORE", "CHECKPOINT", "REORG", "SYNC", "INSTALL"},
}

// readLeads start statements that can be reads; their bodies are still
// checked. FROM is a read only where a query may start with it.
var readLeads = []string{"SELECT", "WITH", "VALUES", "TABLE", "SHOW", "DESCRIBE", "DESC", "EXPLAIN", "FROM"}

// bodyWrites are refused anywhere in a statement that starts as a read.
// INSERT, UPDATE, DELETE and MERGE can run inside a PostgreSQL WITH; the
// others cannot appear in a real read at all, so seeing one means the
// statement is not what it looks like (or a name needs quoting).
var bodyWrites = []string{"INSERT", "UPDATE", "DELETE", "MERGE", "UPSERT", "CREATE", "ALTER", "DROP",
	"TRUNCATE", "GRANT", "REVOKE", "CALL", "EXECUTE"}

// dmlWords are the bodyWrites that really run inside a read-looking statement.
var dmlWords = map[string]bool{"INSERT": true, "UPDATE": true, "DELETE": true, "MERGE": true, "UPSERT": true}

// alsoFunctions are bodyWrites that are also ordinary functions when
// followed by '(' (Snowflake's INSERT(s, pos, len, t) and TRUNCATE(x, 2)).
var alsoFunctions = []string{"INSERT", "TRUNCATE"}

// explainOptions may follow EXPLAIN (bare or in parentheses) before the
// explained statement, across PostgreSQL, Redshift, Databricks, Snowflake
// and DuckDB.
var explainOptions = []string{"ANALYZE", "ANALYSE", "VERBOSE", "EXTENDED", "CODEGEN", "COST", "COSTS",
	"FORMATTED", "USING", "TABULAR", "JSON", "TEXT", "FORMAT", "SETTINGS", "GENERIC_PLAN", "BUFFERS",
	"SERIALIZE", "WAL", "TIMING", "SUMMARY", "MEMORY"}

// phraseWords extend a leading keyword into the phrase used in messages.
var phraseWords = map[string]string{"EXECUTE": "IMMEDIATE", "EXPORT": "DATA", "LOAD": "DATA",
	"START": "TRANSACTION", "BEGIN": "TRANSACTION", "COMMENT": "ON"}

// otherWords are looked up by the classifier in multi-word checks.
var otherWords = []string{"INTO", "FOR", "UPDATE", "SHARE", "NO", "KEY", "IN", "IDENTIFIER",
	"IMMEDIATE", "DATA", "TRANSACTION", "ON", "NEXTVAL"}

// effect is a group of functions with side effects, refused when called in
// a read. The list is built from each engine's documentation (sources
// below): built-ins that write tables, indexes, catalogs or files, signal
// other sessions, change settings, sequences or priorities, take locks, or
// run SQL text we cannot see. It cannot cover user-defined functions.
// Functions that only read (pg_read_file, pg_ls_dir, PostGIS_Full_Version,
// Find_SRID) are not listed: read-only mode is about writes. The PostgreSQL
// and PostGIS names were checked against the volatile functions of a
// PostgreSQL 15 with PostGIS 3 (postgis, postgis_raster, postgis_topology,
// postgis_tiger_geocoder) and the contrib modules below.
//
// Sources:
//   - PostgreSQL 17, "System Administration Functions" (9.28): signaling,
//     backup, recovery, replication, index maintenance (brin_*, gin_*),
//     snapshot and statistics functions;
//     https://www.postgresql.org/docs/current/functions-admin.html
//     "Sequence Manipulation Functions", "Large Objects" (lo_*), advisory
//     locks, txid/xid functions that assign a transaction id, and PostgreSQL
//     18's statistics manipulation functions (pg_restore_*_stats,
//     pg_clear_*_stats).
//   - PostgreSQL contrib modules: adminpack (pg_file_*), pg_visibility
//     (pg_truncate_visibility_map), pg_surgery (heap_force_*), pg_prewarm
//     (autoprewarm_*), pg_stat_statements, postgres_fdw, dblink.
//   - PostGIS 3 reference, "Table Management Functions" (AddGeometryColumn,
//     DropGeometryColumn, DropGeometryTable, Populate_Geometry_Columns,
//     UpdateGeometrySRID), "Raster Management" (AddRasterConstraints ...),
//     PostGIS_Extensions_Upgrade, the topology editors and builders, and the
//     TIGER geocoder's Install_Missing_Indexes;
//     https://postgis.net/docs/reference.html
//   - Amazon Redshift, "System administration functions": CHANGE_*_PRIORITY,
//     PG_CANCEL_BACKEND, PG_TERMINATE_BACKEND, REBOOT_CLUSTER, SET_CONFIG;
//     https://docs.aws.amazon.com/redshift/latest/dg/r_System_administration_functions.html
//   - Snowflake, "System functions": every SYSTEM$ function is refused except
//     the informational ones in readOnlySystemFunctions (SYSTEM$ABORT_SESSION,
//     SYSTEM$CANCEL_QUERY, SYSTEM$SET_RETURN_VALUE, SYSTEM$LOG, SYSTEM$WAIT,
//     SYSTEM$SEND_EMAIL ... act); sequences' NEXTVAL;
//     https://docs.snowflake.com/en/sql-reference/functions-system
//   - BigQuery: EXTERNAL_QUERY runs SQL on a Cloud SQL or Spanner database.
//     BigQuery's acting system routines (BQ.ABORT_SESSION, BQ.JOBS.CANCEL,
//     BQ.REFRESH_MATERIALIZED_VIEW) are procedures, reached only through
//     CALL, which is refused.
//   - Databricks: reflect, java_method and try_reflect call Java methods;
//     http_request calls an external service;
//     https://docs.databricks.com/en/sql/language-manual/sql-ref-functions-builtin.html
//   - DuckDB: checkpoint, force_checkpoint, query and query_table, nextval,
//     setseed.
type effect struct {
	what     string
	names    []string
	prefixes []string
}

var effects = []effect{
	{"ends, cancels or signals other server sessions",
		[]string{"PG_TERMINATE_BACKEND", "PG_CANCEL_BACKEND", "PG_NOTIFY", "PG_LOG_BACKEND_MEMORY_CONTEXTS",
			"POSTGRES_FDW_DISCONNECT", "POSTGRES_FDW_DISCONNECT_ALL"}, nil},
	{"administers the server (configuration, logs, backups, WAL or replication)",
		[]string{"PG_RELOAD_CONF", "PG_ROTATE_LOGFILE", "PG_PROMOTE", "PG_SWITCH_WAL", "PG_SWITCH_XLOG",
			"PG_CREATE_RESTORE_POINT", "PG_START_BACKUP", "PG_STOP_BACKUP", "PG_BACKUP_START", "PG_BACKUP_STOP",
			"PG_WAL_REPLAY_PAUSE", "PG_WAL_REPLAY_RESUME", "PG_XLOG_REPLAY_PAUSE", "PG_XLOG_REPLAY_RESUME",
			"PG_CREATE_PHYSICAL_REPLICATION_SLOT", "PG_CREATE_LOGICAL_REPLICATION_SLOT", "PG_DROP_REPLICATION_SLOT",
			"PG_COPY_PHYSICAL_REPLICATION_SLOT", "PG_COPY_LOGICAL_REPLICATION_SLOT", "PG_LOGICAL_SLOT_GET_CHANGES",
			"PG_LOGICAL_SLOT_GET_BINARY_CHANGES", "PG_REPLICATION_SLOT_ADVANCE", "PG_LOGICAL_EMIT_MESSAGE",
			"PG_SYNC_REPLICATION_SLOTS", "PG_LOG_STANDBY_SNAPSHOT", "PG_IMPORT_SYSTEM_COLLATIONS",
			"PG_STAT_STATEMENTS_RESET", "PG_STAT_FORCE_NEXT_FLUSH", "CHECKPOINT", "FORCE_CHECKPOINT",
			"AUTOPREWARM_START_WORKER", "AUTOPREWARM_DUMP_NOW", "PG_PREWARM", "PG_ROTATE_LOGFILE_OLD",
			"PG_EXTENSION_CONFIG_DUMP", "PG_NEXTOID", "PG_STOP_MAKING_PINNED_OBJECTS",
			"REBOOT_CLUSTER"}, // Redshift
		[]string{"PG_STAT_RESET", "PG_REPLICATION_ORIGIN_", "BINARY_UPGRADE_"}},
	{"changes the workload priority of queries, sessions or users", // Redshift WLM
		[]string{"CHANGE_QUERY_PRIORITY", "CHANGE_SESSION_PRIORITY", "CHANGE_USER_PRIORITY"}, nil},
	{"writes index, table or statistics storage",
		[]string{"BRIN_SUMMARIZE_NEW_VALUES", "BRIN_SUMMARIZE_RANGE", "BRIN_DESUMMARIZE_RANGE", "GIN_CLEAN_PENDING_LIST",
			"PG_TRUNCATE_VISIBILITY_MAP", "HEAP_FORCE_KILL", "HEAP_FORCE_FREEZE",
			"PG_SET_RELATION_STATS", "PG_CLEAR_RELATION_STATS", "PG_RESTORE_RELATION_STATS",
			"PG_SET_ATTRIBUTE_STATS", "PG_CLEAR_ATTRIBUTE_STATS", "PG_RESTORE_ATTRIBUTE_STATS"}, nil},
	{"assigns a transaction id, which a read never needs",
		[]string{"TXID_CURRENT", "PG_CURRENT_XACT_ID", "GETTRANSACTIONID"}, nil},
	{"is a PostGIS management function that creates, changes or drops tables, columns, constraints or topologies",
		[]string{"ADDGEOMETRYCOLUMN", "DROPGEOMETRYCOLUMN", "DROPGEOMETRYTABLE", "UPDATEGEOMETRYSRID",
			"POPULATE_GEOMETRY_COLUMNS", "PROBE_GEOMETRY_COLUMNS", "POSTGIS_EXTENSIONS_UPGRADE",
			"ADDRASTERCONSTRAINTS", "DROPRASTERCONSTRAINTS", "ADDOVERVIEWCONSTRAINTS", "DROPOVERVIEWCONSTRAINTS",
			"ST_CREATEOVERVIEW", "UPDATERASTERSRID",
			// long transactions: authorization tables, triggers and row locks
			"ADDAUTH", "CHECKAUTH", "ENABLELONGTRANSACTIONS", "DISABLELONGTRANSACTIONS", "LOCKROW", "UNLOCKROWS",
			// TIGER geocoder set-up and loading
			"INSTALL_MISSING_INDEXES", "INSTALL_GEOCODE_SETTINGS", "INSTALL_PAGC_TABLES", "SET_GEOCODE_SETTING",
			"CREATE_CENSUS_BASE_TABLES", "LOADER_LOAD_STAGED_DATA", "SETSEARCHPATHFORINSTALL", "TOPOLOGY_LOAD_TIGER",
			// topology: creating, copying and editing topologies and TopoGeometry columns
			"CREATETOPOLOGY", "DROPTOPOLOGY", "RENAMETOPOLOGY", "COPYTOPOLOGY", "ADDTOPOGEOMETRYCOLUMN",
			"DROPTOPOGEOMETRYCOLUMN", "RENAMETOPOGEOMETRYCOLUMN", "TOTOPOGEOM", "CLEARTOPOGEOM",
			"CREATETOPOGEOM", "POLYGONIZE", "ADDNODE", "ADDEDGE", "ADDFACE", "REMOVEUNUSEDPRIMITIVES",
			"ADDTOSEARCHPATH", "POPULATE_TOPOLOGY_LAYER", "TOPOGEOM_ADDELEMENT", "TOPOGEOM_ADDTOPOGEOM",
			"TOPOGEOM_REMELEMENT",
			"ST_INITTOPOGEO", "ST_CREATETOPOGEO", "ST_ADDISONODE", "ST_ADDISOEDGE", "ST_ADDEDGEMODFACE",
			"ST_ADDEDGENEWFACES", "ST_CHANGEEDGEGEOM", "ST_MODEDGESPLIT", "ST_MODEDGEHEAL", "ST_NEWEDGEHEAL",
			"ST_NEWEDGESSPLIT", "ST_MOVEISONODE", "ST_REMEDGEMODFACE", "ST_REMEDGENEWFACE", "ST_REMOVEISONODE",
			"ST_REMOVEISOEDGE", "ST_REMISONODE", "ST_REMISOEDGE"},
		// Internal helpers of the raster management functions, callable too.
		[]string{"TOPOGEO_ADD", "TOPOGEO_LOAD", "_ADD_RASTER_CONSTRAINT", "_DROP_RASTER_CONSTRAINT",
			"_ADD_OVERVIEW_CONSTRAINT", "_DROP_OVERVIEW_CONSTRAINT", "_UPDATERASTERSRID"}},
	{"writes server files or large objects",
		[]string{"LOWRITE", "PG_FILE_WRITE", "PG_FILE_RENAME", "PG_FILE_UNLINK", "PG_FILE_SYNC"},
		[]string{"LO_"}},
	{"makes the session sleep", []string{"PG_SLEEP", "PG_SLEEP_FOR", "PG_SLEEP_UNTIL"}, nil},
	{"changes session settings", []string{"SET_CONFIG", "SETSEED"}, nil},
	{"advances or sets a sequence", []string{"NEXTVAL", "SETVAL"}, nil},
	{"takes or releases advisory locks", nil, []string{"PG_ADVISORY_", "PG_TRY_ADVISORY_"}},
	{"runs SQL text that read-only mode cannot inspect, now or later",
		[]string{"QUERY_TO_XML", "QUERY_TO_XMLSCHEMA", "QUERY_TO_XML_AND_XMLSCHEMA", "CURSOR_TO_XML",
			"CURSOR_TO_XMLSCHEMA", "EXTERNAL_QUERY", "QUERY", "QUERY_TABLE",
			"SCHEDULE", "SCHEDULE_IN_DATABASE", "UNSCHEDULE", "ALTER_JOB"}, // pg_cron
		[]string{"DBLINK", "PG_BACKGROUND_"}},
	{"exports or imports data through cloud storage or services",
		[]string{"QUERY_EXPORT_TO_S3", "TABLE_IMPORT_FROM_S3", "INVOKE"}, nil}, // RDS aws_s3, Aurora aws_lambda
	{"calls arbitrary Java methods", []string{"REFLECT", "JAVA_METHOD", "TRY_REFLECT"}, nil},
	{"makes HTTP requests", []string{"HTTP_REQUEST"}, nil},
	{"is a Snowflake system function that can act on the account (cancel queries, abort sessions, " +
		"send notifications, change settings) and is not on read-only mode's list of read-only SYSTEM$ functions",
		nil, []string{"SYSTEM$"}},
}

// readOnlySystemFunctions are Snowflake SYSTEM$ functions known to only
// report information; every other SYSTEM$ call is refused.
var readOnlySystemFunctions = []string{"SYSTEM$TYPEOF", "SYSTEM$CLUSTERING_INFORMATION",
	"SYSTEM$CLUSTERING_DEPTH", "SYSTEM$CLUSTERING_RATIO", "SYSTEM$EXPLAIN_PLAN_JSON",
	"SYSTEM$EXPLAIN_JSON_TO_TEXT", "SYSTEM$GET_TAG", "SYSTEM$GET_TAG_ON_CURRENT_COLUMN",
	"SYSTEM$GET_TAG_ON_CURRENT_TABLE", "SYSTEM$ALLOWLIST", "SYSTEM$WHITELIST", "SYSTEM$PIPE_STATUS",
	"SYSTEM$STREAM_HAS_DATA", "SYSTEM$GET_PREDECESSOR_RETURN_VALUE", "SYSTEM$BEHAVIOR_CHANGE_BUNDLE_STATUS",
	"SYSTEM$ESTIMATE_QUERY_ACCELERATION", "SYSTEM$ESTIMATE_SEARCH_OPTIMIZATION_COSTS",
	"SYSTEM$CURRENT_USER_TASK_NAME", "SYSTEM$TASK_RUNTIME_INFO", "SYSTEM$LAST_CHANGE_COMMIT_TIME"}

// wordInfo is everything the classifier knows about one upper-case word.
type wordInfo struct {
	canon      string
	lead       category // refused when it starts a statement
	read       bool     // may start a read
	bodyWrite  bool     // refused anywhere in a read
	alsoFunc   bool     // ...except as a function call
	explainOpt bool
	effect     string // side effect when called as a function
	readOnly   bool   // exempt from the effect prefixes
}

// vocab maps upper-case words to what is known about them. Keys are ASCII,
// so a word containing other characters is never a keyword.
var vocab = map[string]*wordInfo{}

// maxVocabLen bounds the words worth looking up, to keep lookups free of
// allocations.
const maxVocabLen = 48

// vocabShape[first letter][length] is true if some vocabulary word has
// that shape. Most identifiers fail this test, which is cheaper than a map
// lookup.
var vocabShape [26][maxVocabLen + 1]bool

type effectPrefix struct{ prefix, what string }

var effectPrefixes []effectPrefix

func entry(w string) *wordInfo {
	if len(w) > maxVocabLen {
		panic("sqlguard: vocabulary word too long: " + w)
	}
	if vocab[w] == nil {
		vocab[w] = &wordInfo{canon: w}
		vocabShape[w[0]-'A'][len(w)] = true
	}
	return vocab[w]
}

// loadVocab fills vocab, vocabShape and effectPrefixes on the first
// Classify rather than at program start: the guard is used only in read-only
// mode, and a stdio server's start is on its client's critical path.
var loadVocab = sync.OnceFunc(func() {
	for cat, words := range leadsByCategory {
		for _, w := range words {
			entry(w).lead = cat
		}
	}
	for _, w := range readLeads {
		entry(w).read = true
	}
	for _, w := range bodyWrites {
		entry(w).bodyWrite = true
	}
	for _, w := range alsoFunctions {
		entry(w).alsoFunc = true
	}
	for _, w := range explainOptions {
		entry(w).explainOpt = true
	}
	for _, w := range otherWords {
		entry(w)
	}
	for _, e := range effects {
		for _, w := range e.names {
			entry(w).effect = e.what
		}
		for _, p := range e.prefixes {
			effectPrefixes = append(effectPrefixes, effectPrefix{p, e.what})
		}
	}
	for _, w := range readOnlySystemFunctions {
		entry(w).readOnly = true
	}
})

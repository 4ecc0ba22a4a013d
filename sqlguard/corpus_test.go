package sqlguard

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// corpusCase is one statement list with the expected verdict. For a refusal,
// kw is the expected Error.Keyword ("" for text that cannot be read safely)
// and stmt, when not 0, the expected Error.Statement.
type corpusCase struct {
	d     Dialect
	sql   string
	allow bool
	kw    string
	stmt  int
}

const (
	G  = Generic
	BQ = BigQuery
	SF = Snowflake
	RS = Redshift
	PG = PostgreSQL
	DB = Databricks
)

func allowed(d Dialect, sql string) corpusCase { return corpusCase{d: d, sql: sql, allow: true} }

func refused(d Dialect, sql, kw string) corpusCase { return corpusCase{d: d, sql: sql, kw: kw} }

func refusedAt(d Dialect, sql, kw string, stmt int) corpusCase {
	return corpusCase{d: d, sql: sql, kw: kw, stmt: stmt}
}

// corpus is the table of statements every change must keep passing. It is
// also the seed corpus of FuzzCheck.
var corpus = []corpusCase{
	// Plain reads.
	allowed(PG, "SELECT 1"),
	allowed(PG, "SELECT a, b FROM t WHERE x > 1 ORDER BY a DESC NULLS LAST LIMIT 10"),
	allowed(PG, "SELECT 1 UNION SELECT 2 INTERSECT SELECT 3 EXCEPT SELECT 4"),
	allowed(PG, "(SELECT 1) UNION ALL (SELECT 2)"),
	allowed(PG, "((SELECT 1))"),
	allowed(PG, "VALUES (1, 'a'), (2, 'b')"),
	allowed(PG, "WITH x AS (SELECT 1 AS a) SELECT * FROM x"),
	allowed(PG, "WITH RECURSIVE t(n) AS (VALUES (1) UNION ALL SELECT n + 1 FROM t WHERE n < 100) SELECT sum(n) FROM t"),
	allowed(BQ, "WITH a AS (SELECT 1), b AS (SELECT 2) SELECT * FROM a, b"),
	allowed(PG, "TABLE customers"),
	allowed(PG, "SHOW search_path"),
	allowed(SF, "SHOW TABLES"),
	allowed(SF, "SHOW GRANTS ON TABLE t"),
	allowed(SF, "DESCRIBE TABLE t"),
	allowed(SF, "DESC TABLE t"),
	allowed(DB, "DESCRIBE HISTORY my_table"),
	allowed(DB, "SHOW CREATE TABLE t"),
	allowed(PG, "EXPLAIN SELECT * FROM t"),
	allowed(PG, "EXPLAIN ANALYZE SELECT * FROM t"),
	allowed(PG, "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT 1"),
	allowed(PG, "EXPLAIN (SELECT 1)"),
	allowed(SF, "EXPLAIN USING TEXT SELECT 1"),
	allowed(DB, "EXPLAIN EXTENDED SELECT 1"),
	allowed(RS, "EXPLAIN VERBOSE SELECT * FROM t"),
	allowed(G, "EXPLAIN ANALYZE SELECT 42"),
	allowed(PG, "SELECT 1; SELECT 2;"),
	allowed(PG, "SELECT 1;;; SELECT 2"),
	allowed(PG, "SELECT 1;"),
	allowed(PG, "select * FROM t"),
	allowed(PG, "SeLeCt 1"),
	allowed(PG, "SELECT ST_AsText(geom) FROM carto.cities"),
	allowed(BQ, "SELECT `carto-un`.carto.H3_FROMGEOGPOINT(geom, 5) FROM t"),
	allowed(PG, "SELECT 1.5e3, .5, 1e-3, 7"),
	allowed(PG, "SELECT x::text, y->>'k', z#>>'{a}' FROM t"),
	allowed(PG, "SELECT substring(x FROM 1 FOR 3) FROM t"),
	allowed(PG, "SELECT currval('s'), lastval()"),
	allowed(PG, "SELECT a$b FROM t WHERE c = $1"),
	allowed(G, "SELECT * FROM range(10) WHERE range > $1"),
	allowed(G, "FROM t"),
	allowed(G, "SELECT 7 // 2"),
	allowed(BQ, "FROM t |> WHERE x > 1 |> SELECT x"),
	allowed(BQ, "SELECT @param, @@project_id"),
	allowed(BQ, "SELECT * FROM t FOR SYSTEM_TIME AS OF TIMESTAMP '2024-01-01'"),
	allowed(DB, "SELECT * FROM t VERSION AS OF 3"),
	allowed(DB, "SELECT * FROM t TIMESTAMP AS OF '2024-01-01'"),
	allowed(DB, "SELECT * FROM delta.`/mnt/data`"),

	// Keywords in strings, identifiers and comments do not count.
	allowed(PG, "SELECT 'DROP TABLE x'"),
	allowed(PG, "SELECT * FROM t WHERE status = 'DELETE'"),
	allowed(PG, `SELECT "delete" FROM t`),
	allowed(SF, `SELECT "DELETE", "INTO" FROM t`),
	allowed(BQ, "SELECT `delete`, `insert` FROM t"),
	allowed(DB, "SELECT `update` FROM t"),
	allowed(PG, "SELECT * FROM updates"),
	allowed(PG, "SELECT created_at, updated_at, deleted_at, inserted_by FROM t"),
	allowed(PG, "SELECT t.update, t.delete, t.into FROM t"),
	allowed(PG, "SELECT 1 -- DELETE FROM t"),
	allowed(PG, "SELECT 1 /* ; DELETE FROM t */"),
	allowed(PG, "/* leading comment */ SELECT 1"),
	allowed(PG, "-- c\nSELECT 1"),
	allowed(BQ, "SELECT 1 # ; DELETE FROM t"),
	allowed(BQ, "# header\nSELECT 1"),
	allowed(SF, "SELECT 1 // ; DELETE FROM t"),
	allowed(PG, "SELECT 1 /* nested /* */ DELETE FROM t */"),
	allowed(DB, "SELECT 1 /* nested /* */ DELETE FROM t */"),
	allowed(PG, "SELECT /* outer /* inner */ still comment */ 1"),
	allowed(BQ, "SELECT /* a /* b */ 1"),
	allowed(SF, "SELECT INSERT('abc', 1, 1, 'x'), TRUNCATE(1.234, 2)"),
	allowed(BQ, "SELECT * REPLACE (x AS y) FROM t"),
	allowed(SF, "SELECT * FROM t PIVOT (sum(v) FOR share IN ('a', 'b'))"),
	allowed(PG, "SELECT 1 AS \"x\"\"y\""),
	allowed(DB, "SELECT `a``b` FROM t"),

	// Unicode.
	allowed(PG, "SELECT 'ünïcødé;'"),
	allowed(PG, "SELECT 名前 FROM 表 WHERE 都市 = '東京'"),
	allowed(SF, `SELECT "名前" FROM "表"`),
	allowed(PG, "SELECT '；'"),
	allowed(PG, "SELECT '全角；セミコロン', '😀'"),
	allowed(BQ, "SELECT 'ünïcødé;' AS `列`"),
	refused(PG, "SELECT 1；DELETE FROM t", ""),
	refused(BQ, "SELECT 1；DELETE FROM t", ""),
	refused(PG, "SELECT\u3000DELETE FROM t", ""),
	refused(BQ, "SELECT 1 AS x\u00a0DELETE FROM t", ""),
	refused(PG, "SELECT 1;\u200bDELETE FROM t", ""),
	refused(PG, "SELECT 1 \u037e DELETE FROM t", ""),
	refused(DB, "SELECT ＤＥＬＥＴＥ", ""),

	// Quoting rules per dialect.
	allowed(BQ, "SELECT * FROM `project-id.dataset.table`"),
	allowed(BQ, "SELECT * FROM my-project.dataset.table"),
	allowed(BQ, "SELECT '''a ' ; DELETE FROM t'''"),
	allowed(BQ, `SELECT """ ; DELETE FROM t """`),
	allowed(BQ, `SELECT r'\d+;', b'\x00', rb"raw"`),
	allowed(BQ, `SELECT 'it\'s; DELETE'`),
	allowed(BQ, `SELECT "a\"; DELETE FROM t"`),
	allowed(BQ, `SELECT r'a\'; DELETE FROM t'`),
	allowed(SF, `SELECT 'it\'s; DELETE'`),
	allowed(SF, `SELECT 'a\'; DELETE FROM t; --'`),
	allowed(SF, "SELECT $$it's; DROP TABLE x$$"),
	allowed(SF, "SELECT $var, $1 FROM t"),
	allowed(SF, "SELECT $1, $2 FROM @my_stage/data.csv"),
	allowed(SF, "SHOW TABLES ->> SELECT * FROM $1"),
	allowed(SF, "SELECT SYSTEM$TYPEOF(1), SYSTEM$CLUSTERING_INFORMATION('t')"),
	allowed(DB, `SELECT 'it\'s; DELETE'`),
	allowed(DB, `SELECT "a\\b"`),
	allowed(PG, `SELECT E'it\'s; DELETE'`),
	allowed(PG, "SELECT 'it''s; DELETE'"),
	allowed(PG, `SELECT '\d+' ~ x, 'a\\%'`),
	allowed(PG, "SELECT $$a;b$$, $tag$ DELETE FROM t; $tag$"),
	allowed(PG, "SELECT $a$ $b$ ; DELETE $b$ $a$"),
	allowed(PG, `SELECT U&'d\0061t\+000061'`),
	allowed(RS, `SELECT "quoted col" FROM t`),
	allowed(G, "SELECT $$a;b$$"),

	// Writes and DDL.
	refused(PG, "DELETE FROM t", "DELETE"),
	refused(PG, "INSERT INTO t VALUES (1)", "INSERT"),
	refused(PG, "UPDATE t SET a = 1", "UPDATE"),
	refused(BQ, "MERGE t USING s ON t.id = s.id WHEN MATCHED THEN DELETE", "MERGE"),
	refused(DB, "REPLACE TABLE t AS SELECT 1", "REPLACE"),
	refused(DB, "INSERT OVERWRITE TABLE t SELECT 1", "INSERT"),
	refused(G, "INSERT OR REPLACE INTO t VALUES (1)", "INSERT"),
	refused(PG, "TRUNCATE t", "TRUNCATE"),
	refused(PG, "CREATE TABLE t (a int)", "CREATE"),
	refused(BQ, "CREATE TEMP TABLE t AS SELECT 1", "CREATE"),
	refused(RS, "CREATE TEMP TABLE t AS SELECT 1", "CREATE"),
	refused(SF, "CREATE OR REPLACE TEMPORARY TABLE t AS SELECT 1", "CREATE"),
	refused(SF, "CREATE TABLE t2 CLONE t", "CREATE"),
	refused(PG, "ALTER TABLE t ADD COLUMN b int", "ALTER"),
	refused(SF, "ALTER SESSION SET QUERY_TAG = 'x'", "ALTER"),
	refused(PG, "DROP TABLE t", "DROP"),
	refused(SF, "UNDROP TABLE t", "UNDROP"),
	refused(PG, "RENAME TABLE a TO b", "RENAME"),
	refused(PG, "COMMENT ON TABLE t IS 'x'", "COMMENT ON"),
	refused(PG, "GRANT SELECT ON t TO u", "GRANT"),
	refused(PG, "REVOKE ALL ON t FROM u", "REVOKE"),

	// Procedures, dynamic SQL, data movement.
	refused(BQ, "CALL carto.CREATE_TILESET('a', 'b', NULL)", "CALL"),
	refused(SF, "CALL carto.CREATE_TILESET('a')", "CALL"),
	refused(PG, `CALL carto.CREATE_POINT_AGGREGATION_TILESET('s.pts', 's.pts_agg', '{"properties": {"n": {"formula": "COUNT(*)"}}}')`, "CALL"),
	refused(BQ, "call `carto-un`.carto.create_point_aggregation_tileset('a', 'b', '{}')", "CALL"),
	refused(SF, "EXECUTE IMMEDIATE 'DROP TABLE t'", "EXECUTE IMMEDIATE"),
	refused(SF, "EXECUTE IMMEDIATE $$ DELETE FROM t $$", "EXECUTE IMMEDIATE"),
	refused(BQ, `EXECUTE IMMEDIATE "DROP TABLE t"`, "EXECUTE IMMEDIATE"),
	refused(PG, "EXECUTE my_plan(1)", "EXECUTE"),
	refused(PG, "PREPARE p AS DELETE FROM t", "PREPARE"),
	refused(PG, "DO $$ BEGIN DELETE FROM t; END $$", "DO"),
	refused(SF, "WITH p AS PROCEDURE () RETURNS INT LANGUAGE SQL AS $$ BEGIN RETURN 1; END $$ CALL p()", "CALL"),
	refused(PG, "COPY t TO '/tmp/x'", "COPY"),
	refused(SF, "COPY INTO @stage FROM t", "COPY"),
	refused(RS, "COPY t FROM 's3://b/x' IAM_ROLE 'r'", "COPY"),
	refused(DB, "COPY INTO t FROM 's3://x' FILEFORMAT = CSV", "COPY"),
	refused(RS, "UNLOAD ('select * from t') TO 's3://bucket/x' IAM_ROLE 'arn:aws:iam::1:role/r'", "UNLOAD"),
	refused(BQ, "EXPORT DATA OPTIONS(uri='gs://b/*.csv', format='CSV') AS SELECT * FROM t", "EXPORT DATA"),
	refused(BQ, "LOAD DATA INTO t FROM FILES(format='CSV', uris=['gs://b/x.csv'])", "LOAD DATA"),
	refused(SF, "PUT file:///tmp/x @stage", "PUT"),
	refused(SF, "GET @stage/x file:///tmp/", "GET"),
	refused(SF, "REMOVE @stage/x", "REMOVE"),
	refused(G, "COPY t TO 'x.csv'", "COPY"),
	refused(G, "EXPORT DATABASE 'd'", "EXPORT"),
	refused(G, "ATTACH 'x.db'", "ATTACH"),
	refused(G, "INSTALL httpfs", "INSTALL"),
	refused(G, "LOAD httpfs", "LOAD"),

	// Transactions, sessions, scripting, maintenance.
	refusedAt(PG, "BEGIN; DELETE FROM t; COMMIT;", "BEGIN", 1),
	refusedAt(BQ, "BEGIN TRANSACTION; DELETE FROM t; COMMIT TRANSACTION;", "BEGIN TRANSACTION", 1),
	refused(BQ, "BEGIN SELECT 1; END", "BEGIN"),
	refused(PG, "START TRANSACTION", "START TRANSACTION"),
	refused(PG, "COMMIT", "COMMIT"),
	refused(PG, "ROLLBACK", "ROLLBACK"),
	refused(PG, "SAVEPOINT a", "SAVEPOINT"),
	refused(PG, "ABORT", "ABORT"),
	refused(PG, "SET default_transaction_read_only = off", "SET"),
	refused(PG, "RESET ALL", "RESET"),
	refused(PG, "DISCARD ALL", "DISCARD"),
	refused(PG, "LISTEN ch", "LISTEN"),
	refused(PG, "NOTIFY ch", "NOTIFY"),
	refused(SF, "USE WAREHOUSE wh", "USE"),
	refused(SF, "USE ROLE accountadmin", "USE"),
	refusedAt(SF, `SELECT "x" FROM t; USE DATABASE d`, "USE", 2),
	refused(DB, "SET spark.sql.ansi.enabled = true", "SET"),
	refused(BQ, "SET @@dataset_id = 'x'", "SET"),
	refused(G, "PRAGMA enable_profiling", "PRAGMA"),
	refused(BQ, "DECLARE x INT64 DEFAULT 1", "DECLARE"),
	refused(BQ, "ASSERT (SELECT COUNT(*) FROM t) > 0", "ASSERT"),
	refused(BQ, "IF x THEN SELECT 1; END IF", "IF"),
	refused(BQ, "FOR r IN (SELECT 1) DO SELECT r; END FOR", "FOR"),
	refused(PG, "DECLARE c CURSOR FOR SELECT 1", "DECLARE"),
	refused(PG, "FETCH ALL FROM c", "FETCH"),
	refused(PG, "VACUUM t", "VACUUM"),
	refused(PG, "ANALYZE t", "ANALYZE"),
	refused(DB, "OPTIMIZE t ZORDER BY (a)", "OPTIMIZE"),
	refused(DB, "VACUUM t RETAIN 0 HOURS", "VACUUM"),
	refused(DB, "CACHE TABLE t", "CACHE"),
	refused(DB, "MSCK REPAIR TABLE t", "MSCK"),
	refused(DB, "RESTORE TABLE t TO VERSION AS OF 1", "RESTORE"),
	refused(PG, "REFRESH MATERIALIZED VIEW v", "REFRESH"),
	refused(PG, "LOCK TABLE t", "LOCK"),
	refused(G, "CHECKPOINT", "CHECKPOINT"),

	// Not known to be reads.
	refused(G, "SUMMARIZE t", "SUMMARIZE"),
	refused(SF, "LIST @stage", "LIST"),
	refused(DB, "FROM src INSERT INTO t SELECT *", "FROM"),
	refused(PG, "42", ""),
	refused(PG, "(DELETE FROM t)", "DELETE"),
	refused(PG, "()", ""),

	// Writes hidden in reads.
	refused(PG, "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", "DELETE"),
	refused(PG, "WITH u AS (UPDATE t SET a = 1 RETURNING *) SELECT 1", "UPDATE"),
	refused(PG, "WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", "INSERT"),
	refused(PG, "with x as (select 1) delete from t", "DELETE"),
	refused(PG, "WITH m AS (MERGE INTO t USING s ON true WHEN MATCHED THEN DELETE RETURNING *) SELECT 1", "MERGE"),
	refused(PG, "SELECT * INTO t2 FROM t", "INTO"),
	refused(PG, "SELECT 1INTO t2", "INTO"),
	refused(RS, "SELECT * INTO TEMP t2 FROM t", "INTO"),
	refused(SF, "SELECT 1 INTO :x", "INTO"),
	refused(PG, "SELECT * FROM t FOR UPDATE", "FOR UPDATE"),
	refused(PG, "SELECT * FROM t FOR UPDATE SKIP LOCKED", "FOR UPDATE"),
	refused(PG, "SELECT * FROM t FOR SHARE", "FOR SHARE"),
	refused(PG, "SELECT * FROM t FOR NO KEY UPDATE", "FOR NO KEY UPDATE"),
	refused(PG, "SELECT * FROM t FOR KEY SHARE NOWAIT", "FOR KEY SHARE"),
	refused(PG, "SELECT * FROM t AS delete", "DELETE"),
	refused(BQ, "FROM t |> WHERE x > 1 |> DROP y", "DROP"),

	// Side-effecting functions.
	refused(PG, "SELECT pg_terminate_backend(123)", "PG_TERMINATE_BACKEND"),
	refused(PG, "SELECT pg_catalog.pg_cancel_backend(1)", "PG_CANCEL_BACKEND"),
	refused(PG, "SELECT pg_sleep(10)", "PG_SLEEP"),
	refused(PG, `SELECT "pg_sleep"(1)`, "PG_SLEEP"),
	refused(PG, "SELECT nextval('s')", "NEXTVAL"),
	refused(PG, "SELECT setval('s', 1)", "SETVAL"),
	refused(PG, "SELECT lo_import('/etc/passwd')", "LO_IMPORT"),
	refused(PG, "SELECT * FROM dblink('db', 'DELETE FROM t') AS x(a int)", "DBLINK"),
	refused(PG, "SELECT dblink_exec('db', 'DROP TABLE t')", "DBLINK_EXEC"),
	refused(PG, "SELECT set_config('default_transaction_read_only', 'off', false)", "SET_CONFIG"),
	refused(PG, "SELECT pg_advisory_lock(1)", "PG_ADVISORY_LOCK"),
	refused(PG, "SELECT query_to_xml('DELETE FROM t RETURNING *', true, true, '')", "QUERY_TO_XML"),
	refused(RS, "SELECT pg_terminate_backend(1)", "PG_TERMINATE_BACKEND"),
	refused(PG, "EXPLAIN ANALYZE SELECT pg_sleep(1)", "PG_SLEEP"),
	refused(SF, "SELECT my_seq.NEXTVAL", "NEXTVAL"),
	refused(SF, "SELECT SYSTEM$CANCEL_ALL_QUERIES(1)", "SYSTEM$CANCEL_ALL_QUERIES"),
	refused(SF, "SELECT system$wait(10)", "SYSTEM$WAIT"),
	refused(SF, `SELECT "SYSTEM$ABORT_SESSION"(1)`, "SYSTEM$ABORT_SESSION"),
	refused(SF, "SELECT IDENTIFIER('SYSTEM$WAIT')(1)", "IDENTIFIER"),
	refused(BQ, "SELECT * FROM EXTERNAL_QUERY('conn', 'DELETE FROM t')", "EXTERNAL_QUERY"),
	refused(BQ, "SELECT `EXTERNAL_QUERY`('c', 'q')", "EXTERNAL_QUERY"),
	refused(BQ, "SELECT `EXTERNAL\\x5fQUERY`('c', 'q')", `EXTERNAL\X5FQUERY`),
	refused(DB, "SELECT reflect('java.lang.Runtime', 'getRuntime')", "REFLECT"),
	refused(DB, "SELECT `java_method`('a', 'b')", "JAVA_METHOD"),
	refused(DB, "SELECT IDENTIFIER('java' || '_method')('a', 'b')", "IDENTIFIER"),
	refused(DB, "SELECT http_request(conn => 'c', method => 'POST', path => '/x')", "HTTP_REQUEST"),
	refused(G, "SELECT * FROM query('DELETE FROM t')", "QUERY"),
	refused(G, "SELECT * FROM checkpoint()", "CHECKPOINT"),
	refused(PG, "SELECT cron.schedule('0 * * * *', 'DELETE FROM t')", "SCHEDULE"),
	refused(PG, "SELECT aws_s3.query_export_to_s3('SELECT 1', 'b', 'k')", "QUERY_EXPORT_TO_S3"),
	refused(PG, "SELECT pg_background_launch('DELETE FROM t')", "PG_BACKGROUND_LAUNCH"),
	allowed(PG, "SELECT query, calls FROM pg_stat_statements ORDER BY calls DESC"),
	allowed(PG, "SELECT pg_read_file('postgresql.conf')"),

	// Several statements: the first refused one is reported.
	refusedAt(PG, "SELECT 'a;b'; DELETE FROM t", "DELETE", 2),
	refusedAt(PG, "SELECT 1 /* ; */; DELETE FROM t", "DELETE", 2),
	refusedAt(PG, "SELECT $$;$$; DELETE FROM t", "DELETE", 2),
	refusedAt(PG, "SELECT 1;; DELETE FROM t", "DELETE", 2),
	refusedAt(PG, "select * from t; drop table t", "DROP", 2),
	refusedAt(PG, "SeLeCt 1; DeLeTe FrOm t", "DELETE", 2),
	refusedAt(PG, "SELECT 1 FROM t WHERE x IN (SELECT y FROM u); UPDATE t SET a = 1", "UPDATE", 2),
	refusedAt(PG, "SELECT 'x' || (SELECT 1); delete from t", "DELETE", 2),
	refusedAt(PG, "SELECT $a$ $b$ ; DELETE $b$ $a$; DELETE FROM t", "DELETE", 2),
	refusedAt(PG, "SHOW x; SET x = 1", "SET", 2),
	refusedAt(PG, "SELECT 1 FROM t WHERE a = $1; DELETE FROM t", "DELETE", 2),
	refusedAt(PG, `SELECT E'\\'; DELETE FROM t`, "DELETE", 2),
	refusedAt(PG, `SELECT 'a\\'; DELETE FROM t`, "DELETE", 2),
	refusedAt(SF, `SELECT 'a\\'; DELETE FROM t`, "DELETE", 2),
	refusedAt(BQ, "SELECT '''a''' ; DELETE FROM t", "DELETE", 2),
	refusedAt(DB, "SELECT 1; DROP TABLE t", "DROP", 2),
	refusedAt(SF, "SELECT 1 ->> DELETE FROM t", "DELETE", 2),
	refusedAt(PG, "SELECT 1; SELECT 2; SELECT 3; INSERT INTO t VALUES (1); DELETE FROM t", "INSERT", 4),
	refusedAt(PG, "-- x\nDELETE FROM t", "DELETE", 1),
	refusedAt(PG, "/* hi */ DROP TABLE x", "DROP", 1),
	refusedAt(BQ, "SELECT 1 # comment\nDELETE FROM t", "DELETE", 1),
	refusedAt(SF, "SELECT 1 // x\nDELETE FROM t", "DELETE", 1),
	refusedAt(BQ, "SELECT 1 /* nested /* */ DELETE FROM t */", "DELETE", 1),
	refusedAt(PG, "SELECT 1 # 2; DELETE FROM t", "DELETE", 2),

	// EXPLAIN.
	refused(PG, "EXPLAIN ANALYZE DELETE FROM t", "DELETE"),
	refused(PG, "EXPLAIN DELETE FROM t", "DELETE"),
	refused(PG, "EXPLAIN (ANALYZE) INSERT INTO t VALUES (1)", "INSERT"),
	refused(PG, "EXPLAIN (ANALYZE true) UPDATE t SET a = 1", "UPDATE"),
	refused(PG, "EXPLAIN ANALYZE WITH d AS (DELETE FROM t RETURNING *) SELECT 1", "DELETE"),
	refused(G, "EXPLAIN ANALYZE CREATE TABLE t AS SELECT 1", "CREATE"),
	refused(PG, "EXPLAIN", "EXPLAIN"),
	refused(PG, "EXPLAIN EXPLAIN EXPLAIN EXPLAIN EXPLAIN SELECT 1", "EXPLAIN"),

	// Text that cannot be read safely.
	refused(PG, "SELECT 'unterminated", ""),
	refused(PG, "SELECT 1 /* unterminated", ""),
	refused(PG, "SELECT $$unterminated", ""),
	refused(PG, "SELECT $a$ unterminated $b$", ""),
	refused(PG, `SELECT "unterminated`, ""),
	refused(BQ, "SELECT `unterminated", ""),
	refused(BQ, "SELECT '''unterminated", ""),
	refused(SF, "SELECT $$unterminated", ""),
	refusedAt(PG, "SELECT 1; SELECT 'unterminated; DELETE FROM t", "", 2),
	refusedAt(PG, "SELECT 1; 'unterminated", "", 2),
	refused(PG, `SELECT 'a\'; DELETE FROM t; --'`, ""),
	refused(RS, `SELECT 'a\'; DELETE FROM t; --'`, ""),
	refused(G, `SELECT 'a\'; DELETE FROM t; --'`, ""),
	refused(RS, `SELECT "a\"; DELETE FROM t; --"`, ""),
	refused(DB, `SELECT "a\"; DELETE FROM t"`, ""),
	refused(DB, `SELECT r'a\'; DELETE FROM t; --'`, ""),
	refused(PG, `SELECT 'C:\'`, ""),
	refused(SF, "SELECT /* a /* b */ 1", ""),
	refused(RS, "SELECT /* a /* b */ 1 */ 2", ""),
	refused(DB, "SELECT 1 -- note \\\nDELETE FROM t", ""),
	refused(PG, "SELECT 1 -- x\rDELETE FROM t", ""),
	refused(PG, "SELECT 1 -- x\u2028DELETE FROM t", ""),
	refused(DB, "SELECT /*+ '; */ 1", ""),
	refused(DB, "SELECT 1 /* /*+ */ ; DELETE FROM t; /* */ */", ""),
	allowed(DB, "SELECT /*+ BROADCAST(s) */ * FROM t JOIN s ON t.id = s.id"),
	allowed(PG, "SELECT 1 /* /*+ */ ; DELETE FROM t; /* */ */"),
	refused(DB, "SELECT $$x$$", ""),
	refused(DB, "SELECT * FROM parquet.s://a--b", ""),
	refused(SF, "SELECT a$$b", ""),
	refused(SF, "SELECT $1 FROM @s/a--b.csv", ""),
	refused(SF, "SELECT $1 FROM @s/it's", ""),
	refused(PG, `SELECT U&"d\0061t" FROM t`, ""),
	refused(G, "SELECT `a`", ""),
	refused(BQ, "SELECT 'multi\nline'", ""),
	refused(PG, "SELECT\x01 1", ""),

	// Nothing to run.
	refusedAt(PG, "", "", 0),
	refusedAt(PG, "   \n\t ", "", 0),
	refusedAt(PG, "-- only a comment", "", 0),
	refusedAt(PG, "/* only */ ; ;", "", 0),
	refusedAt(BQ, "# only a comment\n;", "", 0),
	refusedAt(PG, "SELECT 1\x00", "", 0),
	refusedAt(PG, "SELECT '\xff'", "", 0),
}

// foldingCases hide keywords behind characters that some engine's case
// folding turns into ASCII letters (fold.go). They hold in every dialect, and
// init adds each of them to the corpus once per dialect.
var foldingCases = []corpusCase{
	// U+0131 dotless ı: Spark's parser upper-cases it to I.
	{sql: "WITH x AS (SELECT 1 AS a) \u0131nsert \u0131nto t SELECT * FROM x", kw: "INSERT"},
	{sql: "\u0131nsert \u0131nto t VALUES (1)", kw: "INSERT"},
	{sql: "SELECT * \u0131nto t2 FROM t", kw: "INTO"},
	// U+0130 İ: lower-cases to i.
	{sql: "SELECT 1; \u0130NSERT INTO t VALUES (1)", kw: "INSERT", stmt: 2},
	{sql: "WITH d AS (DELET\u0130ON) SELECT 1; DROP TABLE \u0130", kw: "DROP", stmt: 2},
	// U+017F long ſ: upper-cases to S.
	{sql: "\u017Felect 1; DELETE FROM t", kw: "DELETE", stmt: 2},
	{sql: "WITH x AS (SELECT 1) up\u017Fert INTO t SELECT * FROM x", kw: "UPSERT"},
	{sql: "SELECT pg_\u017Fleep(10)", kw: "PG_SLEEP"},
	{sql: "SELECT pg_\u017Ftat_reset()", kw: "PG_STAT_RESET"},
	// U+212A Kelvin sign: lower-cases to k.
	{sql: "SELECT * FROM chec\u212Apoint()", kw: "CHECKPOINT"},
	{sql: "SELECT * FROM t FOR \u212AEY SHARE", kw: "FOR KEY SHARE"},
	// Full case mappings: ß to SS, ligatures to their letters.
	{sql: "SELECT pg_logical_emit_me\u00DFage(true, 'p', 'x')", kw: "PG_LOGICAL_EMIT_MESSAGE"},
	{sql: "SELECT pg_\uFB06at_reset()", kw: "PG_STAT_RESET"},
	{sql: "SELECT set_con\uFB01g('x', 'y', false)", kw: "SET_CONFIG"},
	// Folding characters that spell no keyword are ordinary names.
	{sql: "SELECT stra\u00DFe, \u0131l\u00E7e, \u0130L, \u017Fomething FROM t", allow: true},
	{sql: "SELECT '\u0131nsert \u0131nto t' AS note", allow: true},
}

// sideEffectCases call built-in functions that write (issue 15.2); the
// names are global, so they are refused in every dialect.
var sideEffectCases = []corpusCase{
	{sql: "SELECT DropGeometryTable('public','t')", kw: "DROPGEOMETRYTABLE"},
	{sql: "SELECT AddGeometryColumn('t','g2',4326,'POINT',2)", kw: "ADDGEOMETRYCOLUMN"},
	{sql: "SELECT UpdateGeometrySRID('t','geom',3857)", kw: "UPDATEGEOMETRYSRID"},
	{sql: "SELECT public.DropGeometryColumn('t', 'geom')", kw: "DROPGEOMETRYCOLUMN"},
	{sql: "SELECT Populate_Geometry_Columns()", kw: "POPULATE_GEOMETRY_COLUMNS"},
	{sql: "SELECT topology.CreateTopology('topo', 4326)", kw: "CREATETOPOLOGY"},
	{sql: "SELECT topology.TopoGeo_AddPoint('topo', 'POINT(0 0)')", kw: "TOPOGEO_ADDPOINT"},
	{sql: "SELECT toTopoGeom(geom, 'topo', 1) FROM t", kw: "TOTOPOGEOM"},
	{sql: "SELECT AddRasterConstraints('t', 'rast')", kw: "ADDRASTERCONSTRAINTS"},
	{sql: "SELECT brin_summarize_new_values('idx')", kw: "BRIN_SUMMARIZE_NEW_VALUES"},
	{sql: "SELECT brin_desummarize_range('idx', 0)", kw: "BRIN_DESUMMARIZE_RANGE"},
	{sql: "SELECT gin_clean_pending_list('idx')", kw: "GIN_CLEAN_PENDING_LIST"},
	{sql: "SELECT pg_truncate_visibility_map('t')", kw: "PG_TRUNCATE_VISIBILITY_MAP"},
	{sql: "SELECT heap_force_kill('t'::regclass, ARRAY['(0,1)']::tid[])", kw: "HEAP_FORCE_KILL"},
	{sql: "SELECT pg_restore_relation_stats('relation', 't'::regclass, 'reltuples', 1::real)", kw: "PG_RESTORE_RELATION_STATS"},
	{sql: "SELECT txid_current()", kw: "TXID_CURRENT"},
	{sql: "SELECT change_query_priority(1076, 'Critical')", kw: "CHANGE_QUERY_PRIORITY"},
	{sql: "SELECT CHANGE_USER_PRIORITY('admin', 'low')", kw: "CHANGE_USER_PRIORITY"},
	{sql: "SELECT reboot_cluster()", kw: "REBOOT_CLUSTER"},
	{sql: "SELECT postgres_fdw_disconnect_all()", kw: "POSTGRES_FDW_DISCONNECT_ALL"},
	{sql: "SELECT * FROM pg_replication_origin_create('o')", kw: "PG_REPLICATION_ORIGIN_CREATE"},
	{sql: "SELECT EnableLongTransactions()", kw: "ENABLELONGTRANSACTIONS"},
	{sql: "SELECT AddAuth('token')", kw: "ADDAUTH"},
	{sql: "SELECT _add_raster_constraint_srid('public', 't', 'rast')", kw: "_ADD_RASTER_CONSTRAINT_SRID"},
	{sql: "SELECT topology.AddToSearchPath('public')", kw: "ADDTOSEARCHPATH"},
	{sql: "SELECT tiger.set_geocode_setting('debug_geocode_address', 'true')", kw: "SET_GEOCODE_SETTING"},
	{sql: "SELECT pg_extension_config_dump('t', '')", kw: "PG_EXTENSION_CONFIG_DUMP"},
	// Functions that only read stay allowed.
	{sql: "SELECT Find_SRID('public', 't', 'geom'), PostGIS_Full_Version(), ST_SetSRID(geom, 4326) FROM t", allow: true},
	{sql: "SELECT brin_page_items, gin_pending FROM t", allow: true},
}

func init() {
	for _, c := range append(foldingCases, sideEffectCases...) {
		for d := Dialect(0); d < numDialects; d++ {
			c.d = d
			corpus = append(corpus, c)
		}
	}
	// Snowflake names may contain '$', so SYSTEM$ functions can be spelled
	// with folding characters too.
	corpus = append(corpus,
		refused(SF, "SELECT \u017FY\u017FTEM$WAIT(10)", "SYSTEM$WAIT"),
		refused(SF, "SELECT \"\u017FY\u017FTEM$ABORT_SESSION\"(1)", "SYSTEM$ABORT_SESSION"),
		refused(BQ, "SELECT `\u0130dentity`(1), `pg_\u017Fleep`(1)", "PG_SLEEP"),
		refused(DB, "SELECT `java_method\u0131`('a', 'b'), re\uFB02ect('java.lang.Thread', 'sleep', 1L)", "REFLECT"),
	)
}

func TestCorpus(t *testing.T) {
	require.GreaterOrEqual(t, len(corpus), 150)
	for i, c := range corpus {
		t.Run(fmt.Sprintf("%03d_%s", i, c.d), func(t *testing.T) {
			err := Check(c.sql, c.d)
			if c.allow {
				assert.NoError(t, err, "%q", c.sql)
				return
			}
			var e *Error
			require.True(t, errors.As(err, &e), "want refusal of %q, got %v", c.sql, err)
			assert.Equal(t, c.kw, e.Keyword, "keyword for %q: %s", c.sql, e.Reason)
			if c.stmt != 0 || c.sql == "" || e.Statement == 0 {
				assert.Equal(t, c.stmt, e.Statement, "statement for %q: %s", c.sql, e.Reason)
			}
			assert.NotEmpty(t, e.Reason)
			assert.NotContains(t, e.Error(), "%!", "formatting error in message")
		})
	}
}

// TestCorpusEveryDialect runs dialect-independent cases in every dialect.
func TestCorpusEveryDialect(t *testing.T) {
	allow := []string{
		"SELECT 1",
		"select a, count(*) from t group by a having count(*) > 1",
		"WITH x AS (SELECT 1 AS a) SELECT a FROM x",
		"SELECT 'DROP TABLE x; DELETE FROM t'",
		"SELECT * FROM updates WHERE created_at > '2024-01-01'",
		"SELECT 1; SELECT 2",
		"/* c */ SELECT 1 -- c",
		"(SELECT 1) UNION ALL (SELECT 2)",
	}
	refuse := map[string]string{
		"DELETE FROM t":                                      "DELETE",
		"/* hi */ DROP TABLE x":                              "DROP",
		"-- x\nDELETE FROM t":                                "DELETE",
		"SELECT 'a;b'; DELETE FROM t":                        "DELETE",
		"WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x": "INSERT",
		"SELECT * INTO t2 FROM t":                            "INTO",
		"CALL carto.CREATE_TILESET('a')":                     "CALL",
		"SET x = 1":                                          "SET",
		"USE db":                                             "USE",
		"BEGIN":                                              "BEGIN",
		"EXPLAIN ANALYZE DELETE FROM t":                      "DELETE",
		"GRANT SELECT ON t TO u":                             "GRANT",
		"TRUNCATE TABLE t":                                   "TRUNCATE",
		"SELECT 'unterminated":                               "",
		"SELECT 1 /* unterminated":                           "",
	}
	for d := Dialect(0); d < numDialects; d++ {
		for _, sql := range allow {
			assert.NoError(t, Check(sql, d), "%s: %q", d, sql)
		}
		for sql, kw := range refuse {
			var e *Error
			if assert.True(t, errors.As(Check(sql, d), &e), "%s: %q", d, sql) {
				assert.Equal(t, kw, e.Keyword, "%s: %q: %s", d, sql, e.Reason)
			}
		}
	}
}

func TestLongInput(t *testing.T) {
	cols := strings.Repeat("some_column_name, ", 50000) // ~900 KB
	long := "SELECT " + cols + "1 FROM t"
	require.Less(t, len(long), MaxLen)
	assert.NoError(t, Check(long, PostgreSQL))

	e := refusal(t, Check(long+"; DELETE FROM t", PostgreSQL))
	assert.Equal(t, 2, e.Statement)
	assert.Equal(t, "DELETE", e.Keyword)

	tooLong := "SELECT '" + strings.Repeat("x", MaxLen) + "'"
	e = refusal(t, Check(tooLong, PostgreSQL))
	assert.Equal(t, 0, e.Statement)
	assert.Contains(t, e.Reason, "1 MiB")

	exact := "SELECT 1" + strings.Repeat(" ", MaxLen-len("SELECT 1"))
	assert.NoError(t, Check(exact, PostgreSQL))
	assert.Error(t, Check(exact+" ", PostgreSQL))
}

func refusal(t *testing.T, err error) *Error {
	t.Helper()
	var e *Error
	require.True(t, errors.As(err, &e), "want *Error, got %v", err)
	return e
}

// Package sqlguard decides whether SQL written by an AI model is read-only,
// for the server's --read-only mode: run_query accepts only SQL for which
// Check returns nil.
//
// # How it decides
//
// A dialect-aware tokenizer (tokenizer.go) reads the text the way the
// warehouse engine will: comments, strings (escaped, raw, triple- and
// dollar-quoted), quoted identifiers and statement separators. Each
// statement is then classified from its tokens (classify.go): the first
// keyword must start a read, and the rest of the statement must not contain
// anything that writes. Regular expressions over raw text are never used:
// the meaning of a keyword depends on whether it sits inside a string or a
// comment, which only a tokenizer knows.
//
// # Fail closed
//
// Anything sqlguard cannot classify is refused with a reason the model can
// act on. In particular the tokenizer refuses text whose reading depends on
// something it cannot know, instead of guessing:
//
//   - unterminated strings, quoted identifiers, comments and dollar quotes;
//   - a backslash before a quote where the engine's escaping depends on a
//     setting or version (PostgreSQL's standard_conforming_strings,
//     Redshift, Databricks' ANSI double-quoted identifiers, DuckDB);
//   - nested block comments where engines disagree on nesting (Snowflake,
//     Redshift, Generic);
//   - a line comment ending in a backslash (Databricks continues it onto the
//     next line) or containing a bare carriage return;
//   - outside quotes: control characters, Unicode spaces (BigQuery and
//     Databricks treat U+3000 as whitespace, PostgreSQL as part of a name),
//     invisible formatting characters, and full-width or small forms of
//     ASCII such as the full-width semicolon, which is therefore never a
//     statement separator;
//   - constructs only some versions lex as quotes: backticks in Generic,
//     '$$' in Databricks and inside Snowflake names, U&"..." identifiers;
//   - Databricks hints (/*+ ... */) holding quotes or separators, block
//     comments containing /*+ (Spark does not nest those), and Snowflake
//     stage paths or Databricks scheme://paths holding comment markers,
//     since those engines read them as code;
//   - empty input (or only comments), input over MaxLen (1 MiB), text that
//     is not UTF-8 or contains NUL.
//
// # What is a read
//
// A statement may start, after any opening parentheses, with SELECT, WITH,
// VALUES, TABLE, SHOW, DESCRIBE or DESC; with FROM in BigQuery (pipe syntax)
// and Generic (DuckDB); or with EXPLAIN followed by a statement that is
// itself a read. Several reads separated by semicolons are allowed; empty
// statements are ignored. Snowflake's '->>' chains statements and is
// treated like a semicolon.
//
// Within a read, these are refused anywhere except right after a dot
// (t.update is a column):
//
//   - INSERT, UPDATE, DELETE, MERGE, UPSERT: PostgreSQL runs them inside
//     WITH (WITH d AS (DELETE ... RETURNING *) SELECT ...), and WITH x AS
//     (...) INSERT ... is a write. INSERT(...) and TRUNCATE(...) are
//     Snowflake functions and are allowed as calls.
//   - CREATE, ALTER, DROP, TRUNCATE, GRANT, REVOKE, CALL, EXECUTE: they never
//     belong in a read (SHOW CREATE TABLE excepted), so seeing one means the
//     statement is not what it looks like. A column named like a keyword
//     must be quoted; the message says how. BigQuery pipe operators
//     |> DROP and |> CALL are refused by this rule too.
//   - INTO: SELECT ... INTO creates a table in PostgreSQL, Redshift and
//     DuckDB and assigns variables in BigQuery and Snowflake scripting.
//   - FOR UPDATE, FOR NO KEY UPDATE, FOR SHARE, FOR KEY SHARE: row locks
//     need write privileges and block writers; a read does not need them.
//   - calls of built-in functions with side effects (keywords.go, which
//     cites each engine's documentation): ending or signalling sessions
//     (pg_terminate_backend, pg_cancel_backend, pg_notify), server
//     administration (pg_reload_conf, backups, WAL, replication slots,
//     pg_stat_reset*, Redshift's REBOOT_CLUSTER and CHANGE_*_PRIORITY),
//     index and storage maintenance (brin_summarize_*, gin_clean_pending_list,
//     pg_truncate_visibility_map, pg_surgery), PostGIS management
//     (AddGeometryColumn, DropGeometryTable, UpdateGeometrySRID, raster
//     constraints, topology editing), large objects and server files
//     (lo_*, pg_file_*), pg_sleep*, set_config and setseed, sequences
//     (nextval, setval, Snowflake seq.NEXTVAL), advisory locks, functions
//     that run SQL text we cannot see now or later (dblink*, query_to_xml*,
//     pg_background_*, pg_cron's schedule, EXTERNAL_QUERY, DuckDB
//     query/query_table), exports through cloud services (RDS
//     query_export_to_s3, Aurora aws_lambda.invoke), DuckDB checkpoint(),
//     Databricks reflect, java_method and http_request, and every Snowflake
//     SYSTEM$ function except a short list of read-only ones. Calls through
//     quoted names are checked too; calls through escaped quoted names or
//     IDENTIFIER(...)(...) are refused because the name cannot be checked.
//     Functions that only read, such as pg_read_file, are allowed: the mode
//     is about writes, not about what may be read.
//
// # Case folding
//
// Keywords and function names are matched without regard to case, and some
// engines fold more than ASCII: Spark upper-cases the dotless ı to I and
// the long ſ to S, Java lower-cases İ to i and the Kelvin sign to k, and
// full case mappings turn ß into SS and ligatures such as ﬁ into FI. An
// unquoted word holding such a character is read the way the most generous
// engine would (fold.go), so "ınsert ınto" is INSERT INTO in every dialect,
// while names such as straße or ılçe stay names.
//
// # What is refused, and why
//
// Every other statement is refused; the reason names its kind:
//
//   - writes: INSERT, UPDATE, DELETE, MERGE, UPSERT, REPLACE, TRUNCATE,
//     UNDROP;
//   - schema and permissions: CREATE (including CREATE TEMP TABLE and CREATE
//     ... CLONE), ALTER, DROP, RENAME, COMMENT ON, GRANT, REVOKE;
//   - moving data: COPY (including Snowflake COPY INTO), UNLOAD, EXPORT DATA,
//     IMPORT, LOAD DATA, Snowflake PUT/GET/REMOVE, DuckDB ATTACH/DETACH;
//   - code we cannot inspect: CALL (CARTO Analytics Toolbox procedures such
//     as CREATE_TILESET write tables), EXECUTE / EXECUTE IMMEDIATE, EXEC,
//     PostgreSQL DO blocks, PREPARE;
//   - transactions: BEGIN, START TRANSACTION, COMMIT, ROLLBACK, SAVEPOINT,
//     END, ABORT. A read does not need them, and BEGIN starts BigQuery and
//     Snowflake script blocks;
//   - session changes: SET, RESET, UNSET, USE, PRAGMA, LISTEN/NOTIFY. USE
//     looks harmless, but it changes which database, role or warehouse later
//     statements run with, and SET can undo read-only protections
//     (PostgreSQL's SET default_transaction_read_only = off, a Snowflake
//     role). The message tells the model to inline values and fully qualify
//     names instead;
//   - scripting: DECLARE, ASSERT, IF, LOOP, WHILE, FOR, RAISE, RETURN, LET,
//     cursors;
//   - maintenance: VACUUM, ANALYZE, OPTIMIZE, REFRESH, REINDEX, CLUSTER,
//     LOCK, CACHE, MSCK, RESTORE, CHECKPOINT, INSTALL;
//   - EXPLAIN of anything that is not a read, with or without ANALYZE:
//     EXPLAIN ANALYZE executes its target in PostgreSQL, Redshift and
//     DuckDB, and rather than parse every engine's option syntax to learn
//     whether ANALYZE is on, only reads may be explained;
//   - anything else, such as Snowflake LIST or DuckDB SUMMARIZE, because it
//     is not known to be a read.
//
// # Limits
//
// sqlguard assumes the engine receives the checked text unchanged and
// splits statements itself (the CARTO SQL API passes it through), so a
// semicolon inside a string or comment does not end a statement.
//
// sqlguard sees only the text. It cannot know what a user-defined
// function, procedure body, custom operator, view with rules, or Snowflake
// external / BigQuery remote function does when a SELECT calls it, and in
// PostgreSQL a plain SELECT of a user function can write. Read-only mode is
// therefore a guard rail for the model, not a security boundary on its own:
// also give read-only servers credentials that can only read.
//
// # Dialects
//
// Each Dialect has its own lexical rules (dialect.go): '#' comments in
// BigQuery, '//' comments in Snowflake, nested comments in PostgreSQL and
// Databricks, "..." as a string in BigQuery, backticks in BigQuery and
// Databricks, r'...', b'...' and triple quotes in BigQuery, E'...' in PostgreSQL,
// dollar quotes in PostgreSQL, Redshift and DuckDB, and $$ in Snowflake.
// Square brackets are never identifier quotes in these engines (they are
// arrays or subscripts) and are read as punctuation. Generic follows DuckDB
// for the local backend; a warehouse must be checked with its own dialect.
package sqlguard

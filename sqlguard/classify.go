package sqlguard

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxLen is the longest SQL text, in bytes, that Check accepts. The checks
// are linear, but no analytical query needs more and the bound keeps the
// cost of a hostile input small.
const MaxLen = 1 << 20

// Error explains why read-only mode refuses the SQL, in words an AI model
// can act on.
type Error struct {
	// Statement is the 1-based position of the refused statement among the
	// non-empty statements, or 0 when the input as a whole is refused
	// (empty, too long, not UTF-8).
	Statement int
	// Keyword is the upper-case keyword or function that caused the
	// refusal, such as "DELETE", "INTO", "FOR UPDATE", "EXECUTE IMMEDIATE"
	// or "PG_SLEEP"; it is empty when the text itself could not be read
	// safely (an unterminated string, an ambiguous quote).
	Keyword string
	// Reason says what the statement is, why it is refused and what to do
	// instead.
	Reason string
}

func (e *Error) Error() string {
	if e.Statement == 0 {
		return "query refused: " + e.Reason
	}
	return fmt.Sprintf("statement %d refused: %s", e.Statement, e.Reason)
}

// Statement is one statement of the input as Classify sees it.
type Statement struct {
	Index   int    // 1-based, counting non-empty statements only
	Keyword string // upper-case first word ("SELECT", "WITH", "DELETE"); "" if it does not start with a word
	Text    string // source text from its first to its last token
	Read    bool   // true if read-only mode allows it
	Err     *Error // why not, when Read is false
}

// Check returns nil if every statement in sql is a read, or an *Error for
// the first statement that is not (or for the input as a whole).
func Check(sql string, d Dialect) error {
	stmts, err := Classify(sql, d)
	for i := range stmts {
		if stmts[i].Err != nil {
			return stmts[i].Err
		}
	}
	return err
}

// Classify splits sql into statements and classifies each one. The error,
// always an *Error, reports a problem with the input as a whole or one that
// stopped tokenizing; in the latter case the statements before it are
// returned too, and the one being read is included, refused.
func Classify(sql string, d Dialect) ([]Statement, error) {
	loadVocab()
	r, ok := d.rules()
	if !ok {
		return nil, &Error{Reason: fmt.Sprintf("the server passed an unknown SQL dialect (%v); this is a server bug, not a problem with the query", d)}
	}
	if len(sql) > MaxLen {
		return nil, &Error{Reason: fmt.Sprintf("the SQL is %d bytes, more than read-only mode's limit of %d bytes (1 MiB); send a shorter query", len(sql), MaxLen)}
	}
	if !utf8.ValidString(sql) {
		return nil, &Error{Reason: "the SQL is not valid UTF-8 text; send it as UTF-8"}
	}
	if strings.IndexByte(sql, 0) >= 0 {
		// PostgreSQL stops reading at a NUL byte, so it would see less than we do.
		return nil, &Error{Reason: "the SQL contains a NUL character; remove it"}
	}
	toks, lerr := tokenize(sql, r)
	parts := splitStatements(toks)
	failing := -1 // the statement that was being read when tokenizing stopped
	if lerr != nil && len(toks) > 0 && toks[len(toks)-1].kind != tkSeparator {
		failing = len(parts) - 1
	}
	stmts := make([]Statement, 0, len(parts))
	for i, st := range parts {
		s := Statement{Index: i + 1, Text: sql[st[0].start:st[len(st)-1].end]}
		c := classifier{src: sql, d: d, r: r, toks: st}
		if i == failing {
			s.Keyword = c.leadWord(st[0])
			s.Err = &Error{Statement: i + 1, Reason: lerr.reason}
		} else {
			var kw, reason string
			s.Keyword, kw, reason = c.statement(0, 0)
			if reason != "" {
				s.Err = &Error{Statement: i + 1, Keyword: kw, Reason: reason}
			}
		}
		s.Read = s.Err == nil
		stmts = append(stmts, s)
	}
	switch {
	case lerr != nil && failing >= 0:
		return stmts, stmts[failing].Err
	case lerr != nil:
		return stmts, &Error{Statement: len(parts) + 1, Reason: lerr.reason}
	case len(parts) == 0:
		return nil, &Error{Reason: "there is nothing to run: the SQL is empty or only comments; send a SELECT, WITH, SHOW, DESCRIBE or EXPLAIN statement"}
	}
	return stmts, nil
}

// splitStatements cuts tokens at separators, dropping empty statements.
func splitStatements(toks []token) [][]token {
	var parts [][]token
	begin := 0
	for i := 0; i <= len(toks); i++ {
		if i < len(toks) && toks[i].kind != tkSeparator {
			continue
		}
		if i > begin {
			parts = append(parts, toks[begin:i])
		}
		begin = i + 1
	}
	return parts
}

const (
	allowedForms = "read-only mode runs only SELECT, WITH (without data-modifying parts), VALUES, TABLE, SHOW, DESCRIBE, and EXPLAIN of those"
	toWrite      = "use a server started without --read-only to make changes"
)

var categoryReasons = map[category]string{
	catWrite:  "%s changes data; " + allowedForms + "; " + toWrite,
	catSchema: "%s changes database objects or permissions; " + allowedForms + "; " + toWrite,
	catMove:   "%s moves data into or out of the warehouse (files, stages, buckets or other databases); " + allowedForms + "; " + toWrite,
	catProcedure: "%s runs a procedure or dynamic SQL whose effects read-only mode cannot see (CARTO Analytics Toolbox procedures such as " +
		"CREATE_TILESET write tables); run the SELECT you need directly, or " + toWrite,
	catTransaction: "%s is transaction control, which read-only mode does not run: each request is executed on its own; " +
		"send just the reads, without BEGIN, COMMIT or ROLLBACK",
	catSession: "%s changes session state (settings, variables, or the current database, schema, role or warehouse), and a session change " +
		"can lift read-only protections (PostgreSQL's SET default_transaction_read_only, for one); write values inline and fully " +
		"qualify table names (database.schema.table) instead",
	catScript: "%s is procedural scripting (variables, control flow, assertions or cursors), which read-only mode cannot verify; " +
		"send plain SELECT statements instead",
	catMaintenance: "%s changes table storage, statistics, caches, extensions or locks; " + allowedForms + "; " + toWrite,
}

// maxExplainDepth bounds EXPLAIN EXPLAIN ... nesting.
const maxExplainDepth = 4

// classifier judges the tokens of one statement.
type classifier struct {
	src   string
	d     Dialect
	r     *lexRules
	toks  []token
	match []int // index of the matching ')' for each '(' (-1 if none), built on first use
}

// statement classifies the statement starting at token i. It returns the
// leading keyword and, if the statement is not a read, the keyword to blame
// and the reason.
func (c *classifier) statement(i, depth int) (lead, kw, reason string) {
	for i < len(c.toks) && c.punct(i, '(') {
		i++
	}
	if i == len(c.toks) {
		return "", "", "the statement is only parentheses; " + allowedForms
	}
	t := c.toks[i]
	if t.kind != tkWord {
		return "", "", fmt.Sprintf("the statement starts with %s, which is not a keyword, so read-only mode cannot classify it; %s", c.snippet(t), allowedForms)
	}
	lead, info := c.lookup(t)
	if info == nil {
		lead = c.leadWord(t)
	}
	switch {
	case info == nil:
	case lead == "EXPLAIN":
		kw, reason = c.explain(i+1, depth)
		return lead, kw, reason
	case info.read && (lead != "FROM" || c.r.fromFirst):
		kw, reason = c.body(i+1, lead)
		return lead, kw, reason
	case info.lead != catNone:
		phrase := lead
		if next, ok := phraseWords[lead]; ok && c.keywordAt(i+1) == next {
			phrase += " " + next
		}
		return lead, phrase, fmt.Sprintf(categoryReasons[info.lead], phrase) + c.foldNote(t)
	}
	return lead, lead, fmt.Sprintf("read-only mode cannot tell whether a statement starting with %s is a read, so it refuses it; %s", lead, allowedForms)
}

// explain classifies EXPLAIN's target: the statement after the options.
// EXPLAIN ANALYZE executes its target in PostgreSQL, Redshift and DuckDB,
// and options are spelled differently everywhere, so rather than decide
// whether ANALYZE is in effect, only reads may be explained at all.
func (c *classifier) explain(i, depth int) (kw, reason string) {
	if depth >= maxExplainDepth {
		return "EXPLAIN", "the statement nests EXPLAIN too deeply; explain a SELECT directly"
	}
	for i < len(c.toks) {
		if c.punct(i, '(') && c.isExplainOption(i+1) {
			if i = c.matching(i); i < 0 {
				i = len(c.toks)
			}
		} else if !c.isExplainOption(i) {
			break
		}
		i++
	}
	if i >= len(c.toks) {
		return "EXPLAIN", "EXPLAIN needs a statement to explain; " + allowedForms
	}
	lead, kw, reason := c.statement(i, depth+1)
	if reason == "" || lead == "EXPLAIN" {
		return kw, reason
	}
	return kw, "EXPLAIN (with ANALYZE) runs the statement it explains, so read-only mode explains only reads: " + reason
}

func (c *classifier) isExplainOption(i int) bool {
	if i >= len(c.toks) || c.toks[i].kind != tkWord {
		return false
	}
	_, info := c.lookup(c.toks[i])
	return info != nil && info.explainOpt
}

// body checks the tokens of a read-looking statement, from token from on, for
// anything that makes it write or act: data-modifying statements inside it,
// SELECT ... INTO, row locks, and side-effecting functions.
func (c *classifier) body(from int, lead string) (kw, reason string) {
	for i := from; i < len(c.toks); i++ {
		t := c.toks[i]
		call := c.punct(i+1, '(')
		if t.kind == tkQuotedIdent && call {
			if kw, reason = c.quotedCall(t); kw != "" {
				return kw, reason
			}
			continue
		}
		if t.kind != tkWord {
			continue
		}
		k, info := c.lookup(t)
		// After a dot every engine reads a keyword as a name: t.update, x.delete.
		if info != nil && !c.punct(i-1, '.') {
			switch {
			case k == "FOR":
				if lock := c.lockClause(i); lock != "" {
					return lock, fmt.Sprintf("SELECT ... %s locks the rows it reads as if to change them; remove the locking clause to just read", lock)
				}
			case k == "INTO":
				return k, "SELECT ... INTO writes: it creates a table from the result (PostgreSQL, Redshift, DuckDB) or assigns script variables " +
					"(BigQuery, Snowflake); remove the INTO clause to just return the rows" + c.foldNote(t)
			case k == "IDENTIFIER" && call && c.callsResult(i+1):
				return k, "IDENTIFIER(...)(...) calls a function whose name is only known when the query runs, so read-only mode cannot check " +
					"that it is free of side effects; write the function name directly"
			case info.bodyWrite && !(info.alsoFunc && call) && !(lead == "SHOW" && k == "CREATE" && i == from):
				return k, c.bodyReason(lead, k) + c.foldNote(t)
			}
		}
		if name, what := c.sideEffect(t, k, info, call); name != "" {
			return name, fmt.Sprintf("%s %s, so read-only mode refuses it (it refuses built-in functions with side effects); remove the call", name, what) + c.foldNote(t)
		}
	}
	return "", ""
}

func (c *classifier) bodyReason(lead, k string) string {
	quoted := c.quoteExample(k)
	if dmlWords[k] {
		return fmt.Sprintf("this %s statement contains %s, which writes data (for example as a data-modifying WITH clause); %s; %s. "+
			"If %s is a column or table name here, quote it as %s", lead, k, allowedForms, toWrite, k, quoted)
	}
	return fmt.Sprintf("this %s statement contains %s, which never belongs in a read, so read-only mode refuses it; "+
		"if %s is a column or table name here, quote it as %s", lead, k, k, quoted)
}

// quoteExample shows how this dialect quotes name as an identifier.
func (c *classifier) quoteExample(name string) string {
	switch c.d {
	case BigQuery, Databricks:
		return "`" + strings.ToLower(name) + "`"
	case Snowflake:
		return `"` + name + `"`
	}
	return `"` + strings.ToLower(name) + `"`
}

// callsResult reports whether the parenthesized group opening at token
// open is itself called, as in IDENTIFIER('f')(x).
func (c *classifier) callsResult(open int) bool {
	m := c.matching(open)
	return m >= 0 && c.punct(m+1, '(')
}

// lockClause recognizes FOR UPDATE, FOR NO KEY UPDATE, FOR SHARE and FOR
// KEY SHARE at token i, and not PIVOT's FOR share IN (...).
func (c *classifier) lockClause(i int) string {
	switch c.keywordAt(i + 1) {
	case "UPDATE":
		return "FOR UPDATE"
	case "SHARE":
		if c.keywordAt(i+2) != "IN" {
			return "FOR SHARE"
		}
	case "NO":
		if c.keywordAt(i+2) == "KEY" && c.keywordAt(i+3) == "UPDATE" {
			return "FOR NO KEY UPDATE"
		}
	case "KEY":
		if c.keywordAt(i+2) == "SHARE" {
			return "FOR KEY SHARE"
		}
	}
	return ""
}

// sideEffect reports a call of a known side-effecting function (or a
// Snowflake seq.NEXTVAL, which needs no parentheses).
func (c *classifier) sideEffect(t token, k string, info *wordInfo, call bool) (name, what string) {
	if info != nil && info.effect != "" && (call || k == "NEXTVAL") {
		return k, info.effect
	}
	if call && (info == nil || !info.readOnly) {
		w := c.word(t)
		for _, p := range effectPrefixes {
			if hasUpperPrefix(w, p.prefix) {
				return asciiUpper(w), p.what
			}
		}
	}
	return "", ""
}

// quotedCall checks a function called by a quoted name, such as
// "pg_sleep"(1) in PostgreSQL or `EXTERNAL_QUERY`(...) in BigQuery.
func (c *classifier) quotedCall(t token) (kw, reason string) {
	text := c.src[t.start:t.end]
	q := text[:1]
	name := strings.ReplaceAll(text[1:len(text)-1], q+q, q)
	if strings.Contains(name, `\`) {
		return asciiUpper(name), fmt.Sprintf("the function name %s uses escapes, so read-only mode cannot check that it is free of side effects; write the name without escapes", text)
	}
	// Quoted names keep their case in some engines and not in others (BigQuery
	// and Databricks match function names case-insensitively): fold as the
	// most generous one would.
	upper := asciiUpper(foldWord(name))
	info := vocab[upper]
	if info != nil && info.effect != "" {
		return upper, fmt.Sprintf("%s %s, so read-only mode refuses it (it refuses built-in functions with side effects); remove the call", upper, info.effect)
	}
	if info == nil || !info.readOnly {
		for _, p := range effectPrefixes {
			if strings.HasPrefix(upper, p.prefix) {
				return upper, fmt.Sprintf("%s %s, so read-only mode refuses it; remove the call", upper, p.what)
			}
		}
	}
	return "", ""
}

// lookup returns the upper-case spelling of a vocabulary word and what is
// known about it, or "" and nil for other tokens. It does not allocate.
func (c *classifier) lookup(t token) (string, *wordInfo) {
	// A folding character is at most 3 bytes for each letter it becomes, so a
	// longer word cannot fold to a vocabulary word: do not fold it.
	if t.kind != tkWord || t.end-t.start > 3*maxVocabLen {
		return "", nil
	}
	w := c.word(t)
	if len(w) > maxVocabLen {
		return "", nil
	}
	if first := w[0] | 0x20; first < 'a' || first > 'z' || !vocabShape[first-'a'][len(w)] {
		return "", nil
	}
	var buf [maxVocabLen]byte
	for i := 0; i < len(w); i++ {
		b := w[i]
		if 'a' <= b && b <= 'z' {
			b -= 'a' - 'A'
		}
		buf[i] = b
	}
	if info, ok := vocab[string(buf[:len(w)])]; ok {
		return info.canon, info
	}
	return "", nil
}

// leadWord returns the upper-case text of a word token, or "".
func (c *classifier) leadWord(t token) string {
	if t.kind != tkWord {
		return ""
	}
	return asciiUpper(c.word(t))
}

// word returns a word token's text as the most generous engine reads it:
// folded (fold.go) when it holds characters that fold to ASCII letters. It
// allocates only for those rare words.
func (c *classifier) word(t token) string {
	w := c.src[t.start:t.end]
	if t.folded {
		return foldWord(w)
	}
	return w
}

// foldNote explains, for a refusal caused by a word with folding
// characters, why a word that does not look like a keyword was read as one.
func (c *classifier) foldNote(t token) string {
	if !t.folded {
		return ""
	}
	return fmt.Sprintf(" (the word %q is %s to engines that fold Unicode case, such as Databricks: write names in plain ASCII, or quote them)",
		c.src[t.start:t.end], asciiUpper(c.word(t)))
}

// keywordAt returns the upper-case word at token i, or "".
func (c *classifier) keywordAt(i int) string {
	if i < 0 || i >= len(c.toks) || c.toks[i].kind != tkWord {
		return ""
	}
	k, info := c.lookup(c.toks[i])
	if info == nil {
		return ""
	}
	return k
}

// punct reports whether token i is the one-byte punctuation b.
func (c *classifier) punct(i int, b byte) bool {
	if i < 0 || i >= len(c.toks) {
		return false
	}
	t := c.toks[i]
	return t.kind == tkPunct && c.src[t.start] == b
}

// matching returns the index of the ')' closing the '(' at token open, or
// -1. The table is built once per statement so nested lookups stay linear.
func (c *classifier) matching(open int) int {
	if c.match == nil {
		c.match = make([]int, len(c.toks))
		var stack []int
		for i := range c.toks {
			c.match[i] = -1
			switch {
			case c.punct(i, '('):
				stack = append(stack, i)
			case c.punct(i, ')') && len(stack) > 0:
				c.match[stack[len(stack)-1]] = i
				stack = stack[:len(stack)-1]
			}
		}
	}
	if open < 0 || open >= len(c.match) {
		return -1
	}
	return c.match[open]
}

// snippet quotes the start of a token for a message.
func (c *classifier) snippet(t token) string {
	s := c.src[t.start:t.end]
	if utf8.RuneCountInString(s) > 24 {
		s = string([]rune(s)[:24]) + "..."
	}
	return fmt.Sprintf("%q", s)
}

// hasUpperPrefix reports whether s starts with the upper-case ASCII prefix,
// ignoring ASCII case, without allocating.
func hasUpperPrefix(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		b := s[i]
		if 'a' <= b && b <= 'z' {
			b -= 'a' - 'A'
		}
		if b != prefix[i] {
			return false
		}
	}
	return true
}

// asciiUpper upper-cases ASCII letters only, as SQL engines fold keywords;
// Unicode case folding would make "ſelect" a SELECT.
func asciiUpper(s string) string {
	for i := 0; i < len(s); i++ {
		if 'a' <= s[i] && s[i] <= 'z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'a' <= b[j] && b[j] <= 'z' {
					b[j] -= 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

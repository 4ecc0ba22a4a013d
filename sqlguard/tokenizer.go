package sqlguard

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The tokenizer turns SQL text into words, quoted names, literals,
// punctuation and statement separators, skipping whitespace and comments.
// Its one job is to agree with the engine about where strings, quoted
// identifiers and comments begin and end, because that decides which
// semicolons split statements and which keywords are code. Wherever the
// engine's reading is uncertain (a server setting, an engine version, or a
// rule we do not know) it refuses the input instead of guessing: a refused
// read costs the model a rewrite, an accepted hidden write costs data.
//
// It runs in one left-to-right pass. Where it computes two readings of a
// construct, both stop at the same place or the input is refused on the
// spot, so the work stays linear in the input.

type tokenKind uint8

const (
	tkWord        tokenKind = iota + 1 // unquoted identifier or keyword
	tkQuotedIdent                      // "name", `name`
	tkString                           // any string literal, including prefixed, triple- and dollar-quoted
	tkNumber                           // numeric literal
	tkParam                            // $1, or a Snowflake $variable
	tkPunct                            // one byte of operator or punctuation
	tkSeparator                        // ';', or Snowflake's '->>' which chains statements
)

type token struct {
	kind tokenKind
	// folded marks a word holding a character that some engine's case
	// folding turns into ASCII letters (fold.go): it must be read through
	// foldWord.
	folded     bool
	start, end int // byte offsets into the source
}

// lexError is a refusal raised while tokenizing; reason is for the model.
type lexError struct {
	pos    int
	reason string
}

type lexer struct {
	src  string
	r    *lexRules
	pos  int
	toks []token
	// stageChecked is where the last checked stage path ended: an '@'
	// before it starts a suffix of a path already checked.
	stageChecked int
}

// tokenize returns the tokens of src. On failure it also returns the tokens
// read before the failure, so the caller can still judge earlier statements.
func tokenize(src string, r *lexRules) ([]token, *lexError) {
	lx := lexer{src: src, r: r, toks: make([]token, 0, len(src)/4+4)}
	for lx.pos < len(lx.src) {
		if err := lx.next(); err != nil {
			return lx.toks, err
		}
	}
	return lx.toks, nil
}

func (lx *lexer) emit(k tokenKind, start, end int) {
	lx.toks = append(lx.toks, token{kind: k, start: start, end: end})
	lx.pos = end
}

// at returns the byte at i, or 0 past the end (NUL never occurs in input).
func (lx *lexer) at(i int) byte {
	if i < len(lx.src) {
		return lx.src[i]
	}
	return 0
}

func (lx *lexer) fail(pos int, format string, args ...any) *lexError {
	line, col := where(lx.src, pos)
	return &lexError{pos: pos, reason: fmt.Sprintf("at line %d, column %d: ", line, col) + fmt.Sprintf(format, args...)}
}

// where converts a byte offset to a 1-based line and column (in characters).
func where(src string, pos int) (line, col int) {
	if pos > len(src) {
		pos = len(src)
	}
	before := src[:pos]
	line = strings.Count(before, "\n") + 1
	lineStart := strings.LastIndexByte(before, '\n') + 1
	return line, utf8.RuneCountInString(before[lineStart:]) + 1
}

func (lx *lexer) next() *lexError {
	src, r, i := lx.src, lx.r, lx.pos
	c := src[i]
	switch {
	case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
		lx.pos++
	case c == '-' && lx.at(i+1) == '-':
		return lx.lineComment(i, i+2)
	case c == '#' && r.hashComment:
		return lx.lineComment(i, i+1)
	case c == '/' && lx.at(i+1) == '/' && r.slashComment:
		return lx.lineComment(i, i+2)
	case c == '/' && lx.at(i+1) == '*':
		return lx.blockComment(i)
	case c == ';':
		lx.emit(tkSeparator, i, i+1)
	case c == '-' && r.flowOperator && strings.HasPrefix(src[i:], "->>"):
		lx.emit(tkSeparator, i, i+3)
	case c == '\'' || c == '"':
		return lx.quote(i, i, pfxNone)
	case c == '`':
		return lx.backtick(i)
	case c == '$':
		return lx.dollar(i)
	case c == '@' && r.stagePaths:
		if err := lx.stagePath(i); err != nil {
			return err
		}
		lx.emit(tkPunct, i, i+1)
	case isDigit(c) || c == '.' && isDigit(lx.at(i+1)):
		lx.number(i)
	case isWordByte(c) && !isDigit(c) || c >= utf8.RuneSelf:
		return lx.word(i)
	case c < 0x20 || c == 0x7f:
		return lx.fail(i, "the control character %U is not SQL whitespace and engines treat it differently, so read-only mode refuses it; remove it or use a space", rune(c))
	default:
		lx.emit(tkPunct, i, i+1)
	}
	return nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isWordByte reports an ASCII byte that can continue an unquoted identifier.
func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || isDigit(c) || c == '_'
}

// oddRune explains why a non-ASCII character cannot appear outside quotes,
// or returns "". Engines disagree on these: BigQuery and Databricks treat
// U+00A0 or U+3000 as whitespace while PostgreSQL treats them as identifier
// characters, and look-alikes of ';' or quotes turn into the real thing
// under Unicode normalization. Each could make a keyword visible to the
// engine that sqlguard read as part of a name.
func oddRune(r rune) string {
	switch {
	case unicode.IsSpace(r):
		return "is a Unicode space or line break that some engines treat as whitespace and others as part of a name"
	case unicode.Is(unicode.Cf, r):
		return "is an invisible formatting character"
	case r == 0x037E || 0xFE50 <= r && r <= 0xFE6B || 0xFF01 <= r && r <= 0xFF5E:
		return "is a full-width or small form of an ASCII character (such as a full-width ';')"
	}
	return ""
}

// number lexes digits, an optional fraction and an exponent with digits. It
// never swallows letters, so "1INTO" still shows INTO to the classifier.
func (lx *lexer) number(i int) {
	j := i
	for isDigit(lx.at(j)) {
		j++
	}
	if lx.at(j) == '.' {
		j++
		for isDigit(lx.at(j)) {
			j++
		}
	}
	if c := lx.at(j); c == 'e' || c == 'E' {
		k := j + 1
		if c := lx.at(k); c == '+' || c == '-' {
			k++
		}
		if isDigit(lx.at(k)) {
			for j = k; isDigit(lx.at(j)); j++ {
			}
		}
	}
	lx.emit(tkNumber, i, j)
}

type prefix uint8

const (
	pfxNone   prefix = iota
	pfxPlain         // BigQuery r, b, rb, br: the literal ends where an unprefixed one would
	pfxEscape        // E'...': backslash escapes per rules.eStrings
	pfxRaw           // r'...': no escapes per rules.rawStrings
)

// word lexes an unquoted identifier or keyword, or a prefixed string such as
// E'...' or r'...' when the word is a prefix glued to a quote.
func (lx *lexer) word(start int) *lexError {
	src, r := lx.src, lx.r
	i := start
	folded := false
scan:
	for i < len(src) {
		c := src[i]
		switch {
		case isWordByte(c), c == '$' && r.dollarInWords:
			i++
		case c >= utf8.RuneSelf:
			ch, size := utf8.DecodeRuneInString(src[i:])
			if why := oddRune(ch); why != "" {
				return lx.fail(i, "the character %U %s; read-only mode refuses it outside strings and quoted names", ch, why)
			}
			folded = folded || foldsToASCII(ch)
			i += size
		default:
			break scan
		}
	}
	w := src[start:i]
	if c := lx.at(i); c == '\'' || c == '"' {
		if p := r.prefixOf(w, c); p != pfxNone {
			return lx.quote(start, i, p)
		}
	}
	if r.noDollarPairs && strings.Contains(w, "$$") {
		return lx.fail(start, "the name %q contains '$$', which may start a $$-quoted string; read-only mode cannot tell, so it refuses it; put a space before $$ or quote the name", w)
	}
	if r.noUnicodeName && (w == "U" || w == "u") && strings.HasPrefix(src[i:], `&"`) {
		return lx.fail(start, `U&"..." identifiers can spell any name with escapes, so read-only mode cannot check them; write the name plainly`)
	}
	if r.uriIdents && strings.HasPrefix(src[i:], "://") && isLetters(w) {
		if err := lx.uriPath(start, i+3); err != nil {
			return err
		}
	}
	lx.emit(tkWord, start, i)
	lx.toks[len(lx.toks)-1].folded = folded
	return nil
}

// prefixOf classifies a word glued to an opening quote.
func (r *lexRules) prefixOf(w string, quote byte) prefix {
	lw := strings.ToLower(w)
	switch {
	case r.bqStrings:
		if lw == "r" || lw == "b" || lw == "rb" || lw == "br" {
			return pfxPlain // raw strings end where others do: escaped quotes never end a literal
		}
	case r.rawStrings != no && lw == "r":
		return pfxRaw
	case r.eStrings != no && lw == "e" && quote == '\'':
		return pfxEscape
	}
	return pfxNone
}

func isLetters(w string) bool {
	for _, ch := range w {
		if !unicode.IsLetter(ch) {
			return false
		}
	}
	return w != ""
}

// uriPath checks a Spark identifier of the form scheme://path. Spark lexes
// the path (letters, digits and _/-.?=&#%) as part of the identifier, so a
// "--" or a trailing "/" before "*" would be code to Spark but a comment
// opener to us.
func (lx *lexer) uriPath(start, i int) *lexError {
	src := lx.src
	for i < len(src) {
		ch, size := utf8.DecodeRuneInString(src[i:])
		if !(unicode.IsLetter(ch) || ch < utf8.RuneSelf && (isWordByte(byte(ch)) || strings.IndexByte("/-.?=&#%", byte(ch)) >= 0)) {
			break
		}
		if ch == '-' && lx.at(i+1) == '-' || ch == '/' && lx.at(i+1) == '*' {
			return lx.fail(start, "the unquoted path %q contains a comment marker that Databricks reads as part of the path; quote the path with backticks", src[start:i+2])
		}
		i += size
	}
	return nil
}

// quote lexes a literal or quoted identifier whose opening quote is at q.
// The token starts at start, before any prefix.
func (lx *lexer) quote(start, q int, p prefix) *lexError {
	src, r := lx.src, lx.r
	c := src[q]
	kind := tkString
	if c == '"' && !r.dqIsString && p == pfxNone {
		kind = tkQuotedIdent
	}
	what := "string literal"
	if kind == tkQuotedIdent {
		what = "quoted identifier"
	}
	if r.bqStrings {
		return lx.bqQuote(start, q, what)
	}
	bs := r.sqBackslash
	if c == '"' {
		bs = r.dqBackslash
	}
	switch p {
	case pfxEscape:
		bs = r.eStrings
	case pfxRaw:
		// Engines without raw strings read r'..' as a name and an escaped string.
		bs = either
		if r.rawStrings == yes {
			bs = no
		}
	}
	end, err := lx.scanEither(q, c, bs, true, what)
	if err != nil {
		return err
	}
	lx.emit(kind, start, end)
	return nil
}

// scanEither finds the end of a quoted run under backslash rule bs. For
// "either" it scans with and without backslash escapes and refuses when the
// two readings end in different places.
func (lx *lexer) scanEither(q int, c byte, bs rule, doubling bool, what string) (int, *lexError) {
	var end int
	switch bs {
	case yes:
		end = scanQuoted(lx.src, q+1, c, true, doubling)
	case no:
		end = scanQuoted(lx.src, q+1, c, false, doubling)
	default:
		end = scanQuoted(lx.src, q+1, c, true, doubling)
		if scanQuoted(lx.src, q+1, c, false, doubling) != end {
			return 0, lx.fail(q, `the %s has a backslash before a quote (or at its end), and this engine reads that differently depending on its settings or version, so read-only mode cannot tell where it ends; to include the quote character, write it twice, and avoid a backslash right before a quote`, what)
		}
	}
	if end < 0 {
		return 0, lx.fail(q, "the %s starting here is never closed, so read-only mode cannot tell where the statement ends; close the %c quote", what, c)
	}
	return end, nil
}

// scanQuoted returns the offset just past the quote q that closes a run
// starting at i, or -1. With doubling, qq stands for one q; a doubled quote
// and two adjacent literals cover the same text, so this is also right for
// engines that concatenate adjacent literals instead.
func scanQuoted(src string, i int, q byte, backslash, doubling bool) int {
	for i < len(src) {
		switch src[i] {
		case '\\':
			if backslash {
				i += 2
				continue
			}
		case q:
			if doubling && i+1 < len(src) && src[i+1] == q {
				i += 2
				continue
			}
			return i + 1
		}
		i++
	}
	return -1
}

// bqQuote lexes a BigQuery string as ZetaSQL's lexer does: a backslash
// always escapes the next character (in raw strings too), three quotes open
// a triple-quoted string, and other strings must end on their own line.
func (lx *lexer) bqQuote(start, q int, what string) *lexError {
	src := lx.src
	c := src[q]
	isTriple := func(i int) bool { return lx.at(i) == c && lx.at(i+1) == c && lx.at(i+2) == c }
	if isTriple(q) {
		for i := q + 3; i < len(src); {
			switch {
			case src[i] == '\\':
				i += 2
			case isTriple(i):
				lx.emit(tkString, start, i+3)
				return nil
			default:
				i++
			}
		}
		return lx.fail(q, "the triple-quoted string starting here is never closed, so read-only mode cannot tell where the statement ends; close it with %c%c%c", c, c, c)
	}
	for i := q + 1; i < len(src); {
		switch src[i] {
		case '\\':
			i += 2
		case '\n', '\r':
			return lx.fail(q, "the %s starting here runs past the end of its line, which BigQuery rejects; close the %c quote on the same line or use a triple-quoted string", what, c)
		case c:
			lx.emit(tkString, start, i+1)
			return nil
		default:
			i++
		}
	}
	return lx.fail(q, "the %s starting here is never closed, so read-only mode cannot tell where the statement ends; close the %c quote", what, c)
}

func (lx *lexer) backtick(i int) *lexError {
	var end int
	switch lx.r.backtick {
	case btPunct:
		lx.emit(tkPunct, i, i+1)
		return nil
	case btRefuse:
		return lx.fail(i, "backtick quoting is not part of this dialect, so read-only mode cannot tell what it encloses; quote names with double quotes")
	case btBackslash:
		end = scanQuoted(lx.src, i+1, '`', true, false)
		// Look for a line break only up to the closing backtick: searching
		// the rest of the line for every name would be quadratic.
		if end >= 0 && strings.ContainsAny(lx.src[i+1:end], "\r\n") {
			return lx.fail(i, "the backtick-quoted name starting here runs past the end of its line, which BigQuery rejects; close the ` on the same line")
		}
	case btDoubled:
		end = scanQuoted(lx.src, i+1, '`', false, true)
	}
	if end < 0 {
		return lx.fail(i, "the backtick-quoted name starting here is never closed, so read-only mode cannot tell where the statement ends; close the `")
	}
	lx.emit(tkQuotedIdent, i, end)
	return nil
}

// isTagByte reports a byte PostgreSQL allows in a dollar-quote tag; tags
// may not start with a digit.
func isTagByte(c byte, first bool) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c >= utf8.RuneSelf || !first && isDigit(c)
}

func (lx *lexer) dollar(i int) *lexError {
	src := lx.src
	n := lx.at(i + 1)
	switch lx.r.dollar {
	case dollarRefuse:
		if n == '$' || isTagByte(n, true) {
			return lx.fail(i, "'$' followed by '$' or a name may open a dollar-quoted string in this engine, so read-only mode cannot tell where it ends; use a '...' string instead")
		}
	case dollarSnowflake:
		switch {
		case n == '$':
			k := strings.Index(src[i+2:], "$$")
			if k < 0 {
				return lx.fail(i, "the $$-quoted string starting here is never closed, so read-only mode cannot tell where the statement ends; close it with $$")
			}
			lx.emit(tkString, i, i+2+k+2)
			return nil
		case isDigit(n) || isTagByte(n, true):
			// $1 (a column of staged data) or $name (a session variable).
			j := i + 1
			for j < len(src) && (isWordByte(src[j]) || src[j] == '$' || src[j] >= utf8.RuneSelf) {
				j++
			}
			if strings.Contains(src[i+1:j], "$$") {
				return lx.fail(i, "the reference %q contains '$$', which may start a $$-quoted string; read-only mode cannot tell, so it refuses it", src[i:j])
			}
			lx.emit(tkParam, i, j)
			return nil
		}
	case dollarTagged:
		if isDigit(n) {
			j := i + 1
			for isDigit(lx.at(j)) {
				j++
			}
			lx.emit(tkParam, i, j)
			return nil
		}
		j := i + 1
		for first := true; j < len(src) && isTagByte(src[j], first); first = false {
			j++
		}
		if lx.at(j) == '$' {
			delim := src[i : j+1]
			k := strings.Index(src[j+1:], delim)
			if k < 0 {
				return lx.fail(i, "the dollar-quoted string starting with %s is never closed, so read-only mode cannot tell where the statement ends; close it with %s", delim, delim)
			}
			lx.emit(tkString, i, j+1+k+len(delim))
			return nil
		}
	}
	lx.emit(tkPunct, i, i+1)
	return nil
}

// stagePath checks a Snowflake stage reference such as @db.sch.stage/dir/f.csv.
// Snowflake may read the path up to whitespace as one token, so comment
// markers or quotes inside it would mean different things to it and to us.
func (lx *lexer) stagePath(i int) *lexError {
	src := lx.src
	if i < lx.stageChecked {
		return nil
	}
	j := i + 1
	for j < len(src) && strings.IndexByte(" \t\n\r\f\v;,()", src[j]) < 0 {
		j++
	}
	path := src[i+1 : j]
	for _, bad := range []string{"--", "//", "/*", "'", `"`, "`", "$$"} {
		if strings.Contains(path, bad) {
			return lx.fail(i, "the stage reference %q contains %q, which Snowflake may read as part of the path; read-only mode cannot tell, so it refuses it", src[i:j], bad)
		}
	}
	lx.stageChecked = j
	return nil
}

// lineComment skips a comment from start; the text begins at from.
func (lx *lexer) lineComment(start, from int) *lexError {
	src := lx.src
	i := from
	for i < len(src) && src[i] != '\n' {
		c := src[i]
		if c == '\r' && lx.at(i+1) != '\n' {
			// PostgreSQL, BigQuery and Spark end the comment here; others may not.
			return lx.fail(i, "the line comment contains a carriage return without a line feed, and engines disagree on whether that ends the comment; use \\n line breaks")
		}
		if c >= utf8.RuneSelf {
			ch, size := utf8.DecodeRuneInString(src[i:])
			if ch == 0x85 || ch == 0x2028 || ch == 0x2029 {
				return lx.fail(i, "the line comment contains the Unicode line break %U, and engines disagree on whether it ends the comment; use \\n line breaks", ch)
			}
			i += size
			continue
		}
		i++
	}
	if i < len(src) {
		end := i
		if src[end-1] == '\r' {
			end--
		}
		if end > from && src[end-1] == '\\' {
			// Spark continues a -- comment onto the next line after a backslash.
			return lx.fail(start, "the line comment ends with a backslash, which makes some engines (Databricks) continue the comment onto the next line; remove the trailing backslash")
		}
	}
	lx.pos = i
	return nil
}

func (lx *lexer) blockComment(start int) *lexError {
	src := lx.src
	if lx.r.sparkHints && lx.at(start+2) == '+' {
		return lx.hint(start)
	}
	var end int
	switch lx.r.nestedComments {
	case yes:
		end = nestedCommentEnd(src, start)
	case no:
		end = flatCommentEnd(src, start)
	default:
		end = flatCommentEnd(src, start)
		if nestedCommentEnd(src, start) != end {
			return lx.fail(start, "the block comment contains another '/*', and engines disagree on whether block comments nest, so read-only mode cannot tell where it ends; remove the inner '/*'")
		}
	}
	if end < 0 {
		return lx.fail(start, "the block comment starting here is never closed, so read-only mode cannot tell where the statement ends; close it with */")
	}
	if lx.r.sparkHints && strings.Contains(src[start+2:end], "/*+") {
		// Spark nests /* but not /*+, so from an inner /*+ on its comment
		// ends elsewhere than ours. Up to that point the two agree.
		return lx.fail(start, "the block comment contains '/*+', which Databricks does not treat as a nested comment, so read-only mode cannot tell where the comment ends; remove the inner '/*+'")
	}
	lx.pos = end
	return nil
}

func flatCommentEnd(src string, start int) int {
	if k := strings.Index(src[start+2:], "*/"); k >= 0 {
		return start + 2 + k + 2
	}
	return -1
}

func nestedCommentEnd(src string, start int) int {
	depth := 1
	for i := start + 2; i+1 < len(src); {
		switch {
		case src[i] == '/' && src[i+1] == '*':
			depth++
			i += 2
		case src[i] == '*' && src[i+1] == '/':
			depth--
			i += 2
			if depth == 0 {
				return i
			}
		default:
			i++
		}
	}
	return -1
}

// hint skips a Spark optimizer hint. Spark tokenizes the text between /*+
// and */ as code, so it must hold nothing that starts a string, quoted name,
// comment or new statement, or Spark and we would split the input apart
// differently.
func (lx *lexer) hint(start int) *lexError {
	end := flatCommentEnd(lx.src, start)
	if end < 0 {
		return lx.fail(start, "the hint starting here is never closed, so read-only mode cannot tell where the statement ends; close it with */")
	}
	body := lx.src[start+3 : end-2]
	if strings.ContainsAny(body, "'\"`;$") || strings.Contains(body, "--") || strings.Contains(body, "/*") {
		return lx.fail(start, "the /*+ hint contains quotes, a semicolon or comment markers, which Databricks reads as code rather than as a comment; simplify or remove the hint")
	}
	lx.pos = end
	return nil
}

package localwarehouse

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Query parameters are always bound by DuckDB as real prepared-statement
// parameters; their values never become part of the SQL text. The only
// rewriting is of BigQuery-style @name markers into DuckDB's $name, done by
// the scanner below which knows where SQL text is code and where it is a
// string, a quoted identifier, a comment or a dollar-quoted body.

// paramError is a client error in queryParameters (a 400).
type paramError struct{ msg string }

func (e *paramError) Error() string { return e.msg }

func paramErrorf(format string, args ...any) error {
	return &paramError{msg: fmt.Sprintf(format, args...)}
}

// bindParameters turns the queryParameters JSON into the SQL to run and the
// arguments to bind. raw may be empty (no parameters), a JSON array
// (positional: $1, $2 or ?) or a JSON object (named: @name or $name). A JSON
// string holding one of those is unwrapped first, because the GET form of
// the API carries queryParameters as a string.
func bindParameters(query string, raw []byte) (string, []any, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", nil, paramErrorf("queryParameters is not valid JSON: %v", err)
		}
		raw = bytes.TrimSpace([]byte(s))
	}
	if len(raw) == 0 || string(raw) == "null" {
		// A placeholder with nothing to bind would fail in DuckDB's binder with
		// a message about columns or argument counts; say what is missing.
		refs := scanParams(query, false)
		switch {
		case len(refs.named) > 0:
			return "", nil, paramErrorf("the query uses the parameter %s, but no queryParameters were given: pass them as an object, e.g. {%q: ...}",
				refs.named[0], refs.named[0][1:])
		case refs.positional:
			return "", nil, paramErrorf("the query uses positional parameters ($1 or ?), but no queryParameters were given: pass them as an array, e.g. [...] with one value per placeholder")
		}
		return query, nil, nil
	}

	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // keep integers exact instead of rounding through float64
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", nil, paramErrorf("queryParameters is not valid JSON: %v", err)
	}
	if dec.More() {
		return "", nil, paramErrorf("queryParameters has trailing data after the JSON value")
	}

	switch p := v.(type) {
	case []any:
		return bindPositional(query, p)
	case map[string]any:
		return bindNamed(query, p)
	default:
		return "", nil, paramErrorf("queryParameters must be a JSON array (for $1, $2, ...) or object (for @name), not %s", jsonKind(v))
	}
}

func bindPositional(query string, params []any) (string, []any, error) {
	refs := scanParams(query, false)
	if len(refs.named) > 0 {
		return "", nil, paramErrorf("the query uses the named parameter %s, which needs queryParameters to be an object, not an array", refs.named[0])
	}
	// DuckDB ignores values beyond the placeholders, silently: a value the
	// caller meant to bind would be lost.
	if want := refs.positionalCount(); len(params) > want {
		if want == 0 {
			return "", nil, paramErrorf("queryParameters has %d values, but the query has no placeholders: use $1, $2, ... where the values go, or leave queryParameters out", len(params))
		}
		return "", nil, paramErrorf("queryParameters has %d values, but the query uses only %d ($1 to $%d): remove the extra values or add their placeholders", len(params), want, want)
	} else if len(params) < want {
		return "", nil, paramErrorf("the query uses $%d, but queryParameters has only %d values", want, len(params))
	}
	args := make([]any, len(params))
	for i, p := range params {
		a, err := paramValue(p)
		if err != nil {
			return "", nil, paramErrorf("queryParameters[%d]: %v", i, err)
		}
		args[i] = a
	}
	return query, args, nil
}

func bindNamed(query string, params map[string]any) (string, []any, error) {
	refs := scanParams(query, true)
	if refs.positional {
		return "", nil, paramErrorf("the query uses positional parameters ($1 or ?), which need queryParameters to be an array, not an object")
	}

	// Map names case-insensitively, as DuckDB does for $name.
	byLower := make(map[string]string, len(params))
	for name := range params {
		if !isParamName(name) {
			return "", nil, paramErrorf("query parameter name %q must start with a letter and contain only letters, digits and underscores", name)
		}
		lower := strings.ToLower(name)
		if other, dup := byLower[lower]; dup {
			return "", nil, paramErrorf("query parameters %q and %q differ only in case", other, name)
		}
		byLower[lower] = name
	}
	// DuckDB binds a parameter it cannot find by name to the argument at the
	// same position, so a missing name must be caught here, not by DuckDB.
	used := make(map[string]bool, len(refs.named))
	for _, ref := range refs.named {
		if _, ok := byLower[strings.ToLower(ref[1:])]; !ok {
			return "", nil, paramErrorf("the query uses %s but queryParameters has no %q", ref, ref[1:])
		}
		used[strings.ToLower(ref[1:])] = true
	}
	// A value no placeholder uses is a mistake (a misspelt name, a forgotten
	// WHERE): refuse it rather than run the query without it.
	var unused []string
	for lower, name := range byLower {
		if !used[lower] {
			unused = append(unused, name)
		}
	}
	if len(unused) > 0 {
		slices.Sort(unused)
		return "", nil, paramErrorf("queryParameters has %q, which the query does not use (it uses %s): remove it, or add @%s where the value goes",
			unused[0], usedList(refs.named), unused[0])
	}

	names := make([]string, 0, len(params))
	for name := range params {
		names = append(names, name)
	}
	slices.Sort(names) // deterministic argument order
	args := make([]any, 0, len(names))
	for _, name := range names {
		a, err := paramValue(params[name])
		if err != nil {
			return "", nil, paramErrorf("queryParameters.%s: %v", name, err)
		}
		args = append(args, sql.Named(name, a))
	}
	return refs.sql, args, nil
}

// paramValue converts a decoded JSON value into a value DuckDB can bind:
// integers to int64 (or *big.Int beyond 64 bits, bound as a big integer),
// other numbers to float64, arrays to lists, objects to JSON text (DuckDB
// cannot bind STRUCT parameters; cast with $p::JSON).
func paramValue(v any) (any, error) {
	switch x := v.(type) {
	case nil, bool, string:
		return x, nil
	case json.Number:
		s := x.String()
		if !strings.ContainsAny(s, ".eE") {
			if i, err := strconv.ParseInt(s, 10, 64); err == nil {
				return i, nil
			}
			if b, ok := new(big.Int).SetString(s, 10); ok {
				return b, nil
			}
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("number %s is out of range", s)
		}
		return f, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			a, err := paramValue(e)
			if err != nil {
				return nil, err
			}
			out[i] = a
		}
		return out, nil
	case map[string]any:
		b, err := json.Marshal(x)
		if err != nil {
			return nil, err
		}
		return string(b), nil
	default:
		return nil, fmt.Errorf("unsupported value %T", v)
	}
}

func isParamName(s string) bool {
	// database/sql requires named arguments to begin with a letter.
	if s == "" || !isIdentStart(s[0]) || s[0] == '_' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isIdentByte(s[i]) {
			return false
		}
	}
	return true
}

func jsonKind(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	default:
		return fmt.Sprintf("%T", v)
	}
}

// paramRefs is what scanParams found in a query.
type paramRefs struct {
	sql        string   // the query, with @name rewritten to $name if asked
	named      []string // named references as written, e.g. "@city", "$id"
	positional bool     // whether $1 or ? occurs
	maxDollar  int      // the highest $N
	questions  int      // how many ? occur (DuckDB numbers them in order)
}

// positionalCount is how many positional values the query takes: DuckDB
// numbers each ? after the highest $N before it.
func (r paramRefs) positionalCount() int { return r.maxDollar + r.questions }

// usedList names the placeholders a query uses, for a message.
func usedList(named []string) string {
	if len(named) == 0 {
		return "no named placeholders"
	}
	seen := map[string]bool{}
	var out []string
	for _, n := range named {
		if !seen[strings.ToLower(n)] {
			seen[strings.ToLower(n)] = true
			out = append(out, n)
		}
	}
	return strings.Join(out, ", ")
}

// scanParams finds parameter references in code (outside strings, quoted
// identifiers, comments and dollar-quoted bodies) and, if rewriteAt, turns
// @name into $name. @@name (a BigQuery system variable) is left alone.
func scanParams(q string, rewriteAt bool) paramRefs {
	var out strings.Builder
	out.Grow(len(q))
	var refs paramRefs
	i := 0
	for i < len(q) {
		c := q[i]
		switch {
		case c == '\'':
			// E'...' strings also treat backslash as an escape.
			backslash := i > 0 && (q[i-1] == 'E' || q[i-1] == 'e') && (i == 1 || !isIdentByte(q[i-2]))
			j := skipQuoted(q, i, '\'', backslash)
			out.WriteString(q[i:j])
			i = j
		case c == '"':
			j := skipQuoted(q, i, '"', false)
			out.WriteString(q[i:j])
			i = j
		case c == '-' && strings.HasPrefix(q[i:], "--"):
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i
			}
			out.WriteString(q[i : i+j])
			i += j
		case c == '/' && strings.HasPrefix(q[i:], "/*"):
			j := skipBlockComment(q, i)
			out.WriteString(q[i:j])
			i = j
		case c == '$':
			j, kind := scanDollar(q, i)
			switch kind {
			case dollarPositional:
				refs.positional = true
				if n, err := strconv.Atoi(q[i+1 : j]); err == nil {
					refs.maxDollar = max(refs.maxDollar, n)
				} else {
					refs.maxDollar = math.MaxInt32 // absurdly large: DuckDB refuses it
				}
			case dollarNamed:
				refs.named = append(refs.named, q[i:j])
			}
			out.WriteString(q[i:j])
			i = j
		case c == '?':
			refs.positional = true
			refs.questions++
			out.WriteByte(c)
			i++
		case c == '@' && strings.HasPrefix(q[i:], "@@"):
			j := i + 2
			for j < len(q) && isIdentByte(q[j]) {
				j++
			}
			out.WriteString(q[i:j])
			i = j
		case c == '@' && i+1 < len(q) && isIdentStart(q[i+1]):
			j := i + 1
			for j < len(q) && isIdentByte(q[j]) {
				j++
			}
			refs.named = append(refs.named, q[i:j])
			if rewriteAt {
				out.WriteByte('$')
			} else {
				out.WriteByte('@')
			}
			out.WriteString(q[i+1 : j])
			i = j
		case isIdentStart(c) || c >= utf8.RuneSelf:
			// Consume whole words so that a '$' inside an identifier
			// (DuckDB allows a$b) is not taken for a parameter.
			j := i + 1
			for j < len(q) && (isIdentByte(q[j]) || q[j] == '$' || q[j] >= utf8.RuneSelf) {
				j++
			}
			out.WriteString(q[i:j])
			i = j
		default:
			out.WriteByte(c)
			i++
		}
	}
	refs.sql = out.String()
	return refs
}

// skipQuoted returns the index after the quoted token starting at q[i]; a
// doubled quote is an escaped quote. Unterminated tokens run to the end.
func skipQuoted(q string, i int, quote byte, backslash bool) int {
	j := i + 1
	for j < len(q) {
		switch q[j] {
		case '\\':
			if backslash {
				j += 2
				continue
			}
		case quote:
			if j+1 < len(q) && q[j+1] == quote {
				j += 2
				continue
			}
			return j + 1
		}
		j++
	}
	return len(q)
}

// skipBlockComment returns the index after the /* */ comment at q[i];
// DuckDB, like PostgreSQL, nests block comments.
func skipBlockComment(q string, i int) int {
	depth := 0
	j := i
	for j < len(q) {
		switch {
		case strings.HasPrefix(q[j:], "/*"):
			depth++
			j += 2
		case strings.HasPrefix(q[j:], "*/"):
			depth--
			j += 2
			if depth == 0 {
				return j
			}
		default:
			j++
		}
	}
	return len(q)
}

type dollarKind int

const (
	dollarOther dollarKind = iota
	dollarPositional
	dollarNamed
	dollarQuote
)

// scanDollar classifies the token at q[i] == '$': $1 (positional), $name
// (named), $tag$...$tag$ or $$...$$ (a dollar-quoted string, skipped whole).
func scanDollar(q string, i int) (int, dollarKind) {
	j := i + 1
	switch {
	case j < len(q) && q[j] >= '0' && q[j] <= '9':
		for j < len(q) && q[j] >= '0' && q[j] <= '9' {
			j++
		}
		return j, dollarPositional
	case j < len(q) && q[j] == '$':
		return skipDollarBody(q, i, "$$"), dollarQuote
	case j < len(q) && isIdentStart(q[j]):
		for j < len(q) && isIdentByte(q[j]) {
			j++
		}
		if j < len(q) && q[j] == '$' {
			return skipDollarBody(q, i, q[i:j+1]), dollarQuote
		}
		return j, dollarNamed
	default:
		return j, dollarOther
	}
}

func skipDollarBody(q string, i int, tag string) int {
	body := i + len(tag)
	end := strings.Index(q[body:], tag)
	if end < 0 {
		return len(q)
	}
	return body + end + len(tag)
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentByte(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }

// isParamError reports whether err is a client error in the parameters.
func isParamError(err error) bool {
	var pe *paramError
	return errors.As(err, &pe)
}

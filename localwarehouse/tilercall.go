package localwarehouse

import (
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// The Analytics Toolbox tiler procedures the local warehouse runs itself,
// in Go (package tiler), because DuckDB has no such procedures and no
// spatial extension offline. A job whose SQL is one CALL of them is
// recognised here, before DuckDB sees it.
const (
	procSimpleTileset    = "CREATE_SIMPLE_TILESET"
	procTileset          = "CREATE_TILESET"
	procPointAggregation = "CREATE_POINT_AGGREGATION_TILESET"
)

// tilerCall is a parsed CALL carto.CREATE_(SIMPLE_|POINT_AGGREGATION_)TILESET(input, output, options).
type tilerCall struct {
	proc    string // procSimpleTileset, procTileset or procPointAggregation
	input   string
	output  string
	options string // "" for NULL or an omitted argument
}

// sqlScanner walks SQL text, skipping whitespace and comments.
type sqlScanner struct {
	s   string
	pos int
}

func (p *sqlScanner) skipSpace() {
	for p.pos < len(p.s) {
		switch c := p.s[p.pos]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			p.pos++
		case strings.HasPrefix(p.s[p.pos:], "--"):
			if i := strings.IndexByte(p.s[p.pos:], '\n'); i >= 0 {
				p.pos += i + 1
			} else {
				p.pos = len(p.s)
			}
		case strings.HasPrefix(p.s[p.pos:], "/*"):
			p.pos = skipBlockComment(p.s, p.pos)
		default:
			return
		}
	}
}

// word reads an unquoted identifier or keyword.
func (p *sqlScanner) word() string {
	p.skipSpace()
	start := p.pos
	for p.pos < len(p.s) && (isIdentByte(p.s[p.pos]) || p.s[p.pos] == '-' && p.pos > start) {
		p.pos++
	}
	return p.s[start:p.pos]
}

func (p *sqlScanner) peek() byte {
	p.skipSpace()
	if p.pos >= len(p.s) {
		return 0
	}
	return p.s[p.pos]
}

// namePart reads one part of a dotted name: plain, "quoted" or `quoted`.
func (p *sqlScanner) namePart() (string, bool) {
	switch c := p.peek(); c {
	case '"', '`':
		end := strings.IndexByte(p.s[p.pos+1:], c)
		if end < 0 {
			return "", false
		}
		part := p.s[p.pos+1 : p.pos+1+end]
		p.pos += end + 2
		return part, true
	}
	w := p.word()
	return w, w != ""
}

// parseTilerCall recognises a CALL of a tiler procedure. ok is false for
// any other SQL; err is set for a tiler CALL that cannot be read (wrong
// number or kind of arguments).
func parseTilerCall(sqlText string, args []any) (call *tilerCall, ok bool, err error) {
	p := &sqlScanner{s: sqlText}
	if !strings.EqualFold(p.word(), "CALL") {
		return nil, false, nil
	}
	var parts []string
	for {
		part, good := p.namePart()
		if !good {
			return nil, false, nil
		}
		parts = append(parts, part)
		if p.peek() != '.' {
			break
		}
		p.pos++
	}
	proc := strings.ToUpper(parts[len(parts)-1])
	if proc != procSimpleTileset && proc != procTileset && proc != procPointAggregation {
		return nil, false, nil
	}
	// carto.X, `carto-un`.carto.X, tiler.X (older PostgreSQL docs), or bare.
	if len(parts) > 1 {
		if s := strings.ToLower(parts[len(parts)-2]); s != "carto" && s != "tiler" {
			return nil, false, nil
		}
	}
	name := "carto." + proc
	if p.peek() != '(' {
		return nil, true, fmt.Errorf("%s: expected ( after the procedure name", name)
	}
	p.pos++
	var vals []*string
	for p.peek() != ')' {
		if len(vals) > 0 {
			if p.peek() != ',' {
				return nil, true, fmt.Errorf("%s: expected , or ) after argument %d", name, len(vals))
			}
			p.pos++
		}
		v, err := p.argument(args)
		if err != nil {
			return nil, true, fmt.Errorf("%s argument %d: %w", name, len(vals)+1, err)
		}
		vals = append(vals, v)
		if p.pos >= len(p.s) {
			return nil, true, fmt.Errorf("%s: missing )", name)
		}
	}
	p.pos++
	if p.peek() == ';' {
		p.pos++
	}
	if p.skipSpace(); p.pos != len(p.s) {
		return nil, true, fmt.Errorf("%s must be the only statement of the job; found more SQL after it: %q", name, shortSQL(p.s[p.pos:]))
	}
	usage := fmt.Sprintf("%s takes (input, output_table, options): input a table name or a query in parentheses, "+
		"output_table the table to create, options a JSON string", name)
	if proc == procTileset {
		usage += " or NULL"
	}
	if len(vals) < 2 || len(vals) > 3 {
		return nil, true, fmt.Errorf("%s; got %d arguments", usage, len(vals))
	}
	if vals[0] == nil || vals[1] == nil {
		return nil, true, fmt.Errorf("%s; input and output_table must not be NULL", usage)
	}
	call = &tilerCall{proc: proc, input: *vals[0], output: *vals[1]}
	if len(vals) == 3 && vals[2] != nil {
		call.options = *vals[2]
	}
	if proc != procTileset && (len(vals) < 3 || vals[2] == nil) {
		return nil, true, fmt.Errorf("%s; options is required (use '{}' for the defaults)", usage)
	}
	return call, true, nil
}

// argument reads a string literal ('...', E-less; BigQuery's ”'...”' and
// r'...'), a $$dollar$$ string, NULL, or a $1 / $name parameter.
func (p *sqlScanner) argument(args []any) (*string, error) {
	c := p.peek()
	rest := p.s[p.pos:]
	switch {
	case c == '\'' || (c == 'r' || c == 'R') && len(rest) > 1 && rest[1] == '\'':
		if c != '\'' {
			p.pos++
			rest = rest[1:]
		}
		if strings.HasPrefix(rest, "'''") {
			end := strings.Index(rest[3:], "'''")
			if end < 0 {
				return nil, fmt.Errorf("unterminated ''' string")
			}
			v := rest[3 : 3+end]
			p.pos += 6 + end
			return &v, nil
		}
		var b strings.Builder
		for i := 1; i < len(rest); i++ {
			if rest[i] == '\'' {
				if i+1 < len(rest) && rest[i+1] == '\'' {
					b.WriteByte('\'')
					i++
					continue
				}
				p.pos += i + 1
				v := b.String()
				return &v, nil
			}
			b.WriteByte(rest[i])
		}
		return nil, fmt.Errorf("unterminated string")
	case c == '$':
		if end, kind := scanDollar(p.s, p.pos); kind == dollarQuote {
			tagEnd := p.pos + 2 + strings.IndexByte(p.s[p.pos+1:], '$')
			tag := p.s[p.pos:tagEnd]
			if end-len(tag) < tagEnd || !strings.HasSuffix(p.s[:end], tag) {
				return nil, fmt.Errorf("unterminated %s string", tag)
			}
			v := p.s[tagEnd : end-len(tag)]
			p.pos = end
			return &v, nil
		}
		p.pos++
		ref := p.word()
		return paramArgument(ref, args)
	case c == '?':
		return nil, fmt.Errorf("use $1, $2, $3 (or @name) for parameters of a tiler CALL, not ?")
	}
	if w := p.word(); strings.EqualFold(w, "NULL") {
		return nil, nil
	}
	return nil, fmt.Errorf("expected a string literal ('...'), NULL or a query parameter")
}

func paramArgument(ref string, args []any) (*string, error) {
	var v any
	if n, err := strconv.Atoi(ref); err == nil {
		if n < 1 || n > len(args) {
			return nil, fmt.Errorf("$%d has no value in queryParameters", n)
		}
		v = args[n-1]
	} else {
		found := false
		for _, a := range args {
			if na, ok := a.(sql.NamedArg); ok && strings.EqualFold(na.Name, ref) {
				v, found = na.Value, true
			}
		}
		if !found {
			return nil, fmt.Errorf("$%s has no value in queryParameters", ref)
		}
	}
	switch v := v.(type) {
	case nil:
		return nil, nil
	case string:
		return &v, nil
	}
	return nil, fmt.Errorf("the parameter must be a string, got %T (pass options as a JSON string)", v)
}

func shortSQL(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

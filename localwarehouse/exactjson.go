package localwarehouse

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"strings"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/carto-mcp/carto-mcp/internal/jsonstr"
)

// JSON columns keep their numbers exact.
//
// duckdb-go decodes a JSON value with encoding/json into Go values, so
// 9007199254740993 became the float64 ...992 before it reached the answer.
// A single SELECT with top-level JSON columns is therefore run wrapped, so
// that they are read as text, which is sent as it is (compacted); the columns
// keep CARTO's type object. Preparing the statement (which runs nothing) says
// whether it is a SELECT and, unless a parameter leaves its result types
// open, which columns are JSON; in that last case the first run's column
// types say it, and the SELECT runs again, wrapped. JSON nested inside a
// STRUCT or LIST is still decoded by the driver.

// selectShape is what preparing a statement tells about its result.
type selectShape struct {
	isSelect bool     // a single SELECT: reading it twice changes nothing
	resolved bool     // names and jsonAt are known
	names    []string // the result columns
	jsonAt   []int    // the JSON ones
}

func prepareShape(ctx context.Context, conn *sql.Conn, sqlText string) selectShape {
	var sh selectShape
	if !singleStatement(sqlText) {
		// duckdb-go's Prepare runs every statement of a script but the last.
		return sh
	}
	_ = conn.Raw(func(dc any) error {
		prep, ok := dc.(driver.ConnPrepareContext)
		if !ok {
			return nil
		}
		st, err := prep.PrepareContext(ctx, sqlText)
		if err != nil {
			return err // a script of several statements, or an error the real run reports
		}
		defer st.Close()
		ds, ok := st.(*duckdb.Stmt)
		if !ok {
			return nil
		}
		if t, err := ds.StatementType(); err != nil || t != duckdb.STATEMENT_TYPE_SELECT {
			return nil
		}
		sh.isSelect = true
		n, err := ds.ColumnCount()
		if err != nil {
			return err
		}
		for i := range n {
			name, err := ds.ColumnName(i)
			if err != nil {
				return err
			}
			info, err := ds.ColumnTypeInfo(i)
			if err != nil {
				return nil // types left open by a parameter: unresolved
			}
			sh.names = append(sh.names, name)
			if info.Alias() == "JSON" {
				sh.jsonAt = append(sh.jsonAt, i)
			}
		}
		sh.resolved = true
		return nil
	})
	return sh
}

// shapeOf is the shape of a result whose column types are known.
func shapeOf(cts []*sql.ColumnType) selectShape {
	sh := selectShape{isSelect: true, resolved: true}
	for i, ct := range cts {
		sh.names = append(sh.names, ct.Name())
		if strings.EqualFold(ct.DatabaseTypeName(), "JSON") {
			sh.jsonAt = append(sh.jsonAt, i)
		}
	}
	return sh
}

// wrapJSON returns sqlText wrapped to read the JSON columns of sh as text,
// and their indexes; ok is false when there is nothing to do, or it cannot be
// done (two columns of one name make REPLACE ambiguous).
func wrapJSON(sqlText string, sh selectShape) (string, map[int]bool, bool) {
	if !sh.isSelect || !sh.resolved || len(sh.jsonAt) == 0 {
		return sqlText, nil, false
	}
	seen := map[string]bool{}
	for _, n := range sh.names {
		if seen[n] {
			return sqlText, nil, false
		}
		seen[n] = true
	}
	var b strings.Builder
	b.WriteString("SELECT * REPLACE (")
	at := make(map[int]bool, len(sh.jsonAt))
	for k, i := range sh.jsonAt {
		if k > 0 {
			b.WriteString(", ")
		}
		q := quoteIdent(sh.names[i])
		b.WriteString("CAST(" + q + " AS VARCHAR) AS " + q)
		at[i] = true
	}
	// The newline ends a trailing -- comment; a trailing ; would end the
	// subquery.
	b.WriteString(") FROM (\n" + strings.TrimRight(strings.TrimSpace(sqlText), "; \t\r\n") + "\n) AS carto_exact_json")
	return b.String(), at, true
}

// encodeJSONText writes a JSON column's text as the JSON value it holds.
func encodeJSONText(dst []byte, v any) []byte {
	var text []byte
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...)
	case string:
		text = []byte(x)
	case []byte:
		text = x
	default:
		return appendValue(dst, v)
	}
	var buf bytes.Buffer
	if json.Compact(&buf, text) != nil {
		// Not JSON after all: keep it, as a string.
		return jsonstr.Append(dst, string(text))
	}
	return append(dst, buf.Bytes()...)
}

// singleStatement reports whether q holds one statement: no semicolon
// outside strings, quoted names, comments and dollar-quoted bodies, except
// at the end.
func singleStatement(q string) bool {
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == '\'':
			backslash := i > 0 && (q[i-1] == 'E' || q[i-1] == 'e') && (i == 1 || !isIdentByte(q[i-2]))
			i = skipQuoted(q, i, '\'', backslash)
		case c == '"':
			i = skipQuoted(q, i, '"', false)
		case c == '-' && strings.HasPrefix(q[i:], "--"):
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				return true
			}
			i += j
		case c == '/' && strings.HasPrefix(q[i:], "/*"):
			i = skipBlockComment(q, i)
		case c == '$':
			i, _ = scanDollar(q, i)
		case c == ';':
			rest := strings.TrimLeft(q[i:], "; \t\r\n")
			return rest == "" || !singleStatementTail(rest)
		default:
			i++
		}
	}
	return true
}

// singleStatementTail reports whether what follows a semicolon holds
// anything but comments (then it is another statement).
func singleStatementTail(rest string) bool {
	for rest != "" {
		rest = strings.TrimLeft(rest, "; \t\r\n")
		switch {
		case rest == "":
			return false
		case strings.HasPrefix(rest, "--"):
			j := strings.IndexByte(rest, '\n')
			if j < 0 {
				return false
			}
			rest = rest[j:]
		case strings.HasPrefix(rest, "/*"):
			rest = rest[skipBlockComment(rest, 0):]
		default:
			return true
		}
	}
	return false
}

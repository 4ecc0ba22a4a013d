package discovery

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Statement is one SQL statement with its bound values, ready for the CARTO
// SQL API: Params is queryParameters (nil for none).
type Statement struct {
	SQL    string
	Params json.RawMessage
}

// binder collects the values of a statement as the warehouse binds them:
// positional $n (PostgreSQL, Redshift, DuckDB), :n (Snowflake), named @pN
// (BigQuery). Databricks values are written as literals, because CARTO's
// parameter support for Databricks is not documented: a value that cannot be
// written safely in both of Databricks' string-escaping modes is refused.
type binder struct {
	p      Provider
	values []string
	err    error
}

func (b *binder) bind(v string) string {
	switch b.p {
	case BigQuery:
		b.values = append(b.values, v)
		return "@p" + strconv.Itoa(len(b.values)-1)
	case Snowflake:
		b.values = append(b.values, v)
		return ":" + strconv.Itoa(len(b.values))
	case Databricks:
		if strings.ContainsAny(v, `'\`) || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 }) {
			if b.err == nil {
				b.err = fmt.Errorf("%q holds a quote, backslash or control character, which carto-mcp does not send to Databricks in SQL text; browse without it", v)
			}
			return "''"
		}
		return "'" + v + "'"
	default:
		b.values = append(b.values, v)
		return "CAST($" + strconv.Itoa(len(b.values)) + " AS VARCHAR)"
	}
}

func (b *binder) statement(sql string) (Statement, error) {
	if b.err != nil {
		return Statement{}, b.err
	}
	st := Statement{SQL: sql}
	switch {
	case len(b.values) == 0:
	case b.p == BigQuery:
		m := make(map[string]string, len(b.values))
		for i, v := range b.values {
			m["p"+strconv.Itoa(i)] = v
		}
		st.Params, _ = json.Marshal(m)
	default:
		st.Params, _ = json.Marshal(b.values)
	}
	return st, nil
}

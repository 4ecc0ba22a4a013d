package discovery

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Names in a path or a table name are written as the warehouse writes them:
// parts separated by dots, each part bare or quoted with "..." or `...`
// (the quote doubled inside), so that names with dots, spaces or quotes can
// be given. ParsePath reads them; each provider's Quote writes them back.

// maxNameLen bounds one part: no warehouse allows longer identifiers.
const maxNameLen = 1024

// ParsePath splits a dotted name into its parts, unquoting quoted parts.
func ParsePath(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if !utf8.ValidString(s) {
		return nil, fmt.Errorf("the name is not valid UTF-8")
	}
	var parts []string
	for i := 0; ; {
		var part string
		switch {
		case i < len(s) && (s[i] == '"' || s[i] == '`'):
			q := s[i]
			var b strings.Builder
			j := i + 1
			for {
				k := strings.IndexByte(s[j:], q)
				if k < 0 {
					return nil, fmt.Errorf("a quote %c is not closed in %q", q, s)
				}
				b.WriteString(s[j : j+k])
				j += k + 1
				if j < len(s) && s[j] == q {
					b.WriteByte(q)
					j++
					continue
				}
				break
			}
			part, i = b.String(), j
		default:
			k := strings.IndexByte(s[i:], '.')
			if k < 0 {
				k = len(s) - i
			}
			part = strings.TrimSpace(s[i : i+k])
			if strings.ContainsAny(part, "\"`") {
				return nil, fmt.Errorf("%q: quote a name that holds a quote, doubling the quote inside (\"my \"\"x\"\"\")", part)
			}
			i += k
		}
		if part == "" {
			return nil, fmt.Errorf("%q has an empty part: write parts separated by single dots", s)
		}
		if len(part) > maxNameLen {
			return nil, fmt.Errorf("a name is longer than %d bytes", maxNameLen)
		}
		for _, r := range part {
			if r < 0x20 || r == 0x7f {
				return nil, fmt.Errorf("%q holds a control character", part)
			}
		}
		parts = append(parts, part)
		if i >= len(s) {
			return parts, nil
		}
		if s[i] != '.' {
			return nil, fmt.Errorf("expected a dot after %q in %q", part, s)
		}
		i++
		if i >= len(s) {
			return nil, fmt.Errorf("%q ends with a dot", s)
		}
	}
}

var (
	lowerIdent = regexp.MustCompile(`^[a-z_][a-z0-9_$]*$`)
	upperIdent = regexp.MustCompile(`^[A-Z_][A-Z0-9_$]*$`)
	plainIdent = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// reservedWords are words that must be quoted as a bare name in the
// PostgreSQL family, Snowflake or DuckDB (the SQL standard's reserved words
// that those engines reserve too; a superset is harmless: quoting a name
// that need not be quoted keeps its meaning).
var reservedWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`all analyse analyze and any array as asc asymmetric authorization binary both case cast check
		collate column constraint create cross current_catalog current_date current_role current_schema current_time
		current_timestamp current_user default deferrable desc distinct do else end except false fetch for foreign freeze
		from full grant group having ilike in initially inner intersect into is isnull join lateral leading left like
		limit localtime localtimestamp natural not notnull null offset on only or order outer overlaps placing primary
		references returning right select session_user similar some symmetric system_user table tablesample then to
		trailing true union unique user using variadic verbose when where window with qualify pivot unpivot
		connect increment minus regexp rlike row rows sample start trigger values`) {
		reservedWords[w] = true
	}
}

// quoteDouble quotes a name with double quotes, doubling any inside.
func quoteDouble(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// quoteBacktick quotes a name with backticks, doubling any inside
// (Databricks; BigQuery names cannot hold one).
func quoteBacktick(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// QuoteName writes one part of a name as p's SQL needs it: bare when the
// warehouse reads it unchanged, quoted otherwise.
func (p Provider) QuoteName(s string) string {
	switch p {
	case Snowflake:
		if upperIdent.MatchString(s) && !reservedWords[strings.ToLower(s)] {
			return s
		}
		return quoteDouble(s)
	case BigQuery, Databricks:
		if plainIdent.MatchString(s) && !reservedWords[strings.ToLower(s)] {
			return s
		}
		return quoteBacktick(s)
	default: // PostgreSQL, Redshift, DuckDB fold bare names to lower case
		if lowerIdent.MatchString(s) && !reservedWords[s] {
			return s
		}
		return quoteDouble(s)
	}
}

// FullName writes a dotted name ready to paste into p's SQL. BigQuery takes
// the whole path in one pair of backticks when a part needs quoting
// (`my-project.dataset.table`), as its documentation writes it.
func (p Provider) FullName(parts ...string) string {
	if p == BigQuery {
		bare := true
		for _, s := range parts {
			if !plainIdent.MatchString(s) || reservedWords[strings.ToLower(s)] {
				bare = false
			}
		}
		if !bare {
			return "`" + strings.Join(parts, ".") + "`"
		}
		return strings.Join(parts, ".")
	}
	q := make([]string, len(parts))
	for i, s := range parts {
		q[i] = p.QuoteName(s)
	}
	return strings.Join(q, ".")
}

// Path writes parts as a path that ParsePath reads back: quoted with double
// quotes only where a part holds a dot, a quote or surrounding space.
func Path(parts ...string) string {
	q := make([]string, len(parts))
	for i, s := range parts {
		if strings.ContainsAny(s, ".\"`") || strings.TrimSpace(s) != s {
			q[i] = quoteDouble(s)
		} else {
			q[i] = s
		}
	}
	return strings.Join(q, ".")
}

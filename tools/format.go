package tools

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/carto-mcp/carto-mcp/client"
)

// The text form of a run_query result, for clients that read only text. It is
// lossless and compact: the column names and types once, as JSON arrays, a
// one-line legend, then one line per row, then a summary line and, when needed,
// a notice:
//
//	columns: ["id","name","zip","geom"]
//	types: ["bigint","string","string","geometry"]
//	format: one row per line, values separated by commas; bare text is a string, "..." a JSON string, anything else JSON
//	1,Madrid,"28001",POINT(-3.7038 40.4168)
//	2,"Paris, France",null,"LINESTRING(2.35 48.85, 2.36 48.86)"
//	rows: 2
//
// A value is written as its JSON text, except a string that reads unambiguously
// without quotes: not empty, no comma, quote or control character, no space at
// either end, not starting with a bracket, and not spelling a JSON number, true,
// false or null. Reading a value back is therefore exact: "...", {...} and
// [...] are JSON; a bare token is a JSON number or literal if it spells one, and
// a string otherwise. Numbers keep the warehouse's exact text.
//
// Repeating no column name per row, and no quotes around plain strings, is what
// makes it about half the size of CARTO's row objects or less for typical
// tables (see BenchmarkTextBytesPerRow).

const textLegend = `format: one row per line, values separated by commas; bare text is a string, "..." a JSON string, anything else JSON`

// shapeQueryResult applies the text byte cap to res and builds both forms.
// limit is the row cap applied, requested the max_rows asked for (0 if none).
func (d *Deps) shapeQueryResult(conn string, res *client.QueryResult, limit, requested int, lowered bool) (RunQueryOutput, string) {
	out := RunQueryOutput{
		Connection: conn,
		Columns:    make([]Column, len(res.Columns)),
		RowLimit:   limit,
		Meta: QueryMeta{
			CacheHit:            res.Meta.CacheHit,
			Cached:              res.Method == "GET",
			Location:            res.Meta.Location,
			TotalBytesProcessed: res.Meta.TotalBytesProcessed,
			SchemaInferred:      res.SchemaInferred,
		},
	}
	for i, c := range res.Columns {
		out.Columns[i] = Column{Name: c.Name, Type: c.Type}
	}
	// The summary line and a usual notice fit in the 512 bytes more.
	text := appendTextHead(nil, out.Columns, len(res.Rows) > 0, linesRoom(res.Rows, d.opts.MaxTextBytes)+512)
	rows, text, cut, byBytes := capRows(res.Columns, res.Rows, d.opts.MaxTextBytes, text)
	out.Rows, out.RowCount, out.CutValues = rows, len(rows), cut

	switch {
	case byBytes || len(cut) > 0 || (res.Truncated && res.TruncatedBy == "max_bytes"):
		out.Truncated, out.TruncatedBy = true, "max_bytes"
	case res.Truncated:
		out.Truncated, out.TruncatedBy = true, "max_rows"
	}

	var notes []string
	if lowered {
		notes = append(notes, fmt.Sprintf("max_rows %d was lowered to this server's maximum, %d.", requested, d.opts.MaxRows))
	}
	switch {
	case len(cut) > 0:
		notes = append(notes, cutNotice(cut, d.opts.MaxTextBytes, len(res.Rows) > 1 || res.Truncated))
	case out.TruncatedBy == "max_bytes" && len(rows) == 0:
		notes = append(notes, fmt.Sprintf("The first row alone is over %d bytes, more than this server reads for one result, so no row is shown. "+
			"Select fewer or smaller columns: for geometries a simplified one (ST_SIMPLIFY), its centroid or its bounding box; "+
			"for long text a prefix (SUBSTR). Or write the result to a table with submit_job.", d.readBudget()))
	case out.TruncatedBy == "max_bytes":
		notes = append(notes, fmt.Sprintf("Only the first %d rows are shown: the next row would take the rows' text over this server's cap of %d bytes. "+
			"To get the rest: select fewer or smaller columns (for geometries ST_SIMPLIFY, a centroid or a bounding box), "+
			"page with ORDER BY and LIMIT %d OFFSET %d, aggregate (GROUP BY, COUNT), or write the result to a table with submit_job.",
			len(rows), d.opts.MaxTextBytes, len(rows), len(rows)))
	case out.TruncatedBy == "max_rows":
		more := ""
		if limit < d.opts.MaxRows {
			more = fmt.Sprintf(", raise max_rows (up to %d)", d.opts.MaxRows)
		}
		notes = append(notes, fmt.Sprintf("Only the first %d rows are shown (max_rows=%d); the query returned more. "+
			"To get the rest: narrow the query (WHERE, fewer columns), aggregate (GROUP BY, COUNT), page with ORDER BY and LIMIT %d OFFSET %d%s, "+
			"or write the full result to a table with submit_job (CREATE TABLE ... AS SELECT ...).", len(rows), limit, limit, len(rows), more))
	}
	if res.SchemaInferred {
		notes = append(notes, "CARTO's column types came after the part of the answer that was read, so the types are unknown.")
	}
	out.Notice = strings.Join(notes, " ")
	if out.Rows == nil {
		out.Rows = [][]json.RawMessage{}
	}
	return out, finishText(text, out)
}

func cutNotice(cut []CutValue, capBytes int, moreRows bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "The first row alone is over this server's cap of %d bytes, so these values were cut and are NOT complete:", capBytes)
	for i, c := range cut {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, " %s (kept %d of %d bytes)", c.Column, c.KeptBytes, c.Bytes)
	}
	b.WriteString(". A cut geometry is not a valid geometry: select a simplified one (ST_SIMPLIFY), its centroid or its bounding box instead, " +
		"or read a long value in pieces (SUBSTR).")
	if moreRows {
		b.WriteString(" Further rows are not shown: page with ORDER BY and LIMIT 1 OFFSET 1, or select smaller columns.")
	}
	return b.String()
}

// capRows keeps whole rows while their text lines fit capBytes. A first row
// over the cap alone is kept with its largest values cut (see cutRow), so the
// reader always sees something. It returns the rows kept (values compacted:
// insignificant whitespace inside objects and arrays dropped, nothing else
// changed), and text with their lines appended, newline included: the lines
// are written once, where the text form will have them.
func capRows(cols []client.Column, rows [][]json.RawMessage, capBytes int, text []byte) (kept [][]json.RawMessage, _ []byte, cut []CutValue, byBytes bool) {
	kept = make([][]json.RawMessage, 0, len(rows))
	head := len(text)
	for i, row := range rows {
		row = compactRow(row)
		start := len(text)
		text = appendTextRow(text, row)
		if len(text)-head > capBytes {
			if i > 0 {
				return kept, text[:start], nil, true
			}
			row, cut = cutRow(cols, row, capBytes)
			return append(kept, row), appendTextRow(text[:start], row), cut, len(rows) > 1
		}
		kept = append(kept, row)
	}
	return kept, text, nil, false
}

// appendTextRow appends a row's text line, newline included.
func appendTextRow(b []byte, row []json.RawMessage) []byte {
	for i, v := range row {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendTextValue(b, v)
	}
	return append(b, '\n')
}

// appendTextValue appends v's JSON text, without the quotes when v is a string
// that reads back unambiguously bare.
func appendTextValue(b []byte, v json.RawMessage) []byte {
	if len(v) < 3 || v[0] != '"' {
		return append(b, v...)
	}
	inner := v[1 : len(v)-1]
	if bytes.IndexByte(inner, '\\') >= 0 {
		// Escapes: decode to see the string itself (rare: quotes, backslashes,
		// control characters, or a warehouse that escapes non-ASCII).
		var s string
		if json.Unmarshal(v, &s) != nil || !bareString([]byte(s)) {
			return append(b, v...)
		}
		return append(b, s...)
	}
	if !bareString(inner) {
		return append(b, v...)
	}
	return append(b, inner...)
}

// bareString reports whether the string s can be written without quotes and
// still read back as exactly this string.
func bareString(s []byte) bool {
	if len(s) == 0 || s[0] == '"' || s[0] == '{' || s[0] == '[' || isJSONScalar(s) {
		return false
	}
	// One pass over the bytes, a table lookup each: most strings are ASCII,
	// and then the only space to look for at either end is ' ' (the others
	// are control characters, refused here) and there is no separator.
	var seen byte
	for _, c := range s {
		seen |= bareByte[c]
	}
	switch {
	case seen&bareRefused != 0:
		return false
	case seen&bareNonASCII == 0:
		return s[0] != ' ' && s[len(s)-1] != ' '
	}
	// No space of any kind at either end (it would be lost on reading), and no
	// Unicode line or paragraph separator inside (it would look like a new row).
	first, _ := utf8.DecodeRune(s)
	last, _ := utf8.DecodeLastRune(s)
	if unicode.IsSpace(first) || unicode.IsSpace(last) {
		return false
	}
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRune(s[i:])
		if r == '\u2028' || r == '\u2029' || r == '\u0085' {
			return false
		}
		i += n
	}
	return true
}

// bareByte classifies the bytes of a string for bareString.
var bareByte = func() (t [256]byte) {
	for c := range 256 {
		switch {
		case c == ',' || c == '"' || c < 0x20 || c == 0x7f:
			t[c] = bareRefused
		case c >= 0x80:
			t[c] = bareNonASCII
		}
	}
	return t
}()

const (
	bareRefused  = 1 << iota // a comma, a quote or a control character
	bareNonASCII             // part of a multi-byte UTF-8 sequence
)

// isJSONScalar reports whether s spells a JSON number, true, false or null.
func isJSONScalar(s []byte) bool {
	switch string(s) {
	case "true", "false", "null":
		return true
	}
	return isJSONNumber(s)
}

// isJSONNumber reports whether s is a JSON number:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func isJSONNumber(s []byte) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// compactRow drops insignificant whitespace inside object and array values.
func compactRow(row []json.RawMessage) []json.RawMessage {
	var out []json.RawMessage
	for i, v := range row {
		if len(v) == 0 || (v[0] != '{' && v[0] != '[') || !bytes.ContainsAny(v, " \t\r\n") {
			continue
		}
		var b bytes.Buffer
		if json.Compact(&b, v) != nil {
			continue
		}
		if out == nil {
			out = append([]json.RawMessage(nil), row...)
		}
		out[i] = b.Bytes()
	}
	if out == nil {
		return row
	}
	return out
}

// minKeep is the least a cut string keeps, so the reader sees what it was.
const minKeep = 32

// cutRow shortens the largest values of a single row until its line fits
// capBytes: a string keeps its first characters, anything else becomes null. It
// stops early when cutting more would not help (a row of many small values).
func cutRow(cols []client.Column, row []json.RawMessage, capBytes int) ([]json.RawMessage, []CutValue) {
	row = append([]json.RawMessage(nil), row...)
	order := make([]int, len(row))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return len(row[order[a]]) > len(row[order[b]]) })
	var cut []CutValue
	for _, i := range order {
		excess := len(appendTextRow(nil, row)) - capBytes
		if excess <= 0 {
			break
		}
		v := row[i]
		if len(v) <= minKeep+2 {
			break // the rest are small: nothing worth cutting
		}
		var nv json.RawMessage
		if v[0] == '"' {
			nv = cutString(v, max(len(v)-excess, minKeep+2))
		}
		if nv == nil {
			nv = json.RawMessage("null")
		}
		name := strconv.Itoa(i)
		if i < len(cols) {
			name = cols[i].Name
		}
		cut = append(cut, CutValue{Row: 0, Column: name, Bytes: len(v), KeptBytes: len(nv)})
		row[i] = nv
	}
	return row, cut
}

// cutString returns the JSON string v shortened to at most size bytes of JSON
// text, cut on a character boundary; nil if v is not a valid string.
func cutString(v json.RawMessage, size int) json.RawMessage {
	var s string
	if json.Unmarshal(v, &s) != nil {
		return nil
	}
	k := min(len(s), size)
	for {
		for k > 0 && k < len(s) && !utf8.RuneStart(s[k]) {
			k--
		}
		enc := marshalNoEscape(s[:k])
		if len(enc) <= size || k == 0 {
			return enc
		}
		k -= max(len(enc)-size, 1)
		k = max(k, 0)
	}
}

func marshalNoEscape(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return bytes.TrimRight(b.Bytes(), "\n")
}

// linesRoom is the most bytes capRows appends: a line is never longer than
// its values plus a separator each (compacting and unquoting only shorten).
func linesRoom(rows [][]json.RawMessage, capBytes int) int {
	size := 0
	for _, row := range rows {
		size += len(row) + 1
		for _, v := range row {
			size += len(v)
		}
	}
	return max(0, min(size, capBytes+1))
}

// appendTextHead appends the text form's column names and types, and the
// legend when there are rows, with room for room bytes more, so that the
// whole text is written into one buffer, sized once.
func appendTextHead(b []byte, cols []Column, withRows bool, room int) []byte {
	names := make([]string, len(cols))
	types := make([]string, len(cols))
	for i, c := range cols {
		names[i], types[i] = c.Name, c.Type
	}
	namesJSON, typesJSON := marshalNoEscape(names), marshalNoEscape(types)
	b = slices.Grow(b, len(namesJSON)+len(typesJSON)+len(textLegend)+room)
	b = append(b, "columns: "...)
	b = append(b, namesJSON...)
	b = append(b, "\ntypes: "...)
	b = append(b, typesJSON...)
	b = append(b, '\n')
	if withRows {
		b = append(b, textLegend...)
		b = append(b, '\n')
	}
	return b
}

// finishText appends the summary line and the notice to the text form begun
// by appendTextHead and capRows, and returns it.
func finishText(b []byte, out RunQueryOutput) string {
	b = append(b, "rows: "...)
	b = strconv.AppendInt(b, int64(out.RowCount), 10)
	if out.Truncated {
		b = append(b, " (truncated by "...)
		b = append(b, out.TruncatedBy...)
		b = append(b, ')')
	}
	if out.Notice != "" {
		b = append(b, "\nnotice: "...)
		b = append(b, out.Notice...)
	}
	// b is not written again: the string can share its bytes rather than copy
	// them (about as many bytes as the rows' values).
	return unsafe.String(unsafe.SliceData(b), len(b))
}

package tools

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/mark3labs/mcp-go/mcp"
)

// The structured form of run_query's rows, written once, by hand.
//
// Each value is the warehouse's JSON text, as the text form has it, with one
// change: a number that a JSON reader using 64-bit floats (every JavaScript
// client, and many others) would change is sent as a JSON string holding its
// exact decimal text. That is every number of a bigint column (so that a
// column's values have one type), and elsewhere an integer beyond
// ±(2^53−1), or a decimal that a 64-bit float does not hold to the same digits,
// also inside object and array values. The column says so (numbers_as_strings).
// The text form keeps every number bare: it is read as text.

// maxSafeInteger is 2^53−1, the largest integer every 64-bit float reader
// holds exactly, with all smaller ones (JavaScript's Number.MAX_SAFE_INTEGER).
const maxSafeInteger = "9007199254740991"

// queryResult is structuredResult for run_query: the rows are appended to the
// JSON as they are (see appendStructuredRows), not re-encoded value by value.
// The bytes are those json.Marshal would give for out with the rows that
// appendStructuredRows writes (TestQueryResultBytesAreMarshal).
//
// The JSON is built in one buffer. The rows are written first, as they set
// the columns' NumbersAsStrings, which the head shows before them: so they are
// written behind room left for the head, which is copied in front of them.
func queryResult(out RunQueryOutput, text string) (*mcp.CallToolResult, *callError) {
	room := headRoom(out)
	b := make([]byte, room, room+rowsSize(out.Rows)+tailSize(out))
	b = appendStructuredRows(b, out.Columns, out.Rows)
	out.Rows = nil
	head, err := json.Marshal(out)
	if err != nil {
		return nil, &callError{kind: "internal", text: "carto-mcp could not encode the result: " + err.Error()}
	}
	// The key can only be the field itself: a string value before it cannot
	// hold an unescaped quote.
	const nullRows = `"rows":null`
	i := bytes.Index(head, []byte(nullRows))
	if i < 0 {
		return nil, &callError{kind: "internal", text: "carto-mcp could not encode the result: no rows field"}
	}
	prefix, tail := head[:i+len(`"rows":`)], head[i+len(nullRows):]
	if len(prefix) > room { // headRoom is an upper bound: never, but stay right
		nb := make([]byte, 0, len(prefix)+len(b)-room+len(tail))
		b = append(append(nb, prefix...), b[room:]...)
	} else {
		copy(b[room-len(prefix):], prefix)
		b = b[room-len(prefix):]
	}
	b = append(b, tail...)
	return &mcp.CallToolResult{
		Content:           []mcp.Content{mcp.NewTextContent(text)},
		StructuredContent: json.RawMessage(b),
	}, nil
}

// headRoom is the most bytes json.Marshal can write for out before its rows:
// {"connection":...,"columns":[...],"rows":, with every string byte escaped
// to the longest form encoding/json gives one (\u00XX, six bytes).
func headRoom(out RunQueryOutput) int {
	n := len(`{"connection":"","columns":null,"rows":`) + 6*len(out.Connection)
	for _, c := range out.Columns {
		n += len(`{"name":"","type":"","numbers_as_strings":true},`) + 6*(len(c.Name)+len(c.Type))
	}
	return n
}

// tailSize estimates the bytes json.Marshal writes for out after its rows (an
// estimate: append grows the buffer if it is short).
func tailSize(out RunQueryOutput) int {
	return 256 + len(out.TruncatedBy) + len(out.Notice) + len(out.Meta.Location) + len(out.Meta.TotalBytesProcessed) + 80*len(out.CutValues)
}

func rowsSize(rows [][]json.RawMessage) int {
	n := 2
	for _, r := range rows {
		n += 3
		for _, v := range r {
			n += len(v) + 1
		}
	}
	return n + n/16
}

// appendStructuredRows appends rows as a JSON array of arrays, and sets
// NumbersAsStrings on the columns whose numbers it wrote as strings. The
// values must be valid, compact JSON (as capRows leaves them).
func appendStructuredRows(b []byte, cols []Column, rows [][]json.RawMessage) []byte {
	for i := range cols {
		if cols[i].Type == "bigint" {
			cols[i].NumbersAsStrings = true
		}
	}
	b = append(b, '[')
	for r, row := range rows {
		if r > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for i, v := range row {
			if i > 0 {
				b = append(b, ',')
			}
			bigint := i < len(cols) && cols[i].Type == "bigint"
			var quoted bool
			b, quoted = appendExactValue(b, v, bigint)
			if quoted && i < len(cols) {
				cols[i].NumbersAsStrings = true
			}
		}
		b = append(b, ']')
	}
	return append(b, ']')
}

// appendExactValue appends v, with the numbers that need it as strings (all
// of them at the top level when allNumbers), escaped for HTML as
// encoding/json escapes a json.RawMessage. quoted reports a number written as
// a string.
func appendExactValue(b []byte, v json.RawMessage, allNumbers bool) (_ []byte, quoted bool) {
	if len(v) == 0 {
		return append(b, "null"...), false
	}
	switch c := v[0]; {
	case c == '-' || (c >= '0' && c <= '9'):
		if allNumbers || !floatExact(v) {
			b = append(b, '"')
			b = append(b, v...)
			return append(b, '"'), true
		}
		return append(b, v...), false
	case c == '{' || c == '[':
		if hasInexactNumber(v) {
			v = quoteInexactNumbers(v)
			quoted = true
		}
	}
	if needsHTMLEscape(v) {
		var buf bytes.Buffer
		json.HTMLEscape(&buf, v)
		return append(b, buf.Bytes()...), quoted
	}
	return append(b, v...), quoted
}

// needsHTMLEscape reports whether v holds a character encoding/json escapes
// in its output by default: <, >, & or U+2028/U+2029 (E2 80 A8/A9).
func needsHTMLEscape(v []byte) bool {
	for i, c := range v {
		if !htmlSpecial[c] { // one lookup per byte: the usual case
			continue
		}
		if c != 0xE2 || i+2 < len(v) && v[i+1] == 0x80 && (v[i+2] == 0xA8 || v[i+2] == 0xA9) {
			return true
		}
	}
	return false
}

// htmlSpecial marks <, >, & and the first byte of U+2028/U+2029.
var htmlSpecial = [256]bool{'<': true, '>': true, '&': true, 0xE2: true}

// eachNumber calls f with the start and end of each number in the compact,
// valid JSON value v, outside strings.
func eachNumber(v []byte, f func(start, end int) bool) {
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '"':
			for i++; i < len(v) && v[i] != '"'; i++ {
				if v[i] == '\\' {
					i++
				}
			}
		case c == '-' || (c >= '0' && c <= '9'):
			j := i + 1
			for j < len(v) && isNumberByte(v[j]) {
				j++
			}
			if !f(i, j) {
				return
			}
			i = j - 1
		}
	}
}

func isNumberByte(c byte) bool {
	return (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'
}

func hasInexactNumber(v []byte) bool {
	found := false
	eachNumber(v, func(s, e int) bool {
		found = !floatExact(v[s:e])
		return !found
	})
	return found
}

func quoteInexactNumbers(v []byte) []byte {
	out := make([]byte, 0, len(v)+16)
	last := 0
	eachNumber(v, func(s, e int) bool {
		if !floatExact(v[s:e]) {
			out = append(out, v[last:s]...)
			out = append(out, '"')
			out = append(out, v[s:e]...)
			out = append(out, '"')
			last = e
		}
		return true
	})
	return append(out, v[last:]...)
}

// floatExact reports whether a reader that parses the JSON number n into a
// 64-bit float gets its value back: an integer within ±(2^53−1), or a number
// whose float's shortest decimal form is the same decimal value.
func floatExact(n []byte) bool {
	if len(n) > 64 {
		return floatRoundTrips(n) // far from the usual: a tiny or padded number
	}
	digits, integer, leading := 0, true, true
	for i, c := range n {
		switch {
		case c >= '0' && c <= '9':
			if leading && c == '0' {
				continue
			}
			leading = false
			digits++
		case c == '-' && i == 0:
		case c == '.':
			integer = false
		default: // an exponent: the magnitude matters too
			return floatRoundTrips(n)
		}
	}
	if integer {
		switch {
		case digits < len(maxSafeInteger):
			return true
		case digits > len(maxSafeInteger):
			return false
		}
		abs := bytes.TrimLeft(bytes.TrimPrefix(n, []byte("-")), "0")
		return string(abs) <= maxSafeInteger
	}
	// Any decimal of 15 significant digits or fewer survives a float64.
	return digits <= 15 || floatRoundTrips(n)
}

// floatRoundTrips reports whether the float64 nearest to n has n's value as
// its shortest decimal form.
func floatRoundTrips(n []byte) bool {
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		return false // out of range
	}
	return sameDecimal(n, strconv.AppendFloat(nil, f, 'g', -1, 64))
}

// sameDecimal reports whether two JSON-like numbers have the same value.
func sameDecimal(a, b []byte) bool {
	na, ea, sa := normDecimal(a)
	nb, eb, sb := normDecimal(b)
	if len(na) == 0 && len(nb) == 0 {
		return true // zeros, whatever their sign
	}
	return sa == sb && ea == eb && string(na) == string(nb)
}

// normDecimal returns n's significant digits (no leading or trailing zeros),
// the decimal exponent of the first one, and whether n is negative.
func normDecimal(n []byte) (digits []byte, exp int, neg bool) {
	if len(n) > 0 && n[0] == '-' {
		neg, n = true, n[1:]
	}
	mant, e := n, 0
	if i := bytes.IndexAny(n, "eE"); i >= 0 {
		mant = n[:i]
		e, _ = strconv.Atoi(string(bytes.TrimPrefix(n[i+1:], []byte("+"))))
	}
	intPart, frac := mant, []byte(nil)
	if i := bytes.IndexByte(mant, '.'); i >= 0 {
		intPart, frac = mant[:i], mant[i+1:]
	}
	all := append(append([]byte(nil), intPart...), frac...)
	pointAt := len(intPart) + e // digits before the decimal point
	lead := 0
	for lead < len(all) && all[lead] == '0' {
		lead++
	}
	all = bytes.TrimRight(all[lead:], "0")
	return all, pointAt - lead, neg
}

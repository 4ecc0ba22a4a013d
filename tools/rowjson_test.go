package tools

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFloatExact(t *testing.T) {
	t.Parallel()
	for n, want := range map[string]bool{
		"0": true, "-0": true, "7": true, "-12": true,
		"9007199254740991": true, "-9007199254740991": true, "900719925474099": true,
		"9007199254740992": false, "-9007199254740992": false, "9007199254740993": false,
		"18446744073709551617": false, "10000000000000000": false,
		"0.1": true, "0.30000000000000004": true, "3.141592653589793": true, "123456789012345.6": true,
		"0.1000000000000000055511151231257827": false, "123456789.123456789123": false,
		"1e-7": true, "1.5e300": true, "1E+20": true, "2.5e-308": true,
		"1e400": false, "-1e400": false, "12345678901234567890e-5": false,
		"9007199254740993.0": false, "9007199254740992.0": true, "0.000000000000000000001": true,
	} {
		assert.Equal(t, want, floatExact([]byte(n)), n)
	}
}

func TestAppendExactValue(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string
		all      bool
		quoted   bool
	}{
		{`12`, `12`, false, false},
		{`12`, `"12"`, true, true},
		{`"12"`, `"12"`, true, false},
		{`null`, `null`, true, false},
		{`9007199254740993`, `"9007199254740993"`, false, true},
		{`{"a":9007199254740993,"b":[1,-18446744073709551617],"c":"9007199254740993 \"x\" 1"}`,
			`{"a":"9007199254740993","b":[1,"-18446744073709551617"],"c":"9007199254740993 \"x\" 1"}`, true, true},
		{`[1,2.5,"<b>&"]`, `[1,2.5,"\u003cb\u003e\u0026"]`, false, false},
		{`"a` + "\u2028" + `b"`, `"a\u2028b"`, false, false},
	} {
		got, quoted := appendExactValue(nil, json.RawMessage(tc.in), tc.all)
		assert.Equal(t, tc.want, string(got), tc.in)
		assert.Equal(t, tc.quoted, quoted, tc.in)
	}
}

// The hand-written structured content is, byte for byte, what json.Marshal
// gives for the same output with the rows appendStructuredRows writes: the
// schema generated from RunQueryOutput describes it, and encoding/json's
// escaping is kept.
func TestQueryResultBytesAreMarshal(t *testing.T) {
	t.Parallel()
	rows := [][]json.RawMessage{
		{json.RawMessage(`9007199254740993`), json.RawMessage(`"<a href=\"x\">&` + "\u2028" + `</a>"`), json.RawMessage(`{"k":[1,2.5e3,null,true]}`)},
		{json.RawMessage(`-1`), json.RawMessage(`"plain"`), json.RawMessage(`[{"x":12345678901234567890}]`)},
	}
	for _, out := range []RunQueryOutput{
		{Connection: "c", Columns: []Column{}, Rows: [][]json.RawMessage{}, RowLimit: 100},
		{Connection: `q"<>&`, Columns: []Column{{Name: "id", Type: "bigint"}, {Name: "s<", Type: "string"}, {Name: "o", Type: "object"}},
			Rows: rows, RowCount: 2, Truncated: true, TruncatedBy: "max_bytes", RowLimit: 5,
			CutValues: []CutValue{{Row: 0, Column: "s<", Bytes: 10, KeptBytes: 4}}, Notice: "cut <here> & there",
			Meta: QueryMeta{CacheHit: true, Cached: true, Location: "EU", TotalBytesProcessed: "12", SchemaInferred: true}},
		{Connection: "", Columns: []Column{}, Rows: [][]json.RawMessage{}, RowLimit: 1},                                                              // no columns: the least room for the head
		{Connection: "\xff\x01<", Columns: []Column{{Name: "\xfe\x02>", Type: "&"}}, Rows: [][]json.RawMessage{{json.RawMessage(`1`)}}, RowLimit: 1}, // the longest escapes
		{Connection: "rows", Columns: []Column{{Name: `"rows":null`, Type: "number"}}, Rows: [][]json.RawMessage{{json.RawMessage(`1`)}}, RowLimit: 1},
	} {
		res, cerr := queryResult(out, "text")
		require.Nil(t, cerr)
		got := res.StructuredContent.(json.RawMessage)

		// What json.Marshal makes of the same output, its rows converted first.
		want := out
		want.Columns = append([]Column{}, out.Columns...)
		want.Rows = nil
		for _, r := range out.Rows {
			var conv []json.RawMessage
			for i, v := range r {
				b, _ := appendExactValue(nil, v, want.Columns[i].Type == "bigint")
				conv = append(conv, b)
			}
			want.Rows = append(want.Rows, conv)
		}
		if want.Rows == nil {
			want.Rows = [][]json.RawMessage{}
		}
		appendStructuredRows(nil, want.Columns, out.Rows) // the same column marks
		wantJSON, err := json.Marshal(want)
		require.NoError(t, err)
		assert.Equal(t, string(wantJSON), string(got))
	}
}

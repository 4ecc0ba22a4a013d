package tools

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/client"
)

func TestTextValues(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{`"Madrid"`, `Madrid`},
		{`"POINT(-3.7 40.4)"`, `POINT(-3.7 40.4)`},
		{`"2024-01-01T00:00:00Z"`, `2024-01-01T00:00:00Z`},
		{`"\u00e9t\u00e9"`, `été`},
		{`"O'Brien \\ co"`, `O'Brien \ co`},
		{`"1a"`, `1a`},
		{`"NaN"`, `NaN`},
		{`"28001"`, `"28001"`},
		{`"-1.5e3"`, `"-1.5e3"`},
		{`"null"`, `"null"`},
		{`"true"`, `"true"`},
		{`""`, `""`},
		{`" x"`, `" x"`},
		{`"x\u00a0"`, `"x\u00a0"`},
		{`"a,b"`, `"a,b"`},
		{`"a\"b"`, `"a\"b"`},
		{`"a\nb"`, `"a\nb"`},
		{`"a\u2028b"`, `"a\u2028b"`},
		{`"{x}"`, `"{x}"`},
		{`"[x"`, `"[x"`},
		{`12345678901234567891`, `12345678901234567891`},
		{`-0.5e-7`, `-0.5e-7`},
		{`true`, `true`},
		{`null`, `null`},
		{`{"a":[1,"b,c"]}`, `{"a":[1,"b,c"]}`},
	} {
		got := string(appendTextValue(nil, json.RawMessage(tc.in)))
		assert.Equal(t, tc.want, got, tc.in)
		back, err := ParseTextRow(got)
		require.NoError(t, err, got)
		require.Len(t, back, 1, got)
		assert.JSONEq(t, tc.in, string(back[0]), "%s reads back", got)
	}
}

func FuzzTextRoundTrip(f *testing.F) {
	for _, s := range []string{"Madrid", "28001", "", " ", "a,b", "null", "1e5", "-", "{", "\u2028", "x\"y", "é", "\x7f"} {
		f.Add(s, 42.5, true)
	}
	f.Fuzz(func(t *testing.T, s string, n float64, b bool) {
		sv, err := json.Marshal(s)
		if err != nil {
			t.Skip()
		}
		nv, err := json.Marshal(n)
		if err != nil {
			t.Skip()
		}
		row := []json.RawMessage{sv, nv, json.RawMessage(`null`), sv}
		if b {
			row = append(row, json.RawMessage(`{"k":[`+string(sv)+`]}`))
		}
		line := TextRow(row)
		if strings.ContainsAny(line, "\n\r") {
			t.Fatalf("a row spans lines: %q", line)
		}
		back, err := ParseTextRow(line)
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		if len(back) != len(row) {
			t.Fatalf("%q: %d values, want %d", line, len(back), len(row))
		}
		for i := range row {
			var want, got any
			if json.Unmarshal(row[i], &want) != nil || json.Unmarshal(back[i], &got) != nil {
				t.Fatalf("%q: value %d is not JSON", line, i)
			}
			wb, _ := json.Marshal(want)
			gb, _ := json.Marshal(got)
			if string(wb) != string(gb) {
				t.Fatalf("%q: value %d reads back as %s, want %s", line, i, gb, wb)
			}
		}
	})
}

func TestCutString(t *testing.T) {
	t.Parallel()
	v, _ := json.Marshal(strings.Repeat("é", 100) + "abc")
	for _, size := range []int{0, 2, 3, 10, 33, 100, 500} {
		got := cutString(v, size)
		require.NotNil(t, got)
		var s string
		require.NoError(t, json.Unmarshal(got, &s), "valid JSON string at %d", size)
		assert.LessOrEqual(t, len(got), max(size, 2))
		assert.True(t, strings.HasPrefix(strings.Repeat("é", 100)+"abc", s))
	}
	assert.Nil(t, cutString(json.RawMessage(`123`), 2))
}

func TestCapRows(t *testing.T) {
	t.Parallel()
	cols := []client.Column{{Name: "id", Type: "bigint"}, {Name: "g", Type: "geometry"}}
	row := func(id, g string) []json.RawMessage {
		gv, _ := json.Marshal(g)
		return []json.RawMessage{json.RawMessage(id), gv}
	}
	// Whole rows while they fit.
	rows := [][]json.RawMessage{row("1", "POINT(1 1)"), row("2", "POINT(2 2)"), row("3", "POINT(3 3)")}
	kept, text, cut, by := capRows(cols, rows, 2*len("1,POINT(1 1)\n"), []byte("head\n"))
	assert.Len(t, kept, 2)
	assert.Equal(t, "head\n1,POINT(1 1)\n2,POINT(2 2)\n", string(text), "the lines, after what was there")
	assert.Empty(t, cut)
	assert.True(t, by)

	// A first row over the cap is cut, its small values kept.
	big := strings.Repeat("x", 5000)
	kept, text, cut, by = capRows(cols, [][]json.RawMessage{row("1", big)}, 1024, nil)
	require.Len(t, kept, 1)
	assert.False(t, by, "no more rows")
	require.Len(t, cut, 1)
	assert.Equal(t, CutValue{Row: 0, Column: "g", Bytes: 5002, KeptBytes: len(kept[0][1])}, cut[0])
	assert.LessOrEqual(t, len(text), 1024)
	assert.Equal(t, 1, bytes.Count(text, []byte("\n")), "one line")
	assert.Equal(t, "1", string(kept[0][0]))

	// Objects are compacted, and an oversized one becomes null.
	obj := json.RawMessage(`{"type": "Polygon", "coordinates": [` + strings.Repeat("[1, 2], ", 500) + `[1, 2]]}`)
	kept, _, cut, _ = capRows(cols, [][]json.RawMessage{{json.RawMessage("1"), obj}}, 1024, nil)
	assert.Equal(t, "null", string(kept[0][1]))
	assert.Equal(t, 0+len("null"), cut[0].KeptBytes)
	kept, _, cut, _ = capRows(cols, [][]json.RawMessage{{json.RawMessage("1"), json.RawMessage(`{"a": 1}`)}}, 1024, nil)
	assert.Equal(t, `{"a":1}`, string(kept[0][1]))
	assert.Empty(t, cut)
}

func TestJobRegistryIsBounded(t *testing.T) {
	t.Parallel()
	r := newJobRegistry(3)
	for i, id := range []string{"a", "b", "c", "d"} {
		r.remember(id, "conn"+string(rune('0'+i)))
	}
	_, ok := r.lookup("a")
	assert.False(t, ok, "the oldest is forgotten")
	c, ok := r.lookup("d")
	assert.True(t, ok)
	assert.Equal(t, "conn3", c)
	r.remember("b", "other")
	c, _ = r.lookup("b")
	assert.Equal(t, "other", c)
	assert.Equal(t, 3, r.len())
	r.remember("", "x")
	r.remember("y", "")
	assert.Equal(t, 3, r.len())
}

func TestJobRegistryConcurrent(t *testing.T) {
	t.Parallel()
	r := newJobRegistry(100)
	done := make(chan struct{})
	for g := range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 1000 {
				id := string(rune('a'+g)) + strings.Repeat("x", i%7)
				r.remember(id, "c")
				r.lookup(id)
			}
		}()
	}
	for range 8 {
		<-done
	}
	assert.LessOrEqual(t, r.len(), 100)
}

func TestNewDepsChecksOptions(t *testing.T) {
	t.Parallel()
	c := &client.Client{}
	for _, tc := range []struct {
		opts Options
		want string
	}{
		{Options{}, "Client is required"},
		{Options{Client: c, MaxRows: MaxRowsLimit + 1}, "MaxRows"},
		{Options{Client: c, MaxRows: -1}, "MaxRows"},
		{Options{Client: c, MaxRows: 10, DefaultRows: 11}, "DefaultRows"},
		{Options{Client: c, MaxTextBytes: 100}, "MaxTextBytes"},
		{Options{Client: c, CallTimeout: -1}, "CallTimeout"},
		{Options{Client: c, JobMemory: -1}, "JobMemory"},
	} {
		_, err := NewDeps(tc.opts)
		require.Error(t, err)
		assert.Contains(t, err.Error(), tc.want)
	}
	d, err := NewDeps(Options{Client: c})
	require.NoError(t, err)
	o := d.Options()
	assert.Equal(t, DefaultRows, o.DefaultRows)
	assert.Equal(t, DefaultMaxRows, o.MaxRows)
	assert.Equal(t, DefaultMaxTextBytes, o.MaxTextBytes)
	assert.Equal(t, DefaultCallTimeout, o.CallTimeout)
	assert.Equal(t, DefaultJobMemory, o.JobMemory)
	assert.Equal(t, "dev", o.Version)
}

func TestExplainValidationKeepsUnknownText(t *testing.T) {
	t.Parallel()
	got := explainValidation("get_job", "input schema validation failed: /job_id: something new")
	assert.Contains(t, got, "Invalid arguments for get_job: /job_id: something new.")
	assert.Contains(t, got, "Expected arguments: job_id (string, required, not empty); connection (string, optional)")
	assert.Contains(t, got, "(details: input schema validation failed: /job_id: something new)")
}

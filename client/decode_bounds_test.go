package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// paddedBody is a query answer with an unknown key holding a string of n
// bytes, generated as it is read so that the test itself holds none of it.
func paddedBody(before, after string, n int64) io.Reader {
	return io.MultiReader(strings.NewReader(before+`"padding":"`), io.LimitReader(repeatReader{}, n),
		strings.NewReader(`"`+after))
}

// repeatReader reads an endless run of 'x'.
type repeatReader struct{}

var xs = bytes.Repeat([]byte{'x'}, 64<<10)

func (r repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		n += copy(p[n:], xs)
	}
	return n, nil
}

// TestUnknownKeysAreSkippedAsAStream: a 50 MB key the client does not know,
// before or after the rows, is skipped without being held in memory (issue
// 15.4: it used to be read whole, raising RSS by over 150 MB). The bound is on
// bytes allocated, which does not depend on the machine's speed; the test is
// not parallel so that other tests' allocations do not count.
func TestUnknownKeysAreSkippedAsAStream(t *testing.T) {
	for _, tc := range []struct {
		name          string
		size          int64
		before, after string
	}{
		{"before the rows", 50 << 20, `{`, `,"rows":[{"a":1,"b":"x"}],"schema":[{"name":"a","type":"number"},{"name":"b","type":"string"}],"meta":{"cacheHit":true}}`},
		{"after the rows", 8 << 20, `{"rows":[{"a":1,"b":"x"}],`, `,"schema":[{"name":"a","type":"number"},{"name":"b","type":"string"}],"meta":{"cacheHit":true}}`},
		{"last", 8 << 20, `{"rows":[{"a":1,"b":"x"}],"schema":[{"name":"a","type":"number"},{"name":"b","type":"string"}],"meta":{"cacheHit":true},`, `}`},
	} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		res, err := decodeQueryResult(paddedBody(tc.before, tc.after, tc.size), QueryLimits{MaxRows: 10})
		runtime.ReadMemStats(&after)
		require.NoError(t, err, tc.name)
		allocated := after.TotalAlloc - before.TotalAlloc
		assert.Less(t, allocated, uint64(4<<20), "%s: %d bytes allocated to skip a %d byte key", tc.name, allocated, tc.size)
		assert.Equal(t, []Column{{"a", "number"}, {"b", "string"}}, res.Columns, tc.name)
		assert.Equal(t, [][]json.RawMessage{{json.RawMessage("1"), json.RawMessage(`"x"`)}}, res.Rows, tc.name)
		assert.True(t, res.Meta.CacheHit, tc.name)
	}
}

// TestUnknownKeysOverTheCap: past the cap on skipped bytes the body is not
// read on. Rows already read are kept; before them, the answer is refused.
func TestUnknownKeysOverTheCap(t *testing.T) {
	t.Parallel()
	const skipCap = 1 << 20
	res, err := decodeQueryResultSkipping(paddedBody(`{"rows":[{"a":1}],`, `,"schema":[{"name":"a","type":"number"}]}`, 2*skipCap),
		QueryLimits{}, skipCap)
	require.NoError(t, err)
	assert.Equal(t, [][]json.RawMessage{{json.RawMessage("1")}}, res.Rows)
	assert.True(t, res.SchemaInferred, "the schema after the cut is not read")

	counter := &countingReader{r: paddedBody(`{`, `,"rows":[{"a":1}]}`, 100*skipCap)}
	_, err = decodeQueryResultSkipping(counter, QueryLimits{}, skipCap)
	require.ErrorIs(t, err, ErrInvalidResponse)
	assert.Contains(t, err.Error(), `"padding"`)
	assert.Less(t, counter.n, int64(2*skipCap), "reading stops at the cap")

	// Several keys share the cap.
	body := `{"k1":"` + strings.Repeat("x", skipCap/2) + `","k2":"` + strings.Repeat("x", skipCap/2) + `","k3":"` +
		strings.Repeat("x", skipCap/2) + `","rows":[]}`
	_, err = decodeQueryResultSkipping(strings.NewReader(body), QueryLimits{}, skipCap)
	assert.ErrorIs(t, err, ErrInvalidResponse)
}

// TestSkippedValuesOfEveryShape: unknown keys of any JSON shape are skipped
// exactly, wherever they are, and malformed ones are refused.
func TestSkippedValuesOfEveryShape(t *testing.T) {
	t.Parallel()
	values := []string{
		`1`, `-0.5e+10`, `true`, `false`, `null`, `""`, `"a\"b\\"`, `"}],\"rows\":[]"`, `"é\u00e9"`,
		`[]`, `{}`, `[1,[2,[3]],{"a":{"b":[]}}]`, `{"rows":[{"a":2}],"x":"}"}`, ` [ 1 , { "k" : "v" } ] `,
		`[` + strings.Repeat(`{"k":[`, 100) + strings.Repeat(`]}`, 100) + `]`,
	}
	for _, v := range values {
		for _, body := range []string{
			`{"x":` + v + `,"rows":[{"a":1}],"schema":[{"name":"a","type":"number"}]}`,
			`{"rows":[{"a":1}],"x":` + v + `,"schema":[{"name":"a","type":"number"}]}`,
			`{"rows":[{"a":1}],"schema":[{"name":"a","type":"number"}],"x":` + v + `}`,
			`{"rows":[{"a":1}],"x":` + v + `,"y":` + v + `,"schema":[{"name":"a","type":"number"}],"z":` + v + `}`,
		} {
			res, err := decodeQueryResult(strings.NewReader(body), QueryLimits{})
			if assert.NoError(t, err, body) {
				assert.Equal(t, []Column{{"a", "number"}}, res.Columns, body)
				assert.Equal(t, [][]json.RawMessage{{json.RawMessage("1")}}, res.Rows, body)
			}
		}
	}
	for _, v := range []string{`tru`, `nul`, `[1,]x`, `{"a" 1}`, `{"a":1`, `[1}`, `{1:2}`, `-`, `x`, `"open`} {
		body := `{"x":` + v + `,"rows":[{"a":1}]}`
		_, err := decodeQueryResult(strings.NewReader(body), QueryLimits{})
		assert.True(t, errors.Is(err, ErrInvalidResponse) || errors.Is(err, ErrTruncatedResponse), "%s: %v", body, err)
	}
}

// TestOddMetaValues: meta describes the result; odd values in it must not
// fail the rows (issue 15.7).
func TestOddMetaValues(t *testing.T) {
	t.Parallel()
	for meta, want := range map[string]QueryMeta{
		`{"cacheHit":"yes"}`:                           {CacheHit: true},
		`{"cacheHit":"true","location":"US"}`:          {CacheHit: true, Location: "US"},
		`{"cacheHit":1,"totalBytesProcessed":1024}`:    {CacheHit: true, TotalBytesProcessed: "1024"},
		`{"cacheHit":"no","totalBytesProcessed":"12"}`: {TotalBytesProcessed: "12"},
		`{"cacheHit":null,"location":42}`:              {Location: "42"},
		`{"cacheHit":{"x":1},"location":["US"]}`:       {},
		`{"totalBytesProcessed":true}`:                 {},
		`"fast"`:                                       {},
		`[]`:                                           {},
		`null`:                                         {},
		`12`:                                           {},
	} {
		body := `{"rows":[{"a":1}],"schema":[{"name":"a","type":"number"}],"meta":` + meta + `}`
		res, err := decodeQueryResult(strings.NewReader(body), QueryLimits{})
		if assert.NoError(t, err, meta) {
			assert.Equal(t, want, res.Meta, meta)
			assert.Len(t, res.Rows, 1, meta)
		}
	}
	// A meta too large to be one is not read whole: the rows still come.
	body := `{"rows":[{"a":1}],"meta":{"location":"` + strings.Repeat("x", maxMetaBytes*4) + `"},"schema":[{"name":"a","type":"number"}]}`
	res, err := decodeQueryResult(strings.NewReader(body), QueryLimits{})
	require.NoError(t, err)
	assert.Len(t, res.Rows, 1)
}

// BenchmarkUnknownKey50MB decodes an answer whose unknown key holds 50 MB
// (issue 15.4). Its B/op is what skipping the key costs in memory; run it
// alone under /usr/bin/time -v to see the process's peak RSS.
func BenchmarkUnknownKey50MB(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		res, err := decodeQueryResult(paddedBody(`{`, `,"rows":[{"a":1}],"schema":[{"name":"a","type":"number"}]}`, 50<<20), QueryLimits{})
		if err != nil || len(res.Rows) != 1 {
			b.Fatal(res, err)
		}
	}
}

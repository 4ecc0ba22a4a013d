package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/cartofake"
)

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// A single value larger than MaxBytes must not be read whole: MaxBytes bounds the
// memory a result takes, whatever the shape of the body.
func TestDecodeHugeValueBoundedByMaxBytes(t *testing.T) {
	t.Parallel()
	const huge = 8 << 20
	const maxBytes = 1 << 20
	hugeStr := strings.Repeat("x", huge)
	tests := []struct {
		name       string
		body       string
		limits     QueryLimits
		wantRows   int
		wantTrunc  string
		wantSchema bool
		maxRead    int64
	}{
		{
			name:      "first value huge",
			body:      `{"schema":[{"name":"g","type":"geometry"}],"rows":[{"g":"` + hugeStr + `"}],"meta":{}}`,
			limits:    QueryLimits{MaxBytes: maxBytes},
			wantRows:  0,
			wantTrunc: "max_bytes",
			maxRead:   maxBytes + 2<<20,
		},
		{
			name:       "third value huge",
			body:       `{"schema":[{"name":"g","type":"geometry"}],"rows":[{"g":"a"},{"g":"b"},{"g":"` + hugeStr + `"},{"g":"c"}]}`,
			limits:     QueryLimits{MaxBytes: maxBytes},
			wantRows:   2,
			wantTrunc:  "max_bytes",
			wantSchema: true,
			maxRead:    maxBytes + 2<<20,
		},
		{
			name:      "huge value in the lookahead for a schema after the rows",
			body:      `{"rows":[{"g":"a"},{"g":"` + hugeStr + `"}],"schema":[{"name":"g","type":"geometry"}]}`,
			limits:    QueryLimits{MaxRows: 1},
			wantRows:  1,
			wantTrunc: "max_rows",
			maxRead:   defaultSchemaLookahead + 2<<20,
		},
		{
			name:       "values fitting exactly are all kept",
			body:       `{"schema":[{"name":"g","type":"geometry"}],"rows":[{"g":"` + hugeStr[:maxBytes-2] + `"}]}`,
			limits:     QueryLimits{MaxBytes: maxBytes},
			wantRows:   1,
			wantSchema: true,
			maxRead:    maxBytes + 1<<10,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cr := &countingReader{r: strings.NewReader(tt.body)}
			res, err := decodeQueryResult(cr, tt.limits)
			require.NoError(t, err)
			assert.Len(t, res.Rows, tt.wantRows)
			assert.Equal(t, tt.wantTrunc, res.TruncatedBy)
			assert.LessOrEqual(t, cr.n, tt.maxRead, "bytes read of a %d-byte body", len(tt.body))
			if tt.wantSchema {
				assert.False(t, res.SchemaInferred)
				assert.Equal(t, []Column{{"g", "geometry"}}, res.Columns)
			}
			for _, r := range res.Rows {
				assert.Len(t, r, len(res.Columns))
			}
		})
	}
}

// The body of a capped result is not read to the end.
func TestDecodeStopsReading(t *testing.T) {
	t.Parallel()
	for _, schemaFirst := range []bool{false, true} {
		body := cartofake.NewBodyReader(cartofake.Result{Columns: testCols, N: 1_000_000, SchemaFirst: schemaFirst,
			Row: func(i int) []any { return []any{i, "name", 1.5} }})
		res, err := decodeQueryResult(body, QueryLimits{MaxRows: 1000})
		require.NoError(t, err)
		assert.Len(t, res.Rows, 1000)
		assert.True(t, res.Truncated)
		// rows first: the schema is past the lookahead, so the columns are inferred
		assert.Equal(t, !schemaFirst, res.SchemaInferred)
		assert.Equal(t, []string{"id", "name", "amount"}, colNames(res.Columns))
		// rows-first skims at most the lookahead (plus a buffer) looking for the schema
		assert.Less(t, body.BytesRead(), int64(defaultSchemaLookahead+1<<20), "schemaFirst=%v", schemaFirst)
	}
}

func FuzzDecodeQueryResult(f *testing.F) {
	seeds := []string{
		`{"rows":[{"a":1,"b":"x"}],"schema":[{"name":"a","type":"number"},{"name":"b","type":"string"}],"meta":{"cacheHit":true}}`,
		`{"schema":[{"name":"a","type":"number"}],"rows":[{"a":9007199254740993},{"b":2}]}`,
		`{"schema":[{"name":"a","type":"number"},{"name":"a","type":"number"}],"rows":[{"a":1,"c":2}]}`,
		`{"rows":[{"b":1,"a":2},{"a":3,"c":[1,{"d":null}]}]}`,
		`{"rows":null}`,
		`{"rows":[],"schema":[],"meta":{"totalBytesProcessed":123}}`,
		`{"rows":[{"a":1}`,
		`{"rows":[{"a":1},{"a":2}],"schema":[{"name":"a","type":"bigint"}],"rows":[{"z":1}],"schema":[{"name":"q"}]}`,
		`{"x":{"rows":[]},"rows":[{"":""}]}`,
		`[]`,
		``,
		`{"rows":[1]}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s), uint8(0), uint16(0), int8(0))
		f.Add([]byte(s), uint8(1), uint16(3), int8(-1))
	}
	f.Fuzz(func(t *testing.T, data []byte, maxRows uint8, maxBytes uint16, lookahead int8) {
		limits := QueryLimits{MaxRows: int(maxRows % 8), MaxBytes: int64(maxBytes), SchemaLookahead: int64(lookahead)}
		res, err := decodeQueryResult(bytes.NewReader(data), limits)
		if err != nil {
			if !errors.Is(err, ErrInvalidResponse) && !errors.Is(err, ErrTruncatedResponse) {
				t.Fatalf("unclassified error %T: %v", err, err)
			}
			if res != nil {
				t.Fatalf("result with an error")
			}
			return
		}
		if res.Truncated != (res.TruncatedBy != "") {
			t.Fatalf("Truncated %v but TruncatedBy %q", res.Truncated, res.TruncatedBy)
		}
		if limits.MaxRows > 0 && len(res.Rows) > limits.MaxRows {
			t.Fatalf("%d rows over MaxRows %d", len(res.Rows), limits.MaxRows)
		}
		var kept int64
		for i, r := range res.Rows {
			if len(r) != len(res.Columns) {
				t.Fatalf("row %d has %d values for %d columns", i, len(r), len(res.Columns))
			}
			for _, v := range r {
				if !json.Valid(v) {
					t.Fatalf("row %d holds invalid JSON %q", i, v)
				}
				if string(v) != "null" {
					kept += int64(len(v))
				}
			}
		}
		if limits.MaxBytes > 0 && kept > limits.MaxBytes {
			t.Fatalf("kept %d bytes over MaxBytes %d", kept, limits.MaxBytes)
		}
	})
}

// With CARTO's rows-first order, a body that breaks after the cap, during the
// look-ahead for the schema, still gives the complete rows that were kept.
func TestDecodeSkimFailureKeepsTheRows(t *testing.T) {
	t.Parallel()
	for name, tail := range map[string]string{
		"truncated": `,{"a":3`,
		"malformed": `,{"a":3}] "schema": nonsense`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			body := `{"rows":[{"a":1},{"a":2}` + tail
			res, err := decodeQueryResult(strings.NewReader(body), QueryLimits{MaxRows: 1})
			require.NoError(t, err)
			assert.True(t, res.Truncated)
			assert.Equal(t, "max_rows", res.TruncatedBy)
			assert.True(t, res.SchemaInferred)
			assert.Equal(t, []Column{{Name: "a", Type: "unknown"}}, res.Columns)
			assert.Equal(t, [][]json.RawMessage{{json.RawMessage("1")}}, res.Rows)
		})
	}
	// Within the budget, schema and meta after the rows are still read.
	body := `{"rows":[{"a":1},{"a":2}],"schema":[{"name":"a","type":"bigint"}],"meta":{"cacheHit":true}}`
	res, err := decodeQueryResult(strings.NewReader(body), QueryLimits{MaxRows: 1})
	require.NoError(t, err)
	assert.False(t, res.SchemaInferred)
	assert.Equal(t, []Column{{Name: "a", Type: "bigint"}}, res.Columns)
	assert.True(t, res.Meta.CacheHit)
}

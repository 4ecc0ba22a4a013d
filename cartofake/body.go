package cartofake

import (
	"encoding/json"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/carto-mcp/carto-mcp/internal/jsonstr"
)

// Column is one column of a query result's "schema".
type Column struct {
	Name string `json:"name"`
	// Type is CARTO's type name: number, bigint, string, geometry, timestamp,
	// object, boolean, variant or unknown. Any text is sent as given.
	Type string `json:"type"`
}

// Omit, used as a value in a row, leaves that column's key out of the row object,
// to test rows that lack a key.
var Omit any = omitValue{}

type omitValue struct{}

// Result is a query result the fake serves. Rows come either from Rows or, when Row
// is set, from Row(0) .. Row(N-1), generated while the body is written so that a
// body of a million rows never sits in memory.
//
// A row's values are aligned with Columns and written in that order. Values are
// encoded as follows: nil as null; json.RawMessage and json.Number verbatim (use
// them for exact big integers and decimals, e.g. json.Number("9007199254740993"));
// string, bool, integers and floats as JSON; time.Time as an RFC 3339 string; Omit
// leaves the key out; anything else through encoding/json.
type Result struct {
	Columns []Column
	Rows    [][]any
	// N and Row generate the rows on the fly when Row is not nil. Row is called
	// once per row per response, possibly from several requests at once.
	N   int
	Row func(i int) []any
	// Meta is the "meta" object written verbatim; nil writes
	// {"cacheHit":false,"location":"US","totalBytesProcessed":"0"}.
	Meta json.RawMessage
	// SchemaFirst writes "schema" before "rows". The default is CARTO's own order:
	// {"rows":[...],"schema":[...],"meta":{...}}.
	SchemaFirst bool
}

// DefaultMeta is the "meta" written when Result.Meta is nil.
var DefaultMeta = json.RawMessage(`{"cacheHit":false,"location":"US","totalBytesProcessed":"0"}`)

// BodyReader produces the JSON body of a Result lazily, a few tens of kilobytes at
// a time, and counts the bytes read from it. Benchmarks use it as an in-memory
// body that is never materialised; the server streams query results through it.
type BodyReader struct {
	res   Result
	n     int
	i     int
	stage int
	buf   []byte
	off   int
	read  int64
}

// NewBodyReader returns a reader over r's JSON body.
func NewBodyReader(r Result) *BodyReader {
	n := len(r.Rows)
	if r.Row != nil {
		n = r.N
	}
	if r.Meta == nil {
		r.Meta = DefaultMeta
	}
	return &BodyReader{res: r, n: n, buf: make([]byte, 0, 40<<10)}
}

// BytesRead is how many bytes have been read so far.
func (b *BodyReader) BytesRead() int64 { return b.read }

// Read implements io.Reader.
func (b *BodyReader) Read(p []byte) (int, error) {
	total := 0
	for len(p) > 0 {
		if b.off >= len(b.buf) {
			if !b.fill() {
				break
			}
		}
		n := copy(p, b.buf[b.off:])
		b.off += n
		p = p[n:]
		total += n
	}
	b.read += int64(total)
	if total == 0 {
		return 0, io.EOF
	}
	return total, nil
}

const fillChunk = 32 << 10

// fill produces the next piece of the body; false at the end.
func (b *BodyReader) fill() bool {
	b.buf, b.off = b.buf[:0], 0
	switch b.stage {
	case 0:
		b.buf = append(b.buf, '{')
		if b.res.SchemaFirst {
			b.buf = append(b.buf, `"schema":`...)
			b.buf = appendSchema(b.buf, b.res.Columns)
			b.buf = append(b.buf, ',')
		}
		b.buf = append(b.buf, `"rows":[`...)
		b.stage = 1
	case 1:
		for b.i < b.n && len(b.buf) < fillChunk {
			if b.i > 0 {
				b.buf = append(b.buf, ',')
			}
			var row []any
			if b.res.Row != nil {
				row = b.res.Row(b.i)
			} else {
				row = b.res.Rows[b.i]
			}
			b.buf = AppendRow(b.buf, b.res.Columns, row)
			b.i++
		}
		if b.i >= b.n {
			b.stage = 2
		}
		if len(b.buf) == 0 {
			return b.fill()
		}
	case 2:
		b.buf = append(b.buf, ']')
		if !b.res.SchemaFirst {
			b.buf = append(b.buf, `,"schema":`...)
			b.buf = appendSchema(b.buf, b.res.Columns)
		}
		b.buf = append(b.buf, `,"meta":`...)
		b.buf = append(b.buf, b.res.Meta...)
		b.buf = append(b.buf, '}')
		b.stage = 3
	default:
		return false
	}
	return true
}

// Body returns r's whole JSON body. Meant for small results and benchmark set-up.
func Body(r Result) []byte {
	out, _ := io.ReadAll(NewBodyReader(r))
	return out
}

func appendSchema(b []byte, cols []Column) []byte {
	b = append(b, '[')
	for i, c := range cols {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":`...)
		b = AppendString(b, c.Name)
		b = append(b, `,"type":`...)
		b = AppendString(b, c.Type)
		b = append(b, '}')
	}
	return append(b, ']')
}

// AppendRow appends one row object, its keys in column order. Values beyond the
// columns are ignored; missing values are written as null.
func AppendRow(b []byte, cols []Column, row []any) []byte {
	b = append(b, '{')
	first := true
	for i, c := range cols {
		var v any
		if i < len(row) {
			v = row[i]
		}
		if _, ok := v.(omitValue); ok {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = AppendString(b, c.Name)
		b = append(b, ':')
		b = AppendValue(b, v)
	}
	return append(b, '}')
}

// AppendValue appends v as JSON, by the rules documented on Result.
func AppendValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case json.RawMessage:
		if len(x) == 0 {
			return append(b, "null"...)
		}
		return append(b, x...)
	case json.Number:
		return append(b, x...)
	case string:
		return AppendString(b, x)
	case bool:
		return strconv.AppendBool(b, x)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case int32:
		return strconv.AppendInt(b, int64(x), 10)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case uint64:
		return strconv.AppendUint(b, x, 10)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return append(b, "null"...)
		}
		return strconv.AppendFloat(b, x, 'g', -1, 64)
	case time.Time:
		b = append(b, '"')
		b = x.UTC().AppendFormat(b, time.RFC3339Nano)
		return append(b, '"')
	}
	out, err := json.Marshal(v)
	if err != nil {
		return append(b, "null"...)
	}
	return append(b, out...)
}

// AppendString appends s as a JSON string.
func AppendString(b []byte, s string) []byte { return jsonstr.Append(b, s) }

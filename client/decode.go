package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

const defaultSchemaLookahead = 4 << 20

// decodeQueryResult reads {rows, schema, meta} token by token, in whatever order
// the keys come. It keeps at most limits.MaxRows rows and limits.MaxBytes bytes of
// values, checks whether one more row exists to report truncation honestly, and
// then stops reading: the rest of a large body is never touched, except for a
// bounded skim to a schema that comes after the rows.
func decodeQueryResult(r io.Reader, limits QueryLimits) (*QueryResult, error) {
	br := &budgetReader{r: r}
	d := &resultDecoder{dec: json.NewDecoder(br), br: br, limits: limits, colIndex: map[string]int{}}
	if err := d.run(); err != nil {
		return nil, classifyDecodeError(err)
	}
	return d.result(), nil
}

type resultDecoder struct {
	dec    *json.Decoder
	br     *budgetReader
	limits QueryLimits

	schema       []Column // from "schema", when seen
	rowKeys      []string // column order from the rows themselves, until schema is seen
	colIndex     map[string]int
	rows         [][]json.RawMessage
	bytes        int64
	meta         QueryMeta
	sawRows      bool
	truncated    string
	stoppedEarly bool
	overBudget   bool // the decoder hit the read budget and cannot go on
}

// budgetSlack is what a row may take beyond its values (keys, punctuation,
// whitespace) before the read budget stops it, and what a skim may overrun.
const budgetSlack = 1 << 20

// errOverBudget stops a json.Decoder that would otherwise buffer a whole value,
// however large, before decoding it.
var errOverBudget = errors.New("read budget exceeded")

// budgetReader fails reads past limit, an offset in the body (0: no limit).
type budgetReader struct {
	r     io.Reader
	read  int64
	limit int64
}

func (b *budgetReader) Read(p []byte) (int, error) {
	if b.limit > 0 {
		left := b.limit - b.read
		if left <= 0 {
			return 0, errOverBudget
		}
		if int64(len(p)) > left {
			p = p[:left]
		}
	}
	n, err := b.r.Read(p)
	b.read += int64(n)
	return n, err
}

// setBudget lets the decoder read at most n more bytes past what it has consumed
// (never less than what it has already buffered); n < 0 lifts the limit.
func (d *resultDecoder) setBudget(n int64) {
	if n < 0 {
		d.br.limit = 0
		return
	}
	d.br.limit = max(d.dec.InputOffset()+n, d.br.read, 1)
}

func (d *resultDecoder) run() error {
	if err := d.expectDelim('{'); err != nil {
		return err
	}
	for d.dec.More() {
		key, err := d.key()
		if err != nil {
			return err
		}
		switch key {
		case "rows":
			d.sawRows = true
			if err := d.readRows(); err != nil {
				return err
			}
			if d.stoppedEarly {
				return d.lookAheadForSchema()
			}
		default:
			if err := d.readOtherKey(key); err != nil {
				return err
			}
		}
	}
	if err := d.expectDelim('}'); err != nil {
		return err
	}
	if !d.sawRows {
		return fmt.Errorf("%w: it has no \"rows\"", ErrInvalidResponse)
	}
	return nil
}

func (d *resultDecoder) readRows() error {
	tok, err := d.dec.Token()
	if err != nil {
		return err
	}
	if tok == nil { // "rows": null is an empty result
		return nil
	}
	if delim, ok := tok.(json.Delim); !ok || delim != '[' {
		return fmt.Errorf("%w: \"rows\" is not an array", ErrInvalidResponse)
	}
	for d.dec.More() {
		if d.limits.MaxRows > 0 && len(d.rows) >= d.limits.MaxRows {
			d.truncated, d.stoppedEarly = "max_rows", true
			return nil
		}
		if d.limits.MaxBytes > 0 {
			// A value is read whole before its size is known: bound the read so
			// one huge value cannot pull the body into memory.
			d.setBudget(d.limits.MaxBytes - d.bytes + budgetSlack)
		}
		row, size, err := d.readRow()
		d.setBudget(-1)
		if errors.Is(err, errOverBudget) {
			d.truncated, d.stoppedEarly, d.overBudget = "max_bytes", true, true
			return nil
		}
		if err != nil {
			return err
		}
		if d.limits.MaxBytes > 0 && d.bytes+size > d.limits.MaxBytes {
			d.truncated, d.stoppedEarly = "max_bytes", true
			return nil
		}
		d.bytes += size
		d.rows = append(d.rows, row)
	}
	_, err = d.dec.Token() // ']'
	return err
}

// readRow reads one row object. Values are placed by column name: by the schema's
// order when it came first, else by the order keys appear in the rows.
//
// The decoder reads (and validates) the whole row once; its keys and values are
// then found by rowScanner in those bytes, and each value is a slice of them.
// This costs a few allocations a row instead of several per value.
func (d *resultDecoder) readRow() ([]json.RawMessage, int64, error) {
	var raw json.RawMessage
	if err := d.dec.Decode(&raw); err != nil {
		return nil, 0, err
	}
	sc := rowScanner{b: raw}
	if !sc.open() {
		return nil, 0, fmt.Errorf("%w: a row is not an object", ErrInvalidResponse)
	}
	d.indexSchema()
	row := make([]json.RawMessage, len(d.rowKeys))
	var size int64
	for {
		key, escaped, val, ok := sc.next()
		if !ok {
			break
		}
		i, err := d.column(key, escaped)
		if err != nil {
			return nil, 0, err
		}
		for len(row) <= i {
			row = append(row, nil)
		}
		row[i] = json.RawMessage(val)
		size += int64(len(val))
	}
	return row, size, nil
}

// column returns the row slot of a key, adding a column for a new one.
func (d *resultDecoder) column(key []byte, escaped bool) (int, error) {
	name := string(key) // the map lookup below does not allocate for this
	if escaped {
		if err := json.Unmarshal(append(append([]byte{'"'}, key...), '"'), &name); err != nil {
			return 0, fmt.Errorf("%w: a row key: %v", ErrInvalidResponse, err)
		}
	}
	if i, ok := d.colIndex[name]; ok {
		return i, nil
	}
	// A row slot per rowKeys entry: with a duplicate name in the schema,
	// colIndex has fewer entries than rowKeys, so len(colIndex) would reuse the
	// slot of a schema column.
	i := len(d.rowKeys)
	d.colIndex[name] = i
	d.rowKeys = append(d.rowKeys, name)
	return i, nil
}

// rowScanner walks the members of one JSON object the decoder has already
// validated. It never reads out of range, whatever the bytes.
type rowScanner struct {
	b []byte
	i int
}

func (s *rowScanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *rowScanner) open() bool {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == '{' {
		s.i++
		return true
	}
	return false
}

// next returns the next member: its key's text without quotes (escaped when it
// holds an escape sequence) and its value's JSON text. ok is false at the end.
func (s *rowScanner) next() (key []byte, escaped bool, val []byte, ok bool) {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == ',' {
		s.i++
		s.space()
	}
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, false, nil, false // '}' or the end
	}
	start := s.i + 1
	s.i, escaped = s.stringEnd(s.i)
	key = s.b[start:max(start, s.i-1)]
	s.space()
	if s.i < len(s.b) && s.b[s.i] == ':' {
		s.i++
	}
	s.space()
	vs := s.i
	s.skipValue()
	return key, escaped, s.b[vs:s.i], true
}

// stringEnd returns the index just past the string that opens at i, and whether
// it holds an escape.
func (s *rowScanner) stringEnd(i int) (int, bool) {
	escaped := false
	for j := i + 1; j < len(s.b); j++ {
		switch s.b[j] {
		case '\\':
			escaped = true
			j++
		case '"':
			return j + 1, escaped
		}
	}
	return len(s.b), escaped
}

func (s *rowScanner) skipValue() {
	if s.i >= len(s.b) {
		return
	}
	switch s.b[s.i] {
	case '"':
		s.i, _ = s.stringEnd(s.i)
	case '{', '[':
		depth := 0
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case '"':
				s.i, _ = s.stringEnd(s.i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					s.i++
					return
				}
			}
			s.i++
		}
	default: // a number, true, false or null
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return
			}
			s.i++
		}
	}
}

// indexSchema seeds the column index from the schema the first time it is known,
// before any row has added keys of its own.
func (d *resultDecoder) indexSchema() {
	if len(d.colIndex) == 0 && len(d.schema) > 0 {
		for i, c := range d.schema {
			d.colIndex[c.Name] = i
			d.rowKeys = append(d.rowKeys, c.Name)
		}
	}
}

// lookAheadForSchema skims the rest of a cut "rows" array, without keeping it, for
// at most SchemaLookahead bytes, then reads schema and meta if they follow.
func (d *resultDecoder) lookAheadForSchema() error {
	if len(d.schema) > 0 || d.overBudget {
		return nil
	}
	budget := d.limits.SchemaLookahead
	if budget == 0 {
		budget = defaultSchemaLookahead
	}
	if budget < 0 {
		return nil
	}
	// The skim is best effort: a value too large for the budget ends it.
	d.setBudget(budget + budgetSlack)
	defer d.setBudget(-1)
	// The rows kept are already complete: a skim that fails (a value over the
	// budget, a dropped connection, a malformed tail) only leaves the column types
	// unknown, so its error is not the caller's.
	_ = d.skimForSchema(budget)
	return nil
}

func (d *resultDecoder) skimForSchema(budget int64) error {
	stop := d.dec.InputOffset() + budget
	for d.dec.More() {
		if d.dec.InputOffset() > stop {
			return nil
		}
		var skip json.RawMessage
		if err := d.dec.Decode(&skip); err != nil {
			return err
		}
	}
	if _, err := d.dec.Token(); err != nil { // ']'
		return err
	}
	for d.dec.More() {
		key, err := d.key()
		if err != nil {
			return err
		}
		if err := d.readOtherKey(key); err != nil {
			return err
		}
	}
	return nil
}

// readOtherKey reads the value of a top-level key other than "rows": the schema,
// the meta, or anything else, skipped.
func (d *resultDecoder) readOtherKey(key string) error {
	switch key {
	case "schema":
		// Decoded aside, so a broken schema leaves none rather than half of one.
		var schema []Column
		if err := d.dec.Decode(&schema); err != nil {
			return err
		}
		d.schema = schema
		return nil
	case "meta":
		return d.readMeta()
	default:
		var skip json.RawMessage
		return d.dec.Decode(&skip)
	}
}

func (d *resultDecoder) readMeta() error {
	var raw struct {
		CacheHit            bool            `json:"cacheHit"`
		Location            string          `json:"location"`
		TotalBytesProcessed json.RawMessage `json:"totalBytesProcessed"`
	}
	if err := d.dec.Decode(&raw); err != nil {
		return err
	}
	d.meta = QueryMeta{CacheHit: raw.CacheHit, Location: raw.Location}
	// CARTO sends it as a string; some warehouses as a number. Keep the text.
	d.meta.TotalBytesProcessed = string(bytes.Trim(raw.TotalBytesProcessed, `"`))
	if d.meta.TotalBytesProcessed == "null" {
		d.meta.TotalBytesProcessed = ""
	}
	return nil
}

// result aligns every row with the final column list.
func (d *resultDecoder) result() *QueryResult {
	res := &QueryResult{Meta: d.meta, TruncatedBy: d.truncated, Truncated: d.truncated != ""}
	if len(d.schema) > 0 {
		res.Columns = d.schema
	}
	// Rows read before the schema was known are ordered by their own keys; map
	// them onto the schema's order, and keep any key the schema does not list.
	order := make([]int, 0, len(d.rowKeys))
	names := map[string]bool{}
	for _, c := range res.Columns {
		names[c.Name] = true
	}
	for _, k := range d.rowKeys {
		if !names[k] {
			res.Columns = append(res.Columns, Column{Name: k, Type: "unknown"})
			names[k] = true
		}
	}
	if len(d.schema) == 0 && len(res.Columns) > 0 {
		res.SchemaInferred = true
	}
	pos := make(map[string]int, len(res.Columns))
	for i, c := range res.Columns {
		pos[c.Name] = i
	}
	for _, k := range d.rowKeys {
		order = append(order, pos[k])
	}
	res.Rows = make([][]json.RawMessage, len(d.rows))
	for r, row := range d.rows {
		out := make([]json.RawMessage, len(res.Columns))
		for i, v := range row {
			if v != nil {
				out[order[i]] = v
			}
		}
		for i := range out {
			if out[i] == nil {
				out[i] = json.RawMessage("null")
			}
		}
		res.Rows[r] = out
	}
	return res
}

func (d *resultDecoder) key() (string, error) {
	tok, err := d.dec.Token()
	if err != nil {
		return "", err
	}
	k, ok := tok.(string)
	if !ok {
		return "", fmt.Errorf("%w: expected an object key, got %v", ErrInvalidResponse, tok)
	}
	return k, nil
}

func (d *resultDecoder) expectDelim(want json.Delim) error {
	tok, err := d.dec.Token()
	if err != nil {
		return err
	}
	if got, ok := tok.(json.Delim); !ok || got != want {
		return fmt.Errorf("%w: expected %q, got %v", ErrInvalidResponse, want, tok)
	}
	return nil
}

// classifyDecodeError turns the decoder's errors into the package's sentinels.
func classifyDecodeError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return fmt.Errorf("%w: %v", ErrTruncatedResponse, err)
	case errors.As(err, &syntax), errors.As(err, &typ):
		return fmt.Errorf("%w: %v", ErrInvalidResponse, err)
	}
	return err
}

package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

const defaultSchemaLookahead = 4 << 20

// decodeQueryResult reads {rows, schema, meta} token by token, in whatever order
// the keys come. It keeps at most limits.MaxRows rows and limits.MaxBytes bytes of
// values, checks whether one more row exists to report truncation honestly, and
// then stops reading: the rest of a large body is never touched, except for a
// bounded skim to a schema that comes after the rows.
func decodeQueryResult(r io.Reader, limits QueryLimits) (*QueryResult, error) {
	return decodeQueryResultSkipping(r, limits, maxSkippedBytes)
}

// decodeQueryResultSkipping is decodeQueryResult with skipCap bytes of
// unknown keys skipped at most (tests lower it).
func decodeQueryResultSkipping(r io.Reader, limits QueryLimits, skipCap int64) (*QueryResult, error) {
	return decodeQueryResultInto(r, limits, skipCap, nil)
}

// decodeQueryResultInto is decodeQueryResultSkipping reading the rows into
// bufs, when not nil, rather than into buffers of its own.
func decodeQueryResultInto(r io.Reader, limits QueryLimits, skipCap int64, bufs *rowBuffers) (*QueryResult, error) {
	br := &budgetReader{r: r}
	d := &resultDecoder{dec: json.NewDecoder(br), br: br, limits: limits, skipCap: skipCap, bufs: bufs}
	if err := d.run(); err != nil {
		return nil, classifyDecodeError(err)
	}
	return d.result(), nil
}

type resultDecoder struct {
	dec    *json.Decoder
	br     *budgetReader
	limits QueryLimits

	schema   []Column       // from "schema", when seen
	rowKeys  []string       // column order from the rows themselves, until schema is seen
	colIndex map[string]int // rowKeys' slots, past linearColumns of them
	// duplicateNames is set when the schema names a column twice.
	duplicateNames bool
	rows           [][]json.RawMessage
	bytes          int64
	meta           QueryMeta
	sawRows        bool
	truncated      string
	stoppedEarly   bool
	overBudget     bool // the decoder hit the read budget and cannot go on

	// The decoder is replaced after each skipped value (skipMember): base is the
	// body offset of the current decoder's offset 0, and prefix what is left of
	// the bytes it was handed before the rest of the body.
	base    int64
	prefix  *bytes.Reader
	skipped int64 // bytes of unknown keys skipped so far
	skipCap int64

	// Scratch space and value slots reused across rows (see scanRow).
	members []member
	stack   []byte
	slots   []json.RawMessage

	bufs *rowBuffers // lent by RunFunc, or nil
}

// nullValue is the value of a key missing from a row.
var nullValue = json.RawMessage("null")

// Bounds on the parts of an answer other than rows, so that no part of a body,
// however large, is held in memory whole (issue 15.4).
const (
	// maxSchemaBytes bounds "schema": thousands of columns fit in it.
	maxSchemaBytes = 4 << 20
	// maxMetaBytes bounds "meta", a handful of small fields.
	maxMetaBytes = 64 << 10
	// maxSkippedBytes bounds the values of keys the client does not read, which
	// are skipped as a stream in constant memory; past it the body is not read on.
	maxSkippedBytes = 64 << 20
)

// errPartTooLarge is a schema, meta or unknown key over its bound.
var errPartTooLarge = fmt.Errorf("%w: part of the answer is too large", ErrInvalidResponse)

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
	d.br.limit = max(d.offset()+n, d.br.read, 1)
}

// offset is the decoder's position in the body.
func (d *resultDecoder) offset() int64 { return d.base + d.dec.InputOffset() }

// bounded runs fn with at most n more bytes readable (within any budget
// already set), and reports errPartTooLarge when fn ran into that bound.
func (d *resultDecoder) bounded(n int64, what string, fn func() error) error {
	prev := d.br.limit
	limit := d.offset() + n
	if prev > 0 && prev < limit {
		limit = prev
	}
	d.br.limit = max(limit, d.br.read, 1)
	err := fn()
	d.br.limit = prev
	if errors.Is(err, errOverBudget) && (prev == 0 || limit < prev) {
		return fmt.Errorf("%w: %s is over %d KiB", errPartTooLarge, what, n>>10)
	}
	return err
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
				if errors.Is(err, errPartTooLarge) && d.sawRows {
					// The rows are complete: stop reading rather than fail them
					// over a part the caller can do without.
					return nil
				}
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
	s := d.takeOver()
	if err := d.scanRows(s); err != nil {
		return err
	}
	if d.overBudget {
		return nil // nothing more is read
	}
	if err := d.handBack(s); err != nil {
		return err
	}
	if d.stoppedEarly {
		return nil
	}
	_, err = d.dec.Token() // ']'
	return err
}

// takeOver returns a rowStream that goes on from where the decoder stopped:
// what it has buffered, then the rest of the body.
func (d *resultDecoder) takeOver() *rowStream {
	s := &rowStream{r: d.br, off: d.offset(), limit: -1}
	if d.bufs != nil {
		s.buf = d.bufs.chunk[:0]
	} else {
		s.buf = make([]byte, 0, minRowChunk)
	}
	s.buf = appendReader(s.buf, d.dec.Buffered())
	if d.prefix != nil {
		s.buf = appendReader(s.buf, d.prefix)
	}
	return s
}

// appendReader appends what r holds; r is in memory, so it does not fail.
func appendReader(b []byte, r io.Reader) []byte {
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			return b
		}
	}
}

// handBack gives the rest of the body, from s's position inside the rows
// array (before a row or the closing bracket), back to a decoder.
func (d *resultDecoder) handBack(s *rowStream) error {
	// The new decoder is handed the opening of the object and of the array, so
	// that it reads on as if it had read them itself.
	const reopen = `{"rows":[`
	rest := s.buf[s.i:]
	next := make([]byte, 0, len(reopen)+len(rest))
	d.prefix = bytes.NewReader(append(append(next, reopen...), rest...))
	d.base = s.offset() - int64(len(reopen))
	d.dec = json.NewDecoder(io.MultiReader(d.prefix, d.br))
	for range 3 { // {, "rows", [
		if _, err := d.dec.Token(); err != nil {
			return err
		}
	}
	return nil
}

// scanRows reads rows with s up to the end of the array or a limit, leaving
// s before the next row or the closing bracket.
func (d *resultDecoder) scanRows(s *rowStream) error {
	for first := true; ; first = false {
		s.start = s.i // what is before is no longer needed by a refill
		c, err := s.nonSpace()
		if err != nil {
			return err
		}
		if c == ']' {
			return nil
		}
		if !first {
			if c != ',' {
				return s.syntax("invalid character %q after a row", c)
			}
			s.i++
			if c, err = s.nonSpace(); err != nil {
				return err
			}
		}
		if d.limits.MaxRows > 0 && len(d.rows) >= d.limits.MaxRows {
			d.truncated, d.stoppedEarly = "max_rows", true
			return nil
		}
		if d.limits.MaxBytes > 0 {
			// A row is read whole before its size is known: bound the read so
			// one huge value cannot pull the body into memory.
			s.limit = d.limits.MaxBytes - d.bytes + budgetSlack
		}
		b, err := d.scanRow(s, c)
		s.limit = -1
		if errors.Is(err, errOverBudget) {
			d.truncated, d.stoppedEarly, d.overBudget = "max_bytes", true, true
			return nil
		}
		if err != nil {
			return err
		}
		row, size, err := d.placeRow(b)
		if err != nil {
			return err
		}
		if d.limits.MaxBytes > 0 && d.bytes+size > d.limits.MaxBytes {
			d.truncated, d.stoppedEarly = "max_bytes", true
			// Past the row and its comma, for the skim to a schema after the rows.
			if c, err := s.nonSpace(); err == nil && c == ',' {
				s.i++
			}
			return nil
		}
		d.bytes += size
		if d.rows == nil {
			switch {
			case d.bufs != nil && cap(d.bufs.rows) > 0:
				d.rows = d.bufs.rows[:0]
			case d.limits.MaxRows > 0:
				// Room for the rows asked for, up to a point, rather than
				// doubling up to them.
				d.rows = make([][]json.RawMessage, 0, min(d.limits.MaxRows, 128))
			}
		}
		d.rows = append(d.rows, row)
	}
}

// column returns the row slot of a key, adding a column for a new one.
func (d *resultDecoder) column(key []byte, escaped bool) (int, error) {
	if !escaped {
		// The usual case, once per value: string(key) compared or written in
		// the index expression does not allocate.
		if i, ok := d.slotOf(string(key)); ok {
			return i, nil
		}
	}
	name := string(key)
	if escaped {
		if err := json.Unmarshal(append(append([]byte{'"'}, key...), '"'), &name); err != nil {
			return 0, fmt.Errorf("%w: a row key: %v", ErrInvalidResponse, err)
		}
		if i, ok := d.slotOf(name); ok {
			return i, nil
		}
	}
	return d.addColumn(name), nil
}

// linearColumns is how many columns are looked up by comparing names, one
// after the other, before a map indexes them: for a usual result, comparing
// a few names costs less than hashing one, and building the map costs more
// than all the lookups.
const linearColumns = 16

// slotOf returns the row slot of a column name. When the schema has the name
// twice, it is the last one's.
func (d *resultDecoder) slotOf(name string) (int, bool) {
	if d.colIndex != nil {
		i, ok := d.colIndex[name]
		return i, ok
	}
	for i := len(d.rowKeys) - 1; i >= 0; i-- {
		if d.rowKeys[i] == name {
			return i, true
		}
	}
	return 0, false
}

// addColumn gives name the next row slot. A row slot per rowKeys entry: with
// a duplicate name in the schema, the names have fewer slots than rowKeys.
func (d *resultDecoder) addColumn(name string) int {
	i := len(d.rowKeys)
	d.rowKeys = append(d.rowKeys, name)
	switch {
	case d.colIndex != nil:
		d.colIndex[name] = i
	case len(d.rowKeys) > linearColumns:
		d.colIndex = make(map[string]int, 2*len(d.rowKeys))
		for j, k := range d.rowKeys {
			d.colIndex[k] = j // in order: the last of a name wins, as slotOf has it
		}
	}
	return i
}

// indexSchema seeds the columns from the schema the first time it is known,
// before any row has added keys of its own.
func (d *resultDecoder) indexSchema() {
	if len(d.rowKeys) == 0 && len(d.schema) > 0 {
		for _, c := range d.schema {
			if _, seen := d.slotOf(c.Name); seen {
				d.duplicateNames = true
			}
			d.addColumn(c.Name)
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
	stop := d.offset() + budget
	for d.dec.More() {
		if d.offset() > stop {
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
		if err := d.bounded(maxSchemaBytes, `"schema"`, func() error { return d.dec.Decode(&schema) }); err != nil {
			return err
		}
		d.schema = schema
		return nil
	case "meta":
		return d.bounded(maxMetaBytes, `"meta"`, d.readMeta)
	default:
		return d.skipMember(key)
	}
}

// skipMember skips the value of the key just read without holding it in
// memory: json.Decoder would buffer a whole value, however large, before it
// could skip it. The bytes are scanned from the decoder's buffer and then the
// body, and a new decoder takes over after the value, handed "{" and the rest
// of the object, so that reading goes on as if inside the same object.
func (d *resultDecoder) skipMember(key string) error {
	pending, _ := io.ReadAll(d.dec.Buffered())
	if d.prefix != nil {
		rest, _ := io.ReadAll(d.prefix)
		pending = append(pending, rest...)
	}
	start := d.offset()
	sk := valueSkipper{buf: pending, r: d.br, limit: d.skipCap - d.skipped}
	err := sk.member()
	d.skipped += sk.n
	if errors.Is(err, errPartTooLarge) {
		return fmt.Errorf("%w: %q and the other keys this client does not read hold more than %d MiB", errPartTooLarge, key, maxSkippedBytes>>20)
	}
	if err != nil {
		return err
	}
	rest := sk.buf[sk.i:]
	next := make([]byte, 0, len(rest)+1)
	d.prefix = bytes.NewReader(append(append(next, '{'), rest...))
	d.base = start + sk.n - 1 // the '{' is not part of the body
	d.dec = json.NewDecoder(io.MultiReader(d.prefix, d.br))
	return d.expectDelim('{')
}

// valueSkipper scans one object member's ": value" and the ',' after it, if
// any, checking the value's structure without keeping it.
type valueSkipper struct {
	buf   []byte // bytes in hand; buf[i:] not yet scanned
	i     int
	r     io.Reader
	chunk []byte
	n     int64 // bytes scanned
	limit int64
}

// maxSkipDepth bounds the nesting of a skipped value.
const maxSkipDepth = 10000

func (s *valueSkipper) next() (byte, error) {
	for s.i == len(s.buf) {
		if s.chunk == nil {
			s.chunk = make([]byte, 32<<10)
		}
		m, err := s.r.Read(s.chunk)
		s.buf, s.i = s.chunk[:m], 0
		if m == 0 && err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return 0, err
		}
	}
	if s.n >= s.limit {
		return 0, errPartTooLarge
	}
	c := s.buf[s.i]
	s.i++
	s.n++
	return c, nil
}

// peek returns the next byte without scanning it.
func (s *valueSkipper) peek() (byte, error) {
	c, err := s.next()
	if err == nil {
		s.i--
		s.n--
	}
	return c, err
}

func (s *valueSkipper) space() (byte, error) {
	for {
		c, err := s.next()
		if err != nil || (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
			return c, err
		}
	}
}

func (s *valueSkipper) member() error {
	c, err := s.space()
	if err != nil {
		return err
	}
	if c != ':' {
		return fmt.Errorf("%w: expected ':' after an object key", ErrInvalidResponse)
	}
	if c, err = s.space(); err != nil {
		return err
	}
	if err := s.value(c); err != nil {
		return err
	}
	for {
		c, err := s.peek()
		if err != nil {
			return err
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			s.next()
		case ',':
			s.next()
			return nil
		case '}':
			return nil
		default:
			return fmt.Errorf("%w: invalid character %q after an object value", ErrInvalidResponse, c)
		}
	}
}

// value scans the value whose first byte, c, has been read.
func (s *valueSkipper) value(c byte) error {
	var closers []byte // the brackets still open, innermost last
	for {
		switch {
		case c == '"':
			if err := s.str(); err != nil {
				return err
			}
		case c == '{' || c == '[':
			if len(closers) == maxSkipDepth {
				return fmt.Errorf("%w: a value nests more than %d deep", ErrInvalidResponse, maxSkipDepth)
			}
			closers = append(closers, c+2) // '{'+2 is '}', '['+2 is ']'
			p, err := s.space()
			if err != nil {
				return err
			}
			if p == closers[len(closers)-1] {
				closers = closers[:len(closers)-1]
				break
			}
			if c == '{' {
				if c, err = s.key(p); err != nil {
					return err
				}
			} else {
				c = p
			}
			continue
		case c == '-' || '0' <= c && c <= '9' || c == 't' || c == 'f' || c == 'n':
			if err := s.scalar(c); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%w: invalid character %q in a value", ErrInvalidResponse, c)
		}
		// After a complete value: the end of the value, or of a container.
		for {
			if len(closers) == 0 {
				return nil
			}
			p, err := s.space()
			if err != nil {
				return err
			}
			top := closers[len(closers)-1]
			switch {
			case p == top:
				closers = closers[:len(closers)-1]
				continue
			case p != ',':
				return fmt.Errorf("%w: invalid character %q in an array or object", ErrInvalidResponse, p)
			}
			if c, err = s.space(); err != nil {
				return err
			}
			if top == '}' {
				if c, err = s.key(c); err != nil {
					return err
				}
			}
			break
		}
	}
}

// str scans the rest of a string whose opening quote has been read.
func (s *valueSkipper) str() error {
	for {
		// Most of a large value is string bytes: pass over those in hand up to
		// the next quote or backslash at once. (Control characters, which JSON
		// does not allow in strings, are not looked for: the value is dropped.)
		rest := s.buf[s.i:]
		j := len(rest)
		if k := bytes.IndexByte(rest, '"'); k >= 0 {
			j = k
		}
		if k := bytes.IndexByte(rest[:j], '\\'); k >= 0 {
			j = k
		}
		j += s.i
		s.n += int64(j - s.i)
		s.i = j
		if s.n >= s.limit {
			return errPartTooLarge
		}
		c, err := s.next()
		if err != nil {
			return err
		}
		switch {
		case c == '"':
			return nil
		case c == '\\':
			if _, err := s.next(); err != nil {
				return err
			}
		}
	}
}

// key scans an object member's key, whose first byte c has been read, and the
// ':' after it, and returns the first byte of its value.
func (s *valueSkipper) key(c byte) (byte, error) {
	if c != '"' {
		return 0, fmt.Errorf("%w: expected an object key, got %q", ErrInvalidResponse, c)
	}
	if err := s.str(); err != nil {
		return 0, err
	}
	p, err := s.space()
	if err != nil {
		return 0, err
	}
	if p != ':' {
		return 0, fmt.Errorf("%w: expected ':' after an object key", ErrInvalidResponse)
	}
	return s.space()
}

// scalar scans a number, true, false or null whose first byte has been read.
func (s *valueSkipper) scalar(first byte) error {
	if first == 't' || first == 'f' || first == 'n' {
		lit := []byte{first}
		for len(lit) < 5 {
			c, err := s.peek()
			if err != nil {
				return err
			}
			if c < 'a' || c > 'z' {
				break
			}
			s.next()
			lit = append(lit, c)
		}
		switch string(lit) {
		case "true", "false", "null":
			return nil
		}
		return fmt.Errorf("%w: invalid literal %q in a value", ErrInvalidResponse, lit)
	}
	digits := first != '-'
	for {
		c, err := s.peek()
		if err != nil {
			return err
		}
		if !('0' <= c && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			break
		}
		digits = digits || '0' <= c && c <= '9'
		s.next()
	}
	if !digits {
		return fmt.Errorf("%w: invalid number in a value", ErrInvalidResponse)
	}
	return nil
}

func (d *resultDecoder) readMeta() error {
	var raw json.RawMessage
	if err := d.dec.Decode(&raw); err != nil {
		return err
	}
	d.meta = parseMeta(raw)
	return nil
}

// parseMeta reads what it can of "meta" and ignores the rest: meta only
// describes a result, so an odd value (cacheHit "yes", a number where text
// was expected, meta not an object) must not fail the rows (issue 15.7).
func parseMeta(raw json.RawMessage) QueryMeta {
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return QueryMeta{}
	}
	return QueryMeta{
		CacheHit:            looseBool(fields["cacheHit"]),
		Location:            looseText(fields["location"]),
		TotalBytesProcessed: looseText(fields["totalBytesProcessed"]),
	}
}

// looseBool reads true, 1 and the strings "true", "yes" and "1" as true, and
// anything else as false.
func looseBool(raw json.RawMessage) bool {
	switch strings.ToLower(strings.Trim(string(bytes.TrimSpace(raw)), `"`)) {
	case "true", "yes", "1":
		return true
	}
	return false
}

// looseText reads a string as itself and a number as its text (CARTO sends
// totalBytesProcessed as a string, some warehouses as a number); anything
// else is "".
func looseText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
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
	inPlace := len(d.rowKeys) == len(res.Columns) // each row already in column order
	for i, k := range d.rowKeys {
		order = append(order, pos[k])
		inPlace = inPlace && pos[k] == i
	}
	res.Rows = d.rows
	if res.Rows == nil {
		res.Rows = [][]json.RawMessage{}
	}
	for r, row := range res.Rows {
		if inPlace && len(row) == len(res.Columns) {
			for i := range row {
				if row[i] == nil {
					row[i] = nullValue
				}
			}
			res.Rows[r] = row
			continue
		}
		out := make([]json.RawMessage, len(res.Columns))
		for i, v := range row {
			if v != nil {
				out[order[i]] = v
			}
		}
		for i := range out {
			if out[i] == nil {
				out[i] = nullValue
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

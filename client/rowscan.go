package client

import (
	"encoding/json"
	"fmt"
	"io"
)

// The rows of a result are read in one pass by rowStream, not by
// encoding/json: a json.Decoder scans each row twice (once to find its end,
// once more to decode it into a json.RawMessage, which it then copies) and
// the members were then found in a third pass. rowStream checks each row's
// syntax as strictly as encoding/json does, finds its members in the same
// pass, and keeps every value as a slice of the bytes it read, so a row costs
// no allocation of its own.

// The buffers the rows are read into start at minRowChunk and double, up
// to maxRowChunk, so that a small result takes one small buffer.
const (
	minRowChunk = 16 << 10
	maxRowChunk = 1 << 20
)

// maxRowDepth bounds the nesting of a value in a row (encoding/json's own
// limit).
const maxRowDepth = 10000

// rowStream reads the body from inside the "rows" array on. The bytes it has
// read are never overwritten: a refill reads into the free end of the buffer,
// or into a new one to which only the row being read is copied. So the values
// of the rows already read, slices of earlier bytes, stay valid.
type rowStream struct {
	r   io.Reader
	buf []byte // bytes read so far (of this buffer); buf[i:] not yet scanned
	i   int
	// start is where the row being read begins: a refill keeps buf[start:].
	start int
	// off is the body offset of buf[0].
	off int64
	// limit is the most bytes a row may span before the read stops with
	// errOverBudget; negative for no limit.
	limit int64
}

// offset is the body offset of the next byte to scan.
func (s *rowStream) offset() int64 { return s.off + int64(s.i) }

// fill reads more of the body.
func (s *rowStream) fill() error {
	span := int64(len(s.buf) - s.start)
	if s.limit >= 0 && span > s.limit {
		return errOverBudget
	}
	if len(s.buf) == cap(s.buf) {
		keep := s.buf[s.start:]
		nb := make([]byte, len(keep), max(min(2*cap(s.buf), maxRowChunk), 2*len(keep)))
		copy(nb, keep)
		s.off += int64(s.start)
		s.i -= s.start
		s.buf, s.start = nb, 0
	}
	room := s.buf[len(s.buf):cap(s.buf)]
	if s.limit >= 0 && int64(len(room)) > s.limit-span+1 {
		// Never read far past the limit: one byte over it is enough to know.
		room = room[:s.limit-span+1]
	}
	for {
		n, err := s.r.Read(room)
		s.buf = s.buf[:len(s.buf)+n]
		if n > 0 {
			return nil
		}
		if err == io.EOF {
			return io.ErrUnexpectedEOF
		}
		if err != nil {
			return err
		}
	}
}

// peek returns the next byte without scanning it.
func (s *rowStream) peek() (byte, error) {
	// The usual case first, apart from the loop. It is not inlined (the
	// compiler prices it just over its budget), but with nonSpace's the same
	// way, reading 100 rows takes 4% fewer instructions (675k against 702k).
	if s.i < len(s.buf) {
		return s.buf[s.i], nil
	}
	return s.peekAfterFill()
}

func (s *rowStream) peekAfterFill() (byte, error) {
	for s.i == len(s.buf) {
		if err := s.fill(); err != nil {
			return 0, err
		}
	}
	return s.buf[s.i], nil
}

// nonSpace skips whitespace and returns the next byte, not scanned.
func (s *rowStream) nonSpace() (byte, error) {
	// Compact JSON, the usual answer, has no whitespace between tokens: that
	// case is tested first, apart from the loop (as in peek).
	if s.i < len(s.buf) && s.buf[s.i] > ' ' {
		return s.buf[s.i], nil
	}
	return s.skipSpace()
}

func (s *rowStream) skipSpace() (byte, error) {
	for {
		for s.i < len(s.buf) {
			switch c := s.buf[s.i]; c {
			case ' ', '\t', '\n', '\r':
				s.i++
			default:
				return c, nil
			}
		}
		if err := s.fill(); err != nil {
			return 0, err
		}
	}
}

func (s *rowStream) syntax(format string, args ...any) error {
	return fmt.Errorf("%w: "+format+" at byte %d of the body", append([]any{ErrInvalidResponse}, append(args, s.offset())...)...)
}

// str scans the string that opens at the next byte, and reports whether it
// holds an escape sequence.
func (s *rowStream) str() (escaped bool, err error) {
	s.i++ // the opening quote
	for {
		// The bytes of a string are scanned with local copies of the buffer
		// and position, one table lookup each: this loop is most of a row.
		buf := s.buf
		i := s.i
		for i < len(buf) && !stringSpecial[buf[i]] {
			i++
		}
		s.i = i
		if i == len(buf) {
			if err := s.fill(); err != nil {
				return escaped, err
			}
			continue
		}
		switch c := buf[i]; {
		case c == '"':
			s.i++
			return escaped, nil
		case c == '\\':
			escaped = true
			if err := s.escape(); err != nil {
				return escaped, err
			}
		default:
			return escaped, s.syntax("invalid character %q in a string", c)
		}
	}
}

// stringSpecial marks the bytes that end the plain run of a string: its
// closing quote, an escape, and the control characters JSON forbids in it.
var stringSpecial = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// escape scans the escape sequence at the next byte, a backslash.
func (s *rowStream) escape() error {
	s.i++
	c, err := s.peek()
	if err != nil {
		return err
	}
	s.i++
	switch c {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return nil
	case 'u':
		for range 4 {
			h, err := s.peek()
			if err != nil {
				return err
			}
			if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
				return s.syntax("invalid character %q in a \\u escape", h)
			}
			s.i++
		}
		return nil
	}
	return s.syntax("invalid escape \\%c in a string", c)
}

// digits scans decimal digits and returns how many there were.
func (s *rowStream) digits() (int, error) {
	n := 0
	for {
		buf, i := s.buf, s.i
		for i < len(buf) && '0' <= buf[i] && buf[i] <= '9' {
			i++
		}
		n += i - s.i
		s.i = i
		if i < len(buf) {
			return n, nil
		}
		if err := s.fill(); err != nil {
			return n, err
		}
	}
}

// number scans a number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *rowStream) number() error {
	c, err := s.peek()
	if err != nil {
		return err
	}
	if c == '-' {
		s.i++
		if c, err = s.peek(); err != nil {
			return err
		}
	}
	switch {
	case c == '0':
		s.i++
	case '1' <= c && c <= '9':
		if _, err := s.digits(); err != nil {
			return err
		}
	default:
		return s.syntax("invalid character %q in a number", c)
	}
	if c, err = s.peek(); err != nil {
		return err
	}
	if c == '.' {
		s.i++
		if n, err := s.digits(); err != nil || n == 0 {
			return s.orSyntax(err, "a number has no digits after its decimal point")
		}
		if c, err = s.peek(); err != nil {
			return err
		}
	}
	if c == 'e' || c == 'E' {
		s.i++
		if c, err = s.peek(); err != nil {
			return err
		}
		if c == '+' || c == '-' {
			s.i++
		}
		if n, err := s.digits(); err != nil || n == 0 {
			return s.orSyntax(err, "a number has no digits in its exponent")
		}
	}
	return nil
}

func (s *rowStream) orSyntax(err error, msg string) error {
	if err != nil {
		return err
	}
	return s.syntax("%s", msg)
}

// literal scans true, false or null.
func (s *rowStream) literal(c byte) error {
	word := "null"
	switch c {
	case 't':
		word = "true"
	case 'f':
		word = "false"
	}
	if len(s.buf)-s.i >= len(word) && string(s.buf[s.i:s.i+len(word)]) == word {
		s.i += len(word)
		return nil
	}
	for j := 0; j < len(word); j++ {
		b, err := s.peek()
		if err != nil {
			return err
		}
		if b != word[j] {
			return s.syntax("invalid character %q in the literal %s", b, word)
		}
		s.i++
	}
	return nil
}

// key scans an object key at the next byte and the ':' after it, and returns
// the first byte of the value, not scanned, and where the key's closing quote
// is, relative to the row's start.
func (s *rowStream) key(c byte) (escaped bool, next byte, end int, err error) {
	if c != '"' {
		return false, 0, 0, s.syntax("expected an object key, got %q", c)
	}
	if escaped, err = s.str(); err != nil {
		return escaped, 0, 0, err
	}
	end = s.i - 1 - s.start
	if c, err = s.nonSpace(); err != nil {
		return escaped, 0, 0, err
	}
	if c != ':' {
		return escaped, 0, 0, s.syntax("expected ':' after an object key, got %q", c)
	}
	s.i++
	next, err = s.nonSpace()
	return escaped, next, end, err
}

// value scans the value whose first byte, c, is next. stack is scratch space
// for the brackets still open; it is returned for reuse.
func (s *rowStream) value(c byte, stack []byte) ([]byte, error) {
	var err error
	for {
		switch {
		case c == '"':
			_, err = s.str()
		case c == '-' || '0' <= c && c <= '9':
			err = s.number()
		case c == 't' || c == 'f' || c == 'n':
			err = s.literal(c)
		case c == '{' || c == '[':
			if len(stack) == maxRowDepth {
				return stack, s.syntax("a value nests more than %d deep", maxRowDepth)
			}
			s.i++
			closer := c + 2 // '{'+2 is '}', '['+2 is ']'
			if c, err = s.nonSpace(); err != nil {
				return stack, err
			}
			if c == closer {
				s.i++
				break
			}
			stack = append(stack, closer)
			if closer == '}' {
				if _, c, _, err = s.key(c); err != nil {
					return stack, err
				}
			}
			continue
		default:
			return stack, s.syntax("invalid character %q at the start of a value", c)
		}
		if err != nil {
			return stack, err
		}
		// A value is complete: close what it completes, or go on to the next
		// element of its container.
		for {
			if len(stack) == 0 {
				return stack, nil
			}
			if c, err = s.nonSpace(); err != nil {
				return stack, err
			}
			top := stack[len(stack)-1]
			if c == top {
				s.i++
				stack = stack[:len(stack)-1]
				continue
			}
			if c != ',' {
				return stack, s.syntax("invalid character %q after a value in an array or object", c)
			}
			s.i++
			if c, err = s.nonSpace(); err != nil {
				return stack, err
			}
			if top == '}' {
				if _, c, _, err = s.key(c); err != nil {
					return stack, err
				}
			}
			break
		}
	}
}

// member is where one member of the row being read lies, relative to the
// row's start (the buffer may move while the row is read).
type member struct {
	keyStart, keyEnd int // the key's text, without quotes
	valStart, valEnd int
	escaped          bool // the key holds an escape sequence
}

// scanRow reads the row object at the next byte into d.members and returns
// the row's bytes, which the members index.
func (d *resultDecoder) scanRow(s *rowStream, c byte) ([]byte, error) {
	s.start = s.i
	if c != '{' {
		return nil, fmt.Errorf("%w: a row is not an object", ErrInvalidResponse)
	}
	s.i++
	d.members = d.members[:0]
	c, err := s.nonSpace()
	if err != nil {
		return nil, err
	}
	if c == '}' {
		s.i++
		return s.buf[s.start:s.i], nil
	}
	for {
		// Offsets relative to the row's start: a refill may move the row.
		ks := s.i + 1 - s.start
		var escaped bool
		var ke int
		if escaped, c, ke, err = s.key(c); err != nil {
			return nil, err
		}
		vs := s.i - s.start
		if d.stack, err = s.value(c, d.stack[:0]); err != nil {
			return nil, err
		}
		d.members = append(d.members, member{keyStart: ks, keyEnd: ke, valStart: vs, valEnd: s.i - s.start, escaped: escaped})
		if c, err = s.nonSpace(); err != nil {
			return nil, err
		}
		s.i++
		switch c {
		case ',':
			if c, err = s.nonSpace(); err != nil {
				return nil, err
			}
		case '}':
			return s.buf[s.start:s.i], nil
		default:
			s.i--
			return nil, s.syntax("invalid character %q after a value in a row", c)
		}
	}
}

// placeRow puts the members of a row scanned into b in their column slots,
// and returns the row and the size of its values.
func (d *resultDecoder) placeRow(b []byte) ([]json.RawMessage, int64, error) {
	d.indexSchema()
	row := d.newRow(len(d.rowKeys))
	var size int64
	// Rows nearly always list their keys in the same order: the j-th member
	// is first tried against the j-th column, which costs a comparison where
	// a lookup costs a hash. Only while no two columns share a name, so that
	// this finds the slot the index would.
	positional := !d.duplicateNames
	for j, m := range d.members {
		key := b[m.keyStart:m.keyEnd]
		i := j
		if !positional || m.escaped || j >= len(d.rowKeys) || d.rowKeys[j] != string(key) {
			var err error
			if i, err = d.column(key, m.escaped); err != nil {
				return nil, 0, err
			}
		}
		for len(row) <= i {
			row = append(row, nil)
		}
		// A full slice expression: appending to a value never writes over
		// the bytes after it.
		row[i] = json.RawMessage(b[m.valStart:m.valEnd:m.valEnd])
		size += int64(m.valEnd - m.valStart)
	}
	return row, size, nil
}

// newRow returns n empty value slots, cut from a block shared by up to 64
// rows, and no more rows than may still be kept.
func (d *resultDecoder) newRow(n int) []json.RawMessage {
	if n == 0 {
		return nil
	}
	if len(d.slots) < n {
		rows := 64
		if d.limits.MaxRows > 0 {
			rows = min(rows, max(d.limits.MaxRows-len(d.rows), 1))
		}
		if d.bufs != nil {
			d.slots = d.bufs.block(n * rows)
		} else {
			d.slots = make([]json.RawMessage, n*rows)
		}
	}
	row := d.slots[:n:n]
	d.slots = d.slots[n:]
	return row
}

package localwarehouse

import (
	"bufio"
	"io"
	"os"
	"sync"
)

const (
	// spoolMemLimit is how much encoded result a synchronous query keeps in
	// memory before spilling to a temporary file.
	spoolMemLimit = 4 << 20
	// spoolChunkSize is the unit of the in-memory part: fixed chunks avoid
	// re-copying a growing slice, and are recycled between queries.
	spoolChunkSize = 64 << 10
)

var spoolChunks = sync.Pool{New: func() any { return new([spoolChunkSize]byte) }}

// spool holds the encoded rows of a synchronous result until the whole
// result is known to be within MaxRows.
//
// Why not write rows straight to the client: the 200 status and the first
// bytes of the body would go out before we know whether the result exceeds
// MaxRows, which must be a clean 400 error, not a truncated 200. Nothing is
// lost by waiting: duckdb-go materializes the complete result inside DuckDB
// before the first row can be read, so the first byte could not arrive much
// sooner anyway. The spool keeps our own memory bounded (the body is never
// built in memory beyond spoolMemLimit) and is then copied to the client in
// one streaming pass.
type spool struct {
	chunks []*[spoolChunkSize]byte
	last   int // bytes used in the last chunk
	size   int // bytes held in memory
	file   *os.File
	fw     *bufio.Writer
}

func (s *spool) Write(p []byte) (int, error) {
	if s.file == nil && s.size+len(p) > spoolMemLimit {
		if err := s.spill(); err != nil {
			return 0, err
		}
	}
	if s.file != nil {
		return s.fw.Write(p)
	}
	n := len(p)
	for len(p) > 0 {
		if len(s.chunks) == 0 || s.last == spoolChunkSize {
			s.chunks = append(s.chunks, spoolChunks.Get().(*[spoolChunkSize]byte))
			s.last = 0
		}
		c := copy(s.chunks[len(s.chunks)-1][s.last:], p)
		s.last += c
		s.size += c
		p = p[c:]
	}
	return n, nil
}

// spill moves the in-memory part to a temporary file; later writes go there.
func (s *spool) spill() error {
	f, err := os.CreateTemp("", "carto-local-result-*.json")
	if err != nil {
		return err
	}
	s.file = f
	s.fw = bufio.NewWriterSize(f, spoolChunkSize)
	_, err = s.writeChunks(s.fw)
	s.releaseChunks()
	return err
}

// WriteTo copies everything written so far to w.
func (s *spool) WriteTo(w io.Writer) (int64, error) {
	if s.file == nil {
		return s.writeChunks(w)
	}
	if err := s.fw.Flush(); err != nil {
		return 0, err
	}
	if _, err := s.file.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	return io.Copy(w, s.file)
}

func (s *spool) writeChunks(w io.Writer) (int64, error) {
	var total int64
	for i, c := range s.chunks {
		b := c[:]
		if i == len(s.chunks)-1 {
			b = c[:s.last]
		}
		n, err := w.Write(b)
		total += int64(n)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

func (s *spool) releaseChunks() {
	for _, c := range s.chunks {
		spoolChunks.Put(c)
	}
	s.chunks, s.last, s.size = nil, 0, 0
}

// Close releases the memory and the temporary file, if any.
func (s *spool) Close() error {
	s.releaseChunks()
	if s.file == nil {
		return nil
	}
	name := s.file.Name()
	err := s.file.Close()
	if rmErr := os.Remove(name); err == nil {
		err = rmErr
	}
	s.file = nil
	return err
}

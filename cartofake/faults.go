package cartofake

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Fault changes how the server answers the requests it matches. A request is
// matched against the injected faults in the order they were injected; the first
// match with uses left applies, and one use is consumed. Faults apply before
// authentication (they stand for proxies, load balancers and CARTO's edge) and to
// every path, /oauth/token included.
//
// What a fault does, in order:
//  1. Delay: wait before anything is sent (ended early by the request's context
//     or by Close, in which case nothing is sent).
//  2. DropConnection: close the connection without a response.
//  3. The response: Status/Body/ContentType/RetryAfter/Header when Status or Body
//     is set; a generated query result of about HugeBody bytes when HugeBody > 0;
//     otherwise the server's real answer.
//  4. While the body is written: SlowBody bytes per SlowInterval, and
//     TruncateAfter, which sends that many bytes of the body and then closes the
//     connection (the whole body and then a close, if the body is shorter).
type Fault struct {
	// Method matches the HTTP method ("" any).
	Method string
	// PathSuffix matches the end of the URL path, e.g. "/query", "/job",
	// "/oauth/token", "/v3/sql/jobs" ("" any).
	PathSuffix string
	// Match, when set, must also return true. The request's body can be read.
	// Matching is serialised (one request at a time, but without the lock that
	// Requests and the other methods take), so Match may block to hold a request
	// back, e.g. until a test releases it; other requests wait behind it.
	Match func(r *http.Request) bool
	// Times is how many requests the fault applies to; 0 means every matching
	// request, for as long as the server runs (it is never used up).
	Times int

	// Status, when not 0, is the response status, with Body as its body.
	Status int
	// Body is the response body; with Status 0 it is sent with 200.
	Body string
	// ContentType of Body; default application/json.
	ContentType string
	// RetryAfter, when set, is sent as the Retry-After header.
	RetryAfter string
	// Header holds more response headers for Status/Body responses.
	Header http.Header

	// Delay is waited before the response starts.
	Delay time.Duration
	// SlowBody, when > 0, writes the body SlowBody bytes at a time, one write per
	// SlowInterval (default 10ms).
	SlowBody     int
	SlowInterval time.Duration
	// TruncateAfter, when > 0, closes the connection after that many body bytes.
	TruncateAfter int
	// DropConnection closes the connection without sending a response.
	DropConnection bool
	// HugeBody, when > 0, answers 200 with a valid query result of about that many
	// bytes, generated as it is written.
	HugeBody int64
}

type faultState struct {
	Fault
	left int // uses left; 0 for Times == 0 (unlimited)
}

func (f *Fault) matches(r *http.Request, body []byte) bool {
	if f.Method != "" && !strings.EqualFold(f.Method, r.Method) {
		return false
	}
	if f.PathSuffix != "" && !strings.HasSuffix(r.URL.Path, f.PathSuffix) {
		return false
	}
	if f.Match != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		ok := f.Match(r)
		r.Body = io.NopCloser(bytes.NewReader(body))
		return ok
	}
	return true
}

// Inject adds faults, applied in order after those already injected.
func (s *Server) Inject(faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range faults {
		s.faults = append(s.faults, &faultState{Fault: f, left: f.Times})
	}
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault finds and consumes the first matching fault.
func (s *Server) takeFault(r *http.Request, body []byte) *Fault {
	s.matchMu.Lock()
	defer s.matchMu.Unlock()
	s.mu.Lock()
	faults := slices.Clone(s.faults)
	s.mu.Unlock()
	for _, f := range faults {
		if !f.matches(r, body) {
			continue
		}
		// Only takeFault removes faults, and it runs one at a time, so f is still
		// in s.faults unless ClearFaults ran meanwhile.
		s.mu.Lock()
		defer s.mu.Unlock()
		i := slices.Index(s.faults, f)
		if i < 0 {
			return nil
		}
		out := f.Fault
		if f.Times > 0 {
			f.left--
			if f.left <= 0 {
				s.faults = slices.Delete(s.faults, i, i+1)
			}
		}
		return &out
	}
	return nil
}

var errStopped = errors.New("cartofake: response stopped")

// applyFault serves r under f. It returns true when the response is complete
// (or abandoned), false when the real handler should answer through w.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, f *Fault, real http.HandlerFunc) {
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		case <-s.done:
			t.Stop()
			return
		}
	}
	if f.DropConnection {
		hijackClose(w)
		return
	}

	var out http.ResponseWriter = w
	var tw *truncWriter
	if f.TruncateAfter > 0 {
		tw = &truncWriter{ResponseWriter: w, left: f.TruncateAfter}
		out = tw
	}
	if f.SlowBody > 0 {
		iv := f.SlowInterval
		if iv <= 0 {
			iv = 10 * time.Millisecond
		}
		out = &slowWriter{ResponseWriter: out, chunk: f.SlowBody, interval: iv, r: r, done: s.done}
	}

	switch {
	case f.Status != 0 || f.Body != "":
		status := f.Status
		if status == 0 {
			status = http.StatusOK
		}
		h := out.Header()
		for k, v := range f.Header {
			h[k] = append([]string(nil), v...)
		}
		ct := f.ContentType
		if ct == "" {
			ct = "application/json"
		}
		h.Set("Content-Type", ct)
		if f.RetryAfter != "" {
			h.Set("Retry-After", f.RetryAfter)
		}
		out.WriteHeader(status)
		_, _ = io.WriteString(out, f.Body)
	case f.HugeBody > 0:
		s.streamResult(out, r, hugeResult(f.HugeBody))
	default:
		real(out, r)
	}
	if tw != nil {
		tw.cut()
	}
}

// hugeResult is a plausible query result of about size bytes. Its rows all have
// the same length, so the size is close.
func hugeResult(size int64) Result {
	cols := []Column{{"id", "bigint"}, {"name", "string"}, {"value", "number"}, {"geom", "geometry"}}
	row := func(i int) []any {
		id := 1_000_000_000 + i%1_000_000_000
		return []any{id, "row-" + strconv.Itoa(id), 0.5, "POINT(-3.7038 40.4168)"}
	}
	rowLen := int64(len(AppendRow(nil, cols, row(0))) + 1)
	head := int64(len(Body(Result{Columns: cols})))
	n := (size - head) / rowLen
	if n < 1 {
		n = 1
	}
	return Result{Columns: cols, N: int(n), Row: row}
}

func hijackClose(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

// truncWriter passes through left bytes of body, then closes the connection.
type truncWriter struct {
	http.ResponseWriter
	left    int
	wrote   bool
	stopped bool
}

func (t *truncWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }

func (t *truncWriter) WriteHeader(code int) {
	t.wrote = true
	t.ResponseWriter.WriteHeader(code)
}

func (t *truncWriter) Write(p []byte) (int, error) {
	if t.stopped {
		return 0, errStopped
	}
	t.wrote = true
	if len(p) < t.left {
		t.left -= len(p)
		return t.ResponseWriter.Write(p)
	}
	n, _ := t.ResponseWriter.Write(p[:t.left])
	t.left = 0
	t.cut()
	return n, errStopped
}

// cut flushes what was written and closes the connection, so the client sees a
// body that ends early.
func (t *truncWriter) cut() {
	if t.stopped {
		return
	}
	t.stopped = true
	if !t.wrote {
		t.ResponseWriter.WriteHeader(http.StatusOK)
	}
	rc := http.NewResponseController(t.ResponseWriter)
	_ = rc.Flush()
	if conn, _, err := rc.Hijack(); err == nil {
		_ = conn.Close()
	}
}

// slowWriter writes chunk bytes per interval, stopping when the request ends.
type slowWriter struct {
	http.ResponseWriter
	chunk    int
	interval time.Duration
	r        *http.Request
	done     <-chan struct{}
}

func (s *slowWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *slowWriter) Write(p []byte) (int, error) {
	rc := http.NewResponseController(s.ResponseWriter)
	written := 0
	for len(p) > 0 {
		n := min(s.chunk, len(p))
		m, err := s.ResponseWriter.Write(p[:n])
		written += m
		if err != nil {
			return written, err
		}
		_ = rc.Flush()
		p = p[n:]
		t := time.NewTimer(s.interval)
		select {
		case <-t.C:
		case <-s.r.Context().Done():
			t.Stop()
			return written, errStopped
		case <-s.done:
			t.Stop()
			return written, errStopped
		}
	}
	return written, nil
}

package httpserve

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/server"
)

// Streamable HTTP sessions.
//
// mcp-go keeps state for every session it starts (about 20 KB) until the
// client ends the session with DELETE; a client that just goes away leaves it
// behind for good, and by default any well-formed session id is accepted, even
// one this server never issued. The session table fixes all three:
//
//   - only ids it issued are accepted (an unknown or ended one gets 404, which
//     tells an MCP client to initialize a new session);
//   - a session that sees no request for IdleTimeout, and has no open GET
//     stream, is ended as a DELETE would end it, freeing mcp-go's state;
//   - at most MaxSessions exist at once: a request that would start one more
//     gets 503 with Retry-After, after idle ones have been ended.

// Session defaults.
const (
	DefaultMaxSessions        = 5000
	DefaultSessionIdleTimeout = 30 * time.Minute
)

// errUnknownSession is Validate's answer for an id this server did not issue,
// or whose session has ended.
var errUnknownSession = errors.New("unknown or expired session")

// sessionTable is the SessionIdManager of the stateful streamable HTTP
// transport, and the middleware that enforces its limits.
type sessionTable struct {
	max  int
	idle time.Duration
	now  func() time.Time
	// ticks starts the sweeper's ticker (tests drive it by hand).
	ticks func(every time.Duration) (c <-chan time.Time, stop func())
	// end ends a session through mcp-go (a DELETE), so that its state is
	// freed; set once the handler exists.
	end func(id string)

	mu   sync.Mutex
	byID map[string]*sessionEntry
}

type sessionEntry struct {
	lastUsed time.Time
	inUse    int // requests in progress, GET streams included: a listening client is not idle
}

func newSessionTable(max int, idle time.Duration) *sessionTable {
	return &sessionTable{max: max, idle: idle, now: time.Now, ticks: newTicker, byID: map[string]*sessionEntry{}}
}

func newTicker(every time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(every)
	return t.C, t.Stop
}

// Generate issues a new session id (mcp-go calls it for initialize, and for
// a GET without a session id).
func (t *sessionTable) Generate() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	id := "mcp-session-" + hex.EncodeToString(b[:])
	t.mu.Lock()
	defer t.mu.Unlock()
	t.byID[id] = &sessionEntry{lastUsed: t.now()}
	return id
}

// Validate accepts only live sessions this table issued.
func (t *sessionTable) Validate(id string) (isTerminated bool, err error) {
	if !t.touch(id) {
		return false, errUnknownSession
	}
	return false, nil
}

// Terminate forgets a session (DELETE, shutdown, or the idle sweep).
func (t *sessionTable) Terminate(id string) (isNotAllowed bool, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.byID, id)
	return false, nil
}

// touch marks a session used now, reporting whether it is live.
func (t *sessionTable) touch(id string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.byID[id]
	if ok {
		e.lastUsed = t.now()
	}
	return ok
}

// acquire marks a session in use by one request (a GET stream lasts as long
// as the client listens), reporting whether it is live; release ends that use.
// A session in use is never idle.
func (t *sessionTable) acquire(id string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.byID[id]
	if ok {
		e.inUse++
		e.lastUsed = t.now()
	}
	return ok
}

func (t *sessionTable) release(id string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e, ok := t.byID[id]; ok {
		e.inUse--
		e.lastUsed = t.now() // idle from the end of its last request
	}
}

// Len is how many sessions are live.
func (t *sessionTable) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.byID)
}

// sweep ends the sessions idle for longer than the idle timeout and returns
// how many it ended.
func (t *sessionTable) sweep() int {
	t.mu.Lock()
	var idle []string
	now := t.now()
	for id, e := range t.byID {
		if e.inUse == 0 && now.Sub(e.lastUsed) >= t.idle {
			idle = append(idle, id)
		}
	}
	t.mu.Unlock()
	for _, id := range idle {
		t.end(id) // mcp-go calls Terminate
		t.mu.Lock()
		delete(t.byID, id) // in case the DELETE did not reach Terminate
		t.mu.Unlock()
	}
	return len(idle)
}

// full reports whether no session may start now, after ending idle ones.
func (t *sessionTable) full() bool {
	if t.Len() < t.max {
		return false
	}
	t.sweep()
	return t.Len() >= t.max
}

// returnMemoryAfter is how many sessions one sweep must end for their memory
// to be handed back to the operating system at once (one full GC).
const returnMemoryAfter = 100

// run sweeps idle sessions until ctx is done.
func (t *sessionTable) run(ctx context.Context) {
	ticks, stop := t.ticks(min(max(t.idle/4, time.Second), time.Minute))
	defer stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
			if t.sweep() >= returnMemoryAfter {
				// The Go runtime would keep the freed memory for minutes (until
				// its next forced GC, then a slow scavenge), and resident memory is
				// what operators and orchestrators watch: give it back now.
				debug.FreeOSMemory()
			}
		}
	}
}

// middleware refuses ids the table never issued or has ended (mcp-go checks
// POSTs only, and would open a GET stream for any id), keeps a session in use
// from idling out, and refuses new sessions beyond the bound.
func (t *sessionTable) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(server.HeaderKeySessionID)
		switch {
		case id != "":
			if !t.acquire(id) {
				writeJSONError(w, http.StatusNotFound, "unknown or expired session: start a new one with initialize")
				return
			}
			defer t.release(id)
		case t.full() && startsSession(r):
			w.Header().Set("Retry-After", strconv.Itoa(int(max(t.idle/time.Second/10, 1))))
			writeJSONError(w, http.StatusServiceUnavailable, fmt.Sprintf(
				"this server has its maximum of %d sessions open; retry later, or end unused sessions with DELETE", t.max))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// startsSession reports whether mcp-go would issue a session id for r: an
// initialize request, or a GET stream without one. Only read when the table
// is full, so the body is peeked at only then.
func startsSession(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet:
		return true
	case http.MethodPost:
	default:
		return false
	}
	if r.Body == nil {
		return false
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		// Replayed to mcp-go, which answers the failure (such as the size limit).
		r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), errReader{err}))
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var msg struct {
		Method string `json:"method"`
	}
	return json.Unmarshal(body, &msg) == nil && msg.Method == "initialize"
}

// endThrough returns the function that ends a session through h, as the
// client's DELETE would.
func endThrough(h http.Handler) func(id string) {
	return func(id string) {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodDelete, MCPPath, nil)
		if err != nil {
			return
		}
		req.Header.Set(server.HeaderKeySessionID, id)
		h.ServeHTTP(&discardResponse{header: http.Header{}}, req)
	}
}

// discardResponse is the ResponseWriter of an internal request.
type discardResponse struct{ header http.Header }

func (d *discardResponse) Header() http.Header         { return d.header }
func (d *discardResponse) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardResponse) WriteHeader(int)             {}

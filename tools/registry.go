package tools

import "sync"

// jobRegistry remembers the connection of the most recent jobs this server has
// seen (submitted, read, cancelled or listed), so that get_job and cancel_job
// need only a job id. It is bounded: past its capacity the oldest entry goes.
// Safe for concurrent use.
type jobRegistry struct {
	mu    sync.Mutex
	conn  map[string]string // job id → connection
	order []string          // ring of job ids, oldest at next once full
	next  int
	cap   int
}

func newJobRegistry(capacity int) *jobRegistry {
	return &jobRegistry{conn: make(map[string]string), cap: capacity}
}

// remember records that jobID runs on connection. Seeing a job again updates its
// connection without refreshing its age: ids are unique, so this is rare.
func (r *jobRegistry) remember(jobID, connection string) {
	if jobID == "" || connection == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.conn[jobID]; ok {
		r.conn[jobID] = connection
		return
	}
	if len(r.order) < r.cap {
		r.order = append(r.order, jobID)
	} else {
		delete(r.conn, r.order[r.next])
		r.order[r.next] = jobID
		r.next = (r.next + 1) % r.cap
	}
	r.conn[jobID] = connection
}

// lookup returns the connection remembered for jobID.
func (r *jobRegistry) lookup(jobID string) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.conn[jobID]
	return c, ok
}

func (r *jobRegistry) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.conn)
}

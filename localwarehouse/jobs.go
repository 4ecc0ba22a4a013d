package localwarehouse

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Job statuses. A cancelled job ends as failure with error code "cancelled"
// (see the package documentation for why not a status of its own).
const (
	statusPending = "pending"
	statusRunning = "running"
	statusSuccess = "success"
	statusFailure = "failure"

	errCodeCancelled = "cancelled"
	errCodeQuery     = "query_error"

	// jobUser is the "user" of every job: there are no accounts locally.
	jobUser = "local"
)

// job is one submitted statement. Its fields are guarded by jobManager.mu,
// except that the run goroutine reads sqlText and args, which never change
// while it runs.
type job struct {
	id         string
	seq        uint64 // submission order, for stable listings
	connection string
	query      string // as submitted, for display
	sqlText    string // after @name rewriting
	args       []any
	metadata   json.RawMessage

	status     string
	createdAt  time.Time
	updatedAt  time.Time
	finishedAt time.Time
	errCode    string
	errMsg     string

	rowsAffected    int64
	hasRowsAffected bool

	// tileset is set for a CALL of a tiler procedure, which runs in Go
	// (see tileset.go) and reports its progress here.
	tileset *tilesetProgress

	cancel          context.CancelFunc // set while running
	cancelRequested bool
	done            chan struct{} // closed when the job reaches a final status
}

// jobManager runs jobs FIFO with at most max at once, on goroutines tracked
// by the warehouse so that Close can wait for them.
type jobManager struct {
	w   *Warehouse
	max int

	mu       sync.Mutex
	jobs     map[string]*job
	queue    []*job // pending jobs, oldest first
	finished []*job // finished jobs, in finishing order, for pruning
	running  int
	seq      uint64
	closed   bool
}

func newJobManager(w *Warehouse) *jobManager {
	return &jobManager{w: w, max: w.opts.MaxConcurrentJobs, jobs: map[string]*job{}}
}

// submit queues a job and starts it if a slot is free.
func (m *jobManager) submit(query, sqlText string, args []any, metadata json.RawMessage) (jobJSON, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return jobJSON{}, errClosed
	}
	m.pruneLocked()
	now := m.w.now()
	m.seq++
	j := &job{
		id:         newJobID(),
		seq:        m.seq,
		connection: m.w.opts.Connection,
		query:      query,
		sqlText:    sqlText,
		args:       args,
		metadata:   metadata,
		status:     statusPending,
		createdAt:  now,
		updatedAt:  now,
		done:       make(chan struct{}),
	}
	if _, ok, _ := parseTilerCall(sqlText, args); ok {
		j.tileset = &tilesetProgress{}
	}
	m.jobs[j.id] = j
	m.queue = append(m.queue, j)
	// The response shows the job as submitted, even if it starts at once.
	view := j.view()
	m.dispatchLocked()
	return view, nil
}

// dispatchLocked starts queued jobs while slots are free.
func (m *jobManager) dispatchLocked() {
	for m.running < m.max && len(m.queue) > 0 && !m.closed {
		j := m.queue[0]
		m.queue[0] = nil
		m.queue = m.queue[1:]
		if !m.w.begin() {
			m.finishLocked(j, statusFailure, errCodeCancelled, errClosed.Error())
			continue
		}
		ctx, cancel := context.WithCancel(m.w.ctx)
		j.cancel = cancel
		j.status = statusRunning
		j.updatedAt = m.w.now()
		m.running++
		go m.run(ctx, cancel, j)
	}
}

// run executes a job. Jobs have no timeout and no row cap: they are the
// way to run what the synchronous endpoint refuses.
func (m *jobManager) run(ctx context.Context, cancel context.CancelFunc, j *job) {
	defer m.w.end()
	var rowsAffected int64
	var err error
	if j.tileset != nil {
		rowsAffected, err = m.execTileset(ctx, j)
	} else {
		rowsAffected, err = m.exec(ctx, j.sqlText, j.args)
	}
	cancel()

	m.mu.Lock()
	defer func() {
		status, code := j.status, j.errCode
		m.mu.Unlock()
		m.w.log.Info("job finished", "job", j.id, "status", status, "error_code", code)
	}()
	m.running--
	switch {
	case err == nil:
		j.rowsAffected, j.hasRowsAffected = rowsAffected, true
		m.finishLocked(j, statusSuccess, "", "")
	case j.cancelRequested:
		m.finishLocked(j, statusFailure, errCodeCancelled, "Job cancelled by request")
	case m.w.ctx.Err() != nil:
		m.finishLocked(j, statusFailure, errCodeCancelled, "Job cancelled: "+errClosed.Error())
	default:
		m.finishLocked(j, statusFailure, errCodeQuery, err.Error())
	}
	m.dispatchLocked()
}

func (m *jobManager) exec(ctx context.Context, sqlText string, args []any) (int64, error) {
	conn, err := m.w.db.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	// DuckDB answers a statement that writes with one BIGINT column named
	// "Count": the rows it inserted, updated or deleted, including those of
	// CREATE TABLE ... AS SELECT, which Exec's RowsAffected reports as 0. Any
	// other answer (a SELECT run as a job) is read through and counts 0.
	rows, err := conn.QueryContext(ctx, sqlText, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cts, err := rows.ColumnTypes()
	if err != nil {
		return 0, err
	}
	isCount := len(cts) == 1 && cts[0].Name() == "Count" && cts[0].DatabaseTypeName() == "BIGINT"
	var n int64
	first := true
	for rows.Next() {
		if isCount && first {
			var c sql.NullInt64
			if err := rows.Scan(&c); err != nil {
				return 0, err
			}
			n = c.Int64
		}
		first = false
	}
	return n, rows.Err()
}

// execTileset runs a tiler CALL (see tileset.go).
func (m *jobManager) execTileset(ctx context.Context, j *job) (int64, error) {
	call, _, err := parseTilerCall(j.sqlText, j.args)
	if err != nil {
		return 0, err
	}
	return m.w.createTileset(ctx, call, j.tileset)
}

func (m *jobManager) finishLocked(j *job, status, code, msg string) {
	now := m.w.now()
	j.status, j.errCode, j.errMsg = status, code, msg
	j.updatedAt, j.finishedAt = now, now
	j.args = nil
	j.cancel = nil
	close(j.done)
	m.finished = append(m.finished, j)
	m.pruneLocked()
}

// pruneLocked forgets finished jobs older than JobRetention and, beyond
// MaxFinishedJobs, the oldest finished ones.
func (m *jobManager) pruneLocked() {
	now := m.w.now()
	n := 0
	for n < len(m.finished) {
		j := m.finished[n]
		if now.Sub(j.finishedAt) <= m.w.opts.JobRetention && len(m.finished)-n <= m.w.opts.MaxFinishedJobs {
			break
		}
		delete(m.jobs, j.id)
		n++
	}
	if n > 0 {
		m.finished = slices.Delete(m.finished, 0, n)
	}
}

// get returns the job's current view.
func (m *jobManager) get(id string) (jobJSON, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pruneLocked()
	j, ok := m.jobs[id]
	if !ok {
		return jobJSON{}, false
	}
	return j.view(), true
}

// cancel stops a job: a pending one is dequeued at once, a running one has
// its context cancelled, which makes duckdb-go interrupt the statement.
// It returns a channel closed when the job has finished.
func (m *jobManager) cancel(id string) (<-chan struct{}, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pruneLocked()
	j, ok := m.jobs[id]
	if !ok {
		return nil, false
	}
	switch j.status {
	case statusPending:
		if i := slices.Index(m.queue, j); i >= 0 {
			m.queue = slices.Delete(m.queue, i, i+1)
		}
		m.finishLocked(j, statusFailure, errCodeCancelled, "Job cancelled by request before it started")
	case statusRunning:
		j.cancelRequested = true
		j.cancel()
	}
	return j.done, true
}

// active lists pending and running jobs in submission order.
func (m *jobManager) active() []jobJSON {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pruneLocked()
	var list []*job
	for _, j := range m.jobs {
		if j.status == statusPending || j.status == statusRunning {
			list = append(list, j)
		}
	}
	slices.SortFunc(list, func(a, b *job) int { return cmp.Compare(a.seq, b.seq) })
	views := make([]jobJSON, len(list))
	for i, j := range list {
		views[i] = j.view()
	}
	return views
}

// shutdown fails the pending jobs; running ones stop through the
// warehouse context, which Close cancels before calling this.
func (m *jobManager) shutdown() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	for _, j := range m.queue {
		m.finishLocked(j, statusFailure, errCodeCancelled, "Job cancelled: "+errClosed.Error())
	}
	m.queue = nil
}

// jobJSON is the job object of the API.
type jobJSON struct {
	JobID      string          `json:"jobId"`
	Connection string          `json:"connection"`
	User       string          `json:"user"`
	Query      string          `json:"query"`
	Status     string          `json:"status"`
	CreatedAt  string          `json:"createdAt"`
	UpdatedAt  string          `json:"updatedAt"`
	Metadata   json.RawMessage `json:"metadata,omitempty"`
	Error      *jobError       `json:"error,omitempty"`
	Provider   jobProvider     `json:"provider"`
}

type jobError struct {
	Code string `json:"code"`
	Msg  string `json:"msg"`
}

// jobProvider is the warehouse-specific part, opaque to CARTO clients.
type jobProvider struct {
	Engine       string `json:"engine"`
	RowsAffected *int64 `json:"rowsAffected,omitempty"`
	// Tileset is the progress of a tiler CALL: tiles written, zoom level.
	Tileset *tilesetProgressJSON `json:"tileset,omitempty"`
}

// timeLayout is RFC 3339 with milliseconds, always in UTC.
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

func (j *job) view() jobJSON {
	v := jobJSON{
		JobID:      j.id,
		Connection: j.connection,
		User:       jobUser,
		Query:      j.query,
		Status:     j.status,
		CreatedAt:  j.createdAt.UTC().Format(timeLayout),
		UpdatedAt:  j.updatedAt.UTC().Format(timeLayout),
		Metadata:   j.metadata,
		Provider:   jobProvider{Engine: "duckdb"},
	}
	if j.errCode != "" {
		v.Error = &jobError{Code: j.errCode, Msg: j.errMsg}
	}
	if j.hasRowsAffected {
		n := j.rowsAffected
		v.Provider.RowsAffected = &n
	}
	if j.tileset != nil {
		v.Provider.Tileset = j.tileset.snapshot()
	}
	return v
}

// newJobID returns a random UUID (version 4).
func newJobID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

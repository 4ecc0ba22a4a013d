package tools

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/carto-mcp/carto-mcp/client"
	"github.com/carto-mcp/carto-mcp/discovery"
)

// Defaults and hard limits of Options.
const (
	// DefaultRows is max_rows when a run_query call gives none.
	DefaultRows = 100
	// DefaultMaxRows is the server's row maximum when Options.MaxRows is 0.
	DefaultMaxRows = 1000
	// MaxRowsLimit is the largest max_rows any server accepts; it is the maximum
	// written in run_query's input schema. Options.MaxRows may not exceed it.
	MaxRowsLimit = 10000
	// DefaultMaxTextBytes caps the bytes of row text in one run_query result.
	DefaultMaxTextBytes = 64 << 10
	// DefaultCallTimeout bounds one tool call: CARTO's own limit for a synchronous
	// query is 60 s, plus room for the network and retries.
	DefaultCallTimeout = 75 * time.Second
	// DefaultJobMemory is how many submitted jobs' connections are remembered.
	DefaultJobMemory = 10000
	// DefaultMaxWaitSeconds is the server's maximum wait_seconds when
	// Options.MaxWaitSeconds is 0. It stays under the 60 s after which many MCP
	// clients give up on a call (progress notifications keep some of them
	// waiting longer, not all), and is lowered further when CallTimeout leaves
	// less room (see waitMargin).
	DefaultMaxWaitSeconds = 50
	// MaxWaitSecondsLimit is the largest wait_seconds any server accepts; it is
	// the maximum written in the input schemas. Options.MaxWaitSeconds may not
	// exceed it.
	MaxWaitSecondsLimit = 300
	// waitMargin is the part of CallTimeout a wait leaves for the calls around
	// it (creating the job, the last poll).
	waitMargin = 10 * time.Second
)

// Options configure the tools and the server built from them.
type Options struct {
	// Client talks to CARTO. Required. Its default connection (CARTO_CONNECTION)
	// is used by any call that names none.
	Client *client.Client
	// ReadOnly leaves out submit_job and cancel_job and annotates run_query as
	// read-only. Enforcement of reads is QueryGuard's job.
	ReadOnly bool
	// QueryGuard, when set, is called with the SQL of every run_query call before
	// it runs; an error refuses the call (an isError result carrying the error's
	// text). nil allows everything. The read-only classifier plugs in here.
	// provider returns the warehouse of the call's connection, learned on first
	// use (see ConnectionProviders), or "" when no source could tell it; a
	// guard that does not need it should not call it.
	QueryGuard func(sql string, provider func() discovery.Provider) error
	// ConnectionProviders are the configured providers of connections (name →
	// provider), used when CARTO's connections API does not list them.
	ConnectionProviders map[string]discovery.Provider
	// DefaultRows is max_rows when a call gives none (default DefaultRows).
	DefaultRows int
	// MaxRows is the server's maximum max_rows (default DefaultMaxRows, at most
	// MaxRowsLimit). Larger requests are lowered to it, and the result says so.
	MaxRows int
	// MaxTextBytes caps the row text of one run_query result (default
	// DefaultMaxTextBytes, at least 1 KiB). Rows past the cap are left out; a first
	// row alone over it has its largest values cut, and the result lists them.
	MaxTextBytes int
	// CallTimeout bounds each tool call (default DefaultCallTimeout). A call that
	// runs out gets an isError result suggesting a job.
	CallTimeout time.Duration
	// JobMemory is how many job id → connection pairs are remembered so that
	// get_job and cancel_job need only a job id (default DefaultJobMemory).
	JobMemory int
	// Logger receives one line per tool call, never with tokens or SQL text.
	// Defaults to a discarding logger.
	Logger *slog.Logger
	// Version is reported as the server version (default "dev").
	Version string
	// Now is the clock used for job ages in next_step hints (default time.Now).
	Now func() time.Time
	// MaxWaitSeconds is the server's maximum wait_seconds for submit_job and
	// get_job: a call may hold that long polling CARTO until its job ends
	// (default DefaultMaxWaitSeconds, lowered so that it ends 10 s before
	// CallTimeout; at most MaxWaitSecondsLimit). A larger wait_seconds is
	// lowered to it, and the result says so. Negative disables waiting: every
	// wait_seconds is then lowered to 0. An explicit value must end 10 s
	// before CallTimeout.
	MaxWaitSeconds int
	// Local says the client talks to the embedded local warehouse (DuckDB,
	// localwarehouse) rather than to CARTO: the instructions, descriptions and
	// advice then teach DuckDB's SQL, names and placeholders, and a job is said
	// to stop with the server, as it does.
	Local bool
	// Context bounds the server's background work: the polling behind
	// task-augmented submit_job calls and behind resource subscriptions. When it
	// is done, that work stops (the CARTO jobs themselves keep running). nil
	// means context.Background(). Deps.Close stops the same work and waits for
	// it; NewServerWithDeps returns the Deps to close.
	Context context.Context
	// StatelessTasks serves task-augmented submit_job calls without keeping
	// the task in memory, for servers whose requests may each reach another
	// replica (stateless streamable HTTP): the task id carries the connection
	// and job id, signed with TaskSecret, and tasks/get, tasks/result and
	// tasks/cancel read CARTO. The HTTP front must pass requests to
	// Deps.HandleStatelessTask first (httpserve.Options.Intercept).
	StatelessTasks bool
	// TaskSecret signs stateless task ids: at least MinTaskSecretBytes bytes,
	// the same on every replica of a deployment. Required with StatelessTasks.
	TaskSecret []byte
}

// Deps is what every tool constructor shares: the normalized options and the
// registry of submitted jobs. Build it with NewDeps; share one per server.
type Deps struct {
	opts      Options
	jobs      *jobRegistry
	log       *slog.Logger
	providers *discovery.Resolver

	clock   clock           // the waiter's clock; a fake one in tests
	taskIDs *taskIDs        // stateless task ids; nil unless Options.StatelessTasks
	tasks   *taskRuns       // nil unless NewServer set up task support
	watch   *watcher        // resource subscriptions; nil unless NewServer set them up
	root    context.Context // done when Close is called or Options.Context ends
	cancel  context.CancelFunc
	bg      sync.WaitGroup // background work: task runs and subscription watches
	mu      sync.Mutex
	closed  bool
}

// NewDeps checks opts, fills in defaults and returns the shared dependencies.
func NewDeps(opts Options) (*Deps, error) {
	if opts.Client == nil {
		return nil, errors.New("tools: Options.Client is required")
	}
	if opts.DefaultRows == 0 {
		opts.DefaultRows = DefaultRows
	}
	if opts.MaxRows == 0 {
		opts.MaxRows = DefaultMaxRows
	}
	if opts.MaxRows < 1 || opts.MaxRows > MaxRowsLimit {
		return nil, fmt.Errorf("tools: Options.MaxRows must be between 1 and %d, got %d", MaxRowsLimit, opts.MaxRows)
	}
	if opts.DefaultRows < 1 || opts.DefaultRows > opts.MaxRows {
		return nil, fmt.Errorf("tools: Options.DefaultRows must be between 1 and MaxRows (%d), got %d", opts.MaxRows, opts.DefaultRows)
	}
	if opts.MaxTextBytes == 0 {
		opts.MaxTextBytes = DefaultMaxTextBytes
	}
	if opts.MaxTextBytes < 1024 {
		return nil, fmt.Errorf("tools: Options.MaxTextBytes must be at least 1024, got %d", opts.MaxTextBytes)
	}
	if opts.CallTimeout == 0 {
		opts.CallTimeout = DefaultCallTimeout
	}
	if opts.CallTimeout < 0 {
		return nil, fmt.Errorf("tools: Options.CallTimeout must be positive, got %s", opts.CallTimeout)
	}
	if opts.JobMemory == 0 {
		opts.JobMemory = DefaultJobMemory
	}
	if opts.JobMemory < 1 {
		return nil, fmt.Errorf("tools: Options.JobMemory must be positive, got %d", opts.JobMemory)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Version == "" {
		opts.Version = "dev"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := opts.normalizeWait(); err != nil {
		return nil, err
	}
	if opts.Context == nil {
		opts.Context = context.Background()
	}
	// The schemas are embedded at build time; check them once here, so that the
	// tool constructors cannot fail later.
	for _, name := range ToolNames {
		if _, err := newTool(name, "", "", annotations(false, false, false)); err != nil {
			return nil, fmt.Errorf("tools: %w", err)
		}
	}
	d := &Deps{opts: opts, jobs: newJobRegistry(opts.JobMemory), log: opts.Logger, clock: realClock{},
		providers: discovery.NewResolver(opts.ConnectionProviders, opts.Logger)}
	if opts.StatelessTasks {
		if len(opts.TaskSecret) < MinTaskSecretBytes {
			return nil, fmt.Errorf("tools: Options.TaskSecret must be at least %d bytes with StatelessTasks, got %d", MinTaskSecretBytes, len(opts.TaskSecret))
		}
		d.taskIDs = &taskIDs{secret: bytes.Clone(opts.TaskSecret)}
	}
	d.root, d.cancel = context.WithCancel(opts.Context)
	return d, nil
}

// normalizeWait fills in and checks MaxWaitSeconds against CallTimeout.
func (o *Options) normalizeWait() error {
	room := int((o.CallTimeout - waitMargin) / time.Second)
	switch {
	case o.MaxWaitSeconds == 0:
		o.MaxWaitSeconds = max(min(DefaultMaxWaitSeconds, room), 0)
	case o.MaxWaitSeconds < 0:
		o.MaxWaitSeconds = 0
	case o.MaxWaitSeconds > MaxWaitSecondsLimit:
		return fmt.Errorf("tools: Options.MaxWaitSeconds must be at most %d, got %d", MaxWaitSecondsLimit, o.MaxWaitSeconds)
	case o.MaxWaitSeconds > room:
		return fmt.Errorf("tools: Options.MaxWaitSeconds (%d s) must end %s before CallTimeout (%s): lower it or raise CallTimeout",
			o.MaxWaitSeconds, waitMargin, o.CallTimeout)
	}
	return nil
}

// Close stops the server's background work (task runs and subscription
// watches: the CARTO jobs they follow keep running) and waits for it to end.
// Tool calls in flight are not affected. Close is safe to call more than once.
func (d *Deps) Close() {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	d.cancel()
	d.bg.Wait()
}

// track registers one piece of background work, to be ended with untrack; it
// reports false once Close has been called, when no new work may start.
func (d *Deps) track() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed || d.root.Err() != nil {
		return false
	}
	d.bg.Add(1)
	return true
}

func (d *Deps) untrack() { d.bg.Done() }

// Options returns the normalized options.
func (d *Deps) Options() Options { return d.opts }

// carto returns the CARTO client for a call. Every handler goes through it, so
// that a per-request client (a token brought by an HTTP request) can plug in here.
func (d *Deps) carto(context.Context) *client.Client { return d.opts.Client }

// connectionName is the connection a call names (arg, trimmed), or else c's
// default; "" when there is neither.
func connectionName(c *client.Client, arg string) string {
	if conn := strings.TrimSpace(arg); conn != "" {
		return conn
	}
	return c.DefaultConnection()
}

// callConnection is the connection a call works on (connectionName),
// recorded in info for the call's log line. With none, the call fails as
// op, saying how to pass one.
func (d *Deps) callConnection(c *client.Client, arg string, op opKind, info *callInfo) (string, *callError) {
	conn := connectionName(c, arg)
	info.connection = conn
	if conn == "" {
		return "", describeError(op, client.ErrNoConnection, d.opts.CallTimeout)
	}
	return conn, nil
}

// readBudget is how many bytes of row values run_query reads from CARTO: more
// than the text cap, so that a first row over the cap can still be shown cut,
// yet bounded, so that a huge result never sits in memory.
func (d *Deps) readBudget() int64 {
	return max(int64(d.opts.MaxTextBytes)*4, 1<<20)
}

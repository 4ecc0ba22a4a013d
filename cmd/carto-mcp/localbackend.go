package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sync"

	"github.com/carto-mcp/carto-mcp/localwarehouse"
)

// lazyWarehouse is the local warehouse, opened in the background when Start is
// first called, and serving its API once it is up. Opening it (DuckDB and the
// demo data) takes ~65 ms of CPU; on stdio the server starts it
// once the client has its tools list, because opening it during the handshake
// slowed the first tools/list answer by ~13 ms (BenchmarkStdioColdStart/local).
// A request that needs the warehouse starts it too, and waits for it.
type lazyWarehouse struct {
	ctx    context.Context
	opts   localwarehouse.Options
	logger *slog.Logger

	once    sync.Once
	ready   chan struct{} // closed once the warehouse is up, failed or closed
	handler http.Handler
	wh      *localwarehouse.Warehouse
	err     error
}

func newLazyWarehouse(ctx context.Context, opts localwarehouse.Options, logger *slog.Logger) *lazyWarehouse {
	return &lazyWarehouse{ctx: ctx, opts: opts, logger: logger, ready: make(chan struct{})}
}

// Start opens the warehouse in the background; later calls do nothing.
func (s *lazyWarehouse) Start() {
	s.once.Do(func() { go s.open() })
}

func (s *lazyWarehouse) open() {
	defer close(s.ready)
	s.wh, s.err = localwarehouse.New(s.ctx, s.opts)
	if s.err != nil {
		s.logger.Error("the local warehouse could not start; every tool call will fail", "error", s.err)
		return
	}
	s.handler = s.wh.Handler()
}

// ServeHTTP starts the warehouse if need be and waits for it within the
// request's context. A warehouse that failed to start answers 500 (not retried
// by the client) with the cause.
func (s *lazyWarehouse) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.Start()
	select {
	case <-s.ready:
	case <-r.Context().Done():
		return
	}
	if s.err != nil {
		// The cause lasts (a file another process holds, a missing directory):
		// the hint keeps the model from retrying in vain.
		body, _ := json.Marshal(map[string]any{
			"error": "the embedded local warehouse could not start: " + s.err.Error(),
			"hint": "retrying will not help: tell the user to fix the cause and restart carto-mcp " +
				"(if another process holds the database file, close it or pass another --local path)",
			"status": http.StatusInternalServerError,
		})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write(body)
		return
	}
	s.handler.ServeHTTP(w, r)
}

// Close closes the warehouse, waiting for a start in progress to finish; a
// warehouse never started is then never started.
func (s *lazyWarehouse) Close() {
	s.once.Do(func() {
		s.err = errWarehouseClosed
		close(s.ready)
	})
	<-s.ready
	if s.wh != nil {
		s.wh.Close()
	}
}

// Ready reports, without waiting, whether the warehouse is up (for /readyz).
func (s *lazyWarehouse) Ready(context.Context) error {
	select {
	case <-s.ready:
		return s.err
	default:
		return errStarting
	}
}

var (
	errStarting        = errors.New("the local warehouse is still starting")
	errWarehouseClosed = errors.New("the local warehouse was closed before it started")
)

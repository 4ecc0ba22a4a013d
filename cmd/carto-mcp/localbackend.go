package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/carto-mcp/carto-mcp/localwarehouse"
)

// startingWarehouse opens the local warehouse in the background and serves its
// API once it is up. Loading the demo data takes about 100 ms, which a client
// would otherwise wait for before its first tools/list is answered; now only a
// call that needs the warehouse waits for it.
type startingWarehouse struct {
	ready   chan struct{}
	handler http.Handler
	wh      *localwarehouse.Warehouse
	err     error
}

func startWarehouse(ctx context.Context, opts localwarehouse.Options, logger *slog.Logger) *startingWarehouse {
	s := &startingWarehouse{ready: make(chan struct{})}
	go func() {
		defer close(s.ready)
		s.wh, s.err = localwarehouse.New(ctx, opts)
		if s.err != nil {
			logger.Error("the local warehouse could not start; every tool call will fail", "error", s.err)
			return
		}
		s.handler = s.wh.Handler()
	}()
	return s
}

// ServeHTTP waits for the warehouse within the request's context. A warehouse
// that failed to start answers 500 (not retried by the client) with the cause.
func (s *startingWarehouse) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	select {
	case <-s.ready:
	case <-r.Context().Done():
		return
	}
	if s.err != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, "{\"error\":%q,\"status\":500}\n", "the embedded local warehouse could not start: "+s.err.Error())
		return
	}
	s.handler.ServeHTTP(w, r)
}

// Close waits for the start to finish, then closes the warehouse.
func (s *startingWarehouse) Close() {
	<-s.ready
	if s.wh != nil {
		s.wh.Close()
	}
}

// Ready reports, without waiting, whether the warehouse is up (for /readyz).
func (s *startingWarehouse) Ready(context.Context) error {
	select {
	case <-s.ready:
		return s.err
	default:
		return errStarting
	}
}

var errStarting = errors.New("the local warehouse is still starting")

package tools

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/carto-mcp/carto-mcp/client"
)

// Resource subscriptions to jobs.
//
// A client subscribes to a job's URI with resources/subscribe (protocol
// versions up to 2025-11-25) or by naming it in subscriptions/listen
// (2026-07-28). Each subscription gets a watch: a goroutine that follows the
// job with the waiter and sends notifications/resources/updated to the
// subscribing session whenever the status it reads differs from the one
// before (and once at once if the job has already ended, so that a
// subscription racing the job's end is not left waiting). A watch ends when
// the job ends, on resources/unsubscribe, when the session is unregistered or
// its subscriptions/listen request ends, and on Deps.Close. At most maxWatches
// run at once; further subscriptions are acknowledged but not watched (logged).

// maxWatches bounds the watches running at once, across sessions.
const maxWatches = 256

type watchKey struct{ session, uri string }

type watch struct{ cancel context.CancelFunc }

type watcher struct {
	d      *Deps
	mu     sync.Mutex
	active map[watchKey]*watch
	listen atomic.Uint64 // numbers subscriptions/listen streams
}

func newWatcher(d *Deps) *watcher {
	return &watcher{d: d, active: map[watchKey]*watch{}}
}

// addHooks wires the watcher to the server's subscription lifecycle.
func (w *watcher) addHooks(h *server.Hooks) {
	h.AddAfterSubscribe(func(ctx context.Context, _ any, req *mcp.SubscribeRequest, _ *mcp.EmptyResult) {
		session := server.ClientSessionFromContext(ctx)
		if session == nil || session.SessionID() == "" {
			// No session to deliver to (stateless HTTP): nothing would arrive.
			w.d.log.Info("resource subscription without a session is not watched", "uri", req.Params.URI)
			return
		}
		w.start(ctx, watchKey{session.SessionID(), req.Params.URI}, nil)
	})
	h.AddAfterUnsubscribe(func(ctx context.Context, _ any, req *mcp.UnsubscribeRequest, _ *mcp.EmptyResult) {
		if session := server.ClientSessionFromContext(ctx); session != nil {
			w.stop(watchKey{session.SessionID(), req.Params.URI})
		}
	})
	h.AddOnUnregisterSession(func(_ context.Context, session server.ClientSession) {
		w.stopSession(session.SessionID())
	})
	h.AddBeforeSubscriptionsListen(func(ctx context.Context, _ any, req *mcp.SubscriptionsListenRequest) {
		// A listen stream holds its subscriptions for as long as its request
		// lasts: the watches end with ctx. Each stream is its own scope.
		scope := fmt.Sprintf("listen#%d", w.listen.Add(1))
		if session := server.ClientSessionFromContext(ctx); session != nil {
			scope = session.SessionID() + "/" + scope
		}
		for _, uri := range req.Params.Notifications.ResourceSubscriptions {
			w.start(ctx, watchKey{scope, uri}, ctx)
		}
	})
}

// start begins watching key.uri for the session in ctx, unless it is already
// watched, is not a job URI, or the bound is reached. until, when not nil,
// ends the watch when it is done.
func (w *watcher) start(ctx context.Context, key watchKey, until context.Context) {
	conn, id, err := parseJobURI(key.uri)
	if err != nil {
		w.d.log.Info("resource subscription ignored", "uri", key.uri, "reason", err.Error())
		return
	}
	session := server.ClientSessionFromContext(ctx)
	srv := server.ServerFromContext(ctx)
	if session == nil || srv == nil {
		return
	}
	if until == nil && carriesRequestToken(ctx) {
		// The watch would outlive the request, and with it its caller's
		// CARTO token, which must not be kept.
		w.d.log.Info("resource subscription not watched: per-request CARTO tokens are not kept beyond their request", "uri", key.uri)
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.active[key]; ok {
		return
	}
	if len(w.active) >= maxWatches {
		w.d.log.Warn("too many resource subscriptions: this one is not watched", "uri", key.uri, "limit", maxWatches)
		return
	}
	if !w.d.track() {
		return
	}
	// The watch outlives the subscribe request: keep its values (the session,
	// a per-request CARTO token), not its cancellation.
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stops := []func() bool{context.AfterFunc(w.d.root, cancel)}
	if until != nil {
		stops = append(stops, context.AfterFunc(until, cancel))
	}
	wt := &watch{cancel: cancel}
	w.active[key] = wt
	go func() {
		defer w.d.untrack()
		defer w.finished(key, wt)
		defer func() {
			for _, stop := range stops {
				stop()
			}
		}()
		w.run(wctx, srv, srv.WithContext(wctx, session), key.uri, conn, id)
	}()
}

// run follows one job and tells the session each time its status changes.
func (w *watcher) run(ctx context.Context, srv *server.MCPServer, notifyCtx context.Context, uri, conn, id string) {
	notify := func(j *client.Job) {
		err := srv.SendNotificationToClient(notifyCtx, string(mcp.MethodNotificationResourceUpdated), map[string]any{"uri": uri})
		if err != nil {
			w.d.log.Debug("resource update not sent", "uri", uri, "status", string(j.Status), "error", err.Error())
		}
	}
	var last *client.Job
	onPoll := func(j *client.Job, _ time.Duration) {
		if (last == nil && j.Status.Done()) || (last != nil && j.Status != last.Status) {
			notify(j)
		}
		last = j
	}
	_, err := w.d.waitJob(ctx, waitSpec{conn: conn, id: id, onPoll: onPoll}, nil)
	if err != nil && ctx.Err() == nil {
		w.d.log.Info("resource subscription stopped: the job cannot be read", "uri", uri, "error", err.Error())
	}
}

// finished forgets wt, if it is still the watch registered for key.
func (w *watcher) finished(key watchKey, wt *watch) {
	wt.cancel()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.active[key] == wt {
		delete(w.active, key)
	}
}

// stop ends key's watch.
func (w *watcher) stop(key watchKey) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if wt, ok := w.active[key]; ok {
		wt.cancel()
		delete(w.active, key)
	}
}

// stopSession ends every watch of a session, its listen streams' included.
func (w *watcher) stopSession(sessionID string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for key, wt := range w.active {
		if key.session == sessionID || strings.HasPrefix(key.session, sessionID+"/") {
			wt.cancel()
			delete(w.active, key)
		}
	}
}

// watching reports how many watches run.
func (w *watcher) watching() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.active)
}

package cartofake

import (
	"context"
	"encoding/json"
	"net/http"
)

// ConnectionInfo is one connection GET /v3/connections lists, in CARTO's shape
// (Resources API: id, name, provider_id, privacy, carto_dw, created_at,
// updated_at).
type ConnectionInfo struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	ProviderID string `json:"provider_id"`
	Privacy    string `json:"privacy,omitempty"`
	CartoDW    bool   `json:"carto_dw"`
	CreatedAt  string `json:"created_at,omitempty"`
	UpdatedAt  string `json:"updated_at,omitempty"`
}

// WithConnectionList makes GET /v3/connections list conns. CARTO serves that
// route to OAuth access tokens only: an API access token (the server's static
// token) gets 403, unless WithAPITokenListsConnections is also given. Without
// this option the route answers 404 for everyone.
func WithConnectionList(conns ...ConnectionInfo) Option {
	return func(s *Server) { s.connectionList = append([]ConnectionInfo{}, conns...) }
}

// WithAPITokenListsConnections lets the static API access token list
// connections too.
func WithAPITokenListsConnections() Option { return func(s *Server) { s.staticListsConns = true } }

// WithWrappedConnectionList wraps the list as {"status":200,"data":[...]}, the
// shape of CARTO's documentation examples, instead of a bare array.
func WithWrappedConnectionList() Option { return func(s *Server) { s.wrapConnList = true } }

// QueryBackend answers the queries of one connection in place of registered
// results: a real database behind the fake (see Postgres). An error becomes
// CARTO's 400 {"error": ..., "status": 400}, as a warehouse error does.
type QueryBackend func(ctx context.Context, sql string, params json.RawMessage) (Result, error)

// ForwardQueries sends every query on connection to backend. Registered
// results (SetQuery...) for the exact SQL still win, so tests can add faults.
func (s *Server) ForwardQueries(connection string, backend QueryBackend) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.backends == nil {
		s.backends = map[string]QueryBackend{}
	}
	s.backends[connection] = backend
}

func (s *Server) serveConnections(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, "Method not allowed")
		return
	}
	if s.connectionList == nil {
		writeError(w, http.StatusNotFound, "Not found")
		return
	}
	if s.isStaticToken(r) && !s.staticListsConns {
		writeError(w, http.StatusForbidden, "Forbidden: this API requires an OAuth access token")
		return
	}
	if s.wrapConnList {
		writeJSON(w, http.StatusOK, map[string]any{"status": 200, "data": s.connectionList})
		return
	}
	writeJSON(w, http.StatusOK, s.connectionList)
}

func (s *Server) backend(connection string) QueryBackend {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.backends[connection]
}

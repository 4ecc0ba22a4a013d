package localwarehouse

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
)

// maxBodyBytes bounds request bodies; SQL texts are small, and CARTO's own
// edge rejects far smaller URLs.
const maxBodyBytes = 1 << 20

// apiError is an error response in the contract's shape.
type apiError struct {
	Message string `json:"error"`
	Status  int    `json:"status"`
	Hint    string `json:"hint,omitempty"`
}

func (e *apiError) Error() string { return e.Message }

func errorf(status int, msg string) *apiError { return &apiError{Message: msg, Status: status} }

func (w *Warehouse) routes() http.Handler {
	mux := http.NewServeMux()
	// Methods are checked in the handlers rather than in the patterns, so
	// that a wrong method gets the API's JSON 405 instead of net/http's text.
	mux.HandleFunc("/v3/sql/jobs", w.handleListJobs)
	mux.HandleFunc("/v3/connections", w.handleListConnections)
	mux.HandleFunc("/v3/sql/{connection}/query", w.withConnection(w.handleQuery))
	mux.HandleFunc("/v3/sql/{connection}/job", w.withConnection(w.handleCreateJob))
	mux.HandleFunc("/v3/sql/{connection}/job/{jobId}", w.withConnection(w.handleJob))
	mux.HandleFunc("/v3/maps/{connection}/tileset", w.withConnection(w.handleTileJSON))
	mux.HandleFunc("/v3/maps/{connection}/tileset/{z}/{x}/{y}", w.withConnection(w.handleTile))
	mux.HandleFunc("/", func(rw http.ResponseWriter, r *http.Request) {
		writeError(rw, errorf(http.StatusNotFound, "Not found: "+r.URL.Path))
	})
	return w.authenticate(mux)
}

// authenticate enforces Options.Token. Tokens are compared as SHA-256
// digests in constant time, so neither content nor length leaks by timing.
func (w *Warehouse) authenticate(next http.Handler) http.Handler {
	if !w.hasToken {
		return next
	}
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		token, ok := requestToken(r)
		if !ok {
			writeError(rw, errorf(http.StatusUnauthorized, "Token not defined"))
			return
		}
		sum := sha256.Sum256([]byte(token))
		if subtle.ConstantTimeCompare(sum[:], w.tokenHash[:]) != 1 {
			writeError(rw, errorf(http.StatusForbidden, "You don't have permissions to read this resource"))
			return
		}
		next.ServeHTTP(rw, r)
	})
}

// requestToken takes the token from "Authorization: Bearer ..." or, as
// CARTO also accepts, from ?access_token=.
func requestToken(r *http.Request) (string, bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		if ok && strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(token) != "" {
			return strings.TrimSpace(token), true
		}
		return "", false
	}
	if t := r.URL.Query().Get("access_token"); t != "" {
		return t, true
	}
	return "", false
}

// withConnection answers 404 for any connection but ours.
func (w *Warehouse) withConnection(next http.HandlerFunc) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		if conn := r.PathValue("connection"); conn != w.opts.Connection {
			writeError(rw, &apiError{
				Message: "Connection not found: " + conn,
				Status:  http.StatusNotFound,
				Hint:    "This local warehouse serves the connection " + w.opts.Connection,
			})
			return
		}
		next(rw, r)
	}
}

// allowMethods writes a 405 and reports false unless r uses one of methods.
func allowMethods(rw http.ResponseWriter, r *http.Request, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m {
			return true
		}
	}
	rw.Header().Set("Allow", strings.Join(methods, ", "))
	writeError(rw, errorf(http.StatusMethodNotAllowed, "Method "+r.Method+" not allowed"))
	return false
}

func writeError(rw http.ResponseWriter, e *apiError) {
	writeJSON(rw, e.Status, e)
}

func writeJSON(rw http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"error":"internal error: cannot encode response","status":500}`)
	}
	h := rw.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	rw.WriteHeader(status)
	_, _ = rw.Write(append(body, '\n'))
}

// bodyError turns a request body read error into the API error: 413 when
// the body is over maxBodyBytes, else 400.
func bodyError(err error) *apiError {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return errorf(http.StatusRequestEntityTooLarge, "Request body too large (limit 1 MiB)")
	}
	return errorf(http.StatusBadRequest, "Cannot read request body: "+err.Error())
}

// handleListConnections answers GET /v3/connections as CARTO's Resources API
// does, with the one connection this warehouse serves; its provider_id is
// duckdb, so that clients pick DuckDB's SQL dialect.
func (w *Warehouse) handleListConnections(rw http.ResponseWriter, r *http.Request) {
	if !allowMethods(rw, r, http.MethodGet) {
		return
	}
	writeJSON(rw, http.StatusOK, []map[string]any{{
		"id": w.opts.Connection, "name": w.opts.Connection, "provider_id": "duckdb", "privacy": "private", "carto_dw": false,
	}})
}

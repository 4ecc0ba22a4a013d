// Package cartofake is a fake CARTO SQL API v3 server for tests: an
// httptest.Server that speaks the contract in /work/shared/carto/contract.md and
// records every request it gets.
//
// It serves
//   - GET and POST /v3/sql/{connection}/query: results registered per exact SQL
//     text with SetQueryResult, SetQuery, SetQueryGenerator or SetQueryResponse;
//     unknown SQL gets 400 {"error":"...","status":400} like a warehouse error;
//   - POST /v3/sql/{connection}/job, GET and DELETE /v3/sql/{connection}/job/{id},
//     GET /v3/sql/jobs, with scriptable job progress (SetJobScript, SetJobStatus);
//   - GET /v3/maps/{connection}/tileset?name= (TileJSON) and
//     GET /v3/maps/{connection}/tileset/{z}/{x}/{y}?name= (an MVT tile, 204 where
//     there is none), for tilesets registered with SetTileset;
//   - POST /oauth/token, when WithOAuthClient is given, so the server is also its
//     own auth server (point the client's auth URL at Server.URL).
//
// Every API call needs "Authorization: Bearer <token>" (or ?access_token=, which
// CARTO also accepts): none gives 401 {"error":"Token not defined","status":401}, an
// unknown token 403 {"error":"You don't have permissions to read this
// resource","status":403}, an expired OAuth token 401.
//
// Faults (Inject) simulate everything that goes wrong between a client and CARTO:
// statuses, Retry-After, delays, HTML or invalid bodies, slow, truncated and huge
// bodies, dropped connections.
//
// Everything is safe for concurrent use. Handlers stop waiting and streaming when
// the request's context ends or the server closes, so Close never hangs; New
// registers Close with t.Cleanup.
package cartofake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// DefaultToken is the API access token the server accepts unless WithToken
// replaces it. It looks like a secret on purpose, so tests can assert it never
// shows up in URLs, errors or logs.
const DefaultToken = "cartofake-secret-token-5f0c1e9a7b3d"

// DefaultUser is the "user" of every job.
const DefaultUser = "fake-user@example.com"

// Option configures a Server.
type Option func(*Server)

// WithToken makes tok the accepted API access token instead of DefaultToken.
// An empty tok accepts no static token (only OAuth-issued ones).
func WithToken(tok string) Option { return func(s *Server) { s.token = tok } }

// WithOAuthClient serves POST /oauth/token for one OAuth client: a form with
// grant_type=client_credentials, client_id, client_secret and
// audience=carto-cloud-native-api gets a fresh token, valid for expiresIn (0 means
// one hour), that the API then accepts. A wrong client gets 401 with an OAuth
// error document, a wrong grant type 400, a wrong audience 403.
func WithOAuthClient(id, secret string, expiresIn time.Duration) Option {
	return func(s *Server) {
		if expiresIn <= 0 {
			expiresIn = time.Hour
		}
		s.oauthID, s.oauthSecret, s.oauthTTL = id, secret, expiresIn
	}
}

// WithSchemaFirst makes results registered with SetQueryResult and
// SetQueryGenerator put "schema" before "rows" (CARTO sends rows first).
func WithSchemaFirst() Option { return func(s *Server) { s.schemaFirst = true } }

// WithWrappedJobList makes GET /v3/sql/jobs answer {"jobs":[...]} instead of a
// bare array.
func WithWrappedJobList() Option { return func(s *Server) { s.wrapJobList = true } }

// WithConnections restricts the connections the server knows; any other gets
// 404 {"error":"Connection not found: <name>","status":404}. By default every
// connection name exists.
func WithConnections(names ...string) Option {
	return func(s *Server) { s.connections = append([]string(nil), names...) }
}

// Request is one request the server received, recorded before any fault applies.
type Request struct {
	Method   string
	Path     string // decoded URL path
	RawQuery string
	Header   http.Header // a clone
	Body     []byte
	// For query and job calls: the connection in the path, the SQL ("q" of a query,
	// "query" of a job), and "queryParameters" as raw JSON (from the body of a POST,
	// or the query string of a GET).
	Connection string
	SQL        string
	Params     json.RawMessage
}

// JobError is a failed job's "error". Code may be a number or a string.
type JobError struct {
	Code any    `json:"code,omitempty"`
	Msg  string `json:"msg"`
}

// JobStep is one status a job reports.
type JobStep struct {
	Status   string
	Error    *JobError       // sent with the status, typically with "failure"
	Provider json.RawMessage // replaces the job's "provider" when set
}

// Statuses turns status names into job steps. A "failure" gets the error
// {"code":"JOB_FAILED","msg":"Job failed"}.
func Statuses(statuses ...string) []JobStep {
	steps := make([]JobStep, len(statuses))
	for i, st := range statuses {
		steps[i] = JobStep{Status: st}
		if st == "failure" {
			steps[i].Error = &JobError{Code: "JOB_FAILED", Msg: "Job failed"}
		}
	}
	return steps
}

// Job is the fake's record of a job.
type Job struct {
	ID         string
	Connection string
	User       string
	Query      string
	Params     json.RawMessage
	Metadata   json.RawMessage
	Status     string
	Error      *JobError
	Provider   json.RawMessage
	CreatedAt  time.Time
	UpdatedAt  time.Time
	script     []JobStep
}

// MarshalJSON writes the contract's job object.
func (j *Job) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		JobID      string          `json:"jobId"`
		Connection string          `json:"connection"`
		User       string          `json:"user"`
		Query      string          `json:"query"`
		Status     string          `json:"status"`
		Error      *JobError       `json:"error,omitempty"`
		Provider   json.RawMessage `json:"provider,omitempty"`
		CreatedAt  string          `json:"createdAt"`
		UpdatedAt  string          `json:"updatedAt"`
	}{j.ID, j.Connection, j.User, j.Query, j.Status, j.Error, j.Provider,
		j.CreatedAt.UTC().Format(timeFormat), j.UpdatedAt.UTC().Format(timeFormat)})
}

const timeFormat = "2006-01-02T15:04:05.000Z07:00"

type queryEntry struct {
	result      Result
	status      int // raw response when > 0
	contentType string
	body        string
}

// Server is a running fake CARTO API. Server.URL is the base URL (and the auth
// URL). Server.Client() returns an *http.Client whose idle connections close
// with the server.
type Server struct {
	*httptest.Server

	token       string
	oauthID     string
	oauthSecret string
	oauthTTL    time.Duration
	schemaFirst bool
	wrapJobList bool
	connections []string

	connectionList   []ConnectionInfo
	staticListsConns bool
	wrapConnList     bool

	done      chan struct{}
	closeOnce sync.Once
	matchMu   sync.Mutex // serialises fault matching

	mu           sync.Mutex
	requests     []Request
	queries      map[string]*queryEntry
	faults       []*faultState
	tokens       map[string]time.Time // issued OAuth token -> expiry
	tokensIssued int
	jobs         map[string]*Job
	jobOrder     []string
	jobSeq       int
	jobScript    []JobStep
	getCache     map[string]bool
	backends     map[string]QueryBackend
	tilesets     map[string]*tileset
}

type tileset struct {
	tileJSON []byte
	tiles    map[[3]int][]byte
}

// SetTileset registers a tileset: its TileJSON, served as is, and its tiles
// (uncompressed MVT) by {z, x, y}.
func (s *Server) SetTileset(name string, tileJSON []byte, tiles map[[3]int][]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tilesets == nil {
		s.tilesets = map[string]*tileset{}
	}
	s.tilesets[name] = &tileset{tileJSON: tileJSON, tiles: tiles}
}

// serveTileset answers the Maps API's tileset routes.
func (s *Server) serveTileset(w http.ResponseWriter, r *http.Request, segs []string) {
	if r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, "Method not allowed")
		return
	}
	name := r.URL.Query().Get("name")
	s.mu.Lock()
	ts := s.tilesets[name]
	s.mu.Unlock()
	if ts == nil {
		writeError(w, http.StatusNotFound, "Tileset not found: "+name)
		return
	}
	if len(segs) == 4 {
		writeRaw(w, http.StatusOK, ts.tileJSON)
		return
	}
	var zxy [3]int
	for i, sg := range segs[4:] {
		n, err := strconv.Atoi(sg)
		if err != nil {
			writeError(w, http.StatusBadRequest, "Invalid tile coordinates")
			return
		}
		zxy[i] = n
	}
	data, ok := ts.tiles[zxy]
	if !ok {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.mapbox-vector-tile")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}

// New starts a fake server; it is closed by t.Cleanup.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{
		token:     DefaultToken,
		done:      make(chan struct{}),
		queries:   map[string]*queryEntry{},
		tokens:    map[string]time.Time{},
		jobs:      map[string]*Job{},
		jobScript: Statuses("running", "success"),
		getCache:  map[string]bool{},
	}
	for _, o := range opts {
		o(s)
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	t.Cleanup(s.Close)
	return s
}

// Close stops every handler that is waiting or streaming, closes all client
// connections and shuts the server down. It is safe to call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.Server.CloseClientConnections()
		s.Server.Close()
	})
}

// UnreachableURL returns a base URL on which nothing listens (a port that was
// just closed), so dialing it fails with "connection refused".
func UnreachableURL(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("cartofake: listen: %v", err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return "http://" + addr
}

// ---- configuration ----

// SetQueryResult registers the result of sql (exact text): rows aligned with
// columns, values encoded as documented on Result.
func (s *Server) SetQueryResult(sql string, columns []Column, rows [][]any) {
	s.SetQuery(sql, Result{Columns: columns, Rows: rows, SchemaFirst: s.schemaFirst})
}

// SetQuery registers a full Result for sql.
func (s *Server) SetQuery(sql string, r Result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queries[sql] = &queryEntry{result: r}
}

// SetQueryGenerator registers n rows generated by row(i) while the body is
// streamed, so that the body is never held in memory.
func (s *Server) SetQueryGenerator(sql string, columns []Column, n int, row func(i int) []any) {
	s.SetQuery(sql, Result{Columns: columns, N: n, Row: row, SchemaFirst: s.schemaFirst})
}

// SetQueryResponse makes sql answer with status and body verbatim (Content-Type
// application/json), e.g. a warehouse error or an odd but valid result.
func (s *Server) SetQueryResponse(sql string, status int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queries[sql] = &queryEntry{status: status, contentType: "application/json", body: body}
}

// SetJobScript sets the statuses that jobs created afterwards report: each GET of
// the job moves to the next step, and the last step sticks. A new job is
// "pending"; the default script is Statuses("running", "success").
func (s *Server) SetJobScript(steps ...JobStep) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jobScript = append([]JobStep(nil), steps...)
}

// SetJobStatus sets a job's status (and error) now, dropping the rest of its
// script. It reports whether the job exists.
func (s *Server) SetJobStatus(id, status string, jobErr *JobError) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	if !ok {
		return false
	}
	j.Status, j.Error, j.script, j.UpdatedAt = status, jobErr, nil, time.Now()
	return true
}

// Job returns a copy of the job with id.
func (s *Server) Job(id string) (Job, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	if !ok {
		return Job{}, false
	}
	out := *j
	out.script = nil
	return out, true
}

// Jobs returns copies of all jobs, oldest first.
func (s *Server) Jobs() []Job {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Job, 0, len(s.jobOrder))
	for _, id := range s.jobOrder {
		j := *s.jobs[id]
		j.script = nil
		out = append(out, j)
	}
	return out
}

// TokensIssued is how many OAuth tokens /oauth/token has issued.
func (s *Server) TokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokensIssued
}

// ExpireTokens makes every OAuth token issued so far expired: the API answers
// 401 {"error":"Token expired","status":401} to them.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	past := time.Now().Add(-time.Second)
	for tok := range s.tokens {
		s.tokens[tok] = past
	}
}

// Requests returns copies of the requests received so far, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = r
		out[i].Header = r.Header.Clone()
		out[i].Body = slices.Clone(r.Body)
		out[i].Params = slices.Clone(r.Params)
	}
	return out
}

// RequestsTo returns the recorded requests with method ("" any) whose path ends
// with pathSuffix ("" any).
func (s *Server) RequestsTo(method, pathSuffix string) []Request {
	var out []Request
	for _, r := range s.Requests() {
		if (method == "" || r.Method == method) && strings.HasSuffix(r.Path, pathSuffix) {
			out = append(out, r)
		}
	}
	return out
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// ---- serving ----

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := Request{
		Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
		Header: r.Header.Clone(), Body: body,
	}
	segs := pathSegments(r)
	if len(segs) >= 4 && segs[0] == "v3" && segs[1] == "sql" {
		rec.Connection = segs[2]
		switch segs[3] {
		case "query":
			if r.Method == http.MethodGet {
				rec.SQL = r.URL.Query().Get("q")
				if p := r.URL.Query().Get("queryParameters"); p != "" {
					rec.Params = json.RawMessage(p)
				}
			} else {
				var b struct {
					Q      string          `json:"q"`
					Params json.RawMessage `json:"queryParameters"`
				}
				_ = json.Unmarshal(body, &b)
				rec.SQL, rec.Params = b.Q, b.Params
			}
		case "job":
			if r.Method == http.MethodPost {
				var b struct {
					Query  string          `json:"query"`
					Params json.RawMessage `json:"queryParameters"`
				}
				_ = json.Unmarshal(body, &b)
				rec.SQL, rec.Params = b.Query, b.Params
			}
		}
	}
	s.mu.Lock()
	s.requests = append(s.requests, rec)
	s.mu.Unlock()

	if f := s.takeFault(r, body); f != nil {
		s.applyFault(w, r, f, s.route)
		return
	}
	s.route(w, r)
}

func pathSegments(r *http.Request) []string {
	raw := strings.Trim(r.URL.EscapedPath(), "/")
	if raw == "" {
		return nil
	}
	segs := strings.Split(raw, "/")
	for i, sg := range segs {
		if u, err := url.PathUnescape(sg); err == nil {
			segs[i] = u
		}
	}
	return segs
}

func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	segs := pathSegments(r)
	switch {
	case len(segs) == 2 && segs[0] == "oauth" && segs[1] == "token":
		s.serveOAuth(w, r)
		return
	case len(segs) == 2 && segs[0] == "v3" && segs[1] == "connections":
		if s.authorize(w, r) {
			s.serveConnections(w, r)
		}
		return
	case len(segs) < 3 || segs[0] != "v3" || (segs[1] != "sql" && segs[1] != "maps"):
		writeError(w, http.StatusNotFound, "Not found")
		return
	}
	if !s.authorize(w, r) {
		return
	}
	if segs[1] == "maps" {
		if (len(segs) == 4 || len(segs) == 7) && segs[3] == "tileset" {
			s.serveTileset(w, r, segs)
			return
		}
		writeError(w, http.StatusNotFound, "Not found")
		return
	}
	switch {
	case len(segs) == 3 && segs[2] == "jobs":
		if r.Method != http.MethodGet {
			writeError(w, http.StatusMethodNotAllowed, "Method not allowed")
			return
		}
		s.serveListJobs(w)
		return
	case len(segs) < 4:
		writeError(w, http.StatusNotFound, "Not found")
		return
	}
	conn := segs[2]
	if s.connections != nil && !slices.Contains(s.connections, conn) {
		writeError(w, http.StatusNotFound, "Connection not found: "+conn)
		return
	}
	switch {
	case len(segs) == 4 && segs[3] == "query":
		s.serveQuery(w, r)
	case len(segs) == 4 && segs[3] == "job":
		if r.Method != http.MethodPost {
			writeError(w, http.StatusMethodNotAllowed, "Method not allowed")
			return
		}
		s.serveCreateJob(w, r, conn)
	case len(segs) == 5 && segs[3] == "job":
		switch r.Method {
		case http.MethodGet:
			s.serveGetJob(w, conn, segs[4])
		case http.MethodDelete:
			s.serveCancelJob(w, conn, segs[4])
		default:
			writeError(w, http.StatusMethodNotAllowed, "Method not allowed")
		}
	default:
		writeError(w, http.StatusNotFound, "Not found")
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"cartofake: encoding failed","status":500}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"error": msg, "status": status})
}

// isStaticToken reports whether r carries the static API access token.
func (s *Server) isStaticToken(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		tok = r.URL.Query().Get("access_token")
	}
	return s.token != "" && strings.TrimSpace(tok) == s.token
}

func (s *Server) authorize(w http.ResponseWriter, r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		tok = r.URL.Query().Get("access_token")
	}
	tok = strings.TrimSpace(tok)
	if tok == "" {
		writeError(w, http.StatusUnauthorized, "Token not defined")
		return false
	}
	if s.token != "" && tok == s.token {
		return true
	}
	s.mu.Lock()
	exp, issued := s.tokens[tok]
	s.mu.Unlock()
	switch {
	case issued && time.Now().Before(exp):
		return true
	case issued:
		writeError(w, http.StatusUnauthorized, "Token expired")
		return false
	}
	writeError(w, http.StatusForbidden, "You don't have permissions to read this resource")
	return false
}

func (s *Server) serveOAuth(w http.ResponseWriter, r *http.Request) {
	oauthErr := func(status int, code, desc string) {
		writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
	}
	if s.oauthID == "" {
		writeError(w, http.StatusNotFound, "Not found")
		return
	}
	if r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, "Method not allowed")
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthErr(http.StatusBadRequest, "invalid_request", "the body is not a form")
		return
	}
	switch {
	case r.PostForm.Get("grant_type") != "client_credentials":
		oauthErr(http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant type: "+r.PostForm.Get("grant_type"))
	case r.PostForm.Get("client_id") != s.oauthID || r.PostForm.Get("client_secret") != s.oauthSecret:
		oauthErr(http.StatusUnauthorized, "access_denied", "Unauthorized")
	case r.PostForm.Get("audience") != "carto-cloud-native-api":
		oauthErr(http.StatusForbidden, "access_denied", "Service not enabled within domain: "+r.PostForm.Get("audience"))
	default:
		s.mu.Lock()
		s.tokensIssued++
		tok := fmt.Sprintf("cartofake-oauth-token-%d-%x", s.tokensIssued, time.Now().UnixNano())
		s.tokens[tok] = time.Now().Add(s.oauthTTL)
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{
			"access_token": tok, "expires_in": int64(s.oauthTTL / time.Second), "token_type": "Bearer",
		})
	}
}

func (s *Server) serveQuery(w http.ResponseWriter, r *http.Request) {
	var sql string
	var params json.RawMessage
	switch r.Method {
	case http.MethodGet:
		q := r.URL.Query()
		if !q.Has("q") {
			writeError(w, http.StatusBadRequest, "Missing q parameter")
			return
		}
		sql = q.Get("q")
		if p := q.Get("queryParameters"); p != "" {
			params = json.RawMessage(p)
		}
	case http.MethodPost:
		var b struct {
			Q      *string         `json:"q"`
			Params json.RawMessage `json:"queryParameters"`
		}
		raw, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(raw, &b); err != nil {
			writeError(w, http.StatusBadRequest, "Invalid JSON body: "+err.Error())
			return
		}
		if b.Q == nil {
			writeError(w, http.StatusBadRequest, "Missing q parameter")
			return
		}
		sql, params = *b.Q, b.Params
	default:
		writeError(w, http.StatusMethodNotAllowed, "Method not allowed")
		return
	}
	if msg := checkParams(params); msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	s.mu.Lock()
	e := s.queries[sql]
	cacheHit := false
	if r.Method == http.MethodGet {
		key := r.URL.RawQuery
		cacheHit = s.getCache[key]
		s.getCache[key] = true
	}
	s.mu.Unlock()
	if e == nil {
		if backend := s.backend(pathSegments(r)[2]); backend != nil {
			res, err := backend(r.Context(), sql, params)
			if err != nil {
				writeError(w, http.StatusBadRequest, "Error running query: "+err.Error())
				return
			}
			s.streamResult(w, r, res)
			return
		}
		writeError(w, http.StatusBadRequest, unknownSQLMessage(sql))
		return
	}
	if e.status > 0 {
		w.Header().Set("Content-Type", e.contentType)
		w.WriteHeader(e.status)
		_, _ = io.WriteString(w, e.body)
		return
	}
	res := e.result
	if cacheHit && res.Meta == nil {
		res.Meta = json.RawMessage(`{"cacheHit":true,"location":"US","totalBytesProcessed":"0"}`)
	}
	s.streamResult(w, r, res)
}

func checkParams(p json.RawMessage) string {
	p = bytes.TrimSpace(p)
	if len(p) == 0 || bytes.Equal(p, []byte("null")) {
		return ""
	}
	if !json.Valid(p) {
		return "queryParameters is not valid JSON"
	}
	if p[0] != '{' && p[0] != '[' {
		return "queryParameters must be an object or an array"
	}
	return ""
}

func unknownSQLMessage(sql string) string {
	short := strings.Join(strings.Fields(sql), " ")
	if len(short) > 80 {
		short = short[:80] + "..."
	}
	return fmt.Sprintf("Error running query: Not found: no table or result for this statement in the fake warehouse (cartofake): %q", short)
}

// streamResult writes a result as it is generated, stopping when the request
// ends or the server closes.
func (s *Server) streamResult(w http.ResponseWriter, r *http.Request, res Result) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	cw := &ctxWriter{w: w, r: r, done: s.done}
	_, _ = io.CopyBuffer(cw, NewBodyReader(res), make([]byte, 32<<10))
}

type ctxWriter struct {
	w    io.Writer
	r    *http.Request
	done <-chan struct{}
}

func (c *ctxWriter) Write(p []byte) (int, error) {
	select {
	case <-c.r.Context().Done():
		return 0, errStopped
	case <-c.done:
		return 0, errStopped
	default:
	}
	return c.w.Write(p)
}

// ---- jobs ----

func (s *Server) serveCreateJob(w http.ResponseWriter, r *http.Request, conn string) {
	var b struct {
		Query    *string         `json:"query"`
		Params   json.RawMessage `json:"queryParameters"`
		Metadata json.RawMessage `json:"metadata"`
	}
	raw, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(raw, &b); err != nil {
		writeError(w, http.StatusBadRequest, "Invalid JSON body: "+err.Error())
		return
	}
	if b.Query == nil || strings.TrimSpace(*b.Query) == "" {
		writeError(w, http.StatusBadRequest, "Missing query parameter")
		return
	}
	if msg := checkParams(b.Params); msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	now := time.Now()
	s.mu.Lock()
	s.jobSeq++
	id := fmt.Sprintf("job_%06d", s.jobSeq)
	j := &Job{
		ID: id, Connection: conn, User: DefaultUser, Query: *b.Query,
		Params: b.Params, Metadata: b.Metadata, Status: "pending",
		Provider:  json.RawMessage(fmt.Sprintf(`{"type":"cartofake","warehouseJobId":"wh_%06d"}`, s.jobSeq)),
		CreatedAt: now, UpdatedAt: now, script: append([]JobStep(nil), s.jobScript...),
	}
	s.jobs[id] = j
	s.jobOrder = append(s.jobOrder, id)
	out, _ := j.MarshalJSON()
	s.mu.Unlock()
	writeRaw(w, http.StatusOK, out)
}

func writeRaw(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func (s *Server) serveGetJob(w http.ResponseWriter, conn, id string) {
	s.mu.Lock()
	j, ok := s.jobs[id]
	if !ok || j.Connection != conn {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "Job not found: "+id)
		return
	}
	if len(j.script) > 0 {
		step := j.script[0]
		j.script = j.script[1:]
		if len(j.script) == 0 {
			j.script = nil
		}
		j.Status, j.Error, j.UpdatedAt = step.Status, step.Error, time.Now()
		if step.Provider != nil {
			j.Provider = step.Provider
		}
	}
	out, _ := j.MarshalJSON()
	s.mu.Unlock()
	writeRaw(w, http.StatusOK, out)
}

func (s *Server) serveCancelJob(w http.ResponseWriter, conn, id string) {
	s.mu.Lock()
	j, ok := s.jobs[id]
	if !ok || j.Connection != conn {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "Job not found: "+id)
		return
	}
	if j.Status == "pending" || j.Status == "running" {
		j.Status = "failure"
		j.Error = &JobError{Code: "JOB_CANCELLED", Msg: "Job cancelled by user"}
		j.script = nil
		j.UpdatedAt = time.Now()
	}
	out, _ := j.MarshalJSON()
	s.mu.Unlock()
	writeRaw(w, http.StatusOK, out)
}

func (s *Server) serveListJobs(w http.ResponseWriter) {
	s.mu.Lock()
	list := []json.RawMessage{}
	for _, id := range s.jobOrder {
		j := s.jobs[id]
		if j.Status == "pending" || j.Status == "running" {
			out, _ := j.MarshalJSON()
			list = append(list, out)
		}
	}
	wrap := s.wrapJobList
	s.mu.Unlock()
	if wrap {
		writeJSON(w, http.StatusOK, map[string]any{"jobs": list})
		return
	}
	writeJSON(w, http.StatusOK, list)
}

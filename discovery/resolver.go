package discovery

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/carto-mcp/carto-mcp/client"
)

// Source says where a connection's provider was learned.
type Source string

// The sources, in the order they are tried.
const (
	FromAPI    Source = "api"    // CARTO's GET /v3/connections (provider_id)
	FromConfig Source = "config" // the server's per-connection setting
	FromProbe  Source = "probe"  // a statement each warehouse answers differently
)

// Connection is what the server knows about one connection.
type Connection struct {
	Name     string
	Provider Provider // "" when it could not be learned
	Source   Source   // "" when Provider is ""
	// From CARTO's API, when it listed the connection.
	ID      string
	Privacy string
	CartoDW bool
	// Err is why the provider is unknown, set by List.
	Err error
}

// ErrUnknownProvider means no source could tell the connection's provider.
var ErrUnknownProvider = errors.New("the connection's warehouse could not be learned")

// maxScopes bounds the credentials whose answers are cached: with per-request
// tokens, each caller's connections are cached apart from the others'.
const maxScopes = 1024

// Resolver learns and caches the provider of every connection: from CARTO's
// connections API, then the configured providers, then a probe statement. An
// answer is cached for the life of the Resolver, per set of credentials (a
// connection name in one organization says nothing about another's). Safe for
// concurrent use.
type Resolver struct {
	config map[string]Provider
	log    *slog.Logger

	mu     sync.Mutex
	scopes map[string]*scope
}

// scope is the cache of one set of credentials.
type scope struct {
	mu       sync.Mutex
	listed   bool                  // the API was asked and answered (or refused for good)
	apiOK    bool                  // it answered with a list
	apiErr   error                 // why it did not, when it refused
	api      map[string]Connection // by name, when apiOK
	apiOrder []string
	probed   map[string]Provider
}

// NewResolver returns a Resolver that knows config (connection name →
// provider) and logs its fallbacks at debug level to log (nil: discard).
func NewResolver(config map[string]Provider, log *slog.Logger) *Resolver {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg := make(map[string]Provider, len(config))
	for k, v := range config {
		cfg[k] = v
	}
	return &Resolver{config: cfg, log: log, scopes: map[string]*scope{}}
}

// Configured returns the configured connection names, sorted.
func (r *Resolver) Configured() []string {
	names := make([]string, 0, len(r.config))
	for n := range r.config {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (r *Resolver) scope(ctx context.Context) *scope {
	key := ""
	if tok, ok := client.TokenFromContext(ctx); ok {
		sum := sha256.Sum256([]byte(tok))
		key = string(sum[:])
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.scopes[key]
	if s == nil {
		if len(r.scopes) >= maxScopes {
			for k := range r.scopes { // drop an arbitrary one: a cache, not state
				delete(r.scopes, k)
				break
			}
		}
		s = &scope{probed: map[string]Provider{}}
		r.scopes[key] = s
	}
	return s
}

// Listing is what List found.
type Listing struct {
	Connections []Connection
	// Complete is true when CARTO's API listed the connections.
	Complete bool
	// APIErr is why the API did not, when it did not.
	APIErr error
}

// List returns the connections CARTO's API lists; or, when the credentials
// cannot list them (an API access token), the configured connections plus
// extra (the default connection). Providers that neither the API nor the
// configuration give are probed; a failed probe leaves Provider empty and
// sets Err. Only the caller's cancellation is returned as an error.
func (r *Resolver) List(ctx context.Context, c *client.Client, extra ...string) (Listing, error) {
	s := r.scope(ctx)
	if err := r.loadAPI(ctx, c, s); err != nil {
		return Listing{}, err
	}
	s.mu.Lock()
	l := Listing{Complete: s.apiOK, APIErr: s.apiErr}
	names := append([]string(nil), s.apiOrder...)
	s.mu.Unlock()
	if !l.Complete {
		seen := map[string]bool{}
		for _, n := range append(r.Configured(), extra...) {
			if n != "" && !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	l.Connections = make([]Connection, 0, len(names))
	for _, n := range names {
		conn, err := r.Resolve(ctx, c, n)
		if ctx.Err() != nil {
			return Listing{}, ctx.Err()
		}
		conn.Name, conn.Err = n, err
		l.Connections = append(l.Connections, conn)
	}
	return l, nil
}

// Resolve returns what is known about conn, learning its provider on first use.
// An error wraps ErrUnknownProvider when every source was asked and none knew,
// or is the CARTO error that stopped the probe (connection not found, bad
// credentials).
func (r *Resolver) Resolve(ctx context.Context, c *client.Client, conn string) (Connection, error) {
	s := r.scope(ctx)
	if err := r.loadAPI(ctx, c, s); err != nil {
		return Connection{Name: conn}, err
	}
	s.mu.Lock()
	info, listed := s.api[conn]
	probed, wasProbed := s.probed[conn]
	s.mu.Unlock()
	if listed && info.Provider != "" {
		return info, nil
	}
	if listed {
		info.Provider, info.Source = "", ""
	} else {
		info = Connection{Name: conn}
	}
	if p, ok := r.config[conn]; ok {
		info.Provider, info.Source = p, FromConfig
		return info, nil
	}
	if wasProbed {
		info.Provider, info.Source = probed, FromProbe
		return info, nil
	}
	p, err := Probe(ctx, c, conn)
	if err != nil {
		return info, err
	}
	s.mu.Lock()
	s.probed[conn] = p
	s.mu.Unlock()
	info.Provider, info.Source = p, FromProbe
	return info, nil
}

// loadAPI asks CARTO for the connection list once per scope. A refusal (the
// credentials may not use the API) is remembered; a failure that may pass (the
// network, a 5xx) is not, and is not an error either: the other sources still
// work. Only the caller's own cancellation is returned.
func (r *Resolver) loadAPI(ctx context.Context, c *client.Client, s *scope) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listed {
		return nil
	}
	list, err := c.Connections.List(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r.log.DebugContext(ctx, "CARTO's connections API did not answer; falling back to configured providers and probes", "error", err)
		// A refusal lasts; anything else is tried again next time.
		s.listed, s.apiErr = IsRefusal(err), err
		return nil
	}
	s.listed, s.apiOK, s.apiErr = true, true, nil
	s.api = make(map[string]Connection, len(list))
	for _, lc := range list {
		conn := Connection{Name: lc.Name, ID: lc.ID, Privacy: lc.Privacy, CartoDW: lc.CartoDW}
		if p, err := ParseProvider(lc.ProviderID); err == nil {
			conn.Provider, conn.Source = p, FromAPI
		} else if lc.CartoDW {
			conn.Provider, conn.Source = BigQuery, FromAPI
		}
		if _, dup := s.api[lc.Name]; !dup {
			s.apiOrder = append(s.apiOrder, lc.Name)
		}
		s.api[lc.Name] = conn
	}
	return nil
}

// IsRefusal reports whether err is CARTO declining the connections API to
// these credentials (401 or 403: API access tokens may not use it) or not
// offering it (404), rather than a failure that may pass.
func IsRefusal(err error) bool {
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	switch apiErr.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
		return true
	}
	return false
}

// APIRefusal explains why CARTO's connections API was not used, or is "" when
// it was.
func APIRefusal(err error) string {
	var apiErr *client.APIError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound:
		return "this CARTO deployment does not offer the connections API"
	case IsRefusal(err):
		return "these credentials cannot list the organization's connections (CARTO's connections API needs an OAuth access token, and API access tokens are refused)"
	}
	return "CARTO's connections API failed: " + err.Error()
}

// A probe is a statement every warehouse either rejects or answers in its own
// way. They run in order until one tells; none reads a table.
var probes = []struct {
	sql   string
	match func(v string) (Provider, bool)
}{
	// PostgreSQL, Redshift ("PostgreSQL 8.0.2 on ... Redshift 1.0.x"), DuckDB
	// ("v1.3.2"), Databricks (Spark's "3.5.0 <git hash>").
	{"SELECT version() AS v", func(v string) (Provider, bool) {
		switch {
		case strings.Contains(v, "Redshift"):
			return Redshift, true
		case strings.Contains(v, "PostgreSQL"):
			return Postgres, true
		case duckdbVersion.MatchString(v):
			return DuckDB, true
		case sparkVersion.MatchString(v):
			return Databricks, true
		}
		return "", false
	}},
	// Snowflake: CURRENT_VERSION() returns its release, e.g. "8.41.2".
	{"SELECT CURRENT_VERSION() AS v", func(v string) (Provider, bool) {
		return Snowflake, snowflakeVersion.MatchString(v)
	}},
	// BigQuery: the @@project_id system variable.
	{"SELECT @@project_id AS v", func(v string) (Provider, bool) { return BigQuery, v != "" }},
}

var (
	duckdbVersion    = regexp.MustCompile(`^v\d+\.\d+\.\d+`)
	sparkVersion     = regexp.MustCompile(`^\d+\.\d+\.\d+ [0-9a-f]{6,}`)
	snowflakeVersion = regexp.MustCompile(`^\d+\.\d+\.\d+$`)
)

// ProbeStatements are the statements Probe may run, in order.
func ProbeStatements() []string {
	out := make([]string, len(probes))
	for i, p := range probes {
		out[i] = p.sql
	}
	return out
}

// Probe runs the probe statements on conn until one tells its provider. A
// warehouse error (HTTP 400) moves on to the next; any other failure stops
// the probe and is returned.
func Probe(ctx context.Context, c *client.Client, conn string) (Provider, error) {
	for _, p := range probes {
		res, err := c.Queries.Run(ctx, &client.QueryRequest{Connection: conn, SQL: p.sql}, client.QueryLimits{MaxRows: 1, MaxBytes: 4096})
		var apiErr *client.APIError
		if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusBadRequest {
			continue
		}
		if err != nil {
			return "", err
		}
		if len(res.Rows) == 1 && len(res.Rows[0]) == 1 {
			v := strings.Trim(string(res.Rows[0][0]), `"`)
			if prov, ok := p.match(v); ok {
				return prov, nil
			}
		}
	}
	return "", fmt.Errorf("%w: %q answered none of the probe statements as a known warehouse would", ErrUnknownProvider, conn)
}

// APIError is the error of the last attempt to list connections with ctx's
// credentials, or nil when it succeeded or was not made.
func (r *Resolver) APIError(ctx context.Context) error {
	s := r.scope(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.apiErr
}

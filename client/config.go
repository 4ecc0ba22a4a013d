package client

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults from CARTO's own API collection.
const (
	DefaultBaseURL  = "https://gcp-us-east1.api.carto.com"
	DefaultAuthURL  = "https://auth.carto.com"
	DefaultClientID = "carto-mcp"
	// OAuthAudience is the audience CARTO's auth server issues API tokens for.
	OAuthAudience = "carto-cloud-native-api"
)

// Environment variables read by ConfigFromEnv.
const (
	EnvBaseURL      = "CARTO_API_BASE_URL"
	EnvAccessToken  = "CARTO_API_ACCESS_TOKEN"
	EnvClientID     = "CARTO_CLIENT_ID"
	EnvClientSecret = "CARTO_CLIENT_SECRET"
	EnvAuthURL      = "CARTO_AUTH_URL"
	EnvConnection   = "CARTO_CONNECTION"
)

// Config is everything a Client needs. Only Token is required.
type Config struct {
	// BaseURL is the regional API base URL from the CARTO workspace's Developers
	// section, e.g. https://gcp-eu-west1.api.carto.com. Defaults to DefaultBaseURL.
	BaseURL string
	// Connection is the default connection name used when a call names none.
	Connection string
	// Token supplies the bearer token for every call.
	Token TokenSource
	// HTTPClient sends the requests. Deadlines come from the context of each call,
	// so it should have no overall Timeout. Defaults to a client with sane dial and
	// TLS timeouts.
	HTTPClient *http.Client
	// ClientID is sent as the client=<id> query parameter, as CARTO's own clients do,
	// so CARTO can attribute traffic. Defaults to DefaultClientID. It is not a secret.
	ClientID string
	// UserAgent is sent on every request. Defaults to "carto-mcp".
	UserAgent string
	// Retry bounds the retries of calls that are safe to repeat.
	Retry RetryPolicy
	// MaxConcurrentCalls bounds the calls in flight to CARTO at once (default 16),
	// so many agents on one server cannot flood the account's quota. A call waits
	// for a slot within its own context; the slot is held until its response body
	// is closed.
	MaxConcurrentCalls int
	// Logger receives one debug line per HTTP attempt. Defaults to a discarding logger.
	Logger *slog.Logger
}

// RetryPolicy bounds retries. Zero fields take the defaults shown.
type RetryPolicy struct {
	// MaxAttempts is the total number of attempts, the first included (default 4).
	// Set it to 1 to disable retries.
	MaxAttempts int
	// BaseDelay is the first backoff delay (default 200ms); it doubles each attempt.
	BaseDelay time.Duration
	// MaxDelay caps one backoff delay and one Retry-After wait (default 10s). A
	// Retry-After longer than this is not waited for: the error is returned with
	// RetryAfter set so the caller can decide.
	MaxDelay time.Duration
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 4
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = 200 * time.Millisecond
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 10 * time.Second
	}
	return p
}

// ConfigFromEnv builds a Config from the CARTO_* environment variables, read through
// getenv (os.Getenv in production). A missing or contradictory setting gives an error
// that names the variable to fix. The OAuth token source it builds uses httpClient
// (nil for the default).
func ConfigFromEnv(getenv func(string) string, httpClient *http.Client) (Config, error) {
	get := func(name string) string { return strings.TrimSpace(getenv(name)) }
	cfg := Config{
		BaseURL:    get(EnvBaseURL),
		Connection: get(EnvConnection),
		HTTPClient: httpClient,
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if _, err := parseBaseURL(cfg.BaseURL); err != nil {
		return Config{}, fmt.Errorf("%s: %w", EnvBaseURL, err)
	}

	token, id, secret := get(EnvAccessToken), get(EnvClientID), get(EnvClientSecret)
	switch {
	case token != "" && (id != "" || secret != ""):
		return Config{}, fmt.Errorf("both %s and %s/%s are set: use an API access token or an OAuth client, not both",
			EnvAccessToken, EnvClientID, EnvClientSecret)
	case token != "":
		cfg.Token = StaticToken(token)
	case id != "" && secret == "":
		return Config{}, fmt.Errorf("%s is set but %s is missing: an OAuth client needs both", EnvClientID, EnvClientSecret)
	case id == "" && secret != "":
		return Config{}, fmt.Errorf("%s is set but %s is missing: an OAuth client needs both", EnvClientSecret, EnvClientID)
	case id != "":
		authURL := get(EnvAuthURL)
		if authURL == "" {
			authURL = DefaultAuthURL
		}
		src, err := NewOAuthTokenSource(OAuthConfig{AuthURL: authURL, ClientID: id, ClientSecret: secret, HTTPClient: httpClient})
		if err != nil {
			return Config{}, fmt.Errorf("%s: %w", EnvAuthURL, err)
		}
		cfg.Token = src
	default:
		return Config{}, fmt.Errorf("no CARTO credentials: set %s (an API access token) or %s and %s (an OAuth client)",
			EnvAccessToken, EnvClientID, EnvClientSecret)
	}
	return cfg, nil
}

// ErrNoConnection is returned when a call names no connection and the client has no default.
var ErrNoConnection = errors.New("no connection given and no default connection configured (set " + EnvConnection + ")")

// parseBaseURL parses the API base URL. Surrounding space is ignored, and a
// trailing /v3 or /v3/sql, as CARTO's documentation writes endpoints, is
// removed: the client adds /v3/sql itself, and keeping it would send every call
// to /v3/v3/... (a 404 that looks like a wrong connection name).
func parseBaseURL(raw string) (*url.URL, error) {
	raw = strings.TrimRight(strings.TrimSpace(raw), "/")
	for _, suffix := range []string{"/v3/sql", "/v3"} {
		if cut, ok := strings.CutSuffix(raw, suffix); ok {
			raw = strings.TrimRight(cut, "/")
			break
		}
	}
	return parseURL(raw, DefaultBaseURL)
}

// parseURL checks an http(s) URL with a host and nothing else; example is
// shown in the error.
func parseURL(raw, example string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(raw), "/"))
	if err != nil {
		return nil, fmt.Errorf("invalid URL %q: %v", raw, err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("invalid URL %q: want https://host (for example %s)", raw, example)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		// Not echoing raw: it may hold credentials.
		return nil, fmt.Errorf("invalid URL for host %q: it must not carry credentials, a query or a fragment", u.Host)
	}
	return u, nil
}

// sendsInClear reports whether u is plain http:// to a host other than this
// machine, where a token or secret would cross the network unencrypted.
func sendsInClear(u *url.URL) bool {
	if u == nil || u.Scheme != "http" {
		return false
	}
	host := strings.ToLower(u.Hostname())
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}

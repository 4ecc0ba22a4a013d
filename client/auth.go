package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// TokenSource supplies the bearer token for CARTO calls.
type TokenSource interface {
	// Token returns a valid token, fetching or refreshing it if needed.
	Token(ctx context.Context) (string, error)
}

// RefreshableTokenSource is a TokenSource that can drop a token CARTO rejected,
// so the next Token call fetches a fresh one. The client refreshes once on a 401.
type RefreshableTokenSource interface {
	TokenSource
	// Invalidate forgets token if it is still the current one.
	Invalidate(token string)
}

// StaticToken is an API access token used as is.
type StaticToken string

// Token returns the token itself.
func (t StaticToken) Token(context.Context) (string, error) {
	if t == "" {
		return "", errors.New("empty API access token")
	}
	return string(t), nil
}

// String never reveals the token, so a StaticToken is safe to print by accident.
func (t StaticToken) String() string { return "StaticToken(redacted)" }

// GoString keeps %#v from printing the token.
func (t StaticToken) GoString() string { return t.String() }

// OAuthConfig configures an OAuth client-credentials token source.
type OAuthConfig struct {
	AuthURL      string // default DefaultAuthURL; the token endpoint is AuthURL + "/oauth/token"
	ClientID     string
	ClientSecret string
	Audience     string       // default OAuthAudience
	HTTPClient   *http.Client // default http.DefaultClient
	// RefreshBefore is how long before expiry a token is replaced (default 1 minute).
	RefreshBefore time.Duration
	// FetchTimeout bounds one token request (default 30s). A fetch is shared by all
	// callers waiting for it, so it runs on its own deadline, not on one caller's.
	FetchTimeout time.Duration
	now          func() time.Time // for tests
}

// OAuthTokenSource fetches tokens for an OAuth client (machine to machine) and
// caches each until shortly before it expires. Concurrent callers share one fetch.
type OAuthTokenSource struct {
	cfg      OAuthConfig
	endpoint string

	mu       sync.Mutex
	token    string
	expiry   time.Time
	inflight *tokenFetch
}

type tokenFetch struct {
	done  chan struct{}
	token string
	err   error
}

// NewOAuthTokenSource checks cfg and returns a token source. No request is made
// until the first Token call.
func NewOAuthTokenSource(cfg OAuthConfig) (*OAuthTokenSource, error) {
	if cfg.ClientID == "" || cfg.ClientSecret == "" {
		return nil, errors.New("an OAuth client needs both a client id and a client secret")
	}
	if cfg.AuthURL == "" {
		cfg.AuthURL = DefaultAuthURL
	}
	// The token endpoint as CARTO's documentation writes it is accepted too.
	cfg.AuthURL = strings.TrimSuffix(strings.TrimRight(strings.TrimSpace(cfg.AuthURL), "/"), "/oauth/token")
	u, err := parseURL(cfg.AuthURL, DefaultAuthURL)
	if err != nil {
		return nil, err
	}
	if cfg.Audience == "" {
		cfg.Audience = OAuthAudience
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	if cfg.RefreshBefore <= 0 {
		cfg.RefreshBefore = time.Minute
	}
	if cfg.FetchTimeout <= 0 {
		cfg.FetchTimeout = 30 * time.Second
	}
	if cfg.now == nil {
		cfg.now = time.Now
	}
	return &OAuthTokenSource{cfg: cfg, endpoint: u.String() + "/oauth/token"}, nil
}

// Token returns the cached token, or waits for a fetch shared with other callers.
func (s *OAuthTokenSource) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	if s.token != "" && s.cfg.now().Before(s.expiry) {
		tok := s.token
		s.mu.Unlock()
		return tok, nil
	}
	f := s.inflight
	if f == nil {
		f = &tokenFetch{done: make(chan struct{})}
		s.inflight = f
		go s.fetch(f)
	}
	s.mu.Unlock()

	select {
	case <-f.done:
		return f.token, f.err
	case <-ctx.Done():
		return "", fmt.Errorf("waiting for an OAuth token: %w", ctx.Err())
	}
}

// Invalidate drops token if it is still the cached one, so the next call refetches.
func (s *OAuthTokenSource) Invalidate(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token == token {
		s.token = ""
	}
}

func (s *OAuthTokenSource) fetch(f *tokenFetch) {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.FetchTimeout)
	defer cancel()
	tok, ttl, err := s.request(ctx)

	s.mu.Lock()
	if err == nil {
		s.token = tok
		s.expiry = s.cfg.now().Add(ttl - s.cfg.RefreshBefore)
		if ttl <= s.cfg.RefreshBefore {
			// A short-lived token is still used once rather than refetched forever.
			s.expiry = s.cfg.now().Add(ttl / 2)
		}
	}
	s.inflight = nil
	s.mu.Unlock()

	f.token, f.err = tok, err
	close(f.done)
}

type oauthTokenResponse struct {
	AccessToken      string      `json:"access_token"`
	ExpiresIn        json.Number `json:"expires_in"`
	TokenType        string      `json:"token_type"`
	Error            string      `json:"error"`
	ErrorDescription string      `json:"error_description"`
}

// request performs one token request. Errors name the status and the auth server's
// own error text, never the client secret.
func (s *OAuthTokenSource) request(ctx context.Context) (string, time.Duration, error) {
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {s.cfg.ClientID},
		"client_secret": {s.cfg.ClientSecret},
		"audience":      {s.cfg.Audience},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return "", 0, fmt.Errorf("oauth token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := s.cfg.HTTPClient.Do(req)
	if err != nil {
		return "", 0, &AuthServerError{URL: s.endpoint, Err: classifyTransportError(redactURLError(err), req.URL)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", 0, &AuthServerError{URL: s.endpoint, StatusCode: resp.StatusCode, Err: err}
	}
	var tr oauthTokenResponse
	jsonErr := json.Unmarshal(body, &tr)
	if resp.StatusCode != http.StatusOK {
		e := &AuthServerError{URL: s.endpoint, StatusCode: resp.StatusCode}
		if jsonErr == nil {
			e.Code, e.Description = tr.Error, tr.ErrorDescription
		}
		if (&APIError{StatusCode: resp.StatusCode}).Temporary() {
			return "", 0, temporaryAuthError{e}
		}
		return "", 0, e
	}
	if jsonErr != nil || tr.AccessToken == "" {
		return "", 0, &AuthServerError{URL: s.endpoint, StatusCode: resp.StatusCode, Err: errors.New("the answer has no access_token")}
	}
	ttl := time.Hour
	if secs, err := tr.ExpiresIn.Int64(); err == nil && secs > 0 {
		ttl = time.Duration(secs) * time.Second
	}
	return tr.AccessToken, ttl, nil
}

// AuthServerError is a failure to get a token from the OAuth server
// (CARTO_AUTH_URL): no answer (Err holds why), or an answer refusing one. It
// never holds the client secret.
type AuthServerError struct {
	// URL is the token endpoint.
	URL string
	// StatusCode is the HTTP status of the answer, 0 when none came.
	StatusCode int
	// Code and Description are the OAuth error ("invalid_client"), when sent.
	Code, Description string
	// Err is the cause, when there was no usable answer.
	Err error
}

func (e *AuthServerError) Error() string {
	switch {
	case e.StatusCode == 0:
		return fmt.Sprintf("oauth token request to %s: %v", e.URL, e.Err)
	case e.Err != nil:
		return fmt.Sprintf("oauth token response from %s (HTTP %d): %v", e.URL, e.StatusCode, e.Err)
	}
	what := strings.Trim(e.Code+": "+e.Description, ": ")
	if what == "" {
		what = "the response was not an OAuth error document"
	}
	msg := fmt.Sprintf("oauth token request to %s failed with HTTP %d (%s)", e.URL, e.StatusCode, what)
	if e.Rejected() {
		msg += fmt.Sprintf(": check %s and %s", EnvClientID, EnvClientSecret)
	}
	return msg
}

func (e *AuthServerError) Unwrap() error { return e.Err }

// Rejected reports whether the OAuth server refused the client (a 4xx answer
// other than 408 and 429, such as 401 invalid_client): a credentials problem
// that asking again will not change.
func (e *AuthServerError) Rejected() bool {
	return e.StatusCode >= 400 && e.StatusCode < 500 && e.StatusCode != http.StatusRequestTimeout && e.StatusCode != http.StatusTooManyRequests
}

// temporaryAuthError is an auth server answer worth retrying (429, 502, 503, 504);
// IsRetryable reports it, so the client retries the call as for a network error.
type temporaryAuthError struct{ error }

func (e temporaryAuthError) Unwrap() error { return e.error }

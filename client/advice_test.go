package client

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/cartofake"
)

// The client's errors say what failed, so that the tools can give the right
// advice (issue 15, items 8 to 14).

// Item 8: a refused OAuth client is a credentials problem, marked as such.
func TestOAuthRejectionIsACredentialsError(t *testing.T) {
	t.Parallel()
	srv := cartofake.New(t, cartofake.WithOAuthClient(oauthID, oauthSecret, time.Hour))
	srv.Inject(cartofake.Fault{PathSuffix: "/oauth/token", Status: 401,
		Body: `{"error":"invalid_client","error_description":"Unauthorized"}`})
	src, err := NewOAuthTokenSource(OAuthConfig{AuthURL: srv.URL, ClientID: oauthID, ClientSecret: "wrong", HTTPClient: srv.Client()})
	require.NoError(t, err)
	c := newTestClient(t, srv, withToken(src))
	_, err = c.Jobs.List(testCtx(t))
	var authErr *AuthServerError
	require.ErrorAs(t, err, &authErr)
	assert.True(t, authErr.Rejected())
	assert.Equal(t, "invalid_client", authErr.Code)
	assert.False(t, IsRetryable(err))
	assert.Len(t, srv.RequestsTo("", "/oauth/token"), 1, "not retried")
}

// Item 9: an unreachable OAuth server is an AuthServerError, not a CARTO
// network error.
func TestUnreachableOAuthServerIsNamed(t *testing.T) {
	t.Parallel()
	srv := cartofake.New(t)
	dead := cartofake.UnreachableURL(t)
	src, err := NewOAuthTokenSource(OAuthConfig{AuthURL: dead, ClientID: "id", ClientSecret: "s"})
	require.NoError(t, err)
	c := newTestClient(t, srv, withToken(src))
	_, err = c.Jobs.List(testCtx(t))
	var authErr *AuthServerError
	require.ErrorAs(t, err, &authErr)
	assert.False(t, authErr.Rejected())
	assert.Equal(t, dead+"/oauth/token", authErr.URL)
	assert.True(t, IsRetryable(err))
}

// Item 10: an https:// URL whose server speaks plain HTTP, or presents a
// certificate that cannot be verified, is ErrTLS, and is not retried.
func TestTLSFailuresAreConfigurationErrors(t *testing.T) {
	t.Parallel()
	plain := cartofake.New(t)
	counter := newDialCounter(t, 0)
	c := newTestClient(t, plain, withBaseURL(strings.Replace(plain.URL, "http://", "https://", 1)), withHTTPClient(counter.client))
	_, err := c.Jobs.List(testCtx(t))
	require.ErrorIs(t, err, ErrTLS)
	assert.Contains(t, err.Error(), "plain HTTP")
	assert.False(t, IsRetryable(err))
	assert.Equal(t, int32(1), counter.dials.Load(), "a TLS failure is not retried")

	selfSigned := httptest.NewTLSServer(http.NotFoundHandler())
	defer selfSigned.Close()
	c = newTestClient(t, plain, withBaseURL(selfSigned.URL), withHTTPClient(&http.Client{}))
	_, err = c.Jobs.List(testCtx(t))
	require.ErrorIs(t, err, ErrTLS)
	assert.Contains(t, err.Error(), "certificate")

	// The same for the OAuth server.
	src, err := NewOAuthTokenSource(OAuthConfig{AuthURL: selfSigned.URL, ClientID: "id", ClientSecret: "s", HTTPClient: &http.Client{}})
	require.NoError(t, err)
	c = newTestClient(t, plain, withToken(src))
	_, err = c.Jobs.List(testCtx(t))
	var authErr *AuthServerError
	require.ErrorAs(t, err, &authErr)
	assert.ErrorIs(t, err, ErrTLS)
	assert.Empty(t, plain.Requests())
}

// Item 11: a call that ran out of time waiting for a slot says it was never sent.
func TestSlotWaitTimeoutIsErrBusy(t *testing.T) {
	t.Parallel()
	gate := make(chan struct{})
	var once sync.Once
	arrived := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(arrived) })
		select {
		case <-gate:
		case <-r.Context().Done():
			return
		}
		w.Write([]byte(`[]`))
	}))
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL, Token: StaticToken("t"), MaxConcurrentCalls: 1})
	require.NoError(t, err)
	held := make(chan error, 1)
	go func() { _, err := c.Jobs.List(context.Background()); held <- err }()
	<-arrived

	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	_, err = c.Jobs.List(ctx)
	assert.ErrorIs(t, err, ErrBusy)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	close(gate)
	require.NoError(t, <-held)

	// Nor is a call whose time ran out before it asked for a free slot (as on
	// a busy machine, where a short deadline can pass before the call starts).
	ctx, cancel = context.WithTimeout(context.Background(), -time.Second)
	defer cancel()
	for range 20 { // a select between the free slot and ctx would pick at random
		_, err = c.Jobs.List(ctx)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		require.False(t, errors.Is(err, ErrBusy), "a slot was free: %v", err)
	}

	// A call that timed out after it was sent is not ErrBusy.
	slow := cartofake.New(t)
	slow.Inject(cartofake.Fault{Delay: time.Hour})
	c = newTestClient(t, slow)
	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = c.Jobs.List(ctx)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.False(t, errors.Is(err, ErrBusy))
}

// Item 12: a base URL ending in /v3 (as CARTO's documentation writes
// endpoints) or /v3/sql, or with surrounding space (item 13), is accepted and
// calls go to the right paths; the OAuth token endpoint likewise.
func TestBaseURLAsWrittenInCARTOsDocs(t *testing.T) {
	t.Parallel()
	srv := cartofake.New(t, cartofake.WithOAuthClient(oauthID, oauthSecret, time.Hour))
	srv.SetQueryResult("SELECT 1", testCols, [][]any{{1, "a", 2}})
	for _, base := range []string{srv.URL + "/v3", srv.URL + "/v3/", srv.URL + "/v3/sql", " " + srv.URL + "/v3/sql/ ", "\t" + srv.URL + "\n"} {
		src, err := NewOAuthTokenSource(OAuthConfig{AuthURL: srv.URL + "/oauth/token", ClientID: oauthID, ClientSecret: oauthSecret, HTTPClient: srv.Client()})
		require.NoError(t, err)
		c := newTestClient(t, srv, withBaseURL(base), withToken(src), func(c *Config) { c.Connection = " conn " })
		assert.Equal(t, srv.URL, c.BaseURL(), "%q", base)
		_, err = c.Queries.Run(testCtx(t), &QueryRequest{SQL: "SELECT 1"}, QueryLimits{})
		require.NoError(t, err, "%q", base)
	}
	for _, r := range srv.Requests() {
		assert.NotContains(t, r.Path, "/v3/v3")
		assert.NotContains(t, r.Path, "/oauth/token/oauth")
	}
	assert.Len(t, srv.RequestsTo("POST", "/v3/sql/conn/query"), 5)

	// A path prefix before /v3 (a proxy) is kept.
	c, err := New(Config{BaseURL: "https://proxy.example.com/carto/v3", Token: StaticToken("t")})
	require.NoError(t, err)
	assert.Equal(t, "https://proxy.example.com/carto", c.BaseURL())

	cfg, err := ConfigFromEnv(func(k string) string {
		return map[string]string{EnvBaseURL: " https://gcp-us-east1.api.carto.com/v3 ", EnvAccessToken: "t"}[k]
	}, nil)
	require.NoError(t, err)
	c, err = New(cfg)
	require.NoError(t, err)
	assert.Equal(t, "https://gcp-us-east1.api.carto.com", c.BaseURL())
}

// Item 13: an answer to a call made with the caller's own token says so.
func TestAPIErrorSaysWhoseTokenWasUsed(t *testing.T) {
	t.Parallel()
	srv := cartofake.New(t)
	c := newTestClient(t, srv, withToken(RequestTokenSource{}))
	_, err := c.Jobs.List(ContextWithToken(testCtx(t), "someone-elses-token"))
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusForbidden, apiErr.StatusCode)
	assert.True(t, apiErr.CallerToken)

	c = newTestClient(t, srv, withToken(StaticToken("server-token")))
	_, err = c.Jobs.List(testCtx(t))
	require.ErrorAs(t, err, &apiErr)
	assert.False(t, apiErr.CallerToken)
}

// Item 14: plain http:// to another host would carry tokens in cleartext.
func TestCleartextURLs(t *testing.T) {
	t.Parallel()
	for base, clear := range map[string]bool{
		"https://gcp-us-east1.api.carto.com": false,
		"http://carto.example.com":           true,
		"http://10.0.0.7:8080":               true,
		"http://127.0.0.1:8080":              false,
		"http://[::1]:8080":                  false,
		"http://localhost:8080":              false,
		"http://api.localhost":               false,
	} {
		c, err := New(Config{BaseURL: base, Token: StaticToken("t")})
		require.NoError(t, err)
		assert.Equal(t, clear, len(c.CleartextURLs()) == 1, base)
	}
	src, err := NewOAuthTokenSource(OAuthConfig{AuthURL: "http://auth.example.com", ClientID: "id", ClientSecret: "s"})
	require.NoError(t, err)
	c, err := New(Config{BaseURL: "https://api.example.com", Token: src})
	require.NoError(t, err)
	assert.Equal(t, []string{"http://auth.example.com/oauth/token"}, c.CleartextURLs())
}

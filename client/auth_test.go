package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/cartofake"

	"github.com/carto-mcp/carto-mcp/internal/testctx"

	"github.com/carto-mcp/carto-mcp/internal/syncbuf"
)

const (
	oauthID     = "m2m-client-id"
	oauthSecret = "m2m-client-secret-do-not-leak"
)

// fakeClock is a settable clock for the OAuth token source.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newOAuth(t *testing.T, srv *cartofake.Server, clock *fakeClock) *OAuthTokenSource {
	t.Helper()
	cfg := OAuthConfig{AuthURL: srv.URL, ClientID: oauthID, ClientSecret: oauthSecret, HTTPClient: srv.Client()}
	if clock != nil {
		cfg.now = clock.Now
	}
	src, err := NewOAuthTokenSource(cfg)
	require.NoError(t, err)
	return src
}

func TestOAuthTokenRequest(t *testing.T) {
	t.Parallel()
	srv := cartofake.New(t, cartofake.WithToken(""), cartofake.WithOAuthClient(oauthID, oauthSecret, time.Hour))
	srv.SetQueryResult("SELECT 1", testCols, [][]any{{1, "a", 2}})
	c := newTestClient(t, srv, withToken(newOAuth(t, srv, nil)))

	_, err := c.Queries.Run(testCtx(t), &QueryRequest{SQL: "SELECT 1"}, QueryLimits{})
	require.NoError(t, err)
	assert.Equal(t, 1, srv.TokensIssued())

	reqs := srv.RequestsTo(http.MethodPost, "/oauth/token")
	require.Len(t, reqs, 1)
	r := reqs[0]
	assert.Equal(t, "/oauth/token", r.Path)
	assert.Empty(t, r.RawQuery, "credentials go in the form body, not the URL")
	assert.Equal(t, "application/x-www-form-urlencoded", r.Header.Get("Content-Type"))
	form, err := url.ParseQuery(string(r.Body))
	require.NoError(t, err)
	assert.Equal(t, url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {oauthID},
		"client_secret": {oauthSecret},
		"audience":      {"carto-cloud-native-api"},
	}, form)

	q := srv.RequestsTo(http.MethodPost, "/query")
	require.Len(t, q, 1)
	assert.True(t, strings.HasPrefix(q[0].Header.Get("Authorization"), "Bearer cartofake-oauth-token-"))
}

func TestOAuthCaching(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		expiresIn time.Duration
		advance   time.Duration // clock moves by this after the first token
		wantFetch int
	}{
		{name: "cached", expiresIn: time.Hour, advance: 30 * time.Minute, wantFetch: 1},
		{name: "just before the refresh margin", expiresIn: time.Hour, advance: 59*time.Minute - time.Nanosecond, wantFetch: 1},
		{name: "at the refresh margin (1 minute before expiry)", expiresIn: time.Hour, advance: 59 * time.Minute, wantFetch: 2},
		{name: "after expiry", expiresIn: time.Hour, advance: 2 * time.Hour, wantFetch: 2},
		{name: "short-lived token used for half its life", expiresIn: 40 * time.Second, advance: 19 * time.Second, wantFetch: 1},
		{name: "short-lived token past half its life", expiresIn: 40 * time.Second, advance: 20 * time.Second, wantFetch: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := cartofake.New(t, cartofake.WithOAuthClient(oauthID, oauthSecret, tt.expiresIn))
			clock := &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
			src := newOAuth(t, srv, clock)
			tok1, err := src.Token(testCtx(t))
			require.NoError(t, err)
			tok2, err := src.Token(testCtx(t))
			require.NoError(t, err)
			assert.Equal(t, tok1, tok2)
			clock.Add(tt.advance)
			tok3, err := src.Token(testCtx(t))
			require.NoError(t, err)
			assert.Equal(t, tt.wantFetch, srv.TokensIssued())
			assert.Equal(t, tt.wantFetch == 1, tok1 == tok3)
		})
	}
}

func TestOAuthRefreshOnceOn401(t *testing.T) {
	t.Parallel()
	t.Run("expired token is refreshed and the call repeated", func(t *testing.T) {
		t.Parallel()
		srv := cartofake.New(t, cartofake.WithToken(""), cartofake.WithOAuthClient(oauthID, oauthSecret, time.Hour))
		srv.SetQueryResult("SELECT 1", testCols, [][]any{{1, "a", 2}})
		c := newTestClient(t, srv, withToken(newOAuth(t, srv, nil)), withRetry(RetryPolicy{MaxAttempts: 1}))
		ctx := testCtx(t)
		_, err := c.Queries.Run(ctx, &QueryRequest{SQL: "SELECT 1"}, QueryLimits{})
		require.NoError(t, err)
		srv.ExpireTokens()
		// Even a POST query (never retried otherwise) and a job creation are repeated
		// after a 401: CARTO refused them before running anything.
		res, err := c.Queries.Run(ctx, &QueryRequest{SQL: "SELECT 1"}, QueryLimits{})
		require.NoError(t, err)
		assert.Len(t, res.Rows, 1)
		assert.Equal(t, 2, srv.TokensIssued())
		srv.ExpireTokens()
		_, err = c.Jobs.Create(ctx, &CreateJobRequest{SQL: "CALL x()"})
		require.NoError(t, err)
		assert.Equal(t, 3, srv.TokensIssued())
		assert.Len(t, srv.Jobs(), 1)
		assert.Len(t, srv.RequestsTo(http.MethodPost, "/query"), 3)
	})
	t.Run("a second 401 is returned", func(t *testing.T) {
		t.Parallel()
		srv := cartofake.New(t, cartofake.WithOAuthClient(oauthID, oauthSecret, time.Hour))
		srv.Inject(cartofake.Fault{PathSuffix: "/query", Status: 401, Body: `{"error":"Unauthorized","status":401}`})
		c := newTestClient(t, srv, withToken(newOAuth(t, srv, nil)))
		_, err := c.Queries.Run(testCtx(t), &QueryRequest{SQL: "SELECT 1", Cached: true}, QueryLimits{})
		var apiErr *APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, 401, apiErr.StatusCode)
		assert.Len(t, srv.RequestsTo("", "/query"), 2, "one refresh, not a loop")
		assert.Equal(t, 2, srv.TokensIssued())
	})
	t.Run("a static token is not refreshed", func(t *testing.T) {
		t.Parallel()
		srv := cartofake.New(t)
		c := newTestClient(t, srv, withToken(StaticToken("wrong-static-token")))
		_, err := c.Queries.Run(testCtx(t), &QueryRequest{SQL: "SELECT 1"}, QueryLimits{})
		var apiErr *APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, 403, apiErr.StatusCode)
		assert.Equal(t, "You don't have permissions to read this resource", apiErr.Message)
		assert.Len(t, srv.Requests(), 1)
	})
}

func TestOAuthConcurrentCallersShareOneFetch(t *testing.T) {
	t.Parallel()
	srv := cartofake.New(t, cartofake.WithToken(""), cartofake.WithOAuthClient(oauthID, oauthSecret, time.Hour))
	// Hold the token response back so that every caller is waiting on it.
	release := make(chan struct{})
	srv.Inject(cartofake.Fault{PathSuffix: "/oauth/token", Times: 1, Match: func(*http.Request) bool {
		<-release
		return false
	}})
	srv.SetQueryResult("SELECT 1", testCols, [][]any{{1, "a", 2}})
	c := newTestClient(t, srv, withToken(newOAuth(t, srv, nil)))

	const n = 32
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			_, err := c.Queries.Run(testCtx(t), &QueryRequest{SQL: "SELECT 1"}, QueryLimits{})
			errs <- err
		})
	}
	// Wait (bounded) until the fetch is in flight, then let it finish.
	deadline := time.Now().Add(testctx.Remaining(t))
	for len(srv.RequestsTo("", "/oauth/token")) == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, 1, srv.TokensIssued())
	assert.Len(t, srv.RequestsTo("", "/oauth/token"), 1)
	assert.Len(t, srv.RequestsTo("", "/query"), n)
}

func TestOAuthErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		id       string
		secret   string
		fault    *cartofake.Fault
		wantText []string
		wantReqs int // token requests: 1 for a permanent failure, MaxAttempts for a temporary one
	}{
		{name: "wrong secret", id: oauthID, secret: "wrong-secret-value", wantText: []string{"HTTP 401", "access_denied", EnvClientID, EnvClientSecret},
			wantReqs: 1},
		{name: "html from the auth server", id: oauthID, secret: oauthSecret,
			fault:    &cartofake.Fault{PathSuffix: "/oauth/token", Status: 502, Body: "<html>bad gateway</html>", ContentType: "text/html"},
			wantText: []string{"HTTP 502", "not an OAuth error document"}, wantReqs: fastRetry.MaxAttempts},
		{name: "200 without a token", id: oauthID, secret: oauthSecret,
			fault:    &cartofake.Fault{PathSuffix: "/oauth/token", Status: 200, Body: `{"token_type":"Bearer"}`},
			wantText: []string{"no access_token"}, wantReqs: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := cartofake.New(t, cartofake.WithOAuthClient(oauthID, oauthSecret, time.Hour))
			if tt.fault != nil {
				srv.Inject(*tt.fault)
			}
			src, err := NewOAuthTokenSource(OAuthConfig{AuthURL: srv.URL, ClientID: tt.id, ClientSecret: tt.secret, HTTPClient: srv.Client()})
			require.NoError(t, err)
			c := newTestClient(t, srv, withToken(src))
			_, err = c.Queries.Run(testCtx(t), &QueryRequest{SQL: "SELECT 1"}, QueryLimits{})
			require.Error(t, err)
			assert.Len(t, srv.RequestsTo("", "/oauth/token"), tt.wantReqs)
			for _, w := range tt.wantText {
				assert.Contains(t, err.Error(), w)
			}
			assert.NotContains(t, err.Error(), tt.secret)
			assert.Empty(t, srv.RequestsTo("", "/query"), "no API call without a token")
		})
	}
	_, err := NewOAuthTokenSource(OAuthConfig{ClientID: "id"})
	assert.Error(t, err)
}

// TestTokenNeverLeaks drives every kind of failure with a debug logger attached
// and checks the token appears in no URL, no error string, no log line, and not
// in what an *APIError holds.
func TestTokenNeverLeaks(t *testing.T) {
	t.Parallel()
	type scenario struct {
		name  string
		fault *cartofake.Fault
		call  func(ctx context.Context, c *Client) error
	}
	runQ := func(cached bool) func(ctx context.Context, c *Client) error {
		return func(ctx context.Context, c *Client) error {
			_, err := c.Queries.Run(ctx, &QueryRequest{SQL: "SELECT 1", Cached: cached}, QueryLimits{})
			return err
		}
	}
	scenarios := []scenario{
		{name: "ok POST", call: runQ(false)},
		{name: "ok GET", call: runQ(true)},
		{name: "unknown SQL", call: func(ctx context.Context, c *Client) error {
			_, err := c.Queries.Run(ctx, &QueryRequest{SQL: "SELECT nope"}, QueryLimits{})
			return err
		}},
		{name: "503 retried", fault: &cartofake.Fault{Status: 503, Body: `{"error":"busy"}`}, call: runQ(true)},
		{name: "html 502", fault: &cartofake.Fault{Status: 502, Body: "<html><title>Bad</title></html>", ContentType: "text/html"}, call: runQ(false)},
		{name: "dropped", fault: &cartofake.Fault{DropConnection: true}, call: runQ(true)},
		{name: "truncated", fault: &cartofake.Fault{TruncateAfter: 5}, call: runQ(false)},
		{name: "invalid", fault: &cartofake.Fault{Status: 200, Body: "nope"}, call: runQ(false)},
		{name: "job create", call: func(ctx context.Context, c *Client) error {
			_, err := c.Jobs.Create(ctx, &CreateJobRequest{SQL: "CALL x()"})
			return err
		}},
		{name: "job get 404", call: func(ctx context.Context, c *Client) error {
			_, err := c.Jobs.Get(ctx, "", "nope")
			return err
		}},
		{name: "list 429", fault: &cartofake.Fault{Status: 429, RetryAfter: "3600"}, call: func(ctx context.Context, c *Client) error {
			_, err := c.Jobs.List(ctx)
			return err
		}},
		{name: "cancelled mid-delay", fault: &cartofake.Fault{Delay: time.Hour}, call: func(ctx context.Context, c *Client) error {
			ctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
			defer cancel()
			return runQ(false)(ctx, c)
		}},
	}
	for _, auth := range []string{"static", "oauth"} {
		for _, sc := range scenarios {
			t.Run(auth+"/"+sc.name, func(t *testing.T) {
				t.Parallel()
				var opts []cartofake.Option
				if auth == "oauth" {
					opts = append(opts, cartofake.WithToken(""), cartofake.WithOAuthClient(oauthID, oauthSecret, time.Hour))
				}
				srv := cartofake.New(t, opts...)
				srv.SetQueryResult("SELECT 1", testCols, [][]any{{1, "a", 2}})
				if sc.fault != nil {
					f := *sc.fault
					if f.PathSuffix == "" {
						f.Match = func(r *http.Request) bool { return r.URL.Path != "/oauth/token" }
					}
					srv.Inject(f)
				}
				logs := &syncbuf.Buffer{}
				copts := []clientOpt{withLogger(debugLogger(logs))}
				if auth == "oauth" {
					copts = append(copts, withToken(newOAuth(t, srv, nil)))
				}
				c := newTestClient(t, srv, copts...)
				if auth == "oauth" {
					// Fetch the token first: the scenario's deadline (20 ms for
					// "cancelled mid-delay") must cover the CARTO call, not a token
					// fetch that a loaded machine can make slower than that.
					_, err := c.token.Token(testCtx(t))
					require.NoError(t, err)
				}
				err := sc.call(testCtx(t), c)

				var secrets []string
				if auth == "static" {
					secrets = []string{cartofake.DefaultToken}
				} else {
					secrets = []string{oauthSecret, "cartofake-oauth-token-"}
				}
				for _, r := range srv.Requests() {
					if r.Path == "/oauth/token" {
						continue // the secret is meant to be in this form body
					}
					// The token was sent, in the header only.
					assert.Contains(t, r.Header.Get("Authorization"), "Bearer ")
					for _, s := range secrets {
						assert.NotContains(t, r.Path+"?"+r.RawQuery, s)
						assert.NotContains(t, string(r.Body), s)
					}
				}
				assert.Contains(t, logs.String(), "carto request", "the debug log has lines")
				for _, s := range secrets {
					assert.NotContains(t, logs.String(), s, "log output")
					if err != nil {
						assert.NotContains(t, err.Error(), s, "error string")
						assert.NotContains(t, fmt.Sprintf("%+v", err), s)
					}
				}
				var apiErr *APIError
				if err != nil && errors.As(err, &apiErr) && apiErr.Response != nil && apiErr.Response.Request != nil {
					for _, s := range secrets {
						assert.NotContains(t, fmt.Sprint(apiErr.Response.Request.Header), s, "APIError.Response.Request.Header")
					}
				}
			})
		}
	}
}

// countingSource counts Token calls and returns err.
type countingSource struct {
	calls atomic.Int32
	err   error
}

func (s *countingSource) Token(context.Context) (string, error) {
	s.calls.Add(1)
	return "", s.err
}

// A token source that fails for good (no token in the request's context, a
// rejected OAuth client) is not asked again and again with backoff: only a
// network failure to reach the auth server is worth retrying.
func TestTokenErrorsNotRetried(t *testing.T) {
	t.Parallel()
	t.Run("permanent", func(t *testing.T) {
		t.Parallel()
		srv := cartofake.New(t)
		for _, o := range ops {
			src := &countingSource{err: errors.New("client rejected")}
			c := newTestClient(t, srv, withToken(src))
			err := o.run(testCtx(t), c, "job_000001")
			assert.ErrorContains(t, err, "client rejected", o.name)
			assert.Equal(t, int32(1), src.calls.Load(), o.name)
		}
		assert.Empty(t, srv.Requests())
	})
	t.Run("request token missing", func(t *testing.T) {
		t.Parallel()
		srv := cartofake.New(t)
		srv.SetQueryResult("SELECT 1", testCols, [][]any{{1, "a", 2}})
		c := newTestClient(t, srv, withToken(RequestTokenSource{}))
		_, err := c.Queries.Run(testCtx(t), &QueryRequest{SQL: "SELECT 1"}, QueryLimits{})
		assert.ErrorIs(t, err, ErrNoRequestToken)
		res, err := c.Queries.Run(ContextWithToken(testCtx(t), cartofake.DefaultToken), &QueryRequest{SQL: "SELECT 1"}, QueryLimits{})
		require.NoError(t, err)
		assert.Len(t, res.Rows, 1)
		assert.Len(t, srv.Requests(), 1)
	})
	t.Run("auth server 503 is retried", func(t *testing.T) {
		t.Parallel()
		srv := cartofake.New(t, cartofake.WithOAuthClient(oauthID, oauthSecret, time.Hour))
		srv.Inject(cartofake.Fault{PathSuffix: "/oauth/token", Times: 1, Status: 503, Body: "<html>down</html>", ContentType: "text/html"})
		c := newTestClient(t, srv, withToken(newOAuth(t, srv, nil)))
		_, err := c.Jobs.List(testCtx(t))
		require.NoError(t, err)
		assert.Len(t, srv.RequestsTo("", "/oauth/token"), 2)
		assert.Equal(t, 1, srv.TokensIssued())
	})
	t.Run("auth server unreachable is retried", func(t *testing.T) {
		t.Parallel()
		srv := cartofake.New(t)
		src, err := NewOAuthTokenSource(OAuthConfig{AuthURL: cartofake.UnreachableURL(t), ClientID: "id", ClientSecret: "s"})
		require.NoError(t, err)
		c := newTestClient(t, srv, withToken(src))
		_, err = c.Jobs.List(testCtx(t))
		require.Error(t, err)
		assert.True(t, errors.Is(err, syscall.ECONNREFUSED), "%v", err)
		assert.True(t, IsRetryable(err))
	})
}

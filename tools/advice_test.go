package tools_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/cartofake"
	"github.com/carto-mcp/carto-mcp/client"
	"github.com/carto-mcp/carto-mcp/tools"
)

// Advice that used to send the model the wrong way (issue 15, items 8 to 13):
// each failure names its real cause and the setting to check, and says
// whether retrying can help.

func oauthEnv(t *testing.T, authURL, secret string, fake *cartofake.Server) *env {
	t.Helper()
	return newEnvOn(t, fake, withClientConfig(func(c *client.Config) {
		src, err := client.NewOAuthTokenSource(client.OAuthConfig{AuthURL: authURL, ClientID: "mcp-client", ClientSecret: secret, HTTPClient: fake.Client()})
		require.NoError(t, err)
		c.Token = src
	}))
}

// Item 8: a 401 invalid_client from the OAuth server is a credentials problem.
func TestAdviceOAuthClientRejected(t *testing.T) {
	t.Parallel()
	fake := cartofake.New(t, cartofake.WithOAuthClient("mcp-client", "right-secret", time.Hour))
	fake.Inject(cartofake.Fault{PathSuffix: "/oauth/token", Status: 401, Body: `{"error":"invalid_client","error_description":"Unauthorized"}`})
	e := oauthEnv(t, fake.URL, "wrong-secret", fake)
	for _, name := range tools.ToolNames {
		text := e.failed(e.call(name, callArgs[name]))
		assert.Empty(t, missing(text, "invalid_client", "credentials problem", "retrying will not help", "CARTO_CLIENT_ID", "CARTO_CLIENT_SECRET"), "%s: %s", name, text)
		assert.NotContains(t, strings.ToLower(text), "may be temporary", name)
		assert.NotContains(t, text, "wrong-secret")
	}
	assert.Empty(t, missing(e.failed(e.call(tools.ToolSubmitJob, callArgs[tools.ToolSubmitJob])), "not submitted"))
}

// Item 9: an unreachable OAuth server points at CARTO_AUTH_URL.
func TestAdviceOAuthServerUnreachable(t *testing.T) {
	t.Parallel()
	fake := cartofake.New(t)
	e := oauthEnv(t, cartofake.UnreachableURL(t), "secret", fake)
	text := e.failed(e.call(tools.ToolRunQuery, callArgs[tools.ToolRunQuery]))
	assert.Empty(t, missing(text, "OAuth server", "CARTO_AUTH_URL", "retry"), text)
	assert.NotContains(t, text, "CARTO_API_BASE_URL")
}

// Item 10: an https:// base URL on a plain-HTTP server is not temporary.
func TestAdviceHTTPSOnPlainHTTP(t *testing.T) {
	t.Parallel()
	fake := cartofake.New(t)
	e := newEnvOn(t, fake, withClientConfig(func(c *client.Config) {
		c.BaseURL = strings.Replace(fake.URL, "http://", "https://", 1)
	}))
	for _, name := range tools.ToolNames {
		text := e.failed(e.call(name, callArgs[name]))
		assert.Empty(t, missing(text, "plain HTTP", "configuration problem", "retrying will not help", "CARTO_API_BASE_URL"), "%s: %s", name, text)
		assert.NotContains(t, strings.ToLower(text), "may be temporary", name)
		assert.NotContains(t, strings.ToLower(text), "temporary failure", name)
	}
}

// Item 11: a call that timed out waiting for a concurrency slot was never sent.
func TestAdviceBusySlots(t *testing.T) {
	t.Parallel()
	gate := make(chan struct{})
	arrived := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case arrived <- struct{}{}:
		default:
		}
		select {
		case <-gate:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	fake := cartofake.New(t)
	e := newEnvOn(t, fake, withClientConfig(func(c *client.Config) {
		c.BaseURL, c.HTTPClient, c.MaxConcurrentCalls = srv.URL, srv.Client(), 1
	}), withOptions(func(o *tools.Options) { o.CallTimeout = 200 * time.Millisecond }))
	// Another call holds the only slot until the gate opens.
	held := make(chan struct{})
	go func() {
		defer close(held)
		_, _ = e.carto.Jobs.List(context.Background())
	}()
	<-arrived
	for _, name := range []string{tools.ToolRunQuery, tools.ToolSubmitJob} {
		text := e.failed(e.call(name, callArgs[name]))
		assert.Empty(t, missing(text, "never sent", "nothing ran", "concurrent calls"), "%s: %s", name, text)
		assert.NotContains(t, text, "may still be running", name)
		assert.NotContains(t, text, "may or may not have been created", name)
	}
	close(gate)
	<-held
}

// Item 13: with per-request tokens, a 403 or 401 is about the caller's token,
// and a call without one says how to send it.
func TestAdviceCallerToken(t *testing.T) {
	t.Parallel()
	fake := cartofake.New(t)
	e := newEnvOn(t, fake, withClientConfig(func(c *client.Config) { c.Token = callerToken("someone-elses-token") }))
	text := e.failed(e.call(tools.ToolRunQuery, callArgs[tools.ToolRunQuery]))
	assert.Empty(t, missing(text, "HTTP 403", "token your MCP client sent", "X-Carto-Api-Access-Token"), text)
	assert.NotContains(t, text, "server's CARTO token")

	e = newEnvOn(t, fake, withClientConfig(func(c *client.Config) { c.Token = client.RequestTokenSource{} }))
	text = e.failed(e.call(tools.ToolRunQuery, callArgs[tools.ToolRunQuery]))
	assert.Empty(t, missing(text, "carried none", "X-Carto-Api-Access-Token", "will not help"), text)

	e = newEnvOn(t, fake, withToken("not-the-token"))
	text = e.failed(e.call(tools.ToolRunQuery, callArgs[tools.ToolRunQuery]))
	assert.Contains(t, text, "server's CARTO token")
}

// callerToken is a RequestTokenSource whose context always carries token, as
// the HTTP front end's per-request token would.
type callerToken string

func (c callerToken) Token(ctx context.Context) (string, error) {
	return client.RequestTokenSource{}.Token(client.ContextWithToken(ctx, string(c)))
}

func (callerToken) PerCaller() bool { return true }

package client

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func envFunc(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestConfigFromEnv(t *testing.T) {
	t.Parallel()
	const tok = "env-secret-token-123"
	const secret = "env-client-secret-456"
	tests := []struct {
		name string
		env  map[string]string
		// on error: every listed variable must be named, nothing secret echoed
		wantErrNames []string
		check        func(t *testing.T, cfg Config)
	}{
		{
			name:         "nothing set",
			env:          nil,
			wantErrNames: []string{EnvAccessToken, EnvClientID, EnvClientSecret},
		},
		{
			name: "token only: defaults",
			env:  map[string]string{EnvAccessToken: tok},
			check: func(t *testing.T, cfg Config) {
				assert.Equal(t, DefaultBaseURL, cfg.BaseURL)
				assert.Equal(t, "", cfg.Connection)
				assert.Equal(t, StaticToken(tok), cfg.Token)
			},
		},
		{
			name: "values are trimmed",
			env: map[string]string{EnvAccessToken: "  " + tok + "\n", EnvConnection: " carto_dw ",
				EnvBaseURL: " https://gcp-eu-west1.api.carto.com/ "},
			check: func(t *testing.T, cfg Config) {
				assert.Equal(t, StaticToken(tok), cfg.Token)
				assert.Equal(t, "carto_dw", cfg.Connection)
				c, err := New(cfg)
				require.NoError(t, err)
				assert.Equal(t, "https://gcp-eu-west1.api.carto.com", c.BaseURL())
				assert.Equal(t, "carto_dw", c.DefaultConnection())
			},
		},
		{
			name:         "token and client id contradict",
			env:          map[string]string{EnvAccessToken: tok, EnvClientID: "id"},
			wantErrNames: []string{EnvAccessToken, EnvClientID},
		},
		{
			name:         "token and client secret contradict",
			env:          map[string]string{EnvAccessToken: tok, EnvClientSecret: secret},
			wantErrNames: []string{EnvAccessToken, EnvClientSecret},
		},
		{
			name:         "client id without secret",
			env:          map[string]string{EnvClientID: "id"},
			wantErrNames: []string{EnvClientSecret},
		},
		{
			name:         "client secret without id",
			env:          map[string]string{EnvClientSecret: secret},
			wantErrNames: []string{EnvClientID},
		},
		{
			name: "oauth client with default auth URL",
			env:  map[string]string{EnvClientID: "id", EnvClientSecret: secret, EnvConnection: "bq"},
			check: func(t *testing.T, cfg Config) {
				src, ok := cfg.Token.(*OAuthTokenSource)
				require.True(t, ok, "%T", cfg.Token)
				assert.Equal(t, DefaultAuthURL+"/oauth/token", src.endpoint)
				assert.Equal(t, OAuthAudience, src.cfg.Audience)
				assert.Equal(t, "bq", cfg.Connection)
			},
		},
		{
			name: "oauth client with custom auth URL",
			env:  map[string]string{EnvClientID: "id", EnvClientSecret: secret, EnvAuthURL: "https://auth.example.com/"},
			check: func(t *testing.T, cfg Config) {
				src, ok := cfg.Token.(*OAuthTokenSource)
				require.True(t, ok)
				assert.Equal(t, "https://auth.example.com/oauth/token", src.endpoint)
			},
		},
		{
			name:         "invalid auth URL",
			env:          map[string]string{EnvClientID: "id", EnvClientSecret: secret, EnvAuthURL: "auth.example.com"},
			wantErrNames: []string{EnvAuthURL},
		},
		{
			name:         "base URL without scheme",
			env:          map[string]string{EnvAccessToken: tok, EnvBaseURL: "gcp-us-east1.api.carto.com"},
			wantErrNames: []string{EnvBaseURL},
		},
		{
			name:         "base URL with another scheme",
			env:          map[string]string{EnvAccessToken: tok, EnvBaseURL: "ftp://gcp-us-east1.api.carto.com"},
			wantErrNames: []string{EnvBaseURL},
		},
		{
			name:         "base URL with credentials is refused without echoing them",
			env:          map[string]string{EnvAccessToken: tok, EnvBaseURL: "https://me:hunter2-password@api.carto.com"},
			wantErrNames: []string{EnvBaseURL},
		},
		{
			name:         "base URL with a query is refused",
			env:          map[string]string{EnvAccessToken: tok, EnvBaseURL: "https://api.carto.com/?access_token=" + tok},
			wantErrNames: []string{EnvBaseURL},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := ConfigFromEnv(envFunc(tt.env), &http.Client{})
			if tt.wantErrNames != nil {
				require.Error(t, err)
				for _, n := range tt.wantErrNames {
					assert.Contains(t, err.Error(), n)
				}
				for _, s := range []string{tok, secret, "hunter2-password"} {
					assert.NotContains(t, err.Error(), s)
				}
				return
			}
			require.NoError(t, err)
			tt.check(t, cfg)
		})
	}
}

func TestNewConfigErrors(t *testing.T) {
	t.Parallel()
	_, err := New(Config{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), EnvAccessToken)

	_, err = New(Config{Token: StaticToken("x"), BaseURL: "nope"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), EnvBaseURL)

	c, err := New(Config{Token: StaticToken("x")})
	require.NoError(t, err)
	assert.Equal(t, DefaultBaseURL, c.BaseURL())
	assert.Equal(t, RetryPolicy{MaxAttempts: 4, BaseDelay: 200 * time.Millisecond, MaxDelay: 10 * time.Second}, c.retry)
	assert.Equal(t, DefaultClientID, c.clientID)

	_, err = c.Queries.Run(testCtx(t), &QueryRequest{SQL: "select 1"}, QueryLimits{})
	assert.ErrorIs(t, err, ErrNoConnection)
	_, err = c.Jobs.Get(testCtx(t), "", "job")
	assert.ErrorIs(t, err, ErrNoConnection)
	_, err = c.Jobs.Create(testCtx(t), &CreateJobRequest{SQL: "x"})
	assert.ErrorIs(t, err, ErrNoConnection)
}

func TestStaticTokenNeverPrints(t *testing.T) {
	t.Parallel()
	tok := StaticToken("static-secret-789")
	for _, f := range []string{"%v", "%s", "%+v", "%#v"} {
		assert.NotContains(t, fmt.Sprintf(f, tok), "static-secret-789", f)
	}
	cfg := Config{Token: tok}
	assert.NotContains(t, fmt.Sprintf("%+v", cfg), "static-secret-789")
	assert.NotContains(t, fmt.Sprintf("%#v", cfg), "static-secret-789")
	_, err := StaticToken("").Token(testCtx(t))
	assert.Error(t, err)
}

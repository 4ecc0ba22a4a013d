package main

import (
	"context"
	"io"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/cartofake"

	"github.com/carto-mcp/carto-mcp/internal/testctx"

	"github.com/carto-mcp/carto-mcp/internal/syncbuf"
)

// Issue 15.14: an http:// base URL to another machine would carry the token
// in cleartext; the server says so on stderr at start. Loopback is fine.
func TestCleartextBaseURLIsWarnedAbout(t *testing.T) {
	t.Parallel()
	for base, warn := range map[string]bool{
		"http://carto.example.invalid":        true,
		"https://gcp-us-east1.api.carto.com":  false,
		"http://127.0.0.1:9/":                 false,
		"http://localhost:9/v3":               false,
		"  http://10.1.2.3:8080/v3/sql  ":     true,
		"https://gcp-us-east1.api.carto.com/": false,
	} {
		vars := map[string]string{"CARTO_API_BASE_URL": base, "CARTO_API_ACCESS_TOKEN": "t", "CARTO_CONNECTION": "c"}
		ctx, cancel := context.WithCancel(testctx.Context(t))
		var stderr syncbuf.Buffer
		c, end := startStdio(t, ctx, nil, func(k string) string { return vars[k] }, io.Discard, &stderr)
		initialize(t, ctx, c)
		require.NoError(t, end())
		cancel()
		if warn {
			assert.Contains(t, stderr.String(), "INSECURE", base)
			assert.Contains(t, stderr.String(), "unencrypted", base)
		} else {
			assert.NotContains(t, stderr.String(), "INSECURE", base)
		}
	}
}

// Issue 15.12 and 15.13: with --per-request-token, a base URL with spaces
// around it and /v3 at its end works as in the normal mode, and a 403 is
// about the caller's token, not the server's.
func TestPerRequestTokenAdvice(t *testing.T) {
	t.Parallel()
	fake, getenv := fakeCARTO(t, cartofake.WithToken("the-right-token"))
	vars := func(k string) string {
		switch k {
		case "CARTO_API_ACCESS_TOKEN":
			return ""
		case "CARTO_API_BASE_URL":
			return "  " + getenv(k) + "/v3 "
		}
		return getenv(k)
	}
	base, stop, done := serveHTTPWith(t, vars, "--transport", "http", "--per-request-token")
	defer func() { stop(); require.NoError(t, <-done) }()
	res := runQueryWithToken(t, base, "the-right-token")
	require.False(t, res.IsError, "%v", res.Content)

	res = runQueryWithToken(t, base, "a-token-without-rights")
	require.True(t, res.IsError)
	text := res.Content[0].(mcp.TextContent).Text
	assert.Contains(t, text, "HTTP 403")
	assert.Contains(t, text, "token your MCP client sent")
	assert.NotContains(t, text, "server's CARTO token")
	for _, r := range fake.Requests() {
		assert.NotContains(t, r.Path, "/v3/v3")
	}
}

package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/cartofake"
	"github.com/carto-mcp/carto-mcp/client"
	"github.com/carto-mcp/carto-mcp/tools"

	"github.com/carto-mcp/carto-mcp/internal/syncbuf"
	"github.com/carto-mcp/carto-mcp/internal/testctx"
)

// The README's claims about the command line, checked against the code, so
// that the README cannot drift from the server it documents.

func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	return string(b)
}

// flagNames are the flags carto-mcp defines, from its --help.
func flagNames(t *testing.T) []string {
	t.Helper()
	var out strings.Builder
	_, err := parseFlags([]string{"--help"}, envOf(nil), &out)
	require.True(t, errors.Is(err, flag.ErrHelp))
	var names []string
	for _, m := range regexp.MustCompile(`(?m)^  -([a-z][a-z-]*)`).FindAllStringSubmatch(out.String(), -1) {
		names = append(names, m[1])
	}
	require.Contains(t, names, "transport")
	return names
}

func TestREADMEFlagsExist(t *testing.T) {
	t.Parallel()
	flags := flagNames(t)
	// --help is the flag package's own; --rm is docker run's (the load
	// generator and the walkthrough take single-dash flags).
	others := []string{"help", "rm"}
	for _, m := range regexp.MustCompile(`--([a-z][a-z-]*[a-z])`).FindAllStringSubmatch(readme(t), -1) {
		if !slices.Contains(others, m[1]) {
			assert.Contains(t, flags, m[1], "README mentions --%s", m[1])
		}
	}
}

func TestREADMEVariablesExist(t *testing.T) {
	t.Parallel()
	known := []string{client.EnvAccessToken, client.EnvClientID, client.EnvClientSecret, client.EnvAuthURL, client.EnvBaseURL, client.EnvConnection}
	for _, f := range flagNames(t) {
		known = append(known, envName(f))
	}
	for _, v := range regexp.MustCompile(`\bCARTO_[A-Z_]*[A-Z]\b`).FindAllString(readme(t), -1) {
		if v == "CARTO_MCP" { // CARTO_MCP_<NAME>
			continue
		}
		assert.Contains(t, known, v, "README mentions %s", v)
	}
}

// The README lists the settings refused on stdio; the code's list is httpOnly.
func TestREADMEHTTPOnlySettings(t *testing.T) {
	t.Parallel()
	m := regexp.MustCompile(`The HTTP settings \(([^)]*)\)\s+are refused on stdio`).FindStringSubmatch(readme(t))
	require.NotNil(t, m, "the README's sentence on HTTP settings")
	var listed []string
	for _, f := range regexp.MustCompile("`--([a-z-]+)`").FindAllStringSubmatch(m[1], -1) {
		listed = append(listed, f[1])
	}
	assert.ElementsMatch(t, httpOnly, listed)
}

// The README's tool table has one row per tool.
func TestREADMEToolTable(t *testing.T) {
	t.Parallel()
	var rows []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\| ").FindAllStringSubmatch(readme(t), -1) {
		rows = append(rows, m[1])
	}
	assert.ElementsMatch(t, tools.ToolNames, rows)
}

// "Logs never hold tokens or SQL text": at debug level, over a query (POST),
// a cached query (its SQL in a GET's URL), a CARTO error and a job, the
// server's log has neither.
func TestLogsHoldNoSQL(t *testing.T) {
	t.Parallel()
	const marker = "sql_text_marker_7f3a"
	fake, getenv := fakeCARTO(t)
	query := "SELECT 1 AS " + marker
	fake.SetQueryResult(query, []cartofake.Column{{Name: marker, Type: "number"}}, [][]any{{1}})

	ctx, cancel := context.WithCancel(testctx.Context(t))
	defer cancel()
	var stderr syncbuf.Buffer
	c, end := startStdio(t, ctx, []string{"--log-level", "debug"}, getenv, io.Discard, &stderr)
	initialize(t, ctx, c)
	res := callTool(t, ctx, c, "run_query", map[string]any{"sql": query})
	require.False(t, res.IsError, "%v", res.Content)
	res = callTool(t, ctx, c, "run_query", map[string]any{"sql": query, "cached": true})
	require.False(t, res.IsError, "%v", res.Content)
	res = callTool(t, ctx, c, "run_query", map[string]any{"sql": "SELECT * FROM " + marker})
	require.True(t, res.IsError)
	res = callTool(t, ctx, c, "submit_job", map[string]any{"sql": "CREATE TABLE " + marker + " AS SELECT 1"})
	require.False(t, res.IsError, "%v", res.Content)
	require.NoError(t, end())

	require.NotEmpty(t, fake.RequestsTo(http.MethodGet, "/query"), "the cached query went by GET, its SQL in the URL")
	logs := stderr.String()
	assert.Contains(t, logs, "carto request", "debug logs record the CARTO calls")
	assert.Contains(t, logs, "tool call failed", "and the failed call")
	assert.NotContains(t, logs, marker)
	assert.NotContains(t, logs, cartofake.DefaultToken)
}

// "HTTP request bodies are limited to 4 MiB": the server as started, not
// only httpserve's option.
func TestHTTPRequestBodiesAreLimitedTo4MiB(t *testing.T) {
	t.Parallel()
	base, stop, done := serveHTTP(t, "--transport", "http")
	defer func() { stop(); require.NoError(t, <-done) }()
	post := func(n int) int {
		resp, err := http.Post(base+"/mcp", "application/json", strings.NewReader(strings.Repeat(" ", n)))
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, http.StatusRequestEntityTooLarge, post(4<<20+1))
	assert.NotEqual(t, http.StatusRequestEntityTooLarge, post(4<<20), "4 MiB itself is allowed")
}

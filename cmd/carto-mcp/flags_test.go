package main

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func envOf(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestParseFlagsDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := parseFlags(nil, envOf(nil), io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "stdio", cfg.transport)
	assert.Equal(t, "127.0.0.1:8080", cfg.addr)
	assert.False(t, cfg.local.enabled)
	assert.Equal(t, 100, cfg.defaultRows)
	assert.Equal(t, 1000, cfg.maxRows)
	assert.Equal(t, 75*time.Second, cfg.callTimeout)
	assert.Equal(t, 0, cfg.maxWait, "unset: the tools' default, fitted to the call timeout")

	cfg, err = parseFlags([]string{"--max-wait", "0"}, envOf(nil), io.Discard)
	require.NoError(t, err)
	assert.Equal(t, -1, cfg.maxWait, "an explicit 0 turns waiting off")
}

func TestParseFlagsLocal(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args    []string
		enabled bool
		path    string
	}{
		{[]string{"--local"}, true, ""},
		{[]string{"--local=true"}, true, ""},
		{[]string{"--local=./demo.duckdb"}, true, "./demo.duckdb"},
		{[]string{"--local=false"}, false, ""},
		{[]string{"--local", "--transport", "http"}, true, ""},
	} {
		cfg, err := parseFlags(tc.args, envOf(nil), io.Discard)
		require.NoError(t, err, tc.args)
		assert.Equal(t, tc.enabled, cfg.local.enabled, tc.args)
		assert.Equal(t, tc.path, cfg.local.path, tc.args)
	}
}

func TestParseFlagsEnvironmentAndPrecedence(t *testing.T) {
	t.Parallel()
	e := envOf(map[string]string{"CARTO_MCP_TRANSPORT": "http", "CARTO_MCP_READ_ONLY": "true", "CARTO_MCP_MAX_ROWS": "50"})
	cfg, err := parseFlags([]string{"--max-rows", "70"}, e, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "http", cfg.transport)
	assert.True(t, cfg.readOnly)
	assert.Equal(t, 70, cfg.maxRows, "the command line wins over the environment")
	assert.Equal(t, 70, cfg.defaultRows, "an unset default follows a lower maximum")
}

func TestParseFlagsErrorsNameTheProblem(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--transport", "grpc"}, nil, `--transport "grpc"`},
		{[]string{"--log-level", "loud"}, nil, `--log-level "loud"`},
		{[]string{"--default-rows", "500", "--max-rows", "10"}, nil, "--default-rows (500)"},
		{[]string{"--max-result-bytes", "10"}, nil, "--max-result-bytes 10"},
		{[]string{"--call-timeout", "0s"}, nil, "--call-timeout"},
		{[]string{"--max-concurrent-calls", "0"}, nil, "--max-concurrent-calls"},
		{[]string{"--max-wait", "301"}, nil, "--max-wait 301"},
		{[]string{"--max-wait", "60", "--call-timeout", "65s"}, nil, "at least 10s before --call-timeout"},
		{[]string{"./file.duckdb"}, nil, "--local=PATH"},
		{[]string{"--nope"}, nil, "flag provided but not defined: -nope"},
		{nil, map[string]string{"CARTO_MCP_MAX_ROWS": "lots"}, "CARTO_MCP_MAX_ROWS"},
	} {
		var stderr strings.Builder
		_, err := parseFlags(tc.args, envOf(tc.env), &stderr)
		require.Error(t, err, tc.args)
		assert.ErrorIs(t, err, errUsage)
		assert.Contains(t, err.Error(), tc.want)
	}
}

func TestHelpDocumentsEveryFlagAndVariable(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	_, err := parseFlags([]string{"--help"}, envOf(nil), &out)
	require.True(t, errors.Is(err, flag.ErrHelp))
	for _, want := range []string{"-transport", "-addr", "-stateless", "-local", "-read-only", "-sql-dialect", "-connection",
		"-base-url", "-default-rows", "-max-rows", "-max-result-bytes", "-call-timeout", "-max-wait", "-max-concurrent-calls", "-log-level", "-version",
		"CARTO_API_ACCESS_TOKEN", "CARTO_CLIENT_ID", "CARTO_CLIENT_SECRET", "CARTO_AUTH_URL", "CARTO_API_BASE_URL",
		"CARTO_CONNECTION", "CARTO_MCP_"} {
		assert.Contains(t, out.String(), want)
	}
}

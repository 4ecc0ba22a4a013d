package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/tools"

	"github.com/carto-mcp/carto-mcp/internal/syncbuf"
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
		{[]string{"--default-rows", "500", "--max-rows", "10"}, nil, "--default-rows 500: want 1 to --max-rows (10)"},
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
	for _, tool := range tools.ToolNames {
		assert.Contains(t, out.String(), tool, "the Tools line names every tool")
	}
}

// Every refusal at start is printed on stderr (all an MCP client shows of a
// server that failed to start), naming the setting, the value and what it
// accepts, whether the setting came from a flag or from the environment.
func TestRefusedSettingsAreExplainedOnStderr(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want []string
	}{
		{nil, map[string]string{"CARTO_MCP_CALL_TIMEOUT": "5"}, []string{"CARTO_MCP_CALL_TIMEOUT", `"5"`, "duration with a unit"}},
		{nil, map[string]string{"CARTO_MCP_MAX_ROWS": "abc"}, []string{"CARTO_MCP_MAX_ROWS", `"abc"`, "whole number"}},
		{nil, map[string]string{"CARTO_MCP_READ_ONLY": "yes"}, []string{"CARTO_MCP_READ_ONLY", `"yes"`, "true or false"}},
		{[]string{"--read-only=yes"}, nil, []string{"-read-only", `"yes"`, "true or false"}},
		{[]string{"--local", "--read-only", "--sql-dialect", "oracle"}, nil, []string{"--sql-dialect", `"oracle"`, "bigquery"}},
		{[]string{"--local", "--max-rows", "20000"}, nil, []string{"--max-rows 20000", "want 1 to 10000"}},
		{[]string{"--local", "--max-rows", "0"}, nil, []string{"--max-rows 0", "want 1 to 10000"}},
		{nil, map[string]string{"CARTO_MCP_MAX_ROWS": "0"}, []string{"CARTO_MCP_MAX_ROWS 0", "want 1 to 10000"}},
		{[]string{"--local", "--default-rows", "0"}, nil, []string{"--default-rows 0", "want 1 to --max-rows (1000)"}},
		{[]string{"--call-timeout", "-1s"}, nil, []string{"--call-timeout -1s", "positive duration"}},
		{[]string{"--max-concurrent-calls", "0"}, nil, []string{"--max-concurrent-calls 0", "at least 1"}},
		{[]string{"--transport", "grpc"}, nil, []string{`--transport "grpc"`, "stdio, sse or http"}},
		{nil, map[string]string{"CARTO_MCP_TRANSPORT": "grpc"}, []string{`CARTO_MCP_TRANSPORT "grpc"`, "stdio, sse or http"}},
		{nil, map[string]string{"CARTO_MCP_LOCAL": "yes"}, []string{"CARTO_MCP_LOCAL", `"yes"`, "true or false", "DuckDB file"}},
		{[]string{"--nope"}, nil, []string{"-nope", "not defined"}},
		{[]string{"--transport", "http", "--local", "--task-secret", "0123456789abcdef"}, nil, []string{"--task-secret", "add --stateless"}},
		{[]string{"--transport", "http", "--local", "--stateless"}, map[string]string{"CARTO_MCP_TASK_SECRET": "short"},
			[]string{"CARTO_MCP_TASK_SECRET is 5 bytes", "at least 16"}},
	} {
		var stderr syncbuf.Buffer
		err := run(context.Background(), tc.args, env{getenv: envOf(tc.env), stdin: strings.NewReader(""), stdout: io.Discard, stderr: &stderr})
		require.Error(t, err, "%v %v", tc.args, tc.env)
		assert.ErrorIs(t, err, errUsage)
		for _, w := range tc.want {
			assert.Contains(t, stderr.String(), w, "%v %v", tc.args, tc.env)
		}
		assert.Contains(t, stderr.String(), "carto-mcp --help", "%v %v", tc.args, tc.env)
		assert.NotContains(t, stderr.String(), "Options.", "no internal names: %v %v", tc.args, tc.env)
		assert.NotContains(t, stderr.String(), "strconv", "no parser internals: %v %v", tc.args, tc.env)
	}
}

// CARTO_MCP_LOCAL and --local read booleans as every boolean setting does
// (CARTO_MCP_READ_ONLY=1 and CARTO_MCP_LOCAL=1 both mean true); anything else
// is a DuckDB file path, except words that mean yes or no to a person.
func TestLocalReadsBooleansLikeEveryOtherSetting(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		value   string
		enabled bool
		path    string
	}{
		{"0", false, ""}, {"false", false, ""}, {"F", false, ""}, {"FALSE", false, ""},
		{"1", true, ""}, {"true", true, ""}, {"T", true, ""}, {"True", true, ""},
		{"./demo.duckdb", true, "./demo.duckdb"}, {"/tmp/x.duckdb", true, "/tmp/x.duckdb"}, {"demo", true, "demo"},
	} {
		cfg, err := parseFlags(nil, envOf(map[string]string{"CARTO_MCP_LOCAL": tc.value}), io.Discard)
		require.NoError(t, err, tc.value)
		assert.Equal(t, tc.enabled, cfg.local.enabled, tc.value)
		assert.Equal(t, tc.path, cfg.local.path, tc.value)

		cfg, err = parseFlags([]string{"--local=" + tc.value}, envOf(nil), io.Discard)
		require.NoError(t, err, tc.value)
		assert.Equal(t, tc.enabled, cfg.local.enabled, tc.value)
		assert.Equal(t, tc.path, cfg.local.path, tc.value)

		// The same words mean the same for a plain boolean setting.
		if tc.path == "" {
			cfg, err = parseFlags(nil, envOf(map[string]string{"CARTO_MCP_READ_ONLY": tc.value}), io.Discard)
			require.NoError(t, err, tc.value)
			assert.Equal(t, tc.enabled, cfg.readOnly, tc.value)
		}
	}
	for _, v := range []string{"yes", "no", "on", "off", "Y"} {
		_, err := parseFlags(nil, envOf(map[string]string{"CARTO_MCP_LOCAL": v}), io.Discard)
		assert.ErrorIs(t, err, errUsage, v)
		_, err = parseFlags(nil, envOf(map[string]string{"CARTO_MCP_READ_ONLY": v}), io.Discard)
		assert.ErrorIs(t, err, errUsage, v)
	}
}

// Settings the transport would ignore are refused, from the command line and
// from the environment alike, as --per-request-token always was on stdio.
func TestSettingsTheTransportIgnoresAreRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--stateless"}, nil, "--stateless applies to the HTTP transports only"},
		{[]string{"--http-token", "s3cret"}, nil, "--http-token applies to the HTTP transports only"},
		{[]string{"--allowed-origins", "https://a.example"}, nil, "--allowed-origins applies"},
		{[]string{"--addr", "127.0.0.1:9000"}, nil, "--addr applies"},
		{[]string{"--per-request-token"}, nil, "--per-request-token applies"},
		{nil, map[string]string{"CARTO_MCP_HTTP_TOKEN": "s3cret"}, "CARTO_MCP_HTTP_TOKEN applies"},
		{[]string{"--transport", "sse", "--stateless"}, nil, "--stateless applies to --transport http (streamable HTTP) only"},
		{[]string{"--transport", "sse", "--per-request-token"}, nil, "--per-request-token applies to --transport http"},
	} {
		_, err := parseFlags(tc.args, envOf(tc.env), io.Discard)
		require.Error(t, err, tc.args)
		assert.ErrorIs(t, err, errUsage)
		assert.Contains(t, err.Error(), tc.want)
		assert.NotContains(t, err.Error(), "s3cret", "a token is never repeated")
	}
	for _, args := range [][]string{
		{"--transport", "http", "--stateless", "--http-token", "x", "--allowed-origins", "https://a.example", "--addr", "127.0.0.1:9000"},
		{"--transport", "sse", "--http-token", "x"},
	} {
		_, err := parseFlags(args, envOf(nil), io.Discard)
		assert.NoError(t, err, args)
	}
}

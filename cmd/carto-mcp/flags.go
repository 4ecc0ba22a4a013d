package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/carto-mcp/carto-mcp/client"
)

// errUsage marks a command-line mistake: the message is printed with the usage.
var errUsage = errors.New("usage error")

// config is everything the command line and environment decide.
type config struct {
	transport   string
	addr        string
	stateless   bool
	local       localFlag
	readOnly    bool
	connection  string
	baseURL     string
	defaultRows int
	maxRows     int
	maxText     int
	callTimeout time.Duration
	maxCalls    int
	maxWait     int
	sqlDialect  string
	logLevel    slog.Level
	showVersion bool

	httpToken       string
	allowedOrigins  string
	perRequestToken bool
	insecureRemote  bool
}

// localFlag is --local (in-memory demo warehouse) or --local=PATH (a DuckDB file).
type localFlag struct {
	enabled bool
	path    string
}

func (f *localFlag) String() string {
	if f == nil || !f.enabled {
		return ""
	}
	if f.path == "" {
		return "true"
	}
	return f.path
}

func (f *localFlag) Set(v string) error {
	switch strings.ToLower(v) {
	case "", "true":
		f.enabled, f.path = true, ""
	case "false":
		f.enabled, f.path = false, ""
	default:
		f.enabled, f.path = true, v
	}
	return nil
}

// IsBoolFlag lets --local stand alone; a path needs --local=PATH.
func (f *localFlag) IsBoolFlag() bool { return true }

const usageHeader = `carto-mcp: a Model Context Protocol server for the CARTO SQL API v3.

Tools: run_query, submit_job, get_job, cancel_job, list_jobs.

Usage:
  carto-mcp --local                 embedded demo warehouse, no account, no network
  carto-mcp --local=./my.duckdb     embedded warehouse on a DuckDB file
  carto-mcp                         CARTO, credentials from the environment

Environment (CARTO mode):
  CARTO_API_ACCESS_TOKEN   an API access token, or
  CARTO_CLIENT_ID          an OAuth client id, with
  CARTO_CLIENT_SECRET      its secret (tokens are fetched and refreshed)
  CARTO_AUTH_URL           OAuth server (default https://auth.carto.com)
  CARTO_API_BASE_URL       regional API URL (default https://gcp-us-east1.api.carto.com)
  CARTO_CONNECTION         default connection name (tools may name another)

Every flag can also be set as CARTO_MCP_<NAME> (e.g. CARTO_MCP_TRANSPORT=http,
CARTO_MCP_READ_ONLY=true); a flag on the command line wins.

Flags:
`

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (*config, error) {
	cfg := &config{}
	fs := flag.NewFlagSet("carto-mcp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.transport, "transport", "stdio", "MCP transport: stdio, sse (/sse and /message) or http (streamable HTTP at /mcp)")
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:8080", "listen address for the sse and http transports")
	fs.BoolVar(&cfg.stateless, "stateless", false, "streamable HTTP without sessions, so replicas behind a load balancer are interchangeable")
	fs.Var(&cfg.local, "local", "run on the embedded local warehouse with demo data (--local=PATH for a DuckDB file)")
	fs.BoolVar(&cfg.readOnly, "read-only", false, "run_query accepts only reads (SELECT, WITH, SHOW, DESCRIBE, EXPLAIN), checked by a SQL tokenizer; no submit_job/cancel_job")
	fs.StringVar(&cfg.sqlDialect, "sql-dialect", "", "with --read-only: the warehouse's SQL dialect (bigquery, snowflake, redshift, postgres, databricks, generic); default: all of them for CARTO, generic (DuckDB) for --local")
	fs.StringVar(&cfg.connection, "connection", "", "default CARTO connection (overrides "+client.EnvConnection+")")
	fs.StringVar(&cfg.baseURL, "base-url", "", "CARTO API base URL (overrides "+client.EnvBaseURL+")")
	fs.IntVar(&cfg.defaultRows, "default-rows", 100, "rows run_query returns when the model does not ask for a number")
	fs.IntVar(&cfg.maxRows, "max-rows", 1000, "most rows run_query returns in one call")
	fs.IntVar(&cfg.maxText, "max-result-bytes", 256<<10, "most bytes of row data run_query returns in one call")
	fs.DurationVar(&cfg.callTimeout, "call-timeout", 75*time.Second, "deadline of one tool call (CARTO's own query limit is 1 minute)")
	fs.StringVar(&cfg.httpToken, "http-token", "", "bearer token HTTP clients must send (prefer the CARTO_MCP_HTTP_TOKEN variable: flags show in ps)")
	fs.StringVar(&cfg.allowedOrigins, "allowed-origins", "", "comma-separated browser origins allowed besides loopback ones, e.g. https://app.example.com")
	fs.BoolVar(&cfg.perRequestToken, "per-request-token", false,
		"shared deployments: every HTTP request brings its caller's CARTO token in the X-Carto-Api-Access-Token header (implies --stateless)")
	fs.BoolVar(&cfg.insecureRemote, "insecure-allow-unauthenticated-remote", false,
		"listen on a non-loopback address with no authentication (anyone who can reach it can use your CARTO token)")
	fs.IntVar(&cfg.maxWait, "max-wait", 50, "most seconds submit_job/get_job may wait for a job to end (wait_seconds); 0 turns waiting off; kept 10s under --call-timeout")
	fs.IntVar(&cfg.maxCalls, "max-concurrent-calls", 16, "most calls to CARTO in flight at once; more wait their turn")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn or error (logs go to stderr)")
	fs.BoolVar(&cfg.showVersion, "version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageHeader)
		fs.PrintDefaults()
	}

	// Environment first, so the command line overrides it.
	var envErr error
	explicit := map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) {
		name := "CARTO_MCP_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(name); v != "" && envErr == nil {
			explicit[f.Name] = true
			if err := f.Value.Set(v); err != nil {
				envErr = fmt.Errorf("%s=%q: %v", name, v, err)
			}
		}
	})
	if envErr != nil {
		return nil, fmt.Errorf("%w: %v", errUsage, envErr)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	fs.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
	if !explicit["default-rows"] && cfg.defaultRows > cfg.maxRows {
		cfg.defaultRows = cfg.maxRows // a lower maximum lowers the default with it
	}
	if fs.NArg() > 0 {
		return nil, usageErr(fs, "unexpected argument %q (a local database path is given as --local=PATH)", fs.Arg(0))
	}
	if err := cfg.logLevel.UnmarshalText([]byte(*logLevel)); err != nil {
		return nil, usageErr(fs, "--log-level %q: want debug, info, warn or error", *logLevel)
	}
	switch cfg.transport {
	case "stdio", "sse", "http":
	default:
		return nil, usageErr(fs, "--transport %q: want stdio, sse or http", cfg.transport)
	}
	if cfg.defaultRows < 1 || cfg.maxRows < 1 || cfg.defaultRows > cfg.maxRows {
		return nil, usageErr(fs, "--default-rows (%d) and --max-rows (%d) must be positive, default at most max", cfg.defaultRows, cfg.maxRows)
	}
	if cfg.maxText < 1024 {
		return nil, usageErr(fs, "--max-result-bytes %s is too small (at least 1024)", strconv.Itoa(cfg.maxText))
	}
	if cfg.perRequestToken {
		if cfg.transport != "http" {
			return nil, usageErr(fs, "--per-request-token needs --transport http")
		}
		if cfg.local.enabled {
			return nil, usageErr(fs, "--per-request-token is for CARTO; the local warehouse has no per-user tokens")
		}
		cfg.stateless = true
	}
	if cfg.callTimeout <= 0 {
		return nil, usageErr(fs, "--call-timeout must be positive")
	}
	if cfg.maxWait < 0 || cfg.maxWait > 300 {
		return nil, usageErr(fs, "--max-wait %d: want 0 to 300 seconds", cfg.maxWait)
	}
	switch {
	case !explicit["max-wait"]:
		cfg.maxWait = 0 // the tools' default, which adapts to --call-timeout
	case cfg.maxWait == 0:
		cfg.maxWait = -1 // waiting off
	case time.Duration(cfg.maxWait)*time.Second > cfg.callTimeout-10*time.Second:
		return nil, usageErr(fs, "--max-wait %ds must end at least 10s before --call-timeout (%s)", cfg.maxWait, cfg.callTimeout)
	}
	if cfg.maxCalls < 1 {
		return nil, usageErr(fs, "--max-concurrent-calls must be at least 1")
	}
	return cfg, nil
}

func usageErr(fs *flag.FlagSet, format string, a ...any) error {
	msg := fmt.Sprintf(format, a...)
	fmt.Fprintf(fs.Output(), "carto-mcp: %s\nRun carto-mcp --help for usage.\n", msg)
	return fmt.Errorf("%w: %s", errUsage, msg)
}

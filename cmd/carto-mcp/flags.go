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
	"github.com/carto-mcp/carto-mcp/discovery"
	"github.com/carto-mcp/carto-mcp/httpserve"
	"github.com/carto-mcp/carto-mcp/tools"
)

// errUsage marks a mistake in the command line or the environment: run prints
// it on stderr, naming the setting, its value and what it accepts.
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
	providers   map[string]discovery.Provider
	logLevel    slog.Level
	showVersion bool

	httpToken       string
	allowedOrigins  string
	perRequestToken bool
	insecureRemote  bool
	taskSecret      string
	maxSessions     int
	sessionIdle     time.Duration
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

// Set reads --local's value. A boolean is read as every boolean setting is
// (strconv.ParseBool: 1, t, true, 0, f, false, in any case), so that
// CARTO_MCP_LOCAL=0 turns local mode off, as CARTO_MCP_READ_ONLY=0 turns
// read-only off; anything else is a DuckDB file path. Words that mean yes or
// no to a person but are not booleans here (yes, no, on, off) are refused
// rather than taken for file names.
func (f *localFlag) Set(v string) error {
	if v == "" {
		f.enabled, f.path = true, ""
		return nil
	}
	if b, err := strconv.ParseBool(v); err == nil {
		f.enabled, f.path = b, ""
		return nil
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "yes", "no", "y", "n", "on", "off", "enable", "enabled", "disable", "disabled":
		return fmt.Errorf("want true or false (1 or 0), or the path of a DuckDB file (e.g. ./%s.duckdb)", v)
	}
	if strings.TrimSpace(v) == "" {
		return errors.New("want true or false (1 or 0), or the path of a DuckDB file")
	}
	f.enabled, f.path = true, v
	return nil
}

// IsBoolFlag lets --local stand alone; a path needs --local=PATH.
func (f *localFlag) IsBoolFlag() bool { return true }

// usageHeader heads --help; %s is the tool list (tools.ToolNames).
const usageHeader = `carto-mcp: a Model Context Protocol server for the CARTO SQL API v3.

Tools: %s.

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
CARTO_MCP_READ_ONLY=true); a flag on the command line wins. Booleans are
true/false or 1/0 (t/f, any case); CARTO_MCP_LOCAL takes the same words, or a
DuckDB file path. The HTTP settings (--addr, --stateless, --http-token,
--allowed-origins, --per-request-token, --insecure-allow-unauthenticated-remote,
--task-secret, --max-sessions, --session-idle-timeout) are refused with
--transport stdio, where they would do nothing.

Flags:
`

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (*config, error) {
	cfg := &config{}
	fs := flag.NewFlagSet("carto-mcp", flag.ContinueOnError)
	fs.StringVar(&cfg.transport, "transport", "stdio", "MCP transport: stdio, sse (/sse and /message) or http (streamable HTTP at /mcp)")
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:8080", "listen address for the sse and http transports")
	fs.BoolVar(&cfg.stateless, "stateless", false, "streamable HTTP without sessions, so replicas behind a load balancer are interchangeable")
	fs.Var(&cfg.local, "local", "run on the embedded local warehouse with demo data (--local=PATH for a DuckDB file)")
	fs.BoolVar(&cfg.readOnly, "read-only", false, "run_query accepts only reads (SELECT, WITH, VALUES, TABLE, SHOW, DESCRIBE, EXPLAIN, DuckDB's FROM-first), checked by a SQL tokenizer; no submit_job/cancel_job")
	fs.StringVar(&cfg.sqlDialect, "sql-dialect", "", "with --read-only: check every statement as this SQL dialect (bigquery, snowflake, redshift, postgres, databricks, generic), overriding each connection's own; default: the connection's provider, or all dialects when it is unknown")
	connProviders := fs.String("connection-provider", "", "the warehouse of connections CARTO's API does not list for this token, as name=provider pairs "+
		"separated by commas (e.g. my_pg=postgres,carto_dw=bigquery); providers: bigquery, snowflake, redshift, postgres, databricks")
	fs.StringVar(&cfg.connection, "connection", "", "default CARTO connection (overrides "+client.EnvConnection+")")
	fs.StringVar(&cfg.baseURL, "base-url", "", "CARTO API base URL (overrides "+client.EnvBaseURL+")")
	fs.IntVar(&cfg.defaultRows, "default-rows", 100, "rows run_query returns when the model does not ask for a number")
	fs.IntVar(&cfg.maxRows, "max-rows", 1000, fmt.Sprintf("most rows run_query returns in one call (1 to %d)", tools.MaxRowsLimit))
	fs.IntVar(&cfg.maxText, "max-result-bytes", 256<<10, "most bytes of row data run_query returns in one call")
	fs.DurationVar(&cfg.callTimeout, "call-timeout", 75*time.Second, "deadline of one tool call (CARTO's own query limit is 1 minute)")
	fs.StringVar(&cfg.httpToken, "http-token", "", "bearer token HTTP clients must send (prefer the CARTO_MCP_HTTP_TOKEN variable: flags show in ps)")
	fs.StringVar(&cfg.allowedOrigins, "allowed-origins", "", "comma-separated browser origins allowed besides loopback ones, e.g. https://app.example.com")
	fs.BoolVar(&cfg.perRequestToken, "per-request-token", false,
		"shared deployments: every HTTP request brings its caller's CARTO token in the X-Carto-Api-Access-Token header (implies --stateless)")
	fs.StringVar(&cfg.taskSecret, "task-secret", "",
		"with --stateless: the key that signs MCP task ids, the same on every replica (at least 16 bytes; prefer the CARTO_MCP_TASK_SECRET variable: flags show in ps)")
	fs.BoolVar(&cfg.insecureRemote, "insecure-allow-unauthenticated-remote", false,
		"listen on a non-loopback address with no authentication (anyone who can reach it can use your CARTO token)")
	fs.IntVar(&cfg.maxSessions, "max-sessions", httpserve.DefaultMaxSessions,
		"streamable HTTP: most sessions open at once; one more is refused (503) until one ends or idles out")
	fs.DurationVar(&cfg.sessionIdle, "session-idle-timeout", httpserve.DefaultSessionIdleTimeout,
		"streamable HTTP: a session with no request for this long (and no open stream) is ended; its client initializes again")
	fs.IntVar(&cfg.maxWait, "max-wait", 50, "most seconds submit_job/get_job may wait for a job to end (wait_seconds); 0 turns waiting off; kept 10s under --call-timeout")
	fs.IntVar(&cfg.maxCalls, "max-concurrent-calls", 16, "most calls to CARTO in flight at once; more wait their turn")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn or error (logs go to stderr)")
	fs.BoolVar(&cfg.showVersion, "version", false, "print the version and exit")
	// Errors are reported by run, in one format, for the command line and the
	// environment alike; the usage is printed only when asked for.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	plain := map[string]flag.Value{}
	fs.VisitAll(func(f *flag.Flag) { plain[f.Name], f.Value = f.Value, explainingValue(f.Value) })

	// Environment first, so the command line overrides it.
	var envErr error
	explicit := map[string]string{} // flag name -> where it was set
	fs.VisitAll(func(f *flag.Flag) {
		name := envName(f.Name)
		if v := getenv(name); v != "" && envErr == nil {
			explicit[f.Name] = name
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
			fmt.Fprintf(stderr, usageHeader, strings.Join(tools.ToolNames, ", "))
			fs.VisitAll(func(f *flag.Flag) { f.Value = plain[f.Name] }) // PrintDefaults reads their types
			fs.SetOutput(stderr)
			fs.PrintDefaults()
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	fs.Visit(func(f *flag.Flag) { explicit[f.Name] = "--" + f.Name })
	if explicit["default-rows"] == "" && cfg.defaultRows > cfg.maxRows {
		cfg.defaultRows = cfg.maxRows // a lower maximum lowers the default with it
	}
	providers, err := discovery.ParseConfig(*connProviders)
	if err != nil {
		return nil, usageErr("%s: %v", setting(explicit, "connection-provider"), err)
	}
	cfg.providers = providers
	if fs.NArg() > 0 {
		return nil, usageErr("unexpected argument %q (a local database path is given as --local=PATH)", fs.Arg(0))
	}
	if err := cfg.logLevel.UnmarshalText([]byte(*logLevel)); err != nil {
		return nil, usageErr("%s %q: want debug, info, warn or error", setting(explicit, "log-level"), *logLevel)
	}
	switch cfg.transport {
	case "stdio", "sse", "http":
	default:
		return nil, usageErr("%s %q: want stdio, sse or http", setting(explicit, "transport"), cfg.transport)
	}
	if cfg.maxRows < 1 || cfg.maxRows > tools.MaxRowsLimit {
		return nil, usageErr("%s %d: want 1 to %d", setting(explicit, "max-rows"), cfg.maxRows, tools.MaxRowsLimit)
	}
	if cfg.defaultRows < 1 || cfg.defaultRows > cfg.maxRows {
		return nil, usageErr("%s %d: want 1 to --max-rows (%d)", setting(explicit, "default-rows"), cfg.defaultRows, cfg.maxRows)
	}
	if cfg.maxText < 1024 {
		return nil, usageErr("%s %d is too small: want at least 1024", setting(explicit, "max-result-bytes"), cfg.maxText)
	}
	if err := checkTransportSettings(cfg, explicit); err != nil {
		return nil, err
	}
	if cfg.perRequestToken {
		if cfg.local.enabled {
			return nil, usageErr("%s is for CARTO; the local warehouse has no per-user tokens: leave out one of %s and %s",
				setting(explicit, "per-request-token"), setting(explicit, "per-request-token"), setting(explicit, "local"))
		}
		cfg.stateless = true
	}
	if explicit["task-secret"] != "" {
		if !cfg.stateless {
			return nil, usageErr("%s signs the task ids of a stateless server: add --stateless, or remove it", setting(explicit, "task-secret"))
		}
		if len(cfg.taskSecret) < tools.MinTaskSecretBytes {
			// Never echo the secret itself.
			return nil, usageErr("%s is %d bytes: want at least %d (e.g. openssl rand -hex 32)",
				setting(explicit, "task-secret"), len(cfg.taskSecret), tools.MinTaskSecretBytes)
		}
	}
	if cfg.callTimeout <= 0 {
		return nil, usageErr("%s %s: want a positive duration, e.g. 75s", setting(explicit, "call-timeout"), cfg.callTimeout)
	}
	if cfg.maxWait < 0 || cfg.maxWait > tools.MaxWaitSecondsLimit {
		return nil, usageErr("%s %d: want 0 to %d seconds", setting(explicit, "max-wait"), cfg.maxWait, tools.MaxWaitSecondsLimit)
	}
	switch {
	case explicit["max-wait"] == "":
		cfg.maxWait = 0 // the tools' default, which adapts to --call-timeout
	case cfg.maxWait == 0:
		cfg.maxWait = -1 // waiting off
	case time.Duration(cfg.maxWait)*time.Second > cfg.callTimeout-10*time.Second:
		return nil, usageErr("%s %ds must end at least 10s before --call-timeout (%s): want at most %d, or a longer --call-timeout",
			setting(explicit, "max-wait"), cfg.maxWait, cfg.callTimeout, max(int((cfg.callTimeout-10*time.Second)/time.Second), 0))
	}
	if cfg.maxCalls < 1 {
		return nil, usageErr("%s %d: want at least 1", setting(explicit, "max-concurrent-calls"), cfg.maxCalls)
	}
	if cfg.maxSessions < 1 {
		return nil, usageErr("%s %d: want at least 1", setting(explicit, "max-sessions"), cfg.maxSessions)
	}
	if cfg.sessionIdle < time.Second {
		return nil, usageErr("%s %s: want a duration of at least 1s, e.g. 30m", setting(explicit, "session-idle-timeout"), cfg.sessionIdle)
	}
	return cfg, nil
}

// httpOnly are the settings that only the HTTP transports use.
var httpOnly = []string{"addr", "stateless", "http-token", "allowed-origins", "per-request-token",
	"insecure-allow-unauthenticated-remote", "task-secret", "max-sessions", "session-idle-timeout"}

// checkTransportSettings refuses settings the chosen transport would ignore:
// a server that silently drops --http-token or --stateless is not what its
// operator configured.
func checkTransportSettings(cfg *config, explicit map[string]string) error {
	if cfg.transport == "stdio" {
		for _, name := range httpOnly {
			if where := explicit[name]; where != "" {
				return usageErr("%s applies to the HTTP transports only, and this server speaks stdio: "+
					"remove it, or add --transport http (or sse)", where)
			}
		}
		return nil
	}
	if cfg.transport != "http" {
		for _, name := range []string{"stateless", "per-request-token", "task-secret", "max-sessions", "session-idle-timeout"} {
			if where := explicit[name]; where != "" {
				return usageErr("%s applies to --transport http (streamable HTTP) only, not %s", where, cfg.transport)
			}
		}
	}
	return nil
}

// setting names where a flag's value came from: --name, or the environment
// variable that set it.
func setting(explicit map[string]string, name string) string {
	if where := explicit[name]; where != "" {
		return where
	}
	return "--" + name
}

func envName(flagName string) string {
	return "CARTO_MCP_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// usageErr is a refusal of the command line or environment; run prints it.
func usageErr(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, a...))
}

// explainingValue wraps a flag's value so that a value it cannot parse is
// refused with what it accepts, rather than with strconv's words.
func explainingValue(v flag.Value) flag.Value {
	if b, ok := v.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		return explainingBool{explaining{v}}
	}
	return explaining{v}
}

type explaining struct{ flag.Value }

func (e explaining) Set(s string) error {
	err := e.Value.Set(s)
	if err == nil {
		return nil
	}
	g, ok := e.Value.(flag.Getter)
	if !ok {
		return err // our own values explain themselves
	}
	switch g.Get().(type) {
	case bool:
		return errors.New("want true or false (or 1 or 0)")
	case int:
		return errors.New("want a whole number")
	case time.Duration:
		return errors.New("want a duration with a unit, e.g. 90s, 2m or 1h")
	}
	return err
}

func (e explaining) Get() any {
	if g, ok := e.Value.(flag.Getter); ok {
		return g.Get()
	}
	return e.Value.String()
}

type explainingBool struct{ explaining }

func (explainingBool) IsBoolFlag() bool { return true }

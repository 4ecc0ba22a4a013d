// Command carto-local serves a local, CARTO-SQL-API-v3-compatible warehouse
// (DuckDB with demo data) over HTTP, for trying the CARTO MCP server, or any
// CARTO SQL API client, without a CARTO account.
//
//	carto-local                          # http://127.0.0.1:8090, in memory, demo data
//	carto-local --db warehouse.duckdb    # keep data in a file
//	curl 'http://127.0.0.1:8090/v3/sql/carto_local/query?q=SELECT+*+FROM+carto_local.demo.cities+LIMIT+3'
//
// It listens on loopback only, unless a token is set (--token or the
// CARTO_LOCAL_TOKEN environment variable, which keeps it out of ps output).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/carto-mcp/carto-mcp/localwarehouse"
)

// shutdownGrace is how long in-flight requests get to finish on SIGINT or
// SIGTERM before the warehouse cancels them.
const shutdownGrace = 5 * time.Second

type config struct {
	addr     string
	logLevel slog.Level
	opts     localwarehouse.Options
}

func main() {
	cfg, err := parseFlags(os.Args[1:], os.Stderr, os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "carto-local:", err)
		os.Exit(2)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.logLevel}))
	cfg.opts.Logger = log

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, log); err != nil {
		log.Error("carto-local failed", "err", err)
		os.Exit(1)
	}
}

func parseFlags(args []string, output io.Writer, getenv func(string) string) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("carto-local", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: carto-local [flags]

Serves the CARTO SQL API v3 (/v3/sql/{connection}/query, /job, /jobs) from a
local DuckDB warehouse with demo tables (demo.cities, demo.countries,
demo.stores), for use without a CARTO account. Tables are addressed as
<connection>.<schema>.<table>, e.g. %s.demo.cities.

Flags:
`, localwarehouse.DefaultConnection)
		fs.PrintDefaults()
		fmt.Fprintf(fs.Output(), `
Environment:
  CARTO_LOCAL_TOKEN  token to require, if --token is not given

Example:
  carto-local --db warehouse.duckdb &
  curl 'http://127.0.0.1:8090/v3/sql/%s/query?q=SELECT+name+FROM+demo.cities+LIMIT+3'
`, localwarehouse.DefaultConnection)
	}

	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:8090", "`address` to listen on; non-loopback addresses require a token")
	fs.StringVar(&cfg.opts.Path, "db", "", "DuckDB database `file` (created if missing); empty keeps everything in memory")
	// No default from the environment here: --help would print the token.
	fs.StringVar(&cfg.opts.Token, "token", "",
		"require this `token` as \"Authorization: Bearer <token>\" (default $CARTO_LOCAL_TOKEN)")
	fs.StringVar(&cfg.opts.Connection, "connection", localwarehouse.DefaultConnection,
		"connection `name` served, also the catalog name in SQL")
	fs.BoolVar(&cfg.opts.ReadOnly, "read-only", false, "refuse all writes to the warehouse")
	fs.DurationVar(&cfg.opts.QueryTimeout, "query-timeout", localwarehouse.DefaultQueryTimeout,
		"timeout of synchronous queries (jobs have none)")
	fs.IntVar(&cfg.opts.MaxRows, "max-rows", localwarehouse.DefaultMaxRows, "row limit of synchronous queries")
	fs.IntVar(&cfg.opts.MaxConcurrentJobs, "max-concurrent-jobs", localwarehouse.DefaultMaxConcurrentJobs,
		"jobs run at once; more wait as pending")
	fs.BoolVar(&cfg.opts.NoDemoData, "no-demo-data", false, "do not create the demo schema")
	fs.BoolVar(&cfg.opts.AllowExternalAccess, "allow-external-access", false,
		"let SQL read and write local files and the network (read_csv, COPY, ATTACH); unsafe with AI agents")
	fs.TextVar(&cfg.logLevel, "log-level", slog.LevelInfo, "log `level`: debug, info, warn or error")

	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if cfg.opts.Token == "" {
		cfg.opts.Token = getenv("CARTO_LOCAL_TOKEN")
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if cfg.opts.Token == "" && !isLoopback(cfg.addr) {
		return cfg, fmt.Errorf("refusing to listen on %s without a token: use a loopback address or set --token", cfg.addr)
	}
	return cfg, nil
}

// isLoopback reports whether addr only accepts local connections. A missing
// host (":8090") means every interface, so it is not loopback.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func run(ctx context.Context, cfg config, log *slog.Logger) error {
	w, err := localwarehouse.New(ctx, cfg.opts)
	if err != nil {
		return err
	}
	defer func() {
		if err := w.Close(); err != nil {
			log.Error("close warehouse", "err", err)
		}
	}()

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           w.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	conn := cfg.opts.Connection
	log.Info("serving CARTO SQL API v3",
		"url", "http://"+ln.Addr().String()+"/v3/sql/"+conn+"/query",
		"connection", conn, "auth", cfg.opts.Token != "", "read_only", cfg.opts.ReadOnly)

	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		// Requests still running (a long query) are cancelled by w.Close.
		log.Warn("shutdown grace period over; cancelling remaining requests", "err", err)
		_ = srv.Close()
	}
	return nil
}

// Command carto-mcp is a Model Context Protocol server for the CARTO SQL API v3.
//
// Run it with no CARTO account on the embedded local warehouse:
//
//	carto-mcp --local
//
// or against CARTO with an API access token:
//
//	CARTO_API_ACCESS_TOKEN=... CARTO_CONNECTION=carto_dw carto-mcp
//
// See carto-mcp --help for every flag and environment variable.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// version is set at build time (-ldflags "-X main.version=v1.2.3"); a binary
// built by go install reports its module version instead.
var version = "dev"

func init() {
	if version != "dev" {
		return
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		version = info.Main.Version
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], env{getenv: os.Getenv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr})
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "carto-mcp:", err)
		os.Exit(1)
	}
}

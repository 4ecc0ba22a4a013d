// Package schemas holds the JSON Schemas of carto-mcp's tools, one file per tool
// for its input (<tool>.input.json) and one for its output (<tool>.output.json).
//
// The files are generated from the Go types in package tools; do not edit them by
// hand. Regenerate them from the repository root with:
//
//	go generate ./...
//
// A test in package tools fails when the files and the Go types drift apart.
//
// The files are embedded, and the server hands these very bytes to mcp-go, so
// what a client sees in tools/list is what is checked in here.
package schemas

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed *.json
var files embed.FS

// Input returns the input schema of tool, e.g. Input("run_query").
func Input(tool string) ([]byte, error) { return File(tool + ".input.json") }

// Output returns the output schema of tool.
func Output(tool string) ([]byte, error) { return File(tool + ".output.json") }

// File returns one embedded schema file by name, e.g. "run_query.input.json".
// Each call returns a fresh copy.
func File(name string) ([]byte, error) {
	b, err := files.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("schemas: no embedded schema %q (run `go generate ./...`): %w", name, err)
	}
	return b, nil
}

// Names lists the embedded schema files, sorted.
func Names() []string {
	entries, err := fs.ReadDir(files, ".")
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".json") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names
}

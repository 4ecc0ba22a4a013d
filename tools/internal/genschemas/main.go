// Command genschemas writes the JSON Schema files of package schemas from the Go
// types of package tools. Run it through `go generate ./...` from the repository
// root; it is not a user-facing command.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/carto-mcp/carto-mcp/tools/internal/schemagen"
)

func main() {
	dir := flag.String("dir", "../schemas", "directory to write the schema files to")
	flag.Parse()
	if err := run(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "genschemas:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	files, err := schemagen.Generate()
	if err != nil {
		return err
	}
	// Remove schema files no tool produces any more, so the embedded set is exact.
	old, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return err
	}
	for _, p := range old {
		if _, ok := files[filepath.Base(p)]; !ok {
			if err := os.Remove(p); err != nil {
				return err
			}
			fmt.Println("removed", p)
		}
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var changed []string
	for _, n := range names {
		p := filepath.Join(dir, n)
		if cur, err := os.ReadFile(p); err == nil && bytes.Equal(cur, files[n]) {
			continue
		}
		if err := os.WriteFile(p, files[n], 0o644); err != nil {
			return err
		}
		changed = append(changed, n)
	}
	if len(changed) > 0 {
		fmt.Println("genschemas: wrote", strings.Join(changed, ", "))
	}
	return nil
}

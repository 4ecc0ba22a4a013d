//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package main

import "os"

// isTTY, where the standard library has no terminal ioctl for us (Windows,
// Plan 9, wasm): any character device except the null device counts. The
// result only decides whether to print a hint for a person at a terminal.
func isTTY(f *os.File) bool {
	st, err := f.Stat()
	if err != nil {
		return false
	}
	null, err := os.Stat(os.DevNull)
	return err != nil || !os.SameFile(st, null)
}

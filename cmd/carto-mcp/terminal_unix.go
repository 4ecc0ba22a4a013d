//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"os"
	"syscall"
	"unsafe"
)

// isTTY asks the kernel for f's terminal attributes, as isatty(3) does: only
// a terminal has them (ENOTTY for /dev/null, /dev/zero and other devices).
// The ioctl runs through SyscallConn, not Fd, so that the stdio server's
// reads on f keep their non-blocking mode.
func isTTY(f *os.File) bool {
	conn, err := f.SyscallConn()
	if err != nil {
		return false
	}
	var errno syscall.Errno
	var attrs syscall.Termios
	if err := conn.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, ioctlGetTermios, uintptr(unsafe.Pointer(&attrs)))
	}); err != nil {
		return false
	}
	return errno == 0
}

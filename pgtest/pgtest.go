// Package pgtest starts a private PostgreSQL server for a test: Debian's
// binaries (/usr/lib/postgresql/<version>/bin), a temporary data directory,
// reached through a Unix socket in that directory (no TCP port, so nothing
// can take it between choosing it and the server binding it), stopped and
// removed when the test ends. Its commands are bounded by the test binary's
// deadline, not by a fixed time: a busy machine makes them slower, not fail.
//
// PostgreSQL refuses to run as root, so when the test runs as root (as CI
// does) the server runs as the postgres user, through runuser.
package pgtest

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/carto-mcp/carto-mcp/internal/testctx"
)

// Server is a running PostgreSQL.
type Server struct {
	// DSN reaches the postgres database as the superuser postgres.
	DSN      string
	bin      string
	dir      string
	as       []string  // the command prefix that runs a binary as the server's user
	deadline time.Time // when its commands give up: the test's deadline
}

// binDir finds Debian's PostgreSQL binaries, newest version first.
func binDir() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Sort(sort.Reverse(sort.StringSlice(dirs)))
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "pg_ctl")); err == nil {
			return d
		}
	}
	return ""
}

// Start starts a server, or skips the test when PostgreSQL is not installed.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := binDir()
	if bin == "" {
		t.Skip("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/pg_ctl): apt-get install postgresql postgis postgresql-15-postgis-3, as .ci/run does")
	}
	dir, err := os.MkdirTemp("", "pgtest-*")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{bin: bin, dir: dir, deadline: time.Now().Add(24 * time.Hour)}
	if d, ok := testctx.Deadline(t); ok {
		s.deadline = d
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			t.Fatalf("pgtest: running as root needs the postgres user (from the postgresql package): %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			t.Fatal(err)
		}
		s.as = []string{"runuser", "-u", "postgres", "--"}
	}
	t.Cleanup(func() { s.stop(t) })
	data := filepath.Join(dir, "data")
	if out, err := s.run("initdb", "-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"); err != nil {
		t.Fatalf("pgtest: initdb: %v\n%s", err, out)
	}
	// Port only names the socket file (.s.PGSQL.<port>) in the private dir.
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off", socketPort, dir)
	// -t: pg_ctl's own wait, bounded like everything else by the test's deadline.
	if out, err := s.run("pg_ctl", "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "-t", s.waitSeconds(), "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		t.Fatalf("pgtest: pg_ctl start: %v\n%s\n%s", err, out, log)
	}
	s.DSN = fmt.Sprintf("postgres://postgres@/postgres?host=%s&port=%d&sslmode=disable", url.QueryEscape(dir), socketPort)
	return s
}

// socketPort is the port number in the socket's file name.
const socketPort = 5432

// waitSeconds is pg_ctl's -t: the time left before the test's deadline.
func (s *Server) waitSeconds() string {
	return strconv.Itoa(max(int(time.Until(s.deadline).Seconds()), 1))
}

// run runs a PostgreSQL binary until the test's deadline (a hang guard, not
// a speed check).
func (s *Server) run(name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithDeadline(context.Background(), s.deadline)
	defer cancel()
	return s.runCtx(ctx, name, args...)
}

func (s *Server) runCtx(ctx context.Context, name string, args ...string) ([]byte, error) {
	argv := append(append([]string{}, s.as...), filepath.Join(s.bin, name))
	argv = append(argv, args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = s.dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.Bytes(), err
}

func (s *Server) stop(t testing.TB) {
	data := filepath.Join(s.dir, "data")
	if _, err := os.Stat(filepath.Join(data, "postmaster.pid")); err == nil {
		// Stopping is a cleanup: it must run even once the test's deadline
		// has passed, for as long as it takes (pg_ctl's -t is an hour; the
		// test binary's own -timeout still bounds it).
		if out, err := s.runCtx(context.Background(), "pg_ctl", "-D", data, "-m", "immediate", "-w", "-t", "3600", "stop"); err != nil {
			t.Errorf("pgtest: pg_ctl stop: %v\n%s", err, out)
		}
	}
	_ = os.RemoveAll(s.dir)
}

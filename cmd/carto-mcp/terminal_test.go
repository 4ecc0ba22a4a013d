package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The stdio hint for a person at a terminal must not be printed when stdin
// is /dev/null (a service manager, `carto-mcp </dev/null`): a character
// device, but not a terminal.
func TestIsTerminal(t *testing.T) {
	t.Parallel()
	null, err := os.Open(os.DevNull)
	require.NoError(t, err)
	defer null.Close()
	st, err := null.Stat()
	require.NoError(t, err)
	require.NotZero(t, st.Mode()&os.ModeCharDevice, "the null device is a character device: the case ModeCharDevice alone gets wrong")
	assert.False(t, isTerminal(null), os.DevNull)

	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()
	assert.False(t, isTerminal(r), "a pipe, as MCP clients connect stdio")

	file, err := os.Create(filepath.Join(t.TempDir(), "input"))
	require.NoError(t, err)
	defer file.Close()
	assert.False(t, isTerminal(file), "a regular file")

	assert.False(t, isTerminal(strings.NewReader("")), "not an *os.File")

	// A pseudo-terminal's master side answers the terminal ioctl as a
	// terminal does, and needs no controlling terminal for this test.
	pty, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Logf("no pseudo-terminal to check the positive case: %v", err)
		return
	}
	defer pty.Close()
	assert.True(t, isTerminal(pty), "/dev/ptmx")
}

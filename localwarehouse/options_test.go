package localwarehouse

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestIsPlainIdentifier(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{
		"carto_local": true, "_x": true, "A9": true, "z": true,
		strings.Repeat("a", 63): true, strings.Repeat("a", 64): false,
		"": false, "9lives": false, "my-conn": false, "a b": false, "a.b": false,
		"naïve": false, "@x": false, "[x]": false, "`x`": false, "x{": false,
	} {
		assert.Equal(t, want, isPlainIdentifier(name), "%q", name)
	}
}

func TestOptionsRejectConnectionNamesDuckDBWouldMisread(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"my-conn", "1st", "a.b", "memory", "SYSTEM"} {
		_, err := Options{Connection: name}.withDefaults()
		assert.Error(t, err, "%q", name)
	}
	opts, err := Options{}.withDefaults()
	assert.NoError(t, err)
	assert.Equal(t, DefaultConnection, opts.Connection)
}

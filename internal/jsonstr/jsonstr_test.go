package jsonstr

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAppend(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"", `""`},
		{"plain", `"plain"`},
		{`say "hi" \ bye`, `"say \"hi\" \\ bye"`},
		{"tab\tnl\ncr\r", `"tab\tnl\ncr\r"`},
		{"\x00\x1f", `"\u0000\u001f"`},
		{"<a&b>", `"<a&b>"`},
		{"ünïcødé 名", `"ünïcødé 名"`},
		{"bad\xffutf8", `"bad\ufffdutf8"`},
		{"line\u2028para\u2029", `"line\u2028para\u2029"`},
	} {
		got := string(Append([]byte("x"), tc.in))
		assert.Equal(t, "x"+tc.want, got, "%q", tc.in)
	}
}

// Whatever the input, the output is a JSON string that decodes to the input
// (with invalid UTF-8 replaced, as encoding/json does).
func FuzzAppend(f *testing.F) {
	for _, s := range []string{"", "a", "\"\\", "\xff", "\u2028", "名"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var back string
		require.NoError(t, json.Unmarshal(Append(nil, s), &back))
		want, _ := json.Marshal(s)
		var wantBack string
		require.NoError(t, json.Unmarshal(want, &wantBack))
		assert.Equal(t, wantBack, back)
	})
}

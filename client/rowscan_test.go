package client

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readRow scans rows itself; every value must be exactly the JSON text
// encoding/json finds for the same key.
func TestRowValuesMatchEncodingJSON(t *testing.T) {
	t.Parallel()
	rows := []string{
		`{"a":1,"b":"x"}`,
		` { "a" : -1.5e+10 , "b" : "say \"}\" and \\" } `,
		`{"a":{"k":[1,{"z":"]}"},"}"]},"b":[]}`,
		`{"a":true,"b":false,"c":null}`,
		`{"a\u0062":1,"c":"\u00e9\n"}`,
		`{"geom":"POLYGON ((0 0, 1 0, 1 1, 0 0))","n":9007199254740993}`,
		`{"a":1,"a":2}`,
		"{\n\t\"a\"\t:\r\n[ 1 ,\n 2 ]\n}",
		`{}`,
		`{"":"empty key","x":"{\"nested\":\"json\"}"}`,
	}
	for _, r := range rows {
		body := `{"rows":[` + r + `]}`
		res, err := decodeQueryResult(strings.NewReader(body), QueryLimits{})
		require.NoError(t, err, r)
		var ref map[string]json.RawMessage
		require.NoError(t, json.Unmarshal([]byte(r), &ref))
		require.Len(t, res.Rows, 1)
		got := map[string]string{}
		for i, c := range res.Columns {
			got[c.Name] = string(res.Rows[0][i])
		}
		want := map[string]string{}
		for k, v := range ref {
			want[k] = string(bytes.TrimSpace(v))
		}
		assert.Equal(t, want, got, r)
	}
}

// The scanner never reads out of range, whatever it is given.
func TestRowScannerOnBrokenInput(t *testing.T) {
	t.Parallel()
	for _, b := range []string{``, `{`, `{"`, `{"a`, `{"a"`, `{"a":`, `{"a":"`, `{"a":[`, `{"a":{"b":"\`, `{"a":1,`, `{,}`, `{"a" 1}`} {
		s := rowScanner{b: []byte(b)}
		if !s.open() {
			continue
		}
		for n := 0; n < 10; n++ {
			if _, _, _, ok := s.next(); !ok {
				break
			}
		}
	}
}

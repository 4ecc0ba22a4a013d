package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

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

// A row is accepted exactly when encoding/json finds it valid JSON (and an
// object), and a rejected one is ErrInvalidResponse, or ErrTruncatedResponse
// when the body ends inside it.
func TestRowSyntaxMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	rows := []string{
		`{}`, `{"a":1}`, `{"a":-0}`, `{"a":0.5e-3}`, `{"a":1E+2}`, `{"a":"\u00e9\n\/"}`, `{"a":[[],{},[{}]]}`,
		`{"a":true,"b":false,"c":null}`, " {\n\"a\" :\t[ 1 , 2 ] } ",
		`{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":-}`, `{"a":1e}`, `{"a":1e+}`, `{"a":+1}`, `{"a":--1}`,
		`{"a":tru}`, `{"a":nul}`, `{"a":True}`, `{"a":"\x"}`, `{"a":"\u12G4"}`, "{\"a\":\"\t\"}",
		`{"a":1,}`, `{,}`, `{"a" 1}`, `{"a":1 "b":2}`, `{"a":[1,]}`, `{"a":[1 2]}`, `{"a":{"b"}}`,
		`{"a":{"b":1,}}`, `{a:1}`, `{"a":[}`, `{"a":]}`, `{"a":1}}`, `[1]`, `1`, `"x"`, `null`,
		`{"a":1`, `{"a":"abc`, `{"a":[1,{"b":`, `{"a`, `{`,
	}
	for _, r := range rows {
		body := `{"rows":[` + r + `]}`
		_, err := decodeQueryResult(strings.NewReader(body), QueryLimits{})
		valid := json.Valid([]byte(body)) && strings.HasPrefix(strings.TrimSpace(r), "{")
		if valid {
			assert.NoError(t, err, r)
			continue
		}
		if assert.Error(t, err, r) {
			assert.True(t, errors.Is(err, ErrInvalidResponse) || errors.Is(err, ErrTruncatedResponse), "%s: %v", r, err)
		}
	}
}

// The rows are read in chunks: values that span a refill, rows longer than a
// chunk, and bodies arriving a byte at a time are read the same.
func TestRowsAcrossRefills(t *testing.T) {
	t.Parallel()
	var body strings.Builder
	body.WriteString(`{"rows":[`)
	for i := range 3000 {
		if i > 0 {
			body.WriteString(",")
		}
		fmt.Fprintf(&body, `{"id":%d,"s":"%s","o":{"k":[%d,"\"]"]}}`, i, strings.Repeat("é", i%97), i)
	}
	body.WriteString(`],"schema":[{"name":"id","type":"number"},{"name":"s","type":"string"},{"name":"o","type":"object"}]}`)
	for _, r := range []io.Reader{strings.NewReader(body.String()), iotest.OneByteReader(strings.NewReader(body.String()))} {
		res, err := decodeQueryResult(r, QueryLimits{})
		require.NoError(t, err)
		require.Len(t, res.Rows, 3000)
		for i, row := range res.Rows {
			require.Equal(t, strconv.Itoa(i), string(row[0]))
			require.Equal(t, `"`+strings.Repeat("é", i%97)+`"`, string(row[1]))
			require.Equal(t, fmt.Sprintf(`{"k":[%d,"\"]"]}`, i), string(row[2]))
		}
	}
}

func FuzzRowSyntax(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{"a":[1,{"b":"\u00e9"}]}`, `{"a":1,}`, `{"a":01}`, `{"a":"x`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, row string) {
		body := `{"rows":[` + row + `]}`
		res, err := decodeQueryResult(strings.NewReader(body), QueryLimits{})
		var parsed struct{ Rows []json.RawMessage }
		// The first JSON value of the body: like the client, json.Decoder
		// does not read past it.
		valid := json.NewDecoder(strings.NewReader(body)).Decode(&parsed) == nil
		for _, r := range parsed.Rows {
			valid = valid && r[0] == '{'
		}
		if valid != (err == nil) {
			t.Fatalf("valid %v, error %v", valid, err)
		}
		if err == nil {
			for _, r := range res.Rows {
				for _, v := range r {
					if !json.Valid(v) {
						t.Fatalf("invalid value %q", v)
					}
				}
			}
		}
	})
}

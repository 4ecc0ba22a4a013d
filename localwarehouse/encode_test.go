package localwarehouse

import (
	"encoding/json"
	"math"
	"math/big"
	"testing"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/stretchr/testify/assert"
)

func TestAppendValue(t *testing.T) {
	t.Parallel()
	huge, _ := new(big.Int).SetString("-170141183460469231731687303715884105728", 10)
	cases := []struct {
		in   any
		want string
	}{
		{nil, "null"},
		{int8(-1), "-1"},
		{uint64(math.MaxUint64), "18446744073709551615"},
		{huge, "-170141183460469231731687303715884105728"},
		{float32(0.1), "0.1"},
		{1e21, "1e+21"},
		{1e-7, "1e-7"},
		{math.Inf(-1), "null"},
		{duckdb.Decimal{Width: 5, Scale: 3, Value: big.NewInt(5)}, "0.005"},
		{duckdb.Decimal{Width: 5, Scale: 0, Value: big.NewInt(-12)}, "-12"},
		{duckdb.Interval{}, `"PT0S"`},
		{duckdb.Interval{Months: 14, Micros: 1_500_000}, `"P1Y2MT1.5S"`},
		{"a\u2028b\xff", `"a\u2028b\ufffd"`},
		{"\x01", `"\u0001"`},
		{[]any{map[string]any{"b": 1, "a": []byte("hi")}}, `[{"a":"aGk=","b":1}]`},
	}
	for _, c := range cases {
		got := string(appendValue(nil, c.in))
		assert.Equal(t, c.want, got, "%#v", c.in)
		if c.want != "null" {
			assert.True(t, json.Valid([]byte(got)), got)
		}
	}
}

func TestCartoType(t *testing.T) {
	t.Parallel()
	cases := map[[2]string]string{
		{"DECIMAL(18,3)", "x"}:         "number",
		{"INTEGER[]", "x"}:             "object",
		{"VARCHAR[3]", "x"}:            "object",
		{`STRUCT("a" INTEGER)`, "x"}:   "object",
		{"MAP(VARCHAR, INTEGER)", "x"}: "object",
		{"VARCHAR", "the_geom"}:        "geometry",
		{"VARCHAR", "GEOMETRY"}:        "geometry",
		{"VARCHAR", "shop_geom"}:       "geometry",
		{"VARCHAR", "geometric"}:       "string",
		{"BLOB", "geom"}:               "string",
		{"TIMESTAMP_NS", "x"}:          "timestamp",
		{"SQLNULL", "x"}:               "unknown",
	}
	for in, want := range cases {
		assert.Equal(t, want, cartoType(in[0], in[1]), "%v", in)
	}
}

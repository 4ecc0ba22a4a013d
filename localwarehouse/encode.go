package localwarehouse

import (
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/carto-mcp/carto-mcp/internal/jsonstr"
)

// CARTO's schema type names, common to all warehouses.
const (
	typeNumber    = "number"
	typeBigint    = "bigint"
	typeString    = "string"
	typeGeometry  = "geometry"
	typeTimestamp = "timestamp"
	typeObject    = "object"
	typeBoolean   = "boolean"
	typeVariant   = "variant"
	typeUnknown   = "unknown"
)

// column is one result column: its JSON key, CARTO type and value encoder.
type column struct {
	name      string
	cartoType string
	encode    func(dst []byte, v any) []byte
}

// newColumns describes the result columns. Duplicate names (SELECT 1 AS a,
// 2 AS a) would make ambiguous JSON objects, so later ones get a _1, _2...
// suffix, as DuckDB itself does for subqueries. jsonText holds the indexes
// of JSON columns read as text (see exactJSON).
func newColumns(cts []*sql.ColumnType, jsonText map[int]bool) []column {
	cols := make([]column, len(cts))
	seen := make(map[string]bool, len(cts))
	for i, ct := range cts {
		name := ct.Name()
		for k := 1; seen[name]; k++ {
			name = ct.Name() + "_" + strconv.Itoa(k)
		}
		seen[name] = true
		dbType := strings.ToUpper(ct.DatabaseTypeName())
		cols[i] = column{
			name:      name,
			cartoType: cartoType(dbType, ct.Name()),
			encode:    encoderFor(dbType),
		}
		if jsonText[i] {
			cols[i].cartoType, cols[i].encode = typeObject, encodeJSONText
		}
	}
	return cols
}

// cartoType maps a DuckDB type name (as duckdb-go reports it, e.g.
// "DECIMAL(12,2)", "INTEGER[]", "STRUCT(...)") to CARTO's type names.
func cartoType(dbType, colName string) string {
	switch {
	case strings.HasSuffix(dbType, "]"): // LIST "T[]" and ARRAY "T[n]"
		return typeObject
	case strings.HasPrefix(dbType, "DECIMAL"):
		return typeNumber
	case strings.HasPrefix(dbType, "STRUCT"), strings.HasPrefix(dbType, "MAP"):
		return typeObject
	case strings.HasPrefix(dbType, "UNION"):
		return typeVariant
	case strings.HasPrefix(dbType, "ENUM"):
		return typeString
	}
	switch dbType {
	case "BOOLEAN":
		return typeBoolean
	case "TINYINT", "SMALLINT", "INTEGER", "UTINYINT", "USMALLINT", "UINTEGER", "FLOAT", "DOUBLE":
		return typeNumber
	case "BIGINT", "UBIGINT", "HUGEINT", "UHUGEINT", "BIGNUM":
		return typeBigint
	case "VARCHAR":
		if isGeometryName(colName) {
			return typeGeometry
		}
		return typeString
	case "BLOB", "UUID", "BIT", "INTERVAL":
		return typeString
	case "DATE", "TIME", "TIMETZ", "TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS", "TIMESTAMPTZ":
		return typeTimestamp
	case "GEOMETRY":
		return typeGeometry
	case "JSON":
		return typeObject
	case "VARIANT":
		return typeVariant
	default:
		return typeUnknown
	}
}

// isGeometryName is the naming convention for WKT text columns: geom,
// the_geom, geometry, or any name ending in _geom (case-insensitive).
func isGeometryName(name string) bool {
	n := strings.ToLower(name)
	return n == "geom" || n == "the_geom" || n == "geometry" || strings.HasSuffix(n, "_geom")
}

// encoderFor picks the encoder for types whose Go value alone does not say
// how to render it (a []byte may be WKB, a UUID or a BLOB; a time.Time may
// be a TIME of day).
func encoderFor(dbType string) func([]byte, any) []byte {
	switch dbType {
	case "GEOMETRY":
		return encodeGeometry
	case "UUID":
		return encodeUUID
	case "TIME":
		return timeOfDayEncoder("15:04:05.999999999")
	case "TIMETZ":
		return timeOfDayEncoder("15:04:05.999999999Z07:00")
	default:
		return appendValue
	}
}

func encodeGeometry(dst []byte, v any) []byte {
	b, ok := v.([]byte)
	if !ok {
		return appendValue(dst, v)
	}
	wkt, err := wkbToWKT(b)
	if err != nil {
		// Not WKB we understand: hex WKB is the other form CARTO clients accept.
		return jsonstr.Append(dst, hex.EncodeToString(b))
	}
	return jsonstr.Append(dst, wkt)
}

func encodeUUID(dst []byte, v any) []byte {
	b, ok := v.([]byte)
	if !ok || len(b) != 16 {
		return appendValue(dst, v)
	}
	return appendUUID(dst, b)
}

func appendUUID(dst []byte, b []byte) []byte {
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	dst = append(dst, '"')
	dst = append(dst, s[:]...)
	return append(dst, '"')
}

func timeOfDayEncoder(layout string) func([]byte, any) []byte {
	return func(dst []byte, v any) []byte {
		t, ok := v.(time.Time)
		if !ok {
			return appendValue(dst, v)
		}
		dst = append(dst, '"')
		dst = t.AppendFormat(dst, layout)
		return append(dst, '"')
	}
}

// appendSchema writes the schema array.
func appendSchema(dst []byte, cols []column) []byte {
	dst = append(dst, '[')
	for i, c := range cols {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"name":`...)
		dst = jsonstr.Append(dst, c.name)
		dst = append(dst, `,"type":`...)
		dst = jsonstr.Append(dst, c.cartoType)
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// appendRow writes one row as a JSON object, keys in column order.
func appendRow(dst []byte, cols []column, vals []any) []byte {
	dst = append(dst, '{')
	for i, c := range cols {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsonstr.Append(dst, c.name)
		dst = append(dst, ':')
		if vals[i] == nil {
			dst = append(dst, "null"...)
		} else {
			dst = c.encode(dst, vals[i])
		}
	}
	return append(dst, '}')
}

// appendValue encodes any value the DuckDB driver produces. Integers,
// big integers and decimals are written as exact JSON number literals;
// times as RFC 3339 in UTC; NaN and infinities as null (as JSON.stringify
// does in CARTO's Node.js API).
func appendValue(dst []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...)
	case bool:
		return strconv.AppendBool(dst, x)
	case int8:
		return strconv.AppendInt(dst, int64(x), 10)
	case int16:
		return strconv.AppendInt(dst, int64(x), 10)
	case int32:
		return strconv.AppendInt(dst, int64(x), 10)
	case int64:
		return strconv.AppendInt(dst, x, 10)
	case int:
		return strconv.AppendInt(dst, int64(x), 10)
	case uint8:
		return strconv.AppendUint(dst, uint64(x), 10)
	case uint16:
		return strconv.AppendUint(dst, uint64(x), 10)
	case uint32:
		return strconv.AppendUint(dst, uint64(x), 10)
	case uint64:
		return strconv.AppendUint(dst, x, 10)
	case float32:
		return appendFloat(dst, float64(x), 32)
	case float64:
		return appendFloat(dst, x, 64)
	case string:
		return jsonstr.Append(dst, x)
	case []byte:
		return jsonstr.Append(dst, base64.StdEncoding.EncodeToString(x))
	case time.Time:
		return appendTime(dst, x)
	case *big.Int:
		if x == nil {
			return append(dst, "null"...)
		}
		return x.Append(dst, 10)
	case duckdb.Decimal:
		return appendDecimal(dst, x)
	case duckdb.Interval:
		return jsonstr.Append(dst, isoDuration(x))
	case duckdb.UUID:
		return appendUUID(dst, x[:])
	case *duckdb.UUID:
		if x == nil {
			return append(dst, "null"...)
		}
		return appendUUID(dst, x[:])
	case duckdb.Union:
		return appendValue(dst, x.Value)
	case []any:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendValue(dst, e)
		}
		return append(dst, ']')
	case map[string]any:
		// STRUCT values arrive as Go maps, which lost the field order;
		// sorted keys at least make the output deterministic.
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = jsonstr.Append(dst, k)
			dst = append(dst, ':')
			dst = appendValue(dst, x[k])
		}
		return append(dst, '}')
	case duckdb.OrderedMap:
		return appendOrderedMap(dst, &x)
	case *duckdb.OrderedMap:
		if x == nil {
			return append(dst, "null"...)
		}
		return appendOrderedMap(dst, x)
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return jsonstr.Append(dst, fmt.Sprint(x))
		}
		return append(dst, b...)
	}
}

// appendOrderedMap writes a MAP as a JSON object when all keys are strings
// and otherwise as an array of {"key":..., "value":...} entries.
func appendOrderedMap(dst []byte, m *duckdb.OrderedMap) []byte {
	keys, values := m.Keys(), m.Values()
	stringKeys := true
	for _, k := range keys {
		if _, ok := k.(string); !ok {
			stringKeys = false
			break
		}
	}
	if stringKeys {
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = jsonstr.Append(dst, k.(string))
			dst = append(dst, ':')
			dst = appendValue(dst, values[i])
		}
		return append(dst, '}')
	}
	dst = append(dst, '[')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"key":`...)
		dst = appendValue(dst, k)
		dst = append(dst, `,"value":`...)
		dst = appendValue(dst, values[i])
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// appendDecimal writes a DECIMAL exactly, keeping its scale (12.30 stays
// 12.30), from the unscaled big integer: never through float64.
func appendDecimal(dst []byte, d duckdb.Decimal) []byte {
	if d.Value == nil {
		return append(dst, "null"...)
	}
	var scratch [24]byte
	var digits []byte
	if d.Value.IsInt64() { // the common case, without allocating
		digits = strconv.AppendInt(scratch[:0], d.Value.Int64(), 10)
	} else {
		digits = d.Value.Append(scratch[:0], 10)
	}
	if digits[0] == '-' {
		dst = append(dst, '-')
		digits = digits[1:]
	}
	scale := int(d.Scale)
	if scale == 0 {
		return append(dst, digits...)
	}
	intLen := len(digits) - scale
	if intLen <= 0 { // 0.005: zeros between the point and the digits
		dst = append(dst, '0', '.')
		for range -intLen {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	}
	dst = append(dst, digits[:intLen]...)
	dst = append(dst, '.')
	return append(dst, digits[intLen:]...)
}

// appendFloat formats like encoding/json: shortest representation that
// round-trips, exponent only for very small or large magnitudes.
func appendFloat(dst []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, bits)
	if format == 'e' {
		// Turn e-07 into e-7, as encoding/json does.
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

// isoDuration renders an INTERVAL as an ISO 8601 duration, e.g. P1Y2M3DT4H5M6.5S.
func isoDuration(iv duckdb.Interval) string {
	var b strings.Builder
	b.WriteByte('P')
	if y := iv.Months / 12; y != 0 {
		fmt.Fprintf(&b, "%dY", y)
	}
	if m := iv.Months % 12; m != 0 {
		fmt.Fprintf(&b, "%dM", m)
	}
	if iv.Days != 0 {
		fmt.Fprintf(&b, "%dD", iv.Days)
	}
	if us := iv.Micros; us != 0 {
		b.WriteByte('T')
		if h := us / 3_600_000_000; h != 0 {
			fmt.Fprintf(&b, "%dH", h)
		}
		if m := us % 3_600_000_000 / 60_000_000; m != 0 {
			fmt.Fprintf(&b, "%dM", m)
		}
		if s := us % 60_000_000; s != 0 {
			b.WriteString(strconv.FormatFloat(float64(s)/1e6, 'f', -1, 64))
			b.WriteByte('S')
		}
	}
	if b.Len() == 1 {
		return "PT0S"
	}
	return b.String()
}

// infinite reports whether t is one of DuckDB's ±infinity dates or
// timestamps, as duckdb-go delivers them: the largest value of the type's unit
// (days for DATE, seconds, milliseconds, microseconds or nanoseconds for the
// TIMESTAMP types), which no real value takes.
func infinite(t time.Time) bool {
	const maxDays = math.MaxInt32 // DATE's infinity, in days from the epoch
	u := t.Unix()
	switch {
	case u == math.MaxInt64 || u == -math.MaxInt64: // TIMESTAMP_S
		return true
	case u == maxDays*86400 || u == -maxDays*86400: // DATE
		return true
	}
	for _, v := range []int64{t.UnixMilli(), t.UnixMicro(), t.UnixNano()} { // TIMESTAMP_MS, TIMESTAMP(TZ), TIMESTAMP_NS
		if v == math.MaxInt64 || v == -math.MaxInt64 {
			return true
		}
	}
	return false
}

// appendTime writes a DATE or TIMESTAMP as an RFC 3339 date-time in UTC.
// 'infinity' and '-infinity' become null, as CARTO's Node.js API writes them
// (node-postgres reads them as Infinity, which JSON.stringify turns into null),
// and as this warehouse writes infinite numbers. A year outside 0000-9999, which
// RFC 3339 cannot hold, is written in ISO 8601's expanded form with a sign
// ("+294247-01-10T00:00:00Z"), as JavaScript's toISOString does.
func appendTime(dst []byte, t time.Time) []byte {
	if infinite(t) {
		return append(dst, "null"...)
	}
	t = t.UTC()
	dst = append(dst, '"')
	if y := t.Year(); y < 0 || y > 9999 {
		sign := byte('+')
		if y < 0 {
			sign, y = '-', -y
		}
		dst = append(dst, sign)
		digits := strconv.Itoa(y)
		for range 6 - len(digits) {
			dst = append(dst, '0')
		}
		dst = append(dst, digits...)
		dst = t.AppendFormat(dst, "-01-02T15:04:05.999999999Z07:00")
		return append(dst, '"')
	}
	dst = t.AppendFormat(dst, time.RFC3339Nano)
	return append(dst, '"')
}

package duckspatial

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"runtime/debug"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// function is one scalar SQL function implemented in Go.
type function struct {
	name string    // as documented by CARTO, upper case; SQL names are case-insensitive
	args []string  // argument names, for the carto.* macros and the docs
	in   []argType // argument types
	out  argType
	// call computes one row. Arguments are never NULL (NULL in, NULL out);
	// a nil result is NULL.
	call func(args []driver.Value) (any, error)
}

// argType names a DuckDB type a function takes or returns.
type argType int

const (
	// tGeometry is a GEOMETRY argument; an overload also takes WKT text,
	// so VARCHAR columns holding WKT (as the demo tables do) work as they
	// are. Only a GEOMETRY result is ever returned as GEOMETRY.
	tGeometry argType = iota
	// tWKT is a text argument for the WKT parsers; an overload also takes
	// GEOMETRY, so ST_GEOMFROMTEXT(geom) keeps working on a GEOMETRY column.
	tWKT
	tVarchar
	tDouble
	tBigint
	tBoolean
	tZXY // STRUCT(z BIGINT, x BIGINT, y BIGINT)
)

func (t argType) typeInfo() (duckdb.TypeInfo, error) {
	switch t {
	case tGeometry:
		return duckdb.NewTypeInfo(duckdb.TYPE_GEOMETRY)
	case tVarchar, tWKT:
		return duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	case tDouble:
		return duckdb.NewTypeInfo(duckdb.TYPE_DOUBLE)
	case tBigint:
		return duckdb.NewTypeInfo(duckdb.TYPE_BIGINT)
	case tBoolean:
		return duckdb.NewTypeInfo(duckdb.TYPE_BOOLEAN)
	case tZXY:
		big, err := duckdb.NewTypeInfo(duckdb.TYPE_BIGINT)
		if err != nil {
			return nil, err
		}
		var entries []duckdb.StructEntry
		for _, n := range []string{"z", "x", "y"} {
			e, err := duckdb.NewStructEntry(big, n)
			if err != nil {
				return nil, err
			}
			entries = append(entries, e)
		}
		return duckdb.NewStructInfo(entries[0], entries[1:]...)
	}
	return nil, fmt.Errorf("unknown argument type %d", t)
}

func (t argType) String() string {
	return [...]string{"GEOMETRY", "VARCHAR", "VARCHAR", "DOUBLE", "BIGINT", "BOOLEAN", "STRUCT(z BIGINT, x BIGINT, y BIGINT)"}[t]
}

// scalar adapts a function to duckdb-go's ScalarFunc.
type scalar struct {
	f       *function
	config  duckdb.ScalarFuncConfig
	onPanic func(name string, recovered any, stack []byte)
}

func (s *scalar) Config() duckdb.ScalarFuncConfig { return s.config }

func (s *scalar) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{RowExecutor: s.row}
}

// row runs one call. duckdb-go does not recover panics in UDFs, and a panic
// on DuckDB's thread would kill the whole server, so every call is fenced:
// a panic becomes the query's error, with a stack in the log for us.
func (s *scalar) row(args []driver.Value) (res any, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, fmt.Errorf("%s: internal error (%v); please report it", s.f.name, r)
			if s.onPanic != nil {
				s.onPanic(s.f.name, r, debug.Stack())
			}
		}
	}()
	res, err = s.f.call(args)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.f.name, err)
	}
	return res, nil
}

// Register adds every function of this package to the DuckDB database behind
// conn, under its CARTO name. DuckDB keeps Go scalar functions in its system
// catalog, so one call serves every connection to the database, including
// ones opened later. onPanic, if not nil, is told about any panic a function
// recovered from (the query itself fails with an error).
func Register(conn *sql.Conn, onPanic func(name string, recovered any, stack []byte)) error {
	for _, f := range functions {
		var overloads []duckdb.ScalarFunc
		for _, in := range f.overloads() {
			sf, err := newScalar(f, in, onPanic)
			if err != nil {
				return fmt.Errorf("duckspatial: %s: %w", f.name, err)
			}
			overloads = append(overloads, sf)
		}
		if err := duckdb.RegisterScalarUDFSet(conn, f.name, overloads...); err != nil {
			return fmt.Errorf("duckspatial: register %s: %w", f.name, err)
		}
	}
	return nil
}

// overloads lists the DuckDB argument types of each overload: every
// geometry argument as GEOMETRY and as VARCHAR (WKT), in all combinations.
func (f *function) overloads() [][]duckdb.Type {
	out := [][]duckdb.Type{nil}
	for _, t := range f.in {
		var alts []duckdb.Type
		switch t {
		case tGeometry:
			alts = []duckdb.Type{duckdb.TYPE_GEOMETRY, duckdb.TYPE_VARCHAR}
		case tWKT:
			alts = []duckdb.Type{duckdb.TYPE_VARCHAR, duckdb.TYPE_GEOMETRY}
		default:
			alts = []duckdb.Type{typeOf[t]}
		}
		var next [][]duckdb.Type
		for _, prefix := range out {
			for _, a := range alts {
				next = append(next, append(append([]duckdb.Type(nil), prefix...), a))
			}
		}
		out = next
	}
	return out
}

var typeOf = map[argType]duckdb.Type{
	tVarchar: duckdb.TYPE_VARCHAR,
	tDouble:  duckdb.TYPE_DOUBLE,
	tBigint:  duckdb.TYPE_BIGINT,
	tBoolean: duckdb.TYPE_BOOLEAN,
}

func newScalar(f *function, in []duckdb.Type, onPanic func(string, any, []byte)) (*scalar, error) {
	cfg := duckdb.ScalarFuncConfig{}
	for _, t := range in {
		ti, err := duckdb.NewTypeInfo(t)
		if err != nil {
			return nil, err
		}
		cfg.InputTypeInfos = append(cfg.InputTypeInfos, ti)
	}
	out, err := f.out.typeInfo()
	if err != nil {
		return nil, err
	}
	cfg.ResultTypeInfo = out
	return &scalar{f: f, config: cfg, onPanic: onPanic}, nil
}

// Macros returns the statements that make every function reachable as
// <schema>.<NAME>(...) too, the way CARTO's Analytics Toolbox is called
// (carto.QUADBIN_FROMLONGLAT(...)): one SQL macro per function, calling the
// function in DuckDB's system catalog. schema is a quoted, possibly
// catalog-qualified schema name such as "carto"."main".
func Macros(schema string) []string {
	out := make([]string, 0, len(functions))
	for _, f := range functions {
		params := strings.Join(f.args, ", ")
		out = append(out, fmt.Sprintf("CREATE MACRO %s.%s(%s) AS system.main.%s(%s)",
			schema, f.name, params, f.name, params))
	}
	return out
}

// Names lists the functions' names in the order they are documented.
func Names() []string {
	out := make([]string, len(functions))
	for i, f := range functions {
		out[i] = f.name
	}
	return out
}

// Signatures lists each function as NAME(arg TYPE, ...) -> TYPE.
func Signatures() []string {
	out := make([]string, len(functions))
	for i, f := range functions {
		var b strings.Builder
		b.WriteString(f.name + "(")
		for j, a := range f.args {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(a + " " + f.in[j].String())
		}
		b.WriteString(") -> " + f.out.String())
		out[i] = b.String()
	}
	return out
}

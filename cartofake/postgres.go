package cartofake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Postgres is a QueryBackend that runs every query on the PostgreSQL server
// at dsn, as CARTO runs a PostgreSQL connection's queries: queryParameters
// (a JSON array) bound to $1, $2...; the schema's types in CARTO's names
// (number, bigint, string, boolean, timestamp, object, geometry); PostGIS
// geometries as PostgreSQL writes them (hex EWKB). Each query opens its own
// connection, so nothing lingers once the test ends.
func Postgres(dsn string) QueryBackend {
	return func(ctx context.Context, sql string, params json.RawMessage) (Result, error) {
		var args []any
		if p := bytes.TrimSpace(params); len(p) > 0 && !bytes.Equal(p, []byte("null")) {
			if err := json.Unmarshal(p, &args); err != nil {
				return Result{}, fmt.Errorf("queryParameters must be a JSON array for PostgreSQL: %v", err)
			}
		}
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return Result{}, err
		}
		defer conn.Close(context.WithoutCancel(ctx))
		spatial := map[uint32]bool{}
		var oids []uint32
		if err := conn.QueryRow(ctx, "SELECT COALESCE(array_agg(oid), '{}'::oid[]) FROM pg_type WHERE typname IN ('geometry', 'geography')").Scan(&oids); err == nil {
			for _, o := range oids {
				spatial[o] = true
			}
		}
		rows, err := conn.Query(ctx, sql, args...)
		if err != nil {
			return Result{}, err
		}
		defer rows.Close()
		var res Result
		for _, f := range rows.FieldDescriptions() {
			res.Columns = append(res.Columns, Column{Name: f.Name, Type: cartoType(f.DataTypeOID, spatial)})
		}
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
				return Result{}, err
			}
			res.Rows = append(res.Rows, vals)
		}
		return res, rows.Err()
	}
}

// cartoType names a PostgreSQL type as CARTO's schema does.
func cartoType(oid uint32, spatial map[uint32]bool) string {
	switch {
	case spatial[oid]:
		return "geometry"
	}
	switch oid {
	case 16:
		return "boolean"
	case 20:
		return "bigint"
	case 21, 23, 26, 700, 701, 1700:
		return "number"
	case 18, 19, 25, 1042, 1043:
		return "string"
	case 1082, 1114, 1184:
		return "timestamp"
	case 114, 3802:
		return "object"
	}
	return "unknown"
}

package discovery

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/carto-mcp/carto-mcp/client"
)

// SpatialColumn is a column that holds geometries or spatial index cells.
type SpatialColumn struct {
	Name string
	Type string // the warehouse's type
	Kind string // see SpatialKind
}

// Item is one entry of a listing: a container (project, dataset, database,
// schema, catalog) or a table or view.
type Item struct {
	Name string
	Kind string   // a level name from Levels, or "table" or "view"
	Path []string // the item's full path
	// For tables and views, where the catalog has them without reading data.
	RowCount  *int64
	SizeBytes *int64
	Spatial   []SpatialColumn
}

// Page is one page of a listing.
type Page struct {
	Items []Item
	More  bool // another page follows
}

// maxListingBytes bounds the bytes of one listing page read from CARTO.
const maxListingBytes = 8 << 20

// List runs p's listing of path on conn and reads one page of it.
func List(ctx context.Context, c *client.Client, conn string, p Provider, path []string, o ListOptions) (Page, error) {
	st, err := p.ListStatement(path, o)
	if err != nil {
		return Page{}, err
	}
	res, err := c.Queries.Run(ctx, &client.QueryRequest{Connection: conn, SQL: st.SQL, Parameters: st.Params},
		client.QueryLimits{MaxBytes: maxListingBytes, SchemaLookahead: -1})
	if err != nil {
		return Page{}, err
	}
	if res.Truncated {
		return Page{}, fmt.Errorf("the listing is over %d MiB; ask for fewer items (limit) or filter with name_contains", maxListingBytes>>20)
	}
	col := columnIndex(res.Columns)
	var pg Page
	tables := len(path) == len(p.Levels())
	byName := map[string]int{}
	for _, row := range res.Rows {
		name, ok := text(row, col[ColName])
		if !ok {
			continue
		}
		i, seen := byName[name]
		if !seen {
			if len(pg.Items) == o.Limit {
				pg.More = true
				break
			}
			it := Item{Name: name, Path: append(append([]string(nil), path...), name)}
			if tables {
				tt, _ := text(row, col[ColTableType])
				it.Kind = TableKind(tt)
				it.RowCount = integer(row, col[ColRowCount])
				it.SizeBytes = integer(row, col[ColSizeBytes])
			} else {
				it.Kind = p.Levels()[len(path)]
			}
			pg.Items = append(pg.Items, it)
			i = len(pg.Items) - 1
			byName[name] = i
		}
		if tables {
			cn, ok := text(row, col[ColColumnName])
			if !ok {
				continue
			}
			dt, _ := text(row, col[ColDataType])
			if kind := p.SpatialKind(cn, dt); kind != "" {
				pg.Items[i].Spatial = append(pg.Items[i].Spatial, SpatialColumn{Name: cn, Type: dt, Kind: kind})
			}
		}
	}
	return pg, nil
}

// columnIndex maps lower-cased column names to their position (-1 when
// absent): Snowflake answers unquoted aliases in upper case.
func columnIndex(cols []client.Column) map[string]int {
	idx := map[string]int{}
	for _, name := range []string{ColName, ColTableType, ColRowCount, ColSizeBytes, ColColumnName, ColDataType} {
		idx[name] = -1
	}
	for i, c := range cols {
		idx[strings.ToLower(c.Name)] = i
	}
	return idx
}

// text reads a string value; false for null or absent.
func text(row []json.RawMessage, i int) (string, bool) {
	if i < 0 || i >= len(row) {
		return "", false
	}
	v := bytes.TrimSpace(row[i])
	if len(v) == 0 || bytes.Equal(v, []byte("null")) {
		return "", false
	}
	var s string
	if v[0] == '"' {
		if json.Unmarshal(v, &s) != nil {
			return "", false
		}
		return s, true
	}
	return string(v), true
}

// integer reads a whole number sent as a JSON number or string; nil for null,
// absent, negative or not whole.
func integer(row []json.RawMessage, i int) *int64 {
	s, ok := text(row, i)
	if !ok {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != float64(int64(f)) {
			return nil
		}
		n = int64(f)
	}
	if n < 0 {
		return nil
	}
	return &n
}

// CurrentDatabase names the database that a schema.table name resolves in on
// the warehouses whose SQL fills in the session's database (PostgreSQL and
// DuckDB), so that such a name can be completed the way the warehouse would.
func CurrentDatabase(ctx context.Context, c *client.Client, conn string, p Provider) (string, error) {
	if p != Postgres && p != DuckDB {
		return "", fmt.Errorf("%s names are not completed with a current database", p.Title())
	}
	res, err := c.Queries.Run(ctx, &client.QueryRequest{Connection: conn, SQL: "SELECT current_database() AS " + ColName},
		client.QueryLimits{MaxBytes: maxListingBytes, SchemaLookahead: -1})
	if err != nil {
		return "", err
	}
	col := columnIndex(res.Columns)
	for _, row := range res.Rows {
		if name, ok := text(row, col[ColName]); ok && name != "" {
			return name, nil
		}
	}
	return "", fmt.Errorf("current_database() returned no name")
}

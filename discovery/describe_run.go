package discovery

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/carto-mcp/carto-mcp/client"
)

// ColumnInfo is one column from the catalog.
type ColumnInfo struct {
	Name     string
	Type     string
	Nullable *bool
}

// Columns runs p's ColumnsStatement for the table at path.
func Columns(ctx context.Context, c *client.Client, conn string, p Provider, path []string) ([]ColumnInfo, error) {
	st, err := p.ColumnsStatement(path)
	if err != nil {
		return nil, err
	}
	res, err := c.Queries.Run(ctx, &client.QueryRequest{Connection: conn, SQL: st.SQL, Parameters: st.Params},
		client.QueryLimits{MaxBytes: maxListingBytes, SchemaLookahead: -1})
	if err != nil {
		return nil, err
	}
	idx := map[string]int{ColColumnName: -1, ColDataType: -1, ColIsNullable: -1}
	for i, col := range res.Columns {
		idx[strings.ToLower(col.Name)] = i
	}
	var out []ColumnInfo
	for _, row := range res.Rows {
		name, ok := text(row, idx[ColColumnName])
		if !ok {
			continue
		}
		ci := ColumnInfo{Name: name}
		ci.Type, _ = text(row, idx[ColDataType])
		if n, ok := text(row, idx[ColIsNullable]); ok {
			v := strings.EqualFold(n, "YES") || strings.EqualFold(n, "true")
			ci.Nullable = &v
		}
		out = append(out, ci)
	}
	return out, nil
}

// Stat is one row of the statistics statement.
type Stat struct {
	Col   int
	Name  string
	Value *string
	Count *int64
}

// maxStatsBytes bounds the statistics answer: TopN values per column.
const maxStatsBytes = 16 << 20

// Stats runs a statistics statement and reads its rows.
func Stats(ctx context.Context, c *client.Client, conn string, st Statement) ([]Stat, error) {
	res, err := c.Queries.Run(ctx, &client.QueryRequest{Connection: conn, SQL: st.SQL, Parameters: st.Params},
		client.QueryLimits{MaxBytes: maxStatsBytes, SchemaLookahead: -1})
	if err != nil {
		return nil, err
	}
	idx := map[string]int{StatCol: -1, StatName: -1, StatValue: -1, StatCount: -1}
	for i, col := range res.Columns {
		idx[strings.ToLower(col.Name)] = i
	}
	out := make([]Stat, 0, len(res.Rows))
	for _, row := range res.Rows {
		cs, ok := text(row, idx[StatCol])
		if !ok {
			continue
		}
		col, err := strconv.Atoi(cs)
		if err != nil {
			continue
		}
		s := Stat{Col: col}
		s.Name, _ = text(row, idx[StatName])
		if v, ok := text(row, idx[StatValue]); ok {
			s.Value = &v
		}
		s.Count = integer(row, idx[StatCount])
		out = append(out, s)
	}
	return out, nil
}

// JSONValue writes a statistic's text as JSON: a number stays a number,
// exactly as the warehouse wrote it; anything else is a string.
func JSONValue(s string) json.RawMessage {
	if _, err := strconv.ParseFloat(s, 64); err == nil && json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	b, _ := json.Marshal(s)
	return b
}

// StatKind is the statistics a column gets, from CARTO's type of it (as a
// query's schema gives it) or else the warehouse's type.
func StatKind(cartoType, dataType string) string {
	switch cartoType {
	case "number", "bigint":
		return "number"
	case "string":
		return "string"
	case "boolean":
		return "boolean"
	case "timestamp":
		return "timestamp"
	case "geometry":
		return "geometry"
	}
	t := strings.ToUpper(dataType)
	switch {
	case strings.HasPrefix(t, "GEOMETRY"), strings.HasPrefix(t, "GEOGRAPHY"):
		return "geometry"
	case strings.HasPrefix(t, "BOOL"):
		return "boolean"
	case strings.Contains(t, "TIMESTAMP"), strings.HasPrefix(t, "DATE"), strings.HasPrefix(t, "TIME"):
		return "timestamp"
	case strings.Contains(t, "INT"), strings.HasPrefix(t, "NUMERIC"), strings.HasPrefix(t, "DECIMAL"), strings.HasPrefix(t, "FLOAT"),
		strings.HasPrefix(t, "DOUBLE"), strings.HasPrefix(t, "REAL"), strings.HasPrefix(t, "NUMBER"), strings.HasPrefix(t, "BIGNUMERIC"):
		return "number"
	case strings.HasPrefix(t, "STRING"), strings.HasPrefix(t, "VARCHAR"), strings.HasPrefix(t, "TEXT"), strings.HasPrefix(t, "CHAR"):
		return "string"
	}
	return ""
}

package geoparse

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Column is a result column: its name and, when known, the warehouse's (or
// CARTO's) type name, such as "geometry", "string" or "number".
type Column struct {
	Name string
	Type string
}

// sampleSize is how many non-null values of a column detection looks at.
const sampleSize = 20

// geometryNames are column names that usually hold geometries, in order of
// preference when several columns qualify.
var geometryNames = []string{"geom", "the_geom", "geometry", "geog", "geography", "shape", "wkt", "wkb", "geojson",
	"location", "geo", "h3", "h3_index", "h3index", "quadbin", "cell", "hex"}

// ColumnError explains why a column could not be used as the geometry column.
type ColumnError struct {
	Column string
	Msg    string
}

func (e *ColumnError) Error() string { return e.Msg }

// DetectColumn finds the column of rows that holds geometries: the first
// column, in order of preference (a geometry or geography type, then a usual
// geometry name, then the rest, left to right), whose sampled non-null values
// all parse. It returns the column's index and the format of its first value.
func DetectColumn(cols []Column, rows [][]json.RawMessage) (int, Format, error) {
	order := candidateOrder(cols)
	var typed []error
	for _, i := range order {
		f, err := sampleColumn(rows, i)
		if err == nil {
			return i, f, nil
		}
		if isGeometryType(cols[i].Type) && !errors.Is(err, ErrNull) {
			typed = append(typed, fmt.Errorf("column %q: %w", cols[i].Name, err))
		}
	}
	if len(typed) > 0 {
		return -1, "", &ColumnError{Msg: "The geometry column could not be read: " + errors.Join(typed...).Error()}
	}
	return -1, "", &ColumnError{Msg: fmt.Sprintf("No geometry column found among %s: no column holds WKT, GeoJSON, WKB hex, H3 or quadbin values "+
		"in its first rows. Select the geometry (e.g. ST_ASTEXT(geom) AS geom, or an H3/quadbin cell column), or pass geometry_column.", describeColumns(cols))}
}

// CheckColumn resolves the geometry column named by the caller (matched
// exactly, then ignoring case) and checks that its sampled values parse.
func CheckColumn(cols []Column, rows [][]json.RawMessage, name string) (int, Format, error) {
	idx := -1
	for i, c := range cols {
		if c.Name == name {
			idx = i
			break
		}
	}
	if idx < 0 {
		for i, c := range cols {
			if strings.EqualFold(c.Name, name) {
				idx = i
				break
			}
		}
	}
	if idx < 0 {
		return -1, "", &ColumnError{Column: name, Msg: fmt.Sprintf("geometry_column %q is not in the result; its columns are %s.", name, describeColumns(cols))}
	}
	f, err := sampleColumn(rows, idx)
	switch {
	case errors.Is(err, ErrNull):
		return -1, "", &ColumnError{Column: name, Msg: fmt.Sprintf("geometry_column %q is null in every row.", cols[idx].Name)}
	case err != nil:
		return -1, "", &ColumnError{Column: name, Msg: fmt.Sprintf("Column %q is not a geometry column: %v. It must hold WKT, GeoJSON, WKB hex, "+
			"H3 or quadbin cells in EPSG:4326.", cols[idx].Name, err)}
	}
	return idx, f, nil
}

// sampleColumn parses the first sampleSize non-null values of column i. It
// returns ErrNull when all rows are null there.
func sampleColumn(rows [][]json.RawMessage, i int) (Format, error) {
	var first Format
	seen := 0
	for r, row := range rows {
		if i >= len(row) {
			continue
		}
		_, f, err := Parse(row[i])
		if errors.Is(err, ErrNull) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("row %d: %w", r+1, err)
		}
		if first == "" {
			first = f
		}
		if seen++; seen == sampleSize {
			break
		}
	}
	if seen == 0 {
		return "", ErrNull
	}
	return first, nil
}

func candidateOrder(cols []Column) []int {
	rank := func(c Column) int {
		if isGeometryType(c.Type) {
			return 0
		}
		name := strings.ToLower(c.Name)
		for k, n := range geometryNames {
			if name == n {
				return 1 + k
			}
		}
		return 1 + len(geometryNames)
	}
	order := make([]int, len(cols))
	for i := range order {
		order[i] = i
	}
	// A stable insertion sort: there are few columns.
	for i := 1; i < len(order); i++ {
		for j := i; j > 0 && rank(cols[order[j]]) < rank(cols[order[j-1]]); j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
	return order
}

func isGeometryType(t string) bool {
	t = strings.ToLower(t)
	return t == "geometry" || t == "geography"
}

func describeColumns(cols []Column) string {
	if len(cols) == 0 {
		return "no columns"
	}
	parts := make([]string, 0, len(cols))
	for i, c := range cols {
		if i == 12 {
			parts = append(parts, fmt.Sprintf("and %d more", len(cols)-i))
			break
		}
		if c.Type != "" {
			parts = append(parts, fmt.Sprintf("%s (%s)", c.Name, c.Type))
		} else {
			parts = append(parts, c.Name)
		}
	}
	return strings.Join(parts, ", ")
}

package geoparse

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Table is rows with named columns, the shape Features reads.
type Table struct {
	Columns []Column
	Rows    [][]json.RawMessage
}

// TableFromObjects turns rows given as JSON objects into a table: the
// columns are the keys in order of first appearance; a key missing from a
// row is null there.
func TableFromObjects(objects []map[string]json.RawMessage, order [][]string) Table {
	var t Table
	pos := map[string]int{}
	for i := range objects {
		for _, k := range order[i] {
			if _, ok := pos[k]; !ok {
				pos[k] = len(t.Columns)
				t.Columns = append(t.Columns, Column{Name: k})
			}
		}
	}
	t.Rows = make([][]json.RawMessage, len(objects))
	for i, o := range objects {
		row := make([]json.RawMessage, len(t.Columns))
		for k, v := range o {
			row[pos[k]] = v
		}
		for j := range row {
			if row[j] == nil {
				row[j] = json.RawMessage("null")
			}
		}
		t.Rows[i] = row
	}
	return t
}

// DecodeObjects reads a JSON array of objects, keeping each object's key
// order (which a Go map would lose), for TableFromObjects.
func DecodeObjects(data []byte) ([]map[string]json.RawMessage, [][]string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return nil, nil, fmt.Errorf("rows must be a JSON array of objects")
	}
	var objs []map[string]json.RawMessage
	var orders [][]string
	for dec.More() {
		if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
			return nil, nil, fmt.Errorf("rows[%d] is not a JSON object: each row is an object of column name to value", len(objs))
		}
		obj := map[string]json.RawMessage{}
		var keys []string
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return nil, nil, fmt.Errorf("rows[%d]: %v", len(objs), err)
			}
			k, _ := tok.(string)
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				return nil, nil, fmt.Errorf("rows[%d].%s: %v", len(objs), k, err)
			}
			if _, dup := obj[k]; !dup {
				keys = append(keys, k)
			}
			obj[k] = v
		}
		if _, err := dec.Token(); err != nil {
			return nil, nil, fmt.Errorf("rows[%d]: %v", len(objs), err)
		}
		objs = append(objs, obj)
		orders = append(orders, keys)
	}
	return objs, orders, nil
}

// TableFromGeoJSON turns a GeoJSON FeatureCollection, Feature or bare
// geometry into a table whose first column, "geometry", holds each
// feature's geometry and whose other columns are its properties.
func TableFromGeoJSON(data []byte) (Table, error) {
	var probe struct {
		Type       string            `json:"type"`
		Features   []json.RawMessage `json:"features"`
		Geometry   json.RawMessage   `json:"geometry"`
		Properties json.RawMessage   `json:"properties"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return Table{}, fmt.Errorf("geojson is not valid JSON: %v", err)
	}
	var feats []json.RawMessage
	switch probe.Type {
	case "FeatureCollection":
		feats = probe.Features
	case "Feature":
		feats = []json.RawMessage{data}
	case "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection":
		return Table{Columns: []Column{{Name: "geometry", Type: "geometry"}}, Rows: [][]json.RawMessage{{data}}}, nil
	default:
		return Table{}, fmt.Errorf("geojson has type %q: pass a FeatureCollection, a Feature or a geometry", probe.Type)
	}
	objs := make([]map[string]json.RawMessage, 0, len(feats))
	orders := make([][]string, 0, len(feats))
	for i, f := range feats {
		var feat struct {
			Geometry   json.RawMessage `json:"geometry"`
			Properties json.RawMessage `json:"properties"`
		}
		if err := json.Unmarshal(f, &feat); err != nil {
			return Table{}, fmt.Errorf("geojson features[%d]: %v", i, err)
		}
		obj := map[string]json.RawMessage{"geometry": feat.Geometry}
		keys := []string{"geometry"}
		if p := bytes.TrimSpace(feat.Properties); len(p) > 0 && !bytes.Equal(p, []byte("null")) {
			po, pk, err := DecodeObjects(append(append([]byte{'['}, p...), ']'))
			if err != nil {
				return Table{}, fmt.Errorf("geojson features[%d].properties must be an object", i)
			}
			for _, k := range pk[0] {
				if k == "geometry" {
					continue
				}
				obj[k] = po[0][k]
				keys = append(keys, k)
			}
		}
		objs = append(objs, obj)
		orders = append(orders, keys)
	}
	t := TableFromObjects(objs, orders)
	if len(t.Columns) == 0 {
		t.Columns = []Column{{Name: "geometry"}}
	}
	t.Columns[0].Type = "geometry"
	return t, nil
}

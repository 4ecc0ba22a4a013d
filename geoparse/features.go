package geoparse

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/simplify"
)

// Limits caps what Features keeps.
type Limits struct {
	// MaxFeatures is the most features kept (0: no cap).
	MaxFeatures int
	// MaxBytes is the most bytes of GeoJSON text kept (0: no cap).
	MaxBytes int
	// SimplifyFraction simplifies lines and polygons with a tolerance of this
	// fraction of the larger side of the data's bounding box (0: keep every
	// vertex). 1/2000 is invisible on a map the size of a chat view.
	SimplifyFraction float64
}

// Collection is what Features built.
type Collection struct {
	// Features is the GeoJSON FeatureCollection, in EPSG:4326: each feature's
	// properties are the row's other columns, as the warehouse sent them.
	Features *geojson.FeatureCollection
	// GeometryColumn and Format say where the geometries came from.
	GeometryColumn string
	Format         Format
	// Rows is the number of rows read; NullGeometries how many of them had
	// no geometry and were left out.
	Rows, NullGeometries int
	// Truncated is true when a cap left features out; TruncatedBy says which
	// ("max_features" or "max_bytes").
	Truncated   bool
	TruncatedBy string
	// Bound is the bounding box of the kept features (empty if none).
	Bound orb.Bound
	// GeometryTypes counts the kept features by GeoJSON geometry type.
	GeometryTypes map[string]int
	// JSON is the FeatureCollection as JSON text, with its bbox: each
	// feature is encoded once, while the caps are checked.
	JSON json.RawMessage
}

// Features builds a FeatureCollection from the rows of a result. geomCol is
// the geometry column's name, or "" to detect it. A value in the geometry
// column that cannot be read is an error naming the row; a null one is
// skipped and counted.
func Features(cols []Column, rows [][]json.RawMessage, geomCol string, lim Limits) (*Collection, error) {
	var (
		idx int
		f   Format
		err error
	)
	if geomCol == "" {
		idx, f, err = DetectColumn(cols, rows)
	} else {
		idx, f, err = CheckColumn(cols, rows, geomCol)
	}
	if err != nil {
		return nil, err
	}
	out := &Collection{GeometryColumn: cols[idx].Name, Format: f, Rows: len(rows), GeometryTypes: map[string]int{}}
	type parsed struct {
		g   orb.Geometry
		row int
	}
	geoms := make([]parsed, 0, len(rows))
	bound := orb.Bound{}
	for r, row := range rows {
		if idx >= len(row) {
			out.NullGeometries++
			continue
		}
		g, _, err := Parse(row[idx])
		if errors.Is(err, ErrNull) {
			out.NullGeometries++
			continue
		}
		if err != nil {
			return nil, &ColumnError{Column: cols[idx].Name, Msg: fmt.Sprintf("Row %d, column %q: %v", r+1, cols[idx].Name, err)}
		}
		if lim.MaxFeatures > 0 && len(geoms) == lim.MaxFeatures {
			out.Truncated, out.TruncatedBy = true, "max_features"
			break
		}
		if len(geoms) == 0 {
			bound = g.Bound()
		} else {
			bound = bound.Union(g.Bound())
		}
		geoms = append(geoms, parsed{g, r})
	}

	var simp *simplify.DouglasPeuckerSimplifier
	if side := max(bound.Max[0]-bound.Min[0], bound.Max[1]-bound.Min[1]); lim.SimplifyFraction > 0 && side > 0 {
		simp = simplify.DouglasPeucker(side * lim.SimplifyFraction)
	}
	fc := geojson.NewFeatureCollection()
	// The envelope, with room for the bbox.
	size := len(`{"type":"FeatureCollection","bbox":[],"features":[]}`) + 4*24
	var buf, feats bytes.Buffer
	for _, p := range geoms {
		g := p.g
		if simp != nil {
			switch g.(type) {
			case orb.LineString, orb.MultiLineString, orb.Polygon, orb.MultiPolygon, orb.Collection:
				g = simp.Simplify(orb.Clone(g))
			}
		}
		g = orb.Round(g, 1e6) // 6 decimals: about 10 cm
		feat := geojson.NewFeature(g)
		row := rows[p.row]
		for i, c := range cols {
			if i == idx || i >= len(row) {
				continue
			}
			feat.Properties[c.Name] = row[i]
		}
		buf.Reset()
		if err := json.NewEncoder(&buf).Encode(feat); err != nil {
			return nil, fmt.Errorf("row %d: %v", p.row+1, err)
		}
		n := buf.Len() // with the newline: one byte for the comma between features
		if lim.MaxBytes > 0 && size+n > lim.MaxBytes {
			out.Truncated, out.TruncatedBy = true, "max_bytes"
			break
		}
		size += n
		if feats.Len() > 0 {
			feats.WriteByte(',')
		}
		feats.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		fc.Append(feat)
		if len(fc.Features) == 1 {
			out.Bound = g.Bound()
		} else {
			out.Bound = out.Bound.Union(g.Bound())
		}
		out.GeometryTypes[g.GeoJSONType()]++
	}
	if len(fc.Features) > 0 {
		fc.BBox = geojson.NewBBox(out.Bound)
	}
	var doc bytes.Buffer
	doc.Grow(feats.Len() + 200)
	doc.WriteString(`{"type":"FeatureCollection",`)
	if fc.BBox != nil {
		b, _ := json.Marshal(fc.BBox)
		doc.WriteString(`"bbox":`)
		doc.Write(b)
		doc.WriteByte(',')
	}
	doc.WriteString(`"features":[`)
	doc.Write(feats.Bytes())
	doc.WriteString(`]}`)
	out.Features, out.JSON = fc, doc.Bytes()
	return out, nil
}

// TypeNames lists the geometry types of c as "Point (12), Polygon (3)",
// most frequent first.
func (c *Collection) TypeNames() []string {
	names := make([]string, 0, len(c.GeometryTypes))
	for t := range c.GeometryTypes {
		names = append(names, t)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := c.GeometryTypes[names[i]], c.GeometryTypes[names[j]]
		return a > b || a == b && names[i] < names[j]
	})
	return names
}

package tools

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/carto-mcp/carto-mcp/cartofake"
	"github.com/carto-mcp/carto-mcp/client"
)

// benchDatasets are typical CARTO results, 100 rows each (the default max_rows).
type benchDataset struct {
	name string
	cols []cartofake.Column
	row  func(i int) []any
}

var benchDatasets = []benchDataset{
	{
		// A table of places with point geometries, as in CARTO's demo data.
		name: "points",
		cols: []cartofake.Column{{Name: "cartodb_id", Type: "bigint"}, {Name: "name", Type: "string"},
			{Name: "adm0name", Type: "string"}, {Name: "pop_max", Type: "number"}, {Name: "featurecla", Type: "string"},
			{Name: "geom", Type: "geometry"}},
		row: func(i int) []any {
			return []any{i + 1, fmt.Sprintf("City %d", i), "Spain", 100000 + i*7919, "Admin-1 capital",
				fmt.Sprintf("POINT(%.4f %.4f)", -3.7038+float64(i)/100, 40.4168+float64(i)/100)}
		},
	},
	{
		// An aggregate: long, descriptive column names over short values.
		name: "aggregate",
		cols: []cartofake.Column{{Name: "country_name", Type: "string"}, {Name: "number_of_cities", Type: "bigint"},
			{Name: "total_population", Type: "number"}, {Name: "average_population", Type: "number"}},
		row: func(i int) []any {
			return []any{fmt.Sprintf("Country %d", i), 10 + i, 1000000 + i*31337, 25000.5 + float64(i)}
		},
	},
	{
		// A spatial index result (H3 cells).
		name: "h3",
		cols: []cartofake.Column{{Name: "h3", Type: "string"}, {Name: "population", Type: "number"}, {Name: "poi_count", Type: "bigint"}},
		row: func(i int) []any {
			return []any{fmt.Sprintf("8a39%011x", 0x1bdee7fff+i), 1234.5 + float64(i), i % 17}
		},
	},
	{
		// Polygons: the geometry text dominates, so little can be saved.
		name: "polygons",
		cols: []cartofake.Column{{Name: "geoid", Type: "string"}, {Name: "total_pop", Type: "number"}, {Name: "geom", Type: "geometry"}},
		row: func(i int) []any {
			var b strings.Builder
			b.WriteString("POLYGON((")
			for k := range 40 {
				fmt.Fprintf(&b, "%.6f %.6f, ", -3.7+float64(i)/100+float64(k)/1000, 40.4+float64(k)/1000)
			}
			b.WriteString("-3.700000 40.400000))")
			return []any{fmt.Sprintf("060371%05d", i), 3000 + i, b.String()}
		},
	},
}

// result is the dataset's first n rows as the client decodes them, and the
// size of CARTO's JSON row objects for them (with the commas between them).
func (ds benchDataset) result(n int) (res *client.QueryResult, raw int) {
	res = &client.QueryResult{Method: "POST"}
	for _, c := range ds.cols {
		res.Columns = append(res.Columns, client.Column{Name: c.Name, Type: c.Type})
	}
	for i := range n {
		row := ds.row(i)
		raw += len(cartofake.AppendRow(nil, ds.cols, row)) + 1 // and its comma
		vals := make([]json.RawMessage, len(row))
		for j, v := range row {
			vals[j] = cartofake.AppendValue(nil, v)
		}
		res.Rows = append(res.Rows, vals)
	}
	return res, raw - 1 // no comma after the last row
}

// BenchmarkTextBytesPerRow measures the text form of run_query against CARTO's
// raw JSON row objects for the same 100 rows. text/raw is the ratio of the whole
// text (header and summary lines included) to the rows' JSON objects (with the
// commas between them). The goal is text/raw <= 0.5.
func BenchmarkTextBytesPerRow(b *testing.B) {
	for _, ds := range benchDatasets {
		b.Run(ds.name, func(b *testing.B) {
			const n = 100
			res, raw := ds.result(n)
			d, err := NewDeps(Options{Client: &client.Client{}, MaxTextBytes: 16 << 20, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				b.Fatal(err)
			}
			var text string
			b.ReportAllocs()
			for b.Loop() {
				_, text = d.shapeQueryResult("conn", res, n, 0, false)
			}
			// columns, types, format, the rows, then the summary line.
			if got := strings.Count(text, "\n") - 3; got != n {
				b.Fatalf("the text has %d rows, want %d (cut by the byte cap?)", got, n)
			}
			b.ReportMetric(float64(len(text))/n, "text_B/row")
			b.ReportMetric(float64(raw)/n, "raw_B/row")
			b.ReportMetric(float64(len(text))/float64(raw), "text/raw")
		})
	}
}

// BenchmarkQueryResultForms is run_query's own work on a decoded result of
// 100 rows: the byte cap, the text form and the structured form, as the
// handler does it after the client has read CARTO's answer.
func BenchmarkQueryResultForms(b *testing.B) {
	for _, ds := range benchDatasets {
		b.Run(ds.name, func(b *testing.B) {
			const n = 100
			res, _ := ds.result(n)
			d, err := NewDeps(Options{Client: &client.Client{}, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				out, text := d.shapeQueryResult("conn", res, n, 0, false)
				if _, cerr := queryResult(out, text); cerr != nil {
					b.Fatal(cerr.text)
				}
			}
		})
	}
}

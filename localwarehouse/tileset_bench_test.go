package localwarehouse

import (
	"fmt"
	"testing"
)

// The tiler CALL end to end as a job on the demo data (read, tile, write
// through the appender, commit), as the issue asks:
//
//	go test -run '^$' -bench Tileset -benchtime 1x ./localwarehouse/
func BenchmarkTilesetJob(b *testing.B) {
	for _, tc := range []struct{ name, input, options string }{
		{"stores/z0-12", "demo.stores", `{"zoom_max": 12, "properties": {"name": "String", "revenue": "Number"}}`},
		{"countries/z0-6", "demo.countries", `{"zoom_max": 6, "properties": {"name": "String", "population": "Number"}}`},
	} {
		b.Run(tc.name, func(b *testing.B) {
			e := newEnv(b, Options{})
			var tiles int64
			b.ResetTimer()
			for i := range b.N {
				j := e.submitJob(tilesetCall(tc.input, fmt.Sprintf("demo.bench_%d", i), tc.options), nil)
				done := e.waitJob(j.JobID, statusSuccess, statusFailure)
				if done.Status != statusSuccess {
					b.Fatalf("%+v", done.Error)
				}
				tiles += done.Provider.Tileset.TilesWritten
			}
			b.ReportMetric(float64(tiles)/float64(b.N), "tiles/op")
			b.ReportMetric(float64(tiles)/b.Elapsed().Seconds(), "tiles/s")
		})
	}
}

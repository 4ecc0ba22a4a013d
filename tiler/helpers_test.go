package tiler

import (
	"encoding/json"
	"slices"

	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
)

type mvtFeature = geojson.Feature

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func sortTiles(ts []maptile.Tile) {
	slices.SortFunc(ts, func(a, b maptile.Tile) int {
		if a.Z != b.Z {
			return int(a.Z) - int(b.Z)
		}
		if a.X != b.X {
			return int(a.X) - int(b.X)
		}
		return int(a.Y) - int(b.Y)
	})
}

package tiler

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/stretchr/testify/require"
)

// The streaming encoder writes the bytes orb's mvt.Marshal writes, for
// every geometry kind a tile holds, every value type, NULLs, repeated
// values and keys, features with and without ids, and a property name
// listed twice.
func TestEncoderMatchesOrb(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	names := []string{"b", "a", "zeta", "b", "n", "flag"}
	pt := func() orb.Point { return orb.Point{float64(rng.IntN(4200) - 50), float64(rng.IntN(4200) - 50)} }
	line := func(n int) orb.LineString {
		l := orb.LineString{}
		for range n {
			l = append(l, pt())
		}
		return l
	}
	ring := func() orb.Ring {
		r := orb.Ring(line(3 + rng.IntN(6)))
		return append(r, r[0])
	}
	geoms := []func() orb.Geometry{
		func() orb.Geometry { return pt() },
		func() orb.Geometry { return orb.MultiPoint(line(1 + rng.IntN(5))) },
		func() orb.Geometry { return orb.MultiPoint{} },
		func() orb.Geometry { return line(2 + rng.IntN(8)) },
		func() orb.Geometry { return orb.MultiLineString{line(2), line(3 + rng.IntN(4))} },
		func() orb.Geometry { return orb.Polygon{ring(), ring()} },
		func() orb.Geometry { return orb.Polygon{orb.Ring(line(4))} }, // not closed
		func() orb.Geometry { return orb.MultiPolygon{{ring()}, {ring(), ring()}} },
	}
	values := func() any {
		switch rng.IntN(7) {
		case 0:
			return nil
		case 1:
			return int64(rng.IntN(20) - 10)
		case 2:
			return float64(rng.IntN(10)) / 4
		case 3:
			return fmt.Sprint("s", rng.IntN(5))
		case 4:
			return rng.IntN(2) == 0
		case 5:
			return float64(rng.Int64())
		}
		return int64(rng.Uint64() >> 1)
	}
	var vals [][]any // per feature row
	enc := newMVTEncoder(LayerName, 4096, names, func(row int32, col int) (valueKey, bool) { return keyOf(vals[row][col]) })
	for round := range 200 {
		n := 1 + rng.IntN(40)
		var feats []encFeature
		vals = vals[:0]
		var orbFeats []*geojson.Feature
		for range n {
			g := geoms[rng.IntN(len(geoms))]()
			f := encFeature{row: int32(len(vals))}
			vals = append(vals, make([]any, len(names)))
			of := &geojson.Feature{Geometry: g, Properties: geojson.Properties{}}
			if rng.IntN(3) > 0 {
				f.id, f.hasID = rng.Uint64N(1<<40), true
				of.ID = f.id
			}
			for i, name := range names {
				v := values()
				vals[f.row][i] = v
				if v != nil {
					of.Properties[name] = v
				}
			}
			var err error
			f.geom, f.typ, err = appendGeometry(nil, g)
			require.NoError(t, err)
			feats = append(feats, f)
			orbFeats = append(orbFeats, of)
		}
		want, err := mvt.Marshal(mvt.Layers{{Name: LayerName, Version: 2, Extent: 4096, Features: orbFeats}})
		require.NoError(t, err)
		got, err := enc.marshal(feats)
		require.NoError(t, err)
		require.Equal(t, want, got, "round %d", round)
	}
}

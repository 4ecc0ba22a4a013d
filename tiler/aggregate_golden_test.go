package tiler

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// aggregationDigest aggregates 5,000 fixed pseudo-random points (clustered
// and world-wide, with values and NULLs) and hashes the tiles (see
// digestTiles).
func aggregationDigest(t *testing.T, js string) string {
	o, err := ParsePointAggregationOptions(js)
	require.NoError(t, err)
	a := NewPointAggregator(o)
	cols := a.Columns()
	rng := rand.New(rand.NewPCG(7, 8))
	for i := range 5000 {
		p := orb.Point{rng.Float64()*360 - 180, rng.Float64()*170 - 85}
		if i%2 == 0 { // a cluster around Madrid, so cells hold many points
			p = orb.Point{-3.7 + rng.NormFloat64()*0.5, 40.4 + rng.NormFloat64()*0.5}
		}
		vals := make([]any, len(cols))
		for j, c := range cols {
			switch {
			case c == "v" && i%7 != 0:
				vals[j] = float64(rng.IntN(1000))
			case c == "name":
				vals[j] = []string{"a", "b", "c"}[i%3]
			}
		}
		require.NoError(t, a.Add(int64(i+1), p, vals))
	}
	return digestTiles(t, func(write func(Tile) error) error {
		_, err := a.Tile(context.Background(), o, write, nil)
		return err
	})
}

// The point aggregation tiles' bytes are pinned too: the digests were
// taken with tiler's own Morton interleave, before it used
// quadbin.Interleave (650e274).
func TestPointAggregationTileBytesAreUnchanged(t *testing.T) {
	for _, tc := range []struct{ options, digest string }{
		{`{"zoom_max": 6, "aggregation_resolution": 4, "properties": {
		   "n": {"formula": "COUNT(*)", "type": "Number"}, "s": {"formula": "SUM(v)", "type": "Number"},
		   "first": {"formula": "MIN(name)", "type": "String"}}}`,
			"78812bb797de3ea4011b079f61d6e3946969c65f7425be9a5e77f2dfe99c995f"},
		{`{"zoom_min": 3, "zoom_max": 7, "aggregation_resolution": 2, "aggregation_placement": "features-centroid",
		   "tile_feature_order": "n DESC", "properties": {"n": {"formula": "COUNT(*)", "type": "Number"}, "m": {"formula": "AVG(v)", "type": "Number"}}}`,
			"3cc84de47bd7e92418e76fa75022f6eb52a9bdbeb05adba2a6ee8d99c714ff44"},
		{`{"zoom_max": 5, "aggregation_resolution": 3, "aggregation_placement": "features-any",
		   "properties": {"n": {"formula": "COUNT(*)", "type": "Number"}, "top": {"formula": "MAX(v)", "type": "Number"}}}`,
			"9a5f77157436d67b1aa1ba0e5996dcc03d1bdd9068af3eab63ebe45735eaa466"},
	} {
		assert.Equal(t, tc.digest, aggregationDigest(t, tc.options), tc.options)
	}
}

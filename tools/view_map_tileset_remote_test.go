package tools_test

import (
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/mappng"
	"github.com/carto-mcp/carto-mcp/mapstyle"
	"github.com/carto-mcp/carto-mcp/tools"
)

// remoteTileJSON is a tileset's TileJSON as CARTO's Maps API serves it,
// with tilestats in the forms CARTO's tilers write: quantiles as n+1
// values from min to max for pop, the most frequent categories only for
// zone (their frequencies add up to less than its count), and a number
// with no range or quantiles at all.
const remoteTileJSON = `{"tilejson": "3.0.0", "name": "proj.ds.pop_tiles", "tiles": ["https://example.com/{z}/{x}/{y}"],
	"minzoom": 0, "maxzoom": 0, "bounds": [-100, -30, 120, 40], "center": [10, 5, 0],
	"vector_layers": [{"id": "default", "minzoom": 0, "maxzoom": 0, "fields": {"pop": "Number", "zone": "String", "score": "Number"}}],
	"tilestats": {"layerCount": 1, "layers": [{"layer": "default", "count": 4, "geometry": "Point", "attributeCount": 3, "attributes": [
		{"attribute": "pop", "type": "Number", "count": 4, "min": 5, "max": 5000, "quantiles": {"4": [5, 40, 400, 4000, 5000]}},
		{"attribute": "zone", "type": "String", "count": 4, "categories": [{"category": "north", "frequency": 2}, {"category": "south", "frequency": 1}]},
		{"attribute": "score", "type": "Number", "count": 4}
	]}]}}`

// remotePoints are the tileset's four features: pop and zone.
var remotePoints = []struct {
	p    orb.Point
	pop  float64
	zone string
}{{orb.Point{-100, 40}, 5, "north"}, {orb.Point{-20, -10}, 50, "south"}, {orb.Point{60, 30}, 500, "north"}, {orb.Point{120, -30}, 5000, "east"}}

// TestViewMapRemoteTilesetColorBy: a tileset on CARTO is coloured by the
// tilestats its TileJSON carries, in the PNG as in the view's style.
func TestViewMapRemoteTilesetColorBy(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fc := geojson.NewFeatureCollection()
	for _, rp := range remotePoints {
		f := geojson.NewFeature(rp.p)
		f.Properties["pop"], f.Properties["zone"], f.Properties["score"] = rp.pop, rp.zone, 1.0
		fc.Append(f)
	}
	layer := mvt.NewLayer("default", fc)
	layer.ProjectToTile(maptile.New(0, 0, 0))
	tile, err := mvt.Marshal(mvt.Layers{layer})
	require.NoError(t, err)
	e.fake.SetTileset("proj.ds.pop_tiles", []byte(remoteTileJSON), map[[3]int][]byte{{0, 0, 0}: tile})

	var out tools.ViewMapOutput
	res, text := pictureCall(t, e, map[string]any{"tileset": "proj.ds.pop_tiles", "color_by": "pop", "image": "always"}, &out)
	assert.Equal(t, []tools.LegendEntry{{Label: "≤ 40", Color: "#f3e79b"}, {Label: "40 – 400", Color: "#fab27f"},
		{Label: "400 – 4000", Color: "#eb7f86"}, {Label: "> 4000", Color: "#5c53a5"}}, out.Legend, "4 buckets: the nearest to the ramp's 5")
	assert.Contains(t, text, "Coloured by pop in quantile classes from the tileset's tilestats")
	pic := pictureOf(t, res, "picture_remote_pop")
	prj := mappng.Fit(orb.Bound{Min: orb.Point{-100, -30}, Max: orb.Point{120, 40}}, 640, 400)
	for i, rp := range remotePoints {
		assert.True(t, colourNear(pic, prj.Point(rp.p), 1, mapstyle.Parse(out.Legend[i].Color), 30), "pop %v is drawn in %s", rp.pop, out.Legend[i].Color)
	}

	res, _ = pictureCall(t, e, map[string]any{"tileset": "proj.ds.pop_tiles", "color_by": "zone", "image": "always"}, &out)
	assert.Equal(t, []tools.LegendEntry{{Label: "north", Color: "#7f3c8d"}, {Label: "south", Color: "#11a579"}, {Label: "other values", Color: "#a5aa99"}},
		out.Legend, "the tilestats list 3 of 4 values: the rest is other")
	pic = pictureOf(t, res, "picture_remote_zone")
	for i, want := range []int{0, 1, 0, 2} {
		assert.True(t, colourNear(pic, prj.Point(remotePoints[i].p), 1, mapstyle.Parse(out.Legend[want].Color), 30),
			"%s is drawn in %s", remotePoints[i].zone, out.Legend[want].Color)
	}

	text = e.failed(e.call(tools.ToolViewMap, map[string]any{"tileset": "proj.ds.pop_tiles", "color_by": "score"}))
	assert.Contains(t, text, `Tileset proj.ds.pop_tiles's tilestats cannot class property score: the metadata has no statistics to class the property by: number property "score" has neither quantiles nor min and max.`)
	assert.Contains(t, text, "Recreate the tileset with tilestats")
	text = e.failed(e.call(tools.ToolViewMap, map[string]any{"tileset": "proj.ds.pop_tiles", "color_by": "Pop"}))
	assert.Contains(t, text, "its properties are pop, score, zone. Did you mean \"pop\"?")
}

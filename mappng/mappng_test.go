package mappng

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/mapstyle"
)

var cities = []struct {
	name     string
	lon, lat float64
	pop      int
}{
	{"Madrid", -3.7038, 40.4168, 6_700_000},
	{"Tokyo", 139.6917, 35.6895, 37_400_000},
	{"New York", -74.006, 40.7128, 18_800_000},
	{"Sydney", 151.2093, -33.8688, 5_300_000},
	{"Cape Town", 18.4241, -33.9249, 4_800_000},
	{"Lagos", 3.3792, 6.5244, 15_400_000},
	{"São Paulo", -46.6333, -23.5505, 22_600_000},
}

func cityCollection() *geojson.FeatureCollection {
	fc := geojson.NewFeatureCollection()
	for _, c := range cities {
		f := geojson.NewFeature(orb.Point{c.lon, c.lat})
		f.Properties["name"] = json.RawMessage(fmt.Sprintf("%q", c.name))
		f.Properties["population"] = json.RawMessage(fmt.Sprint(c.pop))
		fc.Append(f)
	}
	return fc
}

// near reports whether some pixel within r of p has colour close to want.
func near(img image.Image, p orb.Point, r int, want color.RGBA) bool {
	x0, y0 := int(p[0]+0.5), int(p[1]+0.5)
	for dy := -r; dy <= r; dy++ {
		for dx := -r; dx <= r; dx++ {
			if close(img.At(x0+dx, y0+dy), want, 40) {
				return true
			}
		}
	}
	return false
}

func close(c color.Color, want color.RGBA, tol int) bool {
	r, g, b, _ := c.RGBA()
	d := func(a uint32, w uint8) int { return abs(int(a>>8) - int(w)) }
	return d(r, want.R) <= tol && d(g, want.G) <= tol && d(b, want.B) <= tol
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func TestRenderCities(t *testing.T) {
	fc := cityCollection()
	style, err := mapstyle.New(fc, "population", "name")
	require.NoError(t, err)
	b, err := Render(fc, style, Options{Caption: "6 features"})
	require.NoError(t, err)
	assert.Less(t, len(b), 100_000)
	require.NoError(t, os.WriteFile(filepath.Join(t.TempDir(), "cities.png"), b, 0o644))
	if dir := os.Getenv("MAPPNG_SAVE"); dir != "" {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "cities.png"), b, 0o644))
	}

	img, err := png.Decode(bytes.NewReader(b))
	require.NoError(t, err)
	assert.Equal(t, image.Pt(640, 400), img.Bounds().Size())
	prj := Fit(bound(fc), 640, 400)
	for i, c := range cities {
		p := prj.Point(orb.Point{c.lon, c.lat})
		assert.True(t, near(img, p, 2, style.ColorOf(i)), "%s at %v is not drawn in its colour", c.name, p)
	}
	// Mid-Atlantic, Indian Ocean, South Pacific: ocean, nothing drawn.
	for _, ll := range []orb.Point{{-35, 20}, {75, -10}, {-20, -20}, {60, -40}} {
		p := prj.Point(ll)
		assert.True(t, close(img.At(int(p[0]), int(p[1])), ocean, 3), "ocean at %v (%v) is %v", ll, p, img.At(int(p[0]), int(p[1])))
	}
	// Land: the middle of Siberia is land, not ocean.
	p := prj.Point(orb.Point{100, 62})
	assert.True(t, close(img.At(int(p[0]), int(p[1])), land, 3))
}

func TestRenderPolygonsAndOnePoint(t *testing.T) {
	fc := geojson.NewFeatureCollection()
	fc.Append(geojson.NewFeature(orb.Bound{Min: orb.Point{-9.5, 36}, Max: orb.Point{3.3, 43.8}}.ToPolygon()))
	fc.Append(geojson.NewFeature(orb.LineString{{-9, 38.7}, {2.17, 41.38}}))
	style, err := mapstyle.New(fc, "", "")
	require.NoError(t, err)
	img := Draw(fc, style, Options{})
	prj := Fit(bound(fc), 640, 400)
	inside := prj.Point(orb.Point{-4, 40})
	got := img.At(int(inside[0]), int(inside[1]))
	assert.False(t, close(got, land, 10), "the polygon's inside is tinted, got %v", got)

	one := geojson.NewFeatureCollection()
	one.Append(geojson.NewFeature(orb.Point{-3.7038, 40.4168}))
	b, err := Render(one, style, Options{})
	require.NoError(t, err)
	img2, err := png.Decode(bytes.NewReader(b))
	require.NoError(t, err)
	assert.True(t, close(img2.At(320, 200), mapstyle.Parse(mapstyle.DefaultColor), 40), "one point at the centre")
}

func BenchmarkRender5000Points(b *testing.B) {
	fc := geojson.NewFeatureCollection()
	for i := range 5000 {
		c := cities[i%len(cities)]
		fc.Append(geojson.NewFeature(orb.Point{c.lon + float64(i%37)/10, c.lat + float64(i%23)/10}))
	}
	style, _ := mapstyle.New(fc, "", "")
	var size int
	for b.Loop() {
		out, err := Render(fc, style, Options{})
		if err != nil {
			b.Fatal(err)
		}
		size = len(out)
	}
	b.ReportMetric(float64(size), "png-bytes")
}

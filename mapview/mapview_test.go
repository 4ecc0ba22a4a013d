package mapview

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The view must render under the MCP Apps default CSP in a srcdoc iframe:
// nothing it loads from elsewhere, nothing the CSP forbids.
func TestHTMLIsSelfContained(t *testing.T) {
	h := HTML()
	require.True(t, strings.HasPrefix(h, "<!doctype html>"))
	assert.NotRegexp(t, regexp.MustCompile(`(?i)<script[^>]*\ssrc=`), h, "no <script src>")
	assert.NotRegexp(t, regexp.MustCompile(`(?i)<link[^>]*\shref=`), h, "no stylesheet links")
	assert.NotRegexp(t, regexp.MustCompile(`https?://[a-z0-9.-]+/[^"' ]*\.(js|css|png|json|pbf)`), h, "no fetched assets")
	assert.NotRegexp(t, regexp.MustCompile(`url\((["']?)(https?:|//|images/)`), h, "no CSS url() fetches")
	for _, banned := range []string{"eval(", "new Function", "new Worker", "importScripts", "createObjectURL"} {
		assert.NotContains(t, h, banned)
	}
	assert.Equal(t, 1, strings.Count(strings.ToLower(h), "</script>"), "one script, closed once")
	assert.Less(t, len(h), 300_000, "about 250 KB")
}

func TestLicencesShipped(t *testing.T) {
	for _, s := range []string{HTML(), Licences()} {
		assert.Contains(t, s, "leaflet 1.9.4")
		assert.Contains(t, s, "BSD 2-Clause License")
		assert.Contains(t, s, "Volodymyr Agafonkin")
		assert.Contains(t, s, "topojson-client 3.1.0")
		assert.Contains(t, s, "world-atlas 2.0.2")
		assert.Contains(t, s, "Michael Bostock")
		assert.Contains(t, s, "Natural Earth")
	}
}

func TestLand(t *testing.T) {
	land := Land()
	assert.Greater(t, len(land), 100, "Natural Earth 110 m has 127 land polygons")
	b := land.Bound()
	assert.InDelta(t, -90, b.Min[1], 0.1, "Antarctica is closed through the pole")
	assert.Less(t, b.Max[0], 200.0, "rings crossing the antimeridian are unwrapped, not flung across the map")
	// No ring jumps across the map.
	for _, poly := range land {
		for _, ring := range poly {
			for i := 1; i < len(ring); i++ {
				if d := ring[i][0] - ring[i-1][0]; d > 180 || d < -180 {
					assert.Equal(t, -90.0, ring[i][1], "only Antarctica's edge through the pole spans the map")
				}
			}
		}
	}
}

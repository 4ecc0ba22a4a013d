// Package mappng draws a map as a small PNG, for MCP hosts that cannot show
// the MCP Apps view and for models that read images: the features over the
// world outline (the view's Natural Earth 110 m land), in Web Mercator,
// coloured as the view colours them (package mapstyle), with a legend and a
// one-line caption.
package mappng

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"sort"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/geojson"
	"golang.org/x/image/vector"

	"github.com/carto-mcp/carto-mcp/mapstyle"
	"github.com/carto-mcp/carto-mcp/mapview"
)

// Options size the picture.
type Options struct {
	Width, Height int // default 640x400
	// Caption is written at the top left, e.g. "151 features".
	Caption string
}

// The picture's colours: the view's light theme.
var (
	ocean      = color.RGBA{0xdb, 0xe6, 0xee, 0xff}
	land       = color.RGBA{0xf2, 0xef, 0xe9, 0xff}
	landStroke = color.RGBA{0xb9, 0xb3, 0xa9, 0xff}
	white      = color.RGBA{0xff, 0xff, 0xff, 0xff}
)

const (
	padding = 24.0
	// maxScale is the most pixels per world width: Web Mercator zoom 14, so
	// one point or a tight cluster still shows its surroundings.
	maxScale = 256 << 14
	// pointRadius is the radius of a point, in pixels.
	pointRadius = 4.0
)

// Render draws fc, styled by style, and encodes it as PNG: with a palette
// of the picture's 256 most used colours, a third of the size of RGBA or
// less for a map of thousands of anti-aliased points.
func Render(fc *geojson.FeatureCollection, style *mapstyle.Style, opts Options) ([]byte, error) {
	img := quantize(Draw(fc, style, opts))
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// quantize maps img onto a palette of its most frequent colours; a pixel of
// another colour (an anti-aliased edge) takes the nearest. No dithering:
// it would cost more bytes than it saves, on flat map colours.
func quantize(img *image.RGBA) *image.Paletted {
	counts := map[color.RGBA]int{}
	pix := img.Pix
	for i := 0; i+3 < len(pix); i += 4 {
		counts[color.RGBA{pix[i], pix[i+1], pix[i+2], pix[i+3]}]++
	}
	colors := make([]color.RGBA, 0, len(counts))
	for c := range counts {
		colors = append(colors, c)
	}
	sort.Slice(colors, func(i, j int) bool {
		a, b := counts[colors[i]], counts[colors[j]]
		if a != b {
			return a > b
		}
		x, y := colors[i], colors[j]
		return uint32(x.R)<<24|uint32(x.G)<<16|uint32(x.B)<<8|uint32(x.A) < uint32(y.R)<<24|uint32(y.G)<<16|uint32(y.B)<<8|uint32(y.A)
	})
	if len(colors) > 256 {
		colors = colors[:256]
	}
	pal := make(color.Palette, len(colors))
	index := make(map[color.RGBA]uint8, len(counts))
	for i, c := range colors {
		pal[i] = c
		index[c] = uint8(i)
	}
	out := image.NewPaletted(img.Bounds(), pal)
	for i, j := 0, 0; i+3 < len(pix); i, j = i+4, j+1 {
		c := color.RGBA{pix[i], pix[i+1], pix[i+2], pix[i+3]}
		k, ok := index[c]
		if !ok {
			k = uint8(pal.Index(c))
			index[c] = k
		}
		out.Pix[j] = k
	}
	return out
}

// Draw draws fc as an image (see Render).
func Draw(fc *geojson.FeatureCollection, style *mapstyle.Style, opts Options) *image.RGBA {
	if opts.Width <= 0 || opts.Height <= 0 {
		opts.Width, opts.Height = 640, 400
	}
	prj := Fit(bound(fc), opts.Width, opts.Height)
	c := newCanvas(opts.Width, opts.Height)
	draw.Draw(c.img, c.img.Bounds(), image.NewUniform(ocean), image.Point{}, draw.Src)

	world := prj.Geometry(mapview.Land(), c.clipBound())
	c.fillGeometry(world)
	c.paint(land)
	c.strokeGeometry(world, 0.5)
	c.paint(landStroke)

	// Areas first, then lines, then points on top; one paint per colour.
	var areas, lines, points layer
	for i, f := range fc.Features {
		if f.Geometry == nil {
			continue
		}
		col := style.ColorOf(i)
		switch f.Geometry.Dimensions() {
		case 2:
			areas.add(col, prj.Geometry(f.Geometry, c.clipBound()))
		case 1:
			lines.add(col, prj.Geometry(f.Geometry, c.clipBound()))
		default:
			points.add(col, prj.Geometry(f.Geometry, c.clipBound()))
		}
	}
	areas.each(func(col color.RGBA, gs []orb.Geometry) {
		for _, g := range gs {
			c.fillGeometry(g)
		}
		c.paint(withAlpha(col, 140))
		for _, g := range gs {
			c.strokeGeometry(g, 0.75)
		}
		c.paint(col)
	})
	lines.each(func(col color.RGBA, gs []orb.Geometry) {
		for _, g := range gs {
			c.strokeGeometry(g, 1.25)
		}
		c.paint(col)
	})
	// Many points get smaller and lose their outline, so they stay apart
	// (and the picture small).
	radius, outline := pointRadius, true
	if n := points.count(); n > 2000 {
		radius, outline = 2, false
	} else if n > 500 {
		radius = 3
	}
	if outline {
		points.each(func(_ color.RGBA, gs []orb.Geometry) {
			for _, g := range gs {
				eachPoint(g, func(p orb.Point) { c.circle(p, radius+1) })
			}
		})
		c.paint(white)
	}
	points.each(func(col color.RGBA, gs []orb.Geometry) {
		for _, g := range gs {
			eachPoint(g, func(p orb.Point) { c.circle(p, radius) })
		}
		c.paint(withAlpha(col, 235))
	})
	c.legend(style, prj, fc)
	c.caption(opts.Caption)
	return c.img
}

// layer groups projected geometries by colour, in order of first use.
type layer struct {
	colors []color.RGBA
	geoms  map[color.RGBA][]orb.Geometry
}

func (l *layer) add(col color.RGBA, g orb.Geometry) {
	if g == nil {
		return
	}
	if l.geoms == nil {
		l.geoms = map[color.RGBA][]orb.Geometry{}
	}
	if _, ok := l.geoms[col]; !ok {
		l.colors = append(l.colors, col)
	}
	l.geoms[col] = append(l.geoms[col], g)
}

func (l *layer) count() int {
	n := 0
	for _, gs := range l.geoms {
		n += len(gs)
	}
	return n
}

func (l *layer) each(fn func(color.RGBA, []orb.Geometry)) {
	for _, col := range l.colors {
		fn(col, l.geoms[col])
	}
}

func bound(fc *geojson.FeatureCollection) orb.Bound {
	var b orb.Bound
	first := true
	for _, f := range fc.Features {
		if f.Geometry == nil {
			continue
		}
		if first {
			b, first = f.Geometry.Bound(), false
		} else {
			b = b.Union(f.Geometry.Bound())
		}
	}
	if first {
		return orb.Bound{Min: orb.Point{-180, -60}, Max: orb.Point{180, 75}}
	}
	return b
}

// Projection maps longitude/latitude to the picture's pixels in Web
// Mercator.
type Projection struct {
	// Scale is pixels per world width; Center the picture's centre in
	// Mercator world units (0..1, y down).
	Scale         float64
	Center        orb.Point
	Width, Height int
}

// Fit is the projection that shows b whole in a w×h picture, with padding,
// and never closer than Web Mercator zoom 14 nor farther than the world's
// width.
func Fit(b orb.Bound, w, h int) Projection {
	lo, hi := mercator(orb.Point{b.Min[0], b.Max[1]}), mercator(orb.Point{b.Max[0], b.Min[1]})
	dx, dy := hi[0]-lo[0], hi[1]-lo[1]
	scale := maxScale * 1.0
	if dx > 0 {
		scale = min(scale, (float64(w)-2*padding)/dx)
	}
	if dy > 0 {
		scale = min(scale, (float64(h)-2*padding)/dy)
	}
	scale = max(scale, float64(w)-2*padding)
	return Projection{Scale: scale, Center: orb.Point{(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2}, Width: w, Height: h}
}

// Point returns the pixel position of a longitude/latitude.
func (p Projection) Point(ll orb.Point) orb.Point {
	m := mercator(ll)
	return orb.Point{(m[0]-p.Center[0])*p.Scale + float64(p.Width)/2, (m[1]-p.Center[1])*p.Scale + float64(p.Height)/2}
}

// Geometry projects g to pixels and clips it to clipTo.
func (p Projection) Geometry(g orb.Geometry, clipTo orb.Bound) orb.Geometry {
	g = project(orb.Clone(g), p.Point)
	if g.Dimensions() == 0 {
		return clip.Geometry(clipTo, g)
	}
	return clip.Geometry(clipTo, g)
}

const maxLat = 85.05112878

func mercator(ll orb.Point) orb.Point {
	lat := math.Max(-maxLat, math.Min(maxLat, ll[1])) * math.Pi / 180
	return orb.Point{(ll[0] + 180) / 360, (1 - math.Log(math.Tan(lat)+1/math.Cos(lat))/math.Pi) / 2}
}

func project(g orb.Geometry, f func(orb.Point) orb.Point) orb.Geometry {
	switch g := g.(type) {
	case orb.Point:
		return f(g)
	case orb.MultiPoint:
		for i := range g {
			g[i] = f(g[i])
		}
		return g
	case orb.LineString:
		return orb.LineString(project(orb.MultiPoint(g), f).(orb.MultiPoint))
	case orb.Ring:
		return orb.Ring(project(orb.MultiPoint(g), f).(orb.MultiPoint))
	case orb.MultiLineString:
		for i := range g {
			g[i] = project(g[i], f).(orb.LineString)
		}
		return g
	case orb.Polygon:
		for i := range g {
			g[i] = project(g[i], f).(orb.Ring)
		}
		return g
	case orb.MultiPolygon:
		for i := range g {
			g[i] = project(g[i], f).(orb.Polygon)
		}
		return g
	case orb.Collection:
		for i := range g {
			g[i] = project(g[i], f)
		}
		return g
	case orb.Bound:
		return project(g.ToPolygon(), f)
	}
	return g
}

func eachPoint(g orb.Geometry, fn func(orb.Point)) {
	switch g := g.(type) {
	case orb.Point:
		fn(g)
	case orb.MultiPoint:
		for _, p := range g {
			fn(p)
		}
	case orb.Collection:
		for _, m := range g {
			eachPoint(m, fn)
		}
	}
}

func withAlpha(c color.RGBA, a uint8) color.NRGBA {
	return color.NRGBA{c.R, c.G, c.B, a}
}

// canvas accumulates shapes in a rasterizer and paints them in one colour.
type canvas struct {
	img *image.RGBA
	r   *vector.Rasterizer
	any bool
}

func newCanvas(w, h int) *canvas {
	r := vector.NewRasterizer(w, h)
	r.DrawOp = draw.Over
	return &canvas{img: image.NewRGBA(image.Rect(0, 0, w, h)), r: r}
}

// clipBound is the picture with a margin, so clipped edges fall outside it.
func (c *canvas) clipBound() orb.Bound {
	s := c.img.Bounds().Size()
	return orb.Bound{Min: orb.Point{-8, -8}, Max: orb.Point{float64(s.X) + 8, float64(s.Y) + 8}}
}

// paint draws what was accumulated in col, and starts afresh.
func (c *canvas) paint(col color.Color) {
	if !c.any {
		return
	}
	c.r.Draw(c.img, c.img.Bounds(), image.NewUniform(col), image.Point{})
	s := c.img.Bounds().Size()
	c.r.Reset(s.X, s.Y)
	c.r.DrawOp = draw.Over
	c.any = false
}

func (c *canvas) fillGeometry(g orb.Geometry) {
	switch g := g.(type) {
	case orb.Polygon:
		for _, ring := range g {
			c.ring(ring)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			c.fillGeometry(p)
		}
	case orb.Collection:
		for _, m := range g {
			c.fillGeometry(m)
		}
	case orb.Bound:
		c.fillGeometry(g.ToPolygon())
	}
}

func (c *canvas) ring(r orb.Ring) {
	if len(r) < 3 {
		return
	}
	c.r.MoveTo(float32(r[0][0]), float32(r[0][1]))
	for _, p := range r[1:] {
		c.r.LineTo(float32(p[0]), float32(p[1]))
	}
	c.r.ClosePath()
	c.any = true
}

func (c *canvas) strokeGeometry(g orb.Geometry, halfWidth float64) {
	switch g := g.(type) {
	case orb.LineString:
		c.polyline(g, halfWidth)
	case orb.MultiLineString:
		for _, l := range g {
			c.polyline(l, halfWidth)
		}
	case orb.Ring:
		c.polyline(orb.LineString(g), halfWidth)
	case orb.Polygon:
		for _, r := range g {
			c.polyline(orb.LineString(r), halfWidth)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			c.strokeGeometry(p, halfWidth)
		}
	case orb.Collection:
		for _, m := range g {
			c.strokeGeometry(m, halfWidth)
		}
	case orb.Bound:
		c.strokeGeometry(g.ToPolygon(), halfWidth)
	}
}

// polyline strokes each segment as a quad. Every quad winds the same way,
// so overlaps add up instead of cancelling.
func (c *canvas) polyline(l orb.LineString, hw float64) {
	for i := 1; i < len(l); i++ {
		a, b := l[i-1], l[i]
		dx, dy := b[0]-a[0], b[1]-a[1]
		n := math.Hypot(dx, dy)
		if n == 0 {
			continue
		}
		// Extend each segment by hw at both ends to close the joints.
		ux, uy := dx/n*hw, dy/n*hw
		nx, ny := -uy, ux
		c.r.MoveTo(float32(a[0]-ux+nx), float32(a[1]-uy+ny))
		c.r.LineTo(float32(b[0]+ux+nx), float32(b[1]+uy+ny))
		c.r.LineTo(float32(b[0]+ux-nx), float32(b[1]+uy-ny))
		c.r.LineTo(float32(a[0]-ux-nx), float32(a[1]-uy-ny))
		c.r.ClosePath()
		c.any = true
	}
}

func (c *canvas) circle(p orb.Point, radius float64) {
	const k = 0.5522847498 // cubic Bézier handle length for a quarter circle
	x, y, r := float32(p[0]), float32(p[1]), float32(radius)
	h := r * k
	c.r.MoveTo(x+r, y)
	c.r.CubeTo(x+r, y+h, x+h, y+r, x, y+r)
	c.r.CubeTo(x-h, y+r, x-r, y+h, x-r, y)
	c.r.CubeTo(x-r, y-h, x-h, y-r, x, y-r)
	c.r.CubeTo(x+h, y-r, x+r, y-h, x+r, y)
	c.r.ClosePath()
	c.any = true
}

package mappng

import (
	"image"
	"image/color"
	"image/draw"
	"strings"

	"github.com/paulmach/orb/geojson"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/carto-mcp/carto-mcp/mapstyle"
)

var (
	panel    = color.NRGBA{0xff, 0xff, 0xff, 0xeb}
	textGrey = color.RGBA{0x1f, 0x23, 0x28, 0xff}
)

const (
	lineHeight = 16
	charWidth  = 7 // basicfont.Face7x13
	maxLabel   = 28
)

// legend draws the style's legend in a panel, in the bottom corner that
// hides the fewest features.
func (c *canvas) legend(s *mapstyle.Style, prj Projection, fc *geojson.FeatureCollection) {
	if s == nil || len(s.Legend) == 0 {
		return
	}
	lines := []string{shorten(s.ColorBy)}
	width := len(lines[0])
	for _, e := range s.Legend {
		l := shorten(e.Label)
		lines = append(lines, l)
		width = max(width, len([]rune(l))+2)
	}
	size := c.img.Bounds().Size()
	w := width*charWidth + 16
	h := len(lines)*lineHeight + 8
	box := image.Rect(size.X-w-8, size.Y-h-8, size.X-8, size.Y-8)
	left := box.Sub(image.Pt(size.X-w-16, 0))
	if hidden(left, prj, fc) < hidden(box, prj, fc) {
		box = left
	}
	draw.Draw(c.img, box, image.NewUniform(panel), image.Point{}, draw.Over)
	x, y := box.Min.X+6, box.Min.Y+4
	c.text(x, y, lines[0])
	for i, e := range s.Legend {
		y += lineHeight
		sw := image.Rect(x, y+2, x+11, y+13)
		draw.Draw(c.img, sw, image.NewUniform(mapstyle.Parse(e.Color)), image.Point{}, draw.Src)
		c.text(x+2*charWidth, y, lines[i+1])
	}
}

// caption writes text in a panel at the top left.
func (c *canvas) caption(text string) {
	if text == "" {
		return
	}
	text = string([]rune(text)[:min(len([]rune(text)), (c.img.Bounds().Dx()-40)/charWidth)])
	box := image.Rect(8, 8, 8+len([]rune(text))*charWidth+12, 8+lineHeight+6)
	draw.Draw(c.img, box, image.NewUniform(panel), image.Point{}, draw.Over)
	c.text(14, 11, text)
}

// ascii replaces what the bitmap font lacks.
var ascii = strings.NewReplacer("≤", "<=", "–", "-", "—", "-", "…", "...", "·", "-", "\u2019", "'")

// text draws s with its top-left corner at x, y.
func (c *canvas) text(x, y int, s string) {
	s = ascii.Replace(s)
	d := font.Drawer{
		Dst:  c.img,
		Src:  image.NewUniform(textGrey),
		Face: basicfont.Face7x13,
		Dot:  fixed.P(x, y+basicfont.Face7x13.Ascent),
	}
	d.DrawString(s)
}

// hidden counts the features whose centre of bounds is inside box.
func hidden(box image.Rectangle, prj Projection, fc *geojson.FeatureCollection) int {
	n := 0
	for _, f := range fc.Features {
		if f.Geometry == nil {
			continue
		}
		p := prj.Point(f.Geometry.Bound().Center())
		if image.Pt(int(p[0]), int(p[1])).In(box.Inset(-pointRadius - 1)) {
			n++
		}
	}
	return n
}

func shorten(s string) string {
	r := []rune(s)
	if len(r) <= maxLabel {
		return s
	}
	return string(r[:maxLabel-1]) + "…"
}

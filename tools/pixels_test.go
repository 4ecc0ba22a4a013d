package tools_test

import (
	"image"
	"image/color"

	"github.com/paulmach/orb"
)

// oceanColour is the view's and the picture's sea (light theme).
var oceanColour = color.RGBA{0xdb, 0xe6, 0xee, 0xff}

// colourNear reports whether a pixel within r of p has a colour within tol
// of want in each channel.
func colourNear(img image.Image, p orb.Point, r int, want color.RGBA, tol int) bool {
	x0, y0 := int(p[0]+0.5), int(p[1]+0.5)
	for dy := -r; dy <= r; dy++ {
		for dx := -r; dx <= r; dx++ {
			cr, cg, cb, _ := img.At(x0+dx, y0+dy).RGBA()
			if absDiff(cr>>8, want.R) <= tol && absDiff(cg>>8, want.G) <= tol && absDiff(cb>>8, want.B) <= tol {
				return true
			}
		}
	}
	return false
}

func absDiff(a uint32, b uint8) int {
	d := int(a) - int(b)
	if d < 0 {
		return -d
	}
	return d
}

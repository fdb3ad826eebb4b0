package demo

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"kaede/internal/catalog"
)

// imageSize is the side of a demo picture in pixels.
const imageSize = 480

// look is how a category's pictures are drawn: a soft background and a
// simple silhouette of what the category sells. inside takes coordinates
// from -1 to 1 across the picture, y growing downwards.
type look struct {
	background, shape color.RGBA
	inside            func(x, y float64) bool
}

// looks is keyed by the top-level category's slug.
var looks = map[string]look{
	"hari":  {color.RGBA{0xe3, 0xee, 0xf4, 0xff}, color.RGBA{0x5b, 0x7d, 0x93, 0xff}, needleShape},
	"kyu":   {color.RGBA{0xf4, 0xe9, 0xdc, 0xff}, color.RGBA{0x9c, 0x7a, 0x52, 0xff}, coneShape},
	"oil":   {color.RGBA{0xf6, 0xf0, 0xd8, 0xff}, color.RGBA{0xc2, 0x9a, 0x3a, 0xff}, bottleShape},
	"linen": {color.RGBA{0xee, 0xec, 0xf5, 0xff}, color.RGBA{0x8a, 0x84, 0xa8, 0xff}, towelShape},
	"bed":   {color.RGBA{0xe6, 0xf2, 0xea, 0xff}, color.RGBA{0x5f, 0x8f, 0x72, 0xff}, bedShape},
	"books": {color.RGBA{0xf5, 0xe6, 0xe6, 0xff}, color.RGBA{0xa3, 0x5d, 0x5d, 0xff}, bookShape},
	"food":  {color.RGBA{0xea, 0xf2, 0xdc, 0xff}, color.RGBA{0x6d, 0x8a, 0x3e, 0xff}, cupShape},
}

// writeImages draws each product's picture to mediaDir/products/<slug>.png
// and sets its Images to it. The category gives the silhouette; a hash of
// the product's slug varies the colours, the size and place of the
// silhouette and the pattern behind it, and the product's English name and
// first option are written along the bottom, so no two products look alike.
func writeImages(mediaDir string, ps []catalog.Product) error {
	for i := range ps {
		root, _, _ := strings.Cut(ps[i].CategorySlug, "-")
		l, ok := looks[root]
		if !ok {
			return fmt.Errorf("image for %s: no look for category %q", ps[i].Slug, root)
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, draw(l, ps[i])); err != nil {
			return fmt.Errorf("image for %s: %w", ps[i].Slug, err)
		}
		if err := writeImage(mediaDir, &ps[i], buf.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

func writeImage(mediaDir string, p *catalog.Product, picture []byte) error {
	dir := filepath.Join(mediaDir, "products")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("image for %s: %w", p.Slug, err)
	}
	if err := os.WriteFile(filepath.Join(dir, p.Slug+".png"), picture, 0o644); err != nil {
		return fmt.Errorf("image for %s: %w", p.Slug, err)
	}
	p.Images = []catalog.Image{{Path: "/media/products/" + p.Slug + ".png", AltJa: p.NameJa, AltEn: p.NameEn,
		Width: imageSize, Height: imageSize}}
	return nil
}

// Palette indexes of a picture.
const (
	inkBackground = iota
	inkPattern
	inkShape
	inkBand
	inkText
)

// draw paints the product's picture on a five-colour palette, which keeps
// each PNG to a few kilobytes.
func draw(l look, p catalog.Product) *image.Paletted {
	sum := sha256.Sum256([]byte(p.Slug))
	// part is the hash's byte i as a fraction from 0 to 1.
	part := func(i int) float64 { return float64(sum[i]) / 255 }

	// The category's colours, their hue turned by up to ±60° and the
	// shape darkened or lightened a little.
	turn := 120*part(0) - 60
	shade := 0.75 + 0.45*part(1)
	bg := rotate(l.background, turn, 1)
	shape := rotate(l.shape, turn, shade)
	pattern := mix(bg, shape, 0.12)
	band := mix(shape, color.RGBA{0x22, 0x22, 0x22, 0xff}, 0.35)
	img := image.NewPaletted(image.Rect(0, 0, imageSize, imageSize),
		color.Palette{bg, pattern, shape, band, color.RGBA{0xff, 0xff, 0xff, 0xff}})

	scale := 0.7 + 0.35*part(2)
	dx := 0.4*part(3) - 0.2
	kind := sum[4] % 4
	step := 0.14 + 0.1*part(5)
	const bandTop = 0.62 // the name's band: the bottom fifth
	for py := 0; py < imageSize; py++ {
		for px := 0; px < imageSize; px++ {
			x := 2*(float64(px)+0.5)/imageSize - 1
			y := 2*(float64(py)+0.5)/imageSize - 1
			var ink uint8 = inkBackground
			switch {
			case y > bandTop:
				ink = inkBand
			case l.inside((x-dx)/scale, (y+0.12)/scale):
				ink = inkShape
			case patterned(kind, step, x, y):
				ink = inkPattern
			}
			img.SetColorIndex(px, py, ink)
		}
	}
	label := p.NameEn
	if len(p.Variants) > 0 && p.Variants[0].LabelEn != "" {
		label = p.Variants[0].LabelEn
	}
	lines := wrap(p.NameEn, (imageSize-24)/(2*basicfont.Face7x13.Advance))
	if len(lines) > 1 {
		lines = lines[:1]
	}
	if len(p.Variants) > 1 || !strings.Contains(p.NameEn, label) {
		lines = append(lines, label)
	}
	top := imageSize*81/100 + 10 // just under bandTop
	for i, line := range lines {
		write(img, ascii.Replace(line), 12, top+i*30, 2)
	}
	return img
}

// ascii spells the few non-ASCII signs of the English names and options
// in the picture's ASCII face.
var ascii = strings.NewReplacer("×", "x", "ø", "o", "〜", "-", "–", "-", "’", "'")

// patterned is the background's pattern: dots, diagonal stripes, rings
// or a grid, step apart.
func patterned(kind uint8, step, x, y float64) bool {
	switch kind {
	case 0:
		mx, my := math.Mod(x+2, step)-step/2, math.Mod(y+2, step)-step/2
		return math.Hypot(mx, my) < step/6
	case 1:
		return math.Mod(x+y+4, step) < step/4
	case 2:
		return math.Mod(math.Hypot(x, y+0.12), step) < step/5
	}
	return math.Mod(x+2, step) < 0.012 || math.Mod(y+2, step) < 0.012
}

// write draws s in the 7×13 ASCII face, each dot scale pixels square,
// its top-left corner at (x, y), in the palette's text colour.
func write(img *image.Paletted, s string, x, y, scale int) {
	small := image.NewAlpha(image.Rect(0, 0, len(s)*basicfont.Face7x13.Advance, basicfont.Face7x13.Height))
	d := font.Drawer{Dst: small, Src: image.Opaque, Face: basicfont.Face7x13, Dot: fixed.P(0, basicfont.Face7x13.Ascent)}
	d.DrawString(s)
	b := small.Bounds()
	for sy := b.Min.Y; sy < b.Max.Y; sy++ {
		for sx := b.Min.X; sx < b.Max.X; sx++ {
			if small.AlphaAt(sx, sy).A < 0x80 {
				continue
			}
			for oy := 0; oy < scale; oy++ {
				for ox := 0; ox < scale; ox++ {
					if px, py := x+sx*scale+ox, y+sy*scale+oy; px < imageSize-8 && py < imageSize {
						img.SetColorIndex(px, py, inkText)
					}
				}
			}
		}
	}
}

// wrap breaks s into lines of at most width characters at spaces.
func wrap(s string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return append(lines, line)
}

// rotate turns c's hue by deg degrees (in the YIQ plane, which keeps its
// brightness) and scales its channels by shade.
func rotate(c color.RGBA, deg, shade float64) color.RGBA {
	r, g, b := float64(c.R), float64(c.G), float64(c.B)
	y := 0.299*r + 0.587*g + 0.114*b
	i := 0.596*r - 0.274*g - 0.322*b
	q := 0.211*r - 0.523*g + 0.312*b
	sin, cos := math.Sincos(deg * math.Pi / 180)
	i, q = i*cos-q*sin, i*sin+q*cos
	clamp := func(v float64) uint8 { return uint8(math.Max(0, math.Min(255, v*shade))) }
	return color.RGBA{clamp(y + 0.956*i + 0.621*q), clamp(y - 0.272*i - 0.647*q), clamp(y - 1.106*i + 1.703*q), 0xff}
}

// mix is a between c and d, t of the way to d.
func mix(c, d color.RGBA, t float64) color.RGBA {
	m := func(a, b uint8) uint8 { return uint8(float64(a)*(1-t) + float64(b)*t) }
	return color.RGBA{m(c.R, d.R), m(c.G, d.G), m(c.B, d.B), 0xff}
}

func box(x, y, x0, y0, x1, y1 float64) bool { return x >= x0 && x <= x1 && y >= y0 && y <= y1 }

// needleShape is three needles, each with a handle.
func needleShape(x, y float64) bool {
	for _, cx := range []float64{-0.3, 0, 0.3} {
		if box(x, y, cx-0.015, -0.35, cx+0.015, 0.7) || box(x, y, cx-0.06, -0.75, cx+0.06, -0.35) {
			return true
		}
	}
	return false
}

// coneShape is a cone of moxa.
func coneShape(x, y float64) bool {
	return y >= -0.55 && y <= 0.55 && math.Abs(x) <= (y+0.55)*0.45
}

// bottleShape is an oil bottle: cap, neck and body.
func bottleShape(x, y float64) bool {
	return box(x, y, -0.16, -0.72, 0.16, -0.58) || box(x, y, -0.1, -0.58, 0.1, -0.3) || box(x, y, -0.35, -0.3, 0.35, 0.7)
}

// towelShape is three folded towels in a stack.
func towelShape(x, y float64) bool {
	for i := 0; i < 3; i++ {
		top := -0.45 + 0.32*float64(i)
		if box(x, y, -0.6, top, 0.6, top+0.26) {
			return true
		}
	}
	return false
}

// bedShape is a treatment bed with a pillow.
func bedShape(x, y float64) bool {
	return box(x, y, -0.8, -0.05, 0.8, 0.12) || box(x, y, -0.7, 0.12, -0.62, 0.55) ||
		box(x, y, 0.62, 0.12, 0.7, 0.55) || box(x, y, -0.75, -0.2, -0.4, -0.05)
}

// bookShape is a book with a lighter band across its spine side.
func bookShape(x, y float64) bool {
	return box(x, y, -0.45, -0.6, 0.45, 0.6) && !box(x, y, -0.33, -0.6, -0.29, 0.6)
}

// cupShape is a tea cup with a handle.
func cupShape(x, y float64) bool {
	r := math.Hypot(x-0.42, y-0.12)
	return box(x, y, -0.4, -0.25, 0.4, 0.5) || (r >= 0.1 && r <= 0.19 && x > 0.4)
}

package demo

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"

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
// and sets its Images to it. Products of one category share a picture, so
// each is drawn once.
func writeImages(mediaDir string, ps []catalog.Product) error {
	drawn := map[string][]byte{}
	for i := range ps {
		root, _, _ := strings.Cut(ps[i].CategorySlug, "-")
		if _, ok := drawn[root]; !ok {
			l, ok := looks[root]
			if !ok {
				return fmt.Errorf("image for %s: no look for category %q", ps[i].Slug, root)
			}
			var buf bytes.Buffer
			if err := png.Encode(&buf, draw(l)); err != nil {
				return fmt.Errorf("image for %s: %w", ps[i].Slug, err)
			}
			drawn[root] = buf.Bytes()
		}
		if err := writeImage(mediaDir, &ps[i], drawn[root]); err != nil {
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

// draw paints the look on a two-colour palette, which keeps each PNG to a
// few kilobytes.
func draw(l look) *image.Paletted {
	img := image.NewPaletted(image.Rect(0, 0, imageSize, imageSize), color.Palette{l.background, l.shape})
	for py := 0; py < imageSize; py++ {
		for px := 0; px < imageSize; px++ {
			x := 2*(float64(px)+0.5)/imageSize - 1
			y := 2*(float64(py)+0.5)/imageSize - 1
			if l.inside(x, y) {
				img.SetColorIndex(px, py, 1)
			}
		}
	}
	return img
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

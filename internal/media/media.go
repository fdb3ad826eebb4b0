// Package media turns uploaded product photos into files that are safe to
// serve from the public media directory.
//
// An upload is trusted for nothing: its type is found by sniffing the
// bytes (never the file name or Content-Type), only JPEG, PNG and WebP are
// accepted, the dimensions are checked from the header before the pixels
// are decoded, and the picture is decoded in full and encoded again. What
// is served is therefore only pixels Kaede wrote itself: a script appended
// to a PNG, an HTML/image polyglot, EXIF metadata with the GPS position of
// the shop owner's phone, all are left behind (required by the card
// security guideline's "restrict the file types that can be uploaded").
package media

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/webp"

	"kaede/internal/shop"
)

// Limits on an upload.
const (
	// MaxBytes is the largest file Process is meant to be given; the
	// caller passes its own limit, at most this.
	MaxBytes = 5 << 20
	// MaxSide is the largest width or height accepted, in pixels: a
	// product photo needs far less, and it bounds decoding memory.
	MaxSide = 4000
	// JPEGQuality is the quality photos are re-encoded at.
	JPEGQuality = 85
)

// Output formats.
const (
	JPEG = "jpeg"
	PNG  = "png"
)

// Image is an upload decoded and encoded again: Data holds only what
// Kaede's encoder wrote.
type Image struct {
	Data   []byte
	Format string // JPEG or PNG
	Width  int
	Height int
}

// Ext is the file name extension for the image's format, with the dot.
func (img Image) Ext() string {
	if img.Format == PNG {
		return ".png"
	}
	return ".jpg"
}

// sniffed formats, from the first bytes of the file.
const (
	inJPEG = "jpeg"
	inPNG  = "png"
	inWebP = "webp"
)

// sniff names the format the bytes start with, or "".
func sniff(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte{0xff, 0xd8, 0xff}):
		return inJPEG
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return inPNG
	case len(b) >= 12 && string(b[0:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return inWebP
	}
	return ""
}

func invalid(reason, format string, args ...any) error {
	return &shop.Error{Code: shop.Invalid, Message: fmt.Sprintf(format, args...), Fields: map[string]string{"image": reason}}
}

// Process reads an upload of at most maxBytes and returns it re-encoded:
// a JPEG as a JPEG at JPEGQuality, turned upright by its EXIF orientation;
// a PNG as a PNG; a WebP as a PNG when it has transparency and a JPEG
// otherwise. Anything else, a larger file, a picture wider or taller than
// MaxSide or one that does not decode is an Invalid error on the field
// "image", with a message safe to show.
func Process(r io.Reader, maxBytes int64) (Image, error) {
	if maxBytes <= 0 || maxBytes > MaxBytes {
		maxBytes = MaxBytes
	}
	data, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		return Image{}, fmt.Errorf("read upload: %w", err)
	}
	if int64(len(data)) > maxBytes {
		return Image{}, invalid(shop.ReasonLength, "the image is larger than %d MB", maxBytes>>20)
	}
	format := sniff(data)
	if format == "" {
		return Image{}, invalid(shop.ReasonFormat, "only JPEG, PNG and WebP images can be uploaded")
	}
	// The header first: a small file may claim a picture of gigapixels,
	// and decoding it would allocate all of them.
	var cfg image.Config
	switch format {
	case inJPEG:
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
	case inPNG:
		cfg, err = png.DecodeConfig(bytes.NewReader(data))
	case inWebP:
		cfg, err = webp.DecodeConfig(bytes.NewReader(data))
	}
	if err != nil || cfg.Width < 1 || cfg.Height < 1 {
		return Image{}, invalid(shop.ReasonFormat, "the file is not a readable %s image", format)
	}
	if cfg.Width > MaxSide || cfg.Height > MaxSide {
		return Image{}, invalid(shop.ReasonRange, "the image is %d×%d pixels; at most %d×%d are accepted",
			cfg.Width, cfg.Height, MaxSide, MaxSide)
	}
	var pic image.Image
	switch format {
	case inJPEG:
		pic, err = jpeg.Decode(bytes.NewReader(data))
	case inPNG:
		pic, err = png.Decode(bytes.NewReader(data))
	case inWebP:
		pic, err = webp.Decode(bytes.NewReader(data))
	}
	if err != nil {
		return Image{}, invalid(shop.ReasonFormat, "the file is not a readable %s image", format)
	}
	if format == inJPEG {
		pic = orient(pic, exifOrientation(data))
	}
	out := Image{Format: JPEG}
	if format == inPNG || (format == inWebP && !opaque(pic)) {
		out.Format = PNG
	}
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	if out.Format == PNG {
		err = (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(w, pic)
	} else {
		err = jpeg.Encode(w, pic, &jpeg.Options{Quality: JPEGQuality})
	}
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		return Image{}, fmt.Errorf("encode %s: %w", out.Format, err)
	}
	b := pic.Bounds()
	out.Data, out.Width, out.Height = buf.Bytes(), b.Dx(), b.Dy()
	return out, nil
}

// opaque reports whether every pixel of pic is fully opaque, so that a
// JPEG, which has no transparency, shows it as it is.
func opaque(pic image.Image) bool {
	if o, ok := pic.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	b := pic.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if _, _, _, a := pic.At(x, y).RGBA(); a != 0xffff {
				return false
			}
		}
	}
	return true
}

package media_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"kaede/internal/media"
	"kaede/internal/shop"
)

// webpLossy is a 1×1 grey lossy WebP (VP8), the smallest valid file.
var webpLossy = []byte("RIFF\x22\x00\x00\x00WEBPVP8 \x16\x00\x00\x00\x30\x01\x00\x9d\x01\x2a\x01\x00\x01\x00\x0e\xc0\xfe\x25\xa4\x00\x03\x70\x00\x00\x00\x00")

// webpLossless is a 1×1 fully transparent lossless WebP (VP8L).
var webpLossless = []byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00")

// picture is a w×h gradient, so that encoders have something to encode.
func picture(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 0x80, 0xff})
		}
	}
	return img
}

func pngBytes(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func jpegBytes(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func process(t *testing.T, data []byte) (media.Image, error) {
	t.Helper()
	return media.Process(bytes.NewReader(data), media.MaxBytes)
}

func wantRefused(t *testing.T, err error, reason string) {
	t.Helper()
	if shop.ErrorCode(err) != shop.Invalid {
		t.Fatalf("error %v: code=%s, want invalid", err, shop.ErrorCode(err))
	}
	if got := shop.ErrorFields(err)["image"]; got != reason {
		t.Fatalf("error %v: image=%q, want %q", err, got, reason)
	}
	if shop.ErrorMessage(err) == "" {
		t.Fatal("no message to show")
	}
}

func TestProcessAcceptsJPEGPNGAndWebP(t *testing.T) {
	for _, tc := range []struct {
		name       string
		data       []byte
		format     string
		w, h       int
		decodeWith func([]byte) (image.Image, error)
	}{
		{"jpeg", jpegBytes(t, picture(64, 48)), media.JPEG, 64, 48, decodeJPEG},
		{"png", pngBytes(t, picture(30, 20)), media.PNG, 30, 20, decodePNG},
		{"webp lossy", webpLossy, media.JPEG, 1, 1, decodeJPEG},
		{"webp with transparency", webpLossless, media.PNG, 1, 1, decodePNG},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img, err := process(t, tc.data)
			if err != nil {
				t.Fatal(err)
			}
			if img.Format != tc.format || img.Width != tc.w || img.Height != tc.h {
				t.Fatalf("got %s %d×%d, want %s %d×%d", img.Format, img.Width, img.Height, tc.format, tc.w, tc.h)
			}
			out, err := tc.decodeWith(img.Data)
			if err != nil {
				t.Fatalf("output does not decode as %s: %v", tc.format, err)
			}
			if b := out.Bounds(); b.Dx() != tc.w || b.Dy() != tc.h {
				t.Fatalf("output is %v, want %d×%d", b, tc.w, tc.h)
			}
		})
	}
}

func decodeJPEG(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }
func decodePNG(b []byte) (image.Image, error)  { return png.Decode(bytes.NewReader(b)) }

func TestProcessRefusesWhatIsNotAnImage(t *testing.T) {
	for name, data := range map[string][]byte{
		// The file names these would arrive with (evil.png, logo.svg…)
		// play no part: only the bytes are looked at.
		"html named .png":  []byte("<!DOCTYPE html><html><script>fetch('/admin')</script></html>"),
		"javascript":       []byte("alert(document.cookie)//\x89PNG"),
		"svg":              []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="1" height="1"/></svg>`),
		"gif":              []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
		"empty":            {},
		"zip":              []byte("PK\x03\x04\x14\x00\x00\x00"),
		"pdf":              []byte("%PDF-1.7\n"),
		"riff wave":        []byte("RIFF\x24\x00\x00\x00WAVEfmt "),
		"php in jpeg skin": []byte("\xff\xd8\xff\xe0<?php system($_GET['c']); ?>"),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := process(t, data)
			wantRefused(t, err, shop.ReasonFormat)
		})
	}
}

func TestProcessRoutesWebPHeaderToTheWebPDecoder(t *testing.T) {
	// RIFF/WEBP is sniffed as WebP, and the WebP decoder refuses what
	// follows: garbage with the right header is no image.
	garbage := append([]byte("RIFF\x30\x00\x00\x00WEBPVP8 \x24\x00\x00\x00"), bytes.Repeat([]byte{0x41}, 36)...)
	_, err := process(t, garbage)
	wantRefused(t, err, shop.ReasonFormat)
	if !strings.Contains(shop.ErrorMessage(err), "webp") {
		t.Fatalf("message %q does not say the file was read as WebP", shop.ErrorMessage(err))
	}
}

func TestProcessDropsAppendedScript(t *testing.T) {
	script := []byte("<script>alert('polyglot')</script>")
	for name, data := range map[string][]byte{
		"png":  append(pngBytes(t, picture(8, 8)), script...),
		"jpeg": append(jpegBytes(t, picture(8, 8)), script...),
	} {
		t.Run(name, func(t *testing.T) {
			img, err := process(t, data)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(img.Data, []byte("script")) || bytes.Contains(img.Data, []byte("polyglot")) {
				t.Fatal("the re-encoded image still holds the script")
			}
		})
	}
	// A text chunk inside the PNG goes too.
	p := pngBytes(t, picture(8, 8))
	withText := insertChunk(p, "tEXt", []byte("Comment\x00<script>alert(1)</script>"))
	img, err := process(t, withText)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(img.Data, []byte("tEXt")) || bytes.Contains(img.Data, []byte("alert")) {
		t.Fatal("the re-encoded PNG still holds the text chunk")
	}
}

// insertChunk puts a chunk right after a PNG's IHDR.
func insertChunk(p []byte, typ string, data []byte) []byte {
	const afterIHDR = 8 + 4 + 4 + 13 + 4
	var c bytes.Buffer
	binary.Write(&c, binary.BigEndian, uint32(len(data)))
	c.WriteString(typ)
	c.Write(data)
	binary.Write(&c, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	out := append([]byte{}, p[:afterIHDR]...)
	out = append(out, c.Bytes()...)
	return append(out, p[afterIHDR:]...)
}

// hugePNG is a valid PNG signature and IHDR claiming w×h pixels, followed
// by a tiny IDAT: a decompression bomb's header.
func hugePNG(w, h uint32) []byte {
	var ihdr bytes.Buffer
	binary.Write(&ihdr, binary.BigEndian, w)
	binary.Write(&ihdr, binary.BigEndian, h)
	ihdr.Write([]byte{8, 6, 0, 0, 0}) // 8-bit RGBA
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	for _, c := range []struct {
		typ  string
		data []byte
	}{{"IHDR", ihdr.Bytes()}, {"IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01}}, {"IEND", nil}} {
		binary.Write(&b, binary.BigEndian, uint32(len(c.data)))
		b.WriteString(c.typ)
		b.Write(c.data)
		binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(c.typ), c.data...)))
	}
	return b.Bytes()
}

func TestProcessRefusesHugeDimensionsWithoutDecoding(t *testing.T) {
	for _, size := range [][2]uint32{{60000, 60000}, {media.MaxSide + 1, 10}, {10, media.MaxSide + 1}} {
		data := hugePNG(size[0], size[1])
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := process(t, data)
		runtime.ReadMemStats(&after)
		wantRefused(t, err, shop.ReasonRange)
		// Decoding 60000×60000 RGBA would allocate 14 GB; the header
		// check allocates next to nothing.
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
			t.Fatalf("%d×%d: allocated %d bytes before refusing", size[0], size[1], grew)
		}
	}
}

func TestProcessRefusesLargeFiles(t *testing.T) {
	data := append(pngBytes(t, picture(4, 4)), make([]byte, 2<<20)...)
	_, err := media.Process(bytes.NewReader(data), 1<<20)
	wantRefused(t, err, shop.ReasonLength)
}

// exifJPEG returns a JPEG of img with an EXIF segment right after SOI
// that holds the orientation and, in a GPS-looking string, a secret.
func exifJPEG(t *testing.T, img image.Image, orientation uint16, secret string) []byte {
	t.Helper()
	var tiff bytes.Buffer
	tiff.WriteString("MM\x00*")
	binary.Write(&tiff, binary.BigEndian, uint32(8))
	binary.Write(&tiff, binary.BigEndian, uint16(1)) // one entry
	binary.Write(&tiff, binary.BigEndian, uint16(0x0112))
	binary.Write(&tiff, binary.BigEndian, uint16(3))
	binary.Write(&tiff, binary.BigEndian, uint32(1))
	binary.Write(&tiff, binary.BigEndian, orientation)
	binary.Write(&tiff, binary.BigEndian, uint16(0))
	binary.Write(&tiff, binary.BigEndian, uint32(0)) // no next IFD
	tiff.WriteString(secret)
	seg := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	var app1 bytes.Buffer
	app1.Write([]byte{0xff, 0xe1})
	binary.Write(&app1, binary.BigEndian, uint16(len(seg)+2))
	app1.Write(seg)
	j := jpegBytes(t, img)
	out := append([]byte{}, j[:2]...)
	out = append(out, app1.Bytes()...)
	return append(out, j[2:]...)
}

func TestProcessStripsEXIFAndTurnsPhotosUpright(t *testing.T) {
	const secret = "GPSLatitude 35.6812N 139.7671E kaede-owner-home"
	// A 40×20 picture, left half red, right half blue, recorded sideways
	// with orientation 6: upright it is 20×40, red on top.
	src := image.NewRGBA(image.Rect(0, 0, 40, 20))
	for y := 0; y < 20; y++ {
		for x := 0; x < 40; x++ {
			c := color.RGBA{0xff, 0, 0, 0xff}
			if x >= 20 {
				c = color.RGBA{0, 0, 0xff, 0xff}
			}
			src.Set(x, y, c)
		}
	}
	data := exifJPEG(t, src, 6, secret)
	if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
		t.Fatalf("test JPEG does not decode: %v", err)
	}
	img, err := process(t, data)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(img.Data, []byte("Exif")) || bytes.Contains(img.Data, []byte("GPS")) || bytes.Contains(img.Data, []byte("kaede-owner")) {
		t.Fatal("the metadata survived re-encoding")
	}
	if img.Width != 20 || img.Height != 40 {
		t.Fatalf("upright size %d×%d, want 20×40", img.Width, img.Height)
	}
	out, err := jpeg.Decode(bytes.NewReader(img.Data))
	if err != nil {
		t.Fatal(err)
	}
	// Turned clockwise, the left (red) half is on top.
	if r, _, b, _ := out.At(10, 5).RGBA(); r < 0xc000 || b > 0x4000 {
		t.Fatalf("top is r=%x b=%x, want red", r, b)
	}
	if r, _, b, _ := out.At(10, 35).RGBA(); b < 0xc000 || r > 0x4000 {
		t.Fatalf("bottom is r=%x b=%x, want blue", r, b)
	}
}

func TestStoreWritesARandomNonExecutableFile(t *testing.T) {
	dir := t.TempDir()
	img, err := process(t, pngBytes(t, picture(8, 8)))
	if err != nil {
		t.Fatal(err)
	}
	rel, err := media.Store(dir, img)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(rel, "products/") || !strings.HasSuffix(rel, ".png") || len(rel) != len("products/")+32+4 {
		t.Fatalf("path %q, want products/<32 hex>.png", rel)
	}
	st, err := os.Stat(filepath.Join(dir, rel))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o644 {
		t.Fatalf("mode %v, want 0644", st.Mode().Perm())
	}
	got, err := os.ReadFile(filepath.Join(dir, rel))
	if err != nil || !bytes.Equal(got, img.Data) {
		t.Fatalf("stored bytes differ: %v", err)
	}
	other, err := media.Store(dir, img)
	if err != nil || other == rel {
		t.Fatalf("second store: %q, %v; want another name", other, err)
	}
	entries, err := os.ReadDir(filepath.Join(dir, "products"))
	if err != nil || len(entries) != 2 {
		t.Fatalf("%d files (%v), want 2 and no temporary files left", len(entries), err)
	}

	if err := media.Remove(dir, rel); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, rel)); !os.IsNotExist(err) {
		t.Fatalf("removed file: %v", err)
	}
	for _, bad := range []string{"../kaede.db", "products/../../etc/passwd", "products/x.php", "/etc/passwd"} {
		if err := media.Remove(dir, bad); err == nil {
			t.Errorf("Remove(%q) succeeded", bad)
		}
	}
}

func FuzzProcess(f *testing.F) {
	f.Add(webpLossy)
	f.Add(webpLossless)
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add([]byte("\xff\xd8\xff\xe1\x00\x10Exif\x00\x00MM\x00*\x00\x00\x00\x08"))
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := media.Process(bytes.NewReader(data), media.MaxBytes)
		if err != nil {
			if shop.ErrorCode(err) != shop.Invalid {
				t.Fatalf("error %v is not Invalid", err)
			}
			return
		}
		if img.Width < 1 || img.Height < 1 || img.Width > media.MaxSide || img.Height > media.MaxSide || len(img.Data) == 0 {
			t.Fatalf("image %s %d×%d, %d bytes", img.Format, img.Width, img.Height, len(img.Data))
		}
	})
}

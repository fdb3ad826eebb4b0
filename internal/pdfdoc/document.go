// Package pdfdoc writes Japanese business documents as PDF: A4 portrait
// pages measured in millimetres, wrapped text blocks, tables and letters laid
// out for a 長3 window envelope. The Japanese font (IPAex Gothic) travels in
// the binary and each PDF embeds only the glyphs its text uses. The same
// input always gives the same bytes, so a document can be made again and
// compared.
//
// The PDF is assembled by codeberg.org/go-pdf/fpdf, which keeps the pages in
// memory until the document is written; a long run of letters (Writer) is
// therefore made in parts that are written out as each fills, so that its
// memory follows the part, not the run (see BenchmarkWriter10000).
package pdfdoc

import (
	"fmt"
	"io"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

// A4 portrait page size and the default margins, in millimetres.
const (
	PageWidth    = 210.0
	PageHeight   = 297.0
	MarginLeft   = 20.0
	MarginRight  = 20.0
	MarginTop    = 20.0
	MarginBottom = 17.0
)

// ptToMM converts a length in points (font sizes) to millimetres.
const ptToMM = 25.4 / 72

// Align says where text sits between its left and right edges.
type Align int

// Alignments of a text block or a table column.
const (
	AlignLeft Align = iota
	AlignCenter
	AlignRight
)

// Options describe a document as a whole.
type Options struct {
	// Title and Author go into the document information.
	Title  string
	Author string
	// Created is written as the creation and modification dates. The zero
	// value writes the Unix epoch rather than the current time, so that the
	// same input always gives the same bytes.
	Created time.Time
	// Footer, when set, is printed small and centred under the bottom
	// margin of every page, with {nb} standing for the number of pages
	// (fpdf fills it in when the file is written): a document of several
	// pages says on each which document it is and where the page falls.
	Footer func(page int) string
}

// Document is a PDF being built, page by page. Drawing methods record an
// error inside the document, returned by WriteTo, rather than each one
// returning it.
type Document struct {
	pdf    *fpdf.Fpdf
	footer func(page int) string
	y      float64 // the cursor: top of the next text block, in mm from the page top
	size   float64 // current font size in points
	pages  int
}

// New starts an empty A4 portrait document.
func New(o Options) *Document {
	pdf := fpdf.New("P", "mm", "A4", "")
	created := o.Created
	if created.IsZero() {
		created = time.Unix(0, 0).UTC()
	}
	pdf.SetCreationDate(created)
	pdf.SetModificationDate(created)
	pdf.SetCatalogSort(true) // resources in a fixed order: same input, same bytes
	// Page content stays uncompressed: fpdf makes a new 1 MB zlib writer
	// for every page, which made 10,000 letters take 17 s and 160 MB instead
	// of 6 s and 120 MB, for a file 1.8 times smaller (14 MB against 25 MB).
	// The embedded font subset is compressed either way.
	pdf.SetCompression(false)
	pdf.SetProducer("Kaede", true)
	if o.Title != "" {
		pdf.SetTitle(o.Title, true)
	}
	if o.Author != "" {
		pdf.SetAuthor(o.Author, true)
	}
	pdf.SetMargins(MarginLeft, MarginTop, MarginRight)
	// Pages break where this package decides (tables, text blocks), never
	// in the middle of something fpdf draws.
	pdf.SetAutoPageBreak(false, MarginBottom)
	pdf.AddUTF8FontFromBytes(fontFamily, "", ipaexGothic)
	d := &Document{pdf: pdf, size: 10.5, footer: o.Footer}
	pdf.SetFont(fontFamily, "", d.size)
	if o.Footer != nil {
		pdf.AliasNbPages("")
	}
	return d
}

// AddPage starts a new page and puts the cursor at the top margin.
func (d *Document) AddPage() {
	d.pdf.AddPage() // which selects the current font again on the new page
	d.pages++
	d.y = MarginTop
	if d.footer != nil {
		d.Label(MarginLeft, PageHeight-MarginBottom+6, PageWidth-MarginLeft-MarginRight, 8, AlignCenter, Black, d.footer(d.pages))
	}
}

// Pages returns the number of pages so far.
func (d *Document) Pages() int { return d.pages }

// Y returns the cursor: where the next block starts, in mm from the top.
func (d *Document) Y() float64 { return d.y }

// SetY moves the cursor.
func (d *Document) SetY(y float64) { d.y = y }

// Gap moves the cursor down by mm millimetres.
func (d *Document) Gap(mm float64) { d.y += mm }

// WriteTo writes the finished PDF to w. The document cannot be changed
// afterwards.
func (d *Document) WriteTo(w io.Writer) (int64, error) {
	if d.pages == 0 {
		return 0, fmt.Errorf("pdfdoc: document has no pages")
	}
	cw := &countingWriter{w: w}
	if err := d.pdf.Output(cw); err != nil {
		return cw.n, fmt.Errorf("pdfdoc: write PDF: %w", err)
	}
	return cw.n, nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// setSize selects the font at pt points for the text drawn next. fpdf
// writes a font selection into the page each time it is asked, so an
// unchanged size is not asked for again: with 10,000 pages in memory, that
// is a third of each page's content.
func (d *Document) setSize(pt float64) {
	if pt == d.size {
		return
	}
	d.size = pt
	d.pdf.SetFont(fontFamily, "", pt)
}

// measure returns the width of s in mm at the current size.
func (d *Document) measure(s string) float64 { return d.pdf.GetStringWidth(s) }

// wrap breaks s into lines of at most width mm at size pt. It measures at
// the current size and scales, as widths are proportional to the size, so
// that laying out writes nothing into the page.
func (d *Document) wrap(s string, size, width float64) []string {
	scale := size / d.size
	return Wrap(printable(s), width, func(s string) float64 { return d.measure(s) * scale })
}

// text draws one line with its top at y (not its baseline), aligned between
// x and x+width.
func (d *Document) text(x, y, width float64, align Align, s string) {
	switch align {
	case AlignCenter:
		x += (width - d.measure(s)) / 2
	case AlignRight:
		x += width - d.measure(s)
	}
	// The font's ascent is 0.88 em: the baseline sits that far below the top.
	d.pdf.Text(x, y+0.88*d.size*ptToMM, s)
}

// lineHeight is the distance between baselines for a size, 1.6 times the
// size, which reads well in Japanese body text.
func lineHeight(pt float64) float64 { return 1.6 * pt * ptToMM }

// printable replaces what the PDF text encoding cannot carry: characters
// outside the Basic Multilingual Plane become 〓 (the geta mark, the usual
// Japanese stand-in for a character that cannot be printed), and control
// characters other than newline are dropped.
func printable(s string) string {
	ok := true
	for _, r := range s {
		if r > 0xFFFF || (r < 0x20 && r != '\n') {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r > 0xFFFF:
			b.WriteRune('〓')
		case r < 0x20 && r != '\n':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TextBlock is a paragraph of text wrapped to a width.
type TextBlock struct {
	Text string
	// Size is the font size in points; zero means 10.5.
	Size float64
	// X and Width place the block; zero means the page's margins.
	X, Width float64
	Align    Align
}

// Text draws a wrapped block at the cursor and moves the cursor below it,
// continuing on a new page when the block reaches the bottom margin.
func (d *Document) Text(b TextBlock) {
	if d.pages == 0 {
		d.AddPage()
	}
	size := b.Size
	if size == 0 {
		size = 10.5
	}
	x, w := b.X, b.Width
	if x == 0 {
		x = MarginLeft
	}
	if w == 0 {
		w = PageWidth - MarginRight - x
	}
	lh := lineHeight(size)
	lines := d.wrap(b.Text, size, w)
	d.setSize(size)
	for _, line := range lines {
		if d.y+lh > PageHeight-MarginBottom {
			d.AddPage()
		}
		d.text(x, d.y, w, b.Align, line)
		d.y += lh
	}
}

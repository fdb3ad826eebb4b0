package pdfdoc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
)

// PartPages is how many letters a Writer lays out in one part before it
// writes them out. fpdf keeps a document's pages in memory and builds the
// whole file in memory again to write it, so a run of 10,000 letters made
// as one fpdf document peaked near 300 MB; made in parts, and each part
// written out as soon as it is full, the peak follows the part, not the
// run (BenchmarkWriter10000). Each part carries the subset of the font
// its own pages use, which makes the file a little larger.
const PartPages = 1000

// partPages is PartPages, smaller in tests so that a run of a few parts
// stays quick to read back.
var partPages = PartPages

// Writer writes a run of letters, one page each, as a single PDF to an
// io.Writer: Add each letter, then Close to finish the file. A run of up
// to PartPages letters is one fpdf document written at Close. A longer run
// is laid out in parts of PartPages letters: each full part is written to
// w as the next letter arrives, its objects renumbered into the one file,
// and Close writes the last part, the page tree and the cross-reference
// table. Either way the same letters give the same bytes.
type Writer struct {
	o      Options
	w      *countingWriter
	doc    *Document
	closed bool
	err    error // a part that could not be written ends the run
	pages  int   // letters in the parts already written

	// What the parts already written leave for Close.
	merging bool
	offsets []int64 // file offset of each object, by number-1
	kids    []int   // the page objects, in order
	info    []byte  // the first part's document information
}

// The objects a merged file reserves: the page tree, the catalogue and
// the document information; the parts' objects follow.
const (
	mergedPages = 1 + iota
	mergedCatalog
	mergedInfo
	mergedReserved = iota
)

// NewWriter starts a run of letters written to w.
func NewWriter(w io.Writer, o Options) *Writer {
	return &Writer{o: o, w: &countingWriter{w: w}, doc: New(o)}
}

// Add appends l as the next page. A letter that does not fit one page is
// an error (ErrLetterTooLong, ErrAddressTooLong) and adds nothing, so the
// caller can report it and go on or stop. An error writing a finished
// part to w is returned here too, and the run cannot go on.
func (lw *Writer) Add(l Letter) error {
	if lw.closed {
		return errors.New("pdfdoc: letter added after Close")
	}
	if lw.err != nil {
		return lw.err
	}
	if lw.doc.Pages() >= partPages {
		if lw.err = lw.flush(); lw.err != nil {
			return lw.err
		}
	}
	return lw.doc.AddLetter(l)
}

// Pages returns the number of letters added so far.
func (lw *Writer) Pages() int { return lw.pages + lw.doc.Pages() }

// Close finishes the PDF. A run with no letters is an error, as an empty
// PDF would not open.
func (lw *Writer) Close() error {
	if lw.closed {
		return errors.New("pdfdoc: Close called twice")
	}
	lw.closed = true
	if lw.err != nil {
		return lw.err
	}
	if !lw.merging {
		if _, err := lw.doc.WriteTo(lw.w); err != nil {
			return fmt.Errorf("pdfdoc: letters: %w", err)
		}
		return nil
	}
	if err := lw.flush(); err != nil {
		return err
	}
	return lw.finish()
}

// flush writes the current part's objects to the file and starts a new
// part.
func (lw *Writer) flush() error {
	var buf bytes.Buffer
	if _, err := lw.doc.WriteTo(&buf); err != nil {
		return fmt.Errorf("pdfdoc: letters: %w", err)
	}
	lw.pages += lw.doc.Pages()
	lw.doc = New(lw.o)
	p, err := parsePart(buf.Bytes())
	if err != nil {
		return fmt.Errorf("pdfdoc: letters: %w", err)
	}
	if !lw.merging {
		lw.merging = true
		lw.info = p.object(p.info)
		if _, err := lw.w.Write(p.header); err != nil {
			return fmt.Errorf("pdfdoc: write letters: %w", err)
		}
		lw.offsets = make([]int64, mergedReserved)
	}
	// The part's page tree becomes the file's; its catalogue and
	// information are dropped; the rest follow the objects so far.
	renum := map[int]int{p.pages: mergedPages}
	for _, n := range p.order {
		if n == p.pages || n == p.root || n == p.info {
			continue
		}
		lw.offsets = append(lw.offsets, 0)
		renum[n] = len(lw.offsets)
	}
	var rerr error
	for _, n := range p.order {
		m, ok := renum[n]
		if !ok || n == p.pages {
			continue
		}
		dict, stream := splitObject(p.object(n))
		dict = objRef.ReplaceAllFunc(dict, func(ref []byte) []byte {
			old, _ := strconv.Atoi(string(objRef.FindSubmatch(ref)[1]))
			to, ok := renum[old]
			if !ok {
				rerr = fmt.Errorf("object %d refers to object %d, which the part does not have", n, old)
			}
			return fmt.Appendf(nil, "%d 0 R", to)
		})
		if p.isPage(n) {
			lw.kids = append(lw.kids, m)
		}
		lw.offsets[m-1] = lw.w.n
		if _, err := fmt.Fprintf(lw.w, "%d 0 obj\n", m); err != nil {
			return fmt.Errorf("pdfdoc: write letters: %w", err)
		}
		if _, err := lw.w.Write(dict); err != nil {
			return fmt.Errorf("pdfdoc: write letters: %w", err)
		}
		if _, err := lw.w.Write(stream); err != nil {
			return fmt.Errorf("pdfdoc: write letters: %w", err)
		}
	}
	if rerr != nil {
		return fmt.Errorf("pdfdoc: letters: %w", rerr)
	}
	return nil
}

// finish writes the page tree, the catalogue, the information and the
// cross-reference table of a merged file.
func (lw *Writer) finish() error {
	var b bytes.Buffer
	obj := func(n int, body string) {
		lw.offsets[n-1] = lw.w.n + int64(b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%sendobj\n", n, body)
	}
	var kids bytes.Buffer
	for i, k := range lw.kids {
		if i > 0 && i%16 == 0 {
			kids.WriteByte('\n')
		}
		fmt.Fprintf(&kids, "%d 0 R ", k)
	}
	obj(mergedPages, fmt.Sprintf("<</Type /Pages\n/Kids [%s]\n/Count %d\n/MediaBox [0 0 595.28 841.89]\n>>\n", kids.String(), len(lw.kids)))
	obj(mergedCatalog, fmt.Sprintf("<<\n/Type /Catalog\n/Pages %d 0 R\n>>\n", mergedPages))
	lw.offsets[mergedInfo-1] = lw.w.n + int64(b.Len())
	fmt.Fprintf(&b, "%d 0 obj\n", mergedInfo)
	b.Write(lw.info)
	xref := lw.w.n + int64(b.Len())
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(lw.offsets)+1)
	for _, off := range lw.offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<<\n/Size %d\n/Root %d 0 R\n/Info %d 0 R\n>>\nstartxref\n%d\n%%%%EOF\n",
		len(lw.offsets)+1, mergedCatalog, mergedInfo, xref)
	if _, err := lw.w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("pdfdoc: write letters: %w", err)
	}
	return nil
}

// part is one fpdf document, read back to be merged: its objects by the
// offsets of its cross-reference table.
type part struct {
	b                 []byte
	header            []byte // "%PDF-1.x" and the binary comment
	start             map[int]int
	end               map[int]int
	order             []int // object numbers in file order
	root, info, pages int
}

var (
	objRef     = regexp.MustCompile(`(\d+) 0 R`)
	trailerRef = regexp.MustCompile(`/(Root|Info) (\d+) 0 R`)
	pagesRef   = regexp.MustCompile(`/Pages (\d+) 0 R`)
)

// parsePart reads the cross-reference table fpdf writes (one section,
// from object 0, every object in use) and finds each object's bytes.
func parsePart(b []byte) (*part, error) {
	x := bytes.LastIndex(b, []byte("\nxref\n"))
	if x < 0 {
		return nil, errors.New("part has no cross-reference table")
	}
	rest := b[x+len("\nxref\n"):]
	line, rest, _ := bytes.Cut(rest, []byte("\n"))
	var first, count int
	if _, err := fmt.Sscanf(string(line), "%d %d", &first, &count); err != nil || first != 0 || count < 2 {
		return nil, fmt.Errorf("part's cross-reference table starts %q", line)
	}
	p := &part{b: b, start: map[int]int{}, end: map[int]int{}}
	for n := range count {
		if len(rest) < 20 {
			return nil, errors.New("part's cross-reference table is cut short")
		}
		entry := rest[:20]
		rest = rest[20:]
		if n == 0 {
			continue
		}
		if entry[17] != 'n' {
			return nil, fmt.Errorf("part's object %d is not in use", n)
		}
		off, err := strconv.Atoi(string(entry[:10]))
		if err != nil || off <= 0 || off >= x {
			return nil, fmt.Errorf("part's object %d at %q", n, entry[:10])
		}
		p.start[n] = off
		p.order = append(p.order, n)
	}
	slices.SortFunc(p.order, func(a, c int) int { return p.start[a] - p.start[c] })
	p.header = b[:p.start[p.order[0]]]
	for i, n := range p.order {
		end := x + 1
		if i+1 < len(p.order) {
			end = p.start[p.order[i+1]]
		}
		p.end[n] = end
		if !bytes.HasPrefix(b[p.start[n]:end], fmt.Appendf(nil, "%d 0 obj\n", n)) {
			return nil, fmt.Errorf("part's object %d does not start where its table says", n)
		}
	}
	for _, m := range trailerRef.FindAllSubmatch(rest, -1) {
		n, _ := strconv.Atoi(string(m[2]))
		if string(m[1]) == "Root" {
			p.root = n
		} else {
			p.info = n
		}
	}
	if p.start[p.root] == 0 || p.start[p.info] == 0 {
		return nil, errors.New("part's trailer names no catalogue or information")
	}
	m := pagesRef.FindSubmatch(p.object(p.root))
	if m == nil {
		return nil, errors.New("part's catalogue names no page tree")
	}
	p.pages, _ = strconv.Atoi(string(m[1]))
	if p.start[p.pages] == 0 {
		return nil, errors.New("part's page tree is missing")
	}
	return p, nil
}

// object returns object n's bytes after its "n 0 obj" line, up to and
// including its "endobj" line.
func (p *part) object(n int) []byte {
	o := p.b[p.start[n]:p.end[n]]
	_, body, _ := bytes.Cut(o, []byte("\n"))
	return body
}

// isPage reports whether object n is a page.
func (p *part) isPage(n int) bool {
	return bytes.HasPrefix(p.object(n), []byte("<</Type /Page\n"))
}

// splitObject splits an object's body into its dictionary, where the
// references are, and its stream, copied as it is: a stream's bytes are
// not to be searched for references (a compressed font holds any bytes).
func splitObject(body []byte) (dict, stream []byte) {
	if i := bytes.Index(body, []byte(">>\nstream\n")); i >= 0 {
		return body[:i+len(">>\n")], body[i+len(">>\n"):]
	}
	return body, nil
}

package incident_test

import (
	"bytes"
	"encoding/hex"
	"io"
	"regexp"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/ledongthuc/pdf"
)

// This is a copy of internal/pdfdoc's extract_test.go (test files cannot be
// imported): the pure-Go text extraction the letters' tests read the PDF
// back with. When the helper moves to a package of its own
// (internal/pdfdoc/pdftext), this file goes.

// pageTexts returns the text of each page of a PDF, one line per text
// object, read back in pure Go so that the test needs no system package.
// github.com/ledongthuc/pdf parses the file and runs the content streams;
// the strings are decoded here through each font's own ToUnicode map,
// because that module applies a bfrange to the last byte of a code only,
// which garbles the one-range map (<0000> <FFFF> <0000>) fpdf writes.
func pageTexts(tb testing.TB, b []byte) []string {
	tb.Helper()
	r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		tb.Fatalf("read PDF: %v", err)
	}
	texts := make([]string, r.NumPage())
	for i := range texts {
		p := r.Page(i + 1)
		if p.V.IsNull() {
			tb.Fatalf("page %d missing", i+1)
		}
		maps := map[string]toUnicode{}
		for _, name := range p.Fonts() {
			maps[name] = readToUnicode(tb, p.Font(name).V.Key("ToUnicode"))
		}
		var (
			out  strings.Builder
			font toUnicode
		)
		pdf.Interpret(p.V.Key("Contents"), func(stk *pdf.Stack, op string) {
			args := make([]pdf.Value, stk.Len())
			for j := len(args) - 1; j >= 0; j-- {
				args[j] = stk.Pop()
			}
			switch op {
			case "Tf":
				if len(args) == 2 {
					font = maps[args[0].Name()]
				}
			case "Tj":
				if len(args) == 1 {
					out.WriteString(font.decode(tb, args[0].RawString()))
					out.WriteByte('\n')
				}
			}
		})
		texts[i] = out.String()
	}
	return texts
}

// toUnicode maps two-byte character codes to text, from a ToUnicode CMap.
type toUnicode []cmapRange

type cmapRange struct {
	lo, hi uint16
	dst    []uint16 // UTF-16 of the text for lo; later codes add to the last unit
}

// readToUnicode reads the bfrange and bfchar entries of a ToUnicode CMap
// written in the hexadecimal form (<lo> <hi> <dst>, <src> <dst>) that fpdf
// uses; any other form fails the test rather than decode wrongly.
func readToUnicode(tb testing.TB, v pdf.Value) toUnicode {
	tb.Helper()
	if v.IsNull() {
		tb.Fatalf("font has no ToUnicode map")
	}
	rc := v.Reader()
	defer rc.Close()
	text, err := io.ReadAll(rc)
	if err != nil {
		tb.Fatalf("read ToUnicode: %v", err)
	}
	hex16 := func(s string) []uint16 {
		b, err := hex.DecodeString(s)
		if err != nil || len(b) == 0 || len(b)%2 != 0 {
			tb.Fatalf("ToUnicode entry <%s> is not UTF-16 hex", s)
		}
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		}
		return u
	}
	code := func(s string) uint16 {
		u := hex16(s)
		if len(u) != 1 {
			tb.Fatalf("ToUnicode code <%s> is not two bytes", s)
		}
		return u[0]
	}
	var m toUnicode
	for _, sec := range regexp.MustCompile(`(?s)beginbf(range|char)(.*?)endbf(?:range|char)`).FindAllStringSubmatch(string(text), -1) {
		lines := strings.Split(strings.TrimSpace(sec[2]), "\n")
		for _, line := range lines {
			f := regexp.MustCompile(`<([0-9A-Fa-f]+)>`).FindAllStringSubmatch(line, -1)
			switch {
			case sec[1] == "range" && len(f) == 3:
				m = append(m, cmapRange{code(f[0][1]), code(f[1][1]), hex16(f[2][1])})
			case sec[1] == "char" && len(f) == 2:
				c := code(f[0][1])
				m = append(m, cmapRange{c, c, hex16(f[1][1])})
			default:
				tb.Fatalf("ToUnicode line %q not understood", line)
			}
		}
	}
	if len(m) == 0 {
		tb.Fatalf("ToUnicode map is empty")
	}
	return m
}

func (m toUnicode) decode(tb testing.TB, raw string) string {
	tb.Helper()
	if len(raw)%2 != 0 {
		tb.Fatalf("text string of odd length %d", len(raw))
	}
	var u []uint16
	for i := 0; i < len(raw); i += 2 {
		c := uint16(raw[i])<<8 | uint16(raw[i+1])
		found := false
		for _, r := range m {
			if r.lo <= c && c <= r.hi {
				d := append([]uint16(nil), r.dst...)
				d[len(d)-1] += c - r.lo
				u = append(u, d...)
				found = true
				break
			}
		}
		if !found {
			tb.Fatalf("code %04x not in the ToUnicode map", c)
		}
	}
	return string(utf16.Decode(u))
}

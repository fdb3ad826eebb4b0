package pdfdoc_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"kaede/internal/pdfdoc"
)

// TestFooterNumbersEveryPage: a document with a footer carries it on each
// page, with the total filled in, and stays the same bytes when made
// again.
func TestFooterNumbersEveryPage(t *testing.T) {
	write := func() []byte {
		d := pdfdoc.New(pdfdoc.Options{Created: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC),
			Footer: func(page int) string { return fmt.Sprintf("納品書　K20261126-0001　%d / {nb}", page) }})
		d.Label(pdfdoc.MarginLeft, pdfdoc.MarginTop, 100, 20, pdfdoc.AlignLeft, pdfdoc.Black, "納品書")
		d.Frame(150, pdfdoc.MarginTop, 30, 11, 0.6, pdfdoc.StampRed)
		d.Label(150, pdfdoc.MarginTop+2.6, 30, 13, pdfdoc.AlignCenter, pdfdoc.StampRed, "再発行")
		d.Rule(pdfdoc.MarginLeft, 40, 100, 40, 0.3, pdfdoc.Black)
		d.SetY(45)
		for i := range 80 {
			d.Text(pdfdoc.TextBlock{Text: fmt.Sprintf("明細 %02d", i)})
		}
		var b bytes.Buffer
		if _, err := d.WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	pdf := write()
	pages := pageTexts(t, pdf)
	if len(pages) < 2 {
		t.Fatalf("%d page(s), want the text to run over two", len(pages))
	}
	for i, p := range pages {
		want := fmt.Sprintf("納品書　K20261126-0001　%d / %d", i+1, len(pages))
		if !strings.Contains(p, want) {
			t.Errorf("page %d lacks its foot %q:\n%s", i+1, want, p)
		}
	}
	if !strings.Contains(pages[0], "再発行\n") {
		t.Errorf("the stamp's label is missing:\n%s", pages[0])
	}
	if !bytes.Equal(pdf, write()) {
		t.Error("the same document made twice differs")
	}
}

// TestTextWidthScalesWithSize: a label sized to fit is measured at the
// size it will be drawn.
func TestTextWidthScalesWithSize(t *testing.T) {
	d := pdfdoc.New(pdfdoc.Options{})
	w10, w20 := d.TextWidth("領収書", 10), d.TextWidth("領収書", 20)
	if w10 <= 0 || w20 < 1.99*w10 || w20 > 2.01*w10 {
		t.Errorf("width at 10 pt %.2f mm, at 20 pt %.2f mm: want double", w10, w20)
	}
	// Three full-width characters at 10 pt are 3 em: 3 × 10 × 25.4 / 72 mm.
	if want := 3 * 10 * 25.4 / 72; w10 < want*0.98 || w10 > want*1.02 {
		t.Errorf("width at 10 pt %.2f mm, want about %.2f", w10, want)
	}
}

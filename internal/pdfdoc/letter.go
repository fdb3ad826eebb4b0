package pdfdoc

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Letter is a one-page business letter to one person, laid out so that the
// recipient's address shows through the window of a 長3 envelope when the
// A4 sheet is folded in three.
type Letter struct {
	Recipient Recipient
	Sender    Sender
	// Date is printed at the top right as 2006年1月2日.
	Date time.Time
	// Title is the subject line, centred, such as 「…に関するお詫びとお知らせ」.
	Title string
	// Body holds the paragraphs; each starts with a one-character indent,
	// except a salutation such as 拝啓.
	Body []string
	// Closing is set flush right under the body, such as 「敬具」 or 「以上」.
	Closing string
}

// Recipient is whom a letter goes to, as printed in the envelope window.
type Recipient struct {
	// Postcode is printed after 〒; seven digits gain their hyphen.
	Postcode string
	// Address holds the address lines, prefecture first.
	Address []string
	Name    string
	// Honorific follows the name; empty means 様 (御中 suits a company).
	Honorific string
}

// Sender is who writes a letter, printed at the top right.
type Sender struct {
	Postcode string
	Address  []string
	// Name is the shop or company, and the person or desk if wanted.
	Name string
	// Contact holds lines such as the inquiry desk's phone and hours.
	Contact []string
}

// ErrLetterTooLong means a letter does not fit on one page: a run of
// letters must give exactly one sheet per envelope, so the text has to be
// shortened rather than spill onto a second page.
var ErrLetterTooLong = errors.New("pdfdoc: letter does not fit on one page")

// ErrAddressTooLong means the recipient block does not fit in the envelope
// window even at the smallest size.
var ErrAddressTooLong = errors.New("pdfdoc: address does not fit in the envelope window")

// The window of a 長3 window envelope (235 × 120 mm, the size that takes
// an A4 sheet folded in three) is 90 mm wide and 45 mm high, 23 mm from the
// left and 13 mm from the top edge, the usual position of Japanese makers'
// 長3 window envelopes (issue 10 names it). The folded sheet (210 × 99 mm) sits against the
// envelope's top-left corner, so on the A4 page the window covers the same
// rectangle of the top panel. The address block keeps 4 mm inside that
// rectangle on every side, because the sheet moves a few millimetres inside
// the envelope; the sender's block starts right of x = 120 mm, which the
// window never shows.
const (
	windowLeft   = 23.0
	windowTop    = 13.0
	windowWidth  = 90.0
	windowHeight = 45.0
	windowInset  = 4.0

	foldPanel = 297.0 / 3 // the folds of a sheet folded in three, 99 mm apart

	senderX      = 122.0
	letterLeft   = 25.0
	letterRight  = PageWidth - 20.0
	letterBottom = PageHeight - 15.0
)

// AddLetter adds one page holding l. When l does not fit it adds nothing
// and returns an error wrapping ErrLetterTooLong or ErrAddressTooLong.
func (d *Document) AddLetter(l Letter) error {
	if strings.TrimSpace(l.Recipient.Name) == "" || len(l.Recipient.Address) == 0 {
		return fmt.Errorf("pdfdoc: letter recipient needs a name and an address")
	}
	// Lay everything out first, so that a letter that does not fit leaves
	// no half-drawn page behind.
	recipient, err := d.layRecipient(l.Recipient)
	if err != nil {
		return err
	}
	var sender []string
	if l.Sender.Postcode != "" {
		sender = append(sender, "〒"+postcode(l.Sender.Postcode))
	}
	sender = append(sender, l.Sender.Address...)
	sender = append(sender, l.Sender.Name)
	sender = append(sender, l.Sender.Contact...)
	var senderLines []string
	for _, s := range sender {
		senderLines = append(senderLines, d.wrap(s, 9, letterRight-senderX)...)
	}
	senderTop := windowTop + windowInset + 10 // under the date
	senderBottom := senderTop + float64(len(senderLines))*lineHeight(9)
	title := d.wrap(l.Title, 13, letterRight-letterLeft)
	// The title goes under whichever ends lower, the window or the sender.
	titleTop := max(senderBottom, windowTop+windowHeight) + 10
	bodyTop := titleTop + float64(len(title))*lineHeight(13) + 5
	lh := lineHeight(10.5)
	var body []string
	for _, p := range l.Body {
		body = append(body, d.wrap(indent(p), 10.5, letterRight-letterLeft)...)
		body = append(body, "") // a half line between paragraphs
	}
	need := 0.0
	for _, line := range body {
		need += paragraphStep(line, lh)
	}
	if l.Closing != "" {
		need += lh
	}
	if over := bodyTop + need - letterBottom; over > 0 {
		return fmt.Errorf("%w: the text needs %.0f mm more", ErrLetterTooLong, over)
	}

	d.AddPage()
	d.drawFoldMarks()
	for _, ln := range recipient {
		d.setSize(ln.size)
		d.text(ln.x, ln.y, windowWidth, AlignLeft, ln.text)
	}
	d.setSize(10.5)
	if !l.Date.IsZero() {
		d.text(senderX, windowTop+windowInset, letterRight-senderX, AlignRight, JapaneseDate(l.Date))
	}
	d.setSize(9)
	y := senderTop
	for _, line := range senderLines {
		d.text(senderX, y, letterRight-senderX, AlignLeft, line)
		y += lineHeight(9)
	}
	d.setSize(13)
	y = titleTop
	for _, line := range title {
		d.text(letterLeft, y, letterRight-letterLeft, AlignCenter, line)
		y += lineHeight(13)
	}
	d.setSize(10.5)
	y = bodyTop
	for _, line := range body {
		if line != "" {
			d.text(letterLeft, y, letterRight-letterLeft, AlignLeft, line)
		}
		y += paragraphStep(line, lh)
	}
	if l.Closing != "" {
		d.text(letterLeft, y, letterRight-letterLeft, AlignRight, l.Closing)
		y += lh
	}
	d.y = y
	return nil
}

// indent starts a paragraph with a full-width space, as Japanese prose
// does, except one that opens the letter with a salutation (拝啓, 謹啓,
// 前略), which is set flush left.
func indent(p string) string {
	p = strings.TrimLeft(p, " 　")
	for _, s := range []string{"拝啓", "謹啓", "前略"} {
		if strings.HasPrefix(p, s) {
			return p
		}
	}
	return "　" + p
}

// paragraphStep is how far the cursor moves for a body line: a full line,
// or half of one for the gap after a paragraph.
func paragraphStep(line string, lh float64) float64 {
	if line == "" {
		return lh / 2
	}
	return lh
}

// placedLine is a line of the recipient block with its position and size.
type placedLine struct {
	x, y, size float64
	text       string
}

// layRecipient places the postcode, the address lines and the name with
// its honorific inside the window, trying smaller sizes until they fit.
func (d *Document) layRecipient(r Recipient) ([]placedLine, error) {
	honorific := r.Honorific
	if honorific == "" {
		honorific = "様"
	}
	x := windowLeft + windowInset
	w := windowWidth - 2*windowInset
	bottom := windowTop + windowHeight - windowInset
	for _, size := range []float64{11, 10, 9, 8} {
		var lines []placedLine
		y := windowTop + windowInset
		if r.Postcode != "" {
			lines = append(lines, placedLine{x, y, size, "〒" + postcode(r.Postcode)})
			y += lineHeight(size)
		}
		for _, a := range r.Address {
			for _, line := range d.wrap(a, size, w) {
				lines = append(lines, placedLine{x + 2, y, size, line})
				y += lineHeight(size)
			}
		}
		name := size + 3
		y += 2
		for _, line := range d.wrap(strings.TrimSpace(r.Name)+"　"+honorific, name, w-6) {
			lines = append(lines, placedLine{x + 6, y, name, line})
			y += lineHeight(name)
		}
		if y-(lineHeight(name)-name*ptToMM) <= bottom {
			return lines, nil
		}
	}
	return nil, ErrAddressTooLong
}

// drawFoldMarks draws short ticks at the left edge where the sheet is
// folded in three, so that a person folding by hand puts the address in
// the window.
func (d *Document) drawFoldMarks() {
	d.pdf.SetLineWidth(0.2)
	d.pdf.SetDrawColor(128, 128, 128)
	for _, y := range []float64{foldPanel, 2 * foldPanel} {
		d.pdf.Line(5, y, 9, y)
	}
}

// JapaneseDate formats t as 2006年1月2日, as Japanese letters date themselves.
func JapaneseDate(t time.Time) string {
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

// postcode puts the hyphen into a seven-digit postcode and leaves anything
// else as it was given.
func postcode(p string) string {
	p = strings.TrimSpace(p)
	if len(p) == 7 && strings.Trim(p, "0123456789") == "" {
		return p[:3] + "-" + p[3:]
	}
	return p
}

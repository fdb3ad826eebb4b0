package pdfdoc_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"kaede/internal/pdfdoc"
)

var sender = pdfdoc.Sender{
	Postcode: "1500001",
	Address:  []string{"東京都渋谷区神宮前一丁目2番3号", "かえでビル4階"},
	Name:     "株式会社かえで商店　お客様相談窓口",
	Contact:  []string{"電話 0120-123-456（平日10時〜17時）", "support@kaede.example"},
}

var recipients = []pdfdoc.Recipient{
	{Postcode: "0600001", Address: []string{"北海道札幌市中央区北一条西2丁目1番地", "サッポロマンション305号室"}, Name: "佐藤 花子"},
	{Postcode: "530-0001", Address: []string{"大阪府大阪市北区梅田3丁目1番1号"}, Name: "鈴木 一郎"},
	{Postcode: "9000001", Address: []string{"沖縄県那覇市港町1-2-3"}, Name: "Emily Tanaka-Smith"},
}

// body is the text of the breach notice, long enough to wrap many times.
var body = []string{
	"拝啓　平素は格別のご高配を賜り、厚く御礼申し上げます。",
	"このたび、弊社が運営する通信販売サイト「かえで商店」におきまして、第三者による不正アクセスを受け、お客様のクレジットカード情報（カード名義人名、カード番号の一部、有効期限）が漏えいした可能性があることが判明いたしました。",
	"お客様には多大なるご迷惑とご心配をおかけする事態となりましたこと、深くお詫び申し上げます。ご利用のカード会社へお問い合わせの際は、本状をお手元にご用意ください。カードの再発行手数料は弊社が負担いたします（詳しくは https://kaede.example/notice/2020-11 をご覧ください）。",
	"なお、身に覚えのない請求がございましたら、お手数ですが上記窓口までご連絡くださいますようお願い申し上げます。",
}

func letter(r pdfdoc.Recipient) pdfdoc.Letter {
	return pdfdoc.Letter{
		Recipient: r,
		Sender:    sender,
		Date:      time.Date(2020, 11, 10, 0, 0, 0, 0, time.UTC),
		Title:     "弊社サイトへの不正アクセスによる個人情報漏えいに関するお詫びとお知らせ",
		Body:      body,
		Closing:   "敬具",
	}
}

// writeLetters writes one letter per recipient and returns the PDF.
func writeLetters(tb testing.TB, rs []pdfdoc.Recipient) []byte {
	tb.Helper()
	var buf bytes.Buffer
	w := pdfdoc.NewWriter(&buf, pdfdoc.Options{
		Title:   "お詫びとお知らせ",
		Created: time.Date(2020, 11, 10, 9, 0, 0, 0, time.UTC),
	})
	for _, r := range rs {
		if err := w.Add(letter(r)); err != nil {
			tb.Fatalf("Add: %v", err)
		}
	}
	if err := w.Close(); err != nil {
		tb.Fatalf("Close: %v", err)
	}
	return buf.Bytes()
}

func TestLettersOnePagePerRecipient(t *testing.T) {
	pages := pageTexts(t, writeLetters(t, recipients))
	if len(pages) != len(recipients) {
		t.Fatalf("pages=%d, want %d", len(pages), len(recipients))
	}
	for i, r := range recipients {
		text := compact(pages[i])
		want := []string{compact(r.Name) + "様", "〒" + map[int]string{0: "060-0001", 1: "530-0001", 2: "900-0001"}[i], "2020年11月10日", "敬具", "漏えいした可能性"}
		for _, a := range r.Address {
			want = append(want, compact(a))
		}
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("page %d lacks %q; text:\n%s", i+1, w, pages[i])
			}
		}
		for j, other := range recipients {
			if j != i && strings.Contains(text, compact(other.Name)) {
				t.Errorf("page %d holds %q, the name of recipient %d", i+1, other.Name, j+1)
			}
		}
	}
}

func TestLettersSameInputSameBytes(t *testing.T) {
	a := writeLetters(t, recipients)
	b := writeLetters(t, recipients)
	if !bytes.Equal(a, b) {
		t.Fatalf("two runs differ (%d and %d bytes)", len(a), len(b))
	}
	if !bytes.Contains(a, []byte("/CreationDate (D:20201110090000")) {
		t.Errorf("CreationDate is not the given time")
	}
}

func TestLetterFontIsSubset(t *testing.T) {
	pdf := writeLetters(t, recipients[:1])
	// The whole font is 6 MB; a page's subset compresses to tens of kB.
	if len(pdf) > 200_000 {
		t.Fatalf("one letter is %d bytes, want a subset font under 200 kB", len(pdf))
	}
}

func TestLetterTooLong(t *testing.T) {
	l := letter(recipients[0])
	for range 20 {
		l.Body = append(l.Body, body[1])
	}
	var buf bytes.Buffer
	w := pdfdoc.NewWriter(&buf, pdfdoc.Options{})
	if err := w.Add(l); !errors.Is(err, pdfdoc.ErrLetterTooLong) {
		t.Fatalf("Add=%v, want ErrLetterTooLong", err)
	}
	if w.Pages() != 0 {
		t.Fatalf("pages=%d after a letter that did not fit, want 0", w.Pages())
	}
}

func TestAddressTooLong(t *testing.T) {
	r := recipients[0]
	r.Address = []string{strings.Repeat("とても長い住所", 40)}
	var buf bytes.Buffer
	w := pdfdoc.NewWriter(&buf, pdfdoc.Options{})
	if err := w.Add(letter(r)); !errors.Is(err, pdfdoc.ErrAddressTooLong) {
		t.Fatalf("Add=%v, want ErrAddressTooLong", err)
	}
}

// compact drops spaces, which text extraction may add or lose between
// positioned runs.
func compact(s string) string {
	return strings.NewReplacer(" ", "", "　", "", "\n", "").Replace(s)
}

// manyRecipients gives n people, each with a name and an address of their
// own, so that a page can be told from any other.
func manyRecipients(n int) []pdfdoc.Recipient {
	out := make([]pdfdoc.Recipient, n)
	for i := range out {
		r := recipients[i%len(recipients)]
		r.Name = fmt.Sprintf("%s%d", r.Name, i)
		r.Address = append([]string{fmt.Sprintf("%s%d番地", r.Address[0], i)}, r.Address[1:]...)
		out[i] = r
	}
	return out
}

// A run longer than a part is written part by part into one file: every
// letter on its own page in order, the document information kept, a file
// a PDF reader opens, and the same bytes each time. Parts of 4 pages stand
// for PartPages here.
func TestLettersInPartsMakeOneFile(t *testing.T) {
	const part = 4
	defer pdfdoc.SetPartPages(part)()
	n := 2*part + 3
	rs := manyRecipients(n)
	a := writeLetters(t, rs)
	pages := pageTexts(t, a)
	if len(pages) != n {
		t.Fatalf("pages=%d, want %d", len(pages), n)
	}
	for i := range n {
		text := compact(pages[i])
		if !strings.Contains(text, compact(rs[i].Name)+"様") || !strings.Contains(text, compact(rs[i].Address[0])) {
			t.Errorf("page %d does not hold letter %d (%s):\n%s", i+1, i+1, rs[i].Name, pages[i])
		}
	}
	for _, want := range []string{"/CreationDate (D:20201110090000", "/Type /Catalog", fmt.Sprintf("/Count %d", n)} {
		if bytes.Count(a, []byte(want)) != 1 {
			t.Errorf("the merged file holds %q %d times, want once", want, bytes.Count(a, []byte(want)))
		}
	}
	// Each part carries its own font subset.
	if got := bytes.Count(a, []byte("/Type /FontDescriptor")); got != 3 {
		t.Errorf("%d font descriptors, want one per part (3)", got)
	}
	checkXref(t, a)
	if b := writeLetters(t, rs); !bytes.Equal(a, b) {
		t.Fatalf("two runs differ (%d and %d bytes)", len(a), len(b))
	}
	// Up to a part, the file is fpdf's own, as before.
	if one := writeLetters(t, rs[:part]); bytes.Count(one, []byte("/Type /Catalog")) != 1 || len(pageTexts(t, one)) != part ||
		!bytes.Contains(one, []byte("/EmbeddedFiles")) {
		t.Fatalf("a run of one part is not fpdf's one document")
	}
}

// A letter that does not fit, arriving when a part is full, adds nothing
// and the run goes on.
func TestLettersInPartsTooLongLetter(t *testing.T) {
	const part = 3
	defer pdfdoc.SetPartPages(part)()
	var buf bytes.Buffer
	w := pdfdoc.NewWriter(&buf, pdfdoc.Options{})
	for _, r := range manyRecipients(part) {
		if err := w.Add(letter(r)); err != nil {
			t.Fatal(err)
		}
	}
	long := letter(recipients[0])
	for range 20 {
		long.Body = append(long.Body, body[1])
	}
	if err := w.Add(long); !errors.Is(err, pdfdoc.ErrLetterTooLong) {
		t.Fatalf("Add=%v, want ErrLetterTooLong", err)
	}
	if err := w.Add(letter(recipients[1])); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if w.Pages() != part+1 || len(pageTexts(t, buf.Bytes())) != part+1 {
		t.Fatalf("pages=%d, want %d", w.Pages(), part+1)
	}
}

// checkXref wants every entry of the file's cross-reference table to
// point at its object, and startxref at the table.
func checkXref(t *testing.T, b []byte) {
	t.Helper()
	sx := bytes.LastIndex(b, []byte("startxref\n"))
	var xref int
	if _, err := fmt.Sscanf(string(b[sx+len("startxref\n"):]), "%d", &xref); err != nil || !bytes.HasPrefix(b[xref:], []byte("xref\n0 ")) {
		t.Fatalf("startxref does not point at the table (%v)", err)
	}
	lines := strings.Split(string(b[xref:sx]), "\n")
	var count int
	fmt.Sscanf(lines[1], "0 %d", &count)
	if count < 10 || len(lines) < count+2 {
		t.Fatalf("table of %d objects, %d lines", count, len(lines))
	}
	for n := 1; n < count; n++ {
		var off int
		fmt.Sscanf(lines[2+n], "%d", &off)
		if !bytes.HasPrefix(b[off:], fmt.Appendf(nil, "%d 0 obj\n", n)) {
			t.Fatalf("object %d is not at %d", n, off)
		}
	}
}

package pdfdoc_test

import (
	"bytes"
	"errors"
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

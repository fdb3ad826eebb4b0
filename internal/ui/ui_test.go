package ui_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"kaede/internal/shop"
	"kaede/internal/ui"
)

func TestNewParsesEveryTemplate(t *testing.T) {
	u, err := ui.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, page := range []string{"error", "legal", "tokushoho"} {
		if !u.HasPage(page) {
			t.Errorf("no page %q", page)
		}
	}
	a, ok := u.Asset("kaede.css")
	if !ok || !strings.HasPrefix(a.URL, "/static/kaede.") || !strings.HasPrefix(a.Integrity, "sha384-") {
		t.Fatalf("kaede.css asset: %+v", a)
	}
	if served, ok := u.ServedAsset(strings.TrimPrefix(a.URL, "/static/")); !ok || served.Name != "kaede.css" {
		t.Fatalf("served name %s not found", a.URL)
	}
}

// Both layouts load the one base stylesheet, verified, before their own.
func TestBothLayoutsLoadTheBaseStylesheet(t *testing.T) {
	store, err := ui.New()
	if err != nil {
		t.Fatal(err)
	}
	if a, ok := store.Asset("base.css"); !ok || !strings.HasPrefix(a.URL, "/static/base.") {
		t.Fatalf("base.css asset: %+v", a.URL)
	}
	for layout, own := range map[string]string{"templates/layout.html": "kaede.css", "admin/templates/layout.html": "admin.css"} {
		b, err := os.ReadFile(layout)
		if err != nil {
			t.Fatal(err)
		}
		base := strings.Index(string(b), `{{asset "base.css"}}" integrity="{{sri "base.css"}}"`)
		if base < 0 || base > strings.Index(string(b), `{{asset "`+own+`"}}`) {
			t.Errorf("%s does not load base.css, with its integrity, before %s", layout, own)
		}
	}
}

// The CSP allows no inline code and no inline styles, so the templates
// must hold none: no style attributes or <style>, no on* handlers, no
// javascript: URLs, no inline <script>, and no script without a nonce and
// an integrity value. Every POST form carries the CSRF field.
func TestTemplatesHaveNoInlineCode(t *testing.T) {
	bad := []*regexp.Regexp{
		regexp.MustCompile(`(?i)\sstyle\s*=`),
		regexp.MustCompile(`(?i)<style[\s>]`),
		regexp.MustCompile(`(?i)\son[a-z]+\s*=`),
		regexp.MustCompile(`(?i)javascript:`),
	}
	postForm := regexp.MustCompile(`(?is)<form\b[^>]*method="post"[^>]*>.*?</form>`)
	script := regexp.MustCompile(`(?is)<script\b([^>]*)>(.*?)</script>`)
	n := 0
	err := filepath.WalkDir("templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		src := string(b)
		for _, re := range bad {
			if loc := re.FindStringIndex(src); loc != nil {
				t.Errorf("%s: inline code or style: %q", path, src[loc[0]:min(loc[1]+20, len(src))])
			}
		}
		for _, m := range script.FindAllStringSubmatch(src, -1) {
			if !strings.Contains(m[1], `nonce="{{.Nonce}}"`) && !strings.Contains(m[1], `nonce="{{$.Nonce}}"`) {
				t.Errorf("%s: <script%s> without the nonce", path, m[1])
			}
			if !strings.Contains(m[1], "integrity=") || strings.TrimSpace(m[2]) != "" {
				t.Errorf("%s: <script%s> is inline or has no integrity", path, m[1])
			}
		}
		for _, m := range postForm.FindAllString(src, -1) {
			if !strings.Contains(m, "{{.CSRF}}") && !strings.Contains(m, "{{$.CSRF}}") {
				t.Errorf("%s: POST form without {{.CSRF}}: %.80s", path, m)
			}
		}
		for _, m := range regexp.MustCompile(`(?i)<link\b[^>]*rel="stylesheet"[^>]*>`).FindAllString(src, -1) {
			if !strings.Contains(m, "integrity=") {
				t.Errorf("%s: %s has no integrity", path, m)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 4 {
		t.Fatalf("scanned %d templates, want the layout and every page", n)
	}
}

func TestFieldMessage(t *testing.T) {
	tests := []struct {
		lang, field, reason, want string
	}{
		{"ja", "shipping_address.postal_code", shop.ReasonRequired, "郵便番号を入力してください"},
		{"en", "shipping_address.postal_code", shop.ReasonRequired, "Please enter the postal code"},
		{"ja", "prefecture", shop.ReasonRequired, "都道府県を選択してください"},
		{"en", "payment_method", shop.ReasonRequired, "Please choose the payment method"},
		{"ja", "email", shop.ReasonTaken, "このメールアドレスはすでに使用されています"},
		{"en", "email", shop.ReasonTaken, "This e-mail address is already in use"},
		{"ja", "phone", shop.ReasonFormat, "電話番号の形式が正しくありません。ご確認ください"},
		{"ja", "password", shop.ReasonMismatch, "パスワードが一致しません。ご確認ください"},
		{"en", "quantity", shop.ReasonRange, "The quantity is out of the allowed range"},
		{"ja", "line1", shop.ReasonLength, "番地の文字数が長すぎるか短すぎます。ご確認ください"},
		{"en", "delivery_slot", shop.ReasonChoice, "Please choose the delivery time from the options shown"},
		{"ja", "payment_method", shop.ReasonStopped, "申し訳ございません。お選びのお支払い方法はただいま一時停止しております。ほかのお支払い方法をお選びください"},
		{"en", "payment_method", shop.ReasonStopped, "We are sorry: the payment method you chose is paused at the moment. Please choose another payment method"},
		{"ja", "mystery", shop.ReasonRequired, "入力内容を入力してください"},
		{"ja", "name", "unheard-of", "お名前をご確認ください"},
	}
	for _, tt := range tests {
		if got := ui.FieldMessage(tt.lang, tt.field, tt.reason); got != tt.want {
			t.Errorf("FieldMessage(%s, %s, %s)=%q, want %q", tt.lang, tt.field, tt.reason, got, tt.want)
		}
	}
	// Every field a form or the API names has a label in both languages.
	for _, f := range []string{"email", "password", "name", "name_kana", "postal_code", "prefecture", "city",
		"line1", "line2", "phone", "payment_method", "delivery_date", "delivery_slot", "quantity", "sku", "cart",
		"token", "licence_type", "licence_number", "idempotency_key", "limit", "offset", "sort", "q", "body"} {
		for _, l := range []string{"ja", "en"} {
			if got := ui.FieldLabel(l, "x."+f); got == ui.FieldLabel(l, "no-such-field") {
				t.Errorf("no %s label for %s", l, f)
			}
		}
	}
}

func TestMessagesHaveBothLanguages(t *testing.T) {
	for _, k := range ui.Store.Keys() {
		ja, en := ui.T("ja", k), ui.T("en", k)
		if ja == "" || en == "" || ja == en {
			t.Errorf("%s: ja=%q en=%q", k, ja, en)
		}
	}
	for _, code := range []shop.Code{shop.Invalid, shop.NotFound, shop.Conflict, shop.OutOfStock,
		shop.Unauthorized, shop.Forbidden, shop.TooMany, shop.Unavailable, shop.Internal} {
		if !ui.Store.Has("error." + string(code)) {
			t.Errorf("no message for error code %s", code)
		}
	}
	if got := ui.T("en", "layout.cart.count", 3); got != "Cart (3)" {
		t.Errorf("formatted message=%q", got)
	}
}

func TestFormats(t *testing.T) {
	if got := ui.Yen(shop.Yen(1980)); got != "¥1,980" {
		t.Errorf("Yen=%q", got)
	}
	if got := ui.Yen(1234567); got != "¥1,234,567" {
		t.Errorf("Yen(int)=%q", got)
	}
	// 2026-11-24 20:00 UTC is already the 25th in Japan.
	at := time.Date(2026, 11, 24, 20, 0, 0, 0, time.UTC)
	if got := ui.Date("ja", at); got != "2026年11月25日" {
		t.Errorf("Date ja=%q", got)
	}
	if got := ui.Date("en", at); got != "Nov 25, 2026" {
		t.Errorf("Date en=%q", got)
	}
	if got := ui.PrefectureName("en", 13); got != "Tokyo" {
		t.Errorf("PrefectureName=%q", got)
	}
}

func TestAcceptLanguage(t *testing.T) {
	for header, want := range map[string]string{
		"":               "ja",
		"en":             "en",
		"en-US,en;q=0.9": "en",
		"ja,en;q=0.8":    "ja",
		"fr-FR":          "ja",
		"de,en;q=0.5":    "en",
		"garbage;;q=x":   "ja",
		"zh-CN,ja;q=0.9": "ja",
	} {
		if got := ui.AcceptLanguage(header); got != want {
			t.Errorf("AcceptLanguage(%q)=%q, want %q", header, got, want)
		}
	}
}

func TestBlocks(t *testing.T) {
	got := ui.Blocks("前文です。\r\n\r\n# 第1条（適用）\n本規約は…\n二行目\n\n\n# 見出しだけ\n")
	want := []ui.Block{{Text: "前文です。"}, {Heading: true, Text: "第1条（適用）"}, {Text: "本規約は…\n二行目"}, {Heading: true, Text: "見出しだけ"}}
	if len(got) != len(want) {
		t.Fatalf("Blocks=%+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("block %d=%+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestDefaultPages(t *testing.T) {
	pages, err := ui.DefaultPages()
	if err != nil {
		t.Fatal(err)
	}
	var terms ui.DefaultPage
	for _, p := range pages {
		if p.Slug == "terms" {
			terms = p
		}
		if p.BodyJa == "" || p.BodyEn == "" || p.TitleJa == "" || p.TitleEn == "" {
			t.Errorf("%s: empty text", p.Slug)
		}
	}
	// REQUIREMENTS §1: consent to send name, e-mail and phone to the card
	// issuer for EMV 3-D Secure risk-based authentication.
	for _, want := range []string{"3-Dセキュア", "お名前", "メールアドレス", "電話番号", "カード発行会社", "同意"} {
		if !strings.Contains(terms.BodyJa, want) {
			t.Errorf("terms (ja) lack %q", want)
		}
	}
	for _, want := range []string{"3-D Secure", "name", "e-mail", "phone", "card issuer", "agree"} {
		if !strings.Contains(terms.BodyEn, want) {
			t.Errorf("terms (en) lack %q", want)
		}
	}
}

// "layout.hours" formats the inquiry desk's hours from the settings: a
// template that names it without them would show "%d" to customers.
func TestDeskHoursAreFilledIn(t *testing.T) {
	use := regexp.MustCompile(`\{\{t \S+ "layout\.hours"([^}]*)\}\}`)
	n := 0
	err := filepath.WalkDir("templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range use.FindAllStringSubmatch(string(b), -1) {
			n++
			if len(strings.Fields(m[1])) != 2 {
				t.Errorf("%s: %s does not pass the opening and closing hours", path, m[0])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no template shows the desk's hours")
	}
}

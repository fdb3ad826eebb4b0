package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"kaede/internal/content"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/settings"
	"kaede/internal/web"
)

// htmlLang returns the lang attribute of the <html> element.
func htmlLang(t *testing.T, body string) string {
	t.Helper()
	var l string
	walk(parseHTML(t, body), func(n *html.Node) {
		if n.Data == "html" {
			l, _ = attr(n, "lang")
		}
	})
	return l
}

func TestTokushohoPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		b := e.browser()
		res := b.get("/legal/tokushoho")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status=%d", res.StatusCode)
		}
		if l := htmlLang(t, res.body); l != "ja" {
			t.Fatalf(`<html lang=%q>, want "ja"`, l)
		}
		page := text(parseHTML(t, res.body))
		s := settings.Default()
		for _, want := range []string{
			"特定商取引法に基づく表記", s.Company, s.Responsible, s.Address, s.Phone, s.Email, s.InvoiceNumber,
			"販売価格", "消費税込み", "送料", "北海道", "¥1,320", "沖縄県", "¥1,540", "上記以外の地域", "¥880",
			"¥11,000以上で送料無料", "代金引換手数料（税込）：¥330", "7日以内にお振り込みください",
			"3営業日以内に発送", "返品", "販売数量", // the free text from content_pages
		} {
			if !strings.Contains(page, want) {
				t.Errorf("notice lacks %q", want)
			}
		}

		res = b.get("/legal/tokushoho?lang=en")
		if l := htmlLang(t, res.body); l != "en" {
			t.Fatalf(`?lang=en: <html lang=%q>`, l)
		}
		if c := cookieNamed(res.Response, "lang"); c == nil || c.Value != "en" {
			t.Fatalf("?lang=en did not set the lang cookie: %+v", c)
		}
		page = text(parseHTML(t, res.body))
		for _, want := range []string{"Seller", "Hokkaido", "Free shipping on orders of ¥11,000", "Quantity limits"} {
			if !strings.Contains(page, want) {
				t.Errorf("English notice lacks %q", want)
			}
		}
		// The cookie keeps English; ?lang=ja switches back.
		if l := htmlLang(t, b.get("/legal/terms").body); l != "en" {
			t.Errorf("lang cookie ignored: %q", l)
		}
		if l := htmlLang(t, b.get("/legal/terms?lang=ja").body); l != "ja" {
			t.Errorf("?lang=ja: %q", l)
		}
		if l := htmlLang(t, b.get("/legal/terms?lang=fr").body); l != "ja" {
			t.Errorf("?lang=fr: %q, want the cookie's ja", l)
		}
	})
}

func TestContentPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		b := e.browser()
		res := b.get("/legal/terms")
		if res.StatusCode != 200 || htmlLang(t, res.body) != "ja" {
			t.Fatalf("terms: %d lang=%q", res.StatusCode, htmlLang(t, res.body))
		}
		terms := text(parseHTML(t, res.body))
		for _, want := range []string{"ご利用規約", "3-Dセキュア", "お名前、メールアドレス、電話番号", "カード発行会社へ提供することに同意", "2026年11月25日"} {
			if !strings.Contains(terms, want) {
				t.Errorf("terms lack %q", want)
			}
		}
		res = b.get("/legal/privacy?lang=en")
		if htmlLang(t, res.body) != "en" || !strings.Contains(res.body, "Privacy policy") || !strings.Contains(res.body, "Nov 25, 2026") {
			t.Errorf("English privacy policy: %.300s", res.body)
		}
		if res := b.get("/legal/unknown"); res.StatusCode != http.StatusNotFound {
			t.Errorf("/legal/unknown: %d, want 404", res.StatusCode)
		}

		// The shop's edits are text: markup in them is shown, never run.
		if _, err := d.Exec(`UPDATE content_pages SET body_ja = $1 WHERE slug = 'privacy'`,
			"# 見出し\n<script>alert(1)</script>\n\n<b onclick=x>本文</b>"); err != nil {
			t.Fatal(err)
		}
		res = b.get("/legal/privacy?lang=ja")
		if strings.Contains(res.body, "<script>alert") || strings.Contains(res.body, "<b onclick") {
			t.Fatalf("content page markup reached the page: %s", res.body)
		}
		if !strings.Contains(res.body, "<h2>見出し</h2>") || !strings.Contains(res.body, "&lt;script&gt;") {
			t.Errorf("heading or escaped text missing: %s", res.body)
		}

		// EnsureDefaultContent leaves edited pages alone.
		if err := web.EnsureDefaultContent(context.Background(), content.NewPages(d, e.clock)); err != nil {
			t.Fatal(err)
		}
		if n := e.count(`SELECT COUNT(*) FROM content_pages WHERE body_ja LIKE '%見出し%'`); n != 1 {
			t.Errorf("EnsureDefaultContent overwrote an edited page")
		}

		if _, err := d.Exec(`DELETE FROM content_pages WHERE slug = 'terms'`); err != nil {
			t.Fatal(err)
		}
		if res := b.get("/legal/terms"); res.StatusCode != http.StatusNotFound {
			t.Errorf("missing terms: %d, want 404", res.StatusCode)
		}
	})
}

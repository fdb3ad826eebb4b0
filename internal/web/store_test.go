package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/member"
)

// formValues returns the named inputs of the first form posting to action.
func formValues(t *testing.T, body, action string) url.Values {
	t.Helper()
	v := url.Values{}
	found := false
	walk(parseHTML(t, body), func(n *html.Node) {
		if n.Data != "form" || found {
			return
		}
		if a, _ := attr(n, "action"); a != action {
			return
		}
		found = true
		walk(n, func(in *html.Node) {
			name, ok := attr(in, "name")
			if in.Data == "input" && ok {
				val, _ := attr(in, "value")
				v.Add(name, val)
			}
		})
	})
	if !found {
		t.Fatalf("no form to %s", action)
	}
	return v
}

func mustContain(t *testing.T, page string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(page, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

func TestStoreCatalogPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.seedDemo()
		b := e.browser()
		for _, path := range []string{"/", "/category/hari", "/category/food?limit=5&sort=price_asc", "/products/dokudami-tea", "/search?q=" + url.QueryEscape("鍼")} {
			for _, lang := range []string{"ja", "en"} {
				res := b.get(path + map[bool]string{true: "&", false: "?"}[strings.Contains(path, "?")] + "lang=" + lang)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("%s %s: status %d", path, lang, res.StatusCode)
				}
				if l := htmlLang(t, res.body); l != lang {
					t.Errorf("%s: lang=%q, want %q", path, l, lang)
				}
				want := "（税込）"
				if lang == "en" {
					want = "(tax incl.)"
				}
				mustContain(t, text(parseHTML(t, res.body)), want)
			}
		}
		page := text(parseHTML(t, b.get("/?lang=ja").body))
		mustContain(t, page, "おすすめ商品", "鍼（はり）")
		page = text(parseHTML(t, b.get("/search?q="+url.QueryEscape("鍼")).body))
		mustContain(t, page, "セイリン ディスポ鍼", "¥")
		page = text(parseHTML(t, b.get("/products/dokudami-tea").body))
		mustContain(t, page, "軽減税率8%対象", "在庫あり", "カートに入れる")

		if res := b.get("/products/no-such-thing"); res.StatusCode != http.StatusNotFound {
			t.Errorf("unknown product: %d", res.StatusCode)
		}
		if res := b.get("/category/no-such"); res.StatusCode != http.StatusNotFound {
			t.Errorf("unknown category: %d", res.StatusCode)
		}
		res := b.get("/category/hari?limit=abc")
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "表示件数") {
			t.Errorf("bad limit: %d", res.StatusCode)
		}
		if res := b.get("/search?sort=nonsense"); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("bad sort: %d", res.StatusCode)
		}
	})
}

func TestStorePractitionersOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.seedDemo()
		b := e.browser()
		res := b.get("/products/seirin-j-type")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d", res.StatusCode)
		}
		if strings.Contains(res.body, `action="/cart/items"`) {
			t.Error("a guest sees an add form for a practitioners-only product")
		}
		mustContain(t, text(parseHTML(t, res.body)), "有資格者")
		tea := formValues(t, b.get("/products/dokudami-tea").body, "/cart/items")
		var sku string
		walk(parseHTML(t, res.body), func(n *html.Node) {
			if c, _ := attr(n, "class"); c == "sku" && sku == "" {
				sku = text(n)
			}
		})
		res = b.postForm("/cart/items", url.Values{"csrf_token": tea["csrf_token"], "sku": {sku}, "quantity": {"1"}})
		if res.StatusCode != http.StatusForbidden {
			t.Fatalf("crafted add of %s: status %d", sku, res.StatusCode)
		}
	})
}

// featuredMarks returns the marks (「有資格者限定」, 「在庫あり」…) of the
// top page's recommended products and how many products there are.
func featuredMarks(t *testing.T, b *browser) (marks []string, products int) {
	t.Helper()
	walk(parseHTML(t, b.get("/?lang=ja").body), func(n *html.Node) {
		c, _ := attr(n, "class")
		if n.Data == "li" && c == "card" {
			products++
		}
		if strings.HasPrefix(c, "mark ") {
			marks = append(marks, c)
		}
	})
	return marks, products
}

// 「おすすめ」 offers a guest only what a guest can buy and is in stock;
// an approved practitioner also sees the practitioners-only products.
func TestHomeFeaturedBuyable(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.seedDemo()
		b := e.browser()
		marks, n := featuredMarks(t, b)
		if n != 8 {
			t.Errorf("guest: %d recommended products, want 8", n)
		}
		if contains(marks, "mark pro") || contains(marks, "mark sold-out") {
			t.Errorf("guest: recommended marks %q include practitioners-only or sold-out", marks)
		}
		b.register("hari@example.jp")
		if marks, _ := featuredMarks(t, b); contains(marks, "mark pro") {
			t.Errorf("member without licence: recommended marks %q include practitioners-only", marks)
		}
		res := b.submit("/account/licence", "/account/licence", url.Values{"licence_type": {member.LicenceTypes[0].Key}, "licence_number": {"123456"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("licence: %d", res.StatusCode)
		}
		var id int64
		if err := d.QueryRowContext(context.Background(), `SELECT id FROM licences`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if err := e.members.ReviewLicence(context.Background(), id, true, "staff@example.jp", ""); err != nil {
			t.Fatal(err)
		}
		marks, n = featuredMarks(t, b)
		if n != 8 || !contains(marks, "mark pro") || contains(marks, "mark sold-out") {
			t.Errorf("practitioner: %d recommended, marks %q, want 8 with a practitioners-only one", n, marks)
		}
	})
}

var numberRe = regexp.MustCompile(`/orders/(K[0-9-]+)/complete\?token=([A-Za-z0-9_-]+)`)

func TestStoreGuestCheckout(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.seedDemo()
		b := e.browser()
		stock := func() int {
			return e.count(`SELECT stock FROM variants WHERE sku = (SELECT MIN(v.sku) FROM variants v JOIN products p ON p.id = v.product_id WHERE p.slug = 'dokudami-tea')`)
		}
		before := stock()
		add := formValues(t, b.get("/products/dokudami-tea").body, "/cart/items")
		add.Set("quantity", "2")
		res := b.postForm("/cart/items", add)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/cart" {
			t.Fatalf("add: %d %s", res.StatusCode, res.body)
		}
		res = b.get("/cart")
		mustContain(t, text(parseHTML(t, res.body)), "カート（2点）", "ご購入手続きへ進む")

		res = b.get("/checkout")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("checkout: %d", res.StatusCode)
		}
		form := formValues(t, res.body, "/checkout/confirm")
		form.Set("email", "guest@example.jp")
		form.Set("shipping_address.name", "山田 花子")
		form.Set("shipping_address.name_kana", "ヤマダ ハナコ")
		form.Set("shipping_address.postal_code", "12-34")
		form.Set("shipping_address.prefecture", "13")
		form.Set("shipping_address.city", "千代田区")
		form.Set("shipping_address.line1", "千代田1-1")
		form.Set("shipping_address.phone", "03-1234-5678")
		form.Set("payment_method", "bank_transfer")
		res = b.postForm("/checkout/confirm", form)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("bad postal code: %d", res.StatusCode)
		}
		mustContain(t, res.body, "郵便番号の形式", `value="山田 花子"`, `value="12-34"`)

		form.Set("shipping_address.postal_code", "100-0001")
		res = b.postForm("/checkout/confirm", form)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("confirm: %d", res.StatusCode)
		}
		page := text(parseHTML(t, res.body))
		mustContain(t, page, "ご注文内容の確認", "国産ドクダミ茶", "お支払い総額（税込）", "送料（税込）",
			"8%対象", "内消費税", "銀行振込（前払い）", "お振り込みください", "発送いたします",
			"キャンセル・返品について", "適格請求書発行事業者登録番号", "注文を確定する", "戻って修正する")
		place := formValues(t, res.body, "/checkout/place")
		if len(place.Get("idempotency_key")) != 22 {
			t.Fatalf("idempotency key %q", place.Get("idempotency_key"))
		}

		res = b.postForm("/checkout/place", place)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("place: %d %s", res.StatusCode, res.body)
		}
		loc := res.Header.Get("Location")
		m := numberRe.FindStringSubmatch(loc)
		if m == nil {
			t.Fatalf("place redirected to %q", loc)
		}
		again := b.postForm("/checkout/place", place)
		if again.StatusCode != http.StatusSeeOther || again.Header.Get("Location") != loc {
			t.Fatalf("double submit: %d %q", again.StatusCode, again.Header.Get("Location"))
		}
		if n := e.count(`SELECT COUNT(*) FROM orders`); n != 1 {
			t.Fatalf("%d orders after a double submit", n)
		}
		if got := stock(); got != before-2 {
			t.Errorf("stock %d, want %d", got, before-2)
		}
		if n := e.count(`SELECT COUNT(*) FROM mail_messages WHERE to_addr = $1`, "guest@example.jp"); n != 1 {
			t.Errorf("%d confirmation e-mails", n)
		}

		res = b.get(loc)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("complete: %d", res.StatusCode)
		}
		mustContain(t, text(parseHTML(t, res.body)), "ご注文ありがとうございました", m[1], "お振り込みください", "guest@example.jp")

		other := e.browser()
		if res := other.get("/orders/" + m[1]); res.StatusCode != http.StatusNotFound {
			t.Errorf("order without token: %d", res.StatusCode)
		}
		if res := other.get("/orders/" + m[1] + "?token=wrong"); res.StatusCode != http.StatusNotFound {
			t.Errorf("order with a wrong token: %d", res.StatusCode)
		}
		res = other.get("/orders/" + m[1] + "?token=" + m[2])
		if res.StatusCode != http.StatusOK {
			t.Fatalf("order with token: %d", res.StatusCode)
		}
		mustContain(t, text(parseHTML(t, res.body)), "ご注文受付", "8%対象", "山田 花子")
	})
}

// BenchmarkCategoryPage measures /category/{slug}?limit=30 as the store
// serves it (catalogue cache on), beside BenchmarkStaticPage, a handler that
// writes the same bytes: bench/run.sh compares the two over real HTTP.
func BenchmarkCategoryPage(b *testing.B) {
	e := newEnv(b, dbtest.SQLite(b))
	e.seedDemo()
	e.catalog.EnableCache(time.Minute)
	benchmarkGet(b, e.h, "/category/hari?limit=30")
}

// BenchmarkStaticPage is the yardstick for BenchmarkCategoryPage.
func BenchmarkStaticPage(b *testing.B) {
	e := newEnv(b, dbtest.SQLite(b))
	e.seedDemo()
	res := e.browser().get("/category/hari?limit=30")
	body := []byte(res.body)
	benchmarkGet(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(body)
	}), "/category/hari?limit=30")
}

func benchmarkGet(b *testing.B, h http.Handler, target string) {
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

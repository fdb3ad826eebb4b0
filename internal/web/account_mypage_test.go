package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
)

var emailChangeRe = regexp.MustCompile(`https://shop\.example(/account/email/confirm\?token=[A-Za-z0-9_-]+)`)

// hasForm reports whether the page has a POST form to action with a CSRF
// token: the store's buttons work without JavaScript.
func hasForm(t *testing.T, body, action string) bool {
	t.Helper()
	found := false
	walk(parseHTML(t, body), func(n *html.Node) {
		if n.Type != html.ElementNode || n.Data != "form" {
			return
		}
		if a, _ := attr(n, "action"); a != action {
			return
		}
		walk(n, func(c *html.Node) {
			if name, _ := attr(c, "name"); c.Data == "input" && name == "csrf_token" {
				found = true
			}
		})
	})
	return found
}

func TestMyPageProfileAndEmail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		b := e.browser()
		b.register("old@example.jp")

		res := b.get("/account/profile")
		if res.StatusCode != http.StatusOK || inputValue(t, res.body, "name") != "鈴木 花子" {
			t.Fatalf("profile form: %d, name %q", res.StatusCode, inputValue(t, res.body, "name"))
		}
		res = b.submit("/account/profile", "/account/profile", url.Values{"name": {"鈴木 花"}, "name_kana": {"スズキ ハナ"}, "phone": {"call me"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !fieldErrors(t, res.body)["phone"] || inputValue(t, res.body, "name") != "鈴木 花" {
			t.Fatalf("bad phone: %d %v", res.StatusCode, fieldErrors(t, res.body))
		}
		res = b.submit("/account/profile", "/account/profile", url.Values{"name": {"鈴木 花"}, "name_kana": {"すずき はな"}, "phone": {"090-1111-2222"}})
		if res.StatusCode != http.StatusOK {
			t.Fatalf("save profile: %d", res.StatusCode)
		}
		mustContain(t, text(parseHTML(t, b.get("/account").body)), "鈴木 花", "スズキ ハナ", "090-1111-2222")

		// The e-mail address: the current password is asked.
		res = b.submit("/account/email", "/account/email", url.Values{"email": {"new@example.jp"}, "current_password": {"wrong password"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !fieldErrors(t, res.body)["current_password"] {
			t.Fatalf("wrong password: %d", res.StatusCode)
		}
		res = b.submit("/account/email", "/account/email", url.Values{"email": {"new@example.jp"}, "current_password": {accountPassword}})
		if res.StatusCode != http.StatusOK {
			t.Fatalf("request change: %d", res.StatusCode)
		}
		sent := res.body
		mustContain(t, text(parseHTML(t, b.get("/account").body)), "old@example.jp", "new@example.jp への変更は")

		// Another member asks for a taken address: the same answer.
		other := e.browser()
		other.register("other@example.jp")
		res = other.submit("/account/email", "/account/email", url.Values{"email": {"old@example.jp"}, "current_password": {accountPassword}})
		if res.StatusCode != http.StatusOK || stable(text(parseHTML(t, res.body))) != stable(text(parseHTML(t, sent))) {
			t.Fatalf("taken address answered differently: %d", res.StatusCode)
		}
		if e.count(`SELECT COUNT(*) FROM mail_messages WHERE kind = 'email_change_taken' AND to_addr = 'old@example.jp'`) != 1 ||
			e.count(`SELECT COUNT(*) FROM mail_messages WHERE kind = 'email_change' AND to_addr = 'old@example.jp'`) != 0 {
			t.Fatal("the taken address's owner should be told, with no link")
		}

		// The link: a page with a button, in any browser (no log-in).
		var body string
		if err := d.QueryRow(`SELECT body FROM mail_messages WHERE kind = 'email_change' AND to_addr = 'new@example.jp'`).Scan(&body); err != nil {
			t.Fatal(err)
		}
		link := emailChangeRe.FindStringSubmatch(body)
		if link == nil {
			t.Fatalf("no link in\n%s", body)
		}
		stranger := e.browser()
		res = stranger.get(link[1])
		if res.StatusCode != http.StatusOK || !hasForm(t, res.body, "/account/email/confirm") {
			t.Fatalf("confirm page: %d", res.StatusCode)
		}
		if e.count(`SELECT COUNT(*) FROM members WHERE email = 'new@example.jp'`) != 0 {
			t.Fatal("opening the link changed the address before the button")
		}
		form := formValues(t, res.body, "/account/email/confirm")
		if res := stranger.postForm("/account/email/confirm", form); res.StatusCode != http.StatusOK {
			t.Fatalf("confirm: %d", res.StatusCode)
		}
		if res := stranger.postForm("/account/email/confirm", form); res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("second use: %d", res.StatusCode)
		}
		if e.count(`SELECT COUNT(*) FROM mail_messages WHERE kind = 'email_changed' AND to_addr = 'old@example.jp'`) != 1 {
			t.Fatal("the old address was not told")
		}
		if res := e.browser().login("new@example.jp", accountPassword, ""); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("log in with the new address: %d", res.StatusCode)
		}
		mustContain(t, text(parseHTML(t, b.get("/account/profile?lang=en").body)), "Change name and phone")
	})
}

func TestMyPageReorder(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.seedDemo()
		b := e.browser()
		b.register("clinic@example.jp")
		addToCart(t, b, "dokudami-tea", "2")
		addToCart(t, b, "warm-gel", "1")
		res := b.postForm("/checkout/place", formValues(t, confirmForm(t, b).body, "/checkout/place"))
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("place: %d", res.StatusCode)
		}
		var number string
		if err := d.QueryRow(`SELECT number FROM orders`).Scan(&number); err != nil {
			t.Fatal(err)
		}
		// A month later: the tea costs more, the gel is sold out.
		if _, err := d.Exec(`UPDATE variants SET price = price + 100 WHERE product_id = (SELECT id FROM products WHERE slug = 'dokudami-tea')`); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Exec(`UPDATE variants SET stock = 0 WHERE product_id = (SELECT id FROM products WHERE slug = 'warm-gel')`); err != nil {
			t.Fatal(err)
		}

		orders := b.get("/account/orders")
		action := "/account/orders/" + number + "/reorder"
		if !hasForm(t, b.get("/account").body, action) {
			t.Fatal("my page's recent orders have no 「もう一度購入」")
		}
		if !hasForm(t, orders.body, action) {
			t.Fatalf("no 「もう一度購入」 form to %s", action)
		}
		res = b.postForm(action, formValues(t, orders.body, action))
		if res.StatusCode != http.StatusOK {
			t.Fatalf("re-order: %d\n%s", res.StatusCode, res.body)
		}
		page := text(parseHTML(t, res.body))
		mustContain(t, page, "カートに入れました", "価格が変更されています", "販売を終了したか在庫切れ", "カート（2点）")
		if n := e.count(`SELECT COALESCE(SUM(quantity), 0) FROM cart_items`); n != 2 {
			t.Fatalf("cart holds %d items, want the 2 teas", n)
		}

		// Another member cannot re-order it.
		stranger := e.browser()
		stranger.register("stranger@example.jp")
		page2 := stranger.get("/account/orders")
		form := url.Values{"csrf_token": {tokenRe.FindStringSubmatch(page2.body)[1]}}
		if res := stranger.postForm(action, form); res.StatusCode != http.StatusNotFound {
			t.Fatalf("another's order: %d", res.StatusCode)
		}

		// Order search.
		mustContain(t, text(parseHTML(t, b.get("/account/orders?q=ドクダミ").body)), number)
		mustContain(t, text(parseHTML(t, b.get("/account/orders?q=お灸のない").body)), "条件に合うご注文はありません")
		if res := b.get("/account/orders?from=2026-13-40"); res.StatusCode != http.StatusUnprocessableEntity || !fieldErrors(t, res.body)["from"] {
			t.Fatalf("bad date: %d", res.StatusCode)
		}
		mustContain(t, text(parseHTML(t, b.get("/account/orders?from=2026-11-25&to=2026-11-25&lang=en").body)), number, "Buy again")
		if strings.Contains(text(parseHTML(t, b.get("/account/orders?to=2026-11-24").body)), number) {
			t.Fatal("an order of the 25th listed up to the 24th")
		}
	})
}

func TestFavouritesAndRecentlyViewed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.seedDemo()

		guest := e.browser()
		page := guest.get("/products/dokudami-tea").body
		if hasForm(t, page, "/favourites/dokudami-tea") || !strings.Contains(page, "ログインするとお気に入りに追加できます") {
			t.Fatal("a guest should be asked to log in, not shown the button")
		}

		b := e.browser()
		b.register("fav@example.jp")
		page = b.get("/products/dokudami-tea").body
		if !hasForm(t, page, "/favourites/dokudami-tea") {
			t.Fatal("no お気に入り form on the product page")
		}
		res := b.postForm("/favourites/dokudami-tea", formValues(t, page, "/favourites/dokudami-tea"))
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("add favourite: %d", res.StatusCode)
		}
		page = b.get("/products/dokudami-tea").body
		if !hasForm(t, page, "/favourites/dokudami-tea/delete") {
			t.Fatal("the product page does not offer to remove the favourite")
		}
		if res := b.postForm("/favourites/dokudami-tea", url.Values{}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("no CSRF token: %d, want 403", res.StatusCode)
		}
		b.get("/products/warm-gel")
		home := text(parseHTML(t, b.get("/account").body))
		mustContain(t, home, "お気に入り", "国産ドクダミ茶", "最近チェックした商品", "温感マッサージジェル")
		// The product page lists the others seen, not itself.
		recent := b.get("/products/warm-gel").body
		if !strings.Contains(recent, "最近チェックした商品") || strings.Count(recent, `href="/products/warm-gel"`) != 0 {
			t.Fatal("the product page should list the other products seen, not itself")
		}

		list := b.get("/account/favourites")
		mustContain(t, text(parseHTML(t, list.body)), "国産ドクダミ茶", "1件")
		res = b.postForm("/favourites/dokudami-tea/delete", formValues(t, list.body, "/favourites/dokudami-tea/delete"))
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account/favourites" {
			t.Fatalf("remove: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		mustContain(t, text(parseHTML(t, b.get("/account/favourites?lang=en").body)), "No favourites yet")

		// A guest's POST is refused: favourites are members'.
		if res := guest.postForm("/favourites/dokudami-tea", url.Values{"csrf_token": {tokenRe.FindStringSubmatch(guest.get("/products/dokudami-tea").body)[1]}}); res.StatusCode == http.StatusSeeOther {
			t.Fatal("a guest added a favourite")
		}
	})
}

func TestCatalogueTagsAndRelated(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.seedDemo()
		ctx := t.Context()
		tea, err := e.catalog.ProductBySlug(ctx, "dokudami-tea")
		if err != nil {
			t.Fatal(err)
		}
		if err := e.catalog.SetTags(ctx, tea.ID, []string{"国産", "ノンカフェイン"}, audit.System("test")); err != nil {
			t.Fatal(err)
		}
		if err := e.catalog.SetRelated(ctx, tea.ID, []string{"warm-gel"}, audit.System("test")); err != nil {
			t.Fatal(err)
		}
		page := e.browser().get("/products/dokudami-tea")
		txt := text(parseHTML(t, page.body))
		mustContain(t, txt, "国産", "ノンカフェイン", "関連商品", "温感マッサージジェル")

		res := e.browser().get("/search?tag=" + url.QueryEscape("国産"))
		if res.StatusCode != http.StatusOK {
			t.Fatalf("tag search: %d", res.StatusCode)
		}
		mustContain(t, text(parseHTML(t, res.body)), "タグ「国産」の商品", "国産ドクダミ茶", "タグで絞り込む")
		if strings.Contains(res.body, `href="/products/warm-gel"`) {
			t.Fatal("an untagged product is listed under the tag")
		}
		if res := e.browser().get("/search?tag=" + strings.Repeat("x", 40)); res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("over-long tag: %d", res.StatusCode)
		}
	})
}

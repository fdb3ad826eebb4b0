package web_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/shop"
)

// confirmForm fills the checkout form of b's cart and returns the
// confirmation screen.
func confirmForm(t *testing.T, b *browser) *response {
	t.Helper()
	form := formValues(t, b.get("/checkout").body, "/checkout/confirm")
	for k, v := range map[string]string{"email": "guest@example.jp", "shipping_address.name": "山田 花子",
		"shipping_address.name_kana": "ヤマダ ハナコ", "shipping_address.postal_code": "100-0001",
		"shipping_address.prefecture": "13", "shipping_address.city": "千代田区",
		"shipping_address.line1": "千代田1-1", "shipping_address.phone": "03-1234-5678",
		"payment_method": "bank_transfer"} {
		form.Set(k, v)
	}
	res := b.postForm("/checkout/confirm", form)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("confirm: %d", res.StatusCode)
	}
	return res
}

func addToCart(t *testing.T, b *browser, slug, qty string) {
	t.Helper()
	add := formValues(t, b.get("/products/"+slug).body, "/cart/items")
	add.Set("quantity", qty)
	if res := b.postForm("/cart/items", add); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add %s: %d", slug, res.StatusCode)
	}
}

// TestPlaceRefusesWhatWasNotConfirmed is the attack of issue 8: the
// customer sees the confirmation screen, adds an item in another tab and
// presses 「注文を確定する」 on the first. The order must not be placed; the
// screen comes back with the new item highlighted, and placing from it
// orders what it shows.
func TestPlaceRefusesWhatWasNotConfirmed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.seedDemo()
		b := e.browser()
		stock := `SELECT SUM(stock) FROM variants`
		before := e.count(stock)
		addToCart(t, b, "dokudami-tea", "1")
		confirmed := confirmForm(t, b)
		place := formValues(t, confirmed.body, "/checkout/place")
		if place.Get("quote_fingerprint") == "" {
			t.Fatal("the order button carries no quote fingerprint")
		}
		shownTotal := elementText(t, confirmed.body, "confirm-total")

		addToCart(t, b, "tochu-tea", "3") // the other tab

		res := b.postForm("/checkout/place", place)
		if res.StatusCode != http.StatusConflict {
			t.Fatalf("place after the cart changed: %d, want 409", res.StatusCode)
		}
		if n := e.count(`SELECT COUNT(*) FROM orders`); n != 0 {
			t.Fatalf("%d orders placed from a stale confirmation", n)
		}
		if got := e.count(stock); got != before {
			t.Fatalf("stock %d, want %d untouched", got, before)
		}
		page := text(parseHTML(t, res.body))
		mustContain(t, page, "まだご注文は確定していません", "杜仲茶", "変更あり", "注文を確定する")
		if changed := strings.Count(res.body, `<tr class="changed">`); changed != 1 {
			t.Errorf("%d highlighted lines, want 1 (the added tea)", changed)
		}
		newTotal := elementText(t, res.body, "confirm-total")
		t.Logf("confirmed %s, cart then %s: place answered %d, orders 0, stock untouched", shownTotal, newTotal, res.StatusCode)
		if newTotal == shownTotal || !strings.Contains(res.body, `class="total changed"`) {
			t.Errorf("total %s (was %s) not highlighted as changed", newTotal, shownTotal)
		}

		// A post without any fingerprint confirmed nothing either.
		bare := formValues(t, res.body, "/checkout/place")
		bare.Del("quote_fingerprint")
		if res := b.postForm("/checkout/place", bare); res.StatusCode != http.StatusConflict {
			t.Fatalf("place without a fingerprint: %d, want 409", res.StatusCode)
		}

		again := formValues(t, res.body, "/checkout/place")
		if res := b.postForm("/checkout/place", again); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("place after confirming again: %d %s", res.StatusCode, res.body)
		}
		if yen := shop.Yen(e.count(`SELECT total FROM orders`)).String(); yen != newTotal {
			t.Errorf("ordered %s, confirmed %s", yen, newTotal)
		}
	})
}

// TestAPIQuoteChanged: a client that quotes, lets the cart change and
// places with the quote's fingerprint or total gets 409 quote_changed and
// no order.
func TestAPIQuoteChanged(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.seedDemo()
		b := e.browser()
		var c struct {
			ID string `json:"id"`
		}
		res := b.postJSON("/api/v1/carts", `{}`)
		if err := json.Unmarshal([]byte(res.body), &c); err != nil || c.ID == "" {
			t.Fatalf("create cart: %d %s", res.StatusCode, res.body)
		}
		cart := "/api/v1/carts/" + c.ID
		if res := b.postJSON(cart+"/items", `{"sku": "TEA-DKD-30", "quantity": 1}`); res.StatusCode >= 300 {
			t.Fatalf("add: %d %s", res.StatusCode, res.body)
		}
		body := `{"email": "api@example.jp", "shipping_address": {"name": "山田 太郎", "name_kana": "ヤマダ タロウ",
			"postal_code": "100-0001", "prefecture": 13, "city": "千代田区", "line1": "千代田1-1", "phone": "03-1234-5678"},
			"payment_method": "bank_transfer"`
		res = b.postJSON(cart+"/quote", body+`}`)
		var q struct {
			Quote struct {
				Fingerprint string `json:"fingerprint"`
				Total       int    `json:"total"`
				Lines       []struct {
					SKU string `json:"sku"`
				} `json:"lines"`
			} `json:"quote"`
		}
		if err := json.Unmarshal([]byte(res.body), &q); err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("quote: %d %s", res.StatusCode, res.body)
		}
		if len(q.Quote.Lines) != 1 || q.Quote.Fingerprint == "" || q.Quote.Total == 0 {
			t.Fatalf("quote %+v", q.Quote)
		}
		if res := b.postJSON(cart+"/items", `{"sku": "TEA-DKD-60", "quantity": 5}`); res.StatusCode >= 300 {
			t.Fatalf("add: %d %s", res.StatusCode, res.body)
		}
		for name, extra := range map[string]string{
			"fingerprint": `, "quote_fingerprint": "` + q.Quote.Fingerprint + `"}`,
			"total":       `, "expected_total": ` + strconv.Itoa(q.Quote.Total) + `}`,
		} {
			res := b.postJSON(cart+"/checkout", body+extra)
			var er struct {
				Error struct {
					Code string `json:"code"`
				} `json:"error"`
			}
			json.Unmarshal([]byte(res.body), &er)
			if res.StatusCode != http.StatusConflict || er.Error.Code != "quote_changed" {
				t.Errorf("%s: %d %s, want 409 quote_changed", name, res.StatusCode, res.body)
			}
		}
		if n := e.count(`SELECT COUNT(*) FROM orders`); n != 0 {
			t.Fatalf("%d orders placed", n)
		}
		res = b.postJSON(cart+"/quote", body+`}`)
		json.Unmarshal([]byte(res.body), &q)
		res = b.postJSON(cart+"/checkout", body+`, "quote_fingerprint": "`+q.Quote.Fingerprint+`", "expected_total": `+strconv.Itoa(q.Quote.Total)+`}`)
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("checkout with a fresh quote: %d %s", res.StatusCode, res.body)
		}
	})
}

// elementText is the text of the element with the id.
func elementText(t *testing.T, body, id string) string {
	t.Helper()
	var got string
	walk(parseHTML(t, body), func(n *html.Node) {
		if v, _ := attr(n, "id"); v == id && n.Type == html.ElementNode {
			got = strings.TrimSpace(text(n))
		}
	})
	return got
}

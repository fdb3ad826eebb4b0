package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"kaede/internal/audit"
	"kaede/internal/coupon"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
)

// A coupon at checkout: a wrong code shows the form again with a message
// on coupon_code (422, not a 500); a right one shows its discount on the
// confirmation screen and the order page, and the order's total is less.
func TestStoreCoupon(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.seedDemo()
		if _, err := coupon.New(d, e.clock).Create(context.Background(),
			coupon.Input{Code: "KAEDE300", Kind: "fixed", Amount: "300"}, audit.Actor{Name: "staff"}); err != nil {
			t.Fatal(err)
		}
		b := e.browser()
		addToCart(t, b, "dokudami-tea", "2")
		form := formValues(t, b.get("/checkout").body, "/checkout/confirm")
		for k, v := range map[string]string{"email": "guest@example.jp", "shipping_address.name": "山田 花子",
			"shipping_address.name_kana": "ヤマダ ハナコ", "shipping_address.postal_code": "100-0001",
			"shipping_address.prefecture": "13", "shipping_address.city": "千代田区",
			"shipping_address.line1": "千代田1-1", "shipping_address.phone": "03-1234-5678",
			"payment_method": "bank_transfer", "coupon_code": "NOPE99"} {
			form.Set(k, v)
		}
		res := b.postForm("/checkout/confirm", form)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("a wrong code: %d", res.StatusCode)
		}
		mustContain(t, text(parseHTML(t, res.body)), "ご入力のクーポンコードはご利用いただけません")

		form.Set("coupon_code", "kaede300")
		res = b.postForm("/checkout/confirm", form)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("a right code: %d\n%s", res.StatusCode, res.body)
		}
		if got := elementText(t, res.body, "confirm-discount"); got != "−¥300" {
			t.Fatalf("discount shown %q", got)
		}
		place := formValues(t, res.body, "/checkout/place")
		placed := b.postForm("/checkout/place", place)
		if placed.StatusCode != http.StatusSeeOther {
			t.Fatalf("place: %d %s", placed.StatusCode, placed.body)
		}
		if n := e.count(`SELECT COUNT(*) FROM coupon_redemptions`); n != 1 {
			t.Fatalf("%d coupon uses", n)
		}
		page := b.get(strings.Replace(placed.Header.Get("Location"), "/complete", "", 1))
		if page.StatusCode != http.StatusOK || elementText(t, page.body, "order-discount") != "−¥300" {
			t.Fatalf("order page %d:\n%s", page.StatusCode, page.body)
		}
	})
}

// The API takes coupon_code in its quote and checkout: a wrong code is 422
// naming the field, a right one is in the quote's discount and total.
func TestAPICoupon(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.seedDemo()
		if _, err := coupon.New(d, e.clock).Create(context.Background(),
			coupon.Input{Code: "API100", Kind: "fixed", Amount: "100"}, audit.Actor{Name: "staff"}); err != nil {
			t.Fatal(err)
		}
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
			"payment_method": "bank_transfer", "coupon_code": `
		res = b.postJSON(cart+"/quote", body+`"WRONG1"}`)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, `"coupon_code"`) {
			t.Fatalf("a wrong code: %d %s", res.StatusCode, res.body)
		}
		var plain, with struct {
			Quote struct {
				Discount int `json:"discount"`
				Total    int `json:"total"`
			} `json:"quote"`
		}
		json.Unmarshal([]byte(b.postJSON(cart+"/quote", body+`""}`).body), &plain)
		res = b.postJSON(cart+"/quote", body+`"api100"}`)
		if err := json.Unmarshal([]byte(res.body), &with); err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("quote: %d %s", res.StatusCode, res.body)
		}
		if with.Quote.Discount != 100 || with.Quote.Total != plain.Quote.Total-100 {
			t.Fatalf("with the coupon %+v, without %+v", with.Quote, plain.Quote)
		}
	})
}

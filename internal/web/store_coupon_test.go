package web_test

import (
	"context"
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

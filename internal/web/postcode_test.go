package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
)

// TestPostcodeLookupFillsCheckout presses 「住所を検索」 on the checkout
// form, as a browser without JavaScript would: the form comes back with the
// prefecture and city filled, what the customer typed kept, nothing quoted.
func TestPostcodeLookupFillsCheckout(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.seedDemo()
		b := e.browser()
		add := formValues(t, b.get("/products/dokudami-tea").body, "/cart/items")
		if res := b.postForm("/cart/items", add); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("add: %d", res.StatusCode)
		}
		page := b.get("/checkout").body
		mustContain(t, page, `name="postcode_lookup"`, "住所を検索")
		form := formValues(t, page, "/checkout/confirm")
		form.Set("shipping_address.name", "山田 花子")
		form.Set("shipping_address.postal_code", "１００－０００１")
		form.Set("postcode_lookup", "1")
		res := b.postForm("/checkout/confirm", form)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("lookup: %d\n%s", res.StatusCode, res.body)
		}
		mustContain(t, res.body, `<option value="13" selected>東京都</option>`, "番地・建物名をご入力ください")
		if got := inputValue(t, res.body, "f-city"); got != "千代田区千代田" {
			t.Errorf("city = %q, want 千代田区千代田", got)
		}
		if got := inputValue(t, res.body, "f-postal_code"); got != "100-0001" {
			t.Errorf("postal code = %q, want it normalised", got)
		}
		if got := inputValue(t, res.body, "f-name"); got != "山田 花子" {
			t.Errorf("name = %q, want what was typed kept", got)
		}
		mustContain(t, res.body, `action="/checkout/confirm"`)
		if strings.Contains(res.body, "注文を確定する") {
			t.Error("the lookup quoted the order")
		}

		// Several towns: the city is filled, the towns listed, the town left
		// to the customer.
		form.Set("shipping_address.postal_code", "452-0961")
		res = b.postForm("/checkout/confirm", form)
		mustContain(t, res.body, `<option value="23" selected>愛知県</option>`, "複数の町域", "春日明河原", " ほか")
		if got := inputValue(t, res.body, "f-city"); got != "清須市" {
			t.Errorf("city = %q, want 清須市 alone", got)
		}

		// A malformed code: the field's own error, 422, nothing else touched.
		form.Set("shipping_address.postal_code", "12-34")
		res = b.postForm("/checkout/confirm", form)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("malformed code: %d", res.StatusCode)
		}
		mustContain(t, res.body, "郵便番号の形式")

		// An unknown code says so.
		form.Set("shipping_address.postal_code", "000-0000")
		res = b.postForm("/checkout/confirm", form)
		mustContain(t, res.body, "見つかりませんでした")
		if n := e.count(`SELECT COUNT(*) FROM orders`); n != 0 {
			t.Errorf("%d orders after lookups, want 0", n)
		}
	})
}

func TestPostcodeLookupFillsAddressBook(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		b := e.browser()
		b.register("lookup@example.jp")
		res := b.submit("/account/addresses", "/account/addresses", url.Values{"name": {"鈴木 花子"},
			"postal_code": {"0640941"}, "postcode_lookup": {"1"}})
		if res.StatusCode != http.StatusOK {
			t.Fatalf("lookup: %d\n%s", res.StatusCode, res.body)
		}
		mustContain(t, res.body, `<option value="1" selected>北海道</option>`)
		if got := inputValue(t, res.body, "city"); got != "札幌市中央区旭ケ丘" {
			t.Errorf("city = %q", got)
		}
		if n := e.count(`SELECT COUNT(*) FROM addresses`); n != 0 {
			t.Errorf("the lookup saved %d addresses", n)
		}
		res = b.submit("/account/addresses", "/account/addresses", url.Values{"postal_code": {"abc"}, "postcode_lookup": {"1"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !fieldErrors(t, res.body)["postal_code"] {
			t.Fatalf("malformed code: %d", res.StatusCode)
		}
	})
}

func TestAPIPostcode(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		res := e.browser().get("/api/v1/postcodes/1000001")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", res.StatusCode, res.body)
		}
		var got struct {
			PostalCode string `json:"postal_code"`
			Places     []struct {
				Prefecture     int    `json:"prefecture"`
				PrefectureName string `json:"prefecture_name"`
				City, Town     string
			} `json:"places"`
		}
		if err := json.Unmarshal([]byte(res.body), &got); err != nil {
			t.Fatal(err)
		}
		if got.PostalCode != "100-0001" || len(got.Places) != 1 || got.Places[0].Prefecture != 13 ||
			got.Places[0].PrefectureName != "東京都" || got.Places[0].City != "千代田区" || got.Places[0].Town != "千代田" {
			t.Errorf("got %+v", got)
		}
		if res := e.browser().get("/api/v1/postcodes/0000000"); res.StatusCode != http.StatusOK || !strings.Contains(res.body, `"places":[]`) {
			t.Errorf("unknown code: %d %s", res.StatusCode, res.body)
		}
		res = e.browser().get("/api/v1/postcodes/12-34")
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "postal_code") {
			t.Errorf("malformed code: %d %s", res.StatusCode, res.body)
		}
	})
}

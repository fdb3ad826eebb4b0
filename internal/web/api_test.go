package web_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
)

// The API's answers, as an integrator would decode them.

type apiVariant struct {
	SKU     string `json:"sku"`
	Label   string `json:"label"`
	Price   int64  `json:"price"`
	InStock bool   `json:"in_stock"`
}

type apiProduct struct {
	ID                int64        `json:"id"`
	Slug              string       `json:"slug"`
	Name              string       `json:"name"`
	NameEn            string       `json:"name_en"`
	Category          string       `json:"category"`
	Price             int64        `json:"price"`
	TaxRate           int          `json:"tax_rate"`
	PractitionersOnly bool         `json:"practitioners_only"`
	InStock           bool         `json:"in_stock"`
	Image             string       `json:"image"`
	Variants          []apiVariant `json:"variants"`
	Description       string       `json:"description"`
}

type apiProducts struct {
	Products []apiProduct `json:"products"`
	Total    int          `json:"total"`
	Limit    int          `json:"limit"`
	Offset   int          `json:"offset"`
}

type apiCategory struct {
	Slug         string  `json:"slug"`
	Name         string  `json:"name"`
	Parent       *string `json:"parent"`
	ProductCount int     `json:"product_count"`
}

type apiCart struct {
	ID    string `json:"id"`
	Items []struct {
		SKU       string `json:"sku"`
		Name      string `json:"name"`
		Label     string `json:"label"`
		UnitPrice int64  `json:"unit_price"`
		Quantity  int    `json:"quantity"`
		LineTotal int64  `json:"line_total"`
		TaxRate   int    `json:"tax_rate"`
	} `json:"items"`
	Total int64 `json:"total"`
	Count int   `json:"count"`
}

type apiTax struct {
	Rate    int   `json:"rate"`
	Taxable int64 `json:"taxable"`
	Tax     int64 `json:"tax"`
}

type apiOrder struct {
	Order struct {
		Number        string   `json:"number"`
		Status        string   `json:"status"`
		Total         int64    `json:"total"`
		Subtotal      int64    `json:"subtotal"`
		ShippingFee   int64    `json:"shipping_fee"`
		CODFee        int64    `json:"cod_fee"`
		PaymentMethod string   `json:"payment_method"`
		Tax           []apiTax `json:"tax"`
		AccessToken   string   `json:"access_token"`
		Lines         []struct {
			SKU      string `json:"sku"`
			Quantity int    `json:"quantity"`
		} `json:"lines"`
		ShippingAddress struct {
			PostalCode     string `json:"postal_code"`
			PrefectureCode int    `json:"prefecture_code"`
		} `json:"shipping_address"`
		Payment struct {
			Method string `json:"method"`
			State  string `json:"state"`
			Brand  string `json:"brand"`
			Last4  string `json:"last4"`
		} `json:"payment"`
	} `json:"order"`
}

type apiErr struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

// apiCall sends one API request; headers come in name, value pairs.
func (e *testEnv) apiCall(method, target, body string, headers ...string) *response {
	e.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res := e.browser().do(req)
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		e.t.Fatalf("%s %s: Content-Type %q, body %s", method, target, ct, res.body)
	}
	if res.StatusCode >= 500 {
		e.t.Fatalf("%s %s: %d %s", method, target, res.StatusCode, res.body)
	}
	return res
}

// decode unmarshals the body, failing the test on a wrong status.
func decode[T any](t testing.TB, res *response, status int) T {
	t.Helper()
	var v T
	if res.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", res.StatusCode, status, res.body)
	}
	if err := json.Unmarshal([]byte(res.body), &v); err != nil {
		t.Fatalf("decode %s: %v", res.body, err)
	}
	return v
}

// wantFields checks a 422 naming at least the fields.
func wantFields(t *testing.T, res *response, fields ...string) apiErr {
	t.Helper()
	got := decode[apiErr](t, res, http.StatusUnprocessableEntity)
	if got.Error.Code != "invalid" {
		t.Errorf("code %q, want invalid", got.Error.Code)
	}
	for _, f := range fields {
		if got.Error.Fields[f] == "" {
			t.Errorf("fields lack %q: %s", f, res.body)
		}
	}
	return got
}

// newCart creates a cart holding the items, given as SKU, quantity pairs.
func (e *testEnv) newCart(items ...any) string {
	e.t.Helper()
	c := decode[apiCart](e.t, e.apiCall("POST", "/api/v1/carts", ""), http.StatusCreated)
	for i := 0; i+1 < len(items); i += 2 {
		body := fmt.Sprintf(`{"sku":%q,"quantity":%d}`, items[i], items[i+1])
		decode[apiCart](e.t, e.apiCall("POST", "/api/v1/carts/"+c.ID+"/items", body), http.StatusOK)
	}
	return c.ID
}

// checkoutBody is a valid checkout request with the prefecture as JSON.
func checkoutBody(prefecture, method string) string {
	return `{"email":"buyer@example.jp","payment_method":"` + method + `",
		"shipping_address":{"name":"山田 太郎","name_kana":"ヤマダ タロウ","postal_code":"100-0001",
		"prefecture":` + prefecture + `,"city":"千代田区","line1":"千代田1-1","line2":"","phone":"03-1234-5678"}}`
}

const (
	teaSKU  = "TEA-DKD-30" // 8%, ¥1,080
	bookSKU = "BOOK-ANMA"  // 10%, ¥3,960
)

func TestAPIProducts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.seedDemo()

		all := decode[apiProducts](t, e.apiCall("GET", "/api/v1/products", ""), http.StatusOK)
		if all.Total < 30 || len(all.Products) != 30 || all.Limit != 30 || all.Offset != 0 {
			t.Fatalf("default listing: total %d, %d products, limit %d offset %d", all.Total, len(all.Products), all.Limit, all.Offset)
		}
		p := all.Products[0]
		if p.ID == 0 || p.Slug == "" || p.Name == "" || p.Category == "" || p.Price <= 0 || (p.TaxRate != 10 && p.TaxRate != 8) ||
			len(p.Variants) == 0 || p.Variants[0].SKU == "" || p.Description != "" {
			t.Errorf("product shape: %+v", p)
		}
		for _, p := range all.Products {
			for _, v := range p.Variants {
				if v.Price < p.Price {
					t.Errorf("%s: variant %s at %d below the product's lowest price %d", p.Slug, v.SKU, v.Price, p.Price)
				}
			}
		}

		hari := decode[apiProducts](t, e.apiCall("GET", "/api/v1/products?q="+url.QueryEscape("鍼"), ""), http.StatusOK)
		if hari.Total == 0 || hari.Total >= all.Total {
			t.Fatalf("search 鍼: %d of %d", hari.Total, all.Total)
		}
		cats := decode[struct {
			Categories []apiCategory `json:"categories"`
		}](t, e.apiCall("GET", "/api/v1/categories", ""), http.StatusOK).Categories
		if len(cats) < 5 {
			t.Fatalf("categories: %+v", cats)
		}
		var biggest apiCategory
		sumTop := 0
		for _, c := range cats {
			if c.ProductCount > biggest.ProductCount {
				biggest = c
			}
			if c.Parent == nil {
				sumTop += c.ProductCount
			}
		}
		if sumTop != all.Total {
			t.Errorf("top-level product counts add up to %d, want %d", sumTop, all.Total)
		}
		inCat := decode[apiProducts](t, e.apiCall("GET", "/api/v1/products?limit=100&category="+biggest.Slug, ""), http.StatusOK)
		if inCat.Total != biggest.ProductCount || len(inCat.Products) != inCat.Total {
			t.Errorf("category %s: total %d, %d products, product_count %d", biggest.Slug, inCat.Total, len(inCat.Products), biggest.ProductCount)
		}

		// Pages of 7 cover the listing exactly once.
		seen := map[string]bool{}
		for off := 0; off < all.Total; off += 7 {
			page := decode[apiProducts](t, e.apiCall("GET", fmt.Sprintf("/api/v1/products?sort=price_asc&limit=7&offset=%d", off), ""), http.StatusOK)
			if page.Total != all.Total || page.Limit != 7 || page.Offset != off {
				t.Fatalf("page at %d: total %d limit %d offset %d", off, page.Total, page.Limit, page.Offset)
			}
			for i, p := range page.Products {
				if seen[p.Slug] {
					t.Errorf("%s on two pages", p.Slug)
				}
				seen[p.Slug] = true
				if i > 0 && p.Price < page.Products[i-1].Price {
					t.Errorf("price_asc out of order at %s", p.Slug)
				}
			}
		}
		if len(seen) != all.Total {
			t.Errorf("pages hold %d products, want %d", len(seen), all.Total)
		}
		for _, off := range []string{"1000", "9223372036854775807", "99999999999999999999999"} {
			past := decode[apiProducts](t, e.apiCall("GET", "/api/v1/products?offset="+off, ""), http.StatusOK)
			if len(past.Products) != 0 || past.Total != all.Total || past.Products == nil {
				t.Errorf("offset %s, past the end: %+v", off, past)
			}
		}
		// A page number past every page is an empty page, not an error
		// or an overflow.
		for _, page := range []string{"9223372036854775807", "4611686018427387904", "-5", "x"} {
			res := e.browser().get("/search?q=%E9%8D%BC&page=" + page)
			if res.StatusCode != http.StatusOK {
				t.Errorf("GET /search?page=%s: %d", page, res.StatusCode)
			}
		}
	})
}

func TestAPIProductsBadParams(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.seedDemo()
		for query, field := range map[string]string{
			"limit=abc": "limit", "limit=1000": "limit", "limit=0": "limit", "limit=-3": "limit",
			"offset=x": "offset", "offset=-1": "offset", "sort=cheapest": "sort",
			"q=" + strings.Repeat("a", 101): "q",
		} {
			res := e.apiCall("GET", "/api/v1/products?"+query, "")
			wantFields(t, res, field)
		}
		got := wantFields(t, e.apiCall("GET", "/api/v1/products?limit=abc&offset=-1&sort=x", ""), "limit", "offset", "sort")
		if !strings.Contains(got.Error.Fields["limit"], "表示件数") {
			t.Errorf("limit message not in Japanese: %q", got.Error.Fields["limit"])
		}
		res := e.apiCall("GET", "/api/v1/products?category=no-such-thing", "")
		if got := decode[apiErr](t, res, http.StatusNotFound); got.Error.Code != "not_found" {
			t.Errorf("unknown category: %s", res.body)
		}
	})
}

func TestAPIProduct(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.seedDemo()
		p := decode[apiProduct](t, e.apiCall("GET", "/api/v1/products/dokudami-tea", ""), http.StatusOK)
		if p.Slug != "dokudami-tea" || p.TaxRate != 8 || p.Price != 1080 || len(p.Variants) != 2 || p.Description == "" || !p.InStock {
			t.Errorf("dokudami-tea: %+v", p)
		}
		res := e.apiCall("GET", "/api/v1/products/no-such-product", "")
		got := decode[apiErr](t, res, http.StatusNotFound)
		if got.Error.Code != "not_found" || got.Error.Message == "" {
			t.Errorf("unknown product: %s", res.body)
		}
		got = decode[apiErr](t, e.apiCall("GET", "/api/v1/products/no-such-product", "", "Accept-Language", "en"), http.StatusNotFound)
		if !strings.Contains(got.Error.Message, "could not be found") {
			t.Errorf("English 404 message: %q", got.Error.Message)
		}
	})
}

// TestAPICartCreatedWithItems: a cart created with its items holds them by
// AddItem's rules; any item AddItem refuses refuses the whole cart, named
// by its place in the list, and leaves no cart behind.
func TestAPICartCreatedWithItems(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.seedDemo()
		c := decode[apiCart](t, e.apiCall("POST", "/api/v1/carts",
			`{"items":[{"sku":"`+teaSKU+`","quantity":2},{"sku":"`+bookSKU+`","quantity":1},{"sku":"`+teaSKU+`","quantity":1}]}`), http.StatusCreated)
		if len(c.ID) < 20 || c.Total != 3*1080+3960 || c.Count != 4 || len(c.Items) != 2 {
			t.Fatalf("cart with items: %+v", c)
		}
		if got := decode[apiCart](t, e.apiCall("GET", "/api/v1/carts/"+c.ID, ""), http.StatusOK); got.Total != c.Total || got.Count != 4 {
			t.Errorf("GET the cart: %+v", got)
		}
		if got := decode[apiCart](t, e.apiCall("POST", "/api/v1/carts", `{}`), http.StatusCreated); len(got.Items) != 0 {
			t.Errorf("an empty body's cart: %+v", got)
		}

		carts := func() int {
			var n int
			if err := d.QueryRow(`SELECT COUNT(*) FROM carts`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := carts()
		wantFields(t, e.apiCall("POST", "/api/v1/carts", `{"items":[{"sku":"`+teaSKU+`","quantity":1},{"sku":"NO-SUCH-SKU","quantity":1}]}`), "items[1].sku")
		wantFields(t, e.apiCall("POST", "/api/v1/carts", `{"items":[{"sku":"`+teaSKU+`"}]}`), "items[0].quantity")
		wantFields(t, e.apiCall("POST", "/api/v1/carts", `{"items":[{"sku":"`+teaSKU+`","quantity":1000}]}`), "items[0].quantity")
		wantFields(t, e.apiCall("POST", "/api/v1/carts", `{"items":"tea"}`), "items")
		many := make([]string, 51)
		for i := range many {
			many[i] = `{"sku":"` + teaSKU + `","quantity":1}`
		}
		wantFields(t, e.apiCall("POST", "/api/v1/carts", `{"items":[`+strings.Join(many, ",")+`]}`), "items")
		if _, err := d.Exec(`UPDATE variants SET stock = 1 WHERE sku = $1`, teaSKU); err != nil {
			t.Fatal(err)
		}
		if got := decode[apiErr](t, e.apiCall("POST", "/api/v1/carts", `{"items":[{"sku":"`+bookSKU+`","quantity":1},{"sku":"`+teaSKU+`","quantity":2}]}`), http.StatusConflict); got.Error.Code != "out_of_stock" {
			t.Errorf("over stock: %+v", got)
		}
		if got := carts(); got != before {
			t.Errorf("carts after refused creations: %d, want %d", got, before)
		}
	})
}

func TestAPICart(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.seedDemo()
		res := e.apiCall("POST", "/api/v1/carts", "")
		c := decode[apiCart](t, res, http.StatusCreated)
		if len(c.ID) < 20 || c.Items == nil || len(c.Items) != 0 || c.Total != 0 || c.Count != 0 {
			t.Fatalf("new cart: %s", res.body)
		}
		if !strings.Contains(res.body, `"items":[]`) {
			t.Errorf("empty items not []: %s", res.body)
		}
		if len(res.Cookies()) != 0 {
			t.Errorf("API set cookies: %v", res.Cookies())
		}
		base := "/api/v1/carts/" + c.ID

		c = decode[apiCart](t, e.apiCall("POST", base+"/items", `{"sku":"`+teaSKU+`","quantity":2}`), http.StatusOK)
		c = decode[apiCart](t, e.apiCall("POST", base+"/items", `{"sku":"`+bookSKU+`","quantity":1}`), http.StatusOK)
		c = decode[apiCart](t, e.apiCall("POST", base+"/items", `{"sku":"`+teaSKU+`","quantity":1}`), http.StatusOK)
		if c.Total != 3*1080+3960 || c.Count != 4 || len(c.Items) != 2 {
			t.Fatalf("after adding: %+v", c)
		}
		for _, it := range c.Items {
			if it.SKU == teaSKU && (it.Quantity != 3 || it.UnitPrice != 1080 || it.LineTotal != 3240 || it.TaxRate != 8 || it.Name == "" || it.Label == "") {
				t.Errorf("tea line: %+v", it)
			}
		}
		c = decode[apiCart](t, e.apiCall("PUT", base+"/items/"+teaSKU, `{"quantity":1}`), http.StatusOK)
		if c.Total != 1080+3960 || c.Count != 2 {
			t.Errorf("after setting 1: %+v", c)
		}
		c = decode[apiCart](t, e.apiCall("PUT", base+"/items/"+teaSKU, `{"quantity":0}`), http.StatusOK)
		if len(c.Items) != 1 || c.Items[0].SKU != bookSKU || c.Total != 3960 {
			t.Errorf("after removing: %+v", c)
		}
		if got := decode[apiCart](t, e.apiCall("GET", base, ""), http.StatusOK); got.Total != 3960 || got.ID != c.ID {
			t.Errorf("GET cart: %+v", got)
		}

		for _, q := range []string{"0", "-1", "1000", `"x"`, "1.5", "null"} {
			wantFields(t, e.apiCall("POST", base+"/items", `{"sku":"`+teaSKU+`","quantity":`+q+`}`), "quantity")
		}
		for _, q := range []string{"-1", "1000", `"x"`} {
			wantFields(t, e.apiCall("PUT", base+"/items/"+teaSKU, `{"quantity":`+q+`}`), "quantity")
		}
		wantFields(t, e.apiCall("PUT", base+"/items/"+teaSKU, `{}`), "quantity")
		wantFields(t, e.apiCall("POST", base+"/items", `{"sku":"NO-SUCH-SKU","quantity":1}`), "sku")
		wantFields(t, e.apiCall("POST", base+"/items", `{"quantity":1}`), "sku")
		wantFields(t, e.apiCall("POST", base+"/items", `{}`), "sku", "quantity")
		wantFields(t, e.apiCall("POST", base+"/items", `{"sku":"NO-SUCH-SKU","quantity":0}`), "sku", "quantity")

		for _, target := range []string{"/api/v1/carts/nope", "/api/v1/carts/nope/items"} {
			method, body := "GET", ""
			if strings.HasSuffix(target, "/items") {
				method, body = "POST", `{"sku":"`+teaSKU+`","quantity":1}`
			}
			if got := decode[apiErr](t, e.apiCall(method, target, body), http.StatusNotFound); got.Error.Code != "not_found" {
				t.Errorf("%s %s: %+v", method, target, got)
			}
		}

		// Controlled medical devices are for approved practitioners; the API is a guest.
		var sku string
		list := decode[apiProducts](t, e.apiCall("GET", "/api/v1/products?limit=100", ""), http.StatusOK)
		for _, p := range list.Products {
			if p.PractitionersOnly && p.InStock {
				sku = p.Variants[0].SKU
				break
			}
		}
		if sku == "" {
			t.Fatal("no practitioners-only product in the demo data")
		}
		if got := decode[apiErr](t, e.apiCall("POST", base+"/items", `{"sku":"`+sku+`","quantity":1}`), http.StatusForbidden); got.Error.Code != "forbidden" {
			t.Errorf("practitioners-only: %+v", got)
		}

		if _, err := d.Exec(`UPDATE variants SET stock = 2 WHERE sku = $1`, teaSKU); err != nil {
			t.Fatal(err)
		}
		if got := decode[apiErr](t, e.apiCall("POST", base+"/items", `{"sku":"`+teaSKU+`","quantity":3}`), http.StatusConflict); got.Error.Code != "out_of_stock" {
			t.Errorf("over stock: %+v", got)
		}
	})
}

func TestAPICheckout(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.seedDemo()
		id := e.newCart(bookSKU, 1, teaSKU, 1)
		res := e.apiCall("POST", "/api/v1/carts/"+id+"/checkout", checkoutBody("13", "bank_transfer"))
		o := decode[apiOrder](t, res, http.StatusCreated).Order
		// ¥3,960 at 10% and ¥1,080 at 8%, under the free-shipping
		// threshold: Tokyo pays the default fee of ¥880, taxed at 10%.
		if o.Number == "" || o.AccessToken == "" || o.Status != "placed" || o.PaymentMethod != "bank_transfer" {
			t.Fatalf("order: %s", res.body)
		}
		if o.Subtotal != 5040 || o.ShippingFee != 880 || o.CODFee != 0 || o.Total != 5920 {
			t.Errorf("amounts: subtotal %d shipping %d cod %d total %d", o.Subtotal, o.ShippingFee, o.CODFee, o.Total)
		}
		// Floor rounding, once per rate: 10% on 4,840 is 440; 8% on 1,080 is 80.
		want := []apiTax{{Rate: 10, Taxable: 4400, Tax: 440}, {Rate: 8, Taxable: 1000, Tax: 80}}
		if fmt.Sprint(o.Tax) != fmt.Sprint(want) {
			t.Errorf("tax %+v, want %+v", o.Tax, want)
		}
		if len(o.Lines) != 2 || o.ShippingAddress.PrefectureCode != 13 || o.ShippingAddress.PostalCode != "100-0001" {
			t.Errorf("lines or address: %s", res.body)
		}
		if res.Header.Get("Location") != "/api/v1/orders/"+o.Number {
			t.Errorf("Location %q", res.Header.Get("Location"))
		}
		if c := decode[apiCart](t, e.apiCall("GET", "/api/v1/carts/"+id, ""), http.StatusOK); len(c.Items) != 0 {
			t.Errorf("cart not emptied: %+v", c)
		}

		// The order is shown to the holder of its token only.
		target := "/api/v1/orders/" + o.Number
		for _, auth := range []string{"Bearer " + o.AccessToken, "bearer " + o.AccessToken} {
			got := decode[apiOrder](t, e.apiCall("GET", target, "", "Authorization", auth), http.StatusOK).Order
			if got.Number != o.Number || got.Total != 5920 || len(got.Tax) != 2 || len(got.Lines) != 2 ||
				got.Payment.Method != "bank_transfer" || got.Payment.State != "pending" || got.AccessToken != "" {
				t.Errorf("order view: %+v", got)
			}
		}
		for _, auth := range []string{"", "Bearer ", "Bearer wrong", "Basic " + o.AccessToken, o.AccessToken} {
			got := decode[apiErr](t, e.apiCall("GET", target, "", "Authorization", auth), http.StatusNotFound)
			if got.Error.Code != "not_found" {
				t.Errorf("auth %q: %+v", auth, got)
			}
		}
		unknown := decode[apiErr](t, e.apiCall("GET", "/api/v1/orders/K20000101-0001", "", "Authorization", "Bearer "+o.AccessToken), http.StatusNotFound)
		if unknown.Error.Message != decode[apiErr](t, e.apiCall("GET", target, ""), http.StatusNotFound).Error.Message {
			t.Error("an unknown number and a missing token answer differently")
		}

		// Cash on delivery, the prefecture by its English name.
		id = e.newCart(teaSKU, 2)
		o = decode[apiOrder](t, e.apiCall("POST", "/api/v1/carts/"+id+"/checkout", checkoutBody(`"Hokkaido"`, "cod")), http.StatusCreated).Order
		if o.CODFee != 330 || o.ShippingFee != 1320 || o.Total != 2160+1320+330 || o.ShippingAddress.PrefectureCode != 1 {
			t.Errorf("COD to Hokkaido: %+v", o)
		}
		// The Japanese name works too.
		id = e.newCart(teaSKU, 1)
		decode[apiOrder](t, e.apiCall("POST", "/api/v1/carts/"+id+"/checkout", checkoutBody(`"東京都"`, "bank_transfer")), http.StatusCreated)
		if n := e.count(`SELECT COUNT(*) FROM orders`); n != 3 {
			t.Errorf("%d orders, want 3", n)
		}
	})
}

func TestAPICheckoutInvalid(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.seedDemo()
		id := e.newCart(teaSKU, 1)
		target := "/api/v1/carts/" + id + "/checkout"
		bad := `{"email":"not-an-address","payment_method":"card",
			"shipping_address":{"name":"","name_kana":"yamada","postal_code":"123456",
			"prefecture":"Atlantis","city":"","line1":"","phone":"12"}}`
		fields := []string{"email", "payment_method", "shipping_address.name", "shipping_address.name_kana",
			"shipping_address.postal_code", "shipping_address.prefecture", "shipping_address.city",
			"shipping_address.line1", "shipping_address.phone"}
		ja := wantFields(t, e.apiCall("POST", target, bad), fields...)
		if len(ja.Error.Fields) != len(fields) {
			t.Errorf("fields %v, want exactly %v", ja.Error.Fields, fields)
		}
		if msg := ja.Error.Fields["shipping_address.postal_code"]; !strings.Contains(msg, "郵便番号") {
			t.Errorf("postal code message %q", msg)
		}
		if msg := ja.Error.Fields["shipping_address.prefecture"]; !strings.Contains(msg, "都道府県") || !strings.Contains(msg, "選択肢") {
			t.Errorf("prefecture message %q, want a choice", msg)
		}
		en := wantFields(t, e.apiCall("POST", target, bad, "Accept-Language", "en"), fields...)
		if msg := en.Error.Fields["shipping_address.postal_code"]; !strings.Contains(msg, "postal code") {
			t.Errorf("English postal code message %q", msg)
		}

		// One bad field at a time is named alone; a prefecture that was sent
		// but names none is not one of the choices, a missing one is required.
		for prefecture, want := range map[string]string{`"Atlantis"`: "選択肢", "48": "選択肢", "0": "選択肢",
			"true": "選択肢", `{"code":13}`: "選択肢", `""`: "選択してください", "null": "選択してください",
			`"  "`: "選択してください"} {
			got := wantFields(t, e.apiCall("POST", target, checkoutBody(prefecture, "bank_transfer")), "shipping_address.prefecture")
			if msg := got.Error.Fields["shipping_address.prefecture"]; len(got.Error.Fields) != 1 || !strings.Contains(msg, want) {
				t.Errorf("prefecture %s: %v, want %q", prefecture, got.Error.Fields, want)
			}
		}
		six := strings.Replace(checkoutBody("13", "cod"), `"100-0001"`, `"100-000"`, 1)
		if got := wantFields(t, e.apiCall("POST", target, six), "shipping_address.postal_code"); len(got.Error.Fields) != 1 {
			t.Errorf("6-digit postal code: %v", got.Error.Fields)
		}
		wantFields(t, e.apiCall("POST", target, strings.Replace(checkoutBody("13", "cod"), `"shipping_address"`, `"x":1,"shipping_address"`, 1)), "body")
		wantFields(t, e.apiCall("POST", target, `{"email":`), "body")
		wantFields(t, e.apiCall("POST", target, `{"email":42}`), "email")
		wantFields(t, e.apiCall("POST", target, strings.Replace(checkoutBody("13", "cod"), `"03-1234-5678"`, `3`, 1)), "shipping_address.phone")

		// Nothing was written: no order, the cart and the stock untouched.
		if n := e.count(`SELECT COUNT(*) FROM orders`); n != 0 {
			t.Errorf("%d orders after invalid checkouts", n)
		}
		if c := decode[apiCart](t, e.apiCall("GET", "/api/v1/carts/"+id, ""), http.StatusOK); c.Count != 1 {
			t.Errorf("cart changed: %+v", c)
		}
		if n := e.count(`SELECT stock FROM variants WHERE sku = $1`, teaSKU); n != 40 {
			t.Errorf("stock %d, want 40", n)
		}

		// An empty cart and an unknown cart.
		empty := e.newCart()
		wantFields(t, e.apiCall("POST", "/api/v1/carts/"+empty+"/checkout", checkoutBody("13", "cod")), "cart")
		decode[apiErr](t, e.apiCall("POST", "/api/v1/carts/nope/checkout", checkoutBody("13", "cod")), http.StatusNotFound)
	})
}

func TestAPICheckoutIdempotent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.seedDemo()
		id := e.newCart(teaSKU, 2)
		target := "/api/v1/carts/" + id + "/checkout"
		body := checkoutBody(`"Tokyo"`, "bank_transfer")
		first := decode[apiOrder](t, e.apiCall("POST", target, body, "Idempotency-Key", "key-123"), http.StatusCreated).Order
		again := decode[apiOrder](t, e.apiCall("POST", target, body, "Idempotency-Key", "key-123"), http.StatusCreated).Order
		if again.Number != first.Number || again.AccessToken != first.AccessToken || again.Total != first.Total {
			t.Errorf("retry: %+v, first %+v", again, first)
		}
		other := strings.Replace(body, "buyer@example.jp", "someone@example.jp", 1)
		if got := decode[apiErr](t, e.apiCall("POST", target, other, "Idempotency-Key", "key-123"), http.StatusConflict); got.Error.Code != "conflict" {
			t.Errorf("same key, other body: %+v", got)
		}
		if n := e.count(`SELECT COUNT(*) FROM orders`); n != 1 {
			t.Errorf("%d orders, want 1", n)
		}
		if n := e.count(`SELECT stock FROM variants WHERE sku = $1`, teaSKU); n != 38 {
			t.Errorf("stock %d, want 38", n)
		}
		// Without a key every request is its own: the emptied cart
		// cannot be ordered again.
		wantFields(t, e.apiCall("POST", target, body), "cart")
		wantFields(t, e.apiCall("POST", target, body, "Idempotency-Key", strings.Repeat("k", 256)), "idempotency_key")
	})
}

func TestAPIConcurrentBuyers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.seedDemo()
		if _, err := d.Exec(`UPDATE variants SET stock = 3 WHERE sku = $1`, teaSKU); err != nil {
			t.Fatal(err)
		}
		before := e.count(`SELECT COUNT(*) FROM orders`)
		srv := httptest.NewServer(e.h)
		defer srv.Close()

		const buyers = 20
		statuses := make([]int, buyers)
		errs := make(chan error, buyers)
		// Every buyer fills a cart while there is stock for all of them,
		// then all check out at once: the race is for the last items.
		var ready, done sync.WaitGroup
		start := make(chan struct{})
		for i := range buyers {
			ready.Add(1)
			done.Add(1)
			go func() {
				defer done.Done()
				status, err := buyOne(srv.URL, ready.Done, start)
				statuses[i] = status
				if err != nil {
					errs <- err
				}
			}()
		}
		ready.Wait()
		close(start)
		done.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		count := map[int]int{}
		for _, s := range statuses {
			count[s]++
		}
		if count[http.StatusCreated] != 3 || count[http.StatusConflict] != buyers-3 {
			t.Errorf("statuses %v, want 3 × 201 and %d × 409", count, buyers-3)
		}
		if n := e.count(`SELECT stock FROM variants WHERE sku = $1`, teaSKU); n != 0 {
			t.Errorf("stock %d, want 0", n)
		}
		if n := e.count(`SELECT COUNT(*) FROM orders`); n != before+3 {
			t.Errorf("%d orders, want %d", n, before+3)
		}
	})
}

// buyOne creates a cart over HTTP, adds one tea, calls filled and waits for
// start, then checks out, returning the checkout's status; a 409 must be
// out_of_stock.
func buyOne(base string, filled func(), start <-chan struct{}) (int, error) {
	once := sync.OnceFunc(filled)
	defer once() // a buyer who failed early must not hold the others up
	post := func(path, body string) (*http.Response, []byte, error) {
		res, err := http.Post(base+path, "application/json", strings.NewReader(body))
		if err != nil {
			return nil, nil, err
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		return res, b, err
	}
	res, b, err := post("/api/v1/carts", "{}")
	if err != nil || res.StatusCode != http.StatusCreated {
		return 0, fmt.Errorf("create cart: %v %s", err, b)
	}
	var c apiCart
	if err := json.Unmarshal(b, &c); err != nil {
		return 0, err
	}
	if res, b, err = post("/api/v1/carts/"+c.ID+"/items", `{"sku":"`+teaSKU+`","quantity":1}`); err != nil || res.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("add item: %v %s", err, b)
	}
	once()
	<-start
	if res, b, err = post("/api/v1/carts/"+c.ID+"/checkout", checkoutBody("13", "bank_transfer")); err != nil {
		return 0, err
	}
	if res.StatusCode == http.StatusConflict && !strings.Contains(string(b), `"out_of_stock"`) {
		return res.StatusCode, fmt.Errorf("409 without out_of_stock: %s", b)
	}
	if res.StatusCode != http.StatusCreated && res.StatusCode != http.StatusConflict {
		return res.StatusCode, fmt.Errorf("checkout: %d %s", res.StatusCode, b)
	}
	return res.StatusCode, nil
}

func TestAPIMalformedAndUnknown(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.seedDemo()
		id := e.newCart()
		for _, body := range []string{"{", "[]", `{"sku":"X","quantity":1,"extra":true}`, `{"sku":"X","quantity":1}{}`, "null x"} {
			wantFields(t, e.apiCall("POST", "/api/v1/carts/"+id+"/items", body), "body")
		}
		req := newRequest("POST", "/api/v1/carts/"+id+"/items", strings.NewReader(`{"sku":"`+teaSKU+`","quantity":1}`), "text/plain")
		res := e.browser().do(req)
		wantFields(t, res, "body")

		for _, target := range []string{"/api/v1/nope", "/api/v2/products", "/api/"} {
			res := e.apiCall("GET", target, "")
			if got := decode[apiErr](t, res, http.StatusNotFound); got.Error.Code != "not_found" {
				t.Errorf("%s: %s", target, res.body)
			}
		}
		if res := e.apiCall("GET", "/api/v1/products", ""); !strings.Contains(res.Header.Get("Cache-Control"), "no-store") {
			t.Errorf("API Cache-Control %q", res.Header.Get("Cache-Control"))
		}
	})
}

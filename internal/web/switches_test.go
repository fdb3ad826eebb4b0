package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/order"
	"kaede/internal/payment"
	"kaede/internal/payment/gateway"
	"kaede/internal/switches"
	"kaede/internal/testenv"
)

// The store under the shop's emergency switches, over real HTTP with the
// real test gateway: what customers see and what the API answers.

const cardBanner = "カード会社からの連絡を受け、クレジットカード決済を停止しております。"

func (e *cardEnv) setSwitch(n switches.Name, on bool, banner string) {
	e.t.Helper()
	_, err := e.sw.Set(e.t.Context(), switches.Change{Name: n, On: on, Banner: banner, Reason: "test " + string(n)},
		audit.Actor{Name: "owner@example.jp", IP: "192.0.2.1"})
	if err != nil {
		e.t.Fatal(err)
	}
}

// shopper is a browser with the dokudami tea in its cart.
func (e *cardEnv) shopper() *http.Client {
	e.t.Helper()
	b := e.browserClient()
	add := formValues(e.t, e.do(b, "GET", e.store.URL+"/products/dokudami-tea", "", nil).body, "/cart/items")
	add.Set("quantity", "1")
	res := e.form(b, "/cart/items", add)
	if res.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("add to cart: %d %s", res.StatusCode, res.body)
	}
	return b
}

func (e *cardEnv) form(b *http.Client, path string, v url.Values) *response {
	e.t.Helper()
	return e.do(b, "POST", e.store.URL+path, "application/x-www-form-urlencoded", strings.NewReader(v.Encode()))
}

// guestAddress fills a checkout form as a guest.
func guestAddress(v url.Values, method string) url.Values {
	v.Set("email", "guest@example.jp")
	v.Set("shipping_address.name", "山田 花子")
	v.Set("shipping_address.name_kana", "ヤマダ ハナコ")
	v.Set("shipping_address.postal_code", "100-0001")
	v.Set("shipping_address.prefecture", "13")
	v.Set("shipping_address.city", "千代田区")
	v.Set("shipping_address.line1", "千代田1-1")
	v.Set("shipping_address.phone", "03-1234-5678")
	v.Set("payment_method", method)
	return v
}

// paymentChoices are the payment methods the checkout form offers.
func paymentChoices(t *testing.T, body string) []string {
	t.Helper()
	var out []string
	walk(parseHTML(t, body), func(n *html.Node) {
		if name, _ := attr(n, "name"); n.Data == "input" && name == "payment_method" {
			v, _ := attr(n, "value")
			out = append(out, v)
		}
	})
	return out
}

// banner is the text of the site-wide notice of the switch, "" if none.
func banner(t *testing.T, body, sw string) string {
	t.Helper()
	var out string
	walk(parseHTML(t, body), func(n *html.Node) {
		if v, _ := attr(n, "data-switch"); v == sw && n.Data == "p" {
			out = strings.TrimSpace(text(n))
		}
	})
	return out
}

func hasLinkTo(t *testing.T, body, href string) bool {
	t.Helper()
	found := false
	walk(parseHTML(t, body), func(n *html.Node) {
		if v, _ := attr(n, "href"); n.Data == "a" && v == href {
			found = true
		}
	})
	return found
}

func decodeError(t *testing.T, res *response, status int) apiError {
	t.Helper()
	if res.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", res.StatusCode, status, res.body)
	}
	var v apiError
	if err := json.Unmarshal([]byte(res.body), &v); err != nil {
		t.Fatalf("decode %q: %v", res.body, err)
	}
	return v
}

// newAPICart is a cart holding one tea, through the API.
func (e *cardEnv) newAPICart() string {
	e.t.Helper()
	var c struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(e.api("POST", "/api/v1/carts", "").body), &c); err != nil || c.ID == "" {
		e.t.Fatalf("new cart: %v", err)
	}
	if res := e.api("POST", "/api/v1/carts/"+c.ID+"/items", `{"sku":"`+teaSKU+`","quantity":1}`); res.StatusCode != http.StatusOK {
		e.t.Fatalf("add item: %d %s", res.StatusCode, res.body)
	}
	return c.ID
}

func TestCardSwitch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newCardEnv(t, d, payment.CaptureAutomatic)
		// A customer went to the card page just before the shop stopped cards.
		pending := e.checkoutCard(teaSKU, 1)
		orderURL := e.store.URL + "/orders/" + pending.Order.Number + "?token=" + pending.Order.AccessToken
		b := e.shopper()
		if got := paymentChoices(t, e.do(b, "GET", e.store.URL+"/checkout", "", nil).body); !contains(got, "card") {
			t.Fatalf("before the switch the checkout offers %v, want card among them", got)
		}

		e.setSwitch(switches.Card, false, cardBanner)

		t.Run("the checkout form offers no card, the other methods stay", func(t *testing.T) {
			res := e.do(b, "GET", e.store.URL+"/checkout", "", nil)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("checkout: %d", res.StatusCode)
			}
			got := paymentChoices(t, res.body)
			if contains(got, "card") || !contains(got, "bank_transfer") || !contains(got, "cod") {
				t.Fatalf("checkout offers %v, want transfer and COD without card", got)
			}
			if got := banner(t, res.body, "card"); got != cardBanner {
				t.Fatalf("banner %q, want the shop's %q", got, cardBanner)
			}
		})

		t.Run("a card posted anyway is refused by checkout, naming the method", func(t *testing.T) {
			form := guestAddress(formValues(t, e.do(b, "GET", e.store.URL+"/checkout", "", nil).body, "/checkout/confirm"), "card")
			res := e.form(b, "/checkout/confirm", form)
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("confirm with a card: %d", res.StatusCode)
			}
			mustContain(t, text(parseHTML(t, res.body)), "お選びのお支払い方法はただいま一時停止しております")
			form.Set("payment_method", "bank_transfer")
			if res := e.form(b, "/checkout/confirm", form); res.StatusCode != http.StatusOK {
				t.Fatalf("confirm with a transfer: %d", res.StatusCode)
			}
		})

		t.Run("the API answers 422 naming payment_method; other methods work", func(t *testing.T) {
			id := e.newAPICart()
			v := decodeError(t, e.api("POST", "/api/v1/carts/"+id+"/checkout", checkoutBody("13", "card")), http.StatusUnprocessableEntity)
			if v.Error.Code != "invalid" || len(v.Error.Fields) != 1 || !strings.Contains(v.Error.Fields["payment_method"], "一時停止") {
				t.Fatalf("card by API: %+v", v.Error)
			}
			en := decodeError(t, e.api("POST", "/api/v1/carts/"+id+"/checkout", checkoutBody("13", "card"), "Accept-Language", "en"), http.StatusUnprocessableEntity)
			if !strings.Contains(en.Error.Fields["payment_method"], "paused") {
				t.Fatalf("card by API in English: %+v", en.Error)
			}
			if res := e.api("POST", "/api/v1/carts/"+id+"/checkout", checkoutBody("13", "bank_transfer")); res.StatusCode != http.StatusCreated {
				t.Fatalf("transfer by API: %d %s", res.StatusCode, res.body)
			}
		})

		t.Run("a card order awaiting payment is told to choose another method", func(t *testing.T) {
			res := e.do(b, "GET", orderURL, "", nil)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("order page: %d", res.StatusCode)
			}
			got := textOf(t, res.body, "card-stopped")
			for _, want := range []string{"ほかのお支払い方法で改めてご注文", cardBanner, "03-0000-0000", "support@kaede.example", "自動的に取り消され"} {
				if !strings.Contains(got, want) {
					t.Errorf("card-stopped notice %q lacks %q", got, want)
				}
			}
			if strings.Contains(res.body, `action="/orders/`+pending.Order.Number+`/payment`) {
				t.Error("the order page still offers to pay by card")
			}
		})

		t.Run("the card-start endpoints refuse", func(t *testing.T) {
			payments := func() int {
				return e.count(`SELECT COUNT(*) FROM payments p JOIN orders o ON o.id = p.order_id WHERE o.number = $1`, pending.Order.Number)
			}
			before := payments()
			csrf := formValues(t, e.do(b, "GET", e.store.URL+"/products/dokudami-tea", "", nil).body, "/cart/items").Get("csrf_token")
			res := e.form(b, "/orders/"+pending.Order.Number+"/payment?token="+pending.Order.AccessToken, url.Values{"csrf_token": {csrf}})
			if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || strings.HasPrefix(loc, e.gwServer.URL) {
				t.Fatalf("pay again: %d to %q, want back to the order page", res.StatusCode, loc)
			}
			v := decodeError(t, e.api("POST", "/api/v1/orders/"+pending.Order.Number+"/payment", "", "Authorization", "Bearer "+pending.Order.AccessToken),
				http.StatusServiceUnavailable)
			if v.Error.Code != "unavailable" || !strings.Contains(v.Error.Message, "クレジットカード") {
				t.Fatalf("pay again by API: %+v", v.Error)
			}
			if after := payments(); after != before {
				t.Fatalf("%d card payments after the refusals, want %d", after, before)
			}
		})

		t.Run("back on: the card returns", func(t *testing.T) {
			e.setSwitch(switches.Card, true, "")
			res := e.do(b, "GET", e.store.URL+"/checkout", "", nil)
			if got := paymentChoices(t, res.body); !contains(got, "card") {
				t.Fatalf("after turning cards back on the checkout offers %v", got)
			}
			if got := banner(t, res.body, "card"); got != "" {
				t.Fatalf("banner %q after turning cards back on", got)
			}
			if page := e.do(b, "GET", orderURL, "", nil); textOf(t, page.body, "card-stopped") != "" ||
				!strings.Contains(page.body, `/orders/`+pending.Order.Number+`/payment`) {
				t.Fatal("the order page does not offer the card payment again")
			}
		})
	})
}

func TestCheckoutSwitch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newCardEnv(t, d, payment.CaptureAutomatic)
		b := e.shopper()
		form := guestAddress(formValues(t, e.do(b, "GET", e.store.URL+"/checkout", "", nil).body, "/checkout/confirm"), "bank_transfer")
		e.setSwitch(switches.Checkout, false, "")

		t.Run("the catalogue and the cart stay open", func(t *testing.T) {
			for _, path := range []string{"/", "/products/dokudami-tea", "/category/hari", "/search?q=茶", "/cart"} {
				res := e.do(b, "GET", e.store.URL+path, "", nil)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("GET %s: %d", path, res.StatusCode)
				}
				if got := banner(t, res.body, "checkout"); !strings.Contains(got, "ご注文の受付を一時停止") {
					t.Errorf("GET %s: banner %q, want the standard sentence", path, got)
				}
			}
			add := formValues(t, e.do(b, "GET", e.store.URL+"/products/dokudami-tea", "", nil).body, "/cart/items")
			if res := e.form(b, "/cart/items", add); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("add to cart while checkout is stopped: %d", res.StatusCode)
			}
			cart := e.do(b, "GET", e.store.URL+"/cart", "", nil)
			if hasLinkTo(t, cart.body, "/checkout") || !strings.Contains(textOf(t, cart.body, "checkout-stopped"), "ご注文の受付を一時停止") {
				t.Fatal("the cart page still leads to checkout, or does not say why it does not")
			}
		})

		t.Run("the checkout pages refuse politely", func(t *testing.T) {
			if res := e.do(b, "GET", e.store.URL+"/checkout", "", nil); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/cart" {
				t.Fatalf("GET /checkout: %d to %q, want the cart", res.StatusCode, res.Header.Get("Location"))
			}
			res := e.form(b, "/checkout/confirm", form)
			if res.StatusCode != http.StatusServiceUnavailable {
				t.Fatalf("confirm: %d, want 503", res.StatusCode)
			}
			mustContain(t, text(parseHTML(t, res.body)), "ご注文の受付を一時停止", "カート")
			if n := e.count(`SELECT COUNT(*) FROM orders`); n != 0 {
				t.Fatalf("%d orders", n)
			}
		})

		t.Run("the API answers 503 unavailable; carts still work", func(t *testing.T) {
			id := e.newAPICart()
			v := decodeError(t, e.api("POST", "/api/v1/carts/"+id+"/checkout", checkoutBody("13", "bank_transfer")), http.StatusServiceUnavailable)
			if v.Error.Code != "unavailable" || !strings.Contains(v.Error.Message, "ご注文の受付を一時停止") || len(v.Error.Fields) != 0 {
				t.Fatalf("checkout by API: %+v", v.Error)
			}
			if n := e.count(`SELECT COUNT(*) FROM orders`); n != 0 {
				t.Fatalf("%d orders", n)
			}
		})

		t.Run("back on", func(t *testing.T) {
			e.setSwitch(switches.Checkout, true, "")
			if res := e.do(b, "GET", e.store.URL+"/checkout", "", nil); res.StatusCode != http.StatusOK {
				t.Fatalf("GET /checkout: %d", res.StatusCode)
			}
			if res := e.form(b, "/checkout/confirm", form); res.StatusCode != http.StatusOK {
				t.Fatalf("confirm: %d", res.StatusCode)
			}
		})
	})
}

func TestMaintenanceSwitch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newCardEnv(t, d, payment.CaptureAutomatic)
		// Paid on the provider's page during the maintenance: its webhook
		// must still be recorded.
		o := e.checkoutCard(teaSKU, 1)
		const notice = "システム点検のため、6月27日 10:00 まで休止いたします。"
		_, err := e.sw.Set(t.Context(), switches.Change{Name: switches.Maintenance, On: true, Banner: notice,
			BannerEn: "Closed for a system check until 27 June, 10:00 JST.", Reason: "database upgrade"}, audit.Actor{Name: audit.ActorCLI})
		if err != nil {
			t.Fatal(err)
		}
		b := e.browserClient()

		t.Run("pages answer 503 with the notice and Retry-After", func(t *testing.T) {
			for _, path := range []string{"/", "/products/dokudami-tea", "/cart", "/checkout", "/login", "/nope"} {
				res := e.do(b, "GET", e.store.URL+path, "", nil)
				if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") != "300" ||
					res.Header.Get("Cache-Control") != "no-store" {
					t.Fatalf("GET %s: %d Retry-After %q Cache-Control %q", path, res.StatusCode, res.Header.Get("Retry-After"), res.Header.Get("Cache-Control"))
				}
				page := textOf(t, res.body, "maintenance")
				if !strings.Contains(page, "メンテナンス") || !strings.Contains(page, "03-0000-0000") || banner(t, res.body, "maintenance") != notice {
					t.Fatalf("GET %s: page %q, banner %q", path, page, banner(t, res.body, "maintenance"))
				}
				if res.Header.Get("Content-Security-Policy") == "" {
					t.Errorf("GET %s: no CSP on the maintenance page", path)
				}
			}
			res := e.do(b, "GET", e.store.URL+"/?lang=en", "", nil)
			if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(textOf(t, res.body, "maintenance"), "Closed for maintenance") ||
				banner(t, res.body, "maintenance") != "Closed for a system check until 27 June, 10:00 JST." {
				t.Fatalf("English maintenance page: %d %s", res.StatusCode, res.body)
			}
			post := e.form(b, "/cart/items", url.Values{"sku": {teaSKU}, "quantity": {"1"}})
			if post.StatusCode != http.StatusServiceUnavailable {
				t.Fatalf("POST /cart/items: %d", post.StatusCode)
			}
		})

		t.Run("the API answers 503 unavailable with Retry-After", func(t *testing.T) {
			res := e.api("GET", "/api/v1/products", "")
			v := decodeError(t, res, http.StatusServiceUnavailable)
			if v.Error.Code != "unavailable" || !strings.Contains(v.Error.Message, "メンテナンス") || res.Header.Get("Retry-After") != "300" {
				t.Fatalf("API: %+v Retry-After %q", v.Error, res.Header.Get("Retry-After"))
			}
		})

		t.Run("the inquiry desk and the public notices stay open", func(t *testing.T) {
			if res := e.do(b, "GET", e.store.URL+"/contact", "", nil); res.StatusCode == http.StatusServiceUnavailable {
				t.Fatalf("GET /contact during maintenance: %d", res.StatusCode)
			}
			if res := e.do(b, "GET", e.store.URL+"/notices/1", "", nil); res.StatusCode == http.StatusServiceUnavailable {
				t.Fatalf("GET /notices/1 during maintenance: %d", res.StatusCode)
			}
		})

		t.Run("health check, CSP reports, files and webhooks stay up", func(t *testing.T) {
			if res := e.do(e.client, "GET", e.store.URL+"/healthz", "", nil); res.StatusCode != http.StatusOK {
				t.Fatalf("healthz: %d", res.StatusCode)
			}
			page := e.do(b, "GET", e.store.URL+"/", "", nil)
			var css string
			walk(parseHTML(t, page.body), func(n *html.Node) {
				if rel, _ := attr(n, "rel"); n.Data == "link" && rel == "stylesheet" && css == "" {
					css, _ = attr(n, "href")
				}
			})
			if res := e.do(b, "GET", e.store.URL+css, "", nil); css == "" || res.StatusCode != http.StatusOK {
				t.Fatalf("stylesheet %q of the maintenance page: %d", css, res.StatusCode)
			}
			report := `{"csp-report":{"document-uri":"` + e.store.URL + `/","violated-directive":"script-src","blocked-uri":"inline"}}`
			if res := e.do(e.client, "POST", e.store.URL+"/csp-report", "application/csp-report", strings.NewReader(report)); res.StatusCode >= 500 {
				t.Fatalf("csp-report: %d", res.StatusCode)
			}
			// The customer pays on the gateway's page; the gateway's webhook
			// reaches the store and the order is paid.
			e.payOnGateway(o.NextAction.URL, visa, "")
			testenv.WaitFor(t, 10*time.Second, "the order paid by its webhook during maintenance", func() bool {
				got, err := e.orders.Get(t.Context(), o.Order.Number)
				return err == nil && got.Status == order.Paid
			})
			if !strings.Contains(e.requests.all(), "POST /webhooks/"+gateway.Name) {
				t.Fatal("no webhook reached the store")
			}
		})

		t.Run("off: the store is back", func(t *testing.T) {
			e.setSwitch(switches.Maintenance, false, "")
			if res := e.do(b, "GET", e.store.URL+"/", "", nil); res.StatusCode != http.StatusOK || banner(t, res.body, "maintenance") != "" {
				t.Fatalf("GET / after maintenance: %d", res.StatusCode)
			}
		})
	})
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/throttle"
	"kaede/internal/web"
)

// limitedEnv is the store with the order limits on, as cmd/kaede wires it.
func limitedEnv(t *testing.T, d *db.DB) *testEnv {
	t.Helper()
	e := newEnv(t, d, func(_ *testEnv, _ *web.Config, deps *web.Deps) {
		deps.Checkout.UseLimiter(throttle.New(d))
	})
	e.seedDemo()
	return e
}

// apiFrom is an API call from the client at addr.
func (e *testEnv) apiFrom(addr, method, target, body string) *response {
	e.t.Helper()
	var req *http.Request
	if body == "" {
		req = httptest.NewRequest(method, target, nil)
	} else {
		req = httptest.NewRequest(method, target, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	}
	req.RemoteAddr = addr + ":40000"
	return e.browser().do(req)
}

// wantTooMany checks a polite 429 with a Retry-After.
func wantTooMany(t *testing.T, res *response) {
	t.Helper()
	got := decode[apiErr](t, res, http.StatusTooManyRequests)
	wait, err := strconv.Atoi(res.Header.Get("Retry-After"))
	if got.Error.Code != "too_many" || !strings.Contains(got.Error.Message, "しばらくしてから") || err != nil || wait < 1 {
		t.Fatalf("429 %+v, Retry-After %q", got.Error, res.Header.Get("Retry-After"))
	}
}

// The hoarding attack through the API: one address places unpaid bank
// transfers in a loop. It is stopped after the limit with a 429 and
// Retry-After; a customer at another address still buys.
func TestAPIOrderLimitStopsHoarding(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := limitedEnv(t, d)
		const attacker = "198.51.100.7"
		placed, refused := 0, 0
		var last *response
		for i := range 62 {
			res := e.apiFrom(attacker, "POST", "/api/v1/carts", "")
			if res.StatusCode == http.StatusTooManyRequests {
				refused++
				last = res
				continue
			}
			c := decode[apiCart](t, res, http.StatusCreated)
			decode[apiCart](t, e.apiFrom(attacker, "POST", "/api/v1/carts/"+c.ID+"/items", `{"sku":"`+teaSKU+`","quantity":5}`), http.StatusOK)
			body := strings.Replace(checkoutBody("13", "bank_transfer"), "buyer@example.jp", fmt.Sprintf("x%d@hoard.example", i), 1)
			res = e.apiFrom(attacker, "POST", "/api/v1/carts/"+c.ID+"/checkout", body)
			if res.StatusCode == http.StatusCreated {
				placed++
				continue
			}
			refused++
			last = res
		}
		t.Logf("62 tries from one address: %d orders placed, %d refused", placed, refused)
		if placed != 5 {
			t.Fatalf("placed %d, want 5", placed)
		}
		wantTooMany(t, last)
		c := decode[apiCart](t, e.apiFrom("203.0.113.9", "POST", "/api/v1/carts", ""), http.StatusCreated)
		decode[apiCart](t, e.apiFrom("203.0.113.9", "POST", "/api/v1/carts/"+c.ID+"/items", `{"sku":"`+teaSKU+`","quantity":2}`), http.StatusOK)
		decode[apiOrder](t, e.apiFrom("203.0.113.9", "POST", "/api/v1/carts/"+c.ID+"/checkout", checkoutBody("13", "bank_transfer")), http.StatusCreated)
	})
}

// Mail bombing through guest orders: ten orders to one victim's address
// from ten addresses queue only the limit's confirmations.
func TestAPIGuestOrdersToOneAddressAreCounted(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := limitedEnv(t, d)
		placed := 0
		for i := range 10 {
			addr := fmt.Sprintf("192.0.2.%d", 10+i)
			c := decode[apiCart](t, e.apiFrom(addr, "POST", "/api/v1/carts", ""), http.StatusCreated)
			decode[apiCart](t, e.apiFrom(addr, "POST", "/api/v1/carts/"+c.ID+"/items", `{"sku":"`+teaSKU+`","quantity":1}`), http.StatusOK)
			body := strings.Replace(checkoutBody("13", "cod"), "山田 太郎", "今すぐ http://evil.example へ", 1)
			body = strings.Replace(body, "buyer@example.jp", "Victim@Example.jp", 1)
			if res := e.apiFrom(addr, "POST", "/api/v1/carts/"+c.ID+"/checkout", body); res.StatusCode == http.StatusCreated {
				placed++
			} else {
				wantTooMany(t, res)
			}
		}
		var mails int
		if err := d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM mail_messages WHERE LOWER(to_addr) = 'victim@example.jp'`).Scan(&mails); err != nil {
			t.Fatal(err)
		}
		t.Logf("10 guest orders to one address: %d placed, %d e-mails queued", placed, mails)
		if placed != 3 || mails != 3 {
			t.Fatalf("placed %d, mails %d; want 3 and 3", placed, mails)
		}
	})
}

// Cart creation in a loop from one address: 429 with Retry-After after
// the limit, in the API and in the store; another address is not held up.
func TestCartCreationIsThrottled(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.seedDemo()
		created := 0
		var last *response
		for range 40 {
			res := e.apiFrom("198.51.100.8", "POST", "/api/v1/carts", "")
			if res.StatusCode == http.StatusCreated {
				created++
			}
			last = res
		}
		t.Logf("40 carts from one address: %d created", created)
		if created != 30 {
			t.Fatalf("created %d carts, want 30", created)
		}
		wantTooMany(t, last)
		decode[apiCart](t, e.apiFrom("198.51.100.9", "POST", "/api/v1/carts", ""), http.StatusCreated)

		// The store creates a cart with the first item; a client that
		// drops its cookie each time is stopped the same way.
		e.mountFormRoutes()
		var page *response
		for range 31 {
			b := e.browser()
			token := b.csrfToken()
			req := httptest.NewRequest(http.MethodPost, "/cart/items", strings.NewReader("csrf_token="+token+"&sku="+teaSKU+"&quantity=1"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.RemoteAddr = "198.51.100.10:40000"
			page = b.do(req)
		}
		if page.StatusCode != http.StatusTooManyRequests || page.Header.Get("Retry-After") == "" ||
			!strings.Contains(page.body, "しばらくしてから") {
			t.Fatalf("31st store cart: %d Retry-After %q\n%s", page.StatusCode, page.Header.Get("Retry-After"), page.body)
		}

		// The shop's own tamper monitor, with its pass, is not counted; a
		// wrong pass is.
		for pass, want := range map[string]int{web.MonitorPass([]byte(strings.Repeat("k", 32))): http.StatusSeeOther, "guess": http.StatusTooManyRequests} {
			b := e.browser()
			token := b.csrfToken()
			req := httptest.NewRequest(http.MethodPost, "/cart/items", strings.NewReader("csrf_token="+token+"&sku="+teaSKU+"&quantity=1"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set(web.MonitorHeader, pass)
			req.RemoteAddr = "198.51.100.10:40000"
			if res := b.do(req); res.StatusCode != want {
				t.Fatalf("pass %q: %d, want %d", pass[:5], res.StatusCode, want)
			}
		}
	})
}

// The hoarding attack through the store's form: one browser session
// orders by bank transfer again and again. After the session's limit the
// order button answers a polite 429 page with Retry-After, and no order
// is placed.
func TestStoreOrderLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := limitedEnv(t, d)
		b := e.browser()
		var codes []int
		var last *response
		for i := range 5 {
			add := formValues(t, b.get("/products/dokudami-tea").body, "/cart/items")
			add.Set("quantity", "2")
			if res := b.postForm("/cart/items", add); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("add %d: %d", i, res.StatusCode)
			}
			form := guestAddress(formValues(t, b.get("/checkout").body, "/checkout/confirm"), "bank_transfer")
			form.Set("email", fmt.Sprintf("x%d@hoard.example", i))
			res := b.postForm("/checkout/confirm", form)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("confirm %d: %d", i, res.StatusCode)
			}
			last = b.postForm("/checkout/place", formValues(t, res.body, "/checkout/place"))
			codes = append(codes, last.StatusCode)
		}
		t.Logf("5 orders from one session: %v", codes)
		if fmt.Sprint(codes) != "[303 303 303 429 429]" {
			t.Fatalf("statuses %v, want three orders then 429", codes)
		}
		if last.Header.Get("Retry-After") == "" || !strings.Contains(text(parseHTML(t, last.body)), "しばらくしてから") {
			t.Fatalf("429 page: Retry-After %q\n%s", last.Header.Get("Retry-After"), last.body)
		}
		if n := e.count(`SELECT COUNT(*) FROM orders`); n != 3 {
			t.Fatalf("%d orders, want 3", n)
		}
	})
}

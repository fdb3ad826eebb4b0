package web_test

import (
	"context"
	"database/sql"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/payment"
	"kaede/internal/settings"
)

// enableWallets turns konbini (fee ¥220, 3 days) and PayPay (fee ¥110) on
// in the shop's settings.
func (e *cardEnv) enableWallets() {
	e.t.Helper()
	ctx := context.Background()
	st, err := settings.Load(ctx, e.db)
	if err != nil {
		e.t.Fatal(err)
	}
	st.EnableKonbini, st.KonbiniFee, st.KonbiniExpiryDays = true, 220, 3
	st.EnablePayPay, st.PayPayFee = true, 110
	if err := e.db.Tx(ctx, func(tx *sql.Tx) error { return settings.Save(ctx, tx, st, e.clock()) }); err != nil {
		e.t.Fatal(err)
	}
}

// pressOnGateway loads the gateway's page at pageURL, posts the form
// whose action ends in action, and returns where the gateway sends the
// browser.
func (e *cardEnv) pressOnGateway(pageURL, action string) string {
	e.t.Helper()
	page := e.do(e.client, "GET", pageURL, "", nil)
	if page.StatusCode != http.StatusOK {
		e.t.Fatalf("gateway page %d: %s", page.StatusCode, page.body)
	}
	var target string
	fields := url.Values{}
	walk(parseHTML(e.t, page.body), func(n *html.Node) {
		if a, _ := attr(n, "action"); n.Data == "form" && strings.HasSuffix(a, "/"+action) && target == "" {
			target = a
			walk(n, func(in *html.Node) {
				if name, _ := attr(in, "name"); name == "csrf_token" {
					v, _ := attr(in, "value")
					fields.Set(name, v)
				}
			})
		}
	})
	if target == "" {
		e.t.Fatalf("no %s button on %s", action, page.body)
	}
	res := e.do(e.client, "POST", resolve(pageURL, target), "application/x-www-form-urlencoded", strings.NewReader(fields.Encode()))
	if res.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("%s: %d %s", action, res.StatusCode, res.body)
	}
	return resolve(pageURL, res.Header.Get("Location"))
}

// TestKonbiniThroughTheStore: a konbini order placed through the API is
// sent to the gateway's voucher page; the store's order page shows the
// payment number and the deadline; the clerk's button at the gateway
// pays it, and the gateway's webhook makes the order paid.
func TestKonbiniThroughTheStore(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newCardEnv(t, d, payment.CaptureAutomatic)
		e.enableWallets()
		o := e.checkoutVia(e.client, e.store.URL, "konbini", teaSKU, 1)
		if o.Order.Status != "awaiting_payment" || o.NextAction == nil || !strings.HasPrefix(o.NextAction.URL, e.gwServer.URL+"/pay/") {
			t.Fatalf("placed: %+v next %+v", o.Order, o.NextAction)
		}
		voucher := e.do(e.client, "GET", o.NextAction.URL, "", nil).body
		m := regexp.MustCompile(`id="voucher-number">([0-9]{11})<`).FindStringSubmatch(voucher)
		if m == nil {
			t.Fatalf("no payment number on the voucher page:\n%s", voucher)
		}
		page := e.do(e.client, "GET", e.store.URL+"/orders/"+o.Order.Number+"?token="+url.QueryEscape(o.Order.AccessToken), "", nil)
		mustContain(t, text(parseHTML(t, page.body)), "お支払い番号", m[1], "2026-11-28 23:59", "コンビニ決済手数料（税込）", "¥220")

		if to := e.pressOnGateway(o.NextAction.URL, "clerk"); to != o.NextAction.URL {
			t.Fatalf("after the till: %q", to)
		}
		e.waitStatus(o, "paid")
		if got := e.getOrder(o); got.Order.Payment.Method != "konbini" || got.Order.Payment.State != "captured" {
			t.Fatalf("payment %+v", got.Order.Payment)
		}
	})
}

// TestPayPayThroughTheStore: a PayPay order goes to the gateway's PayPay
// page; approving it brings the customer back to the store, paid.
func TestPayPayThroughTheStore(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newCardEnv(t, d, payment.CaptureAutomatic)
		e.enableWallets()
		o := e.checkoutVia(e.client, e.store.URL, "paypay", teaSKU, 1)
		if o.NextAction == nil || !strings.HasPrefix(o.NextAction.URL, e.gwServer.URL+"/pay/") {
			t.Fatalf("placed: next %+v", o.NextAction)
		}
		back := e.pressOnGateway(o.NextAction.URL, "approve")
		if !strings.HasPrefix(back, e.store.URL+"/orders/"+o.Order.Number+"/payment") {
			t.Fatalf("after approving: %q", back)
		}
		res := e.do(e.client, "GET", back, "", nil)
		if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "/complete") {
			t.Fatalf("return: %d %q", res.StatusCode, loc)
		}
		e.waitStatus(o, "paid")
	})
}

// TestTokushohoListsKonbiniAndPayPay: with the provider and the settings,
// the 特定商取引法 page lists konbini and PayPay with their fees.
func TestTokushohoListsKonbiniAndPayPay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newCardEnv(t, d, payment.CaptureAutomatic)
		e.enableWallets()
		res := e.do(e.client, "GET", e.store.URL+"/legal/tokushoho", "", nil)
		var methods []string
		walk(parseHTML(t, res.body), func(n *html.Node) {
			if m, ok := attr(n, "data-method"); ok {
				methods = append(methods, m)
			}
		})
		if got := strings.Join(methods, " "); got != "bank_transfer cod card konbini paypay" {
			t.Fatalf("payment methods listed: %q", got)
		}
		mustContain(t, text(parseHTML(t, res.body)), "コンビニ決済手数料（税込）：¥220", "PayPay決済手数料（税込）：¥110",
			"3日以内（最終日の23時59分まで）")
	})
}

package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserKonbini: in the demo, a shopper chooses コンビニ決済, places the
// order and lands on the test gateway's voucher (its own origin) with an
// 11-digit payment number and the expiry; the clerk's button takes the
// money; back at the shop the order is paid.
func TestBrowserKonbini(t *testing.T) {
	chromiumPath(t)
	eachDatabase(t, func(t *testing.T, cfg Config) {
		m, _, gw := startCardStore(t, cfg)
		base := m.URL()
		p := buyableProduct(t, base)
		b := newBrowser(t, 60*time.Second)
		b.watchCSP(t)

		toConfirmationPaidBy(t, b, base, p, "konbini", nil)
		if got := eval[string](t, b, `document.querySelector('.confirm').textContent`); !strings.Contains(got, "23時59分までに") {
			t.Errorf("the confirmation screen does not give the payment deadline: %q", got)
		}
		placeOrder(t, b)
		if got := eval[string](t, b, `location.origin`); got != gw {
			t.Fatalf("voucher page origin %s, want the gateway's %s", got, gw)
		}
		number := eval[string](t, b, `document.getElementById('voucher-number').textContent`)
		if !regexp.MustCompile(`^[0-9]{11}$`).MatchString(number) {
			t.Fatalf("payment number %q, want 11 digits", number)
		}
		if got := eval[string](t, b, `document.getElementById('voucher-expires').textContent`); !strings.Contains(got, "23:59") {
			t.Fatalf("expiry %q, want the end of a day", got)
		}
		voucher := b.location(t)

		b.navigate(t, "the clerk takes the money", chromedp.Click(chromedp.ID("clerk-pay")))
		if got := b.location(t); got != voucher {
			t.Fatalf("after the till at %s, want the voucher's page %s", got, voucher)
		}
		if got := eval[string](t, b, `document.getElementById('result').textContent`); !strings.Contains(got, "お支払いが完了しました") {
			t.Fatalf("the voucher page says %q after the till", got)
		}

		// Back to the shop: its return asks the gateway, so the order is
		// paid whether or not the webhook came first.
		b.navigate(t, "return to the shop", chromedp.Click(chromedp.ID("back")))
		if loc := b.location(t); !sameOrigin(loc, base) || !strings.Contains(loc, "/complete") {
			t.Fatalf("back at %s, want the shop's complete page", loc)
		}
		if got := eval[string](t, b, `document.getElementById('card-paid')?.textContent ?? ''`); !strings.Contains(got, "お支払いが完了しました") {
			t.Fatalf("the complete page says %q", got)
		}
		if v := cspViolations(t, b); len(v) > 0 {
			t.Fatalf("CSP violations: %v", v)
		}
	})
}

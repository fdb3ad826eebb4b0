package web_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/edge"
	"kaede/internal/payment"
)

// clientFrom is an HTTP client whose connections leave from the loopback
// address ip (127.0.0.0/8 is all loopback on Linux), so that the server
// sees a distinct customer.
func clientFrom(t *testing.T, ip string) *http.Client {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{Timeout: 10 * time.Second,
		Transport:     &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// TestCardLimitsBehindProxy runs the store behind a real reverse proxy on
// 127.0.0.1, which the store trusts, and sends card checkouts through it
// from two customers (127.0.0.2 and 127.0.0.3). The proxy appends the
// address it heard from to X-Forwarded-For, as nginx's
// $proxy_add_x_forwarded_for does. Each customer is held to the per-address
// limit (10 card attempts an hour) on its own: the first customer's
// eleventh attempt is refused, the second's first is not. A client that
// writes its own X-Forwarded-For changes nothing, behind the proxy or
// talking to the store directly.
func TestCardLimitsBehindProxy(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newCardEnvBehind(t, d, payment.CaptureAutomatic, edge.Proxies{netip.MustParsePrefix("127.0.0.1/32")})
		storeURL, err := url.Parse(e.store.URL)
		if err != nil {
			t.Fatal(err)
		}
		proxy := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(storeURL)
			// Rewrite starts without the inbound X-Forwarded-For; keep
			// it, and append the peer.
			pr.Out.Header["X-Forwarded-For"] = pr.In.Header["X-Forwarded-For"]
			pr.SetXForwarded()
		}})
		t.Cleanup(proxy.Close)
		first, second := clientFrom(t, "127.0.0.2"), clientFrom(t, "127.0.0.3")

		for i := range 10 {
			// The first customer claims a new address every time.
			o := e.checkoutCardVia(first, proxy.URL, teaSKU, 1, "X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i+1))
			if o.NextAction == nil {
				t.Fatalf("first customer's attempt %d refused", i+1)
			}
		}
		if o := e.checkoutCardVia(first, proxy.URL, teaSKU, 1); o.NextAction != nil {
			t.Fatal("first customer's eleventh attempt within the hour was not refused")
		}
		if o := e.checkoutCardVia(second, proxy.URL, teaSKU, 1); o.NextAction == nil {
			t.Fatal("second customer behind the same proxy refused: limited with the first")
		}
		if got := e.count(`SELECT COUNT(*) FROM fraud_attempts WHERE ip = '127.0.0.2'`); got != 11 {
			t.Errorf("attempts recorded for 127.0.0.2: %d, want 11", got)
		}
		if got := e.count(`SELECT COUNT(*) FROM fraud_attempts WHERE ip = '127.0.0.1' OR ip LIKE '198.51.100.%'`); got != 0 {
			t.Errorf("%d attempts recorded under the proxy's or a claimed address", got)
		}

		// Without a trusted proxy in between, the header is the client's
		// own writing and is ignored.
		direct := clientFrom(t, "127.0.0.4")
		for i := range 10 {
			o := e.checkoutCardVia(direct, e.store.URL, teaSKU, 1, "X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i+1))
			if o.NextAction == nil {
				t.Fatalf("direct client's attempt %d refused", i+1)
			}
		}
		if o := e.checkoutCardVia(direct, e.store.URL, teaSKU, 1, "X-Forwarded-For", "203.0.113.99"); o.NextAction != nil {
			t.Fatal("direct client dodged the limit with a forged X-Forwarded-For")
		}
		if got := e.count(`SELECT COUNT(*) FROM fraud_attempts WHERE ip = '127.0.0.4'`); got != 11 {
			t.Errorf("attempts recorded for 127.0.0.4: %d, want 11", got)
		}
	})
}

package gateway_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"kaede/internal/payment"
)

func TestCardFormFields(t *testing.T) {
	h := newHarness(t)
	sess := h.create(t, payment.CaptureAutomatic)
	p := h.get(t, sess.RedirectURL)
	if got := strings.TrimSpace(text(byID(p.doc, "order"))); got != "K-20260310-0001" {
		t.Fatalf("order=%q, want the shop's order number", got)
	}
	if got := strings.TrimSpace(text(byID(p.doc, "amount"))); got != "¥4,980" {
		t.Fatalf("amount=%q, want ¥4,980", got)
	}
	want := map[string]string{"name": "cc-name", "number": "cc-number", "expiry": "cc-exp", "csc": "cc-csc"}
	for name, ac := range want {
		in := byID(p.doc, name)
		if in == nil || attr(in, "name") != name {
			t.Fatalf("no input %q", name)
		}
		if got := attr(in, "autocomplete"); got != ac {
			t.Errorf("%s autocomplete=%q, want %q", name, got, ac)
		}
		if name != "name" && attr(in, "inputmode") != "numeric" {
			t.Errorf("%s inputmode=%q, want numeric", name, attr(in, "inputmode"))
		}
		if attr(in, "value") != "" {
			t.Errorf("%s has a value", name)
		}
	}
}

var nonceRe = regexp.MustCompile(`'nonce-([A-Za-z0-9+/=]+)'`)

// TestCardPageHeaders checks the page's policy as a browser receives it.
func TestCardPageHeaders(t *testing.T) {
	h := newHarness(t)
	sess := h.create(t, payment.CaptureAutomatic)
	p := h.get(t, sess.RedirectURL)
	csp := p.res.Header.Get("Content-Security-Policy")
	m := nonceRe.FindStringSubmatch(csp)
	if m == nil {
		t.Fatalf("CSP %q has no nonce", csp)
	}
	for _, bad := range []string{"unsafe-inline", "unsafe-eval", "*", "data:"} {
		if strings.Contains(csp, bad) {
			t.Errorf("CSP %q allows %s", csp, bad)
		}
	}
	storeOrigin := h.store.srv.URL
	for _, want := range []string{"default-src 'none'", "script-src 'none'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self' " + storeOrigin} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if got := p.res.Header.Get("X-Frame-Options"); got != "DENY" {
		t.Errorf("X-Frame-Options=%q", got)
	}
	if got := p.res.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control=%q", got)
	}
	// Every <style> carries the nonce; no script, no inline handler, no
	// style attribute anywhere.
	walk(p.doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		switch n.Data {
		case "script":
			t.Errorf("card page has a <script>")
		case "style":
			if attr(n, "nonce") != m[1] {
				t.Errorf("<style nonce=%q>, want %q", attr(n, "nonce"), m[1])
			}
		}
		for _, a := range n.Attr {
			if strings.HasPrefix(a.Key, "on") || a.Key == "style" {
				t.Errorf("<%s %s=…> runs inline", n.Data, a.Key)
			}
		}
	})
	// A fresh nonce on every response.
	if again := nonceRe.FindStringSubmatch(h.get(t, sess.RedirectURL).res.Header.Get("Content-Security-Policy")); again[1] == m[1] {
		t.Error("nonce repeated")
	}
}

func TestCardValidationNamesField(t *testing.T) {
	good := map[string]string{"name": "HANAKO YAMADA", "number": "4242 4242 4242 4242", "expiry": testExpiry, "csc": testCSC}
	tests := []struct {
		name, field, value, wantField string
	}{
		{"luhn", "number", "4242 4242 4242 4241", "number"},
		{"letters", "number", "4242 4242 abcd 4242", "number"},
		{"short", "number", "4242 4242", "number"},
		{"empty number", "number", "", "number"},
		{"amex length", "number", "3782 8224 6310 0052", "number"},
		{"month 13", "expiry", "13/30", "expiry"},
		{"month 0", "expiry", "00/30", "expiry"},
		{"past year", "expiry", "12/25", "expiry"},
		{"last month", "expiry", "02/26", "expiry"},
		{"garbled expiry", "expiry", "11-37x", "expiry"},
		{"far future", "expiry", "01/99", "expiry"},
		{"csc short", "csc", "12", "csc"},
		{"csc letters", "csc", "12a", "csc"},
		{"csc 4 for visa", "csc", "1234", "csc"},
		{"no name", "name", "  ", "name"},
	}
	h := newHarness(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sess := h.create(t, payment.CaptureAutomatic)
			p := h.get(t, sess.RedirectURL)
			fields := map[string]string{}
			for k, v := range good {
				fields[k] = v
			}
			fields[tt.field] = tt.value
			got := h.submit(t, p, "/pay/"+sess.Ref, fields)
			assertFieldError(t, got, tt.wantField)
			if st := h.status(t, sess.Ref); st.State != payment.Pending || st.Last4 != "" {
				t.Fatalf("state=%s last4=%q after a form error, want pending and no card", st.State, st.Last4)
			}
		})
	}
	t.Run("amex needs 4", func(t *testing.T) {
		sess := h.create(t, payment.CaptureAutomatic)
		got := h.submit(t, h.get(t, sess.RedirectURL), "/pay/"+sess.Ref, map[string]string{"name": "A B", "number": "378282246310005", "expiry": testExpiry, "csc": "123"})
		assertFieldError(t, got, "csc")
	})
	t.Run("this month is valid", func(t *testing.T) {
		sess := h.create(t, payment.CaptureAutomatic)
		got := h.submit(t, h.get(t, sess.RedirectURL), "/pay/"+sess.Ref, map[string]string{"name": "A B", "number": "4242424242424242", "expiry": "03/26", "csc": "123"})
		if got.res.Request.URL.Path != "/return" {
			t.Fatalf("expiry 03/26 on 10 March 2026: at %s, want the shop", got.res.Request.URL)
		}
	})
}

// assertFieldError wants a 422 card page that marks field, and only field.
func assertFieldError(t *testing.T, p page, field string) {
	t.Helper()
	if p.res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status=%d, want 422", p.res.StatusCode)
	}
	for _, f := range []string{"name", "number", "expiry", "csc"} {
		el := byID(p.doc, f+"-error")
		if (el != nil) != (f == field) {
			t.Fatalf("%s-error present=%v, want only %s:\n%s", f, el != nil, field, p.body)
		}
		if in := byID(p.doc, f); (attr(in, "aria-invalid") == "true") != (f == field) {
			t.Fatalf("%s aria-invalid=%q", f, attr(in, "aria-invalid"))
		}
	}
	if strings.TrimSpace(text(byID(p.doc, field+"-error"))) == "" {
		t.Fatalf("%s-error is empty", field)
	}
}

func TestCardFormCSRF(t *testing.T) {
	h := newHarness(t)
	sess := h.create(t, payment.CaptureAutomatic)
	other := h.create(t, payment.CaptureAutomatic)
	otherPage := h.get(t, other.RedirectURL)
	otherToken := ""
	walk(findForm(otherPage.doc, "/pay/"+other.Ref), func(n *html.Node) {
		if attr(n, "name") == "csrf_token" {
			otherToken = attr(n, "value")
		}
	})
	card := url.Values{"name": {"A B"}, "number": {"4242424242424242"}, "expiry": {testExpiry}, "csc": {testCSC}}
	for name, token := range map[string]string{"missing": "", "another payment's": otherToken, "garbage": "xyz"} {
		v := url.Values{}
		for k, vs := range card {
			v[k] = vs
		}
		if token != "" {
			v.Set("csrf_token", token)
		}
		res, err := h.browser.PostForm(sess.RedirectURL, v)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Fatalf("%s token: status=%d, want 403", name, res.StatusCode)
		}
	}
	// A cross-site post is refused even with the right token.
	p := h.get(t, sess.RedirectURL)
	v := url.Values{}
	walk(findForm(p.doc, "/pay/"+sess.Ref), func(n *html.Node) {
		if attr(n, "name") == "csrf_token" {
			v.Set("csrf_token", attr(n, "value"))
		}
	})
	for k, vs := range card {
		v[k] = vs
	}
	req, _ := http.NewRequest(http.MethodPost, sess.RedirectURL, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	res, err := h.browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site post: status=%d, want 403", res.StatusCode)
	}
	if st := h.status(t, sess.Ref); st.State != payment.Pending {
		t.Fatalf("state=%s, want pending", st.State)
	}
}

func TestUnknownPaymentPage(t *testing.T) {
	h := newHarness(t)
	for _, path := range []string{"/pay/pay_nope", "/3ds/pay_nope"} {
		p := h.get(t, h.srv.URL+path)
		if p.res.StatusCode != http.StatusNotFound {
			t.Fatalf("%s: status=%d, want 404", path, p.res.StatusCode)
		}
	}
}

package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// skimmer is what a changed page would carry: an inline script and one
// from another origin, neither in the script inventory.
const skimmer = `<script>window.__skimmed = 1</script><script src="https://evil.example/s.js"></script>`

// TestBrowserUnlistedScriptOnPaymentPage puts a proxy that adds a
// skimmer to every HTML page between the browser and the store, as an
// attacker holding a CDN or a reverse proxy would, and opens the payment
// pages through it: the policy those pages carry, derived from the script
// inventory, lets no script run, so the skimmer does not execute and the
// browser raises a violation for each of its scripts.
func TestBrowserUnlistedScriptOnPaymentPage(t *testing.T) {
	chromiumPath(t)
	m, _ := startLogged(t, Config{DataDir: t.TempDir()})
	target, err := url.Parse(m.URL())
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(res *http.Response) error {
		if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			return nil
		}
		body, err := io.ReadAll(res.Body)
		if err != nil {
			return err
		}
		res.Body.Close()
		body = bytes.Replace(body, []byte("</body>"), []byte(skimmer+"</body>"), 1)
		res.Body = io.NopCloser(bytes.NewReader(body))
		res.ContentLength = int64(len(body))
		res.Header.Set("Content-Length", strconv.Itoa(len(body)))
		return nil
	}
	front := httptest.NewServer(proxy)
	t.Cleanup(front.Close)

	b := newBrowser(t, 60*time.Second)
	b.watchCSP(t)
	for _, path := range []string{"/cart", "/checkout"} {
		res := b.navigate(t, "open "+path+" through the proxy", chromedp.Navigate(front.URL+path))
		if res.Status != http.StatusOK {
			t.Fatalf("%s: status %d", path, res.Status)
		}
		if !eval[bool](t, b, `document.documentElement.outerHTML.includes('window.__skimmed')`) {
			t.Fatalf("%s: the proxy did not inject the skimmer", path)
		}
		csp := header(res, "Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'none'") {
			t.Errorf("%s: CSP %q, want script-src 'none'", path, csp)
		}
		deadline := time.Now().Add(5 * time.Second)
		for len(cspViolations(t, b)) < 2 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		v := cspViolations(t, b)
		joined := strings.Join(v, "\n")
		if len(v) < 2 || !strings.Contains(joined, "script-src-elem inline") || !strings.Contains(joined, "script-src-elem https://evil.example/s.js") {
			t.Errorf("%s: violations %q, want the inline script and evil.example's refused", path, v)
		}
		if got := eval[string](t, b, `typeof window.__skimmed`); got != "undefined" {
			t.Errorf("%s: window.__skimmed is a %s: the unlisted script ran", path, got)
		}
	}
}

package web_test

import (
	"crypto/sha512"
	"encoding/base64"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
)

var nonceRe = regexp.MustCompile(`script-src 'nonce-([A-Za-z0-9+/=]+)';`)

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		b := e.browser()
		paths := []string{"/legal/tokushoho", "/legal/privacy", "/legal/terms", "/no-such-page",
			"/healthz", "/api/no-such-thing", "/media/needle.png", "/media/secret.txt"}
		seen := map[string]bool{}
		for _, p := range paths {
			res := b.get(p)
			h := res.Header
			csp := h.Get("Content-Security-Policy")
			if csp == "" {
				t.Fatalf("%s: no Content-Security-Policy", p)
			}
			if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
				t.Errorf("%s: CSP allows unsafe code: %s", p, csp)
			}
			want := map[string]string{
				"X-Content-Type-Options":     "nosniff",
				"X-Frame-Options":            "DENY",
				"Cross-Origin-Opener-Policy": "same-origin",
				"Strict-Transport-Security":  "max-age=63072000; includeSubDomains",
			}
			for k, v := range want {
				if got := h.Get(k); got != v {
					t.Errorf("%s: %s=%q, want %q", p, k, got, v)
				}
			}
			if got := h.Get("Permissions-Policy"); !strings.Contains(got, "camera=()") || !strings.Contains(got, "payment=()") {
				t.Errorf("%s: Permissions-Policy=%q", p, got)
			}
			if strings.HasPrefix(p, "/media/") {
				if !strings.HasPrefix(csp, "default-src 'none'") {
					t.Errorf("%s: media CSP=%q, want default-src 'none'", p, csp)
				}
				continue
			}
			m := nonceRe.FindStringSubmatch(csp)
			if m == nil {
				t.Fatalf("%s: no nonce in CSP %q", p, csp)
			}
			if seen[m[1]] {
				t.Errorf("%s: nonce %s reused", p, m[1])
			}
			seen[m[1]] = true
			for _, directive := range []string{"default-src 'self'", "style-src 'self'", "img-src 'self' data:",
				"form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'", "object-src 'none'",
				"report-uri /csp-report", "report-to csp"} {
				if !strings.Contains(csp, directive) {
					t.Errorf("%s: CSP lacks %q: %s", p, directive, csp)
				}
			}
			if got := h.Get("Reporting-Endpoints"); got != `csp="https://shop.example/csp-report"` {
				t.Errorf("%s: Reporting-Endpoints=%q", p, got)
			}
		}
	})
}

func TestCacheControl(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.mountFormRoutes()
		b := e.browser()
		if got := b.get("/legal/terms").Header.Get("Cache-Control"); got != "private, no-cache" {
			t.Errorf("public page Cache-Control=%q, want private, no-cache", got)
		}
		if got := b.get("/api/carts/x").Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("API Cache-Control=%q, want no-store", got)
		}
		token := b.csrfToken()
		res := b.postForm("/logout", map[string][]string{"csrf_token": {token}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout status=%d, want 303", res.StatusCode)
		}
		if got := res.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("private route Cache-Control=%q, want no-store", got)
		}
		e.srv.MountForTest("secret", "GET /test/orders/{number}", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("order"))
		})
		res = b.get("/test/orders/K1?token=abc")
		if got := res.Header.Get("Referrer-Policy"); got != "no-referrer" {
			t.Errorf("token page Referrer-Policy=%q, want no-referrer", got)
		}
		if got := res.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("token page Cache-Control=%q, want no-store", got)
		}
		if got := b.get("/legal/terms").Header.Get("Referrer-Policy"); got != "strict-origin-when-cross-origin" {
			t.Errorf("page Referrer-Policy=%q", got)
		}
		static := b.get(staticURL(t, b))
		if got := static.Header.Get("Cache-Control"); !strings.Contains(got, "immutable") {
			t.Errorf("static Cache-Control=%q, want a long immutable cache", got)
		}
	})
}

// staticURL returns the stylesheet's URL as the layout links it.
func staticURL(t *testing.T, b *browser) string {
	t.Helper()
	doc := parseHTML(t, b.get("/legal/terms").body)
	var href string
	walk(doc, func(n *html.Node) {
		if rel, _ := attr(n, "rel"); n.Data == "link" && rel == "stylesheet" {
			href, _ = attr(n, "href")
		}
	})
	if href == "" {
		t.Fatal("no stylesheet link")
	}
	return href
}

func TestPagesLoadOnlyVerifiedAssets(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		b := e.browser()
		for _, p := range []string{"/legal/tokushoho", "/legal/privacy?lang=en", "/legal/terms", "/no-such-page"} {
			res := b.get(p)
			nonce := nonceRe.FindStringSubmatch(res.Header.Get("Content-Security-Policy"))[1]
			doc := parseHTML(t, res.body)
			stylesheets := 0
			walk(doc, func(n *html.Node) {
				for _, a := range n.Attr {
					if a.Key == "style" || strings.HasPrefix(a.Key, "on") {
						t.Errorf("%s: <%s %s> is inline code or style", p, n.Data, a.Key)
					}
					if (a.Key == "href" || a.Key == "src" || a.Key == "action") && strings.HasPrefix(strings.ToLower(a.Val), "javascript:") {
						t.Errorf("%s: <%s %s=%q>", p, n.Data, a.Key, a.Val)
					}
				}
				switch n.Data {
				case "style":
					t.Errorf("%s: inline <style> element", p)
				case "script":
					if got, _ := attr(n, "nonce"); got != nonce {
						t.Errorf("%s: <script> nonce=%q, want %q", p, got, nonce)
					}
					if src, ok := attr(n, "src"); ok {
						if _, ok := attr(n, "integrity"); !ok {
							t.Errorf("%s: <script src=%q> has no integrity", p, src)
						}
					} else if strings.TrimSpace(text(n)) != "" {
						t.Errorf("%s: inline script", p)
					}
				case "link":
					if rel, _ := attr(n, "rel"); rel != "stylesheet" {
						return
					}
					stylesheets++
					href, _ := attr(n, "href")
					integrity, ok := attr(n, "integrity")
					if !ok {
						t.Fatalf("%s: stylesheet %s has no integrity", p, href)
					}
					css := b.get(href)
					if css.StatusCode != http.StatusOK || !strings.HasPrefix(css.Header.Get("Content-Type"), "text/css") {
						t.Fatalf("%s: %s: status %d type %q", p, href, css.StatusCode, css.Header.Get("Content-Type"))
					}
					sum := sha512.Sum384([]byte(css.body))
					if want := "sha384-" + base64.StdEncoding.EncodeToString(sum[:]); integrity != want {
						t.Errorf("%s: integrity=%s, want %s (the served file)", p, integrity, want)
					}
				}
			})
			if stylesheets != 2 {
				t.Errorf("%s: %d stylesheets, want 2 (the shared base.css and kaede.css)", p, stylesheets)
			}
		}
	})
}

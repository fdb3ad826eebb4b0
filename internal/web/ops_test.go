package web_test

import (
	"net/http"
	"strings"
	"testing"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
)

func TestHealthz(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		res := newEnv(t, d).browser().get("/healthz")
		if res.StatusCode != 200 || strings.TrimSpace(res.body) != "ok" {
			t.Fatalf("healthz: %d %q", res.StatusCode, res.body)
		}
	})
}

func TestCSPReport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		b := e.browser()
		old := `{"csp-report":{"document-uri":"https://shop.example/checkout?token=SECRET1","violated-directive":"script-src-elem",
			"effective-directive":"script-src-elem","blocked-uri":"https://evil.example/skim.js?card=SECRET2"}}`
		res := b.do(newRequest(http.MethodPost, "/csp-report", strings.NewReader(old), "application/csp-report"))
		if res.StatusCode != http.StatusNoContent {
			t.Fatalf("csp-report: %d", res.StatusCode)
		}
		modern := `[{"type":"csp-violation","url":"https://shop.example/cart","body":{"documentURL":"https://shop.example/cart",
			"effectiveDirective":"style-src-attr","blockedURL":"inline","disposition":"enforce"}}]`
		// Reports come without a session or a CSRF token, maybe cross-site.
		b.header.Set("Sec-Fetch-Site", "cross-site")
		res = b.do(newRequest(http.MethodPost, "/csp-report", strings.NewReader(modern), "application/reports+json"))
		if res.StatusCode != http.StatusNoContent {
			t.Fatalf("reports+json: %d", res.StatusCode)
		}
		logs := e.log.String()
		for _, want := range []string{"directive=script-src-elem", "blocked=https://evil.example/skim.js", "directive=style-src-attr", "blocked=inline"} {
			if !strings.Contains(logs, want) {
				t.Errorf("log lacks %q:\n%s", want, logs)
			}
		}
		if strings.Contains(logs, "SECRET") {
			t.Errorf("query strings of reported URLs logged:\n%s", logs)
		}

		for body, ctype := range map[string]string{"{": "application/csp-report", "x": "text/plain"} {
			if res := b.do(newRequest(http.MethodPost, "/csp-report", strings.NewReader(body), ctype)); res.StatusCode/100 != 4 {
				t.Errorf("bad report %q %s: %d, want 4xx", body, ctype, res.StatusCode)
			}
		}
		big := `{"csp-report":{"blocked-uri":"` + strings.Repeat("a", 70<<10) + `"}}`
		if res := b.do(newRequest(http.MethodPost, "/csp-report", strings.NewReader(big), "application/csp-report")); res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("oversized report: %d, want 413", res.StatusCode)
		}

		limited := false
		for range 30 {
			res := b.do(newRequest(http.MethodPost, "/csp-report", strings.NewReader(old), "application/csp-report"))
			if res.StatusCode == http.StatusTooManyRequests {
				limited = true
				break
			}
		}
		if !limited {
			t.Error("a noisy client is never slowed down")
		}
		e.advance(2 * 60e9)
		if res := b.do(newRequest(http.MethodPost, "/csp-report", strings.NewReader(old), "application/csp-report")); res.StatusCode != http.StatusNoContent {
			t.Errorf("after a minute: %d, want 204", res.StatusCode)
		}
	})
}

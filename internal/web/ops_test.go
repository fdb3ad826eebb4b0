package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/secevent"
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
		// Each violation is a security event: critical on a payment page.
		// A repeat counts on the same event.
		b.do(newRequest(http.MethodPost, "/csp-report", strings.NewReader(old), "application/csp-report"))
		about := `{"csp-report":{"document-uri":"https://shop.example/about","effective-directive":"img-src","blocked-uri":"https://img.example/x.png"}}`
		b.do(newRequest(http.MethodPost, "/csp-report", strings.NewReader(about), "application/csp-report"))
		evs, err := secevent.NewStore(d, nil).List(context.Background(), secevent.Filter{Kind: secevent.KindCSPViolation})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, ev := range evs {
			got[ev.Target] = fmt.Sprintf("%s×%d", ev.Severity, ev.Count)
			if strings.Contains(ev.Target+ev.Summary+ev.Detail, "SECRET") {
				t.Errorf("event keeps a query string: %+v", ev)
			}
		}
		want := map[string]string{
			"/checkout script-src-elem https://evil.example/skim.js": "critical×2",
			"/cart style-src-attr inline":                            "critical×1",
			"/about img-src https://img.example/x.png":               "warning×1",
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("csp events=%v, want %v", got, want)
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

package admin_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/secevent"
	"kaede/internal/shop"
	"kaede/internal/staff"
)

func TestSecurityPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		owner, _ := e.enrol("owner@example.jp", staff.Owner)
		auditor, _ := e.enrol("auditor@example.jp", staff.Auditor)
		owner.login("owner@example.jp")
		auditor.login("auditor@example.jp")
		events := secevent.NewStore(d, e.clock.Now)
		r, err := events.Raise(e.ctx, secevent.Signal{Kind: secevent.KindCSPViolation, Severity: secevent.Critical,
			Source: "csp-report", Target: "/checkout script-src https://evil.example/s.js",
			Summary: "<script>alert(1)</script> blocked"})
		if err != nil {
			t.Fatal(err)
		}

		res := owner.get("/admin/security")
		wantStatus(t, res, http.StatusOK)
		table := find(res.Doc, byID("open-events"))
		if table == nil || !strings.Contains(textOf(table), "/checkout script-src") {
			t.Fatalf("open events table missing or without the event:\n%s", res.Body)
		}
		if strings.Contains(res.Body, "<script>alert(1)") {
			t.Error("an event's summary reached the page as markup")
		}
		controls := map[string]string{}
		walk(find(res.Doc, byID("controls")), func(n *html.Node) {
			if n.Type == html.ElementNode && n.Data == "li" {
				controls[textOf(n)] = attr(n, "data-ok")
			}
		})
		var monitor, tls string
		for text, ok := range controls {
			if strings.Contains(text, "not configured") {
				monitor = ok
			}
			if strings.Contains(text, "https://shop.test") {
				tls = ok
			}
		}
		if monitor != "false" || tls != "true" {
			t.Errorf("controls=%v: want the monitor red (not configured) and TLS green", controls)
		}
		if find(res.Doc, func(n *html.Node) bool { return n.Type == html.ElementNode && n.Data == "rect" && hasAttr(n, "fill") }) == nil {
			t.Error("no SVG bars in the events chart")
		}

		// An auditor reads but cannot acknowledge.
		wantStatus(t, auditor.get("/admin/security/events/1"), http.StatusOK)
		wantStatus(t, auditor.post("/admin/security/events/1/acknowledge", url.Values{}), http.StatusForbidden)

		wantRedirect(t, owner.post("/admin/security/events/1/acknowledge", url.Values{"note": {"looking"}}), "/admin/security/events/1")
		res = owner.post("/admin/security/events/1/resolve", url.Values{"note": {""}})
		if res.StatusCode == http.StatusSeeOther {
			t.Fatal("resolved without a note")
		}
		wantRedirect(t, owner.post("/admin/security/events/1/resolve", url.Values{"note": {"our own test page"}}), "/admin/security/events/1")
		got, err := events.Get(e.ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != secevent.Resolved || got.ResolvedBy != "owner@example.jp" {
			t.Fatalf("event=%+v, want resolved by the owner", got)
		}
		if len(e.entries("security.acknowledge", "owner@example.jp")) != 1 || len(e.entries("security.resolve", "owner@example.jp")) != 1 {
			t.Error("acknowledge and resolve are not both audited")
		}
		res = owner.get("/admin/security")
		if find(res.Doc, byID("no-open-events")) == nil {
			t.Error("a resolved event is still listed as open")
		}
	})
}

// TestSecurityCSPChart: the CSP reports of the last seven days are drawn
// per day (Japan time), other kinds of event left out.
func TestSecurityCSPChart(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		owner, _ := e.enrol("owner@example.jp", staff.Owner)
		owner.login("owner@example.jp")
		now := e.clock.Now()
		raise := func(at time.Time, kind, target string, times int) {
			t.Helper()
			store := secevent.NewStore(d, func() time.Time { return at })
			for range times {
				if _, err := store.Raise(e.ctx, secevent.Signal{Kind: kind, Severity: secevent.Warning, Source: "test",
					Target: target, Summary: target}); err != nil {
					t.Fatal(err)
				}
			}
		}
		raise(now, secevent.KindCSPViolation, "/checkout script-src https://evil.example/s.js", 3)
		raise(now.AddDate(0, 0, -2), secevent.KindCSPViolation, "/cart img-src https://evil.example/p.gif", 1)
		raise(now.AddDate(0, 0, -10), secevent.KindCSPViolation, "/ script-src https://old.example/s.js", 5)
		raise(now, secevent.KindStaffLockout, "staff:1", 4)

		res := owner.get("/admin/security")
		wantStatus(t, res, http.StatusOK)
		chart := find(res.Doc, byID("chart-csp"))
		if chart == nil {
			t.Fatalf("no CSP chart:\n%s", res.Body)
		}
		var bars []string
		walk(chart, func(n *html.Node) {
			if n.Type == html.ElementNode && n.Data == "rect" {
				bars = append(bars, strings.TrimSpace(textOf(n)))
			}
		})
		today, before := now.In(shop.JST).Format("2006-01-02"), now.AddDate(0, 0, -2).In(shop.JST).Format("2006-01-02")
		want := []string{before + ": 1", today + ": 3"}
		if strings.Join(bars, "|") != strings.Join(want, "|") {
			t.Errorf("CSP bars %q, want %q", bars, want)
		}
	})
}

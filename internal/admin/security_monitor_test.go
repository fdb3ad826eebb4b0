package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"

	"kaede/internal/admin"
	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/monitor"
	"kaede/internal/shop"
	"kaede/internal/staff"
)

// fakeMonitor is the tamper monitor as the admin sees it, with a run that
// found two differences, an approved baseline and a pending candidate
// whose CSP differs from it.
type fakeMonitor struct {
	mu       sync.Mutex
	run      monitor.Run
	base     monitor.Baseline
	pending  *monitor.Baseline
	checks   int
	approver audit.Actor
	reason   string
	asked    []monitor.Conditions // the switch positions whose baseline was read
}

func snapshot(csp string) *monitor.Snapshot {
	return &monitor.Snapshot{Version: monitor.FormatVersion, BaseURL: "https://shop.test",
		Pages: []monitor.Page{{Name: "/checkout", Method: "GET", URL: "https://shop.test/checkout", Status: 200,
			Headers: []monitor.Header{{Name: "Content-Security-Policy", Value: csp}}}}}
}

func newFakeMonitor(at time.Time) *fakeMonitor {
	return &fakeMonitor{
		run: monitor.Run{ID: 41, StartedAt: at, FinishedAt: at, Mode: monitor.ModeHTTP, Result: monitor.Different,
			SnapshotDigest: "sha256:run", ManifestDigest: "sha256:release-1", BaselineID: 1,
			Differences: []monitor.Difference{
				{Kind: monitor.HeaderRemoved, Severity: monitor.Critical, Page: "/checkout", Subject: "Content-Security-Policy",
					Before: "default-src 'self'", After: ""},
				{Kind: monitor.HashChanged, Severity: monitor.Critical, Subject: "https://shop.test/static/kaede.css",
					Before: "sha384-before", After: "sha384-after"},
			}},
		base: monitor.Baseline{ID: 1, Snapshot: snapshot("default-src 'self'"), Digest: "sha256:approved",
			ManifestDigest: "sha256:release-1", State: "approved", CreatedAt: at, ApprovedBy: "system:monitor",
			ApprovedAt: at, Reason: "first run"},
		pending: &monitor.Baseline{ID: 2, Snapshot: snapshot("default-src 'self'; img-src 'self' data:"),
			Digest: "sha256:candidate", ManifestDigest: "sha256:release-2", State: "pending", CreatedAt: at},
	}
}

func (f *fakeMonitor) LastRun(context.Context) (monitor.Run, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.run, nil
}

func (f *fakeMonitor) Baseline(context.Context) (monitor.Baseline, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.base, nil
}

func (f *fakeMonitor) BaselineFor(ctx context.Context, c monitor.Conditions) (monitor.Baseline, error) {
	f.mu.Lock()
	f.asked = append(f.asked, c)
	f.mu.Unlock()
	b, err := f.Baseline(ctx)
	b.Conditions = c.String()
	return b, err
}

func (f *fakeMonitor) Pending(context.Context) (monitor.Baseline, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.pending == nil {
		return monitor.Baseline{}, shop.Errorf(shop.NotFound, "no baseline awaits approval")
	}
	return *f.pending, nil
}

// Approve refuses an empty reason as monitor.Service does.
func (f *fakeMonitor) Approve(_ context.Context, id int64, by audit.Actor, reason string) (monitor.Baseline, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if strings.TrimSpace(reason) == "" {
		return monitor.Baseline{}, &shop.Error{Code: shop.Invalid, Message: "a reason is required",
			Fields: map[string]string{"reason": shop.ReasonRequired}}
	}
	if f.pending == nil || f.pending.ID != id {
		return monitor.Baseline{}, shop.Errorf(shop.NotFound, "baseline candidate %d not found", id)
	}
	f.base, f.pending = *f.pending, nil
	f.base.State, f.base.ApprovedBy, f.base.Reason = "approved", by.Name, reason
	f.approver, f.reason = by, reason
	return f.base, nil
}

func (f *fakeMonitor) Check(context.Context) (monitor.Run, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.checks++
	f.run.ID++
	f.run.Result, f.run.Differences = monitor.OK, []monitor.Difference{}
	return f.run, nil
}

// TestMonitorPage: staff who read security see the last run's differences
// per page, the approved baseline and the pending candidate with its
// differences; those who manage it check now and approve the candidate
// with a reason and a fresh second factor.
func TestMonitorPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		fake := newFakeMonitor(time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC))
		e := newEnv(t, d, func(deps *admin.Deps) { deps.Tamper = fake })
		owner, _ := e.enrol("owner@example.jp", staff.Owner)
		auditor, _ := e.enrol("auditor@example.jp", staff.Auditor)
		owner.login("owner@example.jp")
		auditor.login("auditor@example.jp")

		if find(owner.get("/admin/security").Doc, byID("monitor-link")) == nil {
			t.Error("the security page does not link the monitor page")
		}
		res := owner.get("/admin/security/monitor")
		wantStatus(t, res, http.StatusOK)
		if run := find(res.Doc, byID("last-run")); run == nil || attr(run, "data-result") != "different" {
			t.Fatalf("last run not shown as different:\n%s", res.Body)
		}
		if m := find(res.Doc, byID("run-mode")); m == nil || attr(m, "data-mode") != "http" || !strings.Contains(textOf(m), "HTTP") {
			t.Errorf("the run's mode is not shown as HTTP:\n%s", res.Body)
		}
		diffs := find(res.Doc, byID("run-diffs"))
		var groups []string
		walk(diffs, func(n *html.Node) {
			if n.Type == html.ElementNode && n.Data == "tr" && hasClass("diff-page")(n) {
				groups = append(groups, strings.TrimSpace(textOf(n)))
			}
		})
		if len(groups) != 2 || groups[0] != "/checkout" {
			t.Errorf("difference groups %q, want /checkout then the walk", groups)
		}
		if text := textOf(diffs); !strings.Contains(text, "header-removed") || !strings.Contains(text, "Content-Security-Policy") ||
			!strings.Contains(text, "sha384-before") || !strings.Contains(text, "→ sha384-after") {
			t.Errorf("run differences lack the header, the hash or before → after: %s", text)
		}
		if b := find(res.Doc, byID("baseline")); b == nil || !strings.Contains(textOf(b), "sha256:approved") {
			t.Error("approved baseline not shown")
		}
		if p := find(res.Doc, byID("pending-diffs")); p == nil || !strings.Contains(textOf(p), "csp-weakened") && !strings.Contains(textOf(p), "header-changed") {
			t.Errorf("pending candidate's differences from the baseline not shown:\n%s", res.Body)
		}

		// Reading is not managing.
		res = auditor.get("/admin/security/monitor")
		wantStatus(t, res, http.StatusOK)
		if find(res.Doc, byID("approve-form")) != nil || find(res.Doc, byID("check-now")) != nil {
			t.Error("an auditor is offered the approval or the check")
		}
		wantStatus(t, auditor.post("/admin/security/monitor/check", url.Values{}), http.StatusForbidden)
		wantStatus(t, auditor.post("/admin/security/monitor/approve", url.Values{"id": {"2"}, "reason": {"x"}}), http.StatusForbidden)

		// Check now.
		res = owner.post("/admin/security/monitor/check", url.Values{})
		wantRedirect(t, res, "/admin/security/monitor?checked=42")
		res = owner.get("/admin/security/monitor?checked=42")
		if c := find(res.Doc, byID("checked")); c == nil || !strings.Contains(textOf(c), "#42") || fake.checks != 1 {
			t.Errorf("check now: %d checks, result shown: %v", fake.checks, c != nil)
		}

		// A reason is required.
		res = owner.post("/admin/security/monitor/approve", url.Values{"id": {"2"}, "reason": {"  "}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if find(res.Doc, byID("reason-error")) == nil {
			t.Errorf("no error on the reason field:\n%s", res.Body)
		}
		wantRedirect(t, owner.post("/admin/security/monitor/approve", url.Values{"id": {"2"}, "reason": {"release 2: image CSP"}}),
			"/admin/security/monitor?approved=2")
		if fake.approver.Name != "owner@example.jp" || fake.approver.IP == "" || fake.reason != "release 2: image CSP" {
			t.Errorf("approved by %+v for %q, want the owner and the reason", fake.approver, fake.reason)
		}
		res = owner.get("/admin/security/monitor?approved=2")
		if find(res.Doc, byID("approved")) == nil || find(res.Doc, byID("no-pending")) == nil {
			t.Error("after approval: no notice, or a candidate still pending")
		}

		// Approval needs a second factor given in the last five minutes.
		fake.pending = &monitor.Baseline{ID: 3, Snapshot: snapshot("default-src 'none'"), Digest: "sha256:c3", State: "pending"}
		e.clock.Advance(staff.FreshFor + time.Minute)
		res = owner.post("/admin/security/monitor/approve", url.Values{"id": {"3"}, "reason": {"release 3"}})
		wantRedirect(t, res, "/admin/reauth")
		if fake.pending == nil {
			t.Error("approved without a fresh second factor")
		}
	})
}

// TestMonitorPageConditions: a run made with card payments stopped is
// shown with the switches' positions, beside the baseline of those
// positions, which is what it was compared with.
func TestMonitorPageConditions(t *testing.T) {
	d := dbtest.SQLite(t)
	fake := newFakeMonitor(time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC))
	fake.run.Conditions = "card=off"
	fake.pending = nil
	e := newEnv(t, d, func(deps *admin.Deps) { deps.Tamper = fake })
	owner, _ := e.enrol("owner@example.jp", staff.Owner)
	owner.login("owner@example.jp")
	res := owner.get("/admin/security/monitor")
	wantStatus(t, res, http.StatusOK)
	c := find(res.Doc, byID("run-conditions"))
	if c == nil || !strings.Contains(textOf(c), "カード決済停止中") && !strings.Contains(textOf(c), "card payments stopped") {
		t.Fatalf("run's switch positions not shown:\n%s", res.Body)
	}
	if len(fake.asked) != 1 || fake.asked[0] != (monitor.Conditions{CardStopped: true}) {
		t.Errorf("baselines read for %+v, want card payments stopped's", fake.asked)
	}
}

package main

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"

	"kaede/internal/secevent"
)

// waitForBaseline waits for the store's first monitor run, which takes the
// baseline.
func waitForBaseline(t *testing.T, m *Main) {
	t.Helper()
	waitUntil(t, 120*time.Second, func() bool {
		var n int
		_ = m.db.QueryRow(`SELECT COUNT(*) FROM monitor_baselines WHERE state = 'approved' AND approved_by = 'system:monitor'`).Scan(&n)
		return n == 1
	})
}

// byIDIn is the element with the id on the client's page.
func byIDIn(doc *html.Node, id string) *html.Node {
	var found *html.Node
	visit(doc, func(n *html.Node) {
		if found == nil && n.Type == html.ElementNode && attrOf(n, "id") == id {
			found = n
		}
	})
	return found
}

// TestMonitorPageApprovesANewRelease plays a release that changes the
// checkout page's CSP: "Check now" on the admin's monitor page finds the
// difference, which under a new release's manifest is a candidate
// awaiting approval with its differences shown; the owner approves it
// with a reason (audited under their name), and the next check is clean.
func TestMonitorPageApprovesANewRelease(t *testing.T) {
	proxy := newTamperProxy(t)
	clock := &stepClock{now: time.Now().UTC()}
	var mu sync.Mutex
	release := "sha256:release-1"
	manifest := func() (string, error) {
		mu.Lock()
		defer mu.Unlock()
		return release, nil
	}
	cfg := Config{DataDir: t.TempDir(), Admin: AdminConfig{Allow: "127.0.0.0/8"}}
	m := startMonitoredWith(t, cfg, proxy, monitorOptions{every: time.Hour, manifest: manifest}, clock)
	waitForBaseline(t, m)
	c := staffLogin(t, m, cfg.DataDir, clock, "owner@example.jp", "")

	c.get("/admin/security")
	if byIDIn(c.doc, "monitor-link") == nil {
		t.Fatal("the security page does not link the monitor page")
	}
	c.get("/admin/security/monitor")
	if run := byIDIn(c.doc, "last-run"); run == nil || attrOf(run, "data-result") != "ok" {
		t.Fatalf("first run not shown as ok")
	}
	if b := byIDIn(c.doc, "baseline"); b == nil || !strings.Contains(textOf(b), "sha256:release-1") || !strings.Contains(textOf(b), "system:monitor") {
		t.Fatal("the first run's baseline is not shown")
	}

	// Release 2 adds a directive to the checkout page's policy.
	mu.Lock()
	release = "sha256:release-2"
	mu.Unlock()
	proxy.set(func(res *http.Response) error {
		if res.Request.URL.Path == "/checkout" {
			res.Header.Set("Content-Security-Policy", res.Header.Get("Content-Security-Policy")+"; upgrade-insecure-requests")
		}
		return nil
	})
	c.submit("", "/admin/security/monitor/check", nil, http.StatusSeeOther)
	c.get(c.res.Header.Get("Location"))
	if checked := byIDIn(c.doc, "checked"); checked == nil {
		t.Fatal("the check's result is not shown")
	}
	if run := byIDIn(c.doc, "last-run"); run == nil || attrOf(run, "data-result") != "different" {
		t.Fatal("the check after the release is not shown as different")
	}
	if d := byIDIn(c.doc, "run-diffs"); d == nil || !strings.Contains(textOf(d), "/checkout") || !strings.Contains(textOf(d), "upgrade-insecure-requests") {
		t.Fatal("the run's difference (the CSP of /checkout, before → after) is not shown")
	}
	if p := byIDIn(c.doc, "pending"); p == nil || !strings.Contains(textOf(p), "sha256:release-2") {
		t.Fatal("no candidate awaiting approval under release 2")
	}
	if d := byIDIn(c.doc, "pending-diffs"); d == nil || !strings.Contains(textOf(d), "Content-Security-Policy") {
		t.Fatal("the candidate's differences from the baseline are not shown")
	}
	evs, err := m.svc.events.List(t.Context(), secevent.Filter{Kind: secevent.KindTamper})
	if err != nil || len(evs) != 1 || evs[0].Severity != secevent.Warning {
		t.Fatalf("events %+v %v: want one warning (a release's change awaits approval), no critical", evs, err)
	}

	c.submit("", "/admin/security/monitor/approve", url.Values{"reason": {" "}}, http.StatusUnprocessableEntity)
	if byIDIn(c.doc, "reason-error") == nil {
		t.Fatal("approval without a reason: no error on the field")
	}
	c.submit("", "/admin/security/monitor/approve", url.Values{"reason": {"release 2: upgrade-insecure-requests on checkout"}}, http.StatusSeeOther)
	var audited int
	if err := m.db.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'monitor.approve' AND actor = 'owner@example.jp'`).Scan(&audited); err != nil || audited != 1 {
		t.Fatalf("approval audited %d times (%v), want once under the owner's name", audited, err)
	}
	c.get("/admin/security/monitor")
	if b := byIDIn(c.doc, "baseline"); b == nil || !strings.Contains(textOf(b), "owner@example.jp") || byIDIn(c.doc, "no-pending") == nil {
		t.Fatal("the approved candidate is not the baseline, or something still awaits approval")
	}
	c.submit("", "/admin/security/monitor/check", nil, http.StatusSeeOther)
	c.get(c.res.Header.Get("Location"))
	if run := byIDIn(c.doc, "last-run"); run == nil || attrOf(run, "data-result") != "ok" {
		t.Fatal("the check after approval is not clean")
	}
}

// TestMonitorCheckCommandAlerts: a critical difference found by "kaede
// monitor check" reaches the security staff's outbox and the alert
// webhook like one found by the store's own check: the command queues
// them, the running store's job runner sends them.
func TestMonitorCheckCommandAlerts(t *testing.T) {
	proxy := newTamperProxy(t)
	hook := newAlertReceiver(t)
	cfg := Config{DataDir: t.TempDir(), AlertWebhookURL: hook.srv.URL, AlertWebhookSecret: hook.secret}
	// The store checks only at start (taking the baseline): the command
	// is the one to see the change.
	m := startMonitoredWith(t, cfg, proxy, monitorOptions{every: time.Hour}, nil)
	var out, errOut bytes.Buffer
	if err := runStaff(context.Background(), []string{"add", "--database", m.Config.DatabaseURL, "--data", cfg.DataDir,
		"--demo", "--email", "security@example.jp", "--role", "owner", "--admin-url", m.URL()}, &out, &errOut); err != nil {
		t.Fatalf("staff add: %v\n%s", err, errOut.String())
	}
	waitForBaseline(t, m)

	proxy.set(func(res *http.Response) error {
		if res.Request.URL.Path == "/checkout" {
			res.Header.Del("Content-Security-Policy")
		}
		return nil
	})
	t.Setenv("KAEDE_ALERT_WEBHOOK_SECRET", hook.secret)
	out.Reset()
	err := runMonitor(t.Context(), []string{"check", "--database", m.Config.DatabaseURL, "--base-url", proxy.srv.URL,
		"--gateway-url", m.Config.Card.GatewayURL, "--alert-webhook-url", hook.srv.URL}, &out, &errOut)
	if err != errDifferent {
		t.Fatalf("check of a changed store: %v, want errDifferent\n%s%s", err, out.String(), errOut.String())
	}
	evs, err := m.svc.events.List(t.Context(), secevent.Filter{Kind: secevent.KindTamper, Severity: secevent.Critical})
	if err != nil || len(evs) != 1 {
		t.Fatalf("critical tamper events %+v %v, want the command's one", evs, err)
	}
	var mails int
	if err := m.db.QueryRow(`SELECT COUNT(*) FROM mail_messages WHERE kind = 'security_alert' AND to_addr = 'security@example.jp'`).Scan(&mails); err != nil || mails != 1 {
		t.Fatalf("alert e-mails to the security staff: %d %v, want 1", mails, err)
	}
	waitUntil(t, 60*time.Second, func() bool { return hook.has(evs[0].ID) })
}

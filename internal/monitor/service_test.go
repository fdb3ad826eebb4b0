package monitor_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/monitor"
	"kaede/internal/secevent"
	"kaede/internal/shop"
)

// manifest is a release manifest digest the test can change, as a new
// release would.
type manifest struct {
	mu     sync.Mutex
	digest string
}

func (m *manifest) get() (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.digest, nil
}

func (m *manifest) set(d string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.digest = d
}

func events(t *testing.T, ev *secevent.Store, kind string) []secevent.Event {
	t.Helper()
	list, err := ev.List(context.Background(), secevent.Filter{Kind: kind})
	if err != nil {
		t.Fatalf("list events: %v", err)
	}
	return list
}

func check(t *testing.T, svc *monitor.Service, want monitor.Result) monitor.Run {
	t.Helper()
	run, err := svc.Check(context.Background())
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	if run.Result != want {
		t.Fatalf("result %s (blind %q, %d differences), want %s", run.Result, run.Blind, len(run.Differences), want)
	}
	last, err := svc.LastRun(context.Background())
	if err != nil || last.ID != run.ID || last.Result != run.Result || len(last.Differences) != len(run.Differences) {
		t.Fatalf("last run %+v, %v; want run %d as checked", last, err, run.ID)
	}
	return run
}

// TestServiceBaselineAndAlerts runs the service on the real store behind
// the proxy: the first run takes the baseline, a change outside a release
// is a critical event, a change with a new release a pending candidate a
// person approves with a reason, a blind walk its own critical event.
func TestServiceBaselineAndAlerts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newRealStore(t, d)
		ev := secevent.NewStore(d, nil)
		rel := &manifest{digest: "sha256:release-1"}
		svc, err := monitor.NewService(d, nil, monitor.ServiceConfig{Walker: s.walker(t), Events: ev, Manifest: rel.get, KeepRuns: 3})
		if err != nil {
			t.Fatalf("NewService: %v", err)
		}
		ctx := context.Background()
		if _, err := svc.Baseline(ctx); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("baseline before the first run: %v, want not found", err)
		}

		first := check(t, svc, monitor.OK)
		base, err := svc.Baseline(ctx)
		if err != nil {
			t.Fatalf("baseline: %v", err)
		}
		if base.ID != first.BaselineID || base.Digest != first.SnapshotDigest || base.ApprovedBy != "system:monitor" ||
			base.ManifestDigest != "sha256:release-1" || base.ApprovedAt.IsZero() {
			t.Fatalf("baseline %+v after run %+v", base, first)
		}
		entries, err := audit.List(ctx, d, audit.Filter{Action: "monitor.baseline"})
		if err != nil || len(entries) != 1 || entries[0].Actor != "system:monitor" {
			t.Fatalf("audit of the first baseline: %+v, %v", entries, err)
		}
		check(t, svc, monitor.OK)

		// Outside a release: critical.
		s.setTamper(rewriteBody("GET", "/checkout", is("/checkout"), "</head>", `<script src="https://evil.example/s.js"></script></head>`))
		run := check(t, svc, monitor.Different)
		if run.Differences[0].Kind != monitor.ScriptAdded {
			t.Errorf("first difference %s, want %s", run.Differences[0], monitor.ScriptAdded)
		}
		tamper := events(t, ev, secevent.KindTamper)
		if len(tamper) != 1 || tamper[0].Severity != secevent.Critical || !strings.Contains(tamper[0].Detail, "evil.example") {
			t.Fatalf("tamper events %+v, want one critical naming evil.example", tamper)
		}
		// The same change again is counted on the same event.
		check(t, svc, monitor.Different)
		if tamper = events(t, ev, secevent.KindTamper); len(tamper) != 1 || tamper[0].Count != 2 {
			t.Fatalf("tamper events after a repeat %+v, want one counted twice", tamper)
		}
		if _, err := svc.Pending(ctx); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("pending after a change outside a release: %v, want none", err)
		}

		// With a new release: a warning and a candidate to approve.
		s.setTamper(rewriteBody("GET", "/checkout", is("/checkout"), "</head>", `<meta http-equiv="refresh" content="600"></head>`))
		rel.set("sha256:release-2")
		run = check(t, svc, monitor.Different)
		pending, err := svc.Pending(ctx)
		if err != nil || pending.Digest != run.SnapshotDigest || pending.ManifestDigest != "sha256:release-2" {
			t.Fatalf("pending %+v, %v; want the run's snapshot under release 2", pending, err)
		}
		var warned bool
		for _, e := range events(t, ev, secevent.KindTamper) {
			warned = warned || (e.Severity == secevent.Warning && strings.Contains(e.Summary, "awaiting approval"))
		}
		if !warned {
			t.Fatal("no warning awaiting approval for a change with a new release")
		}
		owner := audit.Actor{Name: "owner@example.jp", IP: "192.0.2.1"}
		if _, err := svc.Approve(ctx, pending.ID, owner, "  "); shop.ErrorCode(err) != shop.Invalid {
			t.Fatalf("approve without a reason: %v, want invalid", err)
		}
		approved, err := svc.Approve(ctx, pending.ID, owner, "release 2 refreshes the checkout page")
		if err != nil || approved.State != "approved" || approved.ApprovedBy != owner.Name {
			t.Fatalf("approve: %+v, %v", approved, err)
		}
		if _, err := svc.Approve(ctx, pending.ID, owner, "again"); shop.ErrorCode(err) != shop.Conflict {
			t.Fatalf("approve twice: %v, want conflict", err)
		}
		if entries, err = audit.List(ctx, d, audit.Filter{Action: "monitor.approve"}); err != nil || len(entries) != 1 ||
			entries[0].Actor != owner.Name || !strings.Contains(entries[0].After, "release 2 refreshes") {
			t.Fatalf("audit of the approval: %+v, %v", entries, err)
		}
		check(t, svc, monitor.OK)

		// Blind: a critical event of its own.
		s.setTamper(func(res *http.Response) error {
			if res.Request.URL.Path == "/checkout" {
				res.StatusCode = http.StatusBadGateway
			}
			return nil
		})
		run = check(t, svc, monitor.Blind)
		if !strings.Contains(run.Blind, "/checkout") {
			t.Errorf("blind %q, want the step named", run.Blind)
		}
		if blind := events(t, ev, secevent.KindMonitorBlind); len(blind) != 1 || blind[0].Severity != secevent.Critical {
			t.Fatalf("blind events %+v, want one critical", blind)
		}
		s.setTamper(nil)

		if n := s.count(t, `SELECT COUNT(*) FROM monitor_runs`); n != 3 {
			t.Errorf("%d runs kept, want 3", n)
		}
	})
}

// TestServiceWalkCancelled is a walk cut short by its caller: no run is
// stored and no event raised, since it says nothing about the pages.
func TestServiceWalkCancelled(t *testing.T) {
	d := dbtest.SQLite(t)
	s := newRealStore(t, d)
	ev := secevent.NewStore(d, nil)
	svc, err := monitor.NewService(d, nil, monitor.ServiceConfig{Walker: s.walker(t), Events: ev,
		Manifest: func() (string, error) { return "sha256:x", nil }})
	if err != nil {
		t.Fatalf("NewService: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := svc.Check(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("check with a cancelled context: %v, want context.Canceled", err)
	}
	if n := s.count(t, `SELECT COUNT(*) FROM monitor_runs`); n != 0 {
		t.Errorf("%d runs stored, want 0", n)
	}
}

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
	"kaede/internal/switches"
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

// TestServiceSwitchConditions is staff stopping card payments or checkout
// during an incident: the pages change, rightly, and the monitor compares
// them with a baseline taken under the same switch positions instead of
// crying tamper. The first run under new positions takes their baseline
// with a warning; a change under the same positions is critical; back in
// the normal positions the original baseline applies again.
func TestServiceSwitchConditions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newRealStore(t, d)
		ev := secevent.NewStore(d, nil)
		svc, err := monitor.NewService(d, nil, monitor.ServiceConfig{Walker: s.walker(t), Events: ev,
			Manifest: func() (string, error) { return "sha256:release-1", nil }, Conditions: s.conditions})
		if err != nil {
			t.Fatalf("NewService: %v", err)
		}
		ctx := context.Background()
		normal := check(t, svc, monitor.OK)
		if normal.Conditions != "" {
			t.Fatalf("conditions of a normal run %q, want empty", normal.Conditions)
		}
		critical := func() int {
			n := 0
			for _, kind := range []string{secevent.KindTamper, secevent.KindMonitorBlind} {
				for _, e := range events(t, ev, kind) {
					if e.Severity == secevent.Critical {
						n++
					}
				}
			}
			return n
		}
		warnings := func() []secevent.Event {
			var out []secevent.Event
			for _, e := range events(t, ev, secevent.KindTamper) {
				if e.Severity == secevent.Warning {
					out = append(out, e)
				}
			}
			return out
		}

		// Card payments stopped: checkout offers bank transfer, a new
		// baseline with a warning, no critical event.
		s.flip(t, switches.Card, false)
		run := check(t, svc, monitor.OK)
		if run.Conditions != "card=off" || run.BaselineID == normal.BaselineID || run.SnapshotDigest == normal.SnapshotDigest {
			t.Fatalf("run with card off %+v, want its own baseline under card=off", run)
		}
		cardOff, err := svc.BaselineFor(ctx, monitor.Conditions{CardStopped: true})
		if err != nil || cardOff.ID != run.BaselineID || cardOff.Conditions != "card=off" ||
			cardOff.Snapshot.PaymentMethod == "card" || cardOff.Snapshot.Conditions != "card=off" {
			t.Fatalf("card-off baseline %+v, %v", cardOff, err)
		}
		if n := critical(); n != 0 {
			t.Fatalf("%d critical events after card payments stopped, want none", n)
		}
		if w := warnings(); len(w) != 1 || !strings.Contains(w[0].Summary, "card payments stopped") {
			t.Fatalf("warnings %+v, want one naming card payments stopped", w)
		}
		if base, err := svc.Baseline(ctx); err != nil || base.ID != normal.BaselineID {
			t.Fatalf("normal baseline %+v, %v; want the first", base, err)
		}
		check(t, svc, monitor.OK)
		if w := warnings(); len(w) != 1 || w[0].Count != 1 {
			t.Fatalf("warnings after a second run with card off %+v, want the one, once", w)
		}

		// A change under the same positions is tampering.
		s.setTamper(rewriteBody("GET", "/checkout", is("/checkout"), "</head>", `<script src="https://evil.example/s.js"></script></head>`))
		run = check(t, svc, monitor.Different)
		if run.BaselineID != cardOff.ID || run.Differences[0].Kind != monitor.ScriptAdded {
			t.Fatalf("tampered run with card off %+v, want a script added against the card-off baseline", run)
		}
		tamper := events(t, ev, secevent.KindTamper)
		var found bool
		for _, e := range tamper {
			found = found || (e.Severity == secevent.Critical && strings.Contains(e.Detail, "evil.example") &&
				strings.Contains(e.Summary, "card payments stopped"))
		}
		if !found || critical() != 1 {
			t.Fatalf("tamper events %+v, want one critical naming evil.example and the switch positions", tamper)
		}
		s.setTamper(nil)

		// Card payments back: the original baseline, nothing new.
		s.flip(t, switches.Card, true)
		run = check(t, svc, monitor.OK)
		if run.BaselineID != normal.BaselineID || run.SnapshotDigest != normal.SnapshotDigest || run.Conditions != "" {
			t.Fatalf("run with card on again %+v, want the first baseline", run)
		}
		if n, w := critical(), warnings(); n != 1 || len(w) != 1 {
			t.Fatalf("%d critical events and warnings %+v after card payments resumed, want no new one", n, w)
		}

		// Checkout stopped: the cart and its notice are walked, checkout
		// is not, and that is not blindness.
		s.flip(t, switches.Checkout, false)
		run = check(t, svc, monitor.OK)
		closed, err := svc.BaselineFor(ctx, monitor.Conditions{CheckoutStopped: true})
		if err != nil || closed.ID != run.BaselineID || len(closed.Snapshot.Pages) != 1 || closed.Snapshot.Pages[0].Name != "/cart" {
			t.Fatalf("checkout-off baseline %+v, %v; want the cart page alone", closed, err)
		}
		if blind := events(t, ev, secevent.KindMonitorBlind); len(blind) != 0 {
			t.Fatalf("blind events with checkout stopped %+v, want none", blind)
		}
		if w := warnings(); len(w) != 2 {
			t.Fatalf("warnings %+v, want a second for checkout stopped", w)
		}
		// The notice is on the watched page: a change to the cart is seen.
		s.setTamper(rewriteBody("GET", "/cart", is("/cart"), "</head>", `<script src="https://evil.example/s.js"></script></head>`))
		check(t, svc, monitor.Different)
		s.setTamper(nil)
		s.flip(t, switches.Checkout, true)
		if run = check(t, svc, monitor.OK); run.BaselineID != normal.BaselineID {
			t.Fatalf("run with checkout open again %+v, want the first baseline", run)
		}
	})
}

// TestServiceSwitchMovedDuringWalk is a switch flipped while the walk is
// under way: the walk saw pages of either position, so the check walks
// again under the new one instead of raising a false alarm; and a check
// the caller says must wait (the switches moved moments ago) stores
// nothing.
func TestServiceSwitchMovedDuringWalk(t *testing.T) {
	d := dbtest.SQLite(t)
	s := newRealStore(t, d)
	ev := secevent.NewStore(d, nil)
	var mu sync.Mutex
	var seen []monitor.Conditions // what the conditions func returns, in turn; the last repeats
	var settling bool
	conditions := func(ctx context.Context) (monitor.Conditions, error) {
		mu.Lock()
		defer mu.Unlock()
		if settling {
			return monitor.Conditions{}, monitor.ErrSettling
		}
		c := seen[0]
		if len(seen) > 1 {
			seen = seen[1:]
		}
		return c, nil
	}
	seen = []monitor.Conditions{{}}
	svc, err := monitor.NewService(d, nil, monitor.ServiceConfig{Walker: s.walker(t), Events: ev,
		Manifest: func() (string, error) { return "sha256:x", nil }, Conditions: conditions})
	if err != nil {
		t.Fatalf("NewService: %v", err)
	}
	normal := check(t, svc, monitor.OK)

	// Read as normal before the walk, card off by the time it ends.
	s.flip(t, switches.Card, false)
	mu.Lock()
	seen = []monitor.Conditions{{}, {CardStopped: true}}
	mu.Unlock()
	run := check(t, svc, monitor.OK)
	if run.Conditions != "card=off" || run.BaselineID == normal.BaselineID {
		t.Fatalf("run across a flip %+v, want it walked again under card=off", run)
	}
	for _, e := range events(t, ev, secevent.KindTamper) {
		if e.Severity == secevent.Critical {
			t.Fatalf("critical event %+v after a switch moved during the walk", e)
		}
	}

	mu.Lock()
	settling = true
	mu.Unlock()
	if _, err := svc.Check(context.Background()); !errors.Is(err, monitor.ErrSettling) {
		t.Fatalf("check while the switches settle: %v, want ErrSettling", err)
	}
	if last, err := svc.LastRun(context.Background()); err != nil || last.ID != run.ID {
		t.Fatalf("last run %+v, %v; want none stored while settling", last, err)
	}
}

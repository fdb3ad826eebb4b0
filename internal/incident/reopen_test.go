package incident_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/incident"
	"kaede/internal/shop"
)

// probes are stub sources for the checklist, green until a case spoils
// one.
type probes struct {
	now       time.Time
	runs      []incident.MonitorRun
	runsErr   error
	baseline  incident.MonitorBaseline
	staff     []incident.StaffFactor
	chainErr  error
	switchErr error
	switched  []string // who turned the switches on
}

// greenProbes returns stubs that make every probe item green at now: a
// run every minute for the last 24 hours and a bit.
func greenProbes(now time.Time) *probes {
	p := &probes{now: now,
		baseline: incident.MonitorBaseline{Approved: true, ID: 3, Digest: "sha256:0123456789abcdef0123", ApprovedBy: "owner@example.jp", ApprovedAt: now.Add(-48 * time.Hour)},
		staff:    []incident.StaffFactor{{Email: "owner@example.jp", SecondFactor: true}, {Email: "packer@example.jp", SecondFactor: true}},
	}
	p.runs = minuteRuns(now.Add(-incident.MonitorWindow-30*time.Second), now)
	return p
}

// minuteRuns is a run every minute in [from, to).
func minuteRuns(from, to time.Time) []incident.MonitorRun {
	var runs []incident.MonitorRun
	for t, id := from, int64(1); t.Before(to); t, id = t.Add(time.Minute), id+1 {
		runs = append(runs, incident.MonitorRun{ID: id, StartedAt: t, FinishedAt: t.Add(3 * time.Second), Result: "ok"})
	}
	return runs
}

func (p *probes) deps() incident.ReopenDeps {
	return incident.ReopenDeps{
		MonitorEvery: time.Minute,
		MonitorRuns: func(_ context.Context, since time.Time) ([]incident.MonitorRun, error) {
			var out []incident.MonitorRun
			for _, r := range p.runs {
				if !r.FinishedAt.Before(since) {
					out = append(out, r)
				}
			}
			return out, p.runsErr
		},
		Baseline:     func(context.Context) (incident.MonitorBaseline, error) { return p.baseline, nil },
		StaffFactors: func(context.Context) ([]incident.StaffFactor, error) { return p.staff, nil },
		AuditChain: func(context.Context) (int, error) {
			if p.chainErr != nil {
				return 0, p.chainErr
			}
			return 42, nil
		},
		Switches: func(_ context.Context, by audit.Actor) error {
			if p.switchErr != nil {
				return p.switchErr
			}
			p.switched = append(p.switched, by.Name)
			return nil
		},
	}
}

// reopenEnv is an incident with a published notice and a vulnerability
// scan after its discovery: every item green with greenProbes.
type reopenEnv struct {
	*noticeEnv
	p *probes
	r *incident.Reopening
}

func newReopenEnv(t *testing.T, d *db.DB, edit func(*probes, *incident.ReopenDeps)) *reopenEnv {
	t.Helper()
	ctx := context.Background()
	e := &reopenEnv{noticeEnv: newNoticeEnv(t, d)}
	if _, err := e.svc.Record(ctx, e.inc.ID, incident.EventCardStopped, e.now, "カード決済を停止", owner); err != nil {
		t.Fatal(err)
	}
	e.now = e.now.Add(10 * 24 * time.Hour)
	if _, err := e.notices.Draft(ctx, e.inc.ID, owner); err != nil {
		t.Fatal(err)
	}
	if _, err := e.notices.Publish(ctx, e.inc.ID, owner); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Record(ctx, e.inc.ID, incident.EventVulnScan, e.now.Add(-2*time.Hour), "外部診断：重大な脆弱性なし", owner); err != nil {
		t.Fatal(err)
	}
	e.p = greenProbes(e.now)
	deps := e.p.deps()
	if edit != nil {
		edit(e.p, &deps)
	}
	e.r = incident.NewReopening(e.svc, e.notices, deps)
	return e
}

// TestReopenChecklistItems: each item turns red for its own reason, with
// evidence saying why, and the others stay green.
func TestReopenChecklistItems(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		cases := []struct {
			name     string
			edit     func(*probes, *incident.ReopenDeps)
			red      incident.CheckItem // "" when all are green
			evidence string
		}{
			{"all green", nil, "", ""},
			{"monitor not connected", func(p *probes, d *incident.ReopenDeps) { d.MonitorRuns = nil }, incident.CheckMonitor, "not connected"},
			{"no run", func(p *probes, d *incident.ReopenDeps) { p.runs = nil }, incident.CheckMonitor, "no monitor run in the last 24 hours"},
			{"a difference", func(p *probes, d *incident.ReopenDeps) {
				p.runs[700].Result, p.runs[700].Differences = "different", 2
			}, incident.CheckMonitor, "different, 2 difference(s)"},
			{"blind", func(p *probes, d *incident.ReopenDeps) {
				p.runs[1000].Result, p.runs[1000].Blind = "blind", "GET /checkout: connection refused"
			}, incident.CheckMonitor, "could not see the pages: GET /checkout: connection refused"},
			{"a difference an hour ago, green since", func(p *probes, d *incident.ReopenDeps) {
				p.runs[len(p.runs)-60].Result = "different"
			}, incident.CheckMonitor, "different"},
			{"a gap of ten minutes", func(p *probes, d *incident.ReopenDeps) {
				p.runs = append(p.runs[:500:500], p.runs[510:]...)
			}, incident.CheckMonitor, "no run between"},
			{"started only two hours ago", func(p *probes, d *incident.ReopenDeps) {
				p.runs = minuteRuns(p.now.Add(-2*time.Hour), p.now)
			}, incident.CheckMonitor, "no run between"},
			{"stopped five minutes ago", func(p *probes, d *incident.ReopenDeps) {
				p.runs = p.runs[:len(p.runs)-5]
			}, incident.CheckMonitor, "the monitor is not running"},
			{"no baseline", func(p *probes, d *incident.ReopenDeps) { p.baseline = incident.MonitorBaseline{} }, incident.CheckBaseline, "no approved baseline"},
			{"baseline pending", func(p *probes, d *incident.ReopenDeps) { p.baseline.Pending = true }, incident.CheckBaseline, "awaits approval"},
			{"baseline not connected", func(p *probes, d *incident.ReopenDeps) { d.Baseline = nil }, incident.CheckBaseline, "not connected"},
			{"staff without a factor", func(p *probes, d *incident.ReopenDeps) {
				p.staff = append(p.staff, incident.StaffFactor{Email: "new@example.jp"})
			}, incident.CheckSecondFactor, "1 of 3 enabled accounts have no second factor: new@example.jp"},
			{"no staff", func(p *probes, d *incident.ReopenDeps) { p.staff = nil }, incident.CheckSecondFactor, "no enabled staff account"},
			{"staff not connected", func(p *probes, d *incident.ReopenDeps) { d.StaffFactors = nil }, incident.CheckSecondFactor, "not connected"},
			{"audit chain broken", func(p *probes, d *incident.ReopenDeps) {
				p.chainErr = &audit.ChainError{ID: 17, Reason: audit.ReasonEdited, Detail: "hash mismatch"}
			}, incident.CheckAuditChain, "audit log entry 17: edited"},
		}
		for _, c := range cases {
			e := newReopenEnv(t, d, c.edit)
			list, err := e.r.Check(context.Background(), e.inc.ID)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if len(list.Checks) != len(incident.CheckItems) {
				t.Fatalf("%s: %d items", c.name, len(list.Checks))
			}
			for i, ch := range list.Checks {
				if ch.Item != incident.CheckItems[i] || ch.Evidence == "" {
					t.Errorf("%s: item %d is %+v", c.name, i, ch)
				}
				if want := ch.Item != c.red; ch.OK != want {
					t.Errorf("%s: %s ok=%v, want %v (%s)", c.name, ch.Item, ch.OK, want, ch.Evidence)
				}
				if ch.Item == c.red && !strings.Contains(ch.Evidence, c.evidence) {
					t.Errorf("%s: evidence %q, want it to say %q", c.name, ch.Evidence, c.evidence)
				}
			}
			if list.OK() != (c.red == "") {
				t.Errorf("%s: OK()=%v", c.name, list.OK())
			}
		}

		// A source that cannot be read is an error, not a verdict.
		e := newReopenEnv(t, d, func(p *probes, _ *incident.ReopenDeps) { p.runsErr = errors.New("database gone") })
		if _, err := e.r.Check(context.Background(), e.inc.ID); err == nil || !strings.Contains(err.Error(), "database gone") {
			t.Fatalf("Check with a failing probe: %v", err)
		}
		if _, err := e.r.Check(context.Background(), 999); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("Check of a missing incident: %v", err)
		}
	})
}

// TestReopenVulnScanItem: the scan must be on the timeline and after the
// discovery.
func TestReopenVulnScanItem(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newNoticeEnv(t, d)
		r := incident.NewReopening(e.svc, e.notices, greenProbes(e.now).deps())
		item := func() incident.Check {
			t.Helper()
			list, err := r.Check(ctx, e.inc.ID)
			if err != nil {
				t.Fatal(err)
			}
			return list.Checks[4]
		}
		if c := item(); c.Item != incident.CheckVulnScan || c.OK || !strings.Contains(c.Evidence, "no vulnerability scan recorded") {
			t.Fatalf("no scan: %+v", c)
		}
		if _, err := e.svc.Record(ctx, e.inc.ID, incident.EventVulnScan, e.inc.DiscoveredAt.Add(-24*time.Hour), "前回の定期診断", owner); err != nil {
			t.Fatal(err)
		}
		if c := item(); c.OK || !strings.Contains(c.Evidence, "from before the discovery") {
			t.Fatalf("a scan before the discovery: %+v", c)
		}
		if _, err := e.svc.Record(ctx, e.inc.ID, incident.EventVulnScan, e.now, "改修後の診断：指摘なし", owner); err != nil {
			t.Fatal(err)
		}
		if c := item(); !c.OK || !strings.Contains(c.Evidence, "改修後の診断") || !strings.Contains(c.Evidence, owner.Name) {
			t.Fatalf("a scan after the discovery: %+v", c)
		}
	})
}

// TestReopen: refused while an item is red, without the switches, without
// a published notice, and a second time; when all is green it turns the
// switches on, appends 再開のお知らせ and records the reopening, audited.
func TestReopen(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		text := incident.UpdateText{TitleJa: "クレジットカード決済再開のお知らせ", BodyJa: "本日よりカード決済を再開いたしました。"}

		// Red: refused, nothing switched, nothing announced.
		e := newReopenEnv(t, d, func(p *probes, _ *incident.ReopenDeps) { p.baseline.Pending = true })
		list, _, err := e.r.Reopen(ctx, e.inc.ID, text, owner)
		if !errors.Is(err, incident.ErrChecklistRed) || shop.ErrorCode(err) != shop.Conflict || !strings.Contains(err.Error(), "baseline") {
			t.Fatalf("reopen while red: %v", err)
		}
		if list.OK() || len(e.p.switched) != 0 || e.kinds()[incident.EventReopened] != 0 {
			t.Fatalf("a red reopening did something: switched %v, timeline %v", e.p.switched, e.kinds())
		}
		if no, _ := e.notices.Get(ctx, e.inc.ID); len(no.Updates) != 0 {
			t.Fatalf("a red reopening was announced: %+v", no.Updates)
		}

		// No switches wired: refused with a clear message.
		e = newReopenEnv(t, d, func(_ *probes, deps *incident.ReopenDeps) { deps.Switches = nil })
		if e.r.SwitchesWired() {
			t.Fatal("SwitchesWired with none")
		}
		if _, _, err := e.r.Reopen(ctx, e.inc.ID, text, owner); !errors.Is(err, incident.ErrSwitchesNotWired) {
			t.Fatalf("reopen without switches: %v", err)
		}

		// The switches fail: nothing announced, nothing recorded.
		e = newReopenEnv(t, d, func(p *probes, _ *incident.ReopenDeps) { p.switchErr = errors.New("switches: database locked") })
		if _, _, err := e.r.Reopen(ctx, e.inc.ID, text, owner); err == nil || !strings.Contains(err.Error(), "database locked") {
			t.Fatalf("reopen with failing switches: %v", err)
		}
		if e.kinds()[incident.EventReopened] != 0 {
			t.Fatal("a failed reopening was recorded")
		}

		// Bad text: named.
		if _, _, err := e.r.Reopen(ctx, e.inc.ID, incident.UpdateText{TitleJa: "再開"}, owner); fields(err)["update_body_ja"] != shop.ReasonRequired {
			t.Fatalf("reopen without a text: %v", err)
		}

		// All green.
		e = newReopenEnv(t, d, nil)
		list, u, err := e.r.Reopen(ctx, e.inc.ID, text, owner)
		if err != nil {
			t.Fatal(err)
		}
		if !list.OK() || u.Number != 2 || u.Kind != incident.UpdateReopening || u.TitleJa != text.TitleJa {
			t.Fatalf("reopened: %+v %+v", list, u)
		}
		if fmt.Sprint(e.p.switched) != "["+owner.Name+"]" {
			t.Fatalf("switches turned on by %v", e.p.switched)
		}
		pub, err := e.notices.Public(ctx, e.inc.ID)
		if err != nil || len(pub.Updates) != 1 || pub.Updates[0].Kind != incident.UpdateReopening {
			t.Fatalf("the store's notice after reopening: %+v, %v", pub.Updates, err)
		}
		if k := e.kinds(); k[incident.EventReopened] != 1 {
			t.Fatalf("timeline %v", k)
		}
		actions := auditActions(t, d)
		if actions["incident.reopen"] != 1 {
			t.Fatalf("audit %v", actions)
		}
		entries, err := audit.List(ctx, d, audit.Filter{Action: "incident.reopen"})
		if err != nil || len(entries) != 1 || entries[0].Actor != owner.Name || !strings.Contains(entries[0].After, "checklist") ||
			!strings.Contains(entries[0].After, "monitor") {
			t.Fatalf("reopen audit entry %+v, %v", entries, err)
		}

		// Once only.
		if _, _, err := e.r.Reopen(ctx, e.inc.ID, text, owner); !errors.Is(err, incident.ErrAlreadyReopened) {
			t.Fatalf("reopen twice: %v", err)
		}
		if len(e.p.switched) != 1 {
			t.Fatalf("the second reopening turned the switches: %v", e.p.switched)
		}

		// No published notice to announce it on.
		e = newReopenEnv(t, d, nil)
		if _, err := e.notices.Withdraw(ctx, e.inc.ID, "", owner); err != nil {
			t.Fatal(err)
		}
		if err := e.r.Refusal(ctx, e.inc.ID); !errors.Is(err, incident.ErrNoticeNotPublished) {
			t.Fatalf("Refusal without a published notice: %v", err)
		}
		if _, _, err := e.r.Reopen(ctx, e.inc.ID, text, owner); !errors.Is(err, incident.ErrNoticeNotPublished) || len(e.p.switched) != 0 {
			t.Fatalf("reopen without a published notice: %v (switched %v)", err, e.p.switched)
		}

		// A closed incident.
		e = newReopenEnv(t, d, nil)
		if _, err := e.svc.Close(ctx, e.inc.ID, "", owner); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.r.Reopen(ctx, e.inc.ID, text, owner); !errors.Is(err, incident.ErrIncidentClosed) {
			t.Fatalf("reopen after closing: %v", err)
		}
	})
}

// TestDraftReopening: the announcement names the day card payments
// stopped, the reopening day and the scan.
func TestDraftReopening(t *testing.T) {
	f := seedCase()
	f.Events = append(f.Events, incident.Event{Kind: incident.EventVulnScan, OccurredAt: time.Date(2020, 12, 1, 10, 0, 0, 0, shop.JST)})
	u := incident.DraftReopening(f, time.Date(2020, 12, 10, 10, 0, 0, 0, shop.JST))
	for _, want := range []string{"2020年6月26日よりクレジットカード決済を停止", "2020年12月10日より再開", "2020年12月1日に脆弱性診断"} {
		if !strings.Contains(u.BodyJa, want) {
			t.Errorf("reopening lacks %q:\n%s", want, u.BodyJa)
		}
	}
	if u.TitleJa != "クレジットカード決済再開のお知らせ" || u.BodyEn == "" || u.TitleEn == "" {
		t.Errorf("reopening %+v", u)
	}
}

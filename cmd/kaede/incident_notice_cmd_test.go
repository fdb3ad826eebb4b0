package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/incident"
	"kaede/internal/jobs"
	"kaede/internal/mail"
	"kaede/internal/monitor"
	"kaede/internal/password"
	"kaede/internal/secevent"
	"kaede/internal/shop"
	"kaede/internal/staff"
	"kaede/internal/switches"
)

// TestIncidentReopenCheckCommand runs the checklist's real probes on a
// real database: the monitor's runs and baselines, the staff accounts,
// the audit chain and the timeline, each turned red in turn.
func TestIncidentReopenCheckCommand(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := jobs.Migrate(ctx, d); err != nil {
			t.Fatal(err)
		}
		by := audit.Actor{Name: "owner@example.jp"}
		incidents := incident.New(d, shop.SystemClock)
		inc, err := incidents.Open(ctx, incident.OpenInput{Title: "決済画面の改ざん", Category: incident.Tampering,
			DiscoveredAt: time.Now().Add(-72 * time.Hour)}, by)
		if err != nil {
			t.Fatal(err)
		}
		staffSvc, err := staff.New(d, mail.NewTestQueue(shop.SystemClock), shop.SystemClock, bytes.Repeat([]byte{7}, staff.KeySize))
		if err != nil {
			t.Fatal(err)
		}
		if err := staffSvc.SetHashParams(password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}); err != nil {
			t.Fatal(err)
		}
		enrolStaff(t, staffSvc, "owner@example.jp")
		id := strconv.FormatInt(inc.ID, 10)

		run := func(args ...string) (string, error) {
			var out, errs bytes.Buffer
			err := runIncidentReopenCheck(ctx, append(args, "--database", d.URL, "--monitor-interval", "1m"), &out, &errs)
			return out.String(), err
		}
		wantLines := func(out string, lines ...string) {
			t.Helper()
			for _, l := range lines {
				if !strings.Contains(out, l) {
					t.Errorf("output lacks %q:\n%s", l, out)
				}
			}
		}

		// A fresh shop: the monitor never ran, no scan recorded.
		out, err := run(id)
		if !errors.Is(err, errChecklistRed) {
			t.Fatalf("reopen-check on a red list: %v\n%s", err, out)
		}
		wantLines(out, "RED    monitor        no monitor run in the last 24 hours", "RED    baseline       no approved baseline",
			"green  second_factor  1 / 1", "green  audit_chain", "RED    vuln_scan")

		// The monitor green for a day, its baseline approved, a scan.
		baseline := insertBaseline(t, d, "approved")
		insertRuns(t, d, baseline, time.Now().Add(-incident.MonitorWindow-time.Minute), time.Now(), -1)
		if _, err := incidents.Record(ctx, inc.ID, incident.EventVulnScan, time.Now().Add(-time.Hour), "診断：指摘なし", by); err != nil {
			t.Fatal(err)
		}
		out, err = run("--json", id) // the ID after a flag, before the others
		if err != nil {
			t.Fatalf("reopen-check on a green list: %v\n%s", err, out)
		}
		var list struct {
			Incident int64 `json:"incident"`
			OK       bool  `json:"ok"`
			Checks   []struct {
				Item     string `json:"item"`
				OK       bool   `json:"ok"`
				Evidence string `json:"evidence"`
			} `json:"checks"`
		}
		if err := json.Unmarshal([]byte(out), &list); err != nil {
			t.Fatalf("JSON: %v\n%s", err, out)
		}
		if !list.OK || list.Incident != inc.ID || len(list.Checks) != 5 {
			t.Fatalf("green list %+v", list)
		}
		for _, c := range list.Checks {
			if !c.OK || c.Evidence == "" {
				t.Errorf("item %+v", c)
			}
		}

		// Each probe turns red for its own reason.
		pending := insertBaseline(t, d, "pending")
		out, err = run(id)
		if !errors.Is(err, errChecklistRed) {
			t.Fatalf("pending baseline: %v", err)
		}
		wantLines(out, "green  monitor", "RED    baseline       baseline #", "awaits approval")
		if _, err := d.ExecContext(ctx, `DELETE FROM monitor_baselines WHERE id = $1`, pending); err != nil {
			t.Fatal(err)
		}

		insertRuns(t, d, baseline, time.Now().Add(-time.Hour), time.Now().Add(-time.Hour+time.Second), 3)
		out, _ = run(id)
		wantLines(out, "RED    monitor", "different, 3 difference(s)", "green  baseline")
		if _, err := d.ExecContext(ctx, `DELETE FROM monitor_runs WHERE result <> 'ok'`); err != nil {
			t.Fatal(err)
		}

		if _, err := staffSvc.Add(ctx, "new@example.jp", staff.Support, staff.CLI); err != nil {
			t.Fatal(err)
		}
		out, _ = run(id)
		wantLines(out, "green  monitor", "RED    second_factor  1 of 2 enabled accounts have no second factor: new@example.jp")

		if _, err := d.ExecContext(ctx, `UPDATE audit_log SET actor = 'someone-else' WHERE id = 1`); err != nil {
			t.Fatal(err)
		}
		out, _ = run(id)
		wantLines(out, "RED    audit_chain    audit log entry 1: edited")

		if _, err := run("abc"); err == nil || !strings.Contains(err.Error(), "ID") {
			t.Errorf("reopen-check abc: %v", err)
		}
		if _, err := run("999"); shop.ErrorCode(err) != shop.NotFound {
			t.Errorf("reopen-check of a missing incident: %v", err)
		}
	})
}

func enrolStaff(t *testing.T, s *staff.Service, email string) {
	t.Helper()
	ctx := context.Background()
	token, err := s.Add(ctx, email, staff.Owner, staff.CLI)
	if err != nil {
		t.Fatal(err)
	}
	e, err := s.Enrol(ctx, token, "a long staff passphrase")
	if err != nil {
		t.Fatal(err)
	}
	code, err := totp.GenerateCode(e.Secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ConfirmTOTP(ctx, token, code); err != nil {
		t.Fatal(err)
	}
}

// insertBaseline stores a baseline in the state as the monitor would.
func insertBaseline(t testing.TB, d *db.DB, state string) int64 {
	t.Helper()
	snap, err := (&monitor.Snapshot{Version: monitor.FormatVersion, BaseURL: "http://127.0.0.1:8080"}).Encode()
	if err != nil {
		t.Fatal(err)
	}
	var approved sql.NullTime
	by := ""
	if state == "approved" {
		approved, by = sql.NullTime{Time: time.Now().UTC(), Valid: true}, "system:monitor"
	}
	var id int64
	if err := d.QueryRowContext(context.Background(), `
		INSERT INTO monitor_baselines (snapshot, digest, manifest_digest, state, created_at, approved_by, approved_at)
		VALUES ($1, 'sha256:0123456789abcdef', 'sha256:release', $2, $3, $4, $5) RETURNING id`,
		string(snap), state, time.Now().UTC(), by, approved).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// insertRuns stores a run every minute in [from, to): clean, or with
// differences when differences >= 0.
func insertRuns(t testing.TB, d *db.DB, baseline int64, from, to time.Time, differences int) {
	t.Helper()
	result, diffs := "ok", "[]"
	if differences >= 0 {
		result = "different"
		ds := make([]string, differences)
		for i := range ds {
			ds[i] = `{"kind":"script_added","severity":"critical","page":"checkout","subject":"https://evil.example/s.js"}`
		}
		diffs = "[" + strings.Join(ds, ",") + "]"
	}
	err := d.Tx(context.Background(), func(tx *sql.Tx) error {
		for at := from.UTC(); at.Before(to); at = at.Add(time.Minute) {
			if _, err := tx.Exec(`
				INSERT INTO monitor_runs (started_at, finished_at, mode, result, differences, manifest_digest, baseline_id)
				VALUES ($1, $2, 'http', $3, $4, 'sha256:release', $5)`, at, at.Add(2*time.Second), result, diffs, baseline); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// BenchmarkReopenCheck verifies the whole checklist with its real probes
// on SQLite, over a day of runs at the default interval (1,441 runs).
func BenchmarkReopenCheck(b *testing.B) {
	ctx := context.Background()
	d := dbtest.SQLite(b)
	incidents := incident.New(d, shop.SystemClock)
	inc, err := incidents.Open(ctx, incident.OpenInput{Title: "改ざん", DiscoveredAt: time.Now().Add(-72 * time.Hour)}, audit.Actor{Name: "cli"})
	if err != nil {
		b.Fatal(err)
	}
	baseline := insertBaseline(b, d, "approved")
	insertRuns(b, d, baseline, time.Now().Add(-incident.MonitorWindow-time.Minute), time.Now(), -1)
	mon, err := buildMonitor("http://127.0.0.1:8080", nil, secevent.NewStore(d, shop.SystemClock), d, monitorOptions{}, shop.SystemClock, switches.NewService(d, shop.SystemClock, 0))
	if err != nil {
		b.Fatal(err)
	}
	r := incident.NewReopening(incidents, incident.NewNotices(incidents), reopenDeps(d, mon, time.Minute))
	b.ResetTimer()
	for b.Loop() {
		list, err := r.Check(ctx, inc.ID)
		if err != nil || !list.Checks[0].OK {
			b.Fatal(list, err)
		}
	}
}

// TestReopenSwitches: the reopening's hook turns every switch in its
// emergency position back to normal, audited as the member of staff, and
// leaves the others alone.
func TestReopenSwitches(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		sw := switches.NewService(d, shop.SystemClock, switches.DefaultTTL)
		ops := audit.Actor{Name: "ops@example.jp", IP: "192.0.2.9"}
		for _, c := range []switches.Change{
			{Name: switches.Card, On: false, Banner: "ただいまカード決済を停止しております。", Reason: "card company called"},
			{Name: switches.Maintenance, On: true, Reason: "investigation"},
		} {
			if _, err := sw.Set(ctx, c, ops); err != nil {
				t.Fatal(err)
			}
		}
		owner := audit.Actor{Name: "owner@example.jp", IP: "192.0.2.1"}
		if err := reopenSwitches(d, sw)(ctx, owner); err != nil {
			t.Fatal(err)
		}
		st, err := switches.Load(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Emergencies()) != 0 || !st.CardPayments() || !st.Checkout() || st.Maintenance() || st.Get(switches.Card).Banner != "" {
			t.Fatalf("after the reopening: %+v", st.All())
		}
		entries, err := audit.List(ctx, d, audit.Filter{Action: "switch.set", Actor: owner.Name})
		if err != nil || len(entries) != 2 {
			t.Fatalf("switch changes audited as the owner: %d, %v", len(entries), err)
		}
	})
}

package incident_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/incident"
	"kaede/internal/shop"
)

var owner = audit.Actor{Name: "owner@example.jp", IP: "192.0.2.1"}

func fields(err error) map[string]string {
	var se *shop.Error
	if errors.As(err, &se) && se.Code == shop.Invalid {
		return se.Fields
	}
	return nil
}

func TestOpenRecordAndDeadlines(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		// Friday 2026-05-01, 10:00 JST: a card company called.
		discovered := time.Date(2026, 5, 1, 10, 0, 0, 0, shop.JST)
		now := discovered.Add(2 * time.Hour)
		svc := incident.New(d, func() time.Time { return now.UTC() })

		inc, err := svc.Open(ctx, incident.OpenInput{Title: "カード情報流出の疑い", Noticed: "カード会社から連絡",
			Category: incident.CardData, DiscoveredAt: discovered, Unauthorised: true}, owner)
		if err != nil {
			t.Fatal(err)
		}
		got, err := svc.Get(ctx, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Title != inc.Title || !got.DiscoveredAt.Equal(discovered) || !got.Unauthorised || got.State != incident.Open {
			t.Fatalf("got %+v", got)
		}
		if _, err := svc.Record(ctx, inc.ID, incident.EventCardStopped, now, "カード決済を停止", owner); err != nil {
			t.Fatal(err)
		}
		// The preliminary report, filed on day 2: on time.
		now = discovered.Add(27 * time.Hour)
		if _, err := svc.Record(ctx, inc.ID, incident.EventPPCPrelim, discovered.Add(26*time.Hour), "速報を提出", owner); err != nil {
			t.Fatal(err)
		}
		tl, err := svc.Timeline(ctx, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(tl) != 3 || tl[0].Kind != incident.EventDetected || tl[1].Kind != incident.EventCardStopped || tl[2].Kind != incident.EventPPCPrelim {
			t.Fatalf("timeline %+v", tl)
		}
		ds, err := svc.Deadlines(ctx, got)
		if err != nil {
			t.Fatal(err)
		}
		status := map[incident.Code]incident.Status{}
		for _, d := range ds {
			status[d.Code] = d.Status
			if d.Code == incident.PPCPreliminary && d.Late {
				t.Errorf("preliminary report filed on day 2 counted late")
			}
		}
		if status[incident.PPCPreliminary] != incident.Filed || status[incident.AcquirerReport] != incident.Pending {
			t.Fatalf("statuses %v", status)
		}

		list, err := svc.List(ctx, incident.Open)
		if err != nil || len(list) != 1 {
			t.Fatalf("list: %v %v", list, err)
		}
		if _, err := svc.Close(ctx, inc.ID, "再開済み", owner); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Close(ctx, inc.ID, "", owner); err == nil {
			t.Fatal("closed twice")
		}
		entries, err := audit.List(ctx, d, audit.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		actions := map[string]int{}
		for _, e := range entries {
			if e.Target == inc.Ref() {
				actions[e.Action]++
			}
		}
		if actions["incident.open"] != 1 || actions["incident.event"] != 2 || actions["incident.close"] != 1 {
			t.Fatalf("audit actions %v", actions)
		}
	})
}

func TestOpenValidates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		now := time.Date(2026, 5, 1, 1, 0, 0, 0, time.UTC)
		svc := incident.New(d, func() time.Time { return now })
		cases := []struct {
			name  string
			in    incident.OpenInput
			field string
		}{
			{"no title", incident.OpenInput{DiscoveredAt: now, Category: incident.CardData}, "title"},
			{"long title", incident.OpenInput{Title: strings.Repeat("あ", 201), DiscoveredAt: now}, "title"},
			{"no discovery", incident.OpenInput{Title: "x", Category: incident.CardData}, "discovered_at"},
			{"future discovery", incident.OpenInput{Title: "x", DiscoveredAt: now.Add(time.Hour)}, "discovered_at"},
			{"unknown category", incident.OpenInput{Title: "x", DiscoveredAt: now, Category: "fire"}, "category"},
		}
		for _, tc := range cases {
			_, err := svc.Open(context.Background(), tc.in, owner)
			if f := fields(err); f[tc.field] == "" {
				t.Errorf("%s: error %v, want field %s", tc.name, err, tc.field)
			}
		}
		inc, err := svc.Open(context.Background(), incident.OpenInput{Title: "x", DiscoveredAt: now}, owner)
		if err != nil {
			t.Fatal(err)
		}
		for name, kind := range map[string]incident.EventKind{"detected": incident.EventDetected, "empty": "", "closed": incident.EventClosed} {
			if _, err := svc.Record(context.Background(), inc.ID, kind, now, "x", owner); fields(err)["kind"] == "" {
				t.Errorf("record %s: %v, want a kind error", name, err)
			}
		}
		if _, err := svc.Record(context.Background(), inc.ID, incident.EventNote, now, "", owner); fields(err)["text"] == "" {
			t.Errorf("empty note accepted: %v", err)
		}
		if _, err := svc.Record(context.Background(), 999, incident.EventNote, now, "x", owner); shop.ErrorCode(err) != shop.NotFound {
			t.Errorf("record on a missing incident: %v", err)
		}
	})
}

func TestEvidenceIsHashedAndKeptOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 5, 1, 1, 0, 0, 0, time.UTC)
		svc := incident.New(d, func() time.Time { return now })
		svc.MaxEvidence = 1 << 10
		inc, err := svc.Open(ctx, incident.OpenInput{Title: "x", DiscoveredAt: now}, owner)
		if err != nil {
			t.Fatal(err)
		}
		log := []byte("203.0.113.7 - - POST /admin/login 200\n")
		ev, err := svc.AddEvidence(ctx, inc.ID, `C:\logs\access.log`, "web server log", bytes.NewReader(log), owner)
		if err != nil {
			t.Fatal(err)
		}
		// sha256 of the log line, computed independently.
		if ev.Name != "access.log" || ev.Size != int64(len(log)) || len(ev.SHA256) != 64 {
			t.Fatalf("evidence %+v", ev)
		}
		if _, err := svc.AddEvidence(ctx, inc.ID, "again.log", "", bytes.NewReader(log), owner); shop.ErrorCode(err) != shop.Conflict {
			t.Fatalf("same file twice: %v", err)
		}
		if _, err := svc.AddEvidence(ctx, inc.ID, "big.bin", "", bytes.NewReader(make([]byte, 1025)), owner); fields(err)["file"] == "" {
			t.Fatalf("too large: %v", err)
		}
		if _, err := svc.AddEvidence(ctx, inc.ID, "", "", bytes.NewReader(log), owner); fields(err)["name"] == "" {
			t.Fatalf("no name: %v", err)
		}
		list, err := svc.EvidenceList(ctx, inc.ID)
		if err != nil || len(list) != 1 {
			t.Fatalf("list %v %v", list, err)
		}
		got, body, err := svc.EvidenceFile(ctx, inc.ID, ev.ID, owner)
		if err != nil || !bytes.Equal(body, log) || got.SHA256 != ev.SHA256 {
			t.Fatalf("file %+v %q %v", got, body, err)
		}
		// A changed copy is refused, not handed out as evidence.
		if _, err := d.Exec(`UPDATE incident_evidence SET content = $1 WHERE id = $2`, []byte("edited"), ev.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.EvidenceFile(ctx, inc.ID, ev.ID, owner); err == nil || !strings.Contains(err.Error(), "SHA-256") {
			t.Fatalf("tampered evidence: %v", err)
		}
	})
}

// TestClosedIncidentTakesOnlyLateKinds: after Close the timeline takes the
// kinds that can arrive after the handling ended (a note, a late finding,
// the final report, notice updates) and refuses the rest with a conflict
// naming the kind, writing nothing.
func TestClosedIncidentTakesOnlyLateKinds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		discovered := time.Date(2026, 5, 1, 10, 0, 0, 0, shop.JST)
		now := discovered.Add(40 * 24 * time.Hour)
		svc := incident.New(d, func() time.Time { return now.UTC() })
		inc, err := svc.Open(ctx, incident.OpenInput{Title: "カード情報流出の疑い", Noticed: "カード会社から連絡",
			Category: incident.CardData, DiscoveredAt: discovered}, owner)
		if err != nil {
			t.Fatal(err)
		}
		// Before closing every manual kind is taken.
		if _, err := svc.Record(ctx, inc.ID, incident.EventCardStopped, discovered.Add(time.Hour), "", owner); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Close(ctx, inc.ID, "対応終了", owner); err != nil {
			t.Fatal(err)
		}
		allowed := map[incident.EventKind]bool{incident.EventNote: true, incident.EventFinding: true,
			incident.EventPPCFinal: true, incident.EventPublicNotice: true}
		kinds := append([]incident.EventKind{incident.EventNoticeWithdrawn}, incident.EventKinds...)
		taken := 0
		for _, k := range kinds {
			_, err := svc.Record(ctx, inc.ID, k, now.Add(-time.Hour), "閉鎖後の記録", owner)
			want := allowed[k] || k == incident.EventNoticeWithdrawn
			if k.AfterClosure() != want {
				t.Errorf("%s: AfterClosure=%v, want %v", k, k.AfterClosure(), want)
			}
			switch {
			case want && err != nil:
				t.Errorf("%s after closing refused: %v", k, err)
			case want:
				taken++
			case !errors.Is(err, incident.ErrClosedKind) || shop.ErrorCode(err) != shop.Conflict || shop.ErrorFields(err)["kind"] == "":
				t.Errorf("%s after closing: err %v, want ErrClosedKind", k, err)
			}
		}
		tl, err := svc.Timeline(ctx, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		// detected, card_stopped, closed, then only the kinds taken.
		if len(tl) != 3+taken || taken != 5 {
			t.Fatalf("timeline has %d entries after %d taken: %+v", len(tl), taken, tl)
		}
	})
}

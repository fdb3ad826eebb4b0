package incident_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/incident"
	"kaede/internal/jobs"
	"kaede/internal/mail"
	"kaede/internal/shop"
)

func TestReportDraftFromTheRecord(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		discovered := time.Date(2026, 5, 1, 10, 0, 0, 0, shop.JST)
		now := discovered.Add(50 * time.Hour)
		svc := incident.New(d, func() time.Time { return now.UTC() })
		svc.Sources = incident.Sources{
			Counts: func(context.Context, int64) (int, int, bool, error) { return 71, 59, true, nil },
			ShopName: func(context.Context) (string, error) {
				return "鍼灸用品ストア", nil
			},
		}
		inc, err := svc.Open(ctx, incident.OpenInput{Title: "決済画面の改ざん", Noticed: "カード会社から不正利用の疑いの連絡",
			Category: incident.CardData, DiscoveredAt: discovered, Unauthorised: true}, owner)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Record(ctx, inc.ID, incident.EventCardStopped, discovered.Add(time.Hour), "", owner); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Record(ctx, inc.ID, incident.EventPolice, discovered.Add(30*time.Hour), "福岡県警に相談", owner); err != nil {
			t.Fatal(err)
		}
		r, err := svc.Report(ctx, inc.ID, incident.Preliminary)
		if err != nil {
			t.Fatal(err)
		}
		if r.Version != 0 {
			t.Fatalf("unsaved draft has version %d", r.Version)
		}
		want := map[string]string{
			"overview":   "2026年5月1日（金） 10:00",
			"people":     "59名（対象となるご注文71件）",
			"cause":      "不正アクセス",
			"prevention": "2026年5月1日（金）、クレジットカード決済を停止した。",
			"other":      "福岡県警に相談",
		}
		for _, it := range r.Items.List() {
			if it.Text == "" {
				t.Errorf("item %d %s is empty", it.N, it.HeadingJA)
			}
			if w, ok := want[it.Field]; ok && !strings.Contains(it.Text, w) {
				t.Errorf("item %s = %q, want %q in it", it.Field, it.Text, w)
			}
		}
		if !strings.Contains(r.Items.Overview, "鍼灸用品ストア") {
			t.Errorf("overview does not name the shop: %s", r.Items.Overview)
		}

		// Edited and saved twice: versions, and the newest is the draft.
		items := r.Items
		items.Cause = "決済画面に第三者が改ざんしたスクリプトが挿入された。"
		if _, err := svc.SaveReport(ctx, inc.ID, incident.Preliminary, items, owner); err != nil {
			t.Fatal(err)
		}
		items.Other = "特になし。"
		saved, err := svc.SaveReport(ctx, inc.ID, incident.Preliminary, items, owner)
		if err != nil || saved.Version != 2 {
			t.Fatalf("second save: %+v %v", saved, err)
		}
		got, err := svc.Report(ctx, inc.ID, incident.Preliminary)
		if err != nil || got.Version != 2 || got.Items.Other != "特になし。" || !strings.Contains(got.Items.Cause, "改ざん") {
			t.Fatalf("saved draft: %+v %v", got, err)
		}
		// The final report is drafted separately.
		if fin, err := svc.Report(ctx, inc.ID, incident.Final); err != nil || fin.Version != 0 {
			t.Fatalf("final: %+v %v", fin, err)
		}

		bad := items
		bad.Overview = ""
		if _, err := svc.SaveReport(ctx, inc.ID, incident.Preliminary, bad, owner); fields(err)["overview"] == "" {
			t.Fatalf("empty overview: %v", err)
		}
		if _, err := svc.Report(ctx, inc.ID, "draft"); fields(err)["kind"] == "" {
			t.Fatalf("unknown kind: %v", err)
		}

		var pdf bytes.Buffer
		if err := svc.ReportPDF(ctx, inc.ID, incident.Preliminary, &pdf); err != nil {
			t.Fatal(err)
		}
		var again bytes.Buffer
		if err := svc.ReportPDF(ctx, inc.ID, incident.Preliminary, &again); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(pdf.Bytes(), []byte("%PDF-")) || !bytes.Equal(pdf.Bytes(), again.Bytes()) {
			t.Fatalf("report PDF: %d bytes, deterministic %v", pdf.Len(), bytes.Equal(pdf.Bytes(), again.Bytes()))
		}
	})
}

func TestDeadlineRemindersOncePerStage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		// Friday 2026-05-01: the 速報 is due by the end of Sunday the 3rd,
		// shown as due soon from the morning of the 3rd.
		discovered := time.Date(2026, 5, 1, 10, 0, 0, 0, shop.JST)
		now := discovered.Add(time.Hour)
		svc := incident.New(d, func() time.Time { return now.UTC() })
		if err := jobs.Migrate(ctx, d); err != nil {
			t.Fatal(err)
		}
		r, err := jobs.New(d, slog.New(slog.NewTextHandler(io.Discard, nil)), jobs.Config{})
		if err != nil {
			t.Fatal(err)
		}
		q := mail.NewQueue(r, func() time.Time { return now.UTC() })
		for _, s := range []struct{ email, role string }{{"owner@kaede.example", "owner"}, {"ship@kaede.example", "shipping"}} {
			if _, err := d.ExecContext(ctx, `INSERT INTO staff (email, role, created_at) VALUES ($1, $2, $3)`, s.email, s.role, now.UTC()); err != nil {
				t.Fatal(err)
			}
		}
		inc, err := svc.Open(ctx, incident.OpenInput{Title: "カード情報流出の疑い", DiscoveredAt: discovered}, owner)
		if err != nil {
			t.Fatal(err)
		}
		reminders := func() []mail.Stored {
			ms, err := mail.List(ctx, d, mail.Filter{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			var out []mail.Stored
			for _, m := range ms {
				if m.Kind == "incident_deadline" {
					out = append(out, m)
				}
			}
			return out
		}
		if n, err := svc.RemindDeadlines(ctx, q, "https://admin.example"); err != nil || n != 0 {
			t.Fatalf("day 1: %d reminders, %v", n, err)
		}
		now = time.Date(2026, 5, 3, 9, 0, 0, 0, shop.JST)
		if n, err := svc.RemindDeadlines(ctx, q, "https://admin.example"); err != nil || n != 1 {
			t.Fatalf("day 3: %d reminders, %v", n, err)
		}
		if n, _ := svc.RemindDeadlines(ctx, q, "https://admin.example"); n != 0 {
			t.Fatalf("day 3 again: %d reminders", n)
		}
		ms := reminders()
		if len(ms) != 1 || ms[0].To != "owner@kaede.example" || !strings.Contains(ms[0].Subject, "速報") ||
			!strings.Contains(ms[0].Body, "/admin/incidents/") {
			t.Fatalf("reminders %+v", ms)
		}
		// Filed on day 4: no overdue reminder for it, but others come.
		if _, err := svc.Record(ctx, inc.ID, incident.EventPPCPrelim, now, "", owner); err != nil {
			t.Fatal(err)
		}
		now = time.Date(2026, 5, 12, 9, 0, 0, 0, shop.JST) // after Golden Week: the acquirer report is overdue
		if _, err := svc.RemindDeadlines(ctx, q, "https://admin.example"); err != nil {
			t.Fatal(err)
		}
		for _, m := range reminders() {
			if strings.Contains(m.Subject, "速報") && strings.Contains(m.Subject, "過ぎ") {
				t.Fatalf("overdue reminder for a filed report: %s", m.Subject)
			}
		}
		if len(reminders()) < 2 {
			t.Fatalf("no acquirer reminder by 2026-05-12: %d", len(reminders()))
		}
	})
}

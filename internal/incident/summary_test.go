package incident_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/incident"
	"kaede/internal/pdfdoc/pdftext"
	"kaede/internal/shop"
)

func TestSummaryPDF(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		// Friday 2026-05-01 10:00 JST; the summary is printed on Monday
		// 05-04 at 09:00, a holiday (みどりの日).
		discovered := time.Date(2026, 5, 1, 10, 0, 0, 0, shop.JST)
		now := discovered.Add(2 * time.Hour)
		svc := incident.New(d, func() time.Time { return now.UTC() })
		inc, err := svc.Open(ctx, incident.OpenInput{Title: "決済画面の改ざんによるカード情報流出の疑い",
			Noticed: "カード会社から不正利用の連絡", Category: incident.CardData, DiscoveredAt: discovered, Unauthorised: true}, owner)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Record(ctx, inc.ID, incident.EventCardStopped, discovered.Add(time.Hour), "カード決済を停止した", owner); err != nil {
			t.Fatal(err)
		}
		now = discovered.Add(31 * time.Hour)
		if _, err := svc.Record(ctx, inc.ID, incident.EventPPCPrelim, discovered.Add(30*time.Hour), "速報を提出", owner); err != nil {
			t.Fatal(err)
		}
		log := []byte("2026-05-01T00:12:00Z GET /checkout 200\n")
		if _, err := svc.AddEvidence(ctx, inc.ID, "access.log", "ウェブサーバーのアクセスログ", bytes.NewReader(log), owner); err != nil {
			t.Fatal(err)
		}
		now = time.Date(2026, 5, 4, 9, 0, 0, 0, shop.JST)

		var first, second bytes.Buffer
		if err := svc.SummaryPDF(ctx, inc.ID, "ja", &first); err != nil {
			t.Fatal(err)
		}
		if err := svc.SummaryPDF(ctx, inc.ID, "ja", &second); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first.Bytes(), second.Bytes()) {
			t.Error("two summaries of the same record at the same time differ")
		}
		text := strings.Join(pdftext.Pages(t, first.Bytes()), "")
		sum := sha256.Sum256(log)
		for _, want := range []string{
			"インシデント記録の概要 #1",
			"決済画面の改ざんによるカード情報流出の疑い",
			"2026-05-04 09:00 JST 時点",
			"2026-05-01 10:00 JST",
			"あり（個人情報保護委員会への確報は60日以内）",
			"カード会社から不正利用の連絡",
			// The deadlines, with their days and status.
			"個人情報保護委員会への速報", "2026-05-03（日）", "遅くとも 2026-05-05（火）", "提出済み", "期限内に提出",
			// Three business days after Friday 05-01, past the Golden
			// Week holidays (05-04 to 05-06): Monday 05-11.
			"アクワイアラへのインシデント報告", "2026-05-11（月）", "あと7日",
			"個人情報保護委員会への確報", "2026-06-29（月）",
			// The timeline, oldest first, and the evidence's hash.
			"2026-05-01 10:00 JST　発覚", "2026-05-01 11:00 JST　カード決済を停止", "カード決済を停止した", "記録: owner@example.jp",
			"access.log", "SHA-256: " + hex.EncodeToString(sum[:]), "ウェブサーバーのアクセスログ",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("summary lacks %q:\n%s", want, text)
			}
		}
		if strings.Index(text, "2026-05-01 10:00 JST　発覚") > strings.Index(text, "2026-05-01 11:00 JST　カード決済を停止") {
			t.Error("the timeline is not oldest first")
		}

		var en bytes.Buffer
		if err := svc.SummaryPDF(ctx, inc.ID, "en", &en); err != nil {
			t.Fatal(err)
		}
		if text := strings.Join(pdftext.Pages(t, en.Bytes()), ""); !strings.Contains(text, "Incident record summary #1") || !strings.Contains(text, "2026-05-11 (Mon)") {
			t.Errorf("English summary:\n%s", text)
		}

		if err := svc.SummaryPDF(ctx, 999, "ja", &bytes.Buffer{}); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("summary of a missing incident: %v, want NotFound", err)
		}
	})
}

// TestSummaryLongRecord prints findings longer than a page: the summary
// runs on over pages instead of failing as one table row would.
func TestSummaryLongRecord(t *testing.T) {
	at := time.Date(2026, 5, 1, 1, 0, 0, 0, time.UTC)
	s := incident.Summary{
		Incident: incident.Incident{ID: 7, Title: "長い記録", Category: incident.CardData, State: incident.Closed,
			DiscoveredAt: at, OpenedBy: "owner@example.jp", OpenedAt: at, ClosedBy: "owner@example.jp", ClosedAt: at.Add(90 * 24 * time.Hour)},
		AsOf: at.Add(100 * 24 * time.Hour),
	}
	ds, err := incident.Deadlines(at, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		s.Deadlines = append(s.Deadlines, incident.DeadlineState{Deadline: d, Status: incident.Overdue})
	}
	long := strings.Repeat("調査の結果、決済画面に外部のスクリプトが挿入されていたことが判明した。", 120)
	for i := range 30 {
		s.Timeline = append(s.Timeline, incident.Event{ID: int64(i + 1), Kind: incident.EventFinding,
			OccurredAt: at.Add(time.Duration(i) * time.Hour), Text: long[:len(long)*(i%3+1)/3], RecordedBy: "owner@example.jp", RecordedAt: at})
	}
	var b bytes.Buffer
	if err := s.WritePDF(&b); err != nil {
		t.Fatal(err)
	}
	pages := pdftext.Pages(t, b.Bytes())
	if len(pages) < 10 {
		t.Fatalf("pages=%d, want the long findings to run over many", len(pages))
	}
	text := strings.Join(pages, "")
	if !strings.Contains(text, "対応終了") || !strings.Contains(text, "日超過") {
		t.Errorf("closed state or overdue days missing:\n%.2000s", text)
	}
}

func TestParseTime(t *testing.T) {
	want := time.Date(2026, 5, 1, 1, 0, 0, 0, time.UTC) // 10:00 JST
	for _, tt := range []struct {
		in string
		ok bool
	}{
		{"2026-05-01T10:00:00+09:00", true},
		{"2026-05-01T01:00:00Z", true},
		{"2026-05-01 10:00", true},
		{"2026-05-01 10:00:00", true},
		{"2026-05-01T10:00", true},
		{"２０２６-０５-０１ １０:００", true},
		{" 2026-05-01 10:00 ", true},
		{"", false},
		{"2026-05-01", false},
		{"10:00", false},
		{"2026-05-01 25:00", false},
		{"yesterday", false},
	} {
		got, err := incident.ParseTime(tt.in)
		switch {
		case tt.ok && (err != nil || !got.Equal(want) || got.Location() != time.UTC):
			t.Errorf("ParseTime(%q)=%v, %v; want %v", tt.in, got, err, want)
		case !tt.ok && err == nil:
			t.Errorf("ParseTime(%q)=%v, want an error", tt.in, got)
		}
	}
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2026-05-01 10:00", "2026-05-01T10:00:00+09:00", "x", "２０２６-０５-０１ １０:００"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := incident.ParseTime(s)
		if err == nil && got.Location() != time.UTC {
			t.Fatalf("ParseTime(%q) in %v, want UTC", s, got.Location())
		}
	})
}

func TestDaysLeftAndDay(t *testing.T) {
	due := time.Date(2026, 5, 7, 23, 59, 59, 999999999, shop.JST)
	d := incident.Deadline{Due: due}
	for _, tt := range []struct {
		now  time.Time
		want int
	}{
		{time.Date(2026, 5, 4, 0, 0, 0, 0, shop.JST), 3},
		{time.Date(2026, 5, 6, 23, 59, 0, 0, shop.JST), 1},
		{time.Date(2026, 5, 7, 0, 0, 0, 0, shop.JST), 0},
		{time.Date(2026, 5, 6, 15, 30, 0, 0, time.UTC), 0}, // 05-07 00:30 in Japan
		{time.Date(2026, 5, 8, 0, 0, 0, 0, shop.JST), -1},
		{time.Date(2026, 6, 7, 12, 0, 0, 0, shop.JST), -31},
	} {
		if got := d.DaysLeft(tt.now); got != tt.want {
			t.Errorf("DaysLeft(%v)=%d, want %d", tt.now, got, tt.want)
		}
	}
	if got := incident.Day(due.UTC(), "ja"); got != "2026-05-07（木）" {
		t.Errorf("Day ja=%q", got)
	}
	if got := incident.Day(due.UTC(), "en"); got != "2026-05-07 (Thu)" {
		t.Errorf("Day en=%q", got)
	}
	if got := incident.EventKind("scope_saved").Label("ja"); got != "scope_saved" {
		t.Errorf("label of an unknown kind=%q, want the code", got)
	}
	for k, want := range map[incident.EventKind]bool{incident.EventPolice: true, incident.EventNote: true,
		incident.EventDetected: false, incident.EventClosed: false, "scope_saved": false, "": false} {
		if got := k.Manual(); got != want {
			t.Errorf("%q.Manual()=%v, want %v", k, got, want)
		}
	}
}

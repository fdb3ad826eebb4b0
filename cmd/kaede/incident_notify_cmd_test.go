package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/incident"
	"kaede/internal/incident/scopetest"
	"kaede/internal/jobs"
	"kaede/internal/mail"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// prepareCampaign opens an incident and prepares its campaign for n
// customers, as the admin does from the saved scope.
func prepareCampaign(t *testing.T, d *db.DB, n int) int64 {
	t.Helper()
	ctx := context.Background()
	if err := jobs.Migrate(ctx, d); err != nil {
		t.Fatal(err)
	}
	inc := incident.New(d, shop.SystemClock)
	i, err := inc.Open(ctx, incident.OpenInput{Title: "カード情報流出", Category: incident.CardData,
		DiscoveredAt: time.Now().Add(-time.Hour)}, audit.Actor{Name: "owner@example.jp"})
	if err != nil {
		t.Fatal(err)
	}
	var cs []incident.Customer
	for k := range n {
		email := fmt.Sprintf("c%d@example.jp", k)
		cs = append(cs, incident.Customer{Key: email, Email: email, Name: fmt.Sprintf("佐藤 花子%d", k), PostalCode: "1000001",
			Prefecture: "東京都", City: "千代田区", Line1: fmt.Sprintf("千代田1-%d", k+1),
			Orders: []incident.AffectedOrder{{Number: fmt.Sprintf("K-%d", 100+k), PlacedAt: time.Now().Add(-48 * time.Hour), Method: "card", Brand: "jcb", Last4: "1234"}}})
	}
	scope := func(context.Context, int64) (incident.Scope, []incident.Customer, error) {
		return incident.Scope{ID: 1, Version: 1}, cs, nil
	}
	c := incident.NewCampaigns(inc, mail.NewTestQueue(shop.SystemClock), settings.NewService(d, shop.SystemClock, 0), scope)
	if _, _, err := c.Prepare(ctx, i.ID, audit.Actor{Name: "owner@example.jp"}); err != nil {
		t.Fatal(err)
	}
	return i.ID
}

func TestIncidentNotifyCommand(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		id := prepareCampaign(t, d, 3)
		run := func(args ...string) (string, error) {
			var out, errOut bytes.Buffer
			err := runIncident(ctx, append([]string{"notify"}, args...), &out, &errOut)
			return out.String(), err
		}
		if _, err := run(fmt.Sprint(id), "--database", d.URL); err == nil || !strings.Contains(err.Error(), "--skip-test") {
			t.Fatalf("notify without a test: %v, want a refusal naming --skip-test", err)
		}
		out, err := run(fmt.Sprint(id), "--skip-test", "--database", d.URL)
		if err != nil || !strings.Contains(out, "queued 3, skipped 0") {
			t.Fatalf("notify --skip-test: %q %v", out, err)
		}
		// Flags first, the ID last, works too; nobody gets a second copy.
		out, err = run("--skip-test", "--database", d.URL, fmt.Sprint(id))
		if err != nil || !strings.Contains(out, "queued 0, skipped 3") {
			t.Fatalf("second notify: %q %v", out, err)
		}
		if _, err := run("x", "--database", d.URL); err == nil || !strings.Contains(err.Error(), "want a number") {
			t.Fatalf("notify x: %v", err)
		}
		// Without a campaign and with no scope in this build: a clear refusal.
		if _, err := run(fmt.Sprint(id+1), "--database", d.URL); err == nil {
			t.Fatalf("notify of an incident without a campaign succeeded")
		}
		var entries int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'incident.campaign.send' AND actor = 'cli'`).Scan(&entries); err != nil || entries != 1 {
			t.Fatalf("CLI send audit entries=%d %v, want 1", entries, err)
		}
	})
}

func TestIncidentLettersCommand(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		id := prepareCampaign(t, d, 4)
		dir := t.TempDir()
		pdf, csv := filepath.Join(dir, "letters.pdf"), filepath.Join(dir, "labels.csv")
		var out, errOut bytes.Buffer
		err := runIncident(ctx, []string{"letters", fmt.Sprint(id), "--database", d.URL, "--out", pdf, "--labels", csv, "--encoding", "sjis"}, &out, &errOut)
		if err != nil {
			t.Fatalf("letters: %v\n%s", err, errOut.String())
		}
		if !strings.Contains(out.String(), "4 letters written") || !strings.Contains(out.String(), "4 labels written") {
			t.Fatalf("letters printed %q", out.String())
		}
		b, err := os.ReadFile(pdf)
		if err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) || bytes.Count(b, []byte("/Type /Page\n")) != 4 {
			t.Fatalf("PDF: %v, %d pages", err, bytes.Count(b, []byte("/Type /Page\n")))
		}
		if fi, err := os.Stat(pdf); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("PDF mode %v %v, want 0600: it holds every customer's address", fi.Mode(), err)
		}
		// A failed run leaves no file behind.
		bad := filepath.Join(dir, "bad.pdf")
		err = runIncidentLetters(ctx, []string{fmt.Sprint(id), "--database", d.URL, "--out", bad, "--offset", "10"}, &out, &errOut)
		if err == nil {
			t.Fatalf("letters past the end succeeded")
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 2 {
			t.Fatalf("directory holds %d files after a failed run, want 2", len(entries))
		}
		if err := runIncidentLetters(ctx, []string{fmt.Sprint(id), "--database", d.URL}, &out, &errOut); err == nil || !strings.Contains(err.Error(), "--out") {
			t.Fatalf("letters without --out: %v", err)
		}
	})
}

// TestIncidentNotifyFromTheSavedScope runs the commands on a real saved
// scope: three card buyers inside the window (one of them twice, once as
// a guest), one outside, one who paid by bank transfer.
func TestIncidentNotifyFromTheSavedScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := jobs.Migrate(ctx, d); err != nil {
			t.Fatal(err)
		}
		from := time.Date(2019, 8, 28, 0, 0, 0, 0, shop.JST)
		to := time.Date(2020, 6, 27, 0, 0, 0, 0, shop.JST)
		s := scopetest.New(t, d)
		member := s.Member("hanako@example.jp", &scopetest.Address)
		s.Order(scopetest.Order{Email: "hanako@example.jp", MemberID: member, At: from.Add(24 * time.Hour)})
		s.Order(scopetest.Order{Email: "Hanako@Example.jp", At: from.Add(48 * time.Hour)}) // the same person as a guest
		s.Order(scopetest.Order{Email: "ichiro@example.jp", At: to.Add(-time.Hour)})
		s.Order(scopetest.Order{Email: "jiro@example.jp", At: from.Add(100 * 24 * time.Hour)})
		s.Order(scopetest.Order{Email: "late@example.jp", At: to.Add(time.Hour)})
		s.Order(scopetest.Order{Email: "transfer@example.jp", At: from.Add(72 * time.Hour), Method: "bank_transfer"})
		inc := incident.New(d, shop.SystemClock)
		i, err := inc.Open(ctx, incident.OpenInput{Title: "カード情報流出", Category: incident.CardData,
			DiscoveredAt: time.Now().Add(-time.Hour)}, audit.Actor{Name: "owner@example.jp"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := inc.SaveScope(ctx, i.ID, incident.Query{From: from, To: to, Methods: []string{"card"}}, audit.Actor{Name: "owner@example.jp"}); err != nil {
			t.Fatal(err)
		}
		var out, errOut bytes.Buffer
		if err := runIncident(ctx, []string{"notify", fmt.Sprint(i.ID), "--skip-test", "--database", d.URL}, &out, &errOut); err != nil {
			t.Fatalf("notify: %v\n%s", err, errOut.String())
		}
		if !strings.Contains(out.String(), "3 recipients") || !strings.Contains(out.String(), "queued 3, skipped 0") {
			t.Fatalf("notify printed %q, want 3 recipients queued", out.String())
		}
		got := map[string]int{}
		rows, err := d.QueryContext(ctx, `SELECT to_addr FROM mail_messages WHERE kind = $1`, incident.MailKindNotice)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var to string
			rows.Scan(&to)
			got[strings.ToLower(to)]++
		}
		rows.Close()
		if len(got) != 3 || got["hanako@example.jp"] != 1 || got["ichiro@example.jp"] != 1 || got["jiro@example.jp"] != 1 {
			t.Fatalf("notices went to %v, want hanako, ichiro and jiro once each", got)
		}
		pdf := filepath.Join(t.TempDir(), "letters.pdf")
		out.Reset()
		if err := runIncident(ctx, []string{"letters", fmt.Sprint(i.ID), "--database", d.URL, "--out", pdf}, &out, &errOut); err != nil {
			t.Fatalf("letters: %v\n%s", err, errOut.String())
		}
		if !strings.Contains(out.String(), "3 letters written") {
			t.Fatalf("letters printed %q", out.String())
		}
	})
}

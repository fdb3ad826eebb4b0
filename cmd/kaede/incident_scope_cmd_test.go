package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/incident"
	"kaede/internal/incident/scopetest"
	"kaede/internal/jobs"
	"kaede/internal/shop"
)

// TestIncidentScopeCommands counts, saves and exports an incident's scope
// from the command line: card orders in January, from two people (one of
// them twice, once in capitals), and orders around them that are not in it.
func TestIncidentScopeCommands(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := jobs.Migrate(ctx, d); err != nil {
			t.Fatal(err)
		}
		inc, err := incident.New(d, nil).Open(ctx, incident.OpenInput{Title: "カード情報流出",
			DiscoveredAt: time.Now().Add(-time.Hour)}, audit.Actor{Name: "owner@example.jp"})
		if err != nil {
			t.Fatal(err)
		}
		id := strconv.FormatInt(inc.ID, 10)
		s := scopetest.New(t, d)
		day := func(m time.Month, n int) time.Time { return time.Date(2026, m, n, 12, 0, 0, 0, shop.JST) }
		s.Order(scopetest.Order{Email: "hanako@example.jp", At: day(1, 1)})
		s.Order(scopetest.Order{Email: "HANAKO@example.jp", At: day(1, 31), Payments: []scopetest.Payment{{Brand: "jcb", Last4: "0000"}}})
		s.Order(scopetest.Order{Email: "taro@example.jp", At: day(1, 15)})
		s.Order(scopetest.Order{Email: "bank@example.jp", Method: "bank_transfer", At: day(1, 15)})
		s.Order(scopetest.Order{Email: "feb@example.jp", At: day(2, 1)})

		run := func(f func(context.Context, []string, *bytes.Buffer, *bytes.Buffer) error, args ...string) (string, error) {
			var out, errs bytes.Buffer
			err := f(ctx, append(args, "--database", d.URL), &out, &errs)
			return out.String(), err
		}
		scope := func(ctx context.Context, a []string, out, errs *bytes.Buffer) error {
			return runIncidentScope(ctx, a, out, errs)
		}
		export := func(ctx context.Context, a []string, out, errs *bytes.Buffer) error {
			return runIncidentExport(ctx, a, out, errs)
		}

		out, err := run(scope, id, "--from", "2026-01-01", "--to", "2026-01-31", "--method", "card", "--json")
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Orders, Customers, Days, Version int
			Query                            struct{ From, To time.Time }
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("JSON: %v\n%s", err, out)
		}
		if got.Orders != 3 || got.Customers != 2 || got.Days != 31 || got.Version != 0 ||
			!got.Query.To.Equal(time.Date(2026, 2, 1, 0, 0, 0, 0, shop.JST)) {
			t.Fatalf("scope %+v, want 3 orders from 2 people over 31 days, to 1 February, not saved", got)
		}
		out, err = run(scope, id, "--from", "2026-01-01", "--to", "2026-01-31", "--brand", "JCB,visa", "--method", "card", "--method", "cod")
		if err != nil || !strings.Contains(out, "orders:    3\ncustomers: 2\n") || strings.Contains(out, "saved") {
			t.Fatalf("text output %q %v", out, err)
		}
		// An instant as --to ends the window there.
		out, err = run(scope, "--from", "2026-01-01", "--to", "2026-01-31T00:00:00+09:00", id, "--json")
		if err != nil || !strings.Contains(out, `"orders": 3`) {
			t.Fatalf("window to an instant: %s %v, want the two card orders and the bank transfer", out, err)
		}

		if _, err := run(export, id, "--acquirer", "--out", filepath.Join(t.TempDir(), "x.csv")); err == nil ||
			!strings.Contains(err.Error(), "no saved scope") {
			t.Errorf("export before saving: %v", err)
		}
		out, err = run(scope, id, "--from", "2026-01-01", "--to", "2026-01-31", "--method", "card", "--save")
		if err != nil || !strings.Contains(out, "saved as version 1") {
			t.Fatalf("save: %q %v", out, err)
		}
		if list, _ := audit.List(ctx, d, audit.Filter{Action: "incident.scope.save", Actor: audit.ActorCLI}); len(list) != 1 {
			t.Errorf("incident.scope.save entries by the CLI: %d, want 1", len(list))
		}

		file := filepath.Join(t.TempDir(), "acquirer.csv")
		out, err = run(export, id, "--acquirer", "--out", file)
		if err != nil || !strings.Contains(out, "wrote 3 card transactions") {
			t.Fatalf("export: %q %v", out, err)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o600 {
			t.Errorf("the export is readable by others: %v", fi.Mode())
		}
		rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\uFEFF")))).ReadAll()
		if err != nil || len(rows) != 4 || strings.Join(rows[0], ",") != "取引日時,金額,カードブランド,カード下4桁,決済ID,注文番号" {
			t.Fatalf("acquirer CSV %q %v", rows, err)
		}
		if _, err := run(export, id, "--customers", "--encoding", "sjis", "--version", "1", "--out", filepath.Join(t.TempDir(), "c.csv")); err != nil {
			t.Fatal(err)
		}

		bad := [][]string{
			{id, "--to", "2026-01-31"},
			{id, "--from", "2026/01/01", "--to", "2026-01-31"},
			{id, "--from", "2026-01-31", "--to", "2026-01-01"},
			{id, "--from", "2026-01-01", "--to", "2026-01-31", "--method", "bitcoin"},
			{"x", "--from", "2026-01-01", "--to", "2026-01-31"},
			{"99", "--from", "2026-01-01", "--to", "2026-01-31"},
			{"--from", "2026-01-01", "--to", "2026-01-31"},
		}
		for _, args := range bad {
			if _, err := run(scope, args...); err == nil {
				t.Errorf("scope %q: no error", args)
			}
		}
		if _, err := run(scope, id, "--from", "2026-01-01", "--to", "2026-01-31", "--method", "bitcoin"); err == nil ||
			!strings.Contains(err.Error(), "--method") {
			t.Errorf("a bad method is not named by its flag: %v", err)
		}
		if _, err := run(export, id, "--out", "x.csv"); err == nil {
			t.Error("export without --acquirer or --customers: no error")
		}
	})
}

package order_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/order"
	"kaede/internal/settings"
)

// TestPruneRemovesPersonalDataAfterTheTaxYears: an order placed more than
// Retention.OrderYears ago keeps its figures and lines and names nobody;
// a younger one is untouched; an incident's hold stops the removal.
func TestPruneRemovesPersonalDataAfterTheTaxYears(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		old := f.placeAs(t, taro(), order.BankTransfer)
		young := f.placeAs(t, hanako(), order.BankTransfer)
		placedAt := clock()
		// The older order was placed seven years and a day before "now".
		if _, err := d.ExecContext(ctx, `UPDATE orders SET created_at = $1 WHERE id = $2`,
			placedAt.AddDate(-7, 0, -1), old.ID); err != nil {
			t.Fatal(err)
		}

		for _, o := range []*order.Order{old, young} {
			if err := f.orders.SetMemo(ctx, o.Number, "お電話あり 090-1111-2222", staff); err != nil {
				t.Fatal(err)
			}
		}

		set := settings.Default()
		set.Retention.IncidentHold = true
		saveSettings(t, d, set)
		if n, err := f.orders.Prune(ctx, placedAt); err != nil || n != 0 {
			t.Fatalf("under an incident hold: pruned %d, %v", n, err)
		}
		set.Retention.IncidentHold = false
		saveSettings(t, d, set)
		n, err := f.orders.Prune(ctx, placedAt)
		if err != nil || n != 1 {
			t.Fatalf("pruned %d, %v; want 1", n, err)
		}
		if n, err := f.orders.Prune(ctx, placedAt); err != nil || n != 0 {
			t.Fatalf("second run pruned %d, %v", n, err)
		}

		got, err := f.orders.Get(ctx, old.Number)
		if err != nil {
			t.Fatal(err)
		}
		a := got.Address
		if got.Email != "" || a.Name != "" || a.NameKana != "" || a.PostalCode != "" || a.City != "" || a.Line1 != "" ||
			a.Line2 != "" || a.Phone != "" || got.Note != "" {
			t.Errorf("old order keeps personal data: %+v", got)
		}
		if got.Total != old.Total || len(got.Lines) != len(old.Lines) || len(got.Taxes) != len(old.Taxes) {
			t.Errorf("old order lost its figures: total %d lines %d taxes %d", got.Total, len(got.Lines), len(got.Taxes))
		}
		kept, err := f.orders.Get(ctx, young.Number)
		if err != nil {
			t.Fatal(err)
		}
		if kept.Email != young.Email || kept.Address.Name != young.Address.Name {
			t.Errorf("young order changed: %+v", kept)
		}
		if e := auditEntries(t, d, "order.personal_data_removed"); len(e) != 1 || !strings.Contains(e[0].After, `"memos":1`) {
			t.Errorf("audit entries for the removal: %+v, want 1 with one memo", e)
		}
		if m, err := f.orders.Memo(ctx, old.Number); err != nil || m.Body != "" {
			t.Errorf("old order keeps its memo %q, %v", m.Body, err)
		}
		if m, err := f.orders.Memo(ctx, young.Number); err != nil || m.Body == "" {
			t.Errorf("young order lost its memo: %v", err)
		}
	})
}

func saveSettings(t *testing.T, d *db.DB, s settings.Settings) {
	t.Helper()
	ctx := context.Background()
	if err := d.Tx(ctx, func(tx *sql.Tx) error { return settings.Save(ctx, tx, s, clock()) }); err != nil {
		t.Fatal(err)
	}
}

package cart_test

import (
	"context"
	"testing"

	"kaede/internal/cart"
	"kaede/internal/cart/carttest"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/shop"
)

func TestReorderTakesWhatIsForSale(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		catalog(t, d)
		ctx := context.Background()
		s := cart.New(d, clock)
		variant := func(sku string) int64 {
			var id int64
			if err := d.QueryRowContext(ctx, `SELECT id FROM variants WHERE sku = $1`, sku).Scan(&id); err != nil {
				t.Fatal(err)
			}
			return id
		}
		c, err := s.Create(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddItem(ctx, c.ID, "NEEDLE", 2, guest); err != nil {
			t.Fatal(err)
		}
		items := []cart.ReorderItem{
			{VariantID: variant("NEEDLE"), Quantity: 4, UnitPrice: 1100}, // 2 + 4 over the limit of 5
			{VariantID: variant("FEW"), Quantity: 2, UnitPrice: 450},     // all of it, dearer now
			{VariantID: variant("PRO"), Quantity: 1, UnitPrice: 3300},    // practitioners only
			{VariantID: variant("DRAFT"), Quantity: 1, UnitPrice: 100},   // withdrawn
			{VariantID: variant("TEA"), Quantity: 3, UnitPrice: 540},
		}
		results, got, err := s.Reorder(ctx, c.ID, items, guest)
		if err != nil {
			t.Fatal(err)
		}
		want := []struct {
			outcome string
			qty     int
			price   shop.Yen
			changed bool
		}{
			{cart.ReorderReduced, 3, 1100, false},
			{cart.ReorderAdded, 2, 500, true},
			{cart.ReorderUnavailable, 0, 0, false},
			{cart.ReorderUnavailable, 0, 0, false},
			{cart.ReorderAdded, 3, 540, false},
		}
		for i, w := range want {
			r := results[i]
			if r.Outcome != w.outcome || r.Quantity != w.qty || r.UnitPrice != w.price || r.PriceChanged() != w.changed {
				t.Fatalf("item %d: %s ×%d at %d (changed %v), want %s ×%d at %d (%v)",
					i, r.Outcome, r.Quantity, r.UnitPrice, r.PriceChanged(), w.outcome, w.qty, w.price, w.changed)
			}
		}
		if got.Count != 5+2+3 {
			t.Fatalf("cart holds %d items, want 10", got.Count)
		}

		// Again: the stock of FEW is all in the cart now.
		results, _, err = s.Reorder(ctx, c.ID, items[1:2], guest)
		if err != nil || results[0].Outcome != cart.ReorderUnavailable {
			t.Fatalf("second re-order of FEW: %+v %v", results, err)
		}
		// A practitioner gets PRO at their price.
		results, _, err = s.Reorder(ctx, c.ID, items[2:3], practitioner)
		if err != nil || results[0].Outcome != cart.ReorderAdded || results[0].Quantity != 1 {
			t.Fatalf("practitioner re-order of PRO: %+v %v", results, err)
		}
	})
}

func TestReorderStopsAtAFullCart(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := cart.New(d, clock)
		c, err := s.Create(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		var items []cart.ReorderItem
		for i := range cart.MaxLines + 1 {
			id := carttest.AddVariant(t, d, carttest.Variant{SKU: "L" + string(rune('A'+i/26)) + string(rune('A'+i%26)), Price: 100, Stock: 5})
			items = append(items, cart.ReorderItem{VariantID: id, Quantity: 1, UnitPrice: 100})
		}
		results, got, err := s.Reorder(ctx, c.ID, items, guest)
		if err != nil {
			t.Fatal(err)
		}
		if results[cart.MaxLines].Outcome != cart.ReorderCartFull || len(got.Lines) != cart.MaxLines {
			t.Fatalf("last item %s, cart of %d lines", results[cart.MaxLines].Outcome, len(got.Lines))
		}
	})
}

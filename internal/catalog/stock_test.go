package catalog_test

import (
	"context"
	"database/sql"
	"testing"

	"kaede/internal/catalog"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/shop"
)

func TestReserveAndReturnStock(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		cat := fixture(t, d)
		oil := catalog.Quantity{VariantID: variantID(t, cat, "OIL-ALM-100"), SKU: "OIL-ALM-100"} // 20 in stock
		big := catalog.Quantity{VariantID: variantID(t, cat, "OIL-ALM-500"), SKU: "OIL-ALM-500"} // 3 in stock
		stock := func(sku string) int {
			t.Helper()
			_, v, err := cat.VariantBySKU(ctx, sku)
			if err != nil {
				t.Fatal(err)
			}
			return v.Stock
		}
		with := func(q catalog.Quantity, n int) catalog.Quantity { q.Quantity = n; return q }

		// Every line or none: the second line's shortage rolls back the first.
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			return catalog.ReserveStock(ctx, tx, []catalog.Quantity{with(oil, 5), with(big, 4)})
		})
		if shop.ErrorCode(err) != shop.OutOfStock {
			t.Fatalf("reserving 4 of 3: err=%v, want out of stock", err)
		}
		if got := stock("OIL-ALM-100"); got != 20 {
			t.Fatalf("after a failed reservation stock=%d, want 20", got)
		}

		if err := d.Tx(ctx, func(tx *sql.Tx) error {
			return catalog.ReserveStock(ctx, tx, []catalog.Quantity{with(big, 3), with(oil, 5)})
		}); err != nil {
			t.Fatal(err)
		}
		if got, got2 := stock("OIL-ALM-100"), stock("OIL-ALM-500"); got != 15 || got2 != 0 {
			t.Fatalf("after reserving stock=%d and %d, want 15 and 0", got, got2)
		}

		if err := d.Tx(ctx, func(tx *sql.Tx) error {
			return catalog.ReturnStock(ctx, tx, []catalog.Quantity{with(oil, 5), with(big, 3)})
		}); err != nil {
			t.Fatal(err)
		}
		if got, got2 := stock("OIL-ALM-100"), stock("OIL-ALM-500"); got != 20 || got2 != 3 {
			t.Fatalf("after returning stock=%d and %d, want 20 and 3", got, got2)
		}
	})
}

package checkout_test

import (
	"context"
	"testing"
	"time"

	"kaede/internal/cart/carttest"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/shop"
)

// Keys older than the retention period (a day by default) go; newer ones
// stay, and still replay.
func TestPruneIdempotencyKeys(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		carttest.AddVariant(t, d, carttest.Variant{SKU: "A", Price: 1100, Stock: 50})
		in := input(f.cartWith(t, shop.Viewer{}, "A", 1), "cod", "kept-key")
		if _, _, err := f.checkout.Place(ctx, in); err != nil {
			t.Fatal(err)
		}

		n, err := f.checkout.Prune(ctx, clock().Add(24*time.Hour-time.Second))
		if err != nil {
			t.Fatalf("Prune: %v", err)
		}
		if n != 0 || carttest.Count(t, d, "idempotency_keys") != 1 {
			t.Fatalf("a day less a second later: pruned %d, %d keys left, want 0 and 1", n, carttest.Count(t, d, "idempotency_keys"))
		}
		if _, _, err := f.checkout.Place(ctx, in); err != nil {
			t.Fatalf("replay of a kept key: %v", err)
		}

		n, err = f.checkout.Prune(ctx, clock().Add(24*time.Hour+time.Second))
		if err != nil {
			t.Fatalf("Prune: %v", err)
		}
		if n != 1 || carttest.Count(t, d, "idempotency_keys") != 0 {
			t.Fatalf("a day and a second later: pruned %d, %d keys left, want 1 and 0", n, carttest.Count(t, d, "idempotency_keys"))
		}
		if carttest.Count(t, d, "orders") != 1 {
			t.Fatalf("%d orders, want the order kept", carttest.Count(t, d, "orders"))
		}
	})
}

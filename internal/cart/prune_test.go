package cart_test

import (
	"context"
	"testing"
	"time"

	"kaede/internal/cart"
	"kaede/internal/cart/carttest"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/shop"
)

// A cart nobody changed for the retention period (30 days by default)
// goes with its lines; a cart changed since stays.
func TestPruneAbandonedCarts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		catalog(t, d)
		ctx := context.Background()
		now := clock()
		carts := cart.New(d, func() time.Time { return now })
		left, err := carts.Create(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := carts.AddItem(ctx, left.ID, "NEEDLE", 1, guest); err != nil {
			t.Fatal(err)
		}
		taro := shop.Viewer{MemberID: carttest.AddMember(t, d, "taro@example.jp", false)}
		used, err := carts.Create(ctx, taro.MemberID)
		if err != nil {
			t.Fatal(err)
		}
		now = now.Add(20 * 24 * time.Hour)
		if _, err := carts.AddItem(ctx, used.ID, "TEA", 2, taro); err != nil {
			t.Fatal(err)
		}

		month := 30 * 24 * time.Hour
		for _, step := range []struct {
			at           time.Time
			pruned       int64
			carts, lines int
		}{
			{clock().Add(month - time.Second), 0, 2, 2},
			{clock().Add(month + time.Second), 1, 1, 1},
			{now.Add(month - time.Second), 0, 1, 1},
			{now.Add(month + time.Second), 1, 0, 0},
		} {
			n, err := carts.Prune(ctx, step.at)
			if err != nil {
				t.Fatalf("Prune: %v", err)
			}
			c, l := carttest.Count(t, d, "carts"), carttest.Count(t, d, "cart_items")
			if n != step.pruned || c != step.carts || l != step.lines {
				t.Fatalf("at %v: pruned %d, left %d carts and %d lines; want %d, %d, %d",
					step.at, n, c, l, step.pruned, step.carts, step.lines)
			}
		}
		if _, err := carts.Get(ctx, left.ID, guest); err == nil {
			t.Fatal("a pruned cart can still be read")
		}
	})
}

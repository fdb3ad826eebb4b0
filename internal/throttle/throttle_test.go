package throttle_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/shop"
	"kaede/internal/throttle"
)

// A window lets Max events through, refuses the next with the wait until
// its oldest event leaves, does not count refusals, and slides.
func TestTakeSlides(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		l := throttle.New(d)
		ctx := context.Background()
		now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		take := func(addr string) error {
			t.Helper()
			return d.Tx(ctx, func(tx *sql.Tx) error {
				return l.Take(ctx, tx, now, "slow down",
					throttle.Rule{Bucket: "b", Subject: throttle.Address(addr), Windows: []throttle.Window{{Max: 2, Minutes: 10}}},
					throttle.Rule{Bucket: "shop", Windows: []throttle.Window{{Max: 5, Minutes: 60}}})
			})
		}
		for i := range 2 {
			if err := take("2001:db8::1"); err != nil {
				t.Fatalf("event %d: %v", i, err)
			}
			now = now.Add(time.Minute)
		}
		// Another address in the same /64 is the same subscriber.
		err := take("2001:db8::ffff")
		if shop.ErrorCode(err) != shop.TooMany || shop.ErrorRetryAfter(err) != 8*time.Minute {
			t.Fatalf("third: %v (retry after %s), want TooMany after 8m", err, shop.ErrorRetryAfter(err))
		}
		for range 5 {
			take("2001:db8::1") // refusals are not counted
		}
		if err := take("192.0.2.1"); err != nil {
			t.Fatalf("another address: %v", err)
		}
		now = now.Add(8 * time.Minute)
		if err := take("2001:db8::1"); err != nil {
			t.Fatalf("after the window slid: %v", err)
		}
		// Four events shop-wide so far; the fifth fits, the sixth not.
		if err := take("192.0.2.2"); err != nil {
			t.Fatal(err)
		}
		if err := take("192.0.2.3"); shop.ErrorCode(err) != shop.TooMany {
			t.Fatalf("sixth shop-wide: %v, want TooMany", err)
		}
		if n, err := l.Prune(ctx, now.Add(49*time.Hour)); err != nil || n != 10 {
			t.Fatalf("pruned %d (%v), want 10 (five allowed, two rules each)", n, err)
		}
	})
}

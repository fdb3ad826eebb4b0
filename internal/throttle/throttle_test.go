package throttle_test

import (
	"context"
	"database/sql"
	"errors"
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

// A window of a thousand (a shop-wide limit raised for a sale) counts as
// exactly as a small one: full at the thousandth event, open again the
// moment the oldest leaves; a rolled-back event frees its place, and
// after every event is pruned the count starts again.
func TestLargeWindow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		l := throttle.New(d)
		ctx := context.Background()
		start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		rule := throttle.Rule{Bucket: "order_unpaid", Windows: []throttle.Window{{Max: 1000, Minutes: 60}}}
		// Two rules on one bucket and subject count one event.
		twice := throttle.Rule{Bucket: "order_unpaid", Windows: []throttle.Window{{Max: 2000, Minutes: 24 * 60}}}
		if err := d.Tx(ctx, func(tx *sql.Tx) error {
			for i := range 1000 {
				if err := l.Take(ctx, tx, start.Add(time.Duration(i)*time.Second), "busy", rule, twice); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		take := func(at time.Time, fail bool) error {
			t.Helper()
			err := d.Tx(ctx, func(tx *sql.Tx) error {
				if err := l.Take(ctx, tx, at, "busy", rule, twice); err != nil {
					return err
				}
				if fail {
					return errors.New("the order failed after its take")
				}
				return nil
			})
			return err
		}
		// The window holds 1,000 events from 00:00:00 to 00:16:39; the
		// oldest leaves at 01:00:00.
		at := start.Add(30 * time.Minute)
		err := take(at, false)
		if shop.ErrorCode(err) != shop.TooMany || shop.ErrorRetryAfter(err) != 30*time.Minute {
			t.Fatalf("1,001st: %v (retry after %s), want TooMany after 30m", err, shop.ErrorRetryAfter(err))
		}
		at = start.Add(time.Hour)
		if err := take(at, true); err == nil || shop.ErrorCode(err) == shop.TooMany {
			t.Fatalf("a take that rolls back: %v", err)
		}
		if err := take(at, false); err != nil {
			t.Fatalf("once the oldest left (after a rolled-back take): %v", err)
		}
		if err := take(at, false); shop.ErrorCode(err) != shop.TooMany || shop.ErrorRetryAfter(err) != time.Second {
			t.Fatalf("the next: %v (retry after %s), want TooMany after 1s", err, shop.ErrorRetryAfter(err))
		}
		if n, err := l.Prune(ctx, at.Add(72*time.Hour)); err != nil || n != 1001 {
			t.Fatalf("pruned %d (%v), want 1001: one event per take, not per rule", n, err)
		}
		if err := take(at.Add(72*time.Hour), false); err != nil {
			t.Fatalf("after every event was pruned: %v", err)
		}
	})
}

package checkout_test

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"kaede/internal/cart/carttest"
	"kaede/internal/checkout"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/settings"
	"kaede/internal/shop"
	"kaede/internal/throttle"
)

// hoard is the attack of issue 8: one client places unpaid bank-transfer
// orders of as much as it may, a new e-mail address and session each
// time, until it is refused or the stock is gone. It returns the orders
// placed and the last refusal.
func hoard(t *testing.T, f fixture, round, addr string, tries int) (placed int, refusal error) {
	t.Helper()
	ctx := context.Background()
	for i := range tries {
		c, err := f.carts.Create(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.carts.AddItem(ctx, c.ID, "A", 5, shop.Viewer{}); shop.ErrorCode(err) == shop.OutOfStock {
			refusal = err
			continue
		} else if err != nil {
			t.Fatal(err)
		}
		in := input(c.ID, "bank_transfer", fmt.Sprintf("hoard-%s-%s-%d", round, addr, i))
		in.Email = fmt.Sprintf("x%d@hoard.example", i)
		in.Client = checkout.Client{Addr: addr, SessionKey: fmt.Sprintf("s-%s-%d", addr, i)}
		_, _, err = f.checkout.Place(ctx, in)
		switch {
		case err == nil:
			placed++
		case shop.ErrorCode(err) == shop.TooMany || shop.ErrorCode(err) == shop.OutOfStock:
			refusal = err
		default:
			t.Fatalf("order %d: %v", i, err)
		}
	}
	return placed, refusal
}

// Without limits 62 orders from one address empty the shelf (the
// attack as reported); with them the address is stopped after five and a
// customer elsewhere still buys.
func TestOrderLimitsStopHoarding(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		carttest.AddVariant(t, d, carttest.Variant{SKU: "A", Price: 1100, Stock: 100})
		before, _ := hoard(t, f, "before", "198.51.100.7", 62)
		t.Logf("without limits: %d orders placed, stock left %d", before, carttest.Stock(t, d, "A"))
		if before != 20 || carttest.Stock(t, d, "A") != 0 {
			t.Fatalf("without limits: %d orders, stock %d; want the shelf emptied by 20", before, carttest.Stock(t, d, "A"))
		}
		if _, err := d.ExecContext(context.Background(), `UPDATE variants SET stock = 100 WHERE sku = 'A'`); err != nil {
			t.Fatal(err)
		}

		f.checkout.UseLimiter(throttle.New(d))
		placed, refusal := hoard(t, f, "after", "198.51.100.7", 62)
		t.Logf("with limits: %d orders placed, stock left %d, refusal %v (retry after %s)",
			placed, carttest.Stock(t, d, "A"), refusal, shop.ErrorRetryAfter(refusal))
		if placed != 5 || shop.ErrorCode(refusal) != shop.TooMany {
			t.Fatalf("placed %d (last refusal %v), want 5 then TooMany", placed, refusal)
		}
		if wait := shop.ErrorRetryAfter(refusal); wait <= 50*time.Minute || wait > time.Hour {
			t.Fatalf("retry after %s, want about an hour", wait)
		}
		in := input(f.cartWith(t, shop.Viewer{}, "A", 2), "bank_transfer", "customer")
		in.Client = checkout.Client{Addr: "203.0.113.50", SessionKey: "customer"}
		if _, _, err := f.checkout.Place(context.Background(), in); err != nil {
			t.Fatalf("customer at another address: %v", err)
		}
		if got := carttest.Stock(t, d, "A"); got != 73 {
			t.Fatalf("stock %d, want 73", got)
		}
	})
}

// Sixty orders sent at once from one address are counted under one lock:
// exactly the limit get through, on PostgreSQL as on SQLite.
func TestOrderLimitsHoldUnderConcurrency(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.checkout.UseLimiter(throttle.New(d))
		carttest.AddVariant(t, d, carttest.Variant{SKU: "A", Price: 1100, Stock: 1000})
		ins := make([]checkout.Input, 60)
		for i := range ins {
			ins[i] = input(f.cartWith(t, shop.Viewer{}, "A", 1), "cod", fmt.Sprintf("k%d", i))
			ins[i].Email = fmt.Sprintf("x%d@hoard.example", i)
			ins[i].Client = checkout.Client{Addr: "2001:db8:1:2::" + fmt.Sprint(i+1), SessionKey: fmt.Sprint(i)}
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		placed := 0
		for _, in := range ins {
			wg.Go(func() {
				_, _, err := f.checkout.Place(context.Background(), in)
				if err != nil && shop.ErrorCode(err) != shop.TooMany {
					t.Errorf("place: %v", err)
				}
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					placed++
				}
			})
		}
		wg.Wait()
		// Every address is in one /64: one subscriber.
		if placed != 5 {
			t.Fatalf("placed %d, want 5", placed)
		}
	})
}

// The other limits: per e-mail address, per session, unpaid orders
// shop-wide (a card order is not counted there), and the cap per variant
// in an unpaid order.
func TestOrderLimitsByEmailSessionAndShop(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.checkout.UseLimiter(throttle.New(d))
		carttest.AddVariant(t, d, carttest.Variant{SKU: "A", Price: 1100, Stock: 1000})
		l := settings.DefaultLimits()
		l.UnpaidOrders = []throttle.Window{{Max: 8, Minutes: 60}}
		l.UnpaidLineMax = 3
		saveLimits(t, d, l)
		n := 0
		place := func(email, addr, session string, qty int) error {
			n++
			in := input(f.cartWith(t, shop.Viewer{}, "A", qty), "bank_transfer", fmt.Sprint("key", n))
			in.Email, in.Client = email, checkout.Client{Addr: addr, SessionKey: session}
			_, _, err := f.checkout.Place(context.Background(), in)
			return err
		}
		for i := range 3 {
			if err := place("Mail@Example.com", fmt.Sprintf("192.0.2.%d", i+1), fmt.Sprint("e", i), 1); err != nil {
				t.Fatal(err)
			}
		}
		if err := place("mail@example.com ", "192.0.2.9", "e9", 1); shop.ErrorCode(err) != shop.TooMany {
			t.Fatalf("4th order to one e-mail: %v, want TooMany", err)
		}
		for i := range 3 {
			if err := place(fmt.Sprintf("s%d@example.com", i), fmt.Sprintf("192.0.2.%d", 20+i), "one session", 1); err != nil {
				t.Fatal(err)
			}
		}
		if err := place("s9@example.com", "192.0.2.29", "one session", 1); shop.ErrorCode(err) != shop.TooMany {
			t.Fatalf("4th order in one session: %v, want TooMany", err)
		}
		// Six unpaid orders so far; two more fit in the shop-wide eight.
		for i := range 2 {
			if err := place(fmt.Sprintf("b%d@example.com", i), fmt.Sprintf("192.0.2.%d", 40+i), fmt.Sprint("b", i), 1); err != nil {
				t.Fatal(err)
			}
		}
		if err := place("b9@example.com", "192.0.2.49", "b9", 1); shop.ErrorCode(err) != shop.TooMany {
			t.Fatalf("9th unpaid order shop-wide: %v, want TooMany", err)
		}
		in := input(f.cartWith(t, shop.Viewer{}, "A", 4), "bank_transfer", "over-cap")
		_, _, err := f.checkout.Place(context.Background(), in)
		if shop.ErrorFields(err)["cart.lines.0.quantity"] != shop.ReasonRange {
			t.Fatalf("4 of one variant by transfer: %v, want cart.lines.0.quantity range", err)
		}
	})
}

func saveLimits(tb testing.TB, d *db.DB, l settings.Limits) {
	tb.Helper()
	st, err := settings.Load(context.Background(), d)
	if err != nil {
		tb.Fatal(err)
	}
	st.Limits = l
	if err := d.Tx(context.Background(), func(tx *sql.Tx) error {
		return settings.Save(context.Background(), tx, st, clock())
	}); err != nil {
		tb.Fatal(err)
	}
}

package order_test

import (
	"context"
	"kaede/internal/calendar"
	"strings"
	"sync"
	"testing"
	"time"

	"kaede/internal/cart"
	"kaede/internal/cart/carttest"
	"kaede/internal/checkout"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/mail"
	"kaede/internal/order"
)

// fakeClock is a clock the test moves.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *fakeClock) Set(jst string) {
	t, err := time.ParseInLocation("2006-01-02 15:04", jst, time.FixedZone("JST", 9*3600))
	if err != nil {
		panic(err)
	}
	c.mu.Lock()
	c.now = t.UTC()
	c.mu.Unlock()
}

// An unpaid bank transfer placed on 25 November (due 2 December with the
// default 7 days) is reminded once on 1 December and cancelled once on
// 6 December (3 days' grace), its stock returned; a paid transfer and a
// cash-on-delivery order are left alone.
func TestUnpaidTransfersAreRemindedThenCancelled(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := &fakeClock{}
		c.Set("2026-11-25 10:00")
		q := mail.NewTestQueue(c.Now)
		f := fixture{d: d, carts: cart.New(d, c.Now), orders: order.New(d, q, c.Now)}
		f.checkout = checkout.New(d, f.carts, f.orders, q, c.Now, "https://kaede.example")
		carttest.AddVariant(t, d, carttest.Variant{SKU: "A", Price: 1100, Stock: 100})
		carttest.AddVariant(t, d, carttest.Variant{SKU: "B", Price: 550, Stock: 100})

		unpaid, _ := f.place(t, order.BankTransfer, 0)
		paid, _ := f.place(t, order.BankTransfer, 0)
		cod, _ := f.place(t, order.COD, 0)
		if _, err := f.orders.Transition(ctx, paid.Number, order.Paid, "入金確認"); err != nil {
			t.Fatal(err)
		}
		if due, _ := order.PaymentDue(calendar.Calendar{}, unpaid.CreatedAt, 7); due.Format("2006-01-02") != "2026-12-02" {
			t.Fatalf("due %s, want 2026-12-02", due)
		}
		run := func(at string, reminded, cancelled int) {
			t.Helper()
			c.Set(at)
			res, err := f.orders.RemindUnpaid(ctx)
			if err != nil {
				t.Fatalf("%s: %v", at, err)
			}
			if res != (order.UnpaidResult{Reminded: reminded, Cancelled: cancelled}) {
				t.Fatalf("%s: %+v, want %d reminded and %d cancelled", at, res, reminded, cancelled)
			}
		}
		run("2026-11-30 23:59", 0, 0)
		// Two instances at once (River runs the task on one, but a
		// restart can overlap): one reminder between them.
		c.Set("2026-12-01 00:00")
		var wg sync.WaitGroup
		results := make([]order.UnpaidResult, 2)
		for i := range results {
			wg.Go(func() {
				var err error
				if results[i], err = f.orders.RemindUnpaid(ctx); err != nil {
					t.Errorf("instance %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		if n := results[0].Reminded + results[1].Reminded; n != 1 {
			t.Fatalf("two instances sent %d reminders, want 1", n)
		}
		run("2026-12-01 09:00", 0, 0)
		run("2026-12-02 23:59", 0, 0)
		run("2026-12-05 23:59", 0, 0) // the grace period
		if a := carttest.Stock(t, d, "A"); a != 91 {
			t.Fatalf("stock of A %d before the cancellation, want 91", a)
		}
		run("2026-12-06 00:00", 0, 1)
		run("2026-12-07 00:00", 0, 0)

		if a, b := carttest.Stock(t, d, "A"), carttest.Stock(t, d, "B"); a != 94 || b != 98 {
			t.Fatalf("stock A=%d B=%d after the cancellation, want 94 and 98", a, b)
		}
		got, err := f.orders.Get(ctx, unpaid.Number)
		if err != nil {
			t.Fatal(err)
		}
		last := got.Events[len(got.Events)-1]
		if got.Status != order.Cancelled || got.Payment.State != order.PaymentCancelled || !got.AutoCancelled() ||
			!strings.Contains(last.Note, "2026年12月2日") {
			t.Fatalf("order %s payment %s, last event %+v", got.Status, got.Payment.State, last)
		}
		for number, want := range map[string]order.Status{paid.Number: order.Paid, cod.Number: order.Placed} {
			if o, _ := f.orders.Get(ctx, number); o.Status != want {
				t.Fatalf("%s is %s, want %s", number, o.Status, want)
			}
		}
		list, total, err := f.orders.Search(ctx, order.AdminQuery{AutoCancelled: true})
		if err != nil || total != 1 || list[0].Number != unpaid.Number {
			t.Fatalf("auto-cancelled search: %d orders (%v), want only %s", total, err, unpaid.Number)
		}
		mails := map[string]string{}
		rows, err := d.QueryContext(ctx, `SELECT kind, subject || '\n' || body FROM mail_messages
			WHERE order_id = $1 AND kind <> 'order_confirmation' AND kind NOT LIKE 'shop_%'`, unpaid.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var kind, text string
			if err := rows.Scan(&kind, &text); err != nil {
				t.Fatal(err)
			}
			mails[kind] = text
			n++
		}
		if n != 2 || !strings.Contains(mails["order_payment_reminder"], "2026年12月2日までに") ||
			!strings.Contains(mails["order_payment_reminder"], "楓銀行") ||
			!strings.Contains(mails["order_cancelled"], "お振込みを確認できなかったため") {
			t.Fatalf("%d mails: %v", n, mails)
		}
	})
}

package report_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"kaede/internal/catalog"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/order"
	"kaede/internal/report"
	"kaede/internal/shop"
)

// busyDayOrders is how many orders the busy day has: about what a soak
// puts in a day, when the dashboard's cost used to grow with them.
const busyDayOrders = 50000

// BenchmarkDashboardBusyDay reads the admin dashboard's figures (the two
// summaries, the orders by state, the newest orders, low stock and the
// 30-day chart) on a day of 50,000 orders after a month of 200 a day, on
// each database. Run with -benchtime=20x or so: the fill takes a while.
func BenchmarkDashboardBusyDay(b *testing.B) {
	dbs := map[string]func(testing.TB) *db.DB{"sqlite": dbtest.SQLite}
	if dbtest.WantPostgres() {
		dbs["postgres"] = dbtest.Postgres
	}
	for name, open := range dbs {
		b.Run(name, func(b *testing.B) {
			d := open(b)
			ctx := context.Background()
			now := time.Date(2026, 5, 12, 20, 0, 0, 0, shop.JST)
			clock := func() time.Time { return now }
			fillBusyDay(b, d, now)
			cat, orders := catalog.New(d, clock), order.New(d, nil, clock)
			reports := report.New(d, orders, cat, clock)
			today := time.Date(2026, 5, 12, 0, 0, 0, 0, shop.JST)
			tomorrow := today.AddDate(0, 0, 1)
			month := time.Date(2026, 5, 1, 0, 0, 0, 0, shop.JST)
			parts := []struct {
				name string
				fn   func() error
			}{
				{"summarize-today", func() error {
					sum, err := orders.Summarize(ctx, today, tomorrow)
					if err == nil && sum.Placed < busyDayOrders/2 {
						err = fmt.Errorf("%d orders today", sum.Placed)
					}
					return err
				}},
				{"summarize-month", func() error { _, err := orders.Summarize(ctx, month, tomorrow); return err }},
				{"state-counts", func() error { _, err := orders.StateCounts(ctx); return err }},
				{"recent", func() error { _, err := orders.Newest(ctx, 8); return err }},
				{"low-stock", func() error { _, err := cat.LowStock(ctx, 10); return err }},
				{"daily-30", func() error { _, err := reports.Daily(ctx, tomorrow.AddDate(0, 0, -30), tomorrow); return err }},
			}
			b.Run("all", func(b *testing.B) {
				for b.Loop() {
					for _, p := range parts {
						if err := p.fn(); err != nil {
							b.Fatalf("%s: %v", p.name, err)
						}
					}
				}
			})
			for _, p := range parts {
				b.Run(p.name, func(b *testing.B) {
					for b.Loop() {
						if err := p.fn(); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

// fillBusyDay writes orders straight into the tables, as a soak leaves
// them: 200 a day over the 30 days before now's, then busyDayOrders over
// now's day until now, in every state, with their taxes and payments and a
// refund on one in a hundred.
func fillBusyDay(tb testing.TB, d *db.DB, now time.Time) {
	tb.Helper()
	ctx := context.Background()
	type placed struct {
		at time.Time
		n  int
	}
	var days []placed
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, shop.JST)
	for i := 30; i > 0; i-- {
		days = append(days, placed{today.AddDate(0, 0, -i), 200})
	}
	days = append(days, placed{today, busyDayOrders})
	states := []struct{ status, method string }{
		{"placed", "bank_transfer"}, {"placed", "cod"}, {"paid", "card"}, {"paid", "bank_transfer"},
		{"shipped", "card"}, {"delivered", "cod"}, {"cancelled", "card"}, {"awaiting_payment", "card"},
		{"paid", "card"}, {"shipped", "bank_transfer"},
	}
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		insOrder, err := tx.PrepareContext(ctx, `INSERT INTO orders (id, number, email, status, payment_method,
				subtotal, shipping_fee, cod_fee, total, tax_basis, tax_rounding, invoice_number,
				ship_name, ship_name_kana, ship_postal_code, ship_prefecture, ship_city, ship_line1, ship_phone,
				access_token_hash, created_at, updated_at)
			VALUES ($1, $2, 'soak@example.com', $3, $4, $5, 800, 0, $6, 'included', 'floor', 'T1234567890123',
				'山田 太郎', 'ヤマダ タロウ', '1000001', 13, '千代田区', '千代田1-1', '0312345678', 'x', $7, $7)`)
		if err != nil {
			return err
		}
		insTax, err := tx.PrepareContext(ctx, `INSERT INTO order_taxes (order_id, rate, taxable, tax) VALUES ($1, 10, $2, $3)`)
		if err != nil {
			return err
		}
		insPay, err := tx.PrepareContext(ctx, `INSERT INTO payments (id, order_id, method, state, amount, refunded, created_at, updated_at)
			VALUES ($1, $1, $2, $3, $4, $5, $6, $6)`)
		if err != nil {
			return err
		}
		insRefund, err := tx.PrepareContext(ctx, `INSERT INTO refunds (order_id, payment_id, amount, created_by, created_at)
			VALUES ($1, $1, 100, 'bench', $2)`)
		if err != nil {
			return err
		}
		id := int64(0)
		for _, day := range days {
			span := now.Sub(day.at)
			if span > 24*time.Hour {
				span = 24 * time.Hour
			}
			for i := range day.n {
				id++
				at := day.at.Add(span * time.Duration(i) / time.Duration(day.n)).UTC()
				st := states[id%int64(len(states))]
				subtotal := int64(1000 + id%50*110)
				total := subtotal + 800
				if _, err := insOrder.ExecContext(ctx, id, fmt.Sprintf("B%09d", id), st.status, st.method, subtotal, total, at); err != nil {
					return fmt.Errorf("order %d: %w", id, err)
				}
				if _, err := insTax.ExecContext(ctx, id, total*10/11, total-total*10/11); err != nil {
					return fmt.Errorf("tax %d: %w", id, err)
				}
				refund := id%100 == 3 // paid, by card
				state, refunded := "pending", 0
				if refund {
					state, refunded = "partially_refunded", 100
				}
				if _, err := insPay.ExecContext(ctx, id, st.method, state, total, refunded, at); err != nil {
					return fmt.Errorf("payment %d: %w", id, err)
				}
				if refund {
					if _, err := insRefund.ExecContext(ctx, id, at.Add(time.Minute)); err != nil {
						return fmt.Errorf("refund %d: %w", id, err)
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("fill the busy day: %v", err)
	}
	if d.Dialect == db.Postgres {
		if _, err := d.ExecContext(ctx, `ANALYZE`); err != nil {
			tb.Fatal(err)
		}
	}
}

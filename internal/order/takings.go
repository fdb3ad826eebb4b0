package order

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"kaede/internal/shop"
)

// Takings is what the orders placed in one period brought in, counted as
// the sales reports count them (saleCondition), without their tax per
// rate.
type Takings struct {
	From, To time.Time // [From, To)
	Orders   int
	Gross    shop.Yen // their totals
	Refunded shop.Yen // every refund of them, whenever made
}

// Net is what the period's orders brought in, less their refunds.
func (t Takings) Net() shop.Yen { return t.Gross - t.Refunded }

// TakingsByDay returns the takings of each day in Japan of [from, to),
// oldest first, a day without orders as zero: the dashboard's chart. It
// sums in the database, reading the orders_created index and no order
// row (migration 0105), where Sales carries every order to Go with its
// taxes.
func (s *Service) TakingsByDay(ctx context.Context, from, to time.Time) ([]Takings, error) {
	var out []Takings
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		for d := from.In(shop.JST); d.Before(to); d = d.AddDate(0, 0, 1) {
			end := d.AddDate(0, 0, 1)
			if end.After(to) {
				end = to
			}
			t, err := takingsTx(ctx, tx, d, end)
			if err != nil {
				return err
			}
			out = append(out, t)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("takings by day: %w", err)
	}
	return out, nil
}

// takingsTx sums the orders placed in [from, to) that are sales, and
// their refunds. The refunds are joined rather than summed per order: a
// subquery per order made PostgreSQL's estimate large enough to compile
// the query (JIT), which took longer than the sum.
func takingsTx(ctx context.Context, tx *sql.Tx, from, to time.Time) (Takings, error) {
	t := Takings{From: from, To: to}
	args := []any{from.UTC(), to.UTC(), Cancelled, AwaitingPayment}
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), CAST(COALESCE(SUM(o.total), 0) AS BIGINT)
		FROM orders o WHERE `+saleCondition, args...).Scan(&t.Orders, &t.Gross); err != nil {
		return t, fmt.Errorf("sum orders placed: %w", err)
	}
	if err := tx.QueryRowContext(ctx, `SELECT CAST(COALESCE(SUM(r.amount), 0) AS BIGINT)
		FROM refunds r JOIN orders o ON o.id = r.order_id WHERE `+saleCondition, args...).Scan(&t.Refunded); err != nil {
		return t, fmt.Errorf("sum refunds of orders placed: %w", err)
	}
	return t, nil
}

package order

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"kaede/internal/shop"
)

// Summary is the order figures of the admin's dashboard.
type Summary struct {
	Placed           int      // binding orders placed in the period
	Sales            shop.Yen // their total, less what has been refunded of them
	Refunds          shop.Yen // refunds made in the period, whatever order they are for
	AwaitingShipment int      // orders ready to ship now, whenever placed
}

// Summarize counts the orders placed in [from, to) and the orders waiting
// to ship, in one read transaction so that the figures agree. A card order
// awaiting payment is not binding yet, so it is no sale; a cancelled one
// is none any more, and the sales of the others are net of their refunds
// (a refunded order counts as placed, for nothing).
func (s *Service) Summarize(ctx context.Context, from, to time.Time) (Summary, error) {
	var v Summary
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		t, err := takingsTx(ctx, tx, from, to)
		if err != nil {
			return err
		}
		v.Placed, v.Sales = t.Orders, t.Net()
		if err := tx.QueryRowContext(ctx, `SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM refunds
			WHERE created_at >= $1 AND created_at < $2`, from.UTC(), to.UTC()).Scan(&v.Refunds); err != nil {
			return fmt.Errorf("sum refunds: %w", err)
		}
		// Paid orders ship; cash-on-delivery orders ship unpaid.
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM orders
			WHERE status = $1 OR (status = $2 AND payment_method = $3)`,
			Paid, Placed, COD).Scan(&v.AwaitingShipment); err != nil {
			return fmt.Errorf("count orders awaiting shipment: %w", err)
		}
		return nil
	})
	return v, err
}

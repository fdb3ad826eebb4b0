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
	Sales            shop.Yen // their total
	AwaitingShipment int      // orders ready to ship now, whenever placed
}

// Summarize counts the orders placed in [from, to) and the orders waiting
// to ship, in one read transaction so that the figures agree. A card order
// awaiting payment is not binding yet, so it is no sale; a cancelled one
// is none any more.
func (s *Service) Summarize(ctx context.Context, from, to time.Time) (Summary, error) {
	var v Summary
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), CAST(COALESCE(SUM(total), 0) AS BIGINT) FROM orders
			WHERE created_at >= $1 AND created_at < $2 AND status NOT IN ($3, $4)`,
			from.UTC(), to.UTC(), Cancelled, AwaitingPayment).Scan(&v.Placed, &v.Sales); err != nil {
			return fmt.Errorf("count orders placed: %w", err)
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

package order

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Settle records that the orders, paid on account, have been paid: a
// monthly invoice that billed them is paid in full (package billing). An
// order not yet shipped goes to Paid; one already shipped or delivered
// keeps its status and its payment succeeds. A cancelled or refunded
// order is left alone. It runs in the caller's transaction and writes no
// e-mail: the invoice's own payment tells the customer once, not once per
// order.
func (s *Service) Settle(ctx context.Context, tx *sql.Tx, numbers []string, note string) error {
	for _, number := range numbers {
		var id int64
		var status Status
		var method PaymentMethod
		err := tx.QueryRowContext(ctx, `SELECT id, status, payment_method FROM orders WHERE number = $1`, number).
			Scan(&id, &status, &method)
		if errors.Is(err, sql.ErrNoRows) {
			return errNotFound(number)
		}
		if err != nil {
			return fmt.Errorf("settle order %s: %w", number, err)
		}
		if method != Invoice {
			return fmt.Errorf("settle order %s: paid by %s, not on account", number, method)
		}
		switch status {
		case Placed:
			if _, err := s.move(ctx, tx, number, change{to: Paid, note: note, quiet: true}); err != nil {
				return err
			}
		case Paid, Shipped, Delivered:
			if _, err := tx.ExecContext(ctx, `UPDATE payments SET state = $1, updated_at = $2
				WHERE order_id = $3 AND state = 'pending'`, PaymentSucceeded, s.clock(), id); err != nil {
				return fmt.Errorf("settle order %s: %w", number, err)
			}
		}
	}
	return nil
}

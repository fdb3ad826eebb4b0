package order

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"kaede/internal/catalog"
	"kaede/internal/shop"
)

// Transition moves the order to the status if CanTransition allows it,
// records the change with the note, and applies what the change means for
// the payment: paid marks a transfer's payment succeeded, a delivered COD
// order's payment succeeds, a cancellation is Cancel. An illegal change is
// a Conflict.
func (s *Service) Transition(ctx context.Context, number string, to Status, note string) (*Order, error) {
	var o *Order
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		o, err = s.transition(ctx, tx, number, to, note)
		return err
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// Cancel cancels the order, returns every line's stock and marks a payment
// that has not taken money cancelled, all in one transaction, and writes
// the customer a notice. A payment that has already succeeded stays so:
// the money is to be refunded, which is a refund's record, not a cancel's.
func (s *Service) Cancel(ctx context.Context, number, note string) (*Order, error) {
	return s.Transition(ctx, number, Cancelled, note)
}

func (s *Service) transition(ctx context.Context, tx *sql.Tx, number string, to Status, note string) (*Order, error) {
	return s.move(ctx, tx, number, change{to: to, note: note})
}

// change is one status change as move makes it.
type change struct {
	to     Status
	note   string
	kind   EventKind    // how the history describes it beyond the new status
	cancel cancelNotice // what the cancellation notice says of the money
	quiet  bool         // the caller writes the customer itself
}

// move makes the change c inside tx: the status, the history, the payment,
// the stock of a cancellation, and the customer's notice (cancelled, or a
// transfer's payment received).
func (s *Service) move(ctx context.Context, tx *sql.Tx, number string, c change) (*Order, error) {
	to := c.to
	var id int64
	var from Status
	var method PaymentMethod
	err := tx.QueryRowContext(ctx, `SELECT id, status, payment_method FROM orders WHERE number = $1`+s.db.ForUpdate(),
		number).Scan(&id, &from, &method)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound(number)
	}
	if err != nil {
		return nil, fmt.Errorf("order %s: read status: %w", number, err)
	}
	if !CanTransition(from, to, method) {
		return nil, shop.Errorf(shop.Conflict, "order %s cannot go from %s to %s", number, from, to)
	}
	now := s.clock()
	if _, err := tx.ExecContext(ctx, `UPDATE orders SET status = $1, updated_at = $2 WHERE id = $3`, to, now, id); err != nil {
		return nil, fmt.Errorf("order %s: set status %s: %w", number, to, err)
	}
	if err := insertEventOf(ctx, tx, id, Event{From: from, To: to, Kind: c.kind, Note: c.note, At: now}); err != nil {
		return nil, fmt.Errorf("order %s: %w", number, err)
	}
	if err := s.applyToPayment(ctx, tx, id, method, to, now); err != nil {
		return nil, fmt.Errorf("order %s: %w", number, err)
	}
	if to == Cancelled {
		if err := returnStock(ctx, tx, id); err != nil {
			return nil, fmt.Errorf("order %s: %w", number, err)
		}
		if s.onCancel != nil {
			if err := s.onCancel(ctx, tx, id, now); err != nil {
				return nil, fmt.Errorf("order %s: %w", number, err)
			}
		}
	}
	o, err := Load(ctx, tx, number)
	if err != nil {
		return nil, err
	}
	switch {
	case c.quiet:
	case to == Cancelled:
		err = s.notifyCancelled(ctx, tx, o, c.cancel)
	case to == Paid && from == Placed:
		// A card captured at once is confirmed by the order confirmation;
		// a transfer that arrives, or an authorisation captured later, is
		// news to the customer.
		err = s.notifyPaid(ctx, tx, o)
	}
	if err != nil {
		return nil, err
	}
	return o, nil
}

// applyToPayment updates a payment that has not taken money yet for the
// order's new status: the money arrives (paid, or a COD delivery) or will
// never be asked for (cancelled). Other changes leave the payment alone.
func (s *Service) applyToPayment(ctx context.Context, tx *sql.Tx, orderID int64, method PaymentMethod, to Status, now time.Time) error {
	var state PaymentState
	switch {
	case to == Paid, to == Delivered && method == COD:
		state = PaymentSucceeded
	case to == Cancelled:
		state = PaymentCancelled
	default:
		return nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE payments SET state = $1, updated_at = $2
		WHERE order_id = $3 AND state IN ('pending', 'requires_action', 'authorized')`, state, now, orderID)
	if err != nil {
		return fmt.Errorf("set payment %s: %w", state, err)
	}
	return nil
}

// returnStock puts every line's quantity back through catalog, which
// owns the stock.
func returnStock(ctx context.Context, tx *sql.Tx, orderID int64) error {
	lines, err := loadLines(ctx, tx, orderID)
	if err != nil {
		return err
	}
	items := make([]catalog.Quantity, len(lines))
	for i, l := range lines {
		items[i] = catalog.Quantity{VariantID: l.VariantID, SKU: l.SKU, Quantity: l.Quantity}
	}
	return catalog.ReturnStock(ctx, tx, items)
}

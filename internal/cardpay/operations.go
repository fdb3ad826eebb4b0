package cardpay

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"kaede/internal/audit"
	"kaede/internal/order"
	"kaede/internal/payment"
	"kaede/internal/shop"
)

// Capture takes the money of the order's authorised card payment (manual
// capture: the shop captures at shipment), records it, and moves the order
// from placed to paid. A retried Capture sends the provider the same
// idempotency key, so the money is never taken twice. by names the member
// of staff, for the record.
func (s *Service) Capture(ctx context.Context, number string, by audit.Actor) (payment.Status, error) {
	a, err := s.succeeded(ctx, number)
	if err != nil {
		return payment.Status{}, err
	}
	if a.State == payment.Captured || a.State == payment.PartiallyRefunded || a.State == payment.Refunded {
		return payment.Status{}, shop.Errorf(shop.Conflict, "order %s: payment already captured", number)
	}
	key := a.key("capture")
	st, err := s.provider.Capture(ctx, a.Ref, a.Amount, key)
	if err != nil {
		return payment.Status{}, fmt.Errorf("order %s: capture: %w", number, err)
	}
	if err := s.recordOperation(ctx, a.ID, "capture", st.Captured, key, by.Name); err != nil {
		return st, err
	}
	if _, err := s.Apply(ctx, st, "capture"); err != nil {
		return st, err
	}
	s.log.Info("card payment captured", "order", number, "payment", a.Ref, "amount", st.Captured, "staff", by.Name)
	return st, nil
}

// Refund gives amount (all or part of what is left) of the order's captured
// card payment back through the provider and records it: the provider
// call first, then one transaction with the order's refund record and its
// audit entry (order.RecordRefundTx). Each refund of an order has its own
// idempotency key, numbered after the refunds already requested: a retry
// after a lost answer repeats the same key (the provider answers as
// before, and the refund is recorded once), while a deliberate second
// refund gets the next one.
func (s *Service) Refund(ctx context.Context, number string, amount shop.Yen, by audit.Actor) (payment.Status, error) {
	a, err := s.succeeded(ctx, number)
	if err != nil {
		return payment.Status{}, err
	}
	if left := a.Captured - a.Refunded; amount <= 0 || amount > left {
		return payment.Status{}, &shop.Error{Code: shop.Invalid, Message: fmt.Sprintf("refund must be between ¥1 and %s", left),
			Fields: map[string]string{"amount": shop.ReasonRange}}
	}
	return s.refund(ctx, a, amount, by, false)
}

// refund asks the provider to give amount of a's payment back and records
// it (see Refund). cancel records it as the refund of the customer's own
// cancellation (order.RecordCancelRefundTx) rather than the shop's.
func (s *Service) refund(ctx context.Context, a attempt, amount shop.Yen, by audit.Actor, cancel bool) (payment.Status, error) {
	number := a.Number
	var done int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM payment_operations WHERE payment_id = $1 AND kind = 'refund'`,
		a.ID).Scan(&done)
	if err != nil {
		return payment.Status{}, fmt.Errorf("order %s: count refunds: %w", number, err)
	}
	key := a.key(fmt.Sprintf("refund-%d", done+1))
	st, err := s.provider.Refund(ctx, a.Ref, amount, key)
	if err != nil {
		return payment.Status{}, fmt.Errorf("order %s: refund: %w", number, err)
	}
	if err := s.recordOperation(ctx, a.ID, "refund", amount, key, by.Name); err != nil {
		return st, err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		// The provider's webhook for this refund may have been applied
		// already: start from what the provider had refunded before it,
		// so that the refund is counted once.
		// The row lock keeps a webhook for this refund from landing
		// between the reset and the record.
		var stored shop.Yen
		if err := tx.QueryRowContext(ctx, `SELECT refunded FROM payments WHERE id = $1`+s.db.ForUpdate(), a.ID).Scan(&stored); err != nil {
			return fmt.Errorf("order %s: lock payment: %w", number, err)
		}
		before := st.Refunded - amount
		prior := payment.PartiallyRefunded
		if before == 0 {
			prior = payment.Captured
		}
		if _, err := tx.ExecContext(ctx, `UPDATE payments SET refunded = $1, state = $2 WHERE id = $3 AND refunded > $1`,
			before, prior, a.ID); err != nil {
			return fmt.Errorf("order %s: refund base: %w", number, err)
		}
		r := order.Refund{Amount: amount, ProviderRef: key, Note: "カード返金（" + s.provider.Name() + "）"}
		if cancel {
			cr := r
			cr.Note = "お客様によるキャンセルのカード返金（" + s.provider.Name() + "）"
			_, err := s.orders.RecordCancelRefundTx(ctx, tx, number, cr, by)
			if !order.IsNotCancellable(err) {
				return err
			}
			// Shipped between the customer's click and the provider's
			// answer: the money is back all the same, so the refund is
			// recorded as the shop's (the order becomes refunded) and
			// the staff are told to stop the parcel if they can.
			s.log.Error("order shipped while its customer cancelled it: refunded, not cancelled", "order", number)
		}
		_, err := s.orders.RecordRefundTx(ctx, tx, number, r, by)
		return err
	})
	if shop.ErrorCode(err) == shop.Conflict && strings.Contains(err.Error(), "already recorded") {
		err = nil // a retry of a refund already recorded
	}
	if err != nil {
		return st, err
	}
	s.log.Info("card payment refunded", "order", number, "payment", a.Ref, "amount", amount, "refunded", st.Refunded, "staff", by.Name)
	return st, nil
}

// succeeded returns the order's card payment that holds or took the money.
func (s *Service) succeeded(ctx context.Context, number string) (attempt, error) {
	var a attempt
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		a, err = s.latestRead(ctx, tx, number)
		return err
	})
	if err != nil {
		return attempt{}, err
	}
	if a.Ref == "" || !a.State.Succeeded() {
		return attempt{}, shop.Errorf(shop.Conflict, "order %s has no card payment that succeeded", number)
	}
	return a, nil
}

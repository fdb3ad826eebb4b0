package cardpay

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"kaede/internal/fraud"
	"kaede/internal/metrics"
	"kaede/internal/order"
	"kaede/internal/payment"
)

// rank orders a payment's states along its life. A status is applied only
// when it ranks higher than the stored one (or, at the same state, carries
// more money captured or refunded): this is what makes a duplicated or
// late event harmless. Declined, failed and authorised share a rank
// because none of them follows another.
var rank = map[payment.State]int{
	payment.Pending:           0,
	payment.RequiresAction:    1,
	payment.Declined:          2,
	payment.Failed:            2,
	payment.Authorized:        2,
	payment.Cancelled:         3,
	payment.Captured:          3,
	payment.PartiallyRefunded: 4,
	payment.Refunded:          5,
}

// advances reports whether st is news for the stored attempt a.
func advances(a attempt, st payment.Status) bool {
	from, okFrom := rank[a.State]
	to, okTo := rank[st.State]
	if !okFrom || !okTo {
		return false
	}
	if to != from {
		return to > from
	}
	return st.State == a.State && (st.Captured > a.Captured || st.Refunded > a.Refunded)
}

// Apply records what the provider says of one of the store's payments and
// what it means for the order, in one transaction. It reports whether
// anything changed. An unknown reference is ErrUnknownPayment; a report
// whose amount or currency is not the order's is refused (recorded, and
// nothing changed) and is ErrMismatch.
func (s *Service) Apply(ctx context.Context, st payment.Status, via string) (bool, error) {
	var changed, refused bool
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		changed, refused, err = s.applyTx(ctx, tx, st, via)
		return err
	})
	if err == nil && refused {
		return false, ErrMismatch
	}
	if err == nil && changed {
		metrics.Payment(string(st.State))
		s.tellGuard(ctx, st)
	}
	return changed, err
}

// tellGuard reports a payment's outcome to the card-testing guard, after
// the change is committed (the guard keeps its own transactions). The
// guard keeps the first report of an attempt, so a repeat is harmless; a
// failure here is logged and never undoes the payment.
func (s *Service) tellGuard(ctx context.Context, st payment.Status) {
	if s.guard == nil {
		return
	}
	var outcome fraud.Outcome
	switch {
	case st.State.Succeeded():
		outcome = fraud.Succeeded
	case st.State == payment.Declined:
		outcome = fraud.Declined
	case st.State == payment.Failed:
		outcome = fraud.Failed
	default:
		return
	}
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT fraud_attempt FROM payments WHERE provider = $1 AND provider_ref = $2`,
		s.provider.Name(), st.Ref).Scan(&id)
	if err != nil || id == 0 {
		return
	}
	if err := s.guard.Record(ctx, id, outcome); err != nil {
		s.log.Warn("card guard not told", "payment", st.Ref, "outcome", outcome, "error", err)
	}
}

// applyTx applies st in tx. refused reports a status whose amount or
// currency is not the order's: it is recorded (refuse) and not applied,
// whatever its state, and the transaction may commit.
func (s *Service) applyTx(ctx context.Context, tx *sql.Tx, st payment.Status, via string) (changed, refused bool, err error) {
	a, err := s.byRef(ctx, tx, st.Ref)
	if err != nil {
		return false, false, err
	}
	if m, bad := mismatch(a, st, s.provider.Name(), via); bad {
		return false, true, s.refuse(ctx, tx, m)
	}
	if !advances(a, st) {
		return false, false, nil
	}
	_, err = tx.ExecContext(ctx, `UPDATE payments SET state = $1, captured = $2, refunded = $3,
			brand = CASE WHEN $4 = '' THEN brand ELSE $4 END, last4 = CASE WHEN $5 = '' THEN last4 ELSE $5 END,
			reason = $6, updated_at = $7
		WHERE id = $8`,
		st.State, st.Captured, st.Refunded, st.Brand, st.Last4, st.Reason, s.clock().UTC(), a.ID)
	if err != nil {
		return false, false, fmt.Errorf("payment %s: set %s: %w", a.Ref, st.State, err)
	}
	s.log.Info("provider payment updated", "order", a.Number, "method", a.Method, "payment", a.Ref, "from", a.State, "state", st.State,
		"reason", st.Reason, "via", via)
	if a.Method == order.Konbini && st.Voucher != nil && a.VoucherNumber == "" && st.State == payment.RequiresAction {
		// Stripe issues the voucher when the customer confirms on its page.
		if err := s.issueVoucher(ctx, tx, a, *st.Voucher); err != nil {
			return false, false, err
		}
	}
	return true, false, s.followOrder(ctx, tx, a, st, via)
}

// followOrder moves the order after its payment. A payment that succeeds
// for an order already cancelled (it expired while the customer was at the
// provider) is left to the staff to refund, loudly.
func (s *Service) followOrder(ctx context.Context, tx *sql.Tx, a attempt, st payment.Status, via string) error {
	note := order.ProviderNote(a.Method, string(st.State), via)
	switch {
	case a.OrderStatus == order.AwaitingPayment && st.State == payment.Captured:
		_, err := s.orders.ConfirmCardTx(ctx, tx, a.Number, order.Paid, note)
		return err
	case a.OrderStatus == order.AwaitingPayment && st.State == payment.Authorized:
		_, err := s.orders.ConfirmCardTx(ctx, tx, a.Number, order.Placed, note)
		return err
	case a.OrderStatus == order.Placed && st.State == payment.Captured:
		_, err := s.orders.TransitionTx(ctx, tx, a.Number, order.Paid, note)
		return err
	case a.OrderStatus == order.Cancelled && st.State.Succeeded() && st.Refunded < st.Captured:
		s.log.Error("card paid for a cancelled order: refund it", "order", a.Number, "payment", a.Ref, "state", st.State)
	}
	return nil
}

// Refresh asks the provider for the status of the order's latest card
// payment and applies it: what the return from the provider's page does,
// since the customer's browser may arrive before the webhook.
func (s *Service) Refresh(ctx context.Context, number string) error {
	var a attempt
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		a, err = s.latestRead(ctx, tx, number)
		return err
	})
	if err != nil || a.Ref == "" {
		return err
	}
	return s.refreshRef(ctx, a.Ref, "return")
}

// refreshRef gets one payment's status from the provider and applies it.
func (s *Service) refreshRef(ctx context.Context, ref, via string) error {
	st, err := s.provider.Get(ctx, ref)
	if err != nil {
		return fmt.Errorf("payment %s: %w", ref, err)
	}
	_, err = s.Apply(ctx, st, via)
	return err
}

// latestRead is latest for a read-only transaction (no lock).
func (s *Service) latestRead(ctx context.Context, tx *sql.Tx, number string) (attempt, error) {
	a, err := scanAttempt(tx.QueryRowContext(ctx, `SELECT `+attemptColumns+`
		FROM payments p JOIN orders o ON o.id = p.order_id
		WHERE o.number = $1 AND p.method = o.payment_method
		ORDER BY p.attempt DESC LIMIT 1`, number))
	if errors.Is(err, sql.ErrNoRows) {
		return attempt{}, nil
	}
	if err != nil {
		return attempt{}, fmt.Errorf("order %s: read card payment: %w", number, err)
	}
	return a, nil
}

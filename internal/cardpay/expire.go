package cardpay

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"kaede/internal/order"
	"kaede/internal/payment"
	"kaede/internal/shop"
)

// reconcileAfter is how old an unfinished payment must be before the
// reconciliation job asks the provider about it: younger ones are most
// likely a customer still typing, and the webhook will come.
const reconcileAfter = time.Minute

// batch bounds the payments or orders one job run handles; the next run
// takes the rest.
const batch = 100

// Reconcile asks the provider about card and PayPay payments still
// pending or waiting for 3-D Secure after a minute, and applies what it
// says. It is the safety net under the webhook: a customer who closes the
// browser after the challenge, with the webhook lost, still gets their
// order. It returns how many payments changed. Konbini vouchers are left
// out: they wait days for the customer's visit to a store, and would fill
// every batch; the webhook tells of their payment, and the expiry asks the
// provider once more before cancelling one.
func (s *Service) Reconcile(ctx context.Context) (int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT provider_ref FROM payments
		WHERE method IN ('card', 'paypay') AND state IN ('pending', 'requires_action') AND provider = $1
			AND provider_ref <> '' AND created_at < $2
		ORDER BY created_at LIMIT $3`, s.provider.Name(), s.clock().Add(-reconcileAfter).UTC(), batch)
	if err != nil {
		return 0, fmt.Errorf("reconcile: list open payments: %w", err)
	}
	refs, err := collect(rows)
	if err != nil {
		return 0, fmt.Errorf("reconcile: list open payments: %w", err)
	}
	changed := 0
	var errs []error
	for _, ref := range refs {
		st, err := s.provider.Get(ctx, ref)
		if err != nil {
			errs = append(errs, fmt.Errorf("payment %s: %w", ref, err))
			continue
		}
		ok, err := s.Apply(ctx, st, "reconcile")
		if err != nil {
			errs = append(errs, err)
		}
		if ok {
			changed++
		}
	}
	return changed, errors.Join(errs...)
}

// ExpireDue cancels card, PayPay and konbini orders still awaiting
// payment after their time (a konbini order's is its voucher's expiry):
// the provider's payment is cancelled first (so it can no longer be paid),
// then the order is cancelled and its stock returned. An order whose
// payment turns out to have succeeded meanwhile is confirmed instead. It
// returns how many orders expired.
func (s *Service) ExpireDue(ctx context.Context) (int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT number FROM orders
		WHERE status = 'awaiting_payment' AND expires_at IS NOT NULL AND expires_at <= $1
		ORDER BY expires_at LIMIT $2`, s.clock().UTC(), batch)
	if err != nil {
		return 0, fmt.Errorf("expire: list orders: %w", err)
	}
	numbers, err := collect(rows)
	if err != nil {
		return 0, fmt.Errorf("expire: list orders: %w", err)
	}
	n := 0
	var errs []error
	for _, number := range numbers {
		expired, err := s.expire(ctx, number)
		if err != nil {
			errs = append(errs, err)
		}
		if expired {
			n++
		}
	}
	return n, errors.Join(errs...)
}

func (s *Service) expire(ctx context.Context, number string) (bool, error) {
	var a attempt
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		a, err = s.latestRead(ctx, tx, number)
		return err
	})
	if err != nil {
		return false, err
	}
	if a.Ref != "" && a.Provider == s.provider.Name() {
		settled, err := s.release(ctx, a)
		if err != nil || settled {
			return false, err
		}
	}
	var expired bool
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		o, err := order.Load(ctx, tx, number)
		if err != nil {
			return err
		}
		if o.Status != order.AwaitingPayment {
			return nil // paid or cancelled meanwhile
		}
		if _, err := s.orders.ExpireCardTx(ctx, tx, number, order.NoteCardExpired); err != nil {
			return err
		}
		expired = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("expire order %s: %w", number, err)
	}
	if expired {
		s.log.Info("card order expired unpaid", "order", number)
	}
	return expired, nil
}

// release makes sure an expiring order's payment can no longer take money:
// it asks the provider, cancels a payment still open, and applies the
// answer. settled reports a payment that succeeded after all.
func (s *Service) release(ctx context.Context, a attempt) (settled bool, err error) {
	st, err := s.provider.Get(ctx, a.Ref)
	if err != nil {
		return false, fmt.Errorf("expire order %s: %w", a.Number, err)
	}
	if !st.State.Final() || st.State == payment.Authorized {
		key := a.key("cancel")
		cancelled, cerr := s.provider.Cancel(ctx, a.Ref, key)
		if cerr != nil {
			// Perhaps the customer paid a moment ago: ask again.
			if st, err = s.provider.Get(ctx, a.Ref); err != nil {
				return false, fmt.Errorf("expire order %s: cancel: %w", a.Number, cerr)
			}
		} else {
			st = cancelled
			if err := s.recordOperation(ctx, a.ID, "cancel", 0, key, ""); err != nil {
				return false, err
			}
		}
	}
	if _, err := s.Apply(ctx, st, "expiry"); err != nil {
		return false, err
	}
	if st.State.Succeeded() {
		return true, nil
	}
	if !st.State.Final() {
		return false, fmt.Errorf("expire order %s: payment %s still %s", a.Number, a.Ref, st.State)
	}
	return false, nil
}

// recordOperation notes a capture, cancel or refund the shop asked for. The
// same idempotency key twice is one operation.
func (s *Service) recordOperation(ctx context.Context, paymentID int64, kind string, amount shop.Yen, key, staff string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO payment_operations (payment_id, kind, amount, idempotency_key, staff, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (idempotency_key) DO NOTHING`,
		paymentID, kind, amount, key, staff, s.clock().UTC())
	if err != nil {
		return fmt.Errorf("payment %d: record %s: %w", paymentID, kind, err)
	}
	return nil
}

// collect reads one text column of every row.
func collect(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

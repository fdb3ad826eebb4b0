package billing

import (
	"context"
	"database/sql"
	"fmt"

	"kaede/internal/order"
	"kaede/internal/shop"
)

// Balance is what the member owes on account now: the orders on account
// not billed yet (neither cancelled nor refunded) and what is unpaid of
// the invoices issued, less the cancelled orders to be credited on the
// next invoice (returns.go).
func (s *Service) Balance(ctx context.Context, memberID int64) (shop.Yen, error) {
	var b shop.Yen
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		b, err = balance(ctx, tx, memberID)
		return err
	})
	return b, err
}

func balance(ctx context.Context, tx *sql.Tx, memberID int64) (shop.Yen, error) {
	var unbilled, unpaid shop.Yen
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(o.total), 0) FROM orders o
		WHERE o.member_id = $1 AND o.payment_method = $2 AND o.status NOT IN ('cancelled', 'refunded')
		AND NOT EXISTS (SELECT 1 FROM billing_invoice_orders bo WHERE bo.order_id = o.id)`,
		memberID, order.Invoice).Scan(&unbilled)
	if err != nil {
		return 0, fmt.Errorf("balance of member %d: %w", memberID, err)
	}
	err = tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(total - paid), 0) FROM billing_invoices
		WHERE member_id = $1 AND paid < total`, memberID).Scan(&unpaid)
	if err != nil {
		return 0, fmt.Errorf("balance of member %d: %w", memberID, err)
	}
	credits, err := pendingCredits(ctx, tx, memberID, "9999-12")
	if err != nil {
		return 0, fmt.Errorf("balance of member %d: %w", memberID, err)
	}
	var credited shop.Yen
	for _, c := range credits {
		credited += c.Total
	}
	return unbilled + unpaid - credited, nil
}

// CheckCredit says, inside checkout's transaction, whether the member may
// put amount on account: "" when they may; shop.ReasonChoice when they are
// not an approved business customer (a guest, an application not yet
// decided, a suspended account); shop.ReasonCreditLimit when the open
// balance and amount together exceed the credit limit. Checkout reports
// either on the field payment_method. lock holds the account's row to the
// end of the transaction, so that two orders placed at once on PostgreSQL
// cannot both pass on the same balance (SQLite's writers are serial
// already); only a writing transaction may lock.
func (s *Service) CheckCredit(ctx context.Context, tx *sql.Tx, memberID int64, amount shop.Yen, lock bool) (string, error) {
	if memberID == 0 {
		return shop.ReasonChoice, nil
	}
	suffix := ""
	if lock {
		suffix = s.db.ForUpdate()
	}
	a, err := loadAccount(ctx, tx, memberID, suffix)
	if shop.ErrorCode(err) == shop.NotFound {
		return shop.ReasonChoice, nil
	}
	if err != nil {
		return "", err
	}
	if !a.Approved() {
		return shop.ReasonChoice, nil
	}
	owed, err := balance(ctx, tx, memberID)
	if err != nil {
		return "", err
	}
	if owed+amount > a.CreditLimit {
		return shop.ReasonCreditLimit, nil
	}
	return "", nil
}

// Offered reports whether the member's account is approved, so that
// checkout may offer the monthly invoice (when the settings have it on).
func (s *Service) Offered(ctx context.Context, memberID int64) (bool, error) {
	if memberID == 0 {
		return false, nil
	}
	a, err := s.Account(ctx, memberID)
	if shop.ErrorCode(err) == shop.NotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return a.Approved(), nil
}

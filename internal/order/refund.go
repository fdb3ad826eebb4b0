package order

import (
	"context"
	"database/sql"
	"fmt"
	"kaede/internal/audit"
	"strings"
	"time"

	"kaede/internal/db"
	"kaede/internal/shop"
)

// Refund is money returned to the customer for an order: the whole
// payment or a part of it (an item returned, a cancelled order paid in
// advance). A refund is an entry in the order's history; a refund of the
// whole payment also ends the order: before shipment it is cancelled (its
// stock returned), after shipment it is refunded (返金済み). The customer
// is told either way.
type Refund struct {
	Amount shop.Yen
	// ProviderRef is the payment provider's id of a card refund; empty for
	// money the shop returns itself by bank transfer.
	ProviderRef string
	Note        string // why, for the shop's records
	CreatedBy   string
	CreatedAt   time.Time
}

// maxRefundNote bounds a refund's note.
const maxRefundNote = 500

// MarkRefunded records that the shop has returned amount to the customer
// by bank transfer, for an order paid by bank transfer or cash on delivery
// (money the shop holds itself), in one transaction with its audit entry
// ("order.refund"). The payment becomes refunded when the refunds reach its
// amount, partially_refunded before. A payment that has taken no money →
// Conflict; an amount that is not positive or exceeds what is left to
// refund → Invalid on "amount". Card payments are refunded through the
// provider: see RecordRefundTx.
func (s *Service) MarkRefunded(ctx context.Context, number string, amount shop.Yen, by audit.Actor) (*Order, error) {
	var o *Order
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		o, err = s.recordRefund(ctx, tx, number, Refund{Amount: amount, Note: "銀行振込にて返金"}, by, false, "")
		return err
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// RecordRefundTx records a card refund that the payment provider has
// already made, inside the caller's transaction, with its audit entry.
//
// This is the extension point for card refunds: the card payment package
// asks the provider to refund (keeping its own record of the request),
// and once the provider confirms, it calls RecordRefundTx in the
// transaction that records the provider's answer, with r.ProviderRef set
// to the provider's refund id (required, and unique: the same provider
// refund cannot be recorded twice → Conflict). The amount is checked
// against the payment's amount less what is already refunded; the caller
// checks what the provider actually captured. A non-card order →
// Conflict: use MarkRefunded.
func (s *Service) RecordRefundTx(ctx context.Context, tx *sql.Tx, number string, r Refund, by audit.Actor) (*Order, error) {
	return s.recordRefund(ctx, tx, number, r, by, true, "")
}

// RecordCancelRefundTx is RecordRefundTx for the refund of a customer's own
// cancellation (CancelByCustomer's card path): the whole payment, refunded
// by the provider, cancels the order as the customer's doing, audited as
// "order.customer_cancel". An order shipped meanwhile is refused
// (Conflict) before anything is written, so that the caller can tell
// the shop.
func (s *Service) RecordCancelRefundTx(ctx context.Context, tx *sql.Tx, number string, r Refund, by audit.Actor) (*Order, error) {
	return s.recordRefund(ctx, tx, number, r, by, true, EventCustomerCancel)
}

// recordRefund checks and writes a refund inside tx. card says which kind
// the caller records: provider refunds for card orders, or the shop's own
// transfers for the others. cause is EventCustomerCancel for the refund of
// a customer's cancellation, empty for the shop's own refunds.
func (s *Service) recordRefund(ctx context.Context, tx *sql.Tx, number string, r Refund, by audit.Actor, card bool,
	cause EventKind) (*Order, error) {
	r.Note = strings.TrimSpace(strings.ReplaceAll(r.Note, "\r\n", "\n"))
	r.ProviderRef = strings.TrimSpace(r.ProviderRef)
	p := shop.Problems{}
	if r.Amount <= 0 {
		p.Add("amount", shop.ReasonRange)
	}
	if card {
		shop.CheckText(p, "provider_ref", r.ProviderRef, true, 255)
	} else {
		r.ProviderRef = ""
	}
	checkNote(p, "note", r.Note, maxRefundNote)
	if err := p.Err(); err != nil {
		return nil, err
	}
	id, method, err := s.lockOrder(ctx, tx, number)
	if err != nil {
		return nil, err
	}
	switch {
	case card && !method.RefundsThroughProvider():
		return nil, shop.Errorf(shop.Conflict, "order %s is not paid by card or PayPay; record the refund with MarkRefunded", number)
	case !card && method.RefundsThroughProvider():
		return nil, shop.Errorf(shop.Conflict, "order %s is paid by %s; its refunds go through the payment provider", number, method)
	}
	before, err := stateOf(ctx, tx, id)
	if err != nil {
		return nil, fmt.Errorf("order %s: %w", number, err)
	}
	if cause == EventCustomerCancel && !before.Status.Unshipped() {
		return nil, errNotCancellable(number, before.Status)
	}
	pay, err := latestPayment(ctx, tx, id)
	if err != nil {
		return nil, fmt.Errorf("order %s: %w", number, err)
	}
	switch pay.state {
	case PaymentSucceeded, PaymentCaptured, PaymentPartiallyRefunded:
	default:
		return nil, shop.Errorf(shop.Conflict, "order %s: the payment is %s; only money received can be refunded", number, pay.state)
	}
	left := pay.amount - pay.refunded
	if r.Amount > left {
		return nil, &shop.Error{Code: shop.Invalid,
			Message: fmt.Sprintf("order %s: at most %s is left to refund", number, left),
			Fields:  map[string]string{"amount": shop.ReasonRange}}
	}
	now := s.clock().UTC()
	newState := PaymentPartiallyRefunded
	if r.Amount == left {
		newState = PaymentRefunded
	}
	_, err = tx.ExecContext(ctx, `UPDATE payments SET refunded = refunded + $1, state = $2, updated_at = $3 WHERE id = $4`,
		r.Amount, newState, now, pay.id)
	if err != nil {
		return nil, fmt.Errorf("order %s: update payment refund: %w", number, err)
	}
	r.CreatedBy, r.CreatedAt = by.Name, now
	_, err = tx.ExecContext(ctx, `INSERT INTO refunds (order_id, payment_id, amount, provider_ref, note, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, id, pay.id, r.Amount, r.ProviderRef, r.Note, r.CreatedBy, r.CreatedAt)
	if db.IsUniqueViolation(err) {
		return nil, shop.Errorf(shop.Conflict, "order %s: refund %s is already recorded", number, r.ProviderRef)
	}
	if err != nil {
		return nil, fmt.Errorf("order %s: insert refund: %w", number, err)
	}
	o, err := s.afterRefund(ctx, tx, number, id, before.Status, r.Amount, pay.refunded+r.Amount, newState == PaymentRefunded, cause)
	if err != nil {
		return nil, err
	}
	extra := map[string]any{"amount": r.Amount}
	if r.ProviderRef != "" {
		extra["provider_ref"] = r.ProviderRef
	}
	action := "order.refund"
	if cause == EventCustomerCancel {
		action = "order.customer_cancel"
	}
	if err := s.audit(ctx, tx, by, action, number, before, id, extra); err != nil {
		return nil, err
	}
	return o, nil
}

// afterRefund writes what a refund of amount means for the order inside
// tx: an entry in its history, the end of the order when the whole payment
// is back (full), and the customer's notice. status is the order's status
// before; refunded is every refund so far, this one included.
func (s *Service) afterRefund(ctx context.Context, tx *sql.Tx, number string, id int64, status Status,
	amount, refunded shop.Yen, full bool, cause EventKind) (*Order, error) {
	err := insertEventOf(ctx, tx, id, Event{From: status, To: status, Kind: EventRefund, Amount: amount, At: s.clock()})
	if err != nil {
		return nil, fmt.Errorf("order %s: %w", number, err)
	}
	switch {
	case full && status.Unshipped():
		// Nothing has left the shop and nothing is owed: the order is
		// over, its stock goes back, and the cancellation notice says
		// the money is refunded (one message, not two).
		c := change{to: Cancelled, note: "全額返金", kind: EventRefundCancel, cancel: cancelNotice{Refunded: refunded}}
		if cause == EventCustomerCancel {
			c.kind, c.note, c.cancel.ByCustomer = EventCustomerCancel, "お客様によるキャンセル（全額返金）", true
		}
		return s.move(ctx, tx, number, c)
	case full && (status == Shipped || status == Delivered):
		if _, err := s.move(ctx, tx, number, change{to: Refunded, note: "全額返金", quiet: true}); err != nil {
			return nil, err
		}
	}
	o, err := Load(ctx, tx, number)
	if err != nil {
		return nil, err
	}
	if err := s.notifyRefunded(ctx, tx, o, amount, refunded, full); err != nil {
		return nil, fmt.Errorf("order %s: %w", number, err)
	}
	return o, nil
}

func loadRefunds(ctx context.Context, tx *sql.Tx, orderID int64) ([]Refund, error) {
	rows, err := tx.QueryContext(ctx, `SELECT amount, provider_ref, note, created_by, created_at
		FROM refunds WHERE order_id = $1 ORDER BY id`, orderID)
	if err != nil {
		return nil, fmt.Errorf("read refunds: %w", err)
	}
	defer rows.Close()
	var out []Refund
	for rows.Next() {
		var r Refund
		if err := rows.Scan(&r.Amount, &r.ProviderRef, &r.Note, &r.CreatedBy, &r.CreatedAt); err != nil {
			return nil, fmt.Errorf("read refunds: %w", err)
		}
		r.CreatedAt = r.CreatedAt.UTC()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read refunds: %w", err)
	}
	return out, nil
}

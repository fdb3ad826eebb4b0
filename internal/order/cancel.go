package order

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"kaede/internal/audit"
	"kaede/internal/shop"
)

// The customer's own cancellation (ご注文のキャンセル), which the
// confirmation screen, the confirmation e-mail and the 特定商取引法 notice
// promise until the order ships. A card payment that holds money is
// released through the provider first: cardpay.Service.CancelOrder, which
// ends here (CancelByCustomerTx after a void, RecordCancelRefundTx after a
// refund). Everything else cancels here alone.

// CustomerActor is a customer acting on their own order, for the audit
// log: "customer:member:12" or "customer:guest" (a guest is known only by
// the order's token), with the request's address.
func CustomerActor(memberID int64, ip string) audit.Actor {
	name := "customer:guest"
	if memberID != 0 {
		name = "customer:member:" + strconv.FormatInt(memberID, 10)
	}
	return audit.Actor{Name: name, IP: ip}
}

// CustomerMayCancel reports whether the customer may still cancel o
// themselves: it binds and nothing has shipped.
func CustomerMayCancel(o *Order) bool { return o.Status.Unshipped() }

// errNotCancellable is the polite refusal of a cancellation that comes too
// late (shipped) or twice (already cancelled).
func errNotCancellable(number string, st Status) error {
	return &shop.Error{Code: shop.Conflict,
		Message: fmt.Sprintf("order %s is %s; only an order not yet shipped can be cancelled", number, st),
		Fields:  map[string]string{"status": string(st)}}
}

// IsNotCancellable reports whether err is the refusal of a customer's
// cancellation because the order has shipped or is cancelled already.
func IsNotCancellable(err error) bool {
	return shop.ErrorCode(err) == shop.Conflict && shop.ErrorFields(err)["status"] != ""
}

// CancelByCustomer cancels the customer's order before shipment: the stock
// goes back, an unpaid payment is cancelled, the customer and the shop are
// e-mailed, and the audit log records who (by, from CustomerActor). An
// order that has shipped or is cancelled already → Conflict. A card order
// whose payment took money → Conflict: cardpay.Service.CancelOrder refunds
// it through the provider. A bank transfer already received is cancelled,
// and the shop's notice asks the staff to transfer the money back.
func (s *Service) CancelByCustomer(ctx context.Context, number string, by audit.Actor) (*Order, error) {
	var o *Order
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		o, err = s.CancelByCustomerTx(ctx, tx, number, by, false)
		return err
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// CancelByCustomerTx is CancelByCustomer inside the caller's transaction.
// voided says the caller has just released the card's authorisation, so
// the notices say that nothing will be charged.
func (s *Service) CancelByCustomerTx(ctx context.Context, tx *sql.Tx, number string, by audit.Actor, voided bool) (*Order, error) {
	id, method, err := s.lockOrder(ctx, tx, number)
	if err != nil {
		return nil, err
	}
	before, err := stateOf(ctx, tx, id)
	if err != nil {
		return nil, fmt.Errorf("order %s: %w", number, err)
	}
	if !before.Status.Unshipped() {
		return nil, errNotCancellable(number, before.Status)
	}
	if method.RefundsThroughProvider() {
		switch before.Payment.State {
		case PaymentCaptured, PaymentSucceeded, PaymentPartiallyRefunded:
			return nil, shop.Errorf(shop.Conflict, "order %s: the card payment is to be refunded through the provider", number)
		}
	}
	o, err := s.move(ctx, tx, number, change{to: Cancelled, note: "お客様によるキャンセル", kind: EventCustomerCancel,
		cancel: cancelNotice{ByCustomer: true, Voided: voided}})
	if err != nil {
		return nil, err
	}
	if err := s.audit(ctx, tx, by, "order.customer_cancel", number, before, id, nil); err != nil {
		return nil, err
	}
	return o, nil
}

package cardpay

import (
	"context"
	"database/sql"
	"fmt"

	"kaede/internal/audit"
	"kaede/internal/order"
	"kaede/internal/payment"
)

// CancelOrder is the customer's own cancellation of an order before it
// ships (order.CancelByCustomer), with the card's money released first: an
// authorisation is voided (nothing is charged), a captured payment is
// refunded in full, both through the provider with their own idempotency
// keys, so a retried cancellation never voids or refunds twice. Orders
// paid otherwise are cancelled by the order service alone. An order that
// has shipped or is cancelled already is refused (Conflict) before the
// provider is asked anything.
//
// The provider is asked before the order's transaction (a network call
// must not hold the order's lock). If the shop ships the order in that
// moment, the refund is recorded as the shop's, the order becomes refunded
// rather than cancelled, and the log says so: the money is back either way.
func (s *Service) CancelOrder(ctx context.Context, number string, by audit.Actor) (*order.Order, error) {
	o, err := s.orders.Get(ctx, number)
	if err != nil {
		return nil, err
	}
	if !o.PaymentMethod.RefundsThroughProvider() || !order.CustomerMayCancel(o) {
		return s.orders.CancelByCustomer(ctx, number, by)
	}
	var a attempt
	err = s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		a, err = s.latestRead(ctx, tx, number)
		return err
	})
	if err != nil {
		return nil, err
	}
	switch {
	case a.Ref == "":
		return s.orders.CancelByCustomer(ctx, number, by)
	case a.State == payment.Authorized:
		return s.void(ctx, a, by)
	case a.State == payment.Captured || a.State == payment.PartiallyRefunded:
		if _, err := s.refund(ctx, a, a.Captured-a.Refunded, by, true); err != nil {
			return nil, err
		}
		return s.orders.Get(ctx, number)
	}
	return s.orders.CancelByCustomer(ctx, number, by)
}

// void releases the authorisation of a's payment and cancels the order in
// one transaction with the provider's answer.
func (s *Service) void(ctx context.Context, a attempt, by audit.Actor) (*order.Order, error) {
	key := a.key("cancel")
	st, err := s.provider.Cancel(ctx, a.Ref, key)
	if err != nil {
		return nil, fmt.Errorf("order %s: void: %w", a.Number, err)
	}
	if err := s.recordOperation(ctx, a.ID, "cancel", 0, key, by.Name); err != nil {
		return nil, err
	}
	if st.State != payment.Cancelled {
		return nil, fmt.Errorf("order %s: void: payment %s is %s at the provider", a.Number, a.Ref, st.State)
	}
	var o *order.Order
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		_, refused, err := s.applyTx(ctx, tx, st, "customer cancel")
		if err != nil {
			return err
		}
		if refused {
			return ErrMismatch
		}
		o, err = s.orders.CancelByCustomerTx(ctx, tx, a.Number, by, true)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.log.Info("card authorisation voided: the customer cancelled", "order", a.Number, "payment", a.Ref)
	return o, nil
}

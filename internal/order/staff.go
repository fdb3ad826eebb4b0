package order

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"kaede/internal/audit"
	"kaede/internal/shop"
)

// Detail is an order as the admin pages show it: the order with its
// shipments and refunds, which the store's pages do not need.
type Detail struct {
	Order     Order
	Shipments []Shipment
	Refunds   []Refund
	Refunded  shop.Yen // the payment's refunded total
}

// GetDetail returns the order with the number, its shipments and its
// refunds, for the shop's staff.
func (s *Service) GetDetail(ctx context.Context, number string) (*Detail, error) {
	var d *Detail
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		o, err := Load(ctx, tx, number)
		if err != nil {
			return err
		}
		d = &Detail{Order: *o}
		if d.Shipments, err = loadShipments(ctx, tx, o.ID); err != nil {
			return fmt.Errorf("order %s: %w", number, err)
		}
		if d.Refunds, err = loadRefunds(ctx, tx, o.ID); err != nil {
			return fmt.Errorf("order %s: %w", number, err)
		}
		p, err := latestPayment(ctx, tx, o.ID)
		if err != nil {
			return fmt.Errorf("order %s: %w", number, err)
		}
		d.Refunded = p.refunded
		return nil
	})
	return d, err
}

// MarkPaid records that a bank transfer for the order has arrived: the
// order goes from placed to paid and its payment succeeds. Only bank
// transfers are marked paid by hand; a card is paid through its provider
// and cash on delivery at the door → Conflict.
func (s *Service) MarkPaid(ctx context.Context, number string, by audit.Actor) (*Order, error) {
	return s.staffTransition(ctx, number, Paid, "入金確認", "order.paid", by, func(method PaymentMethod) error {
		if method != BankTransfer {
			return shop.Errorf(shop.Conflict, "order %s is not paid by bank transfer; only transfers are marked paid by hand", number)
		}
		return nil
	})
}

// MarkDelivered records that the customer has the goods. For cash on
// delivery this is also when the money is taken.
func (s *Service) MarkDelivered(ctx context.Context, number string, by audit.Actor) (*Order, error) {
	return s.staffTransition(ctx, number, Delivered, "配達完了", "order.delivered", by, nil)
}

// maxReason bounds a cancellation reason, which is kept with the order's
// history and the audit entry.
const maxReason = 500

// CancelByStaff cancels the order as Cancel does (stock back, an unpaid
// payment cancelled, the customer told), with the reason, which is
// required, in the order's history and in the audit log. Money already
// taken stays recorded as taken: refund it with MarkRefunded.
func (s *Service) CancelByStaff(ctx context.Context, number, reason string, by audit.Actor) (*Order, error) {
	reason = strings.TrimSpace(reason)
	p := shop.Problems{}
	shop.CheckText(p, "reason", reason, true, maxReason)
	if err := p.Err(); err != nil {
		return nil, err
	}
	return s.staffTransition(ctx, number, Cancelled, reason, "order.cancel", by, nil)
}

// staffTransition moves the order to status to with the note, in one
// transaction with its audit entry. check, when not nil, may refuse the
// change for the order's payment method before anything is written.
func (s *Service) staffTransition(ctx context.Context, number string, to Status, note, action string, by audit.Actor,
	check func(PaymentMethod) error) (*Order, error) {
	var o *Order
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		id, method, err := s.lockOrder(ctx, tx, number)
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(method); err != nil {
				return err
			}
		}
		before, err := stateOf(ctx, tx, id)
		if err != nil {
			return fmt.Errorf("order %s: %w", number, err)
		}
		if o, err = s.transition(ctx, tx, number, to, note); err != nil {
			return err
		}
		return s.audit(ctx, tx, by, action, number, before, id, map[string]any{"note": note})
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// lockOrder locks the order's row for the rest of tx, so that two staff
// actions on one order run one after the other, and returns its id and
// payment method.
func (s *Service) lockOrder(ctx context.Context, tx *sql.Tx, number string) (int64, PaymentMethod, error) {
	var id int64
	var method PaymentMethod
	err := tx.QueryRowContext(ctx, `SELECT id, payment_method FROM orders WHERE number = $1`+s.db.ForUpdate(),
		number).Scan(&id, &method)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", errNotFound(number)
	}
	if err != nil {
		return 0, "", fmt.Errorf("order %s: lock: %w", number, err)
	}
	return id, method, nil
}

// auditState is an order as the audit log records it before and after a staff
// action: its status, its payment and its shipments.
type auditState struct {
	Status    Status          `json:"status"`
	Payment   paymentState    `json:"payment"`
	Shipments []shipmentState `json:"shipments"`
	Extra     map[string]any  `json:"extra,omitempty"` // what the action was given: a note, an amount
}

type paymentState struct {
	Method   PaymentMethod `json:"method"`
	State    PaymentState  `json:"state"`
	Amount   shop.Yen      `json:"amount"`
	Refunded shop.Yen      `json:"refunded"`
}

type shipmentState struct {
	Carrier        Carrier   `json:"carrier"`
	TrackingNumber string    `json:"tracking_number"`
	ShippedAt      time.Time `json:"shipped_at"`
}

func stateOf(ctx context.Context, tx *sql.Tx, orderID int64) (auditState, error) {
	var st auditState
	if err := tx.QueryRowContext(ctx, `SELECT status FROM orders WHERE id = $1`, orderID).Scan(&st.Status); err != nil {
		return st, fmt.Errorf("read status: %w", err)
	}
	p, err := latestPayment(ctx, tx, orderID)
	if err != nil {
		return st, err
	}
	st.Payment = paymentState{Method: p.method, State: p.state, Amount: p.amount, Refunded: p.refunded}
	shipments, err := loadShipments(ctx, tx, orderID)
	if err != nil {
		return st, err
	}
	st.Shipments = []shipmentState{}
	for _, sh := range shipments {
		st.Shipments = append(st.Shipments, shipmentState{sh.Carrier, sh.TrackingNumber, sh.ShippedAt})
	}
	return st, nil
}

// audit appends the entry for a staff action on the order inside tx, with
// the state before (read by the caller before the change) and after.
func (s *Service) audit(ctx context.Context, tx *sql.Tx, by audit.Actor, action, number string, before auditState,
	orderID int64, extra map[string]any) error {
	after, err := stateOf(ctx, tx, orderID)
	if err != nil {
		return fmt.Errorf("order %s: %w", number, err)
	}
	after.Extra = extra
	if err := audit.Record(ctx, tx, s.clock(), by, action, "order:"+number, before, after); err != nil {
		return fmt.Errorf("order %s: %w", number, err)
	}
	return nil
}

// paymentRow is the order's latest payments row, with what Payment leaves out.
type paymentRow struct {
	id       int64
	method   PaymentMethod
	state    PaymentState
	amount   shop.Yen
	refunded shop.Yen
}

// latestPayment reads the order's latest payment: a card order may have
// several attempts, and the latest is the one that counts.
func latestPayment(ctx context.Context, tx *sql.Tx, orderID int64) (paymentRow, error) {
	var p paymentRow
	err := tx.QueryRowContext(ctx, `SELECT id, method, state, amount, refunded FROM payments
		WHERE order_id = $1 ORDER BY id DESC LIMIT 1`, orderID).Scan(&p.id, &p.method, &p.state, &p.amount, &p.refunded)
	if err != nil {
		return p, fmt.Errorf("read payment: %w", err)
	}
	return p, nil
}

// checkNote reports a note that is too long or holds control characters
// other than line breaks.
func checkNote(p shop.Problems, field, note string, max int) {
	shop.CheckMultiline(p, field, note, false, max)
}

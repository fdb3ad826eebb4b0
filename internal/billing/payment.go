package billing

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"kaede/internal/audit"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// PaymentInput is a payment as staff record it from the admin's form: the
// amount in yen (digits, commas allowed), the day it was received
// (YYYY-MM-DD, not in the future) and an optional note.
type PaymentInput struct {
	Amount     string
	ReceivedOn string
	Note       string
}

// Payment is money received against an invoice.
type Payment struct {
	Amount     shop.Yen
	ReceivedOn string
	Note       string
	RecordedBy string
	CreatedAt  time.Time
}

// RecordPayment records a payment against the invoice, full or partial,
// and audits it. The amount may not exceed what is still owed (Invalid on
// "payment_amount"). The payment that settles the invoice marks its orders paid
// (order.Settle) and thanks the customer by e-mail, in the same
// transaction. A settled invoice takes no payment (Conflict).
func (s *Service) RecordPayment(ctx context.Context, number string, in PaymentInput, by audit.Actor) (*Invoice, error) {
	now := s.clock()
	p := shop.Problems{}
	raw := strings.ReplaceAll(strings.TrimSpace(in.Amount), ",", "")
	amount, err := strconv.ParseInt(raw, 10, 64)
	switch {
	case raw == "":
		p.Add("payment_amount", shop.ReasonRequired)
	case err != nil:
		p.Add("payment_amount", shop.ReasonFormat)
	case amount < 1:
		p.Add("payment_amount", shop.ReasonRange)
	}
	in.ReceivedOn = strings.TrimSpace(in.ReceivedOn)
	if in.ReceivedOn == "" {
		in.ReceivedOn = dateOnly(now)
	} else if d, err := time.ParseInLocation(time.DateOnly, in.ReceivedOn, shop.JST); err != nil {
		p.Add("received_on", shop.ReasonFormat)
	} else if d.After(jstDay(now)) {
		p.Add("received_on", shop.ReasonRange)
	}
	in.Note = strings.TrimSpace(in.Note)
	shop.CheckText(p, "note", in.Note, false, 200)
	if err := p.Err(); err != nil {
		return nil, err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		inv, err := loadInvoice(ctx, tx, number, s.db.ForUpdate())
		if err != nil {
			return err
		}
		if inv.Settled() {
			return shop.Errorf(shop.Conflict, "invoice %s is paid already", number)
		}
		if shop.Yen(amount) > inv.Balance() {
			p.Add("payment_amount", shop.ReasonRange)
			return p.Err()
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO billing_payments (invoice_id, amount, received_on, note, recorded_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, inv.ID, amount, in.ReceivedOn, in.Note, by.Name, now); err != nil {
			return fmt.Errorf("invoice %s: record payment: %w", number, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE billing_invoices SET paid = paid + $1 WHERE id = $2`, amount, inv.ID); err != nil {
			return fmt.Errorf("invoice %s: record payment: %w", number, err)
		}
		before := inv.Paid
		inv.Paid += shop.Yen(amount)
		if err := audit.Record(ctx, tx, now, by, "billing.payment", "invoice:"+number,
			map[string]any{"paid": before}, map[string]any{"paid": inv.Paid, "amount": amount, "received_on": in.ReceivedOn}); err != nil {
			return err
		}
		if !inv.Settled() {
			return nil
		}
		return s.settle(ctx, tx, &inv)
	})
	if err != nil {
		return nil, err
	}
	return s.Invoice(ctx, number)
}

// settle marks the orders of a paid invoice paid and thanks the customer.
func (s *Service) settle(ctx context.Context, tx *sql.Tx, inv *Invoice) error {
	rows, err := tx.QueryContext(ctx, `SELECT o.number FROM billing_invoice_orders bo JOIN orders o ON o.id = bo.order_id
		WHERE bo.invoice_id = $1 ORDER BY o.id`, inv.ID)
	if err != nil {
		return fmt.Errorf("invoice %s: orders: %w", inv.Number, err)
	}
	var numbers []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return fmt.Errorf("invoice %s: orders: %w", inv.Number, err)
		}
		numbers = append(numbers, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("invoice %s: orders: %w", inv.Number, err)
	}
	if err := s.orders.Settle(ctx, tx, numbers, "請求書 "+inv.Number+" のお支払い"); err != nil {
		return fmt.Errorf("invoice %s: %w", inv.Number, err)
	}
	st, err := settings.LoadTx(ctx, tx)
	if err != nil {
		return err
	}
	return s.send(ctx, tx, "billing_paid", inv.Email, s.newMailData(inv, st))
}

// Payments lists the payments recorded against the invoice, oldest first.
func (s *Service) Payments(ctx context.Context, number string) ([]Payment, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT p.amount, p.received_on, p.note, p.recorded_by, p.created_at
		FROM billing_payments p JOIN billing_invoices i ON i.id = p.invoice_id
		WHERE i.number = $1 ORDER BY p.id`, number)
	if err != nil {
		return nil, fmt.Errorf("invoice %s: payments: %w", number, err)
	}
	defer rows.Close()
	var out []Payment
	for rows.Next() {
		var p Payment
		if err := rows.Scan(&p.Amount, &p.ReceivedOn, &p.Note, &p.RecordedBy, &p.CreatedAt); err != nil {
			return nil, fmt.Errorf("invoice %s: payments: %w", number, err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("invoice %s: payments: %w", number, err)
	}
	return out, nil
}

package cardpay

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"time"

	"kaede/internal/fraud"
	"kaede/internal/order"
	"kaede/internal/payment"
	"kaede/internal/shop"
	"kaede/internal/switches"
)

// Start makes sure the card order awaiting payment has a provider payment
// the customer can pay, and returns the provider's page to send them to.
// It is what the order button does after checkout, and what "pay again"
// does on the order page:
//
//   - a payment the customer has not finished is resumed (its page again);
//   - a payment whose creation failed is created again with the same
//     idempotency key, so the provider never holds two for one attempt;
//   - after a declined, failed or cancelled payment a new attempt starts,
//     up to the cap per order (TooMany after that).
//
// token is the order's access token, put in the return link so that a
// guest comes back to their order; "" for a member's order seen by login.
// A provider that cannot be reached leaves the order awaiting payment and
// returns the error: the customer can try again from the order page.
// Every new provider payment first asks the card-testing guard, with c;
// a refusal is TooMany with a message that says nothing of why. While the
// shop has stopped card payments nothing starts or resumes:
// switches.ErrCardStopped, and the order page tells the customer why.
func (s *Service) Start(ctx context.Context, number, token string, c Client) (string, error) {
	method, err := s.methodOf(ctx, number)
	if err != nil {
		return "", err
	}
	if stopped, err := s.stopped(ctx); stopped && method == order.Card {
		if err != nil {
			return "", err
		}
		s.log.Info("card payment refused: card payments are stopped", "order", number)
		return "", switches.ErrCardStopped
	}
	var a attempt
	var o *order.Order
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		if o, err = order.Load(ctx, tx, number); err != nil {
			return err
		}
		a, err = s.nextAttempt(ctx, tx, o)
		return err
	})
	if err != nil {
		return "", err
	}
	if a.Ref != "" {
		return a.RedirectURL, nil
	}
	var fraudAttempt int64
	if o.PaymentMethod == order.Card {
		// The card-testing guard is about cards: a konbini voucher or a
		// PayPay approval tests no card number.
		if fraudAttempt, err = s.allow(ctx, number, o.Email, c); err != nil {
			return "", err
		}
	}
	var voucherExpiry time.Time
	if o.PaymentMethod == order.Konbini {
		if voucherExpiry, err = s.orders.CardDeadline(ctx, number); err != nil {
			return "", err
		}
	}
	ret := s.baseURL + "/orders/" + url.PathEscape(number) + "/payment"
	if token != "" {
		ret += "?token=" + url.QueryEscape(token)
	}
	sess, err := s.provider.Create(ctx, payment.CreateRequest{
		OrderNumber: number, Amount: a.Amount,
		Email: o.Email, Name: o.Address.Name, Phone: o.Address.Phone,
		ReturnURL: ret, CancelURL: ret, Capture: a.Capture, IdempotencyKey: a.key("create"),
		Method: string(o.PaymentMethod), VoucherExpiresAt: voucherExpiry,
	})
	if err != nil {
		s.log.Warn("provider payment not created", "order", number, "method", o.PaymentMethod, "attempt", a.Attempt, "error", err)
		return "", fmt.Errorf("order %s: %w", number, err)
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE payments SET provider_ref = $1, redirect_url = $2, fraud_attempt = $3, updated_at = $4
			WHERE id = $5 AND provider_ref = ''`, sess.Ref, sess.RedirectURL, fraudAttempt, s.clock().UTC(), a.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 || sess.Voucher == nil {
			return err // recorded by a concurrent start, which issued its voucher
		}
		a.Ref = sess.Ref
		return s.issueVoucher(ctx, tx, a, *sess.Voucher)
	})
	if err != nil {
		return "", fmt.Errorf("order %s: record payment %s: %w", number, sess.Ref, err)
	}
	s.log.Info("provider payment created", "order", number, "method", o.PaymentMethod, "attempt", a.Attempt, "payment", sess.Ref)
	return sess.RedirectURL, nil
}

// methodOf reads how the order is paid.
func (s *Service) methodOf(ctx context.Context, number string) (order.PaymentMethod, error) {
	var m order.PaymentMethod
	err := s.db.QueryRowContext(ctx, `SELECT payment_method FROM orders WHERE number = $1`, number).Scan(&m)
	if errors.Is(err, sql.ErrNoRows) {
		return "", shop.Errorf(shop.NotFound, "no order %q", number)
	}
	if err != nil {
		return "", fmt.Errorf("order %s: read payment method: %w", number, err)
	}
	return m, nil
}

// issueVoucher records a konbini payment's voucher on its row and has the
// order package mail it to the customer, in tx. A voucher already recorded
// changes nothing, so that the voucher mails once however often the
// provider reports it.
func (s *Service) issueVoucher(ctx context.Context, tx *sql.Tx, a attempt, v payment.Voucher) error {
	if v.Number == "" || v.ExpiresAt.IsZero() {
		return fmt.Errorf("payment %s: voucher without number or expiry", a.Ref)
	}
	res, err := tx.ExecContext(ctx, `UPDATE payments SET voucher_number = $1, voucher_expires_at = $2,
			redirect_url = CASE WHEN $3 = '' THEN redirect_url ELSE $3 END
		WHERE id = $4 AND voucher_number = ''`, v.Number, v.ExpiresAt.UTC(), v.URL, a.ID)
	if err != nil {
		return fmt.Errorf("payment %s: record voucher: %w", a.Ref, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err
	}
	s.log.Info("konbini voucher issued", "order", a.Number, "payment", a.Ref, "expires", v.ExpiresAt)
	return s.orders.IssueVoucherTx(ctx, tx, a.Number, order.Voucher{Number: v.Number, URL: v.URL, ExpiresAt: v.ExpiresAt})
}

// Client is who is paying, for the card-testing guard: the session (or,
// for the API, another key per buyer) and the client's address.
type Client struct {
	SessionKey string
	IP         string
}

// errCardsUnavailable is what a customer refused by the guard is told:
// nothing of which rule refused them.
var errCardsUnavailable = shop.Errorf(shop.TooMany, "card payment is temporarily unavailable")

// allow asks the card-testing guard whether a new provider payment may
// start, and returns the guard's attempt id (0 without a guard).
func (s *Service) allow(ctx context.Context, number, email string, c Client) (int64, error) {
	if s.guard == nil {
		return 0, nil
	}
	dec, err := s.guard.Allow(ctx, fraud.Attempt{SessionKey: c.SessionKey, IP: c.IP, Email: email})
	if err != nil {
		return 0, fmt.Errorf("order %s: card guard: %w", number, err)
	}
	if !dec.Allowed {
		s.log.Warn("card attempt refused", "order", number, "reason", dec.Reason, "retry_after", dec.RetryAfter)
		return 0, errCardsUnavailable
	}
	return dec.AttemptID, nil
}

// nextAttempt returns the attempt the customer should pay now, adding a
// new one after a final failure.
func (s *Service) nextAttempt(ctx context.Context, tx *sql.Tx, o *order.Order) (attempt, error) {
	if !o.PaymentMethod.ViaProvider() {
		return attempt{}, shop.Errorf(shop.Conflict, "order %s is not paid through the payment provider", o.Number)
	}
	if o.Status != order.AwaitingPayment {
		return attempt{}, shop.Errorf(shop.Conflict, "order %s is %s, not awaiting payment", o.Number, o.Status)
	}
	a, err := s.latest(ctx, tx, o.Number)
	if err != nil {
		return attempt{}, err
	}
	var deadline sql.NullTime
	if err := tx.QueryRowContext(ctx, `SELECT expires_at FROM orders WHERE id = $1`, o.ID).Scan(&deadline); err != nil {
		return attempt{}, fmt.Errorf("order %s: read expiry: %w", o.Number, err)
	}
	if deadline.Valid && !s.clock().Before(deadline.Time) {
		return attempt{}, shop.Errorf(shop.Conflict, "order %s expired unpaid", o.Number)
	}
	if a.Provider != s.provider.Name() {
		return attempt{}, shop.Errorf(shop.Conflict, "order %s was started with provider %q", o.Number, a.Provider)
	}
	switch {
	case !a.State.Final():
		return a, nil
	case a.State.Succeeded():
		return attempt{}, shop.Errorf(shop.Conflict, "order %s is paid", o.Number)
	case a.Attempt >= s.maxAttempts:
		s.log.Warn("card attempts exhausted", "order", o.Number, "attempts", a.Attempt)
		return attempt{}, shop.Errorf(shop.TooMany, "order %s: no more card attempts", o.Number)
	}
	now := s.clock().UTC()
	next := a.Attempt + 1
	capture := s.capture
	if o.PaymentMethod != order.Card {
		capture = payment.CaptureAutomatic // konbini and PayPay are paid in full when paid
	}
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO payments (order_id, method, provider, state, amount, attempt, capture, created_at, updated_at)
		VALUES ($1, $2, $3, 'pending', $4, $5, $6, $7, $7) RETURNING id`,
		a.OrderID, o.PaymentMethod, a.Provider, a.Amount, next, capture, now).Scan(&id)
	if err != nil {
		return attempt{}, fmt.Errorf("order %s: new payment attempt: %w", o.Number, err)
	}
	return attempt{ID: id, OrderID: a.OrderID, Number: a.Number, OrderStatus: a.OrderStatus, Attempt: next,
		Provider: a.Provider, State: payment.Pending, Capture: capture, Amount: a.Amount, CreatedAt: now,
		Method: o.PaymentMethod}, nil
}

// Summary is what the order page needs to offer the card payment again.
type Summary struct {
	ExpiresAt time.Time
	// CanPay says the customer may pay now: the order awaits payment, it
	// has not expired, attempts are left (or one is in progress), and
	// card payments are not stopped.
	CanPay bool
	// Stopped says the shop has stopped card payments (switches.Card):
	// the order page asks the customer to order again with another
	// method, or to contact the shop.
	Stopped bool
	// Voucher is a konbini order's voucher while it can be paid.
	Voucher *payment.Voucher
}

// Summarize tells the order page whether the customer can pay now.
func (s *Service) Summarize(ctx context.Context, o *order.Order) (Summary, error) {
	if !o.PaymentMethod.ViaProvider() || o.Status != order.AwaitingPayment {
		return Summary{}, nil
	}
	var sum Summary
	var err error
	if sum.ExpiresAt, err = s.orders.CardDeadline(ctx, o.Number); err != nil {
		return Summary{}, err
	}
	var attempts int
	err = s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(attempt), 0) FROM payments WHERE order_id = $1`, o.ID).Scan(&attempts)
	if err != nil {
		return Summary{}, fmt.Errorf("order %s: count card attempts: %w", o.Number, err)
	}
	open := !payment.State(o.Payment.State).Final()
	if o.PaymentMethod == order.Card {
		// The card switch stops cards only.
		if sum.Stopped, err = s.stopped(ctx); err != nil {
			// Shown as stopped: the page still tells the customer what to do.
			s.log.Warn("card switch unknown", "order", o.Number, "error", err)
		}
	}
	if o.PaymentMethod == order.Konbini {
		var v payment.Voucher
		var at sql.NullTime
		err := s.db.QueryRowContext(ctx, `SELECT voucher_number, voucher_expires_at, redirect_url FROM payments
			WHERE order_id = $1 AND method = 'konbini' ORDER BY attempt DESC LIMIT 1`, o.ID).Scan(&v.Number, &at, &v.URL)
		if err != nil {
			return Summary{}, fmt.Errorf("order %s: read voucher: %w", o.Number, err)
		}
		if v.Number != "" && at.Valid && s.clock().Before(at.Time) {
			v.ExpiresAt = at.Time.UTC()
			sum.Voucher = &v
		}
	}
	sum.CanPay = !sum.Stopped && s.clock().Before(sum.ExpiresAt) && (open || attempts < s.maxAttempts)
	return sum, nil
}

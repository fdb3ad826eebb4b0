package order

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"kaede/internal/mail"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// A card order's life around its payment. The order is written by checkout
// in status AwaitingPayment; the card payment package (internal/cardpay)
// talks to the provider and calls these functions inside its own
// transactions, so that a payment's new state and the order's new status
// are one atomic change. The order package never talks to a provider.

// CardSetup is what checkout records for a new card order besides the
// order itself.
type CardSetup struct {
	Provider  string // the provider's name, stored with the payment
	Capture   string // automatic or manual
	ExpiresAt time.Time
	// Confirmation is the order-confirmation e-mail, held back until the
	// payment succeeds: before that the order is not binding.
	Confirmation mail.Message
}

// PrepareCard marks the new card order o (written by Insert in tx) with its
// expiry and its payment's provider, and holds its confirmation e-mail.
func (s *Service) PrepareCard(ctx context.Context, tx *sql.Tx, o *Order, c CardSetup) error {
	if !o.PaymentMethod.ViaProvider() || o.Status != AwaitingPayment {
		return fmt.Errorf("order %s: not an order awaiting the provider's payment", o.Number)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE orders SET expires_at = $1 WHERE id = $2`, c.ExpiresAt.UTC(), o.ID); err != nil {
		return fmt.Errorf("order %s: set expiry: %w", o.Number, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE payments SET provider = $1, capture = $2 WHERE order_id = $3`,
		c.Provider, c.Capture, o.ID); err != nil {
		return fmt.Errorf("order %s: set payment provider: %w", o.Number, err)
	}
	if o.PaymentMethod == Konbini {
		// A konbini order is confirmed when placed, with how to pay
		// (checkout sends it); the payment brings the receipt notice.
		return nil
	}
	if err := c.Confirmation.Validate(); err != nil {
		return fmt.Errorf("order %s: %w", o.Number, err)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO held_confirmations (order_id, to_addr, subject, body, created_at)
		VALUES ($1, $2, $3, $4, $5)`, o.ID, c.Confirmation.To, c.Confirmation.Subject, c.Confirmation.Body, s.clock().UTC())
	if err != nil {
		return fmt.Errorf("order %s: hold confirmation: %w", o.Number, err)
	}
	return nil
}

// ConfirmCardTx moves a card order awaiting payment to status to (Paid
// for a captured payment, Placed for an authorised one) inside tx, and
// sends the confirmation e-mail held since checkout. The caller has
// recorded the payment's new state in the same transaction.
func (s *Service) ConfirmCardTx(ctx context.Context, tx *sql.Tx, number string, to Status, note string) (*Order, error) {
	o, err := s.transition(ctx, tx, number, to, note)
	if err != nil {
		return nil, err
	}
	if o.PaymentMethod == Konbini {
		// Its confirmation went out at checkout: now the payment has
		// arrived, and the order binds the shop.
		if err := s.notifyPaid(ctx, tx, o); err != nil {
			return nil, fmt.Errorf("order %s: %w", number, err)
		}
		if err := s.notifyShop(ctx, tx, o, nil); err != nil {
			return nil, fmt.Errorf("order %s: %w", number, err)
		}
		return o, nil
	}
	var m mail.Message
	err = tx.QueryRowContext(ctx, `DELETE FROM held_confirmations WHERE order_id = $1 RETURNING to_addr, subject, body`,
		o.ID).Scan(&m.To, &m.Subject, &m.Body)
	if errors.Is(err, sql.ErrNoRows) {
		// Already sent: a payment confirmed twice mails once.
		return o, nil
	}
	if err != nil {
		return nil, fmt.Errorf("order %s: release confirmation: %w", number, err)
	}
	m.Kind, m.OrderID = "order_confirmation", o.ID
	// The held confirmation goes once, and so does the shop's notice with
	// it, in one delivery job.
	if err := s.notifyShop(ctx, tx, o, nil, m); err != nil {
		return nil, fmt.Errorf("order %s: %w", number, err)
	}
	return o, nil
}

// TransitionTx is Transition inside the caller's transaction, for the card
// payment package, which records the payment's change in the same one.
func (s *Service) TransitionTx(ctx context.Context, tx *sql.Tx, number string, to Status, note string) (*Order, error) {
	return s.transition(ctx, tx, number, to, note)
}

// ExpireCardTx cancels an unpaid card order whose time is up inside tx:
// the stock goes back, the held confirmation is dropped, and the customer
// gets the cancellation notice. The caller has released the provider's
// payment first, so that nothing can be paid for a cancelled order.
func (s *Service) ExpireCardTx(ctx context.Context, tx *sql.Tx, number, note string) (*Order, error) {
	// A konbini voucher had days to be paid: the notice says it was not,
	// as for an unpaid transfer. A card or PayPay payment abandoned
	// within minutes is simply cancelled.
	var method PaymentMethod
	if err := tx.QueryRowContext(ctx, `SELECT payment_method FROM orders WHERE number = $1`, number).Scan(&method); err != nil {
		return nil, fmt.Errorf("order %s: read payment method: %w", number, err)
	}
	o, err := s.move(ctx, tx, number, change{to: Cancelled, note: note, cancel: cancelNotice{Unpaid: method == Konbini}})
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM held_confirmations WHERE order_id = $1`, o.ID); err != nil {
		return nil, fmt.Errorf("order %s: drop held confirmation: %w", number, err)
	}
	return o, nil
}

// CardDeadline is when an unpaid card order expires; zero for any other
// order.
func (s *Service) CardDeadline(ctx context.Context, number string) (time.Time, error) {
	var at sql.NullTime
	err := s.db.QueryRowContext(ctx, `SELECT expires_at FROM orders WHERE number = $1`, number).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, errNotFound(number)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("order %s: read expiry: %w", number, err)
	}
	return at.Time.UTC(), nil
}

// Voucher is a konbini payment's voucher as the provider issued it: what
// the customer tells the clerk (or types into the store's terminal), and
// until when.
type Voucher struct {
	Number    string // the payment number (確認番号 / お支払い番号)
	URL       string // the provider's voucher page, with the steps per store chain
	ExpiresAt time.Time
}

// KonbiniStores are the chains a konbini voucher is paid at, as the
// provider (Stripe's konbini, and the test gateway) accepts them.
var KonbiniStores = []string{"ファミリーマート", "ローソン", "ミニストップ", "セイコーマート"}

// IssueVoucherTx records that the konbini order's voucher is issued: the
// order now expires with the voucher, and the customer gets the payment
// number, the stores and the expiry by e-mail. The caller records the
// voucher on its payments row in the same transaction; a voucher issued
// twice for one order (a retried start) mails once, by the caller's
// guard.
func (s *Service) IssueVoucherTx(ctx context.Context, tx *sql.Tx, number string, v Voucher) error {
	o, err := Load(ctx, tx, number)
	if err != nil {
		return err
	}
	if o.PaymentMethod != Konbini || o.Status != AwaitingPayment {
		return fmt.Errorf("order %s: not a konbini order awaiting payment", number)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE orders SET expires_at = $1 WHERE id = $2`, v.ExpiresAt.UTC(), o.ID); err != nil {
		return fmt.Errorf("order %s: set voucher expiry: %w", number, err)
	}
	st, err := settings.LoadTx(ctx, tx)
	if err != nil {
		return err
	}
	locale := localeOf(o)
	d := voucherNotice{noticeData: newNotice(o, st, locale), VoucherNumber: v.Number, VoucherURL: v.URL,
		Stores: strings.Join(KonbiniStores, "・")}
	at := v.ExpiresAt.In(shop.JST)
	d.Expires = at.Format("2006年1月2日 15:04")
	if locale == "en" {
		d.Stores = "FamilyMart, Lawson, Ministop, Seicomart"
		d.Expires = at.Format("2 January 2006, 15:04")
	}
	m, err := s.renderNotice(ctx, "konbini_voucher", locale, o.Email, o.ID, d)
	if err != nil {
		return fmt.Errorf("order %s: %w", number, err)
	}
	if _, err := s.mail.Enqueue(ctx, tx, m); err != nil {
		return fmt.Errorf("order %s: %w", number, err)
	}
	return nil
}

// voucherNotice is the konbini voucher mail's data.
type voucherNotice struct {
	noticeData
	VoucherNumber string
	VoucherURL    string
	Stores        string
	Expires       string // in Tokyo
}

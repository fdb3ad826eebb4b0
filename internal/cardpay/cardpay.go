// Package cardpay is the store's side of card payments: it starts a
// provider payment for a card order, applies what the provider reports
// (the return after the card page, a signed webhook, a periodic status
// query), expires card orders left unpaid, and captures and refunds on the
// shop's behalf.
//
// Kaede never sees a card. The customer types it on the provider's own
// origin (the built-in gateway, or Stripe Checkout); Kaede keeps the
// provider's reference, the brand and the last four digits.
//
// Applying a status is one transaction that is idempotent and monotonic:
// a payment's state only moves forward (see advances), so a webhook
// delivered twice, or an old one arriving after a newer status query,
// changes nothing. The order follows its payment: an authorised card makes
// the order placed, a captured one makes it paid, and only then is the
// confirmation e-mail sent. A declined card leaves the order awaiting
// payment, so the customer can try another card (a new provider payment)
// until the order expires.
package cardpay

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"kaede/internal/db"
	"kaede/internal/fraud"
	"kaede/internal/order"
	"kaede/internal/payment"
	"kaede/internal/shop"
	"kaede/internal/switches"
)

// DefaultMaxAttempts is how many card payments one order may try: enough
// for a customer with a second and third card, few enough that the order
// form is useless to someone testing stolen card numbers.
const DefaultMaxAttempts = 5

// Config is how the operator sets up card payments.
type Config struct {
	Provider payment.Provider
	// Capture is KAEDE_CARD_CAPTURE: automatic takes the money when the
	// customer pays (the order becomes paid); manual only authorises it
	// (the order becomes placed) and the shop captures at shipment.
	Capture payment.CaptureMode
	// BaseURL is the store's public address, for the provider's return
	// links.
	BaseURL string
	// MaxAttempts caps the card payments per order; zero means
	// DefaultMaxAttempts.
	MaxAttempts int
	// PageOrigins are the origins of the provider's pages
	// (http://127.0.0.1:8081, https://checkout.stripe.com): the store's
	// forms redirect there, so its CSP form-action must allow them.
	PageOrigins []string
	// Guard limits card attempts against card testing; nil allows all
	// (tests of other things).
	Guard *fraud.Guard
	// Switches can stop card payments (switches.Card off): no card
	// payment starts or resumes then. nil: no switches (tests of other
	// things); cmd/kaede always sets them.
	Switches *switches.Service
	// OnMismatch is told, inside the transaction that refuses it, of a
	// provider's report whose amount or currency is not the order's
	// (cmd/kaede raises a critical security event through it); an error
	// rolls the refusal back. Nil only logs.
	OnMismatch func(ctx context.Context, tx *sql.Tx, m Mismatch) error
}

// Service starts, follows, captures and refunds card payments.
type Service struct {
	db          *db.DB
	orders      *order.Service
	provider    payment.Provider
	clock       shop.Clock
	log         *slog.Logger
	baseURL     string
	capture     payment.CaptureMode
	maxAttempts int
	origins     []string
	guard       *fraud.Guard
	switches    *switches.Service
	onMismatch  func(ctx context.Context, tx *sql.Tx, m Mismatch) error
}

// New checks cfg and returns the service.
func New(d *db.DB, orders *order.Service, clock shop.Clock, log *slog.Logger, cfg Config) (*Service, error) {
	if cfg.Provider == nil {
		return nil, errors.New("cardpay: no provider")
	}
	if cfg.Capture != payment.CaptureAutomatic && cfg.Capture != payment.CaptureManual {
		return nil, fmt.Errorf("cardpay: capture %q: want automatic or manual", cfg.Capture)
	}
	if u, err := url.Parse(cfg.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("cardpay: BaseURL %q: want http(s)://host", cfg.BaseURL)
	}
	for _, o := range cfg.PageOrigins {
		if u, err := url.Parse(o); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" {
			return nil, fmt.Errorf("cardpay: page origin %q: want scheme://host[:port]", o)
		}
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	return &Service{db: d, orders: orders, provider: cfg.Provider, clock: clock,
		log: log.With("component", "cardpay", "provider", cfg.Provider.Name()), baseURL: strings.TrimRight(cfg.BaseURL, "/"),
		capture: cfg.Capture, maxAttempts: cfg.MaxAttempts, origins: cfg.PageOrigins, guard: cfg.Guard,
		switches: cfg.Switches, onMismatch: cfg.OnMismatch}, nil
}

// Provider is the payment provider the service uses.
func (s *Service) Provider() payment.Provider { return s.provider }

// Capture mode is when the money is taken.
func (s *Service) CaptureMode() payment.CaptureMode { return s.capture }

// PageOrigins are the origins of the provider's pages, for the store's CSP.
func (s *Service) PageOrigins() []string { return append([]string(nil), s.origins...) }

// Available reports whether checkout should offer cards now: not while
// the card-testing guard has suspended card payments site-wide. (The
// shop's own switch is checkout's to apply: checkout.CardOffered.)
func (s *Service) Available(ctx context.Context) bool {
	if s.guard == nil {
		return true
	}
	suspended, _, err := s.guard.CardSuspended(ctx)
	if err != nil {
		s.log.Warn("card suspension unknown", "error", err)
		return true // Start asks the guard again, in its transaction
	}
	return !suspended
}

// stopped reports whether the shop has stopped card payments
// (switches.Card off). An unreadable state counts as stopped: a shop that
// stopped cards because they leak must not take one because the database
// hiccupped.
func (s *Service) stopped(ctx context.Context) (bool, error) {
	if s.switches == nil {
		return false, nil
	}
	st, err := s.switches.State(ctx)
	if err != nil {
		return true, fmt.Errorf("cardpay: %w", err)
	}
	return !st.CardPayments(), nil
}

// attempt is one card payment of an order: a payments row.
type attempt struct {
	ID          int64
	OrderID     int64
	Number      string
	OrderStatus order.Status
	Attempt     int
	Provider    string
	State       payment.State
	Capture     payment.CaptureMode
	Amount      shop.Yen
	Captured    shop.Yen
	Refunded    shop.Yen
	Ref         string
	RedirectURL string
	Brand       string
	Last4       string
	CreatedAt   time.Time
	Method      order.PaymentMethod
	// VoucherNumber is a konbini payment's voucher number, once issued.
	VoucherNumber string
}

const attemptColumns = `p.id, p.order_id, o.number, o.status, p.attempt, p.provider, p.state, p.capture,
	p.amount, p.captured, p.refunded, p.provider_ref, p.redirect_url, p.brand, p.last4, p.created_at,
	p.method, p.voucher_number`

func scanAttempt(row interface{ Scan(...any) error }) (attempt, error) {
	var a attempt
	err := row.Scan(&a.ID, &a.OrderID, &a.Number, &a.OrderStatus, &a.Attempt, &a.Provider, &a.State, &a.Capture,
		&a.Amount, &a.Captured, &a.Refunded, &a.Ref, &a.RedirectURL, &a.Brand, &a.Last4, &a.CreatedAt,
		&a.Method, &a.VoucherNumber)
	a.CreatedAt = a.CreatedAt.UTC()
	return a, err
}

// latest reads the order's latest card payment inside tx, locking it on
// PostgreSQL (SQLite's immediate transaction already holds the lock).
func (s *Service) latest(ctx context.Context, tx *sql.Tx, number string) (attempt, error) {
	a, err := scanAttempt(tx.QueryRowContext(ctx, `SELECT `+attemptColumns+`
		FROM payments p JOIN orders o ON o.id = p.order_id
		WHERE o.number = $1 AND p.method = o.payment_method
		ORDER BY p.attempt DESC LIMIT 1`+s.db.ForUpdate(), number))
	if errors.Is(err, sql.ErrNoRows) {
		return attempt{}, shop.Errorf(shop.NotFound, "no card payment for order %q", number)
	}
	if err != nil {
		return attempt{}, fmt.Errorf("order %s: read card payment: %w", number, err)
	}
	return a, nil
}

// byRef reads the payment with the provider's reference inside tx.
func (s *Service) byRef(ctx context.Context, tx *sql.Tx, ref string) (attempt, error) {
	a, err := scanAttempt(tx.QueryRowContext(ctx, `SELECT `+attemptColumns+`
		FROM payments p JOIN orders o ON o.id = p.order_id
		WHERE p.provider = $1 AND p.provider_ref = $2`+s.db.ForUpdate(), s.provider.Name(), ref))
	if errors.Is(err, sql.ErrNoRows) {
		return attempt{}, ErrUnknownPayment
	}
	if err != nil {
		return attempt{}, fmt.Errorf("payment %s: read: %w", ref, err)
	}
	return a, nil
}

// ErrUnknownPayment is a provider reference no payment of this store has:
// a webhook for another shop on the same account, or for a test payment.
var ErrUnknownPayment = shop.Errorf(shop.NotFound, "no payment with this provider reference")

// key is the idempotency key of one request about an attempt.
func (a attempt) key(action string) string {
	return IdempotencyKey(a.Number, a.Attempt, a.CreatedAt, action)
}

// IdempotencyKey is the key of one request to the provider about a card
// payment ("create", "capture", "cancel", "refund-1"…): the order number
// and attempt say which payment, the attempt's creation time keeps keys
// apart when a demo database is reset and numbers repeat. A refund's key
// is also the reference its refunds row keeps, so an imported history
// records its card refunds with it.
func IdempotencyKey(number string, attempt int, created time.Time, action string) string {
	return fmt.Sprintf("kaede-%s-%d-%d-%s", number, attempt, created.Unix(), action)
}

// Package order is an order's life after checkout: its statuses and the
// legal changes between them, cancellation (which returns stock), and
// reading orders for their customers.
package order

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"kaede/internal/db"
	"kaede/internal/mail"
	"kaede/internal/mailtext"
	"kaede/internal/shop"
)

// Order is a placed order as the customer and the shop see it.
type Order struct {
	ID            int64
	Number        string // K20261125-0007
	Status        Status
	Email         string
	Locale        string // ja or en: the language of the order's e-mails
	MemberID      int64  // 0 for a guest
	PaymentMethod PaymentMethod
	Subtotal      shop.Yen // items, tax included
	ShippingFee   shop.Yen
	CODFee        shop.Yen
	Total         shop.Yen // what the customer pays
	// Taxes is the tax per rate, rounded once per rate as the qualified
	// invoice requires, with the shop's registration number and rounding
	// as they were when the order was placed.
	Taxes         []shop.TaxSummary
	InvoiceNumber string
	TaxRounding   shop.Rounding
	Address       shop.Address
	DeliveryDate  string // YYYY-MM-DD, or "" for the earliest
	DeliverySlot  string // "" for any time
	Note          string // the customer's message to the shop
	Lines         []Line
	Payment       Payment
	Events        []Event
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Line is one item as sold: the name and price are copied at order time
// so that later catalog changes do not rewrite the order.
type Line struct {
	VariantID int64
	SKU       string
	Name      string // product and variant, in Japanese
	NameEn    string
	TaxRate   shop.TaxRate
	UnitPrice shop.Yen // tax included
	Quantity  int
	LineTotal shop.Yen
}

// Payment is the order's payment. Card payments keep the brand and the last
// four digits, never the card number.
type Payment struct {
	Method PaymentMethod
	State  PaymentState
	Amount shop.Yen
	Brand  string
	Last4  string
}

// Event is one entry of the order's history: a status change (Kind
// empty), or something that happened without one (a partial refund). From
// is empty for the order's creation. Note is the shop's own record (a
// staff reason, the provider's word) and is never shown to the customer:
// the pages describe an event from its Kind and statuses, in the reader's
// language (HistoryKey).
type Event struct {
	From   Status
	To     Status
	Kind   EventKind
	Amount shop.Yen // the money of a refund
	Note   string
	At     time.Time
}

// Service reads orders and moves them through their statuses.
type Service struct {
	db    *db.DB
	mail  *mail.Queue
	clock shop.Clock
	texts *mailtext.Service // the shop's wording of the notices; nil: the embedded
	// onCancel runs in the transaction that cancels an order, after its
	// stock is back (a coupon's use given back); nil: nothing more.
	onCancel func(ctx context.Context, tx *sql.Tx, orderID int64, now time.Time) error
}

// OnCancel has f run in every transaction that cancels an order, however
// it is cancelled (customer, staff, bulk, unpaid, expired, full refund).
func (s *Service) OnCancel(f func(ctx context.Context, tx *sql.Tx, orderID int64, now time.Time) error) {
	s.onCancel = f
}

// UseTexts renders the notices with the shop's own wording where it has
// one (internal/mailtext).
func (s *Service) UseTexts(t *mailtext.Service) { s.texts = t }

// New returns the order service.
func New(d *db.DB, q *mail.Queue, clock shop.Clock) *Service {
	return &Service{db: d, mail: q, clock: clock}
}

// Get returns the order with the number, for the shop's staff and for a
// member whose ownership the caller has checked.
func (s *Service) Get(ctx context.Context, number string) (*Order, error) {
	var o *Order
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		o, err = Load(ctx, tx, number)
		return err
	})
	return o, err
}

// GetWithToken returns the order if token is its access token, the one a
// guest receives by e-mail. A wrong token is reported exactly as an unknown
// number, so that neither can be told from the other.
func (s *Service) GetWithToken(ctx context.Context, number, token string) (*Order, error) {
	var stored string
	err := s.db.QueryRowContext(ctx, `SELECT access_token_hash FROM orders WHERE number = $1`, number).Scan(&stored)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound(number)
	}
	if err != nil {
		return nil, fmt.Errorf("order %s: read token: %w", number, err)
	}
	if token == "" || subtle.ConstantTimeCompare([]byte(HashToken(token)), []byte(stored)) != 1 {
		return nil, errNotFound(number)
	}
	return s.Get(ctx, number)
}

// ListForMember returns a page of the member's orders, newest first, and
// how many orders the member has in all. limit is kept within 1..100.
func (s *Service) ListForMember(ctx context.Context, memberID int64, limit, offset int) ([]Order, int, error) {
	limit = min(max(limit, 1), 100)
	offset = max(offset, 0)
	var orders []Order
	var total int
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM orders WHERE member_id = $1`, memberID).Scan(&total)
		if err != nil {
			return fmt.Errorf("count orders of member %d: %w", memberID, err)
		}
		numbers, err := memberOrderNumbers(ctx, tx, memberID, limit, offset)
		if err != nil {
			return err
		}
		for _, n := range numbers {
			o, err := Load(ctx, tx, n)
			if err != nil {
				return err
			}
			orders = append(orders, *o)
		}
		return nil
	})
	return orders, total, err
}

func memberOrderNumbers(ctx context.Context, tx *sql.Tx, memberID int64, limit, offset int) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT number FROM orders WHERE member_id = $1
		ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3`, memberID, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("list orders of member %d: %w", memberID, err)
	}
	defer rows.Close()
	var numbers []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("list orders of member %d: %w", memberID, err)
		}
		numbers = append(numbers, n)
	}
	return numbers, rows.Err()
}

// NewAccessToken returns a new order access token (32 random bytes,
// base64url) and the SHA-256 that is all the database keeps of it.
func NewAccessToken() (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("order access token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token), nil
}

// HashToken returns the hex SHA-256 of an access token, as stored.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func errNotFound(number string) error {
	return shop.Errorf(shop.NotFound, "order %q not found", number)
}

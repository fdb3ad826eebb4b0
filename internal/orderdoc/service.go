package orderdoc

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/order"
	"kaede/internal/shop"
	"kaede/internal/throttle"
)

// Service makes an order's documents and keeps the record of its receipt
// downloads (table receipt_downloads).
type Service struct {
	db      *db.DB
	orders  *order.Service
	limiter *throttle.Limiter
	clock   shop.Clock
}

// New returns the document service.
func New(d *db.DB, orders *order.Service, limiter *throttle.Limiter, clock shop.Clock) *Service {
	return &Service{db: d, orders: orders, limiter: limiter, clock: clock}
}

// ClientRequests bounds how many documents one client address may ask for
// from the store's pages: each makes a PDF, and a guest with an order's
// link could ask for its invoice without end. A shop's customer needs a
// handful.
var ClientRequests = []throttle.Window{{Max: 30, Minutes: 60}}

// AllowClient counts a customer's request for a document from the client
// address, or refuses it (TooMany) when the address has asked too often.
func (s *Service) AllowClient(ctx context.Context, addr string) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		return s.limiter.Take(ctx, tx, s.clock(), "too many document requests from this address",
			throttle.Rule{Bucket: "document_address", Subject: throttle.Address(addr), Windows: ClientRequests})
	})
}

// Invoice returns the qualified invoice of the order as PDF. It is dated
// the day the order was paid (the first time it became Paid), or the day
// it was placed while unpaid, never today: the same order gives the same
// file whenever it is asked for.
func (s *Service) Invoice(ctx context.Context, number string) ([]byte, error) {
	doc, err := s.orders.Invoice(ctx, number)
	if err != nil {
		return nil, err
	}
	o, err := s.orders.Get(ctx, number)
	if err != nil {
		return nil, err
	}
	doc.IssueDate = jstDay(issueDay(o))
	return Invoice(doc)
}

// Slip returns the delivery slip of the order as PDF, dated the day the
// order was placed, like the invoice, so that it can be printed again the
// same.
func (s *Service) Slip(ctx context.Context, number string) ([]byte, error) {
	slip, err := s.orders.DeliverySlip(ctx, number)
	if err != nil {
		return nil, err
	}
	slip.IssueDate = slip.OrderDate
	return Slip(slip)
}

// issueDay is when the order's invoice is dated: the first move to Paid,
// else when it was placed.
func issueDay(o *order.Order) time.Time {
	for _, e := range o.Events {
		if e.To == order.Paid {
			return e.At
		}
	}
	return o.CreatedAt
}

// jstDay is the calendar day of t in Tokyo, at midnight there.
func jstDay(t time.Time) time.Time {
	y, m, d := t.In(shop.JST).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, shop.JST)
}

// MaxReceiptCopies is how many times a customer may download an order's
// receipt: the original and one copy marked 「再発行」, for a receipt lost
// or addressed wrongly; more copies of a receipt invite double claims.
const MaxReceiptCopies = 2

// Limits of what a customer prints on a receipt.
const (
	MaxAddressee = 50
	MaxNote      = 40
	// DefaultNote is the 但し書き a receipt carries unless the customer
	// writes another.
	DefaultNote = "お品代として"
)

// Refusal says why an order's receipt cannot be downloaded now; the pages
// explain each in the customer's language.
type Refusal string

// The reasons a receipt is refused.
const (
	RefusedCOD      Refusal = "cod"       // cash on delivery: the carrier hands over its own receipt
	RefusedUnpaid   Refusal = "unpaid"    // not paid yet
	RefusedClosed   Refusal = "closed"    // cancelled or refunded: nothing was kept
	RefusedUsedUp   Refusal = "used_up"   // both copies already downloaded
	RefusedNotReady Refusal = "not_ready" // awaiting its card payment
)

// ReceiptState is what an order page shows of the receipt: the copies
// downloaded so far, and why no more can be, if not.
type ReceiptState struct {
	Copies  []ReceiptCopy
	Refusal Refusal // "" when a download is offered
}

// Remaining is how many downloads are left.
func (r ReceiptState) Remaining() int {
	if r.Refusal != "" {
		return 0
	}
	return MaxReceiptCopies - len(r.Copies)
}

// ReceiptState tells whether the order's receipt may be downloaded and
// lists the copies so far.
func (s *Service) ReceiptState(ctx context.Context, number string) (ReceiptState, error) {
	var st ReceiptState
	o, err := s.orders.Get(ctx, number)
	if err != nil {
		return st, err
	}
	if st.Copies, err = s.Receipts(ctx, number); err != nil {
		return st, err
	}
	st.Refusal = refusal(o, len(st.Copies))
	return st, nil
}

// refusal applies the rules of receipts to an order with copies already
// downloaded.
func refusal(o *order.Order, copies int) Refusal {
	switch {
	case o.PaymentMethod == order.COD:
		return RefusedCOD
	case o.Status == order.Cancelled || o.Status == order.Refunded:
		return RefusedClosed
	case o.Status == order.AwaitingPayment:
		return RefusedNotReady
	}
	switch o.Payment.State {
	case order.PaymentSucceeded, order.PaymentCaptured, order.PaymentPartiallyRefunded:
	default:
		return RefusedUnpaid
	}
	if copies >= MaxReceiptCopies {
		return RefusedUsedUp
	}
	return ""
}

// ReceiptRequest is what a customer asks to be printed on a receipt.
type ReceiptRequest struct {
	Addressee string
	Note      string // empty means DefaultNote
	// RequestedBy records who downloaded it: "member:ID" or "guest".
	RequestedBy string
}

// validate normalises r and reports every bad field: the addressee is
// required, the note optional, each bounded, and neither may hold what
// cannot be printed (control or invisible characters, or characters
// beyond the font's plane, which would print as 〓).
func (r *ReceiptRequest) validate() error {
	r.Addressee = strings.TrimSpace(shop.Normalize(r.Addressee))
	r.Note = strings.TrimSpace(shop.Normalize(r.Note))
	if r.Note == "" {
		r.Note = DefaultNote
	}
	p := shop.Problems{}
	shop.CheckText(p, "addressee", r.Addressee, true, MaxAddressee)
	shop.CheckText(p, "proviso", r.Note, true, MaxNote)
	for field, v := range map[string]string{"addressee": r.Addressee, "proviso": r.Note} {
		if strings.ContainsFunc(v, func(c rune) bool { return c > 0xFFFF }) {
			p.Add(field, shop.ReasonFormat)
		}
	}
	return p.Err()
}

// ReceiptError is the error of a receipt refused by the rules: a
// Conflict that says which rule.
type ReceiptError struct {
	Refusal Refusal
	err     error
}

func (e *ReceiptError) Error() string { return e.err.Error() }
func (e *ReceiptError) Unwrap() error { return e.err }

// RefusalOf returns the rule that refused a receipt, or "".
func RefusalOf(err error) Refusal {
	var re *ReceiptError
	if errors.As(err, &re) {
		return re.Refusal
	}
	return ""
}

func refused(number string, why Refusal) error {
	return &ReceiptError{Refusal: why, err: shop.Errorf(shop.Conflict, "order %s: receipt refused: %s", number, why)}
}

// IssueReceipt records a download of the order's receipt and returns it
// as PDF with its record: the first is the original, the second is
// stamped 「再発行」, a third is refused (RefusedUsedUp), and so are an
// unpaid order, a cash-on-delivery one and a cancelled or refunded one
// (a ReceiptError, Conflict). A bad addressee or note is Invalid, naming
// the field, and records nothing. The caller has checked that the
// requester may see the order.
func (s *Service) IssueReceipt(ctx context.Context, number string, req ReceiptRequest) ([]byte, ReceiptCopy, error) {
	if err := req.validate(); err != nil {
		return nil, ReceiptCopy{}, err
	}
	o, err := s.orders.Get(ctx, number)
	if err != nil {
		return nil, ReceiptCopy{}, err
	}
	if why := refusal(o, 0); why != "" {
		return nil, ReceiptCopy{}, refused(number, why)
	}
	doc, err := s.orders.Invoice(ctx, number)
	if err != nil {
		return nil, ReceiptCopy{}, err
	}
	detail, err := s.orders.GetDetail(ctx, number)
	if err != nil {
		return nil, ReceiptCopy{}, fmt.Errorf("receipt %s: %w", number, err)
	}
	var pdf []byte
	c := ReceiptCopy{Addressee: req.Addressee, Note: req.Note, IssuedAt: s.clock(), RequestedBy: req.RequestedBy}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		o, err := order.Load(ctx, tx, number)
		if err != nil {
			return err
		}
		n, err := countCopies(ctx, tx, o.ID)
		if err != nil {
			return fmt.Errorf("receipt %s: %w", number, err)
		}
		if why := refusal(o, n); why != "" {
			return refused(number, why)
		}
		c.Copy = n + 1
		_, err = tx.ExecContext(ctx, `INSERT INTO receipt_downloads (order_id, copy, addressee, note, requested_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, o.ID, c.Copy, c.Addressee, c.Note, c.RequestedBy, c.IssuedAt)
		if db.IsUniqueViolation(err) {
			// Another download of the same copy committed first.
			return refused(number, RefusedUsedUp)
		}
		if err != nil {
			return fmt.Errorf("receipt %s: record download: %w", number, err)
		}
		// Drawn before the commit: a receipt that cannot be drawn is not
		// counted as downloaded.
		pdf, err = Receipt(doc, c, refundedBy(detail.Refunds, c.IssuedAt))
		return err
	})
	if err != nil {
		return nil, ReceiptCopy{}, err
	}
	return pdf, c, nil
}

func countCopies(ctx context.Context, tx *sql.Tx, orderID int64) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM receipt_downloads WHERE order_id = $1`, orderID).Scan(&n)
	return n, err
}

// Receipts lists the order's receipt downloads, the original first.
func (s *Service) Receipts(ctx context.Context, number string) ([]ReceiptCopy, error) {
	var out []ReceiptCopy
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT r.copy, r.addressee, r.note, r.requested_by, r.created_at
			FROM receipt_downloads r JOIN orders o ON o.id = r.order_id
			WHERE o.number = $1 ORDER BY r.copy`, number)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c ReceiptCopy
			if err := rows.Scan(&c.Copy, &c.Addressee, &c.Note, &c.RequestedBy, &c.IssuedAt); err != nil {
				return err
			}
			c.IssuedAt = c.IssuedAt.UTC()
			out = append(out, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("receipts of %s: %w", number, err)
	}
	return out, nil
}

// ReissueReceipt makes a recorded copy of the order's receipt again, byte
// for byte, for staff (a customer asks for the copy they lost), and
// audits it as receipt.reissue. It does not count as a download.
func (s *Service) ReissueReceipt(ctx context.Context, number string, n int, by audit.Actor) ([]byte, error) {
	doc, err := s.orders.Invoice(ctx, number)
	if err != nil {
		return nil, err
	}
	copies, err := s.Receipts(ctx, number)
	if err != nil {
		return nil, err
	}
	var c *ReceiptCopy
	for i := range copies {
		if copies[i].Copy == n {
			c = &copies[i]
		}
	}
	if c == nil {
		return nil, shop.Errorf(shop.NotFound, "order %s has no receipt copy %d", number, n)
	}
	detail, err := s.orders.GetDetail(ctx, number)
	if err != nil {
		return nil, fmt.Errorf("receipt %s: %w", number, err)
	}
	pdf, err := Receipt(doc, *c, refundedBy(detail.Refunds, c.IssuedAt))
	if err != nil {
		return nil, err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		return audit.Record(ctx, tx, s.clock(), by, "receipt.reissue", "order:"+number, nil,
			map[string]any{"copy": c.Copy, "issued_at": c.IssuedAt})
	})
	if err != nil {
		return nil, fmt.Errorf("receipt %s: %w", number, err)
	}
	return pdf, nil
}

package mail

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"kaede/internal/db"
	"kaede/internal/shop"
)

// The states of a stored message.
const (
	StatusQueued = "queued" // written; delivery pending or being retried
	StatusSent   = "sent"   // accepted by the SMTP server
	StatusOutbox = "outbox" // no SMTP configured: kept for the operator to read
	StatusFailed = "failed" // delivery gave up after its last attempt
)

// Stored is a message as the outbox holds it.
type Stored struct {
	ID        int64
	Kind      string
	To        string
	Subject   string
	Body      string
	OrderID   int64 // 0 when not about an order
	Status    string
	Attempts  int    // SMTP deliveries tried
	LastError string // why the last attempt failed; empty once sent
	CreatedAt time.Time
	SentAt    time.Time // zero unless Status is sent
}

// Filter narrows List.
type Filter struct {
	Status string // one of the Status… values; empty for all
	Limit  int    // at most this many, newest first; zero or less means 50
}

const storedColumns = `id, kind, to_addr, subject, body, order_id, status, attempts, last_error, created_at, sent_at`

// List returns stored messages, newest first, for the operator.
func List(ctx context.Context, d *db.DB, f Filter) ([]Stored, error) {
	switch f.Status {
	case "", StatusQueued, StatusSent, StatusOutbox, StatusFailed:
	default:
		return nil, &shop.Error{Code: shop.Invalid, Message: "unknown mail status", Fields: map[string]string{"status": shop.ReasonChoice}}
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	rows, err := d.QueryContext(ctx, `SELECT `+storedColumns+` FROM mail_messages
		WHERE $1 = '' OR status = $1
		ORDER BY id DESC
		LIMIT $2`, f.Status, limit)
	if err != nil {
		return nil, fmt.Errorf("list mail: %w", err)
	}
	defer rows.Close()
	var out []Stored
	for rows.Next() {
		m, err := scanStored(rows)
		if err != nil {
			return nil, fmt.Errorf("list mail: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list mail: %w", err)
	}
	return out, nil
}

// Get returns one stored message, or a shop.NotFound error.
func Get(ctx context.Context, d *db.DB, id int64) (Stored, error) {
	m, err := scanStored(d.QueryRowContext(ctx, `SELECT `+storedColumns+` FROM mail_messages WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Stored{}, shop.Errorf(shop.NotFound, "mail %d not found", id)
	}
	if err != nil {
		return Stored{}, fmt.Errorf("get mail %d: %w", id, err)
	}
	return m, nil
}

func scanStored(row interface{ Scan(...any) error }) (Stored, error) {
	var m Stored
	var orderID sql.NullInt64
	var sentAt sql.NullTime
	err := row.Scan(&m.ID, &m.Kind, &m.To, &m.Subject, &m.Body, &orderID, &m.Status, &m.Attempts, &m.LastError, &m.CreatedAt, &sentAt)
	if err != nil {
		return Stored{}, err
	}
	m.OrderID = orderID.Int64
	m.CreatedAt = m.CreatedAt.UTC()
	if sentAt.Valid {
		m.SentAt = sentAt.Time.UTC()
	}
	return m, nil
}

// Outbox is the stored messages as the demo store shows them to its
// visitor, so that the HTTP edge reads mail_messages only through this
// package.
type Outbox struct {
	db *db.DB
}

// NewOutbox returns the stored messages on d.
func NewOutbox(d *db.DB) *Outbox { return &Outbox{db: d} }

// List returns stored messages, newest first (see List).
func (o *Outbox) List(ctx context.Context, f Filter) ([]Stored, error) { return List(ctx, o.db, f) }

// Get returns one stored message, or a shop.NotFound error.
func (o *Outbox) Get(ctx context.Context, id int64) (Stored, error) { return Get(ctx, o.db, id) }

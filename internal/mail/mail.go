// Package mail delivers Kaede's e-mail. A capability writes its message
// with Enqueue inside the same transaction as the change that causes it, so
// that an order never exists without its confirmation and a rolled-back
// order sends nothing. A durable queue job then delivers it over SMTP,
// retrying while the server is down; without SMTP (the demo) messages stay
// in the outbox for the operator to read.
package mail

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"time"
	"unicode"

	"github.com/riverqueue/river"

	"kaede/internal/jobs"
	"kaede/internal/shop"
)

// Message is one e-mail to one recipient, already rendered. Bodies are
// plain text: no HTML, no tracking, no links but the shop's own.
type Message struct {
	Kind    string // order_confirmation, verify_email, password_reset, …
	To      string
	Subject string
	Body    string
	OrderID int64 // 0 when the message is not about an order
	// Urgent delivers the message before the customers' mail waiting in
	// the queue (jobs.QueueUrgent): security alerts.
	Urgent bool
	// Uncapped exempts the message from the cap per recipient
	// (LimitRecipients): for mail to the shop's own address.
	Uncapped bool
}

// Validate checks what Enqueue will refuse. It returns a shop.Invalid
// error naming the bad fields (kind, to, subject, body).
func (m Message) Validate() error {
	p := shop.Problems{}
	if m.Kind == "" {
		p.Add("kind", shop.ReasonRequired)
	}
	if m.Subject == "" {
		p.Add("subject", shop.ReasonRequired)
	}
	// A control character in the subject could end the header and start
	// another (Bcc:, a second body); the encoder would hide it, but a
	// subject that holds one was built wrong.
	if strings.IndexFunc(m.Subject, unicode.IsControl) >= 0 {
		p.Add("subject", shop.ReasonFormat)
	}
	if m.Body == "" {
		p.Add("body", shop.ReasonRequired)
	}
	if m.To == "" {
		p.Add("to", shop.ReasonRequired)
	} else if _, err := parseRecipient(m.To); err != nil {
		p.Add("to", shop.ReasonFormat)
	}
	if err := p.Err(); err != nil {
		return fmt.Errorf("mail %q: %w", m.Kind, err)
	}
	return nil
}

// parseRecipient accepts exactly one address, with or without a display
// name, and nothing that could smuggle a header line.
func parseRecipient(s string) (*mail.Address, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, fmt.Errorf("address %q has a line break", s)
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, fmt.Errorf("address %q: %w", s, err)
	}
	return a, nil
}

// Queue writes messages to the outbox and schedules their delivery.
type Queue struct {
	now func() time.Time
	// schedule adds the delivery job for messages ids in tx. The queue's
	// constructor sets it.
	schedule func(ctx context.Context, tx *sql.Tx, ids []int64, urgent bool) error
	// perHour and log are the cap per recipient (LimitRecipients); nil:
	// no cap.
	perHour func(context.Context) (int, error)
	log     *slog.Logger
}

// NewQueue returns the Queue that schedules a SendWorker job for the
// messages of every Enqueue or EnqueueAll, through r, in the transaction
// that writes them.
func NewQueue(r *jobs.Runner, clock shop.Clock) *Queue {
	return &Queue{
		now: clock,
		schedule: func(ctx context.Context, tx *sql.Tx, ids []int64, urgent bool) error {
			var opts *river.InsertOpts
			if urgent {
				opts = &river.InsertOpts{Queue: jobs.QueueUrgent}
			}
			return r.InsertTx(ctx, tx, SendArgs{MessageIDs: ids}, opts)
		},
	}
}

// NewTestQueue returns a Queue that writes the outbox row and schedules no
// delivery, for tests of the capabilities that write mail.
func NewTestQueue(clock shop.Clock) *Queue {
	return &Queue{
		now:      clock,
		schedule: func(context.Context, *sql.Tx, []int64, bool) error { return nil },
	}
}

// Enqueue writes m to the outbox inside tx and schedules its delivery in
// the same transaction. It returns the message's id, or 0 when the cap
// per recipient held it back (LimitRecipients).
func (q *Queue) Enqueue(ctx context.Context, tx *sql.Tx, m Message) (int64, error) {
	ids, err := q.EnqueueAll(ctx, tx, m)
	if err != nil {
		return 0, err
	}
	return ids[0], nil
}

// EnqueueAll is Enqueue for the few messages one change sends at once (an
// order's confirmation and the shop's notice of it), delivered by one job:
// on SQLite a job's row, its fetch and its completion each take the one
// writer's turn, and a checkout's transaction spent a third of its time
// writing River's rows. The job delivers the messages one after another,
// so this is for two or three, not for a list of customers. The ids are
// in the order of msgs, 0 for one the cap held back. Urgent if any is.
func (q *Queue) EnqueueAll(ctx context.Context, tx *sql.Tx, msgs ...Message) ([]int64, error) {
	ids := make([]int64, len(msgs))
	var queued []int64
	urgent := false
	for i, m := range msgs {
		id, err := q.write(ctx, tx, m)
		if err != nil {
			return nil, err
		}
		if id != 0 {
			ids[i], queued = id, append(queued, id)
			urgent = urgent || m.Urgent
		}
	}
	if len(queued) == 0 {
		return ids, nil
	}
	if err := q.schedule(ctx, tx, queued, urgent); err != nil {
		return nil, fmt.Errorf("schedule mail %v: %w", queued, err)
	}
	return ids, nil
}

// write writes m to the outbox and returns its id; 0 when the cap per
// recipient held it back.
func (q *Queue) write(ctx context.Context, tx *sql.Tx, m Message) (int64, error) {
	if err := m.Validate(); err != nil {
		return 0, err
	}
	// Validate has parsed it already.
	addr, _ := parseRecipient(m.To)
	rcpt := strings.ToLower(addr.Address)
	now := q.now().UTC()
	if capped, err := q.capped(ctx, tx, m, rcpt, now); err != nil || capped {
		return 0, err
	}
	var orderID any
	if m.OrderID != 0 {
		orderID = m.OrderID
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO mail_messages (kind, to_addr, rcpt, subject, body, order_id, status, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7) RETURNING id`,
		m.Kind, m.To, rcpt, m.Subject, m.Body, orderID, now).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("enqueue mail %q: %w", m.Kind, err)
	}
	return id, nil
}

package mail

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// LimitRecipients caps the messages written to one recipient in an hour
// at perHour(ctx) (settings.Limits.MailsPerRecipientHour; 0 or less: no
// cap), so that nobody can use the shop to flood an inbox: a guest order
// mails a confirmation, with the name the buyer typed, to any address,
// and a resend link mails on every click. A message over the cap is not
// written: Enqueue returns id 0 and no error, so that what caused it (the
// order) still happens, and the message is recorded in mail_capped and
// logged, without its body. cmd/kaede always sets it; without it (tests of
// other things) nothing is capped.
func (q *Queue) LimitRecipients(perHour func(context.Context) (int, error), log *slog.Logger) {
	q.perHour, q.log = perHour, log
}

// uncapped reports whether m is exempt from the cap: the shop's urgent
// alerts, mail to its own staff, and the incident desk's notices, which
// the shop decides to send and which the law may require.
func uncapped(m Message) bool {
	return m.Urgent || m.Uncapped || strings.HasPrefix(m.Kind, "staff_") || strings.HasPrefix(m.Kind, "incident_")
}

// capped reports whether m is over the cap for rcpt and, when it is,
// records it in tx.
func (q *Queue) capped(ctx context.Context, tx *sql.Tx, m Message, rcpt string, now time.Time) (bool, error) {
	if q.perHour == nil || uncapped(m) {
		return false, nil
	}
	max, err := q.perHour(ctx)
	if err != nil {
		return false, fmt.Errorf("mail cap: %w", err)
	}
	if max <= 0 {
		return false, nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM mail_messages WHERE rcpt = $1 AND created_at > $2`,
		rcpt, now.Add(-time.Hour)).Scan(&n); err != nil {
		return false, fmt.Errorf("mail cap: count: %w", err)
	}
	if n < max {
		return false, nil
	}
	sum := sha256.Sum256([]byte(rcpt))
	var orderID any
	if m.OrderID != 0 {
		orderID = m.OrderID
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO mail_capped (kind, rcpt_hash, order_id, created_at) VALUES ($1, $2, $3, $4)`,
		m.Kind, hex.EncodeToString(sum[:]), orderID, now); err != nil {
		return false, fmt.Errorf("mail cap: record: %w", err)
	}
	if q.log != nil {
		q.log.Warn("mail not queued: recipient over the hourly cap", "kind", m.Kind, "order_id", m.OrderID,
			"recipient_hash", hex.EncodeToString(sum[:8]), "cap", max)
	}
	return true, nil
}

// CappedSince counts the messages the cap held back since since, for
// monitoring and tests.
func CappedSince(ctx context.Context, q interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}, since time.Time) (int, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM mail_capped WHERE created_at > $1`, since.UTC()).Scan(&n); err != nil {
		return 0, fmt.Errorf("count capped mail: %w", err)
	}
	return n, nil
}

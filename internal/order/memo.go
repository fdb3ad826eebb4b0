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

// MaxMemo is the longest shop memo, in characters: room for a few
// phone calls' worth of notes, short enough to read on the order page.
const MaxMemo = 2000

// Memo is the shop's own memo on an order (ショップメモ). It is for staff:
// no customer page, e-mail or document shows it, except the customer's
// APPI disclosure file (privacy.Disclose), since it is personal data the
// shop holds about them.
type Memo struct {
	Body      string
	UpdatedBy string // who wrote it last; "" for an order without a memo
	UpdatedAt time.Time
}

// Memo returns the order's shop memo; an order without one has an empty
// memo. An unknown order is NotFound.
func (s *Service) Memo(ctx context.Context, number string) (Memo, error) {
	var m Memo
	var by sql.NullString
	var at sql.NullTime
	err := s.db.QueryRowContext(ctx, `SELECT COALESCE(m.body, ''), m.updated_by, m.updated_at
		FROM orders o LEFT JOIN order_memos m ON m.order_id = o.id WHERE o.number = $1`, number).
		Scan(&m.Body, &by, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return Memo{}, errNotFound(number)
	}
	if err != nil {
		return Memo{}, fmt.Errorf("order %s: read memo: %w", number, err)
	}
	m.UpdatedBy = by.String
	if at.Valid {
		m.UpdatedAt = at.Time.UTC()
	}
	return m, nil
}

// SetMemo replaces the order's shop memo with body (trimmed; empty clears
// it) and records the change in the audit log ("order.memo", the memo
// before and after) in the same transaction. A memo longer than MaxMemo or
// holding control characters other than line breaks is Invalid on "memo";
// an unchanged memo writes nothing.
func (s *Service) SetMemo(ctx context.Context, number, body string, by audit.Actor) error {
	body = strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	p := shop.Problems{}
	checkNote(p, "memo", body, MaxMemo)
	if err := p.Err(); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		id, _, err := s.lockOrder(ctx, tx, number)
		if err != nil {
			return err
		}
		var before string
		err = tx.QueryRowContext(ctx, `SELECT body FROM order_memos WHERE order_id = $1`, id).Scan(&before)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("order %s: read memo: %w", number, err)
		}
		if before == body {
			return nil
		}
		now := s.clock().UTC()
		if _, err := tx.ExecContext(ctx, `INSERT INTO order_memos (order_id, body, updated_by, updated_at)
			VALUES ($1, $2, $3, $4)
			ON CONFLICT (order_id) DO UPDATE SET body = excluded.body, updated_by = excluded.updated_by,
				updated_at = excluded.updated_at`, id, body, by.Name, now); err != nil {
			return fmt.Errorf("order %s: write memo: %w", number, err)
		}
		return audit.Record(ctx, tx, now, by, "order.memo", "order:"+number,
			map[string]string{"memo": before}, map[string]string{"memo": body})
	})
}

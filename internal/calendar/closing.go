package calendar

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/shop"
)

// ClosingDay is one of the shop's own closing days (臨時休業, 夏季休業…).
type ClosingDay struct {
	Day       time.Time // 00:00 JST
	Note      string    // why, for the staff: お盆休み
	CreatedBy string
	CreatedAt time.Time
}

// Closings keeps the shop's closing days, the table shop_closing_days.
type Closings struct {
	db    *db.DB
	clock shop.Clock
}

// NewClosings returns the store of the shop's closing days.
func NewClosings(d *db.DB, clock shop.Clock) *Closings {
	return &Closings{db: d, clock: clock}
}

// Querier is what Shop reads with: the database or a transaction.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Shop returns the shop's calendar: open Monday to Friday except the
// national holidays and the shop's own closing days. It is the one
// calendar of the shop's own work (shipping, payment due dates, the
// inquiry desk's reply deadlines); the incident desk's deadlines count
// with the acquirers' and the government's days instead, which the
// shop's holidays do not move.
func Shop(ctx context.Context, q Querier) (Calendar, error) {
	rows, err := q.QueryContext(ctx, `SELECT day FROM shop_closing_days ORDER BY day`)
	if err != nil {
		return Calendar{}, fmt.Errorf("calendar: read closing days: %w", err)
	}
	defer rows.Close()
	var c Calendar
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return Calendar{}, fmt.Errorf("calendar: read closing days: %w", err)
		}
		d, err := time.ParseInLocation(time.DateOnly, s, shop.JST)
		if err != nil {
			return Calendar{}, fmt.Errorf("calendar: closing day %q: %w", s, err)
		}
		c.Days = append(c.Days, d)
	}
	if err := rows.Err(); err != nil {
		return Calendar{}, fmt.Errorf("calendar: read closing days: %w", err)
	}
	return c, nil
}

// List returns the closing days from the day from falls on (JST), in
// order.
func (c *Closings) List(ctx context.Context, from time.Time) ([]ClosingDay, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT day, note, created_by, created_at FROM shop_closing_days
		WHERE day >= $1 ORDER BY day`, from.In(shop.JST).Format(time.DateOnly))
	if err != nil {
		return nil, fmt.Errorf("calendar: list closing days: %w", err)
	}
	defer rows.Close()
	var out []ClosingDay
	for rows.Next() {
		var d ClosingDay
		var s string
		if err := rows.Scan(&s, &d.Note, &d.CreatedBy, &d.CreatedAt); err != nil {
			return nil, fmt.Errorf("calendar: list closing days: %w", err)
		}
		if d.Day, err = time.ParseInLocation(time.DateOnly, s, shop.JST); err != nil {
			return nil, fmt.Errorf("calendar: closing day %q: %w", s, err)
		}
		d.CreatedAt = d.CreatedAt.UTC()
		out = append(out, d)
	}
	return out, rows.Err()
}

// maxNote bounds a closing day's note.
const maxNote = 100

// parseDay reads a YYYY-MM-DD day of the calendar's years, adding the
// field's problem when it is not one.
func parseDay(p shop.Problems, s string) (time.Time, bool) {
	s = strings.TrimSpace(shop.Normalize(s))
	if s == "" {
		p.Add("day", shop.ReasonRequired)
		return time.Time{}, false
	}
	d, err := time.ParseInLocation(time.DateOnly, s, shop.JST)
	if err != nil {
		p.Add("day", shop.ReasonFormat)
		return time.Time{}, false
	}
	if checkYear(d.Year()) != nil {
		p.Add("day", shop.ReasonRange)
		return time.Time{}, false
	}
	return d, true
}

// Close makes the day (YYYY-MM-DD) a closing day, with a note, audited
// ("calendar.close"). A day already past, outside the calendar's years or
// already closed → Invalid naming day.
func (c *Closings) Close(ctx context.Context, day, note string, by audit.Actor) error {
	p := shop.Problems{}
	d, ok := parseDay(p, day)
	note = strings.TrimSpace(note)
	shop.CheckText(p, "note", note, false, maxNote)
	now := c.clock()
	if ok && d.Before(dayOf(now).time()) {
		p.Add("day", shop.ReasonRange)
	}
	if err := p.Err(); err != nil {
		return err
	}
	key := d.Format(time.DateOnly)
	return c.db.Tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM shop_closing_days WHERE day = $1`, key).Scan(&n); err != nil {
			return fmt.Errorf("calendar: close %s: %w", key, err)
		}
		if n > 0 {
			return shop.Problems{"day": shop.ReasonTaken}.Err()
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO shop_closing_days (day, note, created_by, created_at)
			VALUES ($1, $2, $3, $4)`, key, note, by.Name, now.UTC())
		if err != nil {
			return fmt.Errorf("calendar: close %s: %w", key, err)
		}
		return audit.Record(ctx, tx, now, by, "calendar.close", "closing_day:"+key, nil, map[string]any{"note": note})
	})
}

// Open takes the day (YYYY-MM-DD) off the closing days, audited
// ("calendar.open"). A day that is not one → NotFound.
func (c *Closings) Open(ctx context.Context, day string, by audit.Actor) error {
	p := shop.Problems{}
	d, _ := parseDay(p, day)
	if err := p.Err(); err != nil {
		return err
	}
	key := d.Format(time.DateOnly)
	return c.db.Tx(ctx, func(tx *sql.Tx) error {
		var note string
		err := tx.QueryRowContext(ctx, `SELECT note FROM shop_closing_days WHERE day = $1`, key).Scan(&note)
		if errors.Is(err, sql.ErrNoRows) {
			return shop.Errorf(shop.NotFound, "%s is not a closing day", key)
		}
		if err != nil {
			return fmt.Errorf("calendar: open %s: %w", key, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM shop_closing_days WHERE day = $1`, key); err != nil {
			return fmt.Errorf("calendar: open %s: %w", key, err)
		}
		return audit.Record(ctx, tx, c.clock(), by, "calendar.open", "closing_day:"+key, map[string]any{"note": note}, nil)
	})
}

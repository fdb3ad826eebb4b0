package fraud

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Allow decides whether a card payment may start, and records the attempt
// in the same transaction as the check: otherwise fifty requests arriving
// together would all count the same nine earlier attempts and all pass a
// limit of ten. Refused attempts are recorded too (for monitoring) but do
// not count against any limit, so that a customer who waits is let
// through when the window has slid, however often they clicked meanwhile.
//
// The error is for bad input (a *shop.Error naming the field) and for
// database failures; a refusal is a Decision with Allowed false.
func (g *Guard) Allow(ctx context.Context, a Attempt) (Decision, error) {
	k, err := keyOf(a)
	if err != nil {
		return Decision{}, err
	}
	now := g.clock().UTC()
	var dec Decision
	err = g.db.Tx(ctx, func(tx *sql.Tx) error {
		suspendedUntil, err := g.lockBreaker(ctx, tx)
		if err != nil {
			return err
		}
		dec, err = g.decide(ctx, tx, k, suspendedUntil, now)
		if err != nil {
			return err
		}
		outcome := "pending"
		if !dec.Allowed {
			outcome = "refused"
		}
		var id int64
		err = tx.QueryRowContext(ctx, `INSERT INTO fraud_attempts
			(session_hash, ip, email_hash, outcome, reason, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)
			RETURNING id`,
			k.session, k.ip, k.email, outcome, string(dec.Reason), now).Scan(&id)
		if err != nil {
			return fmt.Errorf("record card attempt: %w", err)
		}
		if dec.Allowed {
			dec.AttemptID = id
		}
		return nil
	})
	if err != nil {
		return Decision{}, err
	}
	return dec, nil
}

// lockBreaker locks the breaker row for the rest of tx and returns when
// card payments are suspended until (zero when they are not). Every Allow
// and Record takes this lock, which serialises them across instances on
// PostgreSQL; SQLite's IMMEDIATE transactions already are. Card attempts
// are a small share of a shop's traffic, so one queue costs little.
func (g *Guard) lockBreaker(ctx context.Context, tx *sql.Tx) (time.Time, error) {
	var until sql.NullTime
	err := tx.QueryRowContext(ctx, `SELECT suspended_until FROM fraud_breaker WHERE id = 1`+g.db.ForUpdate()).Scan(&until)
	if err != nil {
		return time.Time{}, fmt.Errorf("lock fraud breaker: %w", err)
	}
	if !until.Valid {
		return time.Time{}, nil
	}
	return until.Time.UTC(), nil
}

// decide applies the rules in order, from the widest (the whole site) to
// the narrowest. For the window limits, RetryAfter is the longest wait
// among the limits that are full, since all of them must clear.
func (g *Guard) decide(ctx context.Context, tx *sql.Tx, k key, suspendedUntil, now time.Time) (Decision, error) {
	if now.Before(suspendedUntil) {
		return Decision{Reason: CardSuspended, RetryAfter: suspendedUntil.Sub(now)}, nil
	}
	var blockedUntil time.Time
	err := tx.QueryRowContext(ctx, `SELECT blocked_until FROM fraud_ip_blocks
		WHERE ip = $1 AND blocked_until > $2`, k.ip, now).Scan(&blockedUntil)
	switch {
	case err == nil:
		return Decision{Reason: IPBlocked, RetryAfter: blockedUntil.Sub(now)}, nil
	case !errors.Is(err, sql.ErrNoRows):
		return Decision{}, fmt.Errorf("check ip block: %w", err)
	}

	dec := Decision{Allowed: true}
	checks := []struct {
		column string
		value  string
		limits []Window
		reason Reason
	}{
		{"session_hash", k.session, g.limits.Session, SessionLimit},
		{"ip", k.ip, g.limits.IP, IPLimit},
		{"email_hash", k.email, g.limits.Email, EmailLimit},
		{"", "", g.limits.Site, SiteLimit},
	}
	for _, c := range checks {
		for _, w := range c.limits {
			wait, err := g.windowWait(ctx, tx, c.column, c.value, w, now)
			if err != nil {
				return Decision{}, err
			}
			if wait <= 0 {
				continue
			}
			if dec.Allowed {
				dec = Decision{Reason: c.reason}
			}
			dec.RetryAfter = max(dec.RetryAfter, wait)
		}
	}
	return dec, nil
}

// windowQuery reads the newest counted attempts of one value of column
// ($3) since $1, at most $2; shop-wide (column "") the declined and failed
// ones by when they were decided. The condition outcome <> 'refused' is
// the one of the partial indexes (migration 0106) that hold only counted
// attempts: on the full indexes the read walked past every refused one.
func windowQuery(column string) string {
	if column == "" {
		// Shop-wide, only what the provider declined or failed counts:
		// a start costs the shop nothing until a card is typed, and
		// counting starts let three clients who typed none spend the cap
		// for every customer.
		return `SELECT decided_at FROM fraud_attempts
		WHERE decided_at > $1 AND outcome IN ('declined', 'failed')
		ORDER BY decided_at DESC
		LIMIT $2`
	}
	return `SELECT created_at FROM fraud_attempts
		WHERE created_at > $1 AND outcome <> 'refused' AND ` + column + ` = $3
		ORDER BY created_at DESC
		LIMIT $2`
}

// windowWait returns how long until one more attempt fits in window w for
// the value of column (every declined or failed attempt, by when it was
// decided, when column is empty), or zero if it fits now. It reads the w.Max latest
// counted attempts: if there are that many, the next attempt fits once the
// oldest of them leaves the window.
func (g *Guard) windowWait(ctx context.Context, tx *sql.Tx, column, value string, w Window, now time.Time) (time.Duration, error) {
	// column is one of the constant names from decide, never input.
	args := []any{now.Add(-w.Duration()), w.Max}
	if column != "" {
		args = append(args, value)
	}
	rows, err := tx.QueryContext(ctx, windowQuery(column), args...)
	if err != nil {
		return 0, fmt.Errorf("count attempts by %s: %w", column, err)
	}
	defer rows.Close()
	var n int
	var oldest time.Time
	for rows.Next() {
		if err := rows.Scan(&oldest); err != nil {
			return 0, fmt.Errorf("count attempts by %s: %w", column, err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("count attempts by %s: %w", column, err)
	}
	if n < w.Max {
		return 0, nil
	}
	return oldest.Add(w.Duration()).Sub(now), nil
}

package fraud

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"kaede/internal/settings"
)

// CardSuspended reports whether the breaker has suspended card payments,
// and until when. Checkout calls it on every page that offers payment
// methods, so the answer is cached for a couple of seconds.
func (g *Guard) CardSuspended(ctx context.Context) (bool, time.Time, error) {
	now := g.clock().UTC()
	g.mu.Lock()
	if now.Before(g.cacheExpires) {
		until := g.suspended
		g.mu.Unlock()
		return now.Before(until), until, nil
	}
	g.mu.Unlock()
	var until sql.NullTime
	if err := g.db.QueryRowContext(ctx, `SELECT suspended_until FROM fraud_breaker WHERE id = 1`).Scan(&until); err != nil {
		return false, time.Time{}, fmt.Errorf("read fraud breaker: %w", err)
	}
	var u time.Time
	if until.Valid && now.Before(until.Time) {
		u = until.Time.UTC()
	}
	g.mu.Lock()
	g.suspended, g.cacheExpires = u, now.Add(cacheTTL)
	g.mu.Unlock()
	return !u.IsZero(), u, nil
}

// Status is what monitoring and the admin screen show about card testing.
type Status struct {
	At time.Time
	// SuspendedUntil is when card payments resume; zero when they are
	// offered.
	SuspendedUntil time.Time
	// Windows has one entry per breaker window (an hour and a day by
	// default).
	Windows []WindowStatus
	// BlockedIPs are the addresses blocked now, the latest first.
	BlockedIPs []BlockedIP
}

// WindowStatus counts the card attempts of one breaker window. Started and
// Refused count attempts made in the window; the outcomes count what the
// provider reported in it, which is what the breaker judges.
type WindowStatus struct {
	Window      time.Duration
	Started     int // allowed to go to the provider
	Refused     int // stopped by the guard
	Succeeded   int
	Declined    int
	Failed      int
	FailureRate float64 // (Declined+Failed) / settled; 0 when nothing settled
	MinFailures int     // the breaker's threshold for this window
}

// BlockedIP is an address refused card payments until Until.
type BlockedIP struct {
	IP    string
	Since time.Time
	Until time.Time
}

// maxBlockedListed bounds Status.BlockedIPs: during an attack from many
// addresses the admin screen needs the count and the latest, not all.
const maxBlockedListed = 100

// Status returns the current counts, read in one snapshot.
func (g *Guard) Status(ctx context.Context) (Status, error) {
	now := g.clock().UTC()
	s := Status{At: now}
	err := g.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var until sql.NullTime
		if err := tx.QueryRowContext(ctx, `SELECT suspended_until FROM fraud_breaker WHERE id = 1`).Scan(&until); err != nil {
			return fmt.Errorf("read fraud breaker: %w", err)
		}
		if until.Valid && now.Before(until.Time) {
			s.SuspendedUntil = until.Time.UTC()
		}
		for _, t := range g.limits.Breaker {
			w, err := windowStatus(ctx, tx, now.Add(-t.Duration()))
			if err != nil {
				return err
			}
			w.Window, w.MinFailures = t.Duration(), t.MinFailures
			s.Windows = append(s.Windows, w)
		}
		var err error
		s.BlockedIPs, err = blockedIPs(ctx, tx, now)
		return err
	})
	if err != nil {
		return Status{}, err
	}
	return s, nil
}

// The status's counts of a window: both read an index alone (created_at
// and decided_at with the outcome, migration 0107).
const (
	startedSQL = `SELECT
			COALESCE(SUM(CASE WHEN outcome <> 'refused' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN outcome = 'refused' THEN 1 ELSE 0 END), 0)
		FROM fraud_attempts
		WHERE created_at > $1`
	outcomesSQL = `SELECT
			COALESCE(SUM(CASE WHEN outcome = 'succeeded' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN outcome = 'declined' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN outcome = 'failed' THEN 1 ELSE 0 END), 0)
		FROM fraud_attempts
		WHERE decided_at > $1`
)

func windowStatus(ctx context.Context, tx *sql.Tx, since time.Time) (WindowStatus, error) {
	var w WindowStatus
	err := tx.QueryRowContext(ctx, startedSQL, since).Scan(&w.Started, &w.Refused)
	if err != nil {
		return w, fmt.Errorf("count card attempts: %w", err)
	}
	err = tx.QueryRowContext(ctx, outcomesSQL, since).Scan(&w.Succeeded, &w.Declined, &w.Failed)
	if err != nil {
		return w, fmt.Errorf("count card outcomes: %w", err)
	}
	if settled := w.Succeeded + w.Declined + w.Failed; settled > 0 {
		w.FailureRate = float64(w.Declined+w.Failed) / float64(settled)
	}
	return w, nil
}

func blockedIPs(ctx context.Context, tx *sql.Tx, now time.Time) ([]BlockedIP, error) {
	rows, err := tx.QueryContext(ctx, `SELECT ip, blocked_at, blocked_until FROM fraud_ip_blocks
		WHERE blocked_until > $1
		ORDER BY blocked_at DESC, ip
		LIMIT $2`, now, maxBlockedListed)
	if err != nil {
		return nil, fmt.Errorf("list blocked ips: %w", err)
	}
	defer rows.Close()
	var out []BlockedIP
	for rows.Next() {
		var b BlockedIP
		if err := rows.Scan(&b.IP, &b.Since, &b.Until); err != nil {
			return nil, fmt.Errorf("list blocked ips: %w", err)
		}
		b.Since, b.Until = b.Since.UTC(), b.Until.UTC()
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list blocked ips: %w", err)
	}
	return out, nil
}

// minRetention is the shortest time attempts are kept whatever the
// settings say: twice the longest window, so that every window and the
// admin's status always count whole periods.
const minRetention = 2 * maxWindow * time.Minute

// Prune deletes card attempts, and IP blocks that ended, older than the
// shop's retention period for them (settings.Retention.CardAttemptDays),
// and returns how many attempts it deleted. While the settings hold the
// data for an incident (IncidentHold) it deletes nothing. A periodic job
// calls it.
func (g *Guard) Prune(ctx context.Context, now time.Time) (int64, error) {
	set, err := settings.Load(ctx, g.db)
	if err != nil {
		return 0, fmt.Errorf("prune card attempts: %w", err)
	}
	if set.Retention.IncidentHold {
		return 0, nil
	}
	cutoff := now.UTC().AddDate(0, 0, -set.Retention.CardAttemptDays)
	if floor := now.UTC().Add(-minRetention); cutoff.After(floor) {
		cutoff = floor
	}
	var n int64
	err = g.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM fraud_attempts WHERE created_at < $1`, cutoff)
		if err != nil {
			return fmt.Errorf("prune card attempts: %w", err)
		}
		if n, err = res.RowsAffected(); err != nil {
			return fmt.Errorf("prune card attempts: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM fraud_ip_blocks WHERE blocked_until < $1`, cutoff); err != nil {
			return fmt.Errorf("prune ip blocks: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// Declines returns when each card attempt since since was declined by the
// issuer, oldest first, for the security page's chart of declines per day.
func (g *Guard) Declines(ctx context.Context, since time.Time) ([]time.Time, error) {
	rows, err := g.db.QueryContext(ctx, `SELECT created_at FROM fraud_attempts
		WHERE outcome = 'declined' AND created_at >= $1 ORDER BY created_at LIMIT 100000`, since.UTC())
	if err != nil {
		return nil, fmt.Errorf("card declines: %w", err)
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var t time.Time
		if err := rows.Scan(&t); err != nil {
			return nil, fmt.Errorf("card declines: %w", err)
		}
		out = append(out, t.UTC())
	}
	return out, rows.Err()
}

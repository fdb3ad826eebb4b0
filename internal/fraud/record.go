package fraud

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"kaede/internal/shop"
)

// Record stores what the provider reported for an allowed attempt. A
// decline may block the attempt's address and any failure may trip the
// breaker; the Alert hook hears of either once it has been committed.
//
// The first report wins: the provider's webhook and the customer's return
// to the shop may both report the same attempt, and the second changes
// nothing. An unknown attempt is a shop.NotFound error, a refused one (it
// never reached the provider) a shop.Conflict.
func (g *Guard) Record(ctx context.Context, attemptID int64, outcome Outcome) error {
	switch outcome {
	case Succeeded, Declined, Failed:
	default:
		return &shop.Error{Code: shop.Invalid, Message: "unknown payment outcome",
			Fields: map[string]string{"outcome": shop.ReasonChoice}}
	}
	now := g.clock().UTC()
	var alerts []Alert
	err := g.db.Tx(ctx, func(tx *sql.Tx) error {
		suspendedUntil, err := g.lockBreaker(ctx, tx)
		if err != nil {
			return err
		}
		var ip, current string
		err = tx.QueryRowContext(ctx, `SELECT ip, outcome FROM fraud_attempts WHERE id = $1`, attemptID).Scan(&ip, &current)
		if errors.Is(err, sql.ErrNoRows) {
			return shop.Errorf(shop.NotFound, "card attempt %d not found", attemptID)
		}
		if err != nil {
			return fmt.Errorf("find card attempt %d: %w", attemptID, err)
		}
		switch current {
		case "pending":
		case "refused":
			return shop.Errorf(shop.Conflict, "card attempt %d was refused and cannot have an outcome", attemptID)
		default:
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE fraud_attempts SET outcome = $1, decided_at = $2 WHERE id = $3`,
			string(outcome), now, attemptID); err != nil {
			return fmt.Errorf("record card attempt %d: %w", attemptID, err)
		}
		if outcome == Succeeded {
			return nil
		}
		if outcome == Declined {
			alert, err := g.blockIP(ctx, tx, ip, now)
			if err != nil {
				return err
			}
			if alert != nil {
				alerts = append(alerts, *alert)
			}
		}
		alert, err := g.tripBreaker(ctx, tx, suspendedUntil, now)
		if err != nil {
			return err
		}
		if alert != nil {
			alerts = append(alerts, *alert)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, a := range alerts {
		if a.Kind == AlertBreakerTripped {
			// This instance hides the card option at once; others when
			// they hear of the trip (breakerTopic).
			g.mu.Lock()
			g.suspended, g.cacheExpires = a.Until, now.Add(cacheTTL)
			g.mu.Unlock()
		}
		if g.Alert != nil {
			g.Alert(ctx, a)
		}
	}
	return nil
}

// blockIP blocks ip when its declines in the block window reach the limit
// and it is not blocked already; it returns the alert for a new block. Only
// declines count here: a failed authentication can be the provider's
// outage, which should not lock out the customers who retry.
func (g *Guard) blockIP(ctx context.Context, tx *sql.Tx, ip string, now time.Time) (*Alert, error) {
	b := g.limits.IPBlock
	window := time.Duration(b.Minutes) * time.Minute
	var declines int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM fraud_attempts
		WHERE ip = $1 AND outcome = 'declined' AND decided_at > $2`, ip, now.Add(-window)).Scan(&declines)
	if err != nil {
		return nil, fmt.Errorf("count declines by ip: %w", err)
	}
	if declines < b.Declines {
		return nil, nil
	}
	var active int
	err = tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM fraud_ip_blocks WHERE ip = $1 AND blocked_until > $2`, ip, now).Scan(&active)
	if err != nil {
		return nil, fmt.Errorf("check ip block: %w", err)
	}
	if active > 0 {
		return nil, nil
	}
	until := now.Add(time.Duration(b.BlockMinutes) * time.Minute)
	// An expired block of the same address may still be there until Prune.
	_, err = tx.ExecContext(ctx, `INSERT INTO fraud_ip_blocks (ip, blocked_at, blocked_until) VALUES ($1, $2, $3)
		ON CONFLICT (ip) DO UPDATE SET blocked_at = excluded.blocked_at, blocked_until = excluded.blocked_until`,
		ip, now, until)
	if err != nil {
		return nil, fmt.Errorf("block ip: %w", err)
	}
	return &Alert{Kind: AlertIPBlocked, At: now, Until: until, IP: ip, Window: window, Failures: declines}, nil
}

// tripBreaker suspends card payments when a breaker window's failures
// reach its threshold and the failure rate; it returns the alert for a new
// trip. While suspended it does nothing, so late outcomes of attempts
// started before the trip neither extend the suspension nor alert again.
// Once the cooldown is over, card payments resume; if the attack goes on,
// its next failure finds the window still over the threshold and trips
// again at once.
func (g *Guard) tripBreaker(ctx context.Context, tx *sql.Tx, suspendedUntil, now time.Time) (*Alert, error) {
	if now.Before(suspendedUntil) {
		return nil, nil
	}
	for _, t := range g.limits.Breaker {
		failures, settled, err := settledCounts(ctx, tx, now.Add(-t.Duration()))
		if err != nil {
			return nil, err
		}
		if failures < t.MinFailures || float64(failures)/float64(settled) < g.limits.FailureRate {
			continue
		}
		until := now.Add(g.limits.Cooldown())
		if _, err := tx.ExecContext(ctx, `UPDATE fraud_breaker SET suspended_until = $1, tripped_at = $2 WHERE id = 1`,
			until, now); err != nil {
			return nil, fmt.Errorf("trip fraud breaker: %w", err)
		}
		if err := g.db.Announce(ctx, tx, breakerTopic); err != nil {
			return nil, err
		}
		return &Alert{Kind: AlertBreakerTripped, At: now, Until: until, Window: t.Duration(),
			Failures: failures, Settled: settled}, nil
	}
	return nil, nil
}

// settledCounts returns the failures (declined or failed) and all the
// attempts the provider settled since since. Attempts still pending are
// left out: a customer who abandons the 3-D Secure page never settles.
func settledCounts(ctx context.Context, tx *sql.Tx, since time.Time) (failures, settled int, err error) {
	err = tx.QueryRowContext(ctx, `SELECT
			COALESCE(SUM(CASE WHEN outcome IN ('declined', 'failed') THEN 1 ELSE 0 END), 0),
			COUNT(*)
		FROM fraud_attempts
		WHERE decided_at > $1`, since).Scan(&failures, &settled)
	if err != nil {
		return 0, 0, fmt.Errorf("count settled attempts: %w", err)
	}
	return failures, settled, nil
}

package inquiry

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"kaede/internal/settings"
)

// Prune deletes, with their threads, the tickets closed more than
// settings.Retention.InquiryDays ago, except those about an incident while
// Retention.IncidentHold is on; and it blanks the client address of
// tickets older than Retention.CardAttemptDays, the shop's period for IP
// addresses (the limits need an hour or a day of them). It returns how
// many tickets it deleted. A reopened ticket is not closed, so it stays.
func (s *Service) Prune(ctx context.Context, now time.Time) (int64, error) {
	set, err := settings.Load(ctx, s.db)
	if err != nil {
		return 0, fmt.Errorf("prune inquiries: %w", err)
	}
	r := set.Retention
	closedBefore := now.UTC().AddDate(0, 0, -r.InquiryDays)
	addressBefore := now.UTC().AddDate(0, 0, -r.CardAttemptDays)
	var n int64
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		query := `DELETE FROM inquiry_tickets WHERE state = 'closed' AND closed_at < $1`
		if r.IncidentHold {
			query += ` AND incident_id IS NULL`
		}
		res, err := tx.ExecContext(ctx, query, closedBefore)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE inquiry_tickets SET client_ip = '' WHERE created_at < $1 AND client_ip <> ''`, addressBefore)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("prune inquiries: %w", err)
	}
	return n, nil
}

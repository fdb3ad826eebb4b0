package order

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"kaede/internal/audit"
	"kaede/internal/settings"
)

// Prune removes the personal data of orders placed longer ago than the
// settings' Retention.OrderYears: the customer's name, address, phone,
// e-mail and message, the shop's memo on the order (staff write calls and
// promises in it), and the guest's access token. What the tax records
// need stays: the number, dates, lines, amounts, taxes and payments (card
// brand and last four only, as always). The prefecture stays too: alone it
// names nobody, and the CHECK keeps it 1–47. While an incident holds
// retention (Retention.IncidentHold) nothing is removed.
func (s *Service) Prune(ctx context.Context, now time.Time) (int64, error) {
	set, err := settings.Load(ctx, s.db)
	if err != nil {
		return 0, fmt.Errorf("prune orders' personal data: %w", err)
	}
	if set.Retention.IncidentHold {
		return 0, nil
	}
	cutoff := now.UTC().AddDate(-set.Retention.OrderYears, 0, 0)
	var n int64
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		// email <> '' makes a run skip what an earlier run removed.
		memos, err := tx.ExecContext(ctx, `DELETE FROM order_memos WHERE order_id IN
			(SELECT id FROM orders WHERE created_at < $1 AND email <> '')`, cutoff)
		if err != nil {
			return err
		}
		m, err := memos.RowsAffected()
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `
			UPDATE orders SET email = '', ship_name = '', ship_name_kana = '', ship_postal_code = '',
				ship_city = '', ship_line1 = '', ship_line2 = '', ship_phone = '', note = '',
				access_token_hash = ''
			WHERE created_at < $1 AND email <> ''`, cutoff)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return audit.Record(ctx, tx, now.UTC(), audit.System("retention"), "order.personal_data_removed", "",
			nil, map[string]any{"orders": n, "memos": m, "placed_before": cutoff.Format(time.RFC3339)})
	})
	if err != nil {
		return 0, fmt.Errorf("prune orders' personal data: %w", err)
	}
	return n, nil
}

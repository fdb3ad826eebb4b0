package billing

import (
	"context"
	"database/sql"
	"fmt"

	"kaede/internal/settings"
)

// FinalReminderDays is how many days after the due date the second and
// last reminder goes out; the first goes the day after the due date.
const FinalReminderDays = 14

// stageDue is the reminder an invoice unpaid daysLate days after its due
// date should have had: 0 (none yet), 1 or 2.
func stageDue(daysLate int) int {
	switch {
	case daysLate >= FinalReminderDays:
		return 2
	case daysLate >= 1:
		return 1
	}
	return 0
}

// RemindOverdue e-mails each unpaid invoice past its due date the
// reminder of the stage it has reached, once per invoice and stage: the
// stage is advanced in the transaction that writes the e-mail, only from
// a lower stage, so a run repeated, or running on two instances, sends
// nothing twice. An invoice that reached the final stage unreminded gets
// the final reminder only. It returns how many reminders it wrote.
func (s *Service) RemindOverdue(ctx context.Context) (int, error) {
	late, err := s.Invoices(ctx, Filter{Overdue: true})
	if err != nil {
		return 0, err
	}
	today := jstDay(s.clock())
	sent := 0
	for _, inv := range late {
		stage := stageDue(int(today.Sub(inv.DueOn).Hours() / 24))
		if stage <= inv.Stage {
			continue
		}
		err := s.db.Tx(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE billing_invoices SET stage = $1
				WHERE id = $2 AND stage < $1 AND paid < total`, stage, inv.ID)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				return err
			}
			st, err := settings.LoadTx(ctx, tx)
			if err != nil {
				return err
			}
			d := s.newMailData(&inv, st)
			d.Stage = stage
			if err := s.send(ctx, tx, "billing_overdue", inv.Email, d); err != nil {
				return err
			}
			sent++
			return nil
		})
		if err != nil {
			return sent, fmt.Errorf("remind invoice %s: %w", inv.Number, err)
		}
	}
	return sent, nil
}

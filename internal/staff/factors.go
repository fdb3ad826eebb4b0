package staff

import (
	"context"
	"fmt"

	"kaede/internal/db"
)

// EnabledAccounts returns every account that is not disabled, enrolled or
// not, by e-mail address. An account that waits for its enrolment has no
// second factor yet: the reopening checklist after an incident counts it
// as one without, since nobody should be able to finish enrolling it
// unseen. It reads the database directly (no staff key is needed to know
// who is enrolled), so that the command line can run the checklist too.
func EnabledAccounts(ctx context.Context, d *db.DB) ([]Staff, error) {
	rows, err := d.QueryContext(ctx, `SELECT `+staffColumns+` FROM staff WHERE disabled_at IS NULL ORDER BY email`)
	if err != nil {
		return nil, fmt.Errorf("list enabled staff: %w", err)
	}
	defer rows.Close()
	var out []Staff
	for rows.Next() {
		m, err := scanStaff(rows)
		if err != nil {
			return nil, fmt.Errorf("list enabled staff: %w", err)
		}
		out = append(out, *m)
	}
	return out, rows.Err()
}

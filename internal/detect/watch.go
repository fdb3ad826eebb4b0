package detect

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/secevent"
	"kaede/internal/settings"
)

// offHoursActions are the audited changes that a stolen staff account
// would make to keep its hold or to open the shop up: staff, their roles
// and access, and the shop's settings. Prefixes ending in "." match every
// action under them.
var offHoursActions = []string{
	"staff.add", "staff.role", "staff.enable", "staff.disable", "staff.unlock",
	"staff.reset_enrolment", "staff.session_revoke", "settings.",
}

func watched(action string) bool {
	for _, a := range offHoursActions {
		if action == a || (strings.HasSuffix(a, ".") && strings.HasPrefix(action, a)) {
			return true
		}
	}
	return false
}

// watchName is this watcher's row in security_watch.
const watchName = "audit_off_hours"

// OffHours reads the audit log from where it last stopped and raises a
// warning for each staff, role or settings change made outside the
// settings' business hours. It runs every minute; a change is judged by
// the time it was made, not by when it is read. On its first run it starts
// at the log's current end: changes from before it existed are not news.
func OffHours(ctx context.Context, d *db.DB, events *secevent.Store) (raised int, err error) {
	st, err := settings.Load(ctx, d)
	if err != nil {
		return 0, err
	}
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		var last int64
		err := tx.QueryRowContext(ctx, `SELECT last_id FROM security_watch WHERE name = $1`+d.ForUpdate(), watchName).Scan(&last)
		if errors.Is(err, sql.ErrNoRows) {
			_, err = tx.ExecContext(ctx, `INSERT INTO security_watch (name, last_id)
				SELECT $1, COALESCE(MAX(id), 0) FROM audit_log`, watchName)
			if err != nil {
				return fmt.Errorf("start audit watch: %w", err)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("read audit watch: %w", err)
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, at, actor, action, target, ip FROM audit_log
			WHERE id > $1 ORDER BY id LIMIT 1000`, last)
		if err != nil {
			return fmt.Errorf("read audit log: %w", err)
		}
		type change struct {
			id                        int64
			at                        time.Time
			actor, action, target, ip string
		}
		var found []change
		for rows.Next() {
			var c change
			if err := rows.Scan(&c.id, &c.at, &c.actor, &c.action, &c.target, &c.ip); err != nil {
				rows.Close()
				return fmt.Errorf("read audit log: %w", err)
			}
			last = c.id
			if watched(c.action) && !st.Security.WithinBusinessHours(c.at) {
				found = append(found, c)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read audit log: %w", err)
		}
		for _, c := range found {
			_, err := events.RaiseTx(ctx, tx, secevent.Signal{
				Kind: secevent.KindOffHours, Severity: secevent.Warning, Source: "audit",
				// One open event per person: a night of changes by one
				// account is one thing to look at, with a count.
				Target:  "actor:" + c.actor,
				Summary: fmt.Sprintf("%s by %s outside business hours", c.action, c.actor),
				Detail: map[string]any{"audit_id": c.id, "action": c.action, "target": c.target,
					"at": c.at.UTC(), "ip": c.ip},
			})
			if err != nil {
				return err
			}
			raised++
		}
		_, err = tx.ExecContext(ctx, `UPDATE security_watch SET last_id = $1 WHERE name = $2`, last, watchName)
		if err != nil {
			return fmt.Errorf("advance audit watch: %w", err)
		}
		return nil
	})
	return raised, err
}

// AuditChain verifies the audit log's hash chain and raises a critical
// event when it is broken: someone with database access edited, inserted
// or deleted entries. It returns Verify's count and error as well, for
// the log.
func AuditChain(ctx context.Context, d *db.DB, events *secevent.Store) (int, error) {
	n, verr := audit.Verify(ctx, d)
	var ce *audit.ChainError
	if !errors.As(verr, &ce) {
		return n, verr // nil, or a failure to read, which proves nothing
	}
	_, err := events.Raise(ctx, secevent.Signal{
		Kind: secevent.KindAuditChain, Severity: secevent.Critical, Source: "audit",
		Target:  "audit_log",
		Summary: "the audit log's hash chain is broken: " + ce.Error(),
		Detail:  map[string]any{"entry": ce.ID, "reason": ce.Reason, "detail": ce.Detail, "entries": n},
	})
	return n, errors.Join(verr, err)
}

package staff

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"kaede/internal/db"
	"kaede/internal/shop"
)

// Add creates a member of staff with the role and no password, and returns
// a one-time enrolment token (valid for 72 hours) with which they set their
// password and authenticator. Give it to them by a channel other than the
// one this screen is on. Only an owner may add staff.
func (s *Service) Add(ctx context.Context, email string, role Role, by Principal) (token string, err error) {
	if err := by.require(StaffManage); err != nil {
		return "", err
	}
	email = normalizeEmail(email)
	if err := checkEmail(email); err != nil {
		return "", err
	}
	if _, err := ParseRole(string(role)); err != nil {
		return "", err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO staff (email, role, created_at) VALUES ($1, $2, $3) RETURNING id`,
			email, role, s.now()).Scan(&id)
		if db.IsUniqueViolation(err) {
			return &shop.Error{Code: shop.Invalid, Message: "this address already belongs to a member of staff",
				Fields: map[string]string{"email": shop.ReasonTaken}}
		}
		if err != nil {
			return fmt.Errorf("add staff: %w", err)
		}
		if token, err = s.newEnrolment(ctx, tx, id); err != nil {
			return err
		}
		return s.record(ctx, tx, by.Actor, "staff.add", target(id), nil, view{Email: email, Role: role})
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// ResetEnrolment is for a member of staff who lost their authenticator or
// password: it removes both, their recovery codes and sessions, and returns
// a new enrolment token. The account cannot log in until they enrol again.
func (s *Service) ResetEnrolment(ctx context.Context, id int64, by Principal) (token string, err error) {
	if err := by.require(StaffManage); err != nil {
		return "", err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		m, err := s.getStaff(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if m.Role == Owner {
			if err := s.keepAnOwner(ctx, tx, id); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE staff SET password_hash = '', totp_secret = '',
			totp_confirmed_at = NULL, totp_last_step = 0 WHERE id = $1`, id); err != nil {
			return fmt.Errorf("reset staff %d: %w", id, err)
		}
		for _, table := range []string{"staff_recovery_codes", "staff_sessions", "staff_pending_logins", "staff_enrolments"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE staff_id = $1`, id); err != nil {
				return fmt.Errorf("reset staff %d: %s: %w", id, table, err)
			}
		}
		if token, err = s.newEnrolment(ctx, tx, id); err != nil {
			return err
		}
		after := viewOf(m)
		after.Enrolled = false
		return s.record(ctx, tx, by.Actor, "staff.reset_enrolment", target(id), viewOf(m), after)
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// ChangeRole gives the member of staff another role. It takes effect on
// their next request, since sessions read the role afresh. The last active
// owner cannot be demoted.
func (s *Service) ChangeRole(ctx context.Context, id int64, role Role, by Principal) error {
	if err := by.require(StaffManage); err != nil {
		return err
	}
	if _, err := ParseRole(string(role)); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		m, err := s.getStaff(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if m.Role == role {
			return nil
		}
		if m.Role == Owner {
			if err := s.keepAnOwner(ctx, tx, id); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE staff SET role = $1 WHERE id = $2`, role, id); err != nil {
			return fmt.Errorf("change role of staff %d: %w", id, err)
		}
		before := viewOf(m)
		m.Role = role
		return s.record(ctx, tx, by.Actor, "staff.role", target(id), before, viewOf(m))
	})
}

// Disable stops the member of staff from logging in and ends their
// sessions at once. The last active owner cannot be disabled.
func (s *Service) Disable(ctx context.Context, id int64, by Principal) error {
	if err := by.require(StaffManage); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		m, err := s.getStaff(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if !m.DisabledAt.IsZero() {
			return nil
		}
		if m.Role == Owner {
			if err := s.keepAnOwner(ctx, tx, id); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE staff SET disabled_at = $1 WHERE id = $2`, s.now(), id); err != nil {
			return fmt.Errorf("disable staff %d: %w", id, err)
		}
		for _, table := range []string{"staff_sessions", "staff_pending_logins"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE staff_id = $1`, id); err != nil {
				return fmt.Errorf("disable staff %d: %s: %w", id, table, err)
			}
		}
		before := viewOf(m)
		m.DisabledAt = s.now()
		return s.record(ctx, tx, by.Actor, "staff.disable", target(id), before, viewOf(m))
	})
}

// Enable lets a disabled member of staff log in again with their existing
// password and authenticator.
func (s *Service) Enable(ctx context.Context, id int64, by Principal) error {
	if err := by.require(StaffManage); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		m, err := s.getStaff(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if m.DisabledAt.IsZero() {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE staff SET disabled_at = NULL WHERE id = $1`, id); err != nil {
			return fmt.Errorf("enable staff %d: %w", id, err)
		}
		before := viewOf(m)
		m.DisabledAt = time.Time{}
		return s.record(ctx, tx, by.Actor, "staff.enable", target(id), before, viewOf(m))
	})
}

// Unlock lifts a login lock on the member of staff before it runs out, once
// an owner has made sure the failures were theirs, and resets the delay.
func (s *Service) Unlock(ctx context.Context, id int64, by Principal) error {
	if err := by.require(StaffManage); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		m, err := s.getStaff(ctx, tx, id, false)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM staff_login_locks WHERE email = $1`, m.Email)
		if err != nil {
			return fmt.Errorf("unlock staff %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return s.record(ctx, tx, by.Actor, "staff.unlock", target(id), nil, nil)
	})
}

// keepAnOwner returns Conflict unless an active owner other than id
// remains. The owners' rows are locked (PostgreSQL), in id order, so that
// two owners demoting each other at once cannot both succeed.
func (s *Service) keepAnOwner(ctx context.Context, tx *sql.Tx, id int64) error {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM staff
		WHERE role = 'owner' AND disabled_at IS NULL AND totp_confirmed_at IS NOT NULL
		ORDER BY id`+s.db.ForUpdate())
	if err != nil {
		return fmt.Errorf("count owners: %w", err)
	}
	defer rows.Close()
	others := 0
	for rows.Next() {
		var oid int64
		if err := rows.Scan(&oid); err != nil {
			return fmt.Errorf("count owners: %w", err)
		}
		if oid != id {
			others++
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("count owners: %w", err)
	}
	if others == 0 {
		return shop.Errorf(shop.Conflict, "the shop must keep at least one active owner")
	}
	return nil
}

// ActiveEmails returns the addresses of the active members of staff whose
// role want accepts, read in tx: the security alerts go to them in the
// transaction that raises or escalates the event.
func ActiveEmails(ctx context.Context, tx *sql.Tx, want func(Role) bool) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT email, role FROM staff WHERE disabled_at IS NULL ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list active staff: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var email string
		var role Role
		if err := rows.Scan(&email, &role); err != nil {
			return nil, fmt.Errorf("list active staff: %w", err)
		}
		if want(role) {
			out = append(out, email)
		}
	}
	return out, rows.Err()
}

// Granted returns the active members of staff (enrolled, not disabled)
// whose role grants p, by e-mail address: whom a task needing p, such as
// an inquiry, can be assigned to. Unlike List it asks for no permission:
// the admin shows the result only on screens that already need p.
func (s *Service) Granted(ctx context.Context, p Permission) ([]Staff, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+staffColumns+` FROM staff
		WHERE disabled_at IS NULL AND totp_confirmed_at IS NOT NULL ORDER BY email`)
	if err != nil {
		return nil, fmt.Errorf("list staff granted %s: %w", p, err)
	}
	defer rows.Close()
	var out []Staff
	for rows.Next() {
		m, err := scanStaff(rows)
		if err != nil {
			return nil, fmt.Errorf("list staff granted %s: %w", p, err)
		}
		if m.Role.Can(p) {
			out = append(out, *m)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list staff granted %s: %w", p, err)
	}
	return out, nil
}

package staff

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"kaede/internal/audit"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// Session limits. An admin session ends after IdleTimeout without a
// request and MaxSessionAge after the login, whatever happens; sensitive
// actions want a second factor within FreshFor.
const (
	IdleTimeout   = 30 * time.Minute
	MaxSessionAge = 12 * time.Hour
	FreshFor      = 5 * time.Minute

	// touchEvery limits last_seen_at writes to one a minute per session.
	touchEvery = time.Minute
)

// Session is a logged-in admin browser.
type Session struct {
	// ID is the session token for the cookie. Only its SHA-256 is stored,
	// so ID is set only on the Session returned by VerifySecondFactor and
	// Touch; listed sessions have Ref instead.
	ID             string
	Ref            int64 // a handle for lists and Revoke; not a credential
	StaffID        int64
	CreatedAt      time.Time
	LastSeen       time.Time
	IP             string // where the session was last used from
	UserAgent      string // shortened, for the list of sessions
	SecondFactorAt time.Time
}

// ExpiresAt is when the session ends unless used: the earlier of the idle
// and the absolute limit.
func (s Session) ExpiresAt() time.Time {
	idle := s.LastSeen.Add(IdleTimeout)
	if abs := s.CreatedAt.Add(MaxSessionAge); abs.Before(idle) {
		return abs
	}
	return idle
}

// FreshSecondFactor reports whether the session's holder gave a second
// factor within FreshFor of now. Refunds, exports, staff and settings
// changes require it; Reauthenticate renews it.
func (s Session) FreshSecondFactor(now time.Time) bool {
	return now.Sub(s.SecondFactorAt) <= FreshFor
}

func notLoggedIn() error {
	return shop.Errorf(shop.Unauthorized, "please log in")
}

const sessionColumns = `id, staff_id, created_at, last_seen_at, ip, user_agent, second_factor_at`

func scanSession(row interface{ Scan(...any) error }, extra ...any) (*Session, error) {
	var s Session
	dest := append([]any{&s.Ref, &s.StaffID, &s.CreatedAt, &s.LastSeen, &s.IP, &s.UserAgent, &s.SecondFactorAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	s.CreatedAt, s.LastSeen, s.SecondFactorAt = s.CreatedAt.UTC(), s.LastSeen.UTC(), s.SecondFactorAt.UTC()
	return &s, nil
}

// newSession starts a session for a login whose second factor was just
// given.
func (s *Service) newSession(ctx context.Context, tx *sql.Tx, staffID int64, ip, userAgent string) (*Session, error) {
	token, err := newToken()
	if err != nil {
		return nil, err
	}
	now := s.now()
	sess := &Session{ID: token, StaffID: staffID, CreatedAt: now, LastSeen: now, IP: ip,
		UserAgent: clip(userAgent, 200), SecondFactorAt: now}
	err = tx.QueryRowContext(ctx, `INSERT INTO staff_sessions
		(token_hash, staff_id, created_at, last_seen_at, second_factor_at, ip, user_agent, ua_hash)
		VALUES ($1, $2, $3, $3, $3, $4, $5, $6) RETURNING id`,
		hashToken(token), staffID, now, ip, sess.UserAgent, hashToken(userAgent)).Scan(&sess.Ref)
	if err != nil {
		return nil, fmt.Errorf("start session of staff %d: %w", staffID, err)
	}
	return sess, nil
}

// Touch returns the session of the cookie's token and its member of staff,
// read afresh (so a role change or a disabled account takes effect on the
// next request), and records the use. It returns Unauthorized when the
// session does not exist, has expired, belongs to an account that may no
// longer log in, or comes from a browser other than the one that logged in
// (a stolen cookie), ending it in the last three cases. A new IP address
// is recorded and audited but allowed: office and mobile addresses change.
func (s *Service) Touch(ctx context.Context, token, ip, userAgent string) (*Session, *Staff, error) {
	if !validTokenForm(token) {
		return nil, nil, notLoggedIn()
	}
	ip = clip(ip, 64)
	now := s.now()
	var uaHash string
	sess, err := scanSession(s.db.QueryRowContext(ctx, `SELECT `+sessionColumns+`, ua_hash
		FROM staff_sessions WHERE token_hash = $1`, hashToken(token)), &uaHash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, notLoggedIn()
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read session: %w", err)
	}
	sess.ID = token
	m, err := s.Get(ctx, sess.StaffID)
	if err != nil {
		return nil, nil, err
	}
	end := ""
	switch {
	case !now.Before(sess.ExpiresAt()):
		end = "expired"
	case uaHash != hashToken(userAgent):
		end = "user_agent_changed"
	case !m.Active():
		end = "account_inactive"
	}
	if end != "" {
		err := s.db.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `DELETE FROM staff_sessions WHERE id = $1`, sess.Ref); err != nil {
				return fmt.Errorf("end session: %w", err)
			}
			return s.record(ctx, tx, audit.Actor{Name: m.Email, IP: ip}, "staff.session_end", target(m.ID), nil,
				map[string]any{"session": sess.Ref, "reason": end})
		})
		if err != nil {
			return nil, nil, err
		}
		return nil, nil, notLoggedIn()
	}
	if ip == sess.IP && now.Sub(sess.LastSeen) < touchEvery {
		return sess, m, nil
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE staff_sessions SET last_seen_at = $1, ip = $2 WHERE id = $3`, now, ip, sess.Ref); err != nil {
			return fmt.Errorf("touch session: %w", err)
		}
		if ip == sess.IP {
			return nil
		}
		return s.record(ctx, tx, audit.Actor{Name: m.Email, IP: ip}, "staff.session_ip", target(m.ID),
			map[string]any{"session": sess.Ref, "ip": sess.IP}, map[string]any{"session": sess.Ref, "ip": ip})
	})
	if err != nil {
		return nil, nil, err
	}
	sess.LastSeen, sess.IP = now, ip
	return sess, m, nil
}

// Sessions returns the member of staff's live sessions, newest first.
func (s *Service) Sessions(ctx context.Context, staffID int64) ([]Session, error) {
	now := s.now()
	rows, err := s.db.QueryContext(ctx, `SELECT `+sessionColumns+` FROM staff_sessions
		WHERE staff_id = $1 AND last_seen_at > $2 AND created_at > $3 ORDER BY created_at DESC, id DESC`,
		staffID, now.Add(-IdleTimeout), now.Add(-MaxSessionAge))
	if err != nil {
		return nil, fmt.Errorf("list sessions of staff %d: %w", staffID, err)
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		sess, err := scanSession(rows)
		if err != nil {
			return nil, fmt.Errorf("list sessions of staff %d: %w", staffID, err)
		}
		out = append(out, *sess)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list sessions of staff %d: %w", staffID, err)
	}
	return out, nil
}

// Revoke ends the session with the handle ref. Anyone may end their own
// sessions; ending another's needs StaffManage. Another's session that
// does not exist and one the actor may not end both give NotFound.
func (s *Service) Revoke(ctx context.Context, ref int64, by Principal) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		var staffID int64
		err := tx.QueryRowContext(ctx, `SELECT staff_id FROM staff_sessions WHERE id = $1`, ref).Scan(&staffID)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && staffID != by.StaffID && !by.Role.Can(StaffManage)) {
			return shop.Errorf(shop.NotFound, "no such session")
		}
		if err != nil {
			return fmt.Errorf("revoke session %d: %w", ref, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM staff_sessions WHERE id = $1`, ref); err != nil {
			return fmt.Errorf("revoke session %d: %w", ref, err)
		}
		return s.record(ctx, tx, by.Actor, "staff.session_revoke", target(staffID), nil, map[string]any{"session": ref})
	})
}

// Logout ends the session of the token, if there is one.
func (s *Service) Logout(ctx context.Context, token, ip string) error {
	if !validTokenForm(token) {
		return nil
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		var ref, staffID int64
		var email string
		err := tx.QueryRowContext(ctx, `SELECT ss.id, ss.staff_id, s.email
			FROM staff_sessions ss JOIN staff s ON s.id = ss.staff_id WHERE ss.token_hash = $1`, hashToken(token)).Scan(&ref, &staffID, &email)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("log out: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM staff_sessions WHERE id = $1`, ref); err != nil {
			return fmt.Errorf("log out: %w", err)
		}
		return s.record(ctx, tx, audit.Actor{Name: email, IP: clip(ip, 64)}, "staff.logout", target(staffID), nil, map[string]any{"session": ref})
	})
}

// Reauthenticate renews the session's second factor with a TOTP or
// recovery code, before a sensitive action. A wrong code counts towards
// the lock-out like a failed login.
func (s *Service) Reauthenticate(ctx context.Context, token, code, ip, userAgent string) (*Session, error) {
	sess, m, err := s.Touch(ctx, token, ip, userAgent)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if err := s.refuseIfLocked(ctx, m.Email, sess.IP, now); err != nil {
		return nil, err
	}
	ok := false
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		method, err := s.useSecondFactor(ctx, tx, m.ID, code)
		if err != nil || method == "" {
			return err
		}
		ok = true
		return s.completeReauth(ctx, tx, sess, m, now, map[string]any{"method": method})
	})
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, s.fail(ctx, m.Email, m.ID, sess.IP, "reauthenticate_code")
	}
	sess.SecondFactorAt = now
	return sess, nil
}

// completeReauth renews the second factor of m's session inside tx once it
// has been checked, the same for a code and a passkey, and audits
// "staff.reauthenticate" with details (the method, …) and the session.
func (s *Service) completeReauth(ctx context.Context, tx *sql.Tx, sess *Session, m *Staff, now time.Time, details map[string]any) error {
	if _, err := tx.ExecContext(ctx, `UPDATE staff_sessions SET second_factor_at = $1 WHERE id = $2`, now, sess.Ref); err != nil {
		return fmt.Errorf("renew second factor: %w", err)
	}
	details["session"] = sess.Ref
	return s.record(ctx, tx, audit.Actor{Name: m.Email, IP: sess.IP}, "staff.reauthenticate", target(m.ID), nil, details)
}

// ChangePassword replaces the session holder's password. It needs a fresh
// second factor (Reauthenticate) and the current password: a wrong one →
// Invalid on "current_password"; a bad new one → Invalid on "password".
// Every other session of the account ends.
func (s *Service) ChangePassword(ctx context.Context, token, current, newPassword, ip, userAgent string) error {
	sess, m, err := s.Touch(ctx, token, ip, userAgent)
	if err != nil {
		return err
	}
	if !sess.FreshSecondFactor(s.now()) {
		return shop.Errorf(shop.Forbidden, "confirm with your authenticator first")
	}
	var hash string
	if err := s.db.QueryRowContext(ctx, `SELECT password_hash FROM staff WHERE id = $1`, m.ID).Scan(&hash); err != nil {
		return fmt.Errorf("change password of staff %d: %w", m.ID, err)
	}
	ok, err := s.passwords.Check(ctx, hash, current)
	if err != nil {
		return fmt.Errorf("change password of staff %d: %w", m.ID, err)
	}
	if !ok {
		return &shop.Error{Code: shop.Invalid, Message: "the current password is incorrect",
			Fields: map[string]string{"current_password": shop.ReasonMismatch}}
	}
	if err := checkPassword(newPassword, m.Email); err != nil {
		return err
	}
	newHash, err := s.passwords.Hash(ctx, newPassword)
	if err != nil {
		return fmt.Errorf("change password of staff %d: %w", m.ID, err)
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE staff SET password_hash = $1 WHERE id = $2`, newHash, m.ID); err != nil {
			return fmt.Errorf("change password of staff %d: %w", m.ID, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM staff_sessions WHERE staff_id = $1 AND id <> $2`, m.ID, sess.Ref); err != nil {
			return fmt.Errorf("end other sessions of staff %d: %w", m.ID, err)
		}
		return s.record(ctx, tx, audit.Actor{Name: m.Email, IP: sess.IP}, "staff.password", target(m.ID), nil, map[string]any{"session": sess.Ref})
	})
}

// Prune deletes admin sessions, and logins left waiting for their second
// factor, that ended longer ago than the shop's retention period for them
// (settings.Retention.SessionDays), and returns how many rows it deleted.
// Until then an ended session, with its IP address, can still be looked
// into. A periodic job calls it.
func (s *Service) Prune(ctx context.Context, now time.Time) (int64, error) {
	set, err := settings.Load(ctx, s.db)
	if err != nil {
		return 0, fmt.Errorf("prune staff sessions: %w", err)
	}
	cutoff := now.UTC().AddDate(0, 0, -set.Retention.SessionDays)
	var n int64
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		// A session ends IdleTimeout after its last use or MaxSessionAge
		// after its login, whichever is first (Session.ExpiresAt).
		res, err := tx.ExecContext(ctx, `DELETE FROM staff_sessions WHERE last_seen_at < $1 OR created_at < $2`,
			cutoff.Add(-IdleTimeout), cutoff.Add(-MaxSessionAge))
		if err != nil {
			return fmt.Errorf("prune staff sessions: %w", err)
		}
		if n, err = res.RowsAffected(); err != nil {
			return fmt.Errorf("prune staff sessions: %w", err)
		}
		res, err = tx.ExecContext(ctx, `DELETE FROM staff_pending_logins WHERE expires_at < $1`, cutoff)
		if err != nil {
			return fmt.Errorf("prune pending staff logins: %w", err)
		}
		pending, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("prune pending staff logins: %w", err)
		}
		n += pending
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

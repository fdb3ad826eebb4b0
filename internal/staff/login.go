package staff

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"kaede/internal/audit"
	"kaede/internal/secevent"
	"kaede/internal/shop"
)

// The lock-out: after maxFailures failed attempts (password or code) for
// an e-mail address, the address is locked, each time for longer. Levels
// fall back to the first once a day passes without a failure.
const (
	maxFailures    = 5
	lockForgetting = 24 * time.Hour
)

// lockDelays are how long the first, second, … lock lasts.
var lockDelays = []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour, 4 * time.Hour, 24 * time.Hour}

func lockDelay(level int) time.Duration { return lockDelays[min(level, len(lockDelays))-1] }

// The throttle per client address, against guessing one password for many
// addresses (which no per-account lock sees).
const (
	maxFailuresPerIP = 20
	ipWindow         = 15 * time.Minute
)

// pendingTTL is how long the second-factor step waits after the password.
const pendingTTL = 5 * time.Minute

func wrongLogin() error {
	return shop.Errorf(shop.Unauthorized, "the e-mail address, password or code is incorrect")
}

func lockedError(until, now time.Time) error {
	minutes := int((until.Sub(now) + time.Minute - 1) / time.Minute)
	return shop.Errorf(shop.TooMany, "too many failed attempts; please try again in %d minutes", max(minutes, 1))
}

func expiredLogin() error {
	return shop.Errorf(shop.Unauthorized, "the login has expired; please enter your e-mail address and password again")
}

// loginFailure is what the audit log records of a failed attempt.
type loginFailure struct {
	Reason      string    `json:"reason"`
	Failures    int       `json:"failures,omitempty"`
	LockedUntil time.Time `json:"locked_until,omitzero"`
}

// Authenticate checks the e-mail address and password, the first step of
// a login, and returns a pending-login token (keep it in a short-lived
// cookie) for VerifySecondFactor. Every error says the same, so that it
// does not tell which addresses are staff, and an unknown address, a
// disabled account and one not yet enrolled cost the same Argon2 time as a
// wrong password. A locked address or a throttled IP address → TooMany.
func (s *Service) Authenticate(ctx context.Context, email, password, ip string) (pendingID string, err error) {
	email = clip(normalizeEmail(email), 254)
	ip = clip(ip, 64)
	now := s.now()
	if err := s.refuseIfLocked(ctx, email, ip, now); err != nil {
		return "", err
	}
	var id int64
	var hash string
	var usable bool
	err = s.db.QueryRowContext(ctx, `SELECT id, password_hash,
		totp_confirmed_at IS NOT NULL AND disabled_at IS NULL FROM staff WHERE email = $1`, email).Scan(&id, &hash, &usable)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("authenticate: %w", err)
	}
	ok, err := s.checkOrWaste(ctx, hash, password, usable && hash != "")
	if err != nil {
		return "", fmt.Errorf("authenticate: %w", err)
	}
	if !ok {
		return "", s.fail(ctx, email, id, ip, "password")
	}
	token, err := newToken()
	if err != nil {
		return "", err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM staff_pending_logins WHERE staff_id = $1 AND expires_at <= $2`, id, now); err != nil {
			return fmt.Errorf("purge pending logins: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO staff_pending_logins (token_hash, staff_id, ip, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5)`, hashToken(token), id, ip, now, now.Add(pendingTTL)); err != nil {
			return fmt.Errorf("store pending login: %w", err)
		}
		// The password was right: worth knowing even if the second
		// factor then stops whoever typed it.
		return s.record(ctx, tx, audit.Actor{Name: email, IP: ip}, "staff.login_password", target(id), nil, nil)
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// VerifySecondFactor completes a login with a TOTP code or a recovery code
// and returns the new session; its ID goes into the session cookie. A
// wrong code counts towards the lock-out like a wrong password. A login
// from an IP address the account has not used before is reported to its
// holder by e-mail.
func (s *Service) VerifySecondFactor(ctx context.Context, pendingID, code, ip, userAgent string) (*Session, error) {
	ip = clip(ip, 64)
	now := s.now()
	p, err := s.findPending(ctx, pendingID)
	if err != nil {
		return nil, err
	}
	if err := s.checkPendingFrom(ctx, p, ip, now); err != nil {
		return nil, err
	}
	var sess *Session
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		method, err := s.useSecondFactor(ctx, tx, p.staffID, code)
		if err != nil || method == "" {
			return err
		}
		sess, err = s.completeLogin(ctx, tx, p, ip, userAgent, now, map[string]any{"method": method})
		return err
	})
	if err != nil {
		return nil, err
	}
	if sess == nil {
		return nil, s.fail(ctx, p.email, p.staffID, ip, "code")
	}
	return sess, nil
}

// pendingLogin is a login whose password was right, waiting for its
// second factor: a code (VerifySecondFactor) or a passkey
// (FinishPasskeyLogin).
type pendingLogin struct {
	token   string // what Authenticate returned
	staffID int64
	email   string
	ip      string // where the password was typed
}

// findPending returns the pending login of the token, still waiting for
// its second factor on an active account; otherwise expiredLogin.
func (s *Service) findPending(ctx context.Context, token string) (pendingLogin, error) {
	if !validTokenForm(token) {
		return pendingLogin{}, expiredLogin()
	}
	p := pendingLogin{token: token}
	err := s.db.QueryRowContext(ctx, `SELECT p.staff_id, s.email, p.ip
		FROM staff_pending_logins p JOIN staff s ON s.id = p.staff_id
		WHERE p.token_hash = $1 AND p.expires_at > $2
		AND s.totp_confirmed_at IS NOT NULL AND s.disabled_at IS NULL`, hashToken(token), s.now()).Scan(&p.staffID, &p.email, &p.ip)
	if errors.Is(err, sql.ErrNoRows) {
		return pendingLogin{}, expiredLogin()
	}
	if err != nil {
		return pendingLogin{}, fmt.Errorf("read pending login: %w", err)
	}
	return p, nil
}

// checkPendingFrom refuses a second factor for p from a locked or
// throttled address, and from any address but the one the password was
// typed from: that is a stolen pending cookie, so the pending login ends
// and the attempt counts as a failure.
func (s *Service) checkPendingFrom(ctx context.Context, p pendingLogin, ip string, now time.Time) error {
	if err := s.refuseIfLocked(ctx, p.email, ip, now); err != nil {
		return err
	}
	if p.ip == ip {
		return nil
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM staff_pending_logins WHERE token_hash = $1`, hashToken(p.token)); err != nil {
		return fmt.Errorf("end pending login: %w", err)
	}
	return s.fail(ctx, p.email, p.staffID, ip, "ip_changed")
}

// completeLogin finishes p inside tx once its second factor has been
// checked, the same for a code and a passkey: the pending login is spent,
// the address's failures are cleared, the login time is stamped, the
// session starts, a new IP address is reported to the holder, and
// "staff.login" is audited with details (the method, …) and the session.
func (s *Service) completeLogin(ctx context.Context, tx *sql.Tx, p pendingLogin, ip, userAgent string, now time.Time,
	details map[string]any) (*Session, error) {
	if _, err := tx.ExecContext(ctx, `DELETE FROM staff_pending_logins WHERE token_hash = $1`, hashToken(p.token)); err != nil {
		return nil, fmt.Errorf("end pending login: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM staff_login_locks WHERE email = $1`, p.email); err != nil {
		return nil, fmt.Errorf("clear login failures: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE staff SET last_login_at = $1 WHERE id = $2`, now, p.staffID); err != nil {
		return nil, fmt.Errorf("record login of staff %d: %w", p.staffID, err)
	}
	sess, err := s.newSession(ctx, tx, p.staffID, ip, userAgent)
	if err != nil {
		return nil, err
	}
	if err := s.noteIP(ctx, tx, p.staffID, p.email, ip, userAgent); err != nil {
		return nil, err
	}
	details["session"], details["user_agent"] = sess.Ref, sess.UserAgent
	if err := s.record(ctx, tx, audit.Actor{Name: p.email, IP: ip}, "staff.login", target(p.staffID), nil, details); err != nil {
		return nil, err
	}
	return sess, nil
}

// useSecondFactor spends code for the account inside tx and returns
// "totp" or "recovery", or "" when the code is not (or no longer) valid.
// A TOTP code is accepted only for a time step later than the last one
// accepted, so that a code seen over someone's shoulder cannot be replayed.
func (s *Service) useSecondFactor(ctx context.Context, tx *sql.Tx, id int64, code string) (string, error) {
	c := normalizeCode(code)
	now := s.now()
	switch len(c) {
	case totpDigits.Length():
		var sealed string
		if err := tx.QueryRowContext(ctx, `SELECT totp_secret FROM staff WHERE id = $1`+s.db.ForUpdate(), id).Scan(&sealed); err != nil {
			return "", fmt.Errorf("read TOTP secret of staff %d: %w", id, err)
		}
		secret, err := s.openSecret(id, sealed)
		if err != nil {
			return "", err
		}
		step, ok := matchTOTP(secret, c, now)
		if !ok {
			return "", nil
		}
		res, err := tx.ExecContext(ctx, `UPDATE staff SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1`, step, id)
		if err != nil {
			return "", fmt.Errorf("spend TOTP code of staff %d: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return "", err
		}
		return "totp", nil
	case recoveryChars:
		res, err := tx.ExecContext(ctx, `UPDATE staff_recovery_codes SET used_at = $1
			WHERE staff_id = $2 AND code_hash = $3 AND used_at IS NULL`, now, id, hashRecoveryCode(c))
		if err != nil {
			return "", fmt.Errorf("spend recovery code of staff %d: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return "", err
		}
		return "recovery", nil
	}
	return "", nil
}

// refuseIfLocked returns TooMany while the address is locked or the IP
// address has failed too often, and audits the refused attempt.
func (s *Service) refuseIfLocked(ctx context.Context, email, ip string, now time.Time) error {
	var until sql.NullTime
	err := s.db.QueryRowContext(ctx, `SELECT locked_until FROM staff_login_locks WHERE email = $1`, email).Scan(&until)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read login lock: %w", err)
	}
	reason, refusal := "", error(nil)
	if until.Valid && until.Time.After(now) {
		reason, refusal = "locked", lockedError(until.Time, now)
	} else {
		var n int
		err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM staff_login_failures WHERE ip = $1 AND at > $2`,
			ip, now.Add(-ipWindow)).Scan(&n)
		if err != nil {
			return fmt.Errorf("count login failures: %w", err)
		}
		if n >= maxFailuresPerIP {
			reason, refusal = "ip_throttled", shop.Errorf(shop.TooMany, "too many failed attempts; please try again later")
		}
	}
	if refusal == nil {
		return nil
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		return s.record(ctx, tx, audit.Actor{Name: email, IP: ip}, "staff.login_refused", "", nil, loginFailure{Reason: reason, LockedUntil: utc(until)})
	})
	if err != nil {
		return err
	}
	return refusal
}

// fail records a failed attempt for the address, locks it on the
// maxFailures-th, and returns the error to show. The lock is kept per
// address typed, known or not, so that it behaves the same for both; only
// a real account's holder is e-mailed.
func (s *Service) fail(ctx context.Context, email string, staffID int64, ip, reason string) error {
	now := s.now()
	var lockedUntil time.Time
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var sid any
		if staffID != 0 {
			sid = staffID
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO staff_login_failures (email, staff_id, ip, at) VALUES ($1, $2, $3, $4)`,
			email, sid, ip, now); err != nil {
			return fmt.Errorf("record login failure: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM staff_login_failures WHERE at < $1`, now.Add(-lockForgetting)); err != nil {
			return fmt.Errorf("purge login failures: %w", err)
		}
		// Insert-or-keep, then lock the row: concurrent failures for one
		// address each count.
		if _, err := tx.ExecContext(ctx, `INSERT INTO staff_login_locks (email, failures, level, last_failure_at)
			VALUES ($1, 0, 0, $2) ON CONFLICT (email) DO NOTHING`, email, now); err != nil {
			return fmt.Errorf("record login failure: %w", err)
		}
		var failures, level int
		var last time.Time
		if err := tx.QueryRowContext(ctx, `SELECT failures, level, last_failure_at FROM staff_login_locks
			WHERE email = $1`+s.db.ForUpdate(), email).Scan(&failures, &level, &last); err != nil {
			return fmt.Errorf("read login lock: %w", err)
		}
		if now.Sub(last) > lockForgetting {
			failures, level = 0, 0
		}
		failures++
		var until any
		if failures >= maxFailures {
			level++
			lockedUntil = now.Add(lockDelay(level))
			failures, until = 0, lockedUntil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE staff_login_locks
			SET failures = $1, level = $2, locked_until = $3, last_failure_at = $4 WHERE email = $5`,
			failures, level, until, now, email); err != nil {
			return fmt.Errorf("record login failure: %w", err)
		}
		tgt := ""
		if staffID != 0 {
			tgt = target(staffID)
		}
		if err := s.record(ctx, tx, audit.Actor{Name: email, IP: ip}, "staff.login_failed", tgt, nil,
			loginFailure{Reason: reason, Failures: failures, LockedUntil: lockedUntil}); err != nil {
			return err
		}
		if lockedUntil.IsZero() {
			return nil
		}
		if err := s.record(ctx, tx, audit.Actor{Name: email, IP: ip}, "staff.locked", tgt, nil,
			map[string]any{"level": level, "until": lockedUntil}); err != nil {
			return err
		}
		if staffID == 0 {
			return nil
		}
		if err := s.raise(ctx, tx, secevent.Signal{Kind: secevent.KindStaffLockout, Severity: secevent.Warning,
			Source: "staff", Target: tgt, Summary: "staff account " + email + " locked after failed logins",
			Detail: map[string]any{"email": email, "ip": ip, "level": level, "until": lockedUntil}}); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM staff_pending_logins WHERE staff_id = $1`, staffID); err != nil {
			return fmt.Errorf("end pending logins: %w", err)
		}
		return s.send(ctx, tx, email, "account_locked", notice{IP: ip, At: now, Until: lockedUntil})
	})
	if err != nil {
		return err
	}
	if !lockedUntil.IsZero() {
		return lockedError(lockedUntil, now)
	}
	return wrongLogin()
}

// checkOrWaste checks password against hash when real is true, and
// otherwise spends the same time on a hash that never matches.
func (s *Service) checkOrWaste(ctx context.Context, hash, password string, real bool) (bool, error) {
	if !real {
		return false, s.passwords.Waste(ctx, password)
	}
	return s.passwords.Check(ctx, hash, password)
}

// clip shortens what a stranger typed to n bytes of valid UTF-8, for the
// tables and the audit log.
func clip(v string, n int) string {
	if len(v) <= n {
		return v
	}
	v = v[:n]
	for !utf8.ValidString(v) {
		v = v[:len(v)-1]
	}
	return strings.ToValidUTF8(v, "")
}

package member

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"kaede/internal/shop"
)

// The brute-force guard: after maxFailures failed logins for one address
// within failureWindow, further attempts for that address are refused
// until lockDuration has passed since the last of them.
const (
	maxFailures   = 10
	failureWindow = 15 * time.Minute
	lockDuration  = 15 * time.Minute
)

// The throttle per client address: after maxFailuresPerIP failed logins
// from one address within failureWindow, that address may not try again
// until the window has slid. The per-account lock cannot see password
// spraying (one common password against many accounts: one failure each);
// this does. 20 in 15 minutes is far more than a household or an office
// behind one address mistypes, and caps a sprayer at 20 accounts per
// quarter hour instead of all of them. Staff logins use the same figures.
const maxFailuresPerIP = 20

// maxResetMails caps the reset e-mails sent for one account per reset
// lifetime, so that the form cannot be used to flood someone's inbox.
const maxResetMails = 5

func wrongLogin() error {
	return shop.Errorf(shop.Unauthorized, "the e-mail address or password is incorrect")
}

// Authenticate returns the member whose e-mail address and password these
// are, or Unauthorized with a message that does not say which was wrong.
// An unknown address costs the same Argon2 time as a known one, so the
// response time does not reveal who has an account. After too many
// failures for an address, or from the client address ip (edge's client
// address behind trusted proxies; "" when unknown), it returns TooMany
// without checking.
func (s *Service) Authenticate(ctx context.Context, email, password, ip string) (*Member, error) {
	email = normalizeEmail(email)
	if len(email) > 254 {
		// Not an address anyone registered; not worth a failure row.
		if err := s.passwords.Waste(ctx, password); err != nil {
			return nil, fmt.Errorf("authenticate: %w", err)
		}
		return nil, wrongLogin()
	}
	if throttled, err := s.throttled(ctx, ip); err != nil {
		return nil, err
	} else if throttled {
		return nil, shop.Errorf(shop.TooMany, "too many failed logins from this address; please try again later")
	}
	if locked, err := s.locked(ctx, email); err != nil {
		return nil, err
	} else if locked {
		return nil, shop.Errorf(shop.TooMany, "too many failed logins; please try again in %d minutes", int(lockDuration/time.Minute))
	}
	var hash string
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT id, password_hash FROM members WHERE email = $1`, email).Scan(&id, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		if err := s.passwords.Waste(ctx, password); err != nil {
			return nil, fmt.Errorf("authenticate: %w", err)
		}
		return nil, s.failed(ctx, email, ip)
	}
	if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	ok, err := s.passwords.Check(ctx, hash, password)
	if err != nil {
		return nil, fmt.Errorf("authenticate member %d: %w", id, err)
	}
	if !ok {
		return nil, s.failed(ctx, email, ip)
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM member_login_failures WHERE email = $1`, email); err != nil {
		return nil, fmt.Errorf("clear login failures: %w", err)
	}
	if s.passwords.NeedsRehash(hash) {
		if err := s.rehash(ctx, id, hash, password); err != nil {
			return nil, err
		}
	}
	return s.Get(ctx, id)
}

// rehash stores the password at today's cost, replacing a hash made with
// other parameters, unless the password changed meanwhile.
func (s *Service) rehash(ctx context.Context, id int64, old, password string) error {
	hash, err := s.passwords.Hash(ctx, password)
	if err != nil {
		return fmt.Errorf("rehash member %d: %w", id, err)
	}
	_, err = s.db.ExecContext(ctx, `UPDATE members SET password_hash = $1 WHERE id = $2 AND password_hash = $3`, hash, id, old)
	if err != nil {
		return fmt.Errorf("rehash member %d: %w", id, err)
	}
	return nil
}

// locked reports whether the last maxFailures failures for the address
// happened within failureWindow and the last is less than lockDuration ago.
// Refused attempts are not recorded, so once the lock has passed the
// address starts afresh.
func (s *Service) locked(ctx context.Context, email string) (bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT at FROM member_login_failures
		WHERE email = $1 ORDER BY at DESC LIMIT $2`, email, maxFailures)
	if err != nil {
		return false, fmt.Errorf("read login failures: %w", err)
	}
	defer rows.Close()
	var times []time.Time
	for rows.Next() {
		var at time.Time
		if err := rows.Scan(&at); err != nil {
			return false, fmt.Errorf("read login failures: %w", err)
		}
		times = append(times, at)
	}
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("read login failures: %w", err)
	}
	if len(times) < maxFailures {
		return false, nil
	}
	last, first := times[0], times[len(times)-1]
	return last.Sub(first) <= failureWindow && s.now().Sub(last) < lockDuration, nil
}

// throttled reports whether maxFailuresPerIP logins from ip failed within
// failureWindow. A refused attempt is not recorded, so the address is let
// through again once the window has slid past its failures.
func (s *Service) throttled(ctx context.Context, ip string) (bool, error) {
	if ip == "" {
		return false, nil
	}
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM member_login_failures WHERE ip = $1 AND at > $2`,
		ip, s.now().Add(-failureWindow)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("count login failures: %w", err)
	}
	return n >= maxFailuresPerIP, nil
}

// failed records a failed login and returns the error to show. Rows too
// old to matter are deleted on the way, which keeps the table small.
func (s *Service) failed(ctx context.Context, email, ip string) error {
	now := s.now()
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM member_login_failures WHERE at < $1`,
			now.Add(-failureWindow-lockDuration)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO member_login_failures (email, ip, at) VALUES ($1, $2, $3)`, email, ip, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("record login failure: %w", err)
	}
	return wrongLogin()
}

// RequestPasswordReset e-mails a one-hour reset link to the account with
// the address. It returns nil for an unknown address too, so that the form
// does not tell anyone which addresses have accounts. locale is the page's
// language; empty means the member's own.
func (s *Service) RequestPasswordReset(ctx context.Context, email, locale string) error {
	email = normalizeEmail(email)
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		m, err := getMember(ctx, tx, `email = $1`, email)
		if shop.ErrorCode(err) == shop.NotFound {
			return nil
		}
		if err != nil {
			return err
		}
		var recent int
		err = tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM member_tokens
			WHERE member_id = $1 AND purpose = $2 AND created_at > $3`,
			m.ID, purposeReset, s.now().Add(-resetTTL)).Scan(&recent)
		if err != nil {
			return fmt.Errorf("count reset mails: %w", err)
		}
		if recent >= maxResetMails {
			return nil // the earlier links still work
		}
		token, err := s.newToken(ctx, tx, m.ID, purposeReset, resetTTL)
		if err != nil {
			return err
		}
		if locale == "" {
			locale = m.Locale
		}
		return s.send(ctx, tx, m.Email, normalizeLocale(locale), "password_reset", mailData{
			Name: m.Name,
			Link: s.baseURL + "/account/reset?token=" + token,
		})
	})
}

// ResetPassword sets a new password with a token from a reset e-mail. The
// token is used up, every other reset link of the member stops working,
// and every session of the member is ended, so that whoever else knew the
// old password is logged out. An unusable token → Invalid on "token"; a
// bad password → Invalid on "password", and the token still works.
func (s *Service) ResetPassword(ctx context.Context, token, newPassword string) error {
	id, err := s.peekToken(ctx, token, purposeReset)
	if err != nil {
		return err
	}
	m, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	p := shop.Problems{}
	checkPassword(p, "password", newPassword, m.Email)
	if err := p.Err(); err != nil {
		return err
	}
	hash, err := s.passwords.Hash(ctx, newPassword)
	if err != nil {
		return fmt.Errorf("reset password: %w", err)
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		used, err := s.useToken(ctx, tx, token, purposeReset)
		if err != nil {
			return err
		}
		if used != id {
			return badToken()
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE member_tokens SET used_at = $1
			WHERE member_id = $2 AND purpose = $3 AND used_at IS NULL`, now, id, purposeReset); err != nil {
			return fmt.Errorf("revoke reset tokens: %w", err)
		}
		// The link reached the member's inbox: that proves the address as
		// well as a verification link would, and the owner, now known, need
		// not wait out a lock an attacker caused.
		if _, err := tx.ExecContext(ctx, `UPDATE members SET email_verified_at = $1
			WHERE id = $2 AND email_verified_at IS NULL`, now, id); err != nil {
			return fmt.Errorf("verify member %d: %w", id, err)
		}
		if err := s.changed(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM member_login_failures WHERE email = $1`, m.Email); err != nil {
			return fmt.Errorf("clear login failures: %w", err)
		}
		return s.setPassword(ctx, tx, m, hash)
	})
}

// ChangePassword replaces the logged-in member's password after checking
// the current one: a wrong one → Invalid on "current_password"; a bad new
// one → Invalid on "new_password". It ends every session of the member,
// as a reset does, so that whoever else knew the old password is logged
// out; the web layer then gives the member's own browser a new session.
func (s *Service) ChangePassword(ctx context.Context, memberID int64, current, newPassword string) error {
	m, err := s.Get(ctx, memberID)
	if err != nil {
		return err
	}
	var hash string
	if err := s.db.QueryRowContext(ctx, `SELECT password_hash FROM members WHERE id = $1`, memberID).Scan(&hash); err != nil {
		return fmt.Errorf("change password of member %d: %w", memberID, err)
	}
	p := shop.Problems{}
	ok, err := s.passwords.Check(ctx, hash, current)
	if err != nil {
		return fmt.Errorf("change password of member %d: %w", memberID, err)
	}
	if !ok {
		p.Add("current_password", shop.ReasonMismatch)
	}
	checkPassword(p, "new_password", newPassword, m.Email)
	if err := p.Err(); err != nil {
		return err
	}
	newHash, err := s.passwords.Hash(ctx, newPassword)
	if err != nil {
		return fmt.Errorf("change password of member %d: %w", memberID, err)
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		return s.setPassword(ctx, tx, m, newHash)
	})
}

// setPassword stores the hash, ends the member's sessions and tells the
// member by e-mail, so that a change they did not make does not go
// unnoticed.
func (s *Service) setPassword(ctx context.Context, tx *sql.Tx, m *Member, hash string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE members SET password_hash = $1 WHERE id = $2`, hash, m.ID); err != nil {
		return fmt.Errorf("set password of member %d: %w", m.ID, err)
	}
	if _, err := endMemberSessions(ctx, s.db, tx, m.ID); err != nil {
		return fmt.Errorf("end sessions of member %d: %w", m.ID, err)
	}
	return s.send(ctx, tx, m.Email, m.Locale, "password_changed", mailData{Name: m.Name})
}

package staff

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"kaede/internal/audit"
)

// BeginPasskeyLogin starts the passkey alternative to the code step of a
// login whose password was right (Authenticate's pendingID): it returns
// the options for navigator.credentials.get, as JSON. No passkey on the
// account → Conflict.
func (p *Passkeys) BeginPasskeyLogin(ctx context.Context, pendingID string) ([]byte, error) {
	s := p.s
	id, _, _, err := s.pendingLogin(ctx, pendingID)
	if err != nil {
		return nil, err
	}
	return p.beginAssertion(ctx, "login", pendingID, id)
}

// pendingLogin returns the account of a pending login still waiting for
// its second factor.
func (s *Service) pendingLogin(ctx context.Context, pendingID string) (id int64, email, ip string, err error) {
	if !validTokenForm(pendingID) {
		return 0, "", "", expiredLogin()
	}
	err = s.db.QueryRowContext(ctx, `SELECT p.staff_id, s.email, p.ip
		FROM staff_pending_logins p JOIN staff s ON s.id = p.staff_id
		WHERE p.token_hash = $1 AND p.expires_at > $2
		AND s.totp_confirmed_at IS NOT NULL AND s.disabled_at IS NULL`, hashToken(pendingID), s.now()).Scan(&id, &email, &ip)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", "", expiredLogin()
	}
	if err != nil {
		return 0, "", "", fmt.Errorf("read pending login: %w", err)
	}
	return id, email, ip, nil
}

// FinishPasskeyLogin completes a login with the browser's assertion
// (response, the JSON of the PublicKeyCredential) instead of a code, and
// returns the new session, like VerifySecondFactor: the same lock-out, the
// same check of the IP address, the same notice of a new address. A
// signature counter that went backwards (a cloned authenticator) refuses
// the login and is audited as "staff.passkey_clone_warning".
func (p *Passkeys) FinishPasskeyLogin(ctx context.Context, pendingID string, response []byte, ip, userAgent string) (*Session, error) {
	s := p.s
	ip = clip(ip, 64)
	now := s.now()
	id, email, pendingIP, err := s.pendingLogin(ctx, pendingID)
	if err != nil {
		return nil, err
	}
	if err := s.refuseIfLocked(ctx, email, ip, now); err != nil {
		return nil, err
	}
	if pendingIP != ip {
		if _, err := s.db.ExecContext(ctx, `DELETE FROM staff_pending_logins WHERE token_hash = $1`, hashToken(pendingID)); err != nil {
			return nil, fmt.Errorf("end pending login: %w", err)
		}
		return nil, s.fail(ctx, email, id, ip, "ip_changed")
	}
	var sess *Session
	reason := ""
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		ref, why, err := p.useAssertion(ctx, tx, "login", pendingID, id, email, ip, response)
		if err != nil || why != "" {
			reason = why
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM staff_pending_logins WHERE token_hash = $1`, hashToken(pendingID)); err != nil {
			return fmt.Errorf("end pending login: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM staff_login_locks WHERE email = $1`, email); err != nil {
			return fmt.Errorf("clear login failures: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE staff SET last_login_at = $1 WHERE id = $2`, now, id); err != nil {
			return fmt.Errorf("record login of staff %d: %w", id, err)
		}
		if sess, err = s.newSession(ctx, tx, id, ip, userAgent); err != nil {
			return err
		}
		if err := s.noteIP(ctx, tx, id, email, ip, userAgent); err != nil {
			return err
		}
		return s.record(ctx, tx, audit.Actor{Name: email, IP: ip}, "staff.login", target(id), nil, map[string]any{
			"method": "passkey", "passkey": ref, "session": sess.Ref, "user_agent": sess.UserAgent})
	})
	if err != nil {
		return nil, err
	}
	if sess == nil {
		return nil, s.failPasskey(ctx, email, id, ip, reason)
	}
	return sess, nil
}

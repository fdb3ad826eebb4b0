package staff

import (
	"context"
	"database/sql"
)

// BeginPasskeyReauth starts renewing a session's second factor with a
// passkey (the alternative to Reauthenticate's code): options for
// navigator.credentials.get, as JSON.
func (p *Passkeys) BeginPasskeyReauth(ctx context.Context, token, ip, userAgent string) ([]byte, error) {
	sess, _, err := p.s.Touch(ctx, token, ip, userAgent)
	if err != nil {
		return nil, err
	}
	return p.beginAssertion(ctx, "reauth", token, sess.StaffID)
}

// FinishPasskeyReauth renews the session's second factor with the
// browser's assertion, as Reauthenticate does with a code.
func (p *Passkeys) FinishPasskeyReauth(ctx context.Context, token string, response []byte, ip, userAgent string) (*Session, error) {
	s := p.s
	sess, m, err := s.Touch(ctx, token, ip, userAgent)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if err := s.refuseIfLocked(ctx, m.Email, sess.IP, now); err != nil {
		return nil, err
	}
	reason := ""
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		ref, why, err := p.useAssertion(ctx, tx, "reauth", token, m.ID, m.Email, sess.IP, response)
		if err != nil || why != "" {
			reason = why
			return err
		}
		return s.completeReauth(ctx, tx, sess, m, now, map[string]any{"method": "passkey", "passkey": ref})
	})
	if err != nil {
		return nil, err
	}
	if reason != "" {
		return nil, s.failPasskey(ctx, m.Email, m.ID, sess.IP, reason)
	}
	sess.SecondFactorAt = now
	return sess, nil
}

package staff

import (
	"context"
	"database/sql"
)

// BeginPasskeyLogin starts the passkey alternative to the code step of a
// login whose password was right (Authenticate's pendingID): it returns
// the options for navigator.credentials.get, as JSON. No passkey on the
// account → Conflict.
func (p *Passkeys) BeginPasskeyLogin(ctx context.Context, pendingID string) ([]byte, error) {
	pending, err := p.s.findPending(ctx, pendingID)
	if err != nil {
		return nil, err
	}
	return p.beginAssertion(ctx, "login", pendingID, pending.staffID)
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
	pending, err := s.findPending(ctx, pendingID)
	if err != nil {
		return nil, err
	}
	if err := s.checkPendingFrom(ctx, pending, ip, now); err != nil {
		return nil, err
	}
	var sess *Session
	reason := ""
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		ref, why, err := p.useAssertion(ctx, tx, "login", pendingID, pending.staffID, pending.email, ip, response)
		if err != nil || why != "" {
			reason = why
			return err
		}
		sess, err = s.completeLogin(ctx, tx, pending, ip, userAgent, now, map[string]any{"method": "passkey", "passkey": ref})
		return err
	})
	if err != nil {
		return nil, err
	}
	if sess == nil {
		return nil, s.failPasskey(ctx, pending.email, pending.staffID, ip, reason)
	}
	return sess, nil
}

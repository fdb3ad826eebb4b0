package staff

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"kaede/internal/audit"
	"kaede/internal/shop"
)

func badPasskey() error {
	return &shop.Error{Code: shop.Invalid, Message: "the passkey could not be checked; please try again",
		Fields: map[string]string{"passkey": shop.ReasonMismatch}}
}

// BeginPasskeyRegistration starts registering a passkey during enrolment,
// after Enrol has set the password: it returns the options for the
// browser's navigator.credentials.create, as JSON.
func (p *Passkeys) BeginPasskeyRegistration(ctx context.Context, enrolToken string) ([]byte, error) {
	s := p.s
	m, passwordHash, _, err := s.enrolling(ctx, enrolToken)
	if err != nil {
		return nil, err
	}
	if passwordHash == "" {
		return nil, shop.Errorf(shop.Conflict, "set a password first")
	}
	existing, err := s.passkeysOf(ctx, s.db, m.ID)
	if err != nil {
		return nil, err
	}
	user := passkeyUser{m: m, creds: credentials(existing)}
	creation, data, err := p.wa.BeginRegistration(user, webauthn.WithExclusions(user.descriptors()))
	if err != nil {
		return nil, fmt.Errorf("begin passkey registration of staff %d: %w", m.ID, err)
	}
	if err := s.saveChallenge(ctx, "register", enrolToken, m.ID, data); err != nil {
		return nil, err
	}
	return json.Marshal(creation)
}

// FinishPasskeyRegistration checks the browser's attestation (response,
// the JSON of the PublicKeyCredential) and completes enrolment with it,
// as ConfirmTOTP does with a code: the passkey is stored under name, the
// account becomes active, the token is used up and ten recovery codes are
// returned. The TOTP secret shown on the enrolment page was never
// confirmed, so it is replaced by one nobody knows: TOTP stays off for
// the account. A bad attestation → Invalid on "passkey"; the challenge is
// spent either way.
func (p *Passkeys) FinishPasskeyRegistration(ctx context.Context, enrolToken, name string, response []byte) ([]string, error) {
	s := p.s
	m, passwordHash, _, err := s.enrolling(ctx, enrolToken)
	if err != nil {
		return nil, err
	}
	if passwordHash == "" {
		return nil, shop.Errorf(shop.Conflict, "set a password first")
	}
	name = clip(strings.TrimSpace(name), maxPasskeyName)
	if name == "" {
		name = "passkey"
	}
	parsed, parseErr := protocol.ParseCredentialCreationResponseBytes(response)
	codes, err := newRecoveryCodes()
	if err != nil {
		return nil, err
	}
	unknown := make([]byte, 20)
	rand.Read(unknown)
	sealed, err := s.sealSecret(m.ID, base32NoPad(unknown))
	if err != nil {
		return nil, err
	}
	var refused error
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		data, err := s.takeChallenge(ctx, tx, "register", enrolToken, m.ID)
		if shop.ErrorCode(err) == shop.Unauthorized {
			refused = err
			return s.record(ctx, tx, audit.Actor{Name: m.Email}, "staff.passkey_register_failed", target(m.ID), nil,
				map[string]any{"reason": "challenge_expired"})
		}
		if err != nil {
			return err
		}
		existing, err := s.passkeysOf(ctx, tx, m.ID)
		if err != nil {
			return err
		}
		var cred *webauthn.Credential
		if parseErr == nil {
			cred, err = p.wa.CreateCredential(passkeyUser{m: m, creds: credentials(existing)}, *data, parsed)
		}
		if parseErr != nil || err != nil {
			refused = badPasskey()
			return s.record(ctx, tx, audit.Actor{Name: m.Email}, "staff.passkey_register_failed", target(m.ID), nil,
				map[string]any{"reason": passkeyReason(errors.Join(parseErr, err))})
		}
		now := s.now()
		res, err := tx.ExecContext(ctx, `UPDATE staff_enrolments SET used_at = $1
			WHERE token_hash = $2 AND staff_id = $3 AND used_at IS NULL AND expires_at > $1`, now, hashToken(enrolToken), m.ID)
		if err != nil {
			return fmt.Errorf("use enrolment of staff %d: %w", m.ID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return badToken()
		}
		res, err = tx.ExecContext(ctx, `UPDATE staff SET totp_confirmed_at = $1, totp_secret = $2
			WHERE id = $3 AND totp_confirmed_at IS NULL`, now, sealed, m.ID)
		if err != nil {
			return fmt.Errorf("confirm passkey of staff %d: %w", m.ID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return shop.Errorf(shop.Conflict, "the enrolment changed meanwhile; please start again")
		}
		ref, err := s.insertPasskey(ctx, tx, m.ID, name, cred)
		if err != nil {
			return err
		}
		if err := s.storeRecoveryCodes(ctx, tx, m.ID, codes); err != nil {
			return err
		}
		if err := s.record(ctx, tx, audit.Actor{Name: m.Email}, "staff.passkey_register", target(m.ID), nil,
			map[string]any{"passkey": ref, "name": name}); err != nil {
			return err
		}
		after := viewOf(m)
		after.Enrolled = true
		return s.record(ctx, tx, audit.Actor{Name: m.Email}, "staff.enrol", target(m.ID), viewOf(m),
			map[string]any{"account": after, "method": "passkey"})
	})
	if err != nil {
		return nil, err
	}
	if refused != nil {
		return nil, refused
	}
	return codes, nil
}

func base32NoPad(b []byte) string { return strings.ToUpper(recoveryEncoding.EncodeToString(b)) }

// insertPasskey stores a new credential and returns its row id.
func (s *Service) insertPasskey(ctx context.Context, tx *sql.Tx, staffID int64, name string, c *webauthn.Credential) (int64, error) {
	transports := make([]string, len(c.Transport))
	for i, t := range c.Transport {
		transports[i] = string(t)
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO staff_passkeys (staff_id, credential_id, public_key, sign_count,
		transports, user_verified, backup_eligible, backup_state, aaguid, name, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		staffID, b64.EncodeToString(c.ID), b64.EncodeToString(c.PublicKey), int64(c.Authenticator.SignCount),
		strings.Join(transports, ","), c.Flags.UserVerified, c.Flags.BackupEligible, c.Flags.BackupState,
		b64.EncodeToString(c.Authenticator.AAGUID), name, s.now()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store passkey of staff %d: %w", staffID, err)
	}
	return id, nil
}

package staff

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"kaede/internal/audit"
	"kaede/internal/shop"
)

// challengeTTL is how long a WebAuthn ceremony may take: the same five
// minutes as the step between password and second factor.
const challengeTTL = 5 * time.Minute

// maxPasskeyName bounds the label staff give a passkey.
const maxPasskeyName = 60

// Passkeys is the WebAuthn side of the staff service for one relying
// party: the admin's origin. The admin builds it from its base URL, so that
// the staff service needs no HTTP configuration.
type Passkeys struct {
	s  *Service
	wa *webauthn.WebAuthn
}

// Passkeys returns the passkey ceremonies for the admin at origin
// ("https://admin.example.jp"): the RP ID is its host name.
func (s *Service) Passkeys(origin string) (*Passkeys, error) {
	u, err := url.Parse(origin)
	if err != nil || u.Hostname() == "" {
		return nil, fmt.Errorf("staff: passkey origin %q is not a URL", origin)
	}
	wa, err := webauthn.New(&webauthn.Config{
		RPID:          u.Hostname(),
		RPDisplayName: "Kaede admin",
		RPOrigins:     []string{u.Scheme + "://" + u.Host},
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey:      protocol.ResidentKeyRequirementDiscouraged,
			UserVerification: protocol.VerificationPreferred,
		},
		AttestationPreference: protocol.PreferNoAttestation,
	})
	if err != nil {
		return nil, fmt.Errorf("staff: passkeys: %w", err)
	}
	return &Passkeys{s: s, wa: wa}, nil
}

// passkeyUser is an account as the WebAuthn library sees it.
type passkeyUser struct {
	m     *Staff
	creds []webauthn.Credential
}

// WebAuthnID is an opaque handle, not the e-mail address: the spec asks
// for no personal data in it.
func (u passkeyUser) WebAuthnID() []byte {
	return []byte("kaede-staff-" + strconv.FormatInt(u.m.ID, 10))
}
func (u passkeyUser) WebAuthnName() string                       { return u.m.Email }
func (u passkeyUser) WebAuthnDisplayName() string                { return u.m.Email }
func (u passkeyUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

func (u passkeyUser) descriptors() []protocol.CredentialDescriptor {
	out := make([]protocol.CredentialDescriptor, len(u.creds))
	for i, c := range u.creds {
		out[i] = c.Descriptor()
	}
	return out
}

// storedPasskey is a credential row with its id, for updates.
type storedPasskey struct {
	id   int64
	cred webauthn.Credential
}

var b64 = base64.RawURLEncoding

// passkeysOf reads the account's credentials.
func (s *Service) passkeysOf(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, staffID int64) ([]storedPasskey, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, credential_id, public_key, sign_count, transports,
		user_verified, backup_eligible, backup_state, aaguid
		FROM staff_passkeys WHERE staff_id = $1 ORDER BY id`, staffID)
	if err != nil {
		return nil, fmt.Errorf("read passkeys of staff %d: %w", staffID, err)
	}
	defer rows.Close()
	var out []storedPasskey
	for rows.Next() {
		var p storedPasskey
		var id, key, transports, aaguid string
		var count int64
		if err := rows.Scan(&p.id, &id, &key, &count, &transports, &p.cred.Flags.UserVerified,
			&p.cred.Flags.BackupEligible, &p.cred.Flags.BackupState, &aaguid); err != nil {
			return nil, fmt.Errorf("read passkeys of staff %d: %w", staffID, err)
		}
		c := &p.cred
		c.Flags.UserPresent = true
		c.Authenticator.SignCount = uint32(count)
		var errs [3]error
		c.ID, errs[0] = b64.DecodeString(id)
		c.PublicKey, errs[1] = b64.DecodeString(key)
		c.Authenticator.AAGUID, errs[2] = b64.DecodeString(aaguid)
		if err := errors.Join(errs[:]...); err != nil {
			return nil, fmt.Errorf("passkey %d of staff %d is damaged: %w", p.id, staffID, err)
		}
		for t := range strings.SplitSeq(transports, ",") {
			if t != "" {
				c.Transport = append(c.Transport, protocol.AuthenticatorTransport(t))
			}
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read passkeys of staff %d: %w", staffID, err)
	}
	return out, nil
}

func credentials(ps []storedPasskey) []webauthn.Credential {
	out := make([]webauthn.Credential, len(ps))
	for i, p := range ps {
		out[i] = p.cred
	}
	return out
}

// saveChallenge keeps a ceremony's session data for its token, replacing
// an earlier one for the same token (a button pressed twice).
func (s *Service) saveChallenge(ctx context.Context, purpose, token string, staffID int64, data *webauthn.SessionData) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("store WebAuthn challenge: %w", err)
	}
	now := s.now()
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM staff_webauthn_challenges
			WHERE (purpose = $1 AND token_hash = $2) OR expires_at <= $3`, purpose, hashToken(token), now); err != nil {
			return fmt.Errorf("store WebAuthn challenge: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO staff_webauthn_challenges (purpose, token_hash, staff_id, data, expires_at)
			VALUES ($1, $2, $3, $4, $5)`, purpose, hashToken(token), staffID, string(raw), now.Add(challengeTTL)); err != nil {
			return fmt.Errorf("store WebAuthn challenge: %w", err)
		}
		return nil
	})
}

// takeChallenge removes and returns the ceremony's session data inside tx:
// a challenge answers once, whatever the outcome. Missing or expired →
// Unauthorized.
func (s *Service) takeChallenge(ctx context.Context, tx *sql.Tx, purpose, token string, staffID int64) (*webauthn.SessionData, error) {
	var raw string
	var expires time.Time
	err := tx.QueryRowContext(ctx, `DELETE FROM staff_webauthn_challenges
		WHERE purpose = $1 AND token_hash = $2 AND staff_id = $3 RETURNING data, expires_at`,
		purpose, hashToken(token), staffID).Scan(&raw, &expires)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !expires.After(s.now())) {
		return nil, shop.Errorf(shop.Unauthorized, "the passkey request has expired; please try again")
	}
	if err != nil {
		return nil, fmt.Errorf("read WebAuthn challenge: %w", err)
	}
	var data webauthn.SessionData
	if err := json.Unmarshal([]byte(raw), &data); err != nil {
		return nil, fmt.Errorf("read WebAuthn challenge: %w", err)
	}
	return &data, nil
}

// passkeyReason is what the audit log keeps of a refused ceremony: the
// library's short description, no key material.
func passkeyReason(err error) string {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		return clip(pe.Type+": "+pe.Details, 200)
	}
	return clip(err.Error(), 200)
}

func (p *Passkeys) beginAssertion(ctx context.Context, purpose, token string, staffID int64) ([]byte, error) {
	s := p.s
	m, err := s.Get(ctx, staffID)
	if err != nil {
		return nil, err
	}
	stored, err := s.passkeysOf(ctx, s.db, staffID)
	if err != nil {
		return nil, err
	}
	if len(stored) == 0 {
		return nil, shop.Errorf(shop.Conflict, "this account has no passkey; use the code from your authenticator")
	}
	assertion, data, err := p.wa.BeginLogin(passkeyUser{m: m, creds: credentials(stored)})
	if err != nil {
		return nil, fmt.Errorf("begin passkey %s of staff %d: %w", purpose, staffID, err)
	}
	if err := s.saveChallenge(ctx, purpose, token, staffID, data); err != nil {
		return nil, err
	}
	return json.Marshal(assertion)
}

// failPasskey audits a refused assertion and counts it towards the
// lock-out like a wrong code.
func (s *Service) failPasskey(ctx context.Context, email string, id int64, ip, reason string) error {
	action := "staff.passkey_failed"
	if reason == "sign_count" {
		action = "staff.passkey_clone_warning"
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		return s.record(ctx, tx, audit.Actor{Name: email, IP: ip}, action, target(id), nil, map[string]any{"reason": reason})
	})
	if err != nil {
		return err
	}
	return s.fail(ctx, email, id, ip, "passkey")
}

// useAssertion spends the ceremony's challenge and checks the assertion
// inside tx. It returns the passkey's row id, or a reason ("" on success)
// why the assertion is refused. On success the signature counter and the
// time of use are stored.
func (p *Passkeys) useAssertion(ctx context.Context, tx *sql.Tx, purpose, token string, staffID int64, email, ip string, response []byte) (ref int64, reason string, err error) {
	s := p.s
	data, err := s.takeChallenge(ctx, tx, purpose, token, staffID)
	if shop.ErrorCode(err) == shop.Unauthorized {
		return 0, "challenge_expired", nil
	}
	if err != nil {
		return 0, "", err
	}
	m, err := s.getStaff(ctx, tx, staffID, false)
	if err != nil {
		return 0, "", err
	}
	stored, err := s.passkeysOf(ctx, tx, staffID)
	if err != nil {
		return 0, "", err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	if err != nil {
		return 0, passkeyReason(err), nil
	}
	cred, err := p.wa.ValidateLogin(passkeyUser{m: m, creds: credentials(stored)}, *data, parsed)
	if err != nil {
		return 0, passkeyReason(err), nil
	}
	var used *storedPasskey
	for i := range stored {
		if bytes.Equal(stored[i].cred.ID, cred.ID) {
			used = &stored[i]
		}
	}
	if used == nil {
		return 0, "unknown_credential", nil
	}
	if cred.Authenticator.CloneWarning {
		return used.id, "sign_count", nil
	}
	// The counter must still be the one checked: two assertions racing
	// with the same count cannot both pass.
	res, err := tx.ExecContext(ctx, `UPDATE staff_passkeys SET sign_count = $1, last_used_at = $2
		WHERE id = $3 AND sign_count = $4`, int64(cred.Authenticator.SignCount), s.now(), used.id, int64(used.cred.Authenticator.SignCount))
	if err != nil {
		return 0, "", fmt.Errorf("record use of passkey %d: %w", used.id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return used.id, "sign_count", err
	}
	if err := s.record(ctx, tx, audit.Actor{Name: email, IP: ip}, "staff.passkey_use", target(staffID), nil,
		map[string]any{"passkey": used.id, "purpose": purpose}); err != nil {
		return 0, "", err
	}
	return used.id, "", nil
}

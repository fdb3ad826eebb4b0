package staff

import (
	"bytes"
	"context"
	"crypto/rand"
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

// passkeyReason is what the audit log keeps of a refused ceremony: the
// library's short description, no key material.
func passkeyReason(err error) string {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		return clip(pe.Type+": "+pe.Details, 200)
	}
	return clip(err.Error(), 200)
}

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
		if _, err := tx.ExecContext(ctx, `UPDATE staff_sessions SET second_factor_at = $1 WHERE id = $2`, now, sess.Ref); err != nil {
			return fmt.Errorf("renew second factor: %w", err)
		}
		return s.record(ctx, tx, audit.Actor{Name: m.Email, IP: sess.IP}, "staff.reauthenticate", target(m.ID), nil,
			map[string]any{"session": sess.Ref, "method": "passkey", "passkey": ref})
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

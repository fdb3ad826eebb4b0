package staff

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"kaede/internal/audit"
	kpassword "kaede/internal/password"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

const (
	enrolTTL      = 72 * time.Hour
	tokenBytes    = 32 // 256 bits: enrolment, pending-login and session tokens
	recoveryCount = 10
	recoveryBytes = 10 // 80 bits…
	recoveryChars = 16 // …in base32
)

// Password length limits for staff: longer than customers' (the admin
// screens are worth more to an attacker), and bounded so that a request
// cannot make the server hash megabytes.
const (
	MinPassword = 12
	MaxPassword = 128
)

// Enrolment is what the enrolment page shows once: the TOTP secret (for
// typing in), the otpauth:// URL and the same URL as a QR code (PNG).
type Enrolment struct {
	Secret string
	URL    string
	QRPNG  []byte
}

// hashToken is what the database keeps of a token, so that a copy of it
// gives nobody a working link, login or session.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func newToken() (string, error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("new token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// validTokenForm reports whether token looks like one newToken makes, so
// that junk never reaches the database.
func validTokenForm(token string) bool {
	b, err := base64.RawURLEncoding.Strict().DecodeString(token)
	return err == nil && len(b) == tokenBytes
}

func badToken() error {
	return &shop.Error{Code: shop.Invalid, Message: "this enrolment link is invalid or has expired",
		Fields: map[string]string{"token": shop.ReasonFormat}}
}

// newEnrolment stores a fresh enrolment token for the account; earlier
// ones stop working, so that only the latest one handed out is valid.
func (s *Service) newEnrolment(ctx context.Context, tx *sql.Tx, id int64) (string, error) {
	token, err := newToken()
	if err != nil {
		return "", err
	}
	now := s.now()
	if _, err := tx.ExecContext(ctx, `UPDATE staff_enrolments SET used_at = $1 WHERE staff_id = $2 AND used_at IS NULL`, now, id); err != nil {
		return "", fmt.Errorf("revoke enrolments of staff %d: %w", id, err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO staff_enrolments (token_hash, staff_id, created_at, expires_at)
		VALUES ($1, $2, $3, $4)`, hashToken(token), id, now, now.Add(enrolTTL))
	if err != nil {
		return "", fmt.Errorf("store enrolment of staff %d: %w", id, err)
	}
	return token, nil
}

// enrolling returns the account of a usable enrolment token, with its
// stored password hash and sealed TOTP secret.
func (s *Service) enrolling(ctx context.Context, token string) (m *Staff, passwordHash, sealed string, err error) {
	if !validTokenForm(token) {
		return nil, "", "", badToken()
	}
	var id int64
	err = s.db.QueryRowContext(ctx, `SELECT e.staff_id, s.password_hash, s.totp_secret
		FROM staff_enrolments e JOIN staff s ON s.id = e.staff_id
		WHERE e.token_hash = $1 AND e.used_at IS NULL AND e.expires_at > $2
		AND s.totp_confirmed_at IS NULL AND s.disabled_at IS NULL`,
		hashToken(token), s.now()).Scan(&id, &passwordHash, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", "", badToken()
	}
	if err != nil {
		return nil, "", "", fmt.Errorf("look up enrolment: %w", err)
	}
	if m, err = s.Get(ctx, id); err != nil {
		return nil, "", "", err
	}
	return m, passwordHash, sealed, nil
}

// checkPassword applies the staff password policy: a length, not the
// e-mail address, not a common password.
func checkPassword(password, email string) error {
	p := shop.Problems{}
	n := utf8.RuneCountInString(password)
	switch {
	case password == "":
		p.Add("password", shop.ReasonRequired)
	case !utf8.ValidString(password):
		p.Add("password", shop.ReasonFormat)
	case n < MinPassword || n > MaxPassword:
		p.Add("password", shop.ReasonLength)
	case strings.EqualFold(password, email):
		p.Add("password", shop.ReasonFormat)
	case kpassword.Common(password):
		p.Add("password", shop.ReasonCommon)
	}
	return p.Err()
}

// Enrol is the first step of enrolment: it sets the password of the
// token's account and gives it a new TOTP secret, to be confirmed with
// ConfirmTOTP. Once a password is set, the link alone cannot start over:
// a repeat (a page reloaded, a QR code not scanned) must give the same
// password, and then only the secret is replaced. Otherwise whoever saw
// the link after the member of staff used it (a shared mailbox, a
// browser history) could set their own password and authenticator on
// an account about to be activated. A wrong password → Invalid on
// "password" with ReasonMismatch.
func (s *Service) Enrol(ctx context.Context, token, password string) (*Enrolment, error) {
	m, stored, _, err := s.enrolling(ctx, token)
	if err != nil {
		return nil, err
	}
	var hash string
	if stored != "" {
		ok, err := s.passwords.Check(ctx, stored, password)
		if err != nil {
			return nil, fmt.Errorf("enrol staff %d: %w", m.ID, err)
		}
		if !ok {
			return nil, shop.Problems{"password": shop.ReasonMismatch}.Err()
		}
		hash = stored
	} else {
		if err := checkPassword(password, m.Email); err != nil {
			return nil, err
		}
		if hash, err = s.passwords.Hash(ctx, password); err != nil {
			return nil, fmt.Errorf("enrol staff %d: %w", m.ID, err)
		}
	}
	st, err := settings.Load(ctx, s.db)
	if err != nil {
		return nil, fmt.Errorf("enrol staff %d: %w", m.ID, err)
	}
	// The issuer names the account in the authenticator app; a colon
	// would end it early in the otpauth label.
	issuer := strings.ReplaceAll(st.ShopName, ":", " ")
	if strings.TrimSpace(issuer) == "" {
		issuer = "Kaede"
	}
	key, err := newTOTPKey(issuer+" admin", m.Email)
	if err != nil {
		return nil, err
	}
	sealed, err := s.sealSecret(m.ID, key.Secret())
	if err != nil {
		return nil, err
	}
	png, err := qrPNG(key)
	if err != nil {
		return nil, err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE staff SET password_hash = $1, totp_secret = $2, totp_last_step = 0
			WHERE id = $3 AND totp_confirmed_at IS NULL AND disabled_at IS NULL AND EXISTS (
				SELECT 1 FROM staff_enrolments
				WHERE token_hash = $4 AND staff_id = $3 AND used_at IS NULL AND expires_at > $5)`,
			hash, sealed, m.ID, hashToken(token), s.now())
		if err != nil {
			return fmt.Errorf("enrol staff %d: %w", m.ID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return badToken()
		}
		return s.record(ctx, tx, audit.Actor{Name: m.Email}, "staff.enrol_password", target(m.ID), nil, nil)
	})
	if err != nil {
		return nil, err
	}
	return &Enrolment{Secret: key.Secret(), URL: key.URL(), QRPNG: png}, nil
}

// ConfirmTOTP is the second step of enrolment: a code from the new
// authenticator proves it works. The account becomes active, the token is
// used up, and ten single-use recovery codes are returned, to be shown once
// and kept by the member of staff somewhere safe. A wrong code → Invalid
// on "code", and the token still works.
func (s *Service) ConfirmTOTP(ctx context.Context, token, code string) ([]string, error) {
	m, passwordHash, sealed, err := s.enrolling(ctx, token)
	if err != nil {
		return nil, err
	}
	if passwordHash == "" || sealed == "" {
		return nil, shop.Errorf(shop.Conflict, "set a password and scan the QR code first")
	}
	secret, err := s.openSecret(m.ID, sealed)
	if err != nil {
		return nil, err
	}
	step, ok := matchTOTP(secret, normalizeCode(code), s.now())
	if !ok {
		return nil, &shop.Error{Code: shop.Invalid, Message: "the code is not correct; check the authenticator's time",
			Fields: map[string]string{"code": shop.ReasonMismatch}}
	}
	codes, err := newRecoveryCodes()
	if err != nil {
		return nil, err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		res, err := tx.ExecContext(ctx, `UPDATE staff_enrolments SET used_at = $1
			WHERE token_hash = $2 AND staff_id = $3 AND used_at IS NULL AND expires_at > $1`, now, hashToken(token), m.ID)
		if err != nil {
			return fmt.Errorf("use enrolment of staff %d: %w", m.ID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return badToken()
		}
		// The secret must still be the one the code was checked against:
		// Enrol may have replaced it meanwhile.
		res, err = tx.ExecContext(ctx, `UPDATE staff SET totp_confirmed_at = $1, totp_last_step = $2
			WHERE id = $3 AND totp_secret = $4 AND totp_confirmed_at IS NULL`, now, step, m.ID, sealed)
		if err != nil {
			return fmt.Errorf("confirm TOTP of staff %d: %w", m.ID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return shop.Errorf(shop.Conflict, "the enrolment changed meanwhile; please start again")
		}
		if err := s.storeRecoveryCodes(ctx, tx, m.ID, codes); err != nil {
			return err
		}
		after := viewOf(m)
		after.Enrolled = true
		return s.record(ctx, tx, audit.Actor{Name: m.Email}, "staff.enrol", target(m.ID), viewOf(m), after)
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

var recoveryEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newRecoveryCodes returns recoveryCount codes shaped "abcd-efgh-ijkl-mnop".
func newRecoveryCodes() ([]string, error) {
	codes := make([]string, recoveryCount)
	for i := range codes {
		b := make([]byte, recoveryBytes)
		if _, err := rand.Read(b); err != nil {
			return nil, fmt.Errorf("new recovery code: %w", err)
		}
		c := recoveryEncoding.EncodeToString(b)
		codes[i] = c[0:4] + "-" + c[4:8] + "-" + c[8:12] + "-" + c[12:16]
	}
	return codes, nil
}

// normalizeCode removes what people type between the characters of a code
// (spaces, hyphens, full-width forms from a Japanese IME) and lower-cases.
func normalizeCode(code string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(code) {
		switch {
		case r >= '０' && r <= '９':
			b.WriteRune(r - '０' + '0')
		case r >= 'ａ' && r <= 'ｚ':
			b.WriteRune(r - 'ａ' + 'a')
		case r >= 'Ａ' && r <= 'Ｚ':
			b.WriteRune(r - 'Ａ' + 'a')
		case r == ' ' || r == '-' || r == '　' || r == '－' || r == '‐':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// hashRecoveryCode hashes a normalised code; 80 random bits need no slow
// hash.
func hashRecoveryCode(code string) string { return hashToken("recovery:" + code) }

// storeRecoveryCodes replaces the account's recovery codes.
func (s *Service) storeRecoveryCodes(ctx context.Context, tx *sql.Tx, id int64, codes []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM staff_recovery_codes WHERE staff_id = $1`, id); err != nil {
		return fmt.Errorf("replace recovery codes of staff %d: %w", id, err)
	}
	for _, c := range codes {
		if _, err := tx.ExecContext(ctx, `INSERT INTO staff_recovery_codes (staff_id, code_hash) VALUES ($1, $2)`,
			id, hashRecoveryCode(normalizeCode(c))); err != nil {
			return fmt.Errorf("store recovery code of staff %d: %w", id, err)
		}
	}
	return nil
}

package member

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"kaede/internal/settings"
	"kaede/internal/shop"
)

// Purposes of the one-time tokens sent by e-mail, and how long each lasts.
const (
	purposeVerify = "verify"
	purposeReset  = "reset"

	verifyTTL = 24 * time.Hour
	resetTTL  = time.Hour
)

// tokenBytes is the entropy of a token: 256 bits, far beyond guessing.
const tokenBytes = 32

// hashToken is what the database keeps: a copy of member_tokens then gives
// nobody a working link.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// newToken stores a fresh token for the member and returns it for the
// e-mail's link.
func (s *Service) newToken(ctx context.Context, tx *sql.Tx, memberID int64, purpose string, ttl time.Duration) (string, error) {
	token, err := randomToken()
	if err != nil {
		return "", fmt.Errorf("new %s token: %w", purpose, err)
	}
	now := s.now()
	_, err = tx.ExecContext(ctx, `INSERT INTO member_tokens (token_hash, member_id, purpose, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5)`, hashToken(token), memberID, purpose, now, now.Add(ttl))
	if err != nil {
		return "", fmt.Errorf("store %s token: %w", purpose, err)
	}
	return token, nil
}

// randomToken returns tokenBytes of randomness for a link, base64url.
func randomToken() (string, error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func badToken() error {
	return &shop.Error{Code: shop.Invalid, Message: "this link is invalid or has expired",
		Fields: map[string]string{"token": shop.ReasonFormat}}
}

// validTokenForm reports whether token looks like one newToken makes, so
// that junk never reaches the database.
func validTokenForm(token string) bool {
	b, err := base64.RawURLEncoding.Strict().DecodeString(token)
	return err == nil && len(b) == tokenBytes
}

// useToken marks an unused, unexpired token as used and returns its member.
// The check and the mark are one UPDATE, so a token works exactly once
// even when two requests bring it at the same moment.
func (s *Service) useToken(ctx context.Context, tx *sql.Tx, token, purpose string) (int64, error) {
	if !validTokenForm(token) {
		return 0, badToken()
	}
	now := s.now()
	var memberID int64
	err := tx.QueryRowContext(ctx, `UPDATE member_tokens SET used_at = $1
		WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1
		RETURNING member_id`, now, hashToken(token), purpose).Scan(&memberID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, badToken()
	}
	if err != nil {
		return 0, fmt.Errorf("use %s token: %w", purpose, err)
	}
	return memberID, nil
}

// peekToken returns the member of a usable token without using it up, so
// that a new password can be checked and hashed before the transaction
// that spends the token.
func (s *Service) peekToken(ctx context.Context, token, purpose string) (int64, error) {
	if !validTokenForm(token) {
		return 0, badToken()
	}
	var memberID int64
	err := s.db.QueryRowContext(ctx, `SELECT member_id FROM member_tokens
		WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3`,
		hashToken(token), purpose, s.now()).Scan(&memberID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, badToken()
	}
	if err != nil {
		return 0, fmt.Errorf("look up %s token: %w", purpose, err)
	}
	return memberID, nil
}

// Prune deletes e-mailed tokens (settings.Retention.EmailLinkDays) and
// customer sessions (SessionDays) that expired longer ago than the shop's
// retention period for them, and returns how many rows it deleted. A
// periodic job calls it.
func (s *Service) Prune(ctx context.Context, now time.Time) (int64, error) {
	set, err := settings.Load(ctx, s.db)
	if err != nil {
		return 0, fmt.Errorf("prune tokens and sessions: %w", err)
	}
	var n int64
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, p := range []struct {
			what, query string
			days        int
		}{
			{"member tokens", `DELETE FROM member_tokens WHERE expires_at < $1`, set.Retention.EmailLinkDays},
			{"e-mail changes", `DELETE FROM member_email_changes WHERE expires_at < $1`, set.Retention.EmailLinkDays},
			{"customer sessions", `DELETE FROM sessions WHERE expires_at < $1`, set.Retention.SessionDays},
		} {
			res, err := tx.ExecContext(ctx, p.query, now.UTC().AddDate(0, 0, -p.days))
			if err != nil {
				return fmt.Errorf("prune %s: %w", p.what, err)
			}
			deleted, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("prune %s: %w", p.what, err)
			}
			n += deleted
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

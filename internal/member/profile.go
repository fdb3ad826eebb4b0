package member

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"kaede/internal/db"
	"kaede/internal/settings"
	"kaede/internal/shop"
	"kaede/internal/throttle"
)

// emailChangeTTL is how long the link to a new address works.
const emailChangeTTL = 24 * time.Hour

// ProfileInput is what my page lets a member change directly: the name
// and the phone number. The e-mail address goes through RequestEmailChange.
type ProfileInput struct {
	Name     string
	NameKana string
	Phone    string // optional
}

// validate normalises in as registration does and reports every bad field.
func (in ProfileInput) validate() (ProfileInput, error) {
	reg, err := RegisterInput{Name: in.Name, NameKana: in.NameKana, Phone: in.Phone}.validate()
	out := ProfileInput{Name: reg.Name, NameKana: reg.NameKana, Phone: reg.Phone}
	var se *shop.Error
	if errors.As(err, &se) {
		// Registration's own fields (e-mail, password) are not on this form.
		p := shop.Problems{}
		for _, f := range []string{"name", "name_kana", "phone"} {
			if reason, ok := se.Fields[f]; ok {
				p.Add(f, reason)
			}
		}
		return out, p.Err()
	}
	return out, err
}

// UpdateProfile changes the member's name, its reading and phone number.
// Bad fields → Invalid naming them; nothing is written then.
func (s *Service) UpdateProfile(ctx context.Context, memberID int64, in ProfileInput) error {
	in, err := in.validate()
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE members SET name = $1, name_kana = $2, phone = $3
			WHERE id = $4 AND closed_at IS NULL`, in.Name, in.NameKana, in.Phone, memberID)
		if err != nil {
			return fmt.Errorf("update profile of member %d: %w", memberID, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("update profile of member %d: %w", memberID, err)
		} else if n == 0 {
			return shop.Errorf(shop.NotFound, "no such member")
		}
		return s.changed(ctx, tx)
	})
}

// RequestEmailChange starts moving the member's account to newEmail once
// the current password is checked: a link goes to the new address, and
// the address changes only when it is opened (ConfirmEmailChange). An
// address that already has an account gets the "email_change_taken"
// e-mail instead and nil is returned all the same, as Register does, so
// that the form does not tell a member who else has an account. Bad
// fields → Invalid on "email" or "current_password". Requests count
// against the verification resend limits per account and per client
// address (addr; "" for the account's only), wrong passwords included, so
// that the form neither floods inboxes nor serves to guess the password:
// past them, shop.TooMany with RetryAfter.
func (s *Service) RequestEmailChange(ctx context.Context, memberID int64, newEmail, current, addr string) error {
	m, err := s.Get(ctx, memberID)
	if err != nil {
		return err
	}
	st, err := settings.Load(ctx, s.db)
	if err != nil {
		return err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		return throttle.New(s.db).Take(ctx, tx, s.clock(), "too many e-mail changes; please wait a while",
			linkLimits(st, "email_change", m.ID, addr)...)
	})
	if err != nil {
		return err
	}
	newEmail = normalizeEmail(newEmail)
	p := shop.Problems{}
	checkEmail(p, "email", newEmail)
	if newEmail == m.Email {
		p.Add("email", shop.ReasonTaken)
	}
	var hash string
	if err := s.db.QueryRowContext(ctx, `SELECT password_hash FROM members WHERE id = $1`, memberID).Scan(&hash); err != nil {
		return fmt.Errorf("e-mail change of member %d: %w", memberID, err)
	}
	if ok, err := s.passwords.Check(ctx, hash, current); err != nil {
		return fmt.Errorf("e-mail change of member %d: %w", memberID, err)
	} else if !ok {
		p.Add("current_password", shop.ReasonMismatch)
	}
	if err := p.Err(); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		owner, err := getMember(ctx, tx, `email = $1`, newEmail)
		if err == nil {
			return s.send(ctx, tx, owner.Email, owner.Locale, "email_change_taken", mailData{Name: owner.Name})
		}
		if shop.ErrorCode(err) != shop.NotFound {
			return fmt.Errorf("check e-mail: %w", err)
		}
		// A newer request replaces the older ones: only the last link works.
		if _, err := tx.ExecContext(ctx, `DELETE FROM member_email_changes WHERE member_id = $1`, memberID); err != nil {
			return fmt.Errorf("e-mail change of member %d: %w", memberID, err)
		}
		token, err := randomToken()
		if err != nil {
			return fmt.Errorf("e-mail change token: %w", err)
		}
		now := s.now()
		_, err = tx.ExecContext(ctx, `INSERT INTO member_email_changes (token_hash, member_id, new_email, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5)`, hashToken(token), memberID, newEmail, now, now.Add(emailChangeTTL))
		if err != nil {
			return fmt.Errorf("store e-mail change of member %d: %w", memberID, err)
		}
		return s.send(ctx, tx, newEmail, m.Locale, "email_change", mailData{
			Name: m.Name,
			Link: s.baseURL + "/account/email/confirm?token=" + token,
		})
	})
}

// ErrEmailTaken is ConfirmEmailChange's answer when, between the request
// and the click, another account took the address. Whoever clicks has
// shown they read that address's mail, so telling them is no leak.
var ErrEmailTaken = &shop.Error{Code: shop.Conflict, Message: "this e-mail address is already registered",
	Fields: map[string]string{"email": shop.ReasonTaken}}

// ConfirmEmailChange applies the change the token's link was sent for:
// the account takes the new address, verified (the link reached it), and
// the old address is told. A token works once and for 24 hours; any other
// → Invalid on "token".
func (s *Service) ConfirmEmailChange(ctx context.Context, token string) (*Member, error) {
	if !validTokenForm(token) {
		return nil, badToken()
	}
	var m *Member
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		var id int64
		var newEmail string
		err := tx.QueryRowContext(ctx, `UPDATE member_email_changes SET used_at = $1
			WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1
			RETURNING member_id, new_email`, now, hashToken(token)).Scan(&id, &newEmail)
		if errors.Is(err, sql.ErrNoRows) {
			return badToken()
		}
		if err != nil {
			return fmt.Errorf("use e-mail change token: %w", err)
		}
		old, err := getMember(ctx, tx, `id = $1 AND closed_at IS NULL`, id)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE members SET email = $1, email_verified_at = $2 WHERE id = $3`, newEmail, now, id)
		if db.IsUniqueViolation(err) {
			return ErrEmailTaken
		}
		if err != nil {
			return fmt.Errorf("change e-mail of member %d: %w", id, err)
		}
		if err := s.changed(ctx, tx); err != nil {
			return err
		}
		if m, err = getMember(ctx, tx, `id = $1`, id); err != nil {
			return err
		}
		return s.send(ctx, tx, old.Email, old.Locale, "email_changed", mailData{Name: old.Name})
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// PendingEmail returns the address a member asked to move to and has not
// confirmed yet, or "" when there is none, for my page to show.
func (s *Service) PendingEmail(ctx context.Context, memberID int64) (string, error) {
	var email string
	err := s.db.QueryRowContext(ctx, `SELECT new_email FROM member_email_changes
		WHERE member_id = $1 AND used_at IS NULL AND expires_at > $2
		ORDER BY created_at DESC LIMIT 1`, memberID, s.now()).Scan(&email)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("pending e-mail of member %d: %w", memberID, err)
	}
	return strings.TrimSpace(email), nil
}

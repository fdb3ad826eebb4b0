package member

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"kaede/internal/audit"
	"kaede/internal/shop"
)

// ClosedName is what a closed account's name reads in the admin and on
// the orders' member links: the person is gone, the row stays.
const ClosedName = "退会済み"

// closedDomain makes a closed account's address unique, unroutable
// (RFC 2606's .invalid) and impossible to log in with or register again
// by mistake: nobody can type it into the store's forms as their own.
const closedDomain = "@closed.invalid"

// Close is 退会 from my page: after the member's current password, the
// account is erased as Erase does, and its sessions end (the caller's
// too). The orders stay, under the shop's tax-record retention.
func (s *Service) Close(ctx context.Context, memberID int64, password, ip string) error {
	var hash string
	err := s.db.QueryRowContext(ctx, `SELECT password_hash FROM members WHERE id = $1 AND closed_at IS NULL`, memberID).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return shop.Errorf(shop.NotFound, "no such member")
	}
	if err != nil {
		return fmt.Errorf("close member %d: %w", memberID, err)
	}
	ok, err := s.passwords.Check(ctx, hash, password)
	if err != nil {
		return fmt.Errorf("close member %d: %w", memberID, err)
	}
	if !ok {
		return &shop.Error{Code: shop.Invalid, Message: "wrong password",
			Fields: map[string]string{"password": shop.ReasonMismatch}}
	}
	by := audit.Actor{Name: MemberActor(memberID), IP: ip}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		return s.erase(ctx, tx, memberID, "member.close", "", by)
	})
}

// Erase is staff deleting a member's personal data at the member's request
// (APPI 35条 利用停止・消去): the same erasure as Close, with the reason in
// the audit log. A member already closed is NotFound.
func (s *Service) Erase(ctx context.Context, memberID int64, reason string, by audit.Actor) error {
	reason = strings.TrimSpace(reason)
	p := shop.Problems{}
	shop.CheckText(p, "reason", reason, true, 500)
	if err := p.Err(); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		return s.erase(ctx, tx, memberID, "member.erase", reason, by)
	})
}

// Closed reports whether the account was closed or erased.
func (m Member) Closed() bool { return strings.HasSuffix(m.Email, closedDomain) }

// MemberActor names a member acting on their own account in the audit log.
func MemberActor(memberID int64) string { return "member:" + strconv.FormatInt(memberID, 10) }

// erase blanks the member's row and deletes everything that only the
// account needed: addresses, licences, e-mailed links, sessions and login
// failures. The audit entry holds no personal data, or the log (which is
// never rewritten) would keep what was erased.
func (s *Service) erase(ctx context.Context, tx *sql.Tx, memberID int64, action, reason string, by audit.Actor) error {
	var email string
	err := tx.QueryRowContext(ctx, `SELECT email FROM members WHERE id = $1 AND closed_at IS NULL`, memberID).Scan(&email)
	if errors.Is(err, sql.ErrNoRows) {
		return shop.Errorf(shop.NotFound, "no such member")
	}
	if err != nil {
		return fmt.Errorf("erase member %d: %w", memberID, err)
	}
	deleted := map[string]int64{}
	for _, d := range []struct{ what, query string }{
		{"addresses", `DELETE FROM addresses WHERE member_id = $1`},
		{"licences", `DELETE FROM licences WHERE member_id = $1`},
		{"tokens", `DELETE FROM member_tokens WHERE member_id = $1`},
		{"e-mail changes", `DELETE FROM member_email_changes WHERE member_id = $1`},
		{"favourites", `DELETE FROM member_favourites WHERE member_id = $1`},
		{"recent views", `DELETE FROM member_recent_views WHERE member_id = $1`},
	} {
		res, err := tx.ExecContext(ctx, d.query, memberID)
		if err != nil {
			return fmt.Errorf("erase member %d: %s: %w", memberID, d.what, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("erase member %d: %s: %w", memberID, d.what, err)
		}
		deleted[d.what] = n
	}
	if deleted["sessions"], err = endMemberSessions(ctx, s.db, tx, memberID); err != nil {
		return fmt.Errorf("erase member %d: sessions: %w", memberID, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM member_login_failures WHERE email = $1`, email); err != nil {
		return fmt.Errorf("erase member %d: login failures: %w", memberID, err)
	}
	now := s.now()
	_, err = tx.ExecContext(ctx, `
		UPDATE members SET email = $1, password_hash = '', name = $2, name_kana = '', phone = '',
			practitioner = 'none', email_verified_at = NULL, closed_at = $3
		WHERE id = $4`,
		"closed-"+strconv.FormatInt(memberID, 10)+closedDomain, ClosedName, now, memberID)
	if err != nil {
		return fmt.Errorf("erase member %d: %w", memberID, err)
	}
	if err := s.changed(ctx, tx); err != nil {
		return err
	}
	after := map[string]any{"deleted": deleted}
	if reason != "" {
		after["reason"] = reason
	}
	return audit.Record(ctx, tx, now, by, action, "member:"+strconv.FormatInt(memberID, 10), nil, after)
}

// Disclosure is what the shop holds about a member as an account, for a
// disclosure request (APPI 33条 開示) or the member's own download. The
// orders, which the order package owns, are added by the caller.
type Disclosure struct {
	Email        string             `json:"email"`
	Name         string             `json:"name"`
	NameKana     string             `json:"name_kana"`
	Phone        string             `json:"phone"`
	Locale       string             `json:"locale"`
	Verified     bool               `json:"email_verified"`
	Practitioner string             `json:"practitioner"`
	RegisteredAt time.Time          `json:"registered_at"`
	Addresses    []DisclosedAddress `json:"addresses"`
	Licences     []DisclosedLicence `json:"licences"`
	// Favourites and RecentViews name products by their catalogue id.
	Favourites  []DisclosedProduct `json:"favourites"`
	RecentViews []DisclosedProduct `json:"recently_viewed"`
}

// DisclosedProduct is a product on one of the member's lists, and when
// it was added or last viewed.
type DisclosedProduct struct {
	ProductID int64     `json:"product_id"`
	At        time.Time `json:"at"`
}

// DisclosedAddress is one address of the address book.
type DisclosedAddress struct {
	Name       string `json:"name"`
	NameKana   string `json:"name_kana"`
	PostalCode string `json:"postal_code"`
	Prefecture string `json:"prefecture"`
	City       string `json:"city"`
	Line1      string `json:"line1"`
	Line2      string `json:"line2"`
	Phone      string `json:"phone"`
	Default    bool   `json:"default"`
}

// DisclosedLicence is one practitioner licence submitted.
type DisclosedLicence struct {
	Type        string    `json:"type"`
	Number      string    `json:"number"`
	Status      string    `json:"status"`
	SubmittedAt time.Time `json:"submitted_at"`
}

// Disclose returns the member's account data and records who asked for it
// in the audit log: every disclosure is audited, the member's own too.
func (s *Service) Disclose(ctx context.Context, memberID int64, by audit.Actor) (*Disclosure, error) {
	var out *Disclosure
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		d, err := detailTx(ctx, tx, memberID)
		if err != nil {
			return err
		}
		m := d.Member
		out = &Disclosure{Email: m.Email, Name: m.Name, NameKana: m.NameKana, Phone: m.Phone, Locale: m.Locale,
			Verified: m.Verified(), Practitioner: m.Practitioner, RegisteredAt: m.CreatedAt.UTC(),
			Addresses: []DisclosedAddress{}, Licences: []DisclosedLicence{}}
		for _, a := range d.Addresses {
			out.Addresses = append(out.Addresses, DisclosedAddress{Name: a.Name, NameKana: a.NameKana, PostalCode: a.PostalCode,
				Prefecture: a.PrefectureName(), City: a.City, Line1: a.Line1, Line2: a.Line2, Phone: a.Phone, Default: a.Default})
		}
		for _, l := range d.Licences {
			out.Licences = append(out.Licences, DisclosedLicence{Type: l.Type, Number: l.Number, Status: l.Status, SubmittedAt: l.SubmittedAt.UTC()})
		}
		if out.Favourites, err = disclosedProducts(ctx, tx, `SELECT product_id, created_at FROM member_favourites
			WHERE member_id = $1 ORDER BY created_at, product_id`, memberID); err != nil {
			return fmt.Errorf("disclose favourites: %w", err)
		}
		if out.RecentViews, err = disclosedProducts(ctx, tx, `SELECT product_id, viewed_at FROM member_recent_views
			WHERE member_id = $1 ORDER BY viewed_at, product_id`, memberID); err != nil {
			return fmt.Errorf("disclose recent views: %w", err)
		}
		return audit.Record(ctx, tx, s.now(), by, "member.disclose", "member:"+strconv.FormatInt(memberID, 10), nil, nil)
	})
	return out, err
}

func disclosedProducts(ctx context.Context, tx *sql.Tx, query string, memberID int64) ([]DisclosedProduct, error) {
	rows, err := tx.QueryContext(ctx, query, memberID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []DisclosedProduct{}
	for rows.Next() {
		var p DisclosedProduct
		if err := rows.Scan(&p.ProductID, &p.At); err != nil {
			return nil, err
		}
		p.At = p.At.UTC()
		out = append(out, p)
	}
	return out, rows.Err()
}

// Package member keeps the shop's customer accounts: registration with a
// verified e-mail address, passwords hashed with Argon2id, login with a
// brute-force guard, password reset by e-mail, delivery addresses, and the
// practitioner licences that unlock practitioners-only products and member
// prices.
package member

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"kaede/internal/db"
	kmail "kaede/internal/mail"
	"kaede/internal/mailtext"
	"kaede/internal/password"
	"kaede/internal/readcache"
	"kaede/internal/shop"
)

// Service is the member capability. It is safe for concurrent use.
type Service struct {
	db      *db.DB
	mail    *kmail.Queue
	clock   shop.Clock
	baseURL string

	passwords *password.Hasher
	texts     *mailtext.Service // the shop's wording of the mails; nil: the embedded
	// cache holds the members this process read, by id (cache.go).
	cache readcache.Cache[int64, Member]
}

// hashSlots bounds concurrent Argon2 runs; four at 64 MiB is 256 MiB.
const hashSlots = 4

// New returns the member service. baseURL is the shop's public address,
// such as "https://shop.example.jp", and begins the links in e-mails.
func New(d *db.DB, q *kmail.Queue, clock shop.Clock, baseURL string) *Service {
	s := &Service{
		db:        d,
		mail:      q,
		clock:     clock,
		baseURL:   strings.TrimRight(baseURL, "/"),
		passwords: password.NewHasher(hashSlots),
	}
	d.OnChange(func() { s.cache.Forget() }, membersTopic)
	return s
}

// SetHashParams changes the cost of new password hashes. It is for tests,
// which cannot spend 64 MiB and a fraction of a second on every hash;
// production keeps password.Default. Existing hashes still verify, since
// each carries its own parameters.
func (s *Service) SetHashParams(p password.Params) error {
	return s.passwords.SetParams(p)
}

func (s *Service) now() time.Time { return s.clock().UTC() }

// Practitioner states of a member, derived from their licences.
const (
	PractitionerNone     = "none"     // no licence submitted
	PractitionerPending  = "pending"  // a licence awaits review
	PractitionerApproved = "approved" // at least one licence approved
	PractitionerRejected = "rejected" // every licence was rejected
)

// Member is a customer account. The password hash never leaves the package.
type Member struct {
	ID           int64
	Email        string // lower-cased
	Name         string
	NameKana     string
	Phone        string
	Locale       string    // "ja" or "en": the language of the member's e-mails
	VerifiedAt   time.Time // zero until the e-mail address is verified
	Practitioner string    // one of the Practitioner… states
	CreatedAt    time.Time
}

// Verified reports whether the member has confirmed their e-mail address.
// Members may log in before that; the store shows a reminder.
func (m Member) Verified() bool { return !m.VerifiedAt.IsZero() }

// Viewer is who the member is to the catalogue: an approved practitioner
// sees member prices and practitioners-only products.
func (m Member) Viewer() shop.Viewer {
	return shop.Viewer{MemberID: m.ID, Practitioner: m.Practitioner == PractitionerApproved}
}

// RegisterInput is what a customer types into the registration form.
type RegisterInput struct {
	Email    string
	Password string
	Name     string
	NameKana string
	Phone    string // optional
	Locale   string // the page's language; "en" or anything else for Japanese
}

// Password length limits. Ten characters keep out the shortest guesses; the
// upper limit keeps a request from hashing megabytes.
const (
	minPassword = 10
	maxPassword = 128
)

// normalizeLocale returns "en" for English and "ja" otherwise, the shop's
// language.
func normalizeLocale(s string) string {
	if s == "en" {
		return "en"
	}
	return "ja"
}

// normalizeEmail returns the address in the form it is stored and looked up
// in (shop.NormalizeEmail).
func normalizeEmail(s string) string { return shop.NormalizeEmail(s) }

// checkEmail reports a missing, over-long or malformed address
// (shop.CheckEmail).
func checkEmail(p shop.Problems, field, email string) { shop.CheckEmail(p, field, email) }

// checkPassword reports a password that is empty, too short or too long,
// the same as the e-mail address or on the list of common passwords (the
// first things an attacker tries).
func checkPassword(p shop.Problems, field, pw, email string) {
	n := utf8.RuneCountInString(pw)
	switch {
	case pw == "":
		p.Add(field, shop.ReasonRequired)
	case !utf8.ValidString(pw):
		p.Add(field, shop.ReasonFormat)
	case n < minPassword || n > maxPassword:
		p.Add(field, shop.ReasonLength)
	case strings.EqualFold(pw, email):
		p.Add(field, shop.ReasonFormat)
	case password.Common(pw):
		p.Add(field, shop.ReasonCommon)
	}
}

// validate normalises in and reports every bad field.
func (in RegisterInput) validate() (RegisterInput, error) {
	p := shop.Problems{}
	in.Email = normalizeEmail(in.Email)
	checkEmail(p, "email", in.Email)
	checkPassword(p, "password", in.Password, in.Email)
	in.Name = strings.TrimSpace(in.Name)
	shop.CheckText(p, "name", in.Name, true, 60)
	if strings.TrimSpace(in.NameKana) == "" {
		p.Add("name_kana", shop.ReasonRequired)
	} else if k, ok := shop.NormalizeKana(in.NameKana); !ok || utf8.RuneCountInString(k) > 60 {
		p.Add("name_kana", shop.ReasonFormat)
	} else {
		in.NameKana = k
	}
	if strings.TrimSpace(in.Phone) == "" {
		in.Phone = ""
	} else if ph, ok := shop.NormalizePhone(in.Phone); !ok {
		p.Add("phone", shop.ReasonFormat)
	} else {
		in.Phone = ph
	}
	in.Locale = normalizeLocale(in.Locale)
	return in, p.Err()
}

// ErrAlreadyRegistered is Register's answer for an address that has an
// account: nothing is created and the address's owner is e-mailed that
// they already have one (with the login and reset links). The web edge
// answers it exactly as a new registration, so that the form does not
// tell a stranger who has an account.
var ErrAlreadyRegistered = &shop.Error{Code: shop.Conflict, Message: "this e-mail address is already registered"}

// Register creates an account and, in the same transaction, sends the
// e-mail whose link verifies the address. An address with an account gets
// the "account_exists" e-mail instead, and the error is
// ErrAlreadyRegistered.
func (s *Service) Register(ctx context.Context, in RegisterInput) (*Member, error) {
	in, err := in.validate()
	if err != nil {
		return nil, err
	}
	// Hashing takes a noticeable time; doing it before the transaction
	// keeps SQLite's write lock free meanwhile.
	hash, err := s.passwords.Hash(ctx, in.Password)
	if err != nil {
		return nil, fmt.Errorf("register: %w", err)
	}
	now := s.now()
	var m *Member
	taken := false
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		owner, err := getMember(ctx, tx, `email = $1`, in.Email)
		if err == nil {
			taken = true
			return s.send(ctx, tx, owner.Email, owner.Locale, "account_exists", mailData{Name: owner.Name})
		}
		if shop.ErrorCode(err) != shop.NotFound {
			return fmt.Errorf("check e-mail: %w", err)
		}
		var id int64
		err = tx.QueryRowContext(ctx, `INSERT INTO members (email, password_hash, name, name_kana, phone, locale, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			in.Email, hash, in.Name, in.NameKana, in.Phone, in.Locale, now).Scan(&id)
		if db.IsUniqueViolation(err) {
			return ErrAlreadyRegistered // registered by a concurrent request
		}
		if err != nil {
			return fmt.Errorf("insert member: %w", err)
		}
		if m, err = getMember(ctx, tx, `id = $1`, id); err != nil {
			return err
		}
		return s.sendVerification(ctx, tx, m)
	})
	if err != nil {
		return nil, err
	}
	if taken {
		return nil, ErrAlreadyRegistered
	}
	return m, nil
}

// SendVerification sends a new verification link, for a member whose first
// one expired or got lost. It does nothing for a verified address.
func (s *Service) SendVerification(ctx context.Context, memberID int64) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		m, err := getMember(ctx, tx, `id = $1`, memberID)
		if err != nil {
			return err
		}
		if m.Verified() {
			return nil
		}
		return s.sendVerification(ctx, tx, m)
	})
}

func (s *Service) sendVerification(ctx context.Context, tx *sql.Tx, m *Member) error {
	token, err := s.newToken(ctx, tx, m.ID, purposeVerify, verifyTTL)
	if err != nil {
		return err
	}
	return s.send(ctx, tx, m.Email, m.Locale, "verify_email", mailData{
		Name: m.Name,
		Link: s.baseURL + "/account/verify?token=" + token,
	})
}

// VerifyEmail marks the address of the token's member as verified. A token
// works once and for 24 hours; any other → Invalid on "token".
func (s *Service) VerifyEmail(ctx context.Context, token string) (*Member, error) {
	var m *Member
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		id, err := s.useToken(ctx, tx, token, purposeVerify)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE members SET email_verified_at = $1
			WHERE id = $2 AND email_verified_at IS NULL`, s.now(), id)
		if err != nil {
			return fmt.Errorf("verify member %d: %w", id, err)
		}
		if err := s.changed(ctx, tx); err != nil {
			return err
		}
		m, err = getMember(ctx, tx, `id = $1`, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// Get returns the member with the id, or NotFound. A member read in the
// last second comes from this process's cache unless a change to a member
// was announced since (cache.go): every page of a logged-in customer asks.
func (s *Service) Get(ctx context.Context, id int64) (*Member, error) {
	now := s.clock()
	m, gen, ok := s.cache.Get(id, now)
	if ok {
		return &m, nil
	}
	read, err := getMember(ctx, s.db, `id = $1`, id)
	if err != nil {
		return nil, err
	}
	s.cache.Put(id, gen, *read, now)
	return read, nil
}

// changed tells every process, when tx commits, to stop trusting the
// members it cached: tx changed a member's row.
func (s *Service) changed(ctx context.Context, tx *sql.Tx) error {
	return s.db.Announce(ctx, tx, membersTopic)
}

// ByEmail returns the member with the address (in any case), or NotFound.
func (s *Service) ByEmail(ctx context.Context, email string) (*Member, error) {
	return getMember(ctx, s.db, `email = $1`, normalizeEmail(email))
}

// queryer is what both *sql.DB and *sql.Tx offer, so that one reading
// helper serves public methods and transactions alike.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

const memberColumns = `id, email, name, name_kana, phone, locale, email_verified_at, practitioner, created_at`

// getMember reads one member by a condition on the members table.
func getMember(ctx context.Context, q queryer, where string, arg any) (*Member, error) {
	var m Member
	var verified sql.NullTime
	err := q.QueryRowContext(ctx, `SELECT `+memberColumns+` FROM members WHERE `+where, arg).Scan(
		&m.ID, &m.Email, &m.Name, &m.NameKana, &m.Phone, &m.Locale, &verified, &m.Practitioner, &m.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, shop.Errorf(shop.NotFound, "no such member")
	}
	if err != nil {
		return nil, fmt.Errorf("get member: %w", err)
	}
	if verified.Valid {
		m.VerifiedAt = verified.Time.UTC()
	}
	m.CreatedAt = m.CreatedAt.UTC()
	return &m, nil
}

// Package staff keeps the accounts of the people who use the admin screens:
// roles and their permissions, enrolment without any default password,
// login with a mandatory second factor (TOTP, a passkey, or a single-use recovery code),
// lock-out after repeated failures, notices by e-mail, and admin sessions
// with idle and absolute expiry. Every change and every login attempt is
// written to the audit log in the same transaction.
//
// The admin HTTP edge calls this package; it never touches these tables.
package staff

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"kaede/internal/audit"
	"kaede/internal/db"
	kmail "kaede/internal/mail"
	"kaede/internal/password"
	"kaede/internal/secevent"
	"kaede/internal/shop"
)

// KeySize is the length of the key New needs: AES-256.
const KeySize = 32

// Service is the staff capability. It is safe for concurrent use.
type Service struct {
	db    *db.DB
	mail  *kmail.Queue
	clock shop.Clock
	// seal encrypts TOTP secrets at rest, so that a copy of the database
	// (a backup, a dump taken through SQL injection) holds password hashes
	// only, and no second factor.
	seal cipher.AEAD

	passwords *password.Hasher

	// Events, when set, receives a security event for a staff lock-out
	// and for a login from a new address, in the transaction that records
	// them. Set it when wiring, before the service is used.
	Events *secevent.Store
}

// hashSlots bounds concurrent Argon2 runs (64 MiB each by default).
const hashSlots = 2

// New returns the staff service. key is the server's secret for TOTP
// secrets at rest, KeySize random bytes from the configuration; it must
// stay the same for the life of the database.
func New(d *db.DB, q *kmail.Queue, clock shop.Clock, key []byte) (*Service, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("staff: the secret key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("staff: %w", err)
	}
	seal, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("staff: %w", err)
	}
	return &Service{
		db:        d,
		mail:      q,
		clock:     clock,
		seal:      seal,
		passwords: password.NewHasher(hashSlots),
	}, nil
}

// SetHashParams changes the cost of new password hashes. It is for tests;
// production keeps password.Default.
func (s *Service) SetHashParams(p password.Params) error {
	if err := s.passwords.SetParams(p); err != nil {
		return fmt.Errorf("staff: %w", err)
	}
	return nil
}

func (s *Service) now() time.Time { return s.clock().UTC().Truncate(time.Microsecond) }

// Staff is a member of staff. Secrets never leave the package.
type Staff struct {
	ID          int64
	Email       string // lower-cased
	Role        Role
	EnrolledAt  time.Time // when the second factor was confirmed; zero before
	DisabledAt  time.Time // zero while the account may be used
	LastLoginAt time.Time
	CreatedAt   time.Time
}

// Enrolled reports whether the account has a confirmed second factor.
func (m Staff) Enrolled() bool { return !m.EnrolledAt.IsZero() }

// Active reports whether the account can log in: enrolled and not disabled.
func (m Staff) Active() bool { return m.Enrolled() && m.DisabledAt.IsZero() }

// Principal returns m acting from the IP address, for the service's methods.
func (m Staff) Principal(ip string) Principal {
	return Principal{Actor: audit.Actor{Name: m.Email, IP: ip}, StaffID: m.ID, Role: m.Role}
}

// Principal is who performs a staff-management action: the audit log's
// Actor (a logged-in member of staff, Staff.Principal, or the command
// line, CLI) with what the permission checks need.
type Principal struct {
	audit.Actor
	StaffID int64 // 0 for the command line
	Role    Role
}

// CLI is the operator at the server's command line, who creates the first
// owner and can recover the shop when no owner can log in.
var CLI = Principal{Actor: audit.Actor{Name: audit.ActorCLI}, Role: Owner}

func (a Principal) require(p Permission) error {
	if !a.Role.Can(p) {
		return shop.Errorf(shop.Forbidden, "your role does not allow this")
	}
	return nil
}

const staffColumns = `id, email, role, totp_confirmed_at, disabled_at, last_login_at, created_at`

func scanStaff(row interface{ Scan(...any) error }) (*Staff, error) {
	var m Staff
	var role string
	var enrolled, disabled, lastLogin sql.NullTime
	if err := row.Scan(&m.ID, &m.Email, &role, &enrolled, &disabled, &lastLogin, &m.CreatedAt); err != nil {
		return nil, err
	}
	m.Role = Role(role)
	m.EnrolledAt, m.DisabledAt, m.LastLoginAt = utc(enrolled), utc(disabled), utc(lastLogin)
	m.CreatedAt = m.CreatedAt.UTC()
	return &m, nil
}

func utc(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// getStaff reads one account; forUpdate locks its row on PostgreSQL.
func (s *Service) getStaff(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, id int64, forUpdate bool) (*Staff, error) {
	query := `SELECT ` + staffColumns + ` FROM staff WHERE id = $1`
	if forUpdate {
		query += s.db.ForUpdate()
	}
	m, err := scanStaff(q.QueryRowContext(ctx, query, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, shop.Errorf(shop.NotFound, "no such member of staff")
	}
	if err != nil {
		return nil, fmt.Errorf("read staff %d: %w", id, err)
	}
	return m, nil
}

// Get returns the member of staff with the id.
func (s *Service) Get(ctx context.Context, id int64) (*Staff, error) {
	return s.getStaff(ctx, s.db, id, false)
}

// List returns every member of staff, enabled ones first, by e-mail.
func (s *Service) List(ctx context.Context, by Principal) ([]Staff, error) {
	if err := by.require(StaffRead); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+staffColumns+` FROM staff
		ORDER BY CASE WHEN disabled_at IS NULL THEN 0 ELSE 1 END, email`)
	if err != nil {
		return nil, fmt.Errorf("list staff: %w", err)
	}
	defer rows.Close()
	var out []Staff
	for rows.Next() {
		m, err := scanStaff(rows)
		if err != nil {
			return nil, fmt.Errorf("list staff: %w", err)
		}
		out = append(out, *m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list staff: %w", err)
	}
	return out, nil
}

// normalizeEmail returns the address as it is stored and looked up
// (shop.NormalizeEmail).
func normalizeEmail(s string) string { return shop.NormalizeEmail(s) }

// checkEmail accepts a bare address with a dotted domain, nothing else
// (shop.CheckEmail).
func checkEmail(email string) error {
	p := shop.Problems{}
	shop.CheckEmail(p, "email", email)
	return p.Err()
}

func target(id int64) string { return "staff:" + strconv.FormatInt(id, 10) }

// record appends by's audit entry inside tx, at the service's time.
func (s *Service) record(ctx context.Context, tx *sql.Tx, by audit.Actor, action, tgt string, before, after any) error {
	return audit.Record(ctx, tx, s.now(), by, action, tgt, before, after)
}

// view is the state of an account as the audit log records it.
type view struct {
	Email    string `json:"email"`
	Role     Role   `json:"role"`
	Enrolled bool   `json:"enrolled"`
	Disabled bool   `json:"disabled"`
}

func viewOf(m *Staff) view {
	return view{Email: m.Email, Role: m.Role, Enrolled: m.Enrolled(), Disabled: !m.DisabledAt.IsZero()}
}

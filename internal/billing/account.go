package billing

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

// Status is where a business customer's account stands.
type Status string

// The account statuses. Only an approved account orders on account.
const (
	Applied   Status = "applied"   // the member asked from my page; staff have not decided
	Approved  Status = "approved"  // may order on account up to the credit limit
	Rejected  Status = "rejected"  // staff said no; the member may apply again
	Suspended Status = "suspended" // was approved; no new orders on account
)

// MaxCreditLimit is the highest credit limit staff may set: a typo of a
// few zeros is refused rather than trusted.
const MaxCreditLimit shop.Yen = 100_000_000

// Account is a member's standing as a business customer.
type Account struct {
	MemberID    int64
	Status      Status
	Company     string   // the clinic's name, printed as the invoice's 宛名
	CreditLimit shop.Yen // what may be owed on account at once
	Note        string   // the reviewer's note
	Reviewer    string
	ReviewedAt  time.Time // zero until staff decide
	CreatedAt   time.Time
}

// Approved reports whether the account may order on account.
func (a *Account) Approved() bool { return a != nil && a.Status == Approved }

// Account returns the member's account, or NotFound when they have none.
func (s *Service) Account(ctx context.Context, memberID int64) (*Account, error) {
	var a *Account
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		a, err = loadAccount(ctx, tx, memberID, "")
		return err
	})
	return a, err
}

// loadAccount reads the member's account inside tx; lock is the dialect's
// row-lock suffix, or "".
func loadAccount(ctx context.Context, tx *sql.Tx, memberID int64, lock string) (*Account, error) {
	a := &Account{MemberID: memberID}
	var reviewed sql.NullTime
	err := tx.QueryRowContext(ctx, `SELECT status, company, credit_limit, note, reviewer, reviewed_at, created_at
		FROM billing_accounts WHERE member_id = $1`+lock, memberID).
		Scan(&a.Status, &a.Company, &a.CreditLimit, &a.Note, &a.Reviewer, &reviewed, &a.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, shop.Errorf(shop.NotFound, "member %d has no business account", memberID)
	}
	if err != nil {
		return nil, fmt.Errorf("billing account %d: %w", memberID, err)
	}
	if reviewed.Valid {
		a.ReviewedAt = reviewed.Time
	}
	return a, nil
}

// Apply records a member's application from my page, with the clinic's
// name (company, required, up to 100 characters). A member already
// approved, or whose application awaits review, gets a Conflict.
func (s *Service) Apply(ctx context.Context, memberID int64, company string) (*Account, error) {
	company = strings.TrimSpace(company)
	p := shop.Problems{}
	shop.CheckText(p, "billing_name", company, true, 100)
	if err := p.Err(); err != nil {
		return nil, err
	}
	now := s.clock()
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		a, err := loadAccount(ctx, tx, memberID, s.db.ForUpdate())
		switch {
		case shop.ErrorCode(err) == shop.NotFound:
			_, err = tx.ExecContext(ctx, `INSERT INTO billing_accounts (member_id, status, company, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $4)`, memberID, Applied, company, now)
		case err != nil:
			return err
		case a.Status == Rejected:
			_, err = tx.ExecContext(ctx, `UPDATE billing_accounts SET status = $1, company = $2, updated_at = $3
				WHERE member_id = $4`, Applied, company, now, memberID)
		default:
			return shop.Errorf(shop.Conflict, "the business account is already %s", a.Status)
		}
		if err != nil {
			return fmt.Errorf("billing apply %d: %w", memberID, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Account(ctx, memberID)
}

// Decision is what staff decide on a member's account, as the admin's
// form sends it: the status, the clinic's name and the credit limit in
// yen (digits, commas allowed; needed to approve).
type Decision struct {
	Status      Status
	Company     string
	CreditLimit string
	Note        string
}

// parse validates the decision, naming the bad fields "status",
// "billing_name", "credit_limit" and "note".
func (d Decision) parse() (Decision, shop.Yen, error) {
	p := shop.Problems{}
	switch d.Status {
	case Approved, Rejected, Suspended:
	default:
		p.Add("status", shop.ReasonChoice)
	}
	d.Company, d.Note = strings.TrimSpace(d.Company), strings.TrimSpace(d.Note)
	shop.CheckText(p, "billing_name", d.Company, true, 100)
	shop.CheckMultiline(p, "note", d.Note, false, 500)
	var limit shop.Yen
	raw := strings.ReplaceAll(strings.TrimSpace(d.CreditLimit), ",", "")
	switch {
	case raw == "" && d.Status == Approved:
		p.Add("credit_limit", shop.ReasonRequired)
	case raw != "":
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			p.Add("credit_limit", shop.ReasonFormat)
		} else if n < 1 || shop.Yen(n) > MaxCreditLimit {
			p.Add("credit_limit", shop.ReasonRange)
		}
		limit = shop.Yen(n)
	}
	return d, limit, p.Err()
}

// Decide records staff's decision on the member's account, creating it
// when the member never applied (staff approve a clinic they know), and
// audits it in the same transaction. A rejection or suspension keeps the
// limit last set when none is given.
func (s *Service) Decide(ctx context.Context, memberID int64, in Decision, by audit.Actor) (*Account, error) {
	in, limit, err := in.parse()
	if err != nil {
		return nil, err
	}
	if _, err := s.members.Get(ctx, memberID); err != nil {
		return nil, err
	}
	now := s.clock()
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		before, err := loadAccount(ctx, tx, memberID, s.db.ForUpdate())
		switch {
		case shop.ErrorCode(err) == shop.NotFound:
			before = nil
			_, err = tx.ExecContext(ctx, `INSERT INTO billing_accounts
				(member_id, status, company, credit_limit, note, reviewer, reviewed_at, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $7)`, memberID, in.Status, in.Company, limit, in.Note, by.Name, now)
		case err != nil:
			return err
		default:
			if in.CreditLimit == "" {
				limit = before.CreditLimit
			}
			_, err = tx.ExecContext(ctx, `UPDATE billing_accounts SET status = $1, company = $2, credit_limit = $3,
				note = $4, reviewer = $5, reviewed_at = $6, updated_at = $6 WHERE member_id = $7`,
				in.Status, in.Company, limit, in.Note, by.Name, now, memberID)
		}
		if err != nil {
			return fmt.Errorf("billing decide %d: %w", memberID, err)
		}
		after := &Account{MemberID: memberID, Status: in.Status, Company: in.Company, CreditLimit: limit, Note: in.Note}
		return audit.Record(ctx, tx, now, by, "billing.account", fmt.Sprintf("member:%d", memberID), auditAccount(before), auditAccount(after))
	})
	if err != nil {
		return nil, err
	}
	return s.Account(ctx, memberID)
}

// auditAccount is what the audit log keeps of an account.
func auditAccount(a *Account) any {
	if a == nil {
		return nil
	}
	return map[string]any{"status": a.Status, "company": a.Company, "credit_limit": a.CreditLimit, "note": a.Note}
}

// AccountRow is an account in the admin's list, with its open balance.
type AccountRow struct {
	Account
	Name    string
	Email   string
	Balance shop.Yen
}

// Accounts lists every business account, applications first, then by
// company.
func (s *Service) Accounts(ctx context.Context) ([]AccountRow, error) {
	var out []AccountRow
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT a.member_id, a.status, a.company, a.credit_limit, a.note, a.reviewer,
				a.created_at, m.name, m.email
			FROM billing_accounts a JOIN members m ON m.id = a.member_id
			ORDER BY CASE a.status WHEN 'applied' THEN 0 ELSE 1 END, a.company, a.member_id`)
		if err != nil {
			return fmt.Errorf("billing accounts: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var r AccountRow
			if err := rows.Scan(&r.MemberID, &r.Status, &r.Company, &r.CreditLimit, &r.Note, &r.Reviewer,
				&r.CreatedAt, &r.Name, &r.Email); err != nil {
				return fmt.Errorf("billing accounts: %w", err)
			}
			out = append(out, r)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("billing accounts: %w", err)
		}
		for i := range out {
			if out[i].Balance, err = balance(ctx, tx, out[i].MemberID); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

package member

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"kaede/internal/db"
	"kaede/internal/password"
	"kaede/internal/shop"
)

// Imported is a customer account brought in whole, with its history: the
// accounts of a shop moving to Kaede, or the demo's year of customers.
type Imported struct {
	Email string
	// PasswordHash is a PHC string (password.Hash). Import does not hash:
	// Argon2id costs a fraction of a second and 64 MiB per password, so a
	// thousand accounts would take minutes. Accounts moved from another
	// shop get the hash of a random password and reset it by e-mail.
	PasswordHash string
	Name         string
	NameKana     string
	Phone        string    // optional
	Locale       string    // "ja" or "en"
	VerifiedAt   time.Time // zero: the address is not verified
	CreatedAt    time.Time
	// Addresses is the address book; the first one is the default.
	Addresses []shop.Address
	// Licence is a practitioner licence and the shop's decision on it;
	// the member's practitioner state follows from it.
	Licence *ImportedLicence
}

// ImportedLicence is a licence reviewed (or awaiting review) before the
// import.
type ImportedLicence struct {
	Type        string // a LicenceTypes key
	Number      string
	Status      string // LicencePending, LicenceApproved or LicenceRejected
	SubmittedAt time.Time
	ReviewedAt  time.Time // zero while pending
	Reviewer    string
}

// Import writes the accounts, their address books and licences inside tx,
// in bulk, and returns each new member's id by e-mail address (lower-cased,
// as stored). Every account is checked as registration checks it first;
// the problems name the account: "members.12.email". An address already
// registered, or given twice, is Invalid with ReasonTaken: an import never
// merges into an existing account. No e-mail is sent.
func (s *Service) Import(ctx context.Context, tx *sql.Tx, ms []Imported) (map[string]int64, error) {
	p := shop.Problems{}
	seen := make(map[string]bool, len(ms))
	for i := range ms {
		ms[i] = ms[i].validate(fmt.Sprintf("members.%d.", i), p)
		if seen[ms[i].Email] {
			p.Add(fmt.Sprintf("members.%d.email", i), shop.ReasonTaken)
		}
		seen[ms[i].Email] = true
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	members := s.db.NewRows("members", "email", "password_hash", "name", "name_kana", "phone", "locale",
		"email_verified_at", "practitioner", "created_at")
	for _, m := range ms {
		var verified any
		if !m.VerifiedAt.IsZero() {
			verified = m.VerifiedAt.UTC()
		}
		practitioner := PractitionerNone
		if m.Licence != nil {
			practitioner = map[string]string{LicenceApproved: PractitionerApproved, LicencePending: PractitionerPending,
				LicenceRejected: PractitionerRejected}[m.Licence.Status]
		}
		members.Add(m.Email, m.PasswordHash, m.Name, m.NameKana, m.Phone, m.Locale, verified, practitioner, m.CreatedAt.UTC())
	}
	ids := make(map[string]int64, len(ms))
	err := members.InsertReturning(ctx, tx, "id, email", func(r *sql.Rows) error {
		var id int64
		var email string
		if err := r.Scan(&id, &email); err != nil {
			return err
		}
		ids[email] = id
		return nil
	})
	if db.IsUniqueViolation(err) {
		return nil, &shop.Error{Code: shop.Invalid, Message: "an imported e-mail address is already registered",
			Fields: map[string]string{"members.email": shop.ReasonTaken}}
	}
	if err != nil {
		return nil, fmt.Errorf("import members: %w", err)
	}
	if err := s.importBooks(ctx, tx, ms, ids); err != nil {
		return nil, fmt.Errorf("import members: %w", err)
	}
	return ids, nil
}

// importBooks writes the imported members' addresses and licences.
func (s *Service) importBooks(ctx context.Context, tx *sql.Tx, ms []Imported, ids map[string]int64) error {
	addresses := s.db.NewRows("addresses", "member_id", "name", "name_kana", "postal_code", "prefecture", "city",
		"line1", "line2", "phone", "is_default", "created_at")
	licences := s.db.NewRows("licences", "member_id", "licence_type", "licence_number", "status", "submitted_at",
		"reviewed_at", "reviewer")
	for _, m := range ms {
		id := ids[m.Email]
		for i, a := range m.Addresses {
			addresses.Add(id, a.Name, a.NameKana, a.PostalCode, a.Prefecture, a.City, a.Line1, a.Line2, a.Phone,
				i == 0, m.CreatedAt.UTC())
		}
		if l := m.Licence; l != nil {
			var reviewed any
			if !l.ReviewedAt.IsZero() {
				reviewed = l.ReviewedAt.UTC()
			}
			licences.Add(id, l.Type, l.Number, l.Status, l.SubmittedAt.UTC(), reviewed, l.Reviewer)
		}
	}
	if err := addresses.Insert(ctx, tx); err != nil {
		return err
	}
	return licences.Insert(ctx, tx)
}

// validate normalises an imported account as registration does and adds
// its problems under prefix.
func (m Imported) validate(prefix string, p shop.Problems) Imported {
	m.Email = normalizeEmail(m.Email)
	checkEmail(p, prefix+"email", m.Email)
	if _, err := password.Parse(m.PasswordHash); err != nil {
		p.Add(prefix+"password_hash", shop.ReasonFormat)
	}
	m.Name = strings.TrimSpace(m.Name)
	shop.CheckText(p, prefix+"name", m.Name, true, 60)
	if k, ok := shop.NormalizeKana(m.NameKana); !ok || k == "" || utf8.RuneCountInString(k) > 60 {
		p.Add(prefix+"name_kana", shop.ReasonFormat)
	} else {
		m.NameKana = k
	}
	if strings.TrimSpace(m.Phone) != "" {
		if ph, ok := shop.NormalizePhone(m.Phone); ok {
			m.Phone = ph
		} else {
			p.Add(prefix+"phone", shop.ReasonFormat)
		}
	}
	m.Locale = normalizeLocale(m.Locale)
	if m.CreatedAt.IsZero() {
		p.Add(prefix+"created_at", shop.ReasonRequired)
	}
	if len(m.Addresses) > maxAddresses {
		p.Add(prefix+"addresses", shop.ReasonLength)
	}
	m.Addresses = append([]shop.Address(nil), m.Addresses...)
	for i, a := range m.Addresses {
		m.Addresses[i] = shop.ValidateAddress(a, fmt.Sprintf("%saddresses.%d.", prefix, i), p)
	}
	if m.Licence != nil {
		l := *m.Licence
		l.validate(prefix+"licence.", p)
		m.Licence = &l
	}
	return m
}

func (l *ImportedLicence) validate(prefix string, p shop.Problems) {
	if _, ok := LookupLicenceType(l.Type); !ok {
		p.Add(prefix+"type", shop.ReasonChoice)
	}
	if n, ok := normalizeLicenceNumber(l.Number); ok {
		l.Number = n
	} else {
		p.Add(prefix+"number", shop.ReasonFormat)
	}
	switch l.Status {
	case LicencePending:
	case LicenceApproved, LicenceRejected:
		if l.ReviewedAt.IsZero() || strings.TrimSpace(l.Reviewer) == "" {
			p.Add(prefix+"reviewer", shop.ReasonRequired)
		}
	default:
		p.Add(prefix+"status", shop.ReasonChoice)
	}
	if l.SubmittedAt.IsZero() {
		p.Add(prefix+"submitted_at", shop.ReasonRequired)
	}
}

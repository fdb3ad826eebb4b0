package member

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"kaede/internal/shop"
)

// LicenceType is a national qualification whose holders may buy
// practitioners-only products such as acupuncture needles.
type LicenceType struct {
	Key string // stored in licences.licence_type
	Ja  string
	En  string
}

// LicenceTypes lists the qualifications the shop accepts, in the order the
// form shows them.
var LicenceTypes = []LicenceType{
	{"hari", "はり師", "Acupuncturist (hari-shi)"},
	{"kyu", "きゅう師", "Moxibustion practitioner (kyu-shi)"},
	{"anma", "あん摩マッサージ指圧師", "Anma massage shiatsu practitioner"},
	{"judo", "柔道整復師", "Judo therapist (judo seifuku-shi)"},
	{"doctor", "医師", "Physician"},
	{"vet", "獣医師", "Veterinarian"},
}

// LookupLicenceType returns the licence type with the key.
func LookupLicenceType(key string) (LicenceType, bool) {
	for _, t := range LicenceTypes {
		if t.Key == key {
			return t, true
		}
	}
	return LicenceType{}, false
}

// Label returns the type's name in the locale ("en" or Japanese).
func (t LicenceType) Label(locale string) string {
	if locale == "en" {
		return t.En
	}
	return t.Ja
}

// Licence states.
const (
	LicencePending  = "pending"
	LicenceApproved = "approved"
	LicenceRejected = "rejected"
)

// Licence is a practitioner licence a member submitted, with the shop's
// decision on it: the record that a practitioners-only sale rests on.
type Licence struct {
	ID          int64
	MemberID    int64
	MemberName  string // for the review list
	MemberEmail string
	Type        string // a LicenceTypes key
	Number      string
	Status      string // one of the Licence… states
	SubmittedAt time.Time
	ReviewedAt  time.Time // zero while pending
	Reviewer    string    // the staff member who decided
	Note        string    // the reviewer's note, also sent to the member
}

// maxLicences caps submissions per member, so that a member cannot fill
// the review queue.
const maxLicences = 10

// normalizeLicenceNumber returns the number in half-width form with
// 「第」 and 「号」 dropped, since Japanese certificates print it as
// 「第123456号」, or false when it is not 1–20 letters, digits and hyphens.
func normalizeLicenceNumber(s string) (string, bool) {
	s = shop.Normalize(s)
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(s, "第"), "号"))
	s = strings.ToUpper(s)
	if s == "" || utf8.RuneCountInString(s) > 20 {
		return "", false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r == '-') {
			return "", false
		}
	}
	return s, true
}

// SubmitLicence records a licence for review. The member becomes a pending
// practitioner, unless another licence of theirs is already approved: a
// second qualification should not take away what the first one gave.
// Bad input → Invalid on "licence_type" and "licence_number".
func (s *Service) SubmitLicence(ctx context.Context, memberID int64, licenceType, number string) (*Licence, error) {
	p := shop.Problems{}
	if licenceType == "" {
		p.Add("licence_type", shop.ReasonRequired)
	} else if _, ok := LookupLicenceType(licenceType); !ok {
		p.Add("licence_type", shop.ReasonChoice)
	}
	if strings.TrimSpace(number) == "" {
		p.Add("licence_number", shop.ReasonRequired)
	} else if n, ok := normalizeLicenceNumber(number); !ok {
		p.Add("licence_number", shop.ReasonFormat)
	} else {
		number = n
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	var l *Licence
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := getMember(ctx, tx, `id = $1`, memberID); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM licences WHERE member_id = $1`, memberID).Scan(&n); err != nil {
			return fmt.Errorf("count licences: %w", err)
		}
		if n >= maxLicences {
			return shop.Errorf(shop.Conflict, "too many licences submitted; please contact the shop")
		}
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO licences (member_id, licence_type, licence_number, status, submitted_at)
			VALUES ($1, $2, $3, 'pending', $4) RETURNING id`, memberID, licenceType, number, s.now()).Scan(&id)
		if err != nil {
			return fmt.Errorf("insert licence: %w", err)
		}
		if err := s.updatePractitioner(ctx, tx, memberID); err != nil {
			return err
		}
		l, err = getLicence(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// updatePractitioner sets the member's practitioner state from all their
// licences: approved if any is approved, else pending if any awaits
// review, else rejected if any was rejected, else none.
func (s *Service) updatePractitioner(ctx context.Context, tx *sql.Tx, memberID int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE members SET practitioner = CASE
			WHEN EXISTS (SELECT 1 FROM licences WHERE member_id = $1 AND status = 'approved') THEN 'approved'
			WHEN EXISTS (SELECT 1 FROM licences WHERE member_id = $1 AND status = 'pending') THEN 'pending'
			WHEN EXISTS (SELECT 1 FROM licences WHERE member_id = $1 AND status = 'rejected') THEN 'rejected'
			ELSE 'none' END
		WHERE id = $1`, memberID)
	if err != nil {
		return fmt.Errorf("update practitioner state of member %d: %w", memberID, err)
	}
	// The state sets the member's prices: every process must see it.
	return s.changed(ctx, tx)
}

// ReviewLicence records the shop's decision on a pending licence, by whom
// and when, updates the member's practitioner state and tells the member
// by e-mail. note is sent to the member (a reason for a rejection, say).
// A licence already decided → Conflict.
func (s *Service) ReviewLicence(ctx context.Context, licenceID int64, approve bool, reviewer, note string) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		return s.review(ctx, tx, licenceID, approve, reviewer, note)
	})
}

func (s *Service) review(ctx context.Context, tx *sql.Tx, licenceID int64, approve bool, reviewer, note string) error {
	p := shop.Problems{}
	reviewer = strings.TrimSpace(reviewer)
	note = strings.TrimSpace(strings.ReplaceAll(note, "\r\n", "\n"))
	shop.CheckText(p, "reviewer", reviewer, true, 100)
	shop.CheckMultiline(p, "note", note, false, 1000)
	if err := p.Err(); err != nil {
		return err
	}
	status, kind := LicenceRejected, "licence_rejected"
	if approve {
		status, kind = LicenceApproved, "licence_approved"
	}
	res, err := tx.ExecContext(ctx, `UPDATE licences SET status = $1, reviewed_at = $2, reviewer = $3, note = $4
		WHERE id = $5 AND status = 'pending'`, status, s.now(), reviewer, note, licenceID)
	if err != nil {
		return fmt.Errorf("review licence %d: %w", licenceID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("review licence %d: %w", licenceID, err)
	} else if n == 0 {
		if _, err := getLicence(ctx, tx, licenceID); err != nil {
			return err
		}
		return shop.Errorf(shop.Conflict, "this licence has already been reviewed")
	}
	l, err := getLicence(ctx, tx, licenceID)
	if err != nil {
		return err
	}
	if err := s.updatePractitioner(ctx, tx, l.MemberID); err != nil {
		return err
	}
	m, err := getMember(ctx, tx, `id = $1`, l.MemberID)
	if err != nil {
		return err
	}
	t, _ := LookupLicenceType(l.Type)
	return s.send(ctx, tx, m.Email, m.Locale, kind, mailData{
		Name:          m.Name,
		LicenceType:   t.Label(m.Locale),
		LicenceNumber: l.Number,
		Note:          note,
	})
}

// ApproveLicenceByEmail approves the latest pending licence of the member
// with the address, for the operator's command line. No such member →
// NotFound; no pending licence → Invalid.
func (s *Service) ApproveLicenceByEmail(ctx context.Context, email, reviewer string) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		m, err := getMember(ctx, tx, `email = $1`, normalizeEmail(email))
		if err != nil {
			return err
		}
		var id int64
		err = tx.QueryRowContext(ctx, `SELECT id FROM licences WHERE member_id = $1 AND status = 'pending'
			ORDER BY submitted_at DESC, id DESC LIMIT 1`, m.ID).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return shop.Errorf(shop.Invalid, "%s has no licence awaiting review", m.Email)
		}
		if err != nil {
			return fmt.Errorf("find pending licence of member %d: %w", m.ID, err)
		}
		return s.review(ctx, tx, id, true, reviewer, "")
	})
}

const licenceQuery = `SELECT l.id, l.member_id, m.name, m.email, l.licence_type, l.licence_number, l.status,
	l.submitted_at, l.reviewed_at, l.reviewer, l.note
	FROM licences l JOIN members m ON m.id = l.member_id`

func scanLicence(sc interface{ Scan(...any) error }) (Licence, error) {
	var l Licence
	var reviewed sql.NullTime
	err := sc.Scan(&l.ID, &l.MemberID, &l.MemberName, &l.MemberEmail, &l.Type, &l.Number, &l.Status,
		&l.SubmittedAt, &reviewed, &l.Reviewer, &l.Note)
	l.SubmittedAt = l.SubmittedAt.UTC()
	if reviewed.Valid {
		l.ReviewedAt = reviewed.Time.UTC()
	}
	return l, err
}

func getLicence(ctx context.Context, q queryer, id int64) (*Licence, error) {
	l, err := scanLicence(q.QueryRowContext(ctx, licenceQuery+` WHERE l.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, shop.Errorf(shop.NotFound, "no such licence")
	}
	if err != nil {
		return nil, fmt.Errorf("get licence %d: %w", id, err)
	}
	return &l, nil
}

func listLicences(ctx context.Context, q queryer, where string, args ...any) ([]Licence, error) {
	rows, err := q.QueryContext(ctx, licenceQuery+` WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("list licences: %w", err)
	}
	defer rows.Close()
	var out []Licence
	for rows.Next() {
		l, err := scanLicence(rows)
		if err != nil {
			return nil, fmt.Errorf("list licences: %w", err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list licences: %w", err)
	}
	return out, nil
}

// PendingLicences returns the licences awaiting review, oldest first, so
// that staff work through them in order.
func (s *Service) PendingLicences(ctx context.Context) ([]Licence, error) {
	return listLicences(ctx, s.db, `l.status = 'pending' ORDER BY l.submitted_at, l.id`)
}

// LicencesFor returns the member's licences, newest first.
func (s *Service) LicencesFor(ctx context.Context, memberID int64) ([]Licence, error) {
	return listLicences(ctx, s.db, `l.member_id = $1 ORDER BY l.submitted_at DESC, l.id DESC`, memberID)
}

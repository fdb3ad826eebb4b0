package member

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/shop"
)

// MemberQuery is the staff's search for customers. Every field is optional.
type MemberQuery struct {
	// Q matches part of the e-mail address, the name or its kana
	// (hiragana is taken as katakana, spaces are ignored), or the phone
	// number (hyphens are ignored).
	Q            string
	Practitioner string // one of the Practitioner… states, or "" for all
	Limit        int    // 1..MaxMemberLimit; 0 means DefaultMemberLimit
	Offset       int
}

// Paging limits of SearchMembers.
const (
	DefaultMemberLimit = 50
	MaxMemberLimit     = 200
	maxMemberQuery     = 100
)

// SearchMembers returns one page of the members matching q, newest first,
// and how many match on all pages. Bad query fields → Invalid naming them
// (q, practitioner, limit, offset).
func (s *Service) SearchMembers(ctx context.Context, q MemberQuery) ([]Member, int, error) {
	p := shop.Problems{}
	q.Q = strings.TrimSpace(norm.NFKC.String(q.Q))
	if utf8.RuneCountInString(q.Q) > maxMemberQuery {
		p.Add("q", shop.ReasonLength)
	}
	switch q.Practitioner {
	case "", PractitionerNone, PractitionerPending, PractitionerApproved, PractitionerRejected:
	default:
		p.Add("practitioner", shop.ReasonChoice)
	}
	if q.Limit == 0 {
		q.Limit = DefaultMemberLimit
	}
	if q.Limit < 1 || q.Limit > MaxMemberLimit {
		p.Add("limit", shop.ReasonRange)
	}
	if q.Offset < 0 {
		p.Add("offset", shop.ReasonRange)
	}
	q.Offset = shop.ClampOffset(q.Offset)
	if err := p.Err(); err != nil {
		return nil, 0, err
	}

	where, args := []string{"TRUE"}, db.Args{}
	if q.Practitioner != "" {
		where = append(where, "practitioner = "+args.Add(q.Practitioner))
	}
	if q.Q != "" {
		where = append(where, "("+strings.Join(memberTextConditions(q.Q, &args), " OR ")+")")
	}
	cond := strings.Join(where, " AND ")
	var members []Member
	var total int
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM members WHERE `+cond, args...).Scan(&total); err != nil {
			return fmt.Errorf("count: %w", err)
		}
		if total == 0 || q.Offset >= total {
			return nil
		}
		page := `SELECT ` + memberColumns + ` FROM members WHERE ` + cond + `
			ORDER BY created_at DESC, id DESC
			LIMIT ` + args.Add(q.Limit) + ` OFFSET ` + args.Add(q.Offset)
		rows, err := tx.QueryContext(ctx, page, args...)
		if err != nil {
			return fmt.Errorf("list: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			m, err := scanMember(rows)
			if err != nil {
				return fmt.Errorf("list: %w", err)
			}
			members = append(members, *m)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, fmt.Errorf("search members: %w", err)
	}
	return members, total, nil
}

// memberTextConditions are the ways the search text may match a member.
// Names are compared without spaces, since 「山田太郎」 and 「山田 太郎」
// are the same person.
func memberTextConditions(q string, args *db.Args) []string {
	like := args.Contains
	noSpaces := func(column string) string { return "REPLACE(REPLACE(" + column + ", ' ', ''), '　', '')" }
	bare := strings.ReplaceAll(q, " ", "")
	conds := []string{
		like("email", strings.ToLower(q)), // stored lower-cased
		like(noSpaces("name"), bare),
	}
	if kana, ok := shop.NormalizeKana(q); ok {
		conds = append(conds, like(noSpaces("name_kana"), strings.ReplaceAll(kana, " ", "")))
	}
	if digits := strings.ReplaceAll(bare, "-", ""); len(digits) >= 3 &&
		!strings.ContainsFunc(digits, func(r rune) bool { return r < '0' || r > '9' }) {
		conds = append(conds, like("REPLACE(phone, '-', '')", digits))
	}
	return conds
}

// scanMember reads one row of memberColumns.
func scanMember(sc interface{ Scan(...any) error }) (*Member, error) {
	var m Member
	var verified sql.NullTime
	if err := sc.Scan(&m.ID, &m.Email, &m.Name, &m.NameKana, &m.Phone, &m.Locale, &verified, &m.Practitioner, &m.CreatedAt); err != nil {
		return nil, err
	}
	if verified.Valid {
		m.VerifiedAt = verified.Time.UTC()
	}
	m.CreatedAt = m.CreatedAt.UTC()
	return &m, nil
}

// Detail is a member as the admin pages show them: the account, their
// licences, their saved addresses and a summary of their orders.
type Detail struct {
	Member    Member
	Licences  []Licence // newest first
	Addresses []Address
	// Orders counts every order the member placed, cancelled ones too;
	// LastOrderAt is the latest one's time, zero if none. The orders
	// themselves are listed by the order package (ListForMember).
	Orders      int
	LastOrderAt time.Time
}

// MemberDetail returns the member with the id and what staff see with
// them, or NotFound.
func (s *Service) MemberDetail(ctx context.Context, id int64) (*Detail, error) {
	var d *Detail
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		d, err = detailTx(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

func detailTx(ctx context.Context, tx *sql.Tx, id int64) (*Detail, error) {
	m, err := getMember(ctx, tx, `id = $1`, id)
	if err != nil {
		return nil, err
	}
	d := &Detail{Member: *m}
	if d.Licences, err = listLicences(ctx, tx, `l.member_id = $1 ORDER BY l.submitted_at DESC, l.id DESC`, id); err != nil {
		return nil, err
	}
	if d.Addresses, err = addressesOf(ctx, tx, id); err != nil {
		return nil, err
	}
	return d, countOrders(ctx, tx, d)
}

func addressesOf(ctx context.Context, tx *sql.Tx, memberID int64) ([]Address, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+addressColumns+` FROM addresses
		WHERE member_id = $1 ORDER BY is_default DESC, id`, memberID)
	if err != nil {
		return nil, fmt.Errorf("list addresses of member %d: %w", memberID, err)
	}
	defer rows.Close()
	var out []Address
	for rows.Next() {
		a, err := scanAddress(rows)
		if err != nil {
			return nil, fmt.Errorf("list addresses of member %d: %w", memberID, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list addresses of member %d: %w", memberID, err)
	}
	return out, nil
}

// countOrders fills in the member's order summary. A count and a date are
// all the member package reads of orders: the order package owns them and
// lists them. The date is read as a column rather than MAX(created_at),
// whose result SQLite returns as text, not a time.
func countOrders(ctx context.Context, tx *sql.Tx, d *Detail) error {
	id := d.Member.ID
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM orders WHERE member_id = $1`, id).Scan(&d.Orders); err != nil {
		return fmt.Errorf("count orders of member %d: %w", id, err)
	}
	if d.Orders == 0 {
		return nil
	}
	err := tx.QueryRowContext(ctx, `SELECT created_at FROM orders WHERE member_id = $1
		ORDER BY created_at DESC, id DESC LIMIT 1`, id).Scan(&d.LastOrderAt)
	if err != nil {
		return fmt.Errorf("last order of member %d: %w", id, err)
	}
	d.LastOrderAt = d.LastOrderAt.UTC()
	return nil
}

// ReviewLicenceBy is ReviewLicence for a member of staff: the decision,
// the member's new practitioner state, the e-mail to the member and an
// audit entry ("licence.review", with the licence's and the member's state
// before and after) are one transaction. The reviewer recorded on the
// licence is by.Name.
func (s *Service) ReviewLicenceBy(ctx context.Context, licenceID int64, approve bool, note string, by audit.Actor) (*Licence, error) {
	var l *Licence
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		before, err := licenceStateOf(ctx, tx, licenceID)
		if err != nil {
			return err
		}
		if err := s.review(ctx, tx, licenceID, approve, by.Name, note); err != nil {
			return err
		}
		after, err := licenceStateOf(ctx, tx, licenceID)
		if err != nil {
			return err
		}
		err = audit.Record(ctx, tx, s.now(), by, "licence.review", "licence:"+strconv.FormatInt(licenceID, 10), before, after)
		if err != nil {
			return fmt.Errorf("review licence %d: %w", licenceID, err)
		}
		l, err = getLicence(ctx, tx, licenceID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// licenceState is a licence and its member as the audit log records them.
// The licence number is kept: it is what the decision was about.
type licenceState struct {
	MemberID     int64  `json:"member_id"`
	Type         string `json:"type"`
	Number       string `json:"number"`
	Status       string `json:"status"`
	Note         string `json:"note"`
	Practitioner string `json:"practitioner"`
}

func licenceStateOf(ctx context.Context, tx *sql.Tx, licenceID int64) (licenceState, error) {
	l, err := getLicence(ctx, tx, licenceID)
	if err != nil {
		return licenceState{}, err
	}
	m, err := getMember(ctx, tx, `id = $1`, l.MemberID)
	if err != nil {
		return licenceState{}, err
	}
	return licenceState{MemberID: l.MemberID, Type: l.Type, Number: l.Number, Status: l.Status, Note: l.Note,
		Practitioner: m.Practitioner}, nil
}

// CountAwaitingReview is the number of members whose practitioner licence
// waits for staff to review it, for the admin's dashboard.
func (s *Service) CountAwaitingReview(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM members WHERE practitioner = $1`,
		PractitionerPending).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count pending licences: %w", err)
	}
	return n, nil
}

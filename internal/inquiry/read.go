package inquiry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"kaede/internal/db"
	"kaede/internal/shop"
)

const ticketColumns = `id, created_at, updated_at, name, email, phone, topic, subject, body, order_number,
	member_id, incident_id, locale, state, assignee_id, due_at, responded_at, closed_at, acked_at`

// scanTicket reads a row of ticketColumns.
func scanTicket(row interface{ Scan(...any) error }) (*Ticket, error) {
	var t Ticket
	var member, incident, assignee sql.NullInt64
	var responded, closed, acked sql.NullTime
	if err := row.Scan(&t.ID, &t.CreatedAt, &t.UpdatedAt, &t.Name, &t.Email, &t.Phone, &t.Topic, &t.Subject, &t.Body,
		&t.OrderNumber, &member, &incident, &t.Locale, &t.State, &assignee, &t.DueAt, &responded, &closed, &acked); err != nil {
		return nil, err
	}
	t.Number = Number(t.ID)
	t.MemberID, t.IncidentID, t.AssigneeID = member.Int64, incident.Int64, assignee.Int64
	t.CreatedAt, t.UpdatedAt, t.DueAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC(), t.DueAt.UTC()
	t.RespondedAt, t.ClosedAt, t.AckedAt = utc(responded), utc(closed), utc(acked)
	return &t, nil
}

func utc(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// queryer is what both *sql.DB and *sql.Tx offer.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// getTicket reads the ticket a number names; lock holds its row until tx
// ends (PostgreSQL; SQLite's writer already holds the database).
func (s *Service) getTicket(ctx context.Context, q queryer, number string, lock bool) (*Ticket, error) {
	id, ok := ParseNumber(number)
	if !ok {
		return nil, notFound()
	}
	query := `SELECT ` + ticketColumns + ` FROM inquiry_tickets WHERE id = $1`
	if lock {
		query += s.db.ForUpdate()
	}
	t, err := scanTicket(q.QueryRowContext(ctx, query, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound()
	}
	if err != nil {
		return nil, fmt.Errorf("read inquiry %s: %w", Number(id), err)
	}
	return t, nil
}

// Get returns the ticket with the number, or NotFound.
func (s *Service) Get(ctx context.Context, number string) (*Ticket, error) {
	return s.getTicket(ctx, s.db, number, false)
}

// Thread returns the replies and notes of the ticket with the number,
// oldest first.
func (s *Service) Thread(ctx context.Context, number string) ([]Message, error) {
	id, ok := ParseNumber(number)
	if !ok {
		return nil, notFound()
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, ticket_id, kind, body, author, mail_id, created_at
		FROM inquiry_messages WHERE ticket_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("read the thread of %s: %w", Number(id), err)
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		var mailID sql.NullInt64
		if err := rows.Scan(&m.ID, &m.TicketID, &m.Kind, &m.Body, &m.Author, &mailID, &m.CreatedAt); err != nil {
			return nil, fmt.Errorf("read the thread of %s: %w", Number(id), err)
		}
		m.MailID, m.CreatedAt = mailID.Int64, m.CreatedAt.UTC()
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the thread of %s: %w", Number(id), err)
	}
	return out, nil
}

// Query is a search of the tickets, newest first.
type Query struct {
	// State is "" for every state, Active for every state but closed, or
	// one State.
	State string
	// IncidentID keeps the tickets about one incident; 0 any.
	IncidentID int64
	// Assignee keeps one member of staff's tickets, or Unassigned's; 0
	// anyone's.
	Assignee int64
	// Overdue keeps the tickets waiting past their due time for a first
	// reply (Ticket.Overdue).
	Overdue bool
	// Q matches a ticket number, or part of the name, e-mail address or
	// order number.
	Q string
	// Limit is 1..MaxLimit, 0 for DefaultLimit; Offset skips as many.
	Limit, Offset int
}

// Query values.
const (
	Active             = "active" // Query.State: every state but closed
	Unassigned   int64 = -1       // Query.Assignee: nobody's
	DefaultLimit       = 50
	MaxLimit           = 200
	maxQuery           = 100
)

// overdueCondition is Ticket.Overdue in SQL, with the time as $n.
func overdueCondition(now string) string {
	return `(state IN ('new', 'open') AND responded_at IS NULL AND due_at <= ` + now + `)`
}

// Search returns the tickets matching q, newest first, and how many match
// in all. A bad filter is Invalid naming it (state, incident, assignee, q,
// limit, offset).
func (s *Service) Search(ctx context.Context, q Query) ([]Ticket, int, error) {
	p := shop.Problems{}
	if q.State != "" && q.State != Active && !State(q.State).Valid() {
		p.Add("state", shop.ReasonChoice)
	}
	if q.IncidentID < 0 {
		p.Add("incident", shop.ReasonRange)
	}
	if q.Assignee < Unassigned {
		p.Add("assignee", shop.ReasonChoice)
	}
	q.Q = strings.TrimSpace(shop.Normalize(q.Q))
	if utf8.RuneCountInString(q.Q) > maxQuery {
		p.Add("q", shop.ReasonLength)
	}
	if q.Limit == 0 {
		q.Limit = DefaultLimit
	}
	if q.Limit < 1 || q.Limit > MaxLimit {
		p.Add("limit", shop.ReasonRange)
	}
	if q.Offset < 0 {
		p.Add("offset", shop.ReasonRange)
	}
	if err := p.Err(); err != nil {
		return nil, 0, fmt.Errorf("search inquiries: %w", err)
	}
	q.Offset = shop.ClampOffset(q.Offset)

	where, args := []string{"TRUE"}, db.Args{}
	switch q.State {
	case "":
	case Active:
		where = append(where, "state <> 'closed'")
	default:
		where = append(where, "state = "+args.Add(q.State))
	}
	if q.IncidentID > 0 {
		where = append(where, "incident_id = "+args.Add(q.IncidentID))
	}
	switch {
	case q.Assignee == Unassigned:
		where = append(where, "assignee_id IS NULL")
	case q.Assignee > 0:
		where = append(where, "assignee_id = "+args.Add(q.Assignee))
	}
	if q.Overdue {
		where = append(where, overdueCondition(args.Add(s.now())))
	}
	if q.Q != "" {
		or := []string{args.Contains("name", q.Q), args.Contains("email", strings.ToLower(q.Q)),
			args.Contains("order_number", strings.ToUpper(q.Q))}
		if id, ok := ParseNumber(q.Q); ok {
			or = append(or, "id = "+args.Add(id))
		}
		where = append(where, "("+strings.Join(or, " OR ")+")")
	}
	cond := strings.Join(where, " AND ")
	var list []Ticket
	var total int
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM inquiry_tickets WHERE `+cond, args...).Scan(&total); err != nil {
			return fmt.Errorf("count: %w", err)
		}
		if total == 0 || q.Offset >= total {
			return nil
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+ticketColumns+` FROM inquiry_tickets WHERE `+cond+`
			ORDER BY id DESC LIMIT `+args.Add(q.Limit)+` OFFSET `+args.Add(q.Offset), args...)
		if err != nil {
			return fmt.Errorf("list: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			t, err := scanTicket(rows)
			if err != nil {
				return fmt.Errorf("list: %w", err)
			}
			list = append(list, *t)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, fmt.Errorf("search inquiries: %w", err)
	}
	return list, total, nil
}

// Counts are how many tickets are in each state, and how many of the
// active ones are overdue.
type Counts struct {
	New, Open, Waiting, Closed int
	Overdue                    int
}

// Active is how many tickets still need the desk: new, open or waiting.
func (c Counts) Active() int { return c.New + c.Open + c.Waiting }

// Counts returns the tickets' counts, of every ticket when incidentID is 0
// or of those about that incident: the incident desk shows them.
func (s *Service) Counts(ctx context.Context, incidentID int64) (Counts, error) {
	var args db.Args
	now := args.Add(s.now())
	query := `SELECT state, COUNT(*), COALESCE(SUM(CASE WHEN ` + overdueCondition(now) + ` THEN 1 ELSE 0 END), 0)
		FROM inquiry_tickets`
	if incidentID != 0 {
		query += ` WHERE incident_id = ` + args.Add(incidentID)
	}
	rows, err := s.db.QueryContext(ctx, query+` GROUP BY state`, args...)
	if err != nil {
		return Counts{}, fmt.Errorf("count inquiries: %w", err)
	}
	defer rows.Close()
	var c Counts
	for rows.Next() {
		var state State
		var n, overdue int
		if err := rows.Scan(&state, &n, &overdue); err != nil {
			return Counts{}, fmt.Errorf("count inquiries: %w", err)
		}
		switch state {
		case StateNew:
			c.New = n
		case StateOpen:
			c.Open = n
		case StateWaiting:
			c.Waiting = n
		case StateClosed:
			c.Closed = n
		}
		c.Overdue += overdue
	}
	if err := rows.Err(); err != nil {
		return Counts{}, fmt.Errorf("count inquiries: %w", err)
	}
	return c, nil
}

package inquiry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"kaede/internal/settings"
	"kaede/internal/shop"
)

// Window allows at most Max events in any Per-long period.
type Window struct {
	Max int
	Per time.Duration
}

// Limits keep the contact form, which anyone may use, from becoming a way
// to flood the desk or to make the shop send e-mail to strangers. Every
// window of a list applies at once. The counts are of tickets in the
// database, so they hold across restarts and across instances; on
// PostgreSQL two forms sent in the same instant may both pass the last
// free place of a window, which a limit against floods can afford.
type Limits struct {
	// PerAddress counts the tickets from one client address
	// (edge.Proxies.ClientAddr); PerEmail those from one e-mail address.
	// Past either, Submit refuses with TooMany.
	PerAddress []Window
	PerEmail   []Window
	// Acks caps the acknowledgement e-mails of the whole shop. Past it,
	// a ticket is still created, without an e-mail.
	Acks []Window
	// DuplicateWithin: the same message from the same address within this
	// time is the form sent twice (a double click, a reload), and gets the
	// first ticket back instead of a second one.
	DuplicateWithin time.Duration
}

// DefaultLimits allows one client address 5 tickets an hour and 20 a day,
// one e-mail address 3 an hour and 10 a day, and the shop 60
// acknowledgements an hour and 300 a day: far above what the shop's
// customers write even after a breach notice to thousands of them (a few
// percent write, over days), far below what would get the shop's mail
// server listed as a spammer.
func DefaultLimits() Limits {
	return Limits{
		PerAddress:      []Window{{Max: 5, Per: time.Hour}, {Max: 20, Per: 24 * time.Hour}},
		PerEmail:        []Window{{Max: 3, Per: time.Hour}, {Max: 10, Per: 24 * time.Hour}},
		Acks:            []Window{{Max: 60, Per: time.Hour}, {Max: 300, Per: 24 * time.Hour}},
		DuplicateWithin: 10 * time.Minute,
	}
}

// errTooMany refuses a form over a per-address or per-e-mail limit. The
// store's page suggests the phone instead.
var errTooMany = &shop.Error{Code: shop.TooMany, Message: "too many inquiries in a short time; please wait a while or call us"}

// Lengths of the form's fields, in characters.
const (
	MaxName        = 60
	MaxSubject     = 100
	MaxMessage     = 4000
	MaxOrderNumber = 30
)

// Submission is what the store's contact form sends.
type Submission struct {
	Name        string
	Email       string
	Phone       string // optional
	Topic       string // one of Topics
	Subject     string // optional
	Message     string
	OrderNumber string // optional
	// IncidentID is the incident the form was reached from (the notice's
	// link), with Topic "incident"; the store checks that it exists.
	// Ignored with another topic.
	IncidentID int64
	Locale     string // the page's language: "en", else Japanese
	// MemberID is the logged-in customer, 0 for a guest; a guest is linked
	// to the member with the same e-mail address.
	MemberID int64
	// ClientAddr is the client's address, for the per-address limit.
	ClientAddr string
}

// Receipt is what the customer is told after sending the form.
type Receipt struct {
	Number string
	DueAt  time.Time
	// Acknowledged says an acknowledgement e-mail was queued (for a
	// duplicate: for the first ticket).
	Acknowledged bool
	// Duplicate says the form had been sent already: Number is the first
	// ticket's, and nothing new was created or sent.
	Duplicate bool
}

var orderNumberPattern = regexp.MustCompile(`^[A-Z0-9][A-Z0-9-]*$`)

// clean normalises a submission and reports every bad field by the form's
// name: name, email, phone, topic, incident, subject, message,
// order_number.
func (in Submission) clean() (Submission, error) {
	p := shop.Problems{}
	in.Name, _ = shop.MaskCardNumbers(strings.TrimSpace(in.Name))
	shop.CheckText(p, "name", in.Name, true, MaxName)
	if looksLikeLink(in.Name) {
		// The name is the one thing of theirs the acknowledgement
		// repeats: it must not carry a link to someone else's inbox.
		p.Add("name", shop.ReasonFormat)
	}
	in.Email = shop.NormalizeEmail(in.Email)
	shop.CheckEmail(p, "email", in.Email)
	if in.Phone = strings.TrimSpace(in.Phone); in.Phone != "" {
		if ph, ok := shop.NormalizePhone(in.Phone); ok {
			in.Phone = ph
		} else {
			p.Add("phone", shop.ReasonFormat)
		}
	}
	switch t := Topic(in.Topic); {
	case in.Topic == "":
		p.Add("topic", shop.ReasonRequired)
	case !t.Valid():
		p.Add("topic", shop.ReasonChoice)
	case t == TopicIncident && in.IncidentID <= 0:
		p.Add("incident", shop.ReasonRequired)
	}
	if Topic(in.Topic) != TopicIncident {
		in.IncidentID = 0
	}
	in.Subject, _ = shop.MaskCardNumbers(strings.TrimSpace(in.Subject))
	shop.CheckText(p, "subject", in.Subject, false, MaxSubject)
	in.Message, _ = shop.MaskCardNumbers(cleanText(in.Message))
	shop.CheckMultiline(p, "message", in.Message, true, MaxMessage)
	if in.OrderNumber = strings.ToUpper(shop.Normalize(in.OrderNumber)); in.OrderNumber != "" {
		masked, n := shop.MaskCardNumbers(in.OrderNumber)
		switch {
		case utf8.RuneCountInString(in.OrderNumber) > MaxOrderNumber:
			p.Add("order_number", shop.ReasonLength)
		case n > 0 || !orderNumberPattern.MatchString(in.OrderNumber):
			p.Add("order_number", shop.ReasonFormat)
		}
		in.OrderNumber = masked
	}
	if in.Locale != "en" {
		in.Locale = "ja"
	}
	return in, p.Err()
}

// looksLikeLink reports whether s holds something a mail program would
// show as a link.
func looksLikeLink(s string) bool {
	l := strings.ToLower(s)
	return strings.Contains(l, "://") || strings.Contains(l, "www.") || strings.Contains(l, "http")
}

// cleanText makes a multi-line text's line breaks one kind and trims it.
func cleanText(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n"))
}

// Submit creates a ticket from the contact form and queues its
// acknowledgement e-mail in the same transaction, unless the shop-wide cap
// is reached. It returns Invalid naming every bad field, TooMany past a
// per-address or per-e-mail limit, and for the same message sent again
// soon after, the first ticket's receipt.
func (s *Service) Submit(ctx context.Context, in Submission) (Receipt, error) {
	in, err := in.clean()
	if err != nil {
		return Receipt{}, fmt.Errorf("submit inquiry: %w", err)
	}
	memberID := in.MemberID
	if memberID == 0 && s.members != nil {
		m, err := s.members.ByEmail(ctx, in.Email)
		switch {
		case err == nil:
			memberID = m.ID
		case shop.ErrorCode(err) != shop.NotFound:
			return Receipt{}, fmt.Errorf("submit inquiry: %w", err)
		}
	}
	st, err := settings.Load(ctx, s.db)
	if err != nil {
		return Receipt{}, fmt.Errorf("submit inquiry: %w", err)
	}
	cal, err := DeskCalendar(ctx, s.db)
	if err != nil {
		return Receipt{}, fmt.Errorf("submit inquiry: %w", err)
	}
	now := s.now()
	due, err := DueAt(now, st.Desk, cal)
	if err != nil {
		return Receipt{}, fmt.Errorf("submit inquiry: %w", err)
	}
	t := &Ticket{CreatedAt: now, UpdatedAt: now, Name: in.Name, Email: in.Email, Phone: in.Phone,
		Topic: Topic(in.Topic), Subject: in.Subject, Body: in.Message, OrderNumber: in.OrderNumber,
		MemberID: memberID, IncidentID: in.IncidentID, Locale: in.Locale, State: StateNew, DueAt: due}
	var rec Receipt
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if dup, ok, err := s.duplicate(ctx, tx, t); err != nil || ok {
			rec = dup
			return err
		}
		if err := s.checkLimits(ctx, tx, in, now); err != nil {
			return err
		}
		ack, err := s.underCap(ctx, tx, now)
		if err != nil {
			return err
		}
		if ack {
			t.AckedAt = now
		}
		if err := insertTicket(ctx, tx, t, in.ClientAddr); err != nil {
			return err
		}
		if ack {
			if _, err := s.send(ctx, tx, t, "ack", newMailData(t, st)); err != nil {
				return err
			}
		}
		rec = Receipt{Number: t.Number, DueAt: t.DueAt, Acknowledged: ack}
		return nil
	})
	if err != nil {
		return Receipt{}, fmt.Errorf("submit inquiry: %w", err)
	}
	return rec, nil
}

// duplicate finds the same message from the same address sent within
// Limits.DuplicateWithin.
func (s *Service) duplicate(ctx context.Context, tx *sql.Tx, t *Ticket) (Receipt, bool, error) {
	if s.limits.DuplicateWithin <= 0 {
		return Receipt{}, false, nil
	}
	var id int64
	var due time.Time
	var acked sql.NullTime
	err := tx.QueryRowContext(ctx, `SELECT id, due_at, acked_at FROM inquiry_tickets
		WHERE email = $1 AND created_at >= $2 AND topic = $3 AND subject = $4 AND body = $5
		ORDER BY id DESC LIMIT 1`,
		t.Email, t.CreatedAt.Add(-s.limits.DuplicateWithin), string(t.Topic), t.Subject, t.Body).Scan(&id, &due, &acked)
	if errors.Is(err, sql.ErrNoRows) {
		return Receipt{}, false, nil
	}
	if err != nil {
		return Receipt{}, false, fmt.Errorf("look for a duplicate: %w", err)
	}
	return Receipt{Number: Number(id), DueAt: due.UTC(), Acknowledged: acked.Valid, Duplicate: true}, true, nil
}

// checkLimits refuses a form past the per-address or per-e-mail limits.
func (s *Service) checkLimits(ctx context.Context, tx *sql.Tx, in Submission, now time.Time) error {
	checks := []struct {
		where   string
		arg     string
		windows []Window
	}{
		{`client_ip = $1 AND created_at > $2`, in.ClientAddr, s.limits.PerAddress},
		{`email = $1 AND created_at > $2`, in.Email, s.limits.PerEmail},
	}
	for _, c := range checks {
		if c.arg == "" {
			continue // no client address: a test or a tool, not a browser
		}
		over, err := s.over(ctx, tx, c.where, c.arg, c.windows, now)
		if err != nil {
			return err
		}
		if over {
			return errTooMany
		}
	}
	return nil
}

// over reports whether the tickets matching where (with arg as $1 and a
// window's start as $2) have reached the Max of any window.
func (s *Service) over(ctx context.Context, tx *sql.Tx, where string, arg any, windows []Window, now time.Time) (bool, error) {
	for _, w := range windows {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM inquiry_tickets WHERE `+where, arg, now.Add(-w.Per)).Scan(&n); err != nil {
			return false, fmt.Errorf("count recent inquiries: %w", err)
		}
		if n >= w.Max {
			return true, nil
		}
	}
	return false, nil
}

// underCap reports whether the shop may send one more acknowledgement.
func (s *Service) underCap(ctx context.Context, tx *sql.Tx, now time.Time) (bool, error) {
	for _, w := range s.limits.Acks {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM inquiry_tickets WHERE acked_at > $1`, now.Add(-w.Per)).Scan(&n); err != nil {
			return false, fmt.Errorf("count acknowledgements: %w", err)
		}
		if n >= w.Max {
			return false, nil
		}
	}
	return true, nil
}

// insertTicket stores a new ticket and sets its ID and Number.
func insertTicket(ctx context.Context, tx *sql.Tx, t *Ticket, clientAddr string) error {
	err := tx.QueryRowContext(ctx, `INSERT INTO inquiry_tickets (created_at, updated_at, name, email, phone, topic,
			subject, body, order_number, member_id, incident_id, locale, state, due_at, acked_at, client_ip)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id`,
		t.CreatedAt, t.UpdatedAt, t.Name, t.Email, t.Phone, string(t.Topic), t.Subject, t.Body, t.OrderNumber,
		nullID(t.MemberID), nullID(t.IncidentID), t.Locale, string(t.State), t.DueAt, nullTime(t.AckedAt),
		clientAddr).Scan(&t.ID)
	if err != nil {
		return fmt.Errorf("insert inquiry: %w", err)
	}
	t.Number = Number(t.ID)
	return nil
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id > 0} }

func nullTime(t time.Time) sql.NullTime { return sql.NullTime{Time: t, Valid: !t.IsZero()} }

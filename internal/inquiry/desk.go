package inquiry

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"kaede/internal/audit"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// MaxText is the longest reply, note or canned reply, in characters.
const MaxText = 10000

// ticketState is a ticket as the audit log records it: its number and
// what staff change, never the customer's words or the staff's text,
// which are personal data and go when the ticket is pruned, while the
// audit log is kept for good.
type ticketState struct {
	Number     string `json:"number"`
	State      State  `json:"state"`
	AssigneeID int64  `json:"assignee_id,omitempty"`
	IncidentID int64  `json:"incident_id,omitempty"`
}

func stateOf(t *Ticket) ticketState {
	return ticketState{Number: t.Number, State: t.State, AssigneeID: t.AssigneeID, IncidentID: t.IncidentID}
}

// messageState is a reply or note as the audit log records it: which, how
// long, and for a reply the e-mail that carries it.
type messageState struct {
	ticketState
	MessageID int64 `json:"message_id"`
	Kind      Kind  `json:"kind"`
	Chars     int   `json:"chars"`
	MailID    int64 `json:"mail_id,omitempty"`
}

// change runs fn on the ticket, locked, in a transaction, then stores its
// state, assignee, incident and times as fn left them and audits action
// with the ticket before and after (after is fn's own record when it
// returns one).
func (s *Service) change(ctx context.Context, number, action string, by audit.Actor,
	fn func(tx *sql.Tx, t *Ticket, now time.Time) (after any, err error)) error {
	now := s.now()
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		t, err := s.getTicket(ctx, tx, number, true)
		if err != nil {
			return err
		}
		before := stateOf(t)
		after, err := fn(tx, t, now)
		if err != nil {
			return err
		}
		t.UpdatedAt = now
		if _, err := tx.ExecContext(ctx, `UPDATE inquiry_tickets SET state = $1, assignee_id = $2, incident_id = $3,
				responded_at = $4, closed_at = $5, updated_at = $6 WHERE id = $7`,
			string(t.State), nullID(t.AssigneeID), nullID(t.IncidentID), nullTime(t.RespondedAt), nullTime(t.ClosedAt),
			t.UpdatedAt, t.ID); err != nil {
			return fmt.Errorf("update: %w", err)
		}
		if after == nil {
			after = stateOf(t)
		}
		return audit.Record(ctx, tx, now, by, action, target(t.ID), before, after)
	})
	if err != nil {
		return fmt.Errorf("%s %s: %w", action, number, err)
	}
	return nil
}

// moveTo changes the state and keeps ClosedAt with it.
func (t *Ticket) moveTo(to State, now time.Time) {
	t.State = to
	if to == StateClosed {
		t.ClosedAt = now
	} else {
		t.ClosedAt = time.Time{}
	}
}

// conflict refuses an action the ticket's state does not allow.
func conflict(format string, args ...any) error { return shop.Errorf(shop.Conflict, format, args...) }

// cleanStaffText validates a reply's or a note's text as field, with card
// numbers masked.
func cleanStaffText(field, text string) (string, error) {
	text, _ = shop.MaskCardNumbers(cleanText(text))
	p := shop.Problems{}
	shop.CheckMultiline(p, field, text, true, MaxText)
	return text, p.Err()
}

// Reply e-mails text to the customer as the shop's answer, in 敬語 around
// it and with the ticket number in the subject, records it in the thread
// and audits it ("inquiry.reply"), all in one transaction. The ticket
// moves to waiting for the customer, or to closed when close is set; the
// first reply stops it from being overdue. A closed ticket must be
// reopened first (Conflict). Bad text is Invalid on "text".
func (s *Service) Reply(ctx context.Context, number, text string, close bool, by audit.Actor) (*Message, error) {
	text, err := cleanStaffText("text", text)
	if err != nil {
		return nil, fmt.Errorf("reply to %s: %w", number, err)
	}
	st, err := settings.Load(ctx, s.db)
	if err != nil {
		return nil, fmt.Errorf("reply to %s: %w", number, err)
	}
	var msg *Message
	err = s.change(ctx, number, "inquiry.reply", by, func(tx *sql.Tx, t *Ticket, now time.Time) (any, error) {
		if t.State == StateClosed {
			return nil, conflict("the inquiry is closed; reopen it to reply")
		}
		d := newMailData(t, st)
		d.Text = text
		mailID, err := s.send(ctx, tx, t, "reply", d)
		if err != nil {
			return nil, err
		}
		if msg, err = addMessage(ctx, tx, t, Reply, text, by, mailID, now); err != nil {
			return nil, err
		}
		if t.RespondedAt.IsZero() {
			t.RespondedAt = now
		}
		if close {
			t.moveTo(StateClosed, now)
		} else {
			t.moveTo(StateWaiting, now)
		}
		return messageState{ticketState: stateOf(t), MessageID: msg.ID, Kind: Reply, Chars: len([]rune(text)), MailID: mailID}, nil
	})
	if err != nil {
		return nil, err
	}
	return msg, nil
}

// AddNote adds an internal note to the thread, audited ("inquiry.note").
// A note is never shown or e-mailed to the customer and changes nothing
// else; closed tickets take notes too (a call after closing). Bad text is
// Invalid on "note".
func (s *Service) AddNote(ctx context.Context, number, text string, by audit.Actor) (*Message, error) {
	text, err := cleanStaffText("note", text)
	if err != nil {
		return nil, fmt.Errorf("note on %s: %w", number, err)
	}
	var msg *Message
	err = s.change(ctx, number, "inquiry.note", by, func(tx *sql.Tx, t *Ticket, now time.Time) (any, error) {
		var err error
		if msg, err = addMessage(ctx, tx, t, Note, text, by, 0, now); err != nil {
			return nil, err
		}
		return messageState{ticketState: stateOf(t), MessageID: msg.ID, Kind: Note, Chars: len([]rune(text))}, nil
	})
	if err != nil {
		return nil, err
	}
	return msg, nil
}

// addMessage stores a reply or note of the ticket.
func addMessage(ctx context.Context, tx *sql.Tx, t *Ticket, kind Kind, text string, by audit.Actor, mailID int64, now time.Time) (*Message, error) {
	m := &Message{TicketID: t.ID, Kind: kind, Body: text, Author: by.Name, MailID: mailID, CreatedAt: now}
	err := tx.QueryRowContext(ctx, `INSERT INTO inquiry_messages (ticket_id, kind, body, author, mail_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, t.ID, string(kind), text, by.Name, nullID(mailID), now).Scan(&m.ID)
	if err != nil {
		return nil, fmt.Errorf("add %s: %w", kind, err)
	}
	return m, nil
}

// Assign gives the ticket to the member of staff with the id, or to
// nobody with 0, audited ("inquiry.assign"). The caller checks that the id
// is an active member of staff whose role handles inquiries
// (staff.Granted): the staff table is the staff package's. Assigning a new
// ticket opens it: someone is on it.
func (s *Service) Assign(ctx context.Context, number string, staffID int64, by audit.Actor) error {
	if staffID < 0 {
		return fmt.Errorf("assign %s: %w", number, shop.Problems{"assignee": shop.ReasonChoice}.Err())
	}
	return s.change(ctx, number, "inquiry.assign", by, func(tx *sql.Tx, t *Ticket, now time.Time) (any, error) {
		t.AssigneeID = staffID
		if staffID != 0 && t.State == StateNew {
			t.moveTo(StateOpen, now)
		}
		return nil, nil
	})
}

// Move changes the ticket's state as staff choose (State.CanMoveTo),
// audited ("inquiry.state"): reopening a closed ticket, closing one that
// needs no reply, putting one back to open after the customer called.
// A move the state does not allow is Conflict; an unknown state is
// Invalid on "state".
func (s *Service) Move(ctx context.Context, number string, to State, by audit.Actor) error {
	if !to.Valid() {
		return fmt.Errorf("move %s: %w", number, shop.Problems{"state": shop.ReasonChoice}.Err())
	}
	return s.change(ctx, number, "inquiry.state", by, func(tx *sql.Tx, t *Ticket, now time.Time) (any, error) {
		if !t.State.CanMoveTo(to) {
			return nil, conflict("an inquiry that is %s cannot become %s", t.State, to)
		}
		t.moveTo(to, now)
		return nil, nil
	})
}

// SetIncident links the ticket to an incident, or unlinks it with 0,
// audited ("inquiry.incident"): a customer who called about the breach
// is counted on the incident too. The caller checks that the incident
// exists; a negative id is Invalid on "incident".
func (s *Service) SetIncident(ctx context.Context, number string, incidentID int64, by audit.Actor) error {
	if incidentID < 0 {
		return fmt.Errorf("link %s to an incident: %w", number, shop.Problems{"incident": shop.ReasonRange}.Err())
	}
	return s.change(ctx, number, "inquiry.incident", by, func(tx *sql.Tx, t *Ticket, now time.Time) (any, error) {
		t.IncidentID = incidentID
		return nil, nil
	})
}

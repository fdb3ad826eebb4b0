// Package inquiry is the inquiry desk (お問い合わせ窓口): tickets from the
// store's contact form, each with its thread of replies e-mailed to the
// customer and internal notes, its state, its assignee and its first-reply
// deadline; the canned replies staff start from; and the counts of active
// and overdue tickets the incident desk shows per incident.
//
// A ticket moves new → open → waiting_customer → closed, and a closed one
// can be reopened (State). Every change staff make is audited in its own
// transaction; a reply's e-mail is queued in the same transaction, in 敬語,
// with the ticket number in the subject. Notes are never shown or e-mailed
// to the customer. What the customer writes back by e-mail is not read by
// Kaede: it reaches the shop's mailbox, and staff record what matters as a
// note.
//
// The contact form is open to anyone, so Submit limits new tickets per
// client address and per e-mail address, and caps acknowledgement e-mails
// shop-wide (Limits). Past the cap a ticket is still created, for a real
// customer must not be turned away when many write at once (after a breach
// notice), but no e-mail goes out and the page says so. Card numbers
// typed into any text are masked before they are stored (shop.MaskCardNumbers).
package inquiry

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"kaede/internal/db"
	"kaede/internal/mail"
	"kaede/internal/member"
	"kaede/internal/shop"
)

// State is where a ticket stands.
type State string

// The states. New and open tickets are the desk's to act on; a waiting one
// has been answered; a closed one is done and can be reopened.
const (
	StateNew     State = "new"              // arrived; nobody has acted on it yet
	StateOpen    State = "open"             // a member of staff is on it
	StateWaiting State = "waiting_customer" // answered; the customer is to reply or call
	StateClosed  State = "closed"           // done; reopening moves it to StateOpen
)

// States lists every state in a ticket's order of life, for forms.
var States = []State{StateNew, StateOpen, StateWaiting, StateClosed}

// moves are the changes of state staff may make. A reply moves a ticket
// to StateWaiting (or StateClosed) by itself; assigning a new one opens it.
var moves = map[State][]State{
	StateNew:     {StateOpen, StateWaiting, StateClosed},
	StateOpen:    {StateWaiting, StateClosed},
	StateWaiting: {StateOpen, StateClosed},
	StateClosed:  {StateOpen},
}

// Valid reports whether s is one of the states.
func (s State) Valid() bool {
	_, ok := moves[s]
	return ok
}

// CanMoveTo reports whether staff may move a ticket from s to to.
func (s State) CanMoveTo(to State) bool {
	for _, t := range moves[s] {
		if t == to {
			return true
		}
	}
	return false
}

// Active reports whether the ticket still needs the desk: any state but
// StateClosed.
func (s State) Active() bool { return s.Valid() && s != StateClosed }

// Topic is what an inquiry is about, chosen on the form.
type Topic string

// The topics, in the form's order.
const (
	TopicOrder    Topic = "order"
	TopicDelivery Topic = "delivery"
	TopicProduct  Topic = "product"
	TopicPayment  Topic = "payment"
	TopicAccount  Topic = "account"
	TopicIncident Topic = "incident" // the incident Ticket.IncidentID names
	TopicOther    Topic = "other"
)

// Topics lists the topics in the form's order.
var Topics = []Topic{TopicOrder, TopicDelivery, TopicProduct, TopicPayment, TopicAccount, TopicIncident, TopicOther}

// topicLabels are the topics' names in Japanese and English: the form,
// the admin and the acknowledgement e-mail use the same words.
var topicLabels = map[Topic][2]string{
	TopicOrder:    {"ご注文について", "An order"},
	TopicDelivery: {"配送・お届けについて", "Delivery"},
	TopicProduct:  {"商品について", "A product"},
	TopicPayment:  {"お支払いについて", "Payment"},
	TopicAccount:  {"会員登録・マイページについて", "Your account"},
	TopicIncident: {"「お詫びとお知らせ」の件について", "Our notice of an incident"},
	TopicOther:    {"その他", "Something else"},
}

// Valid reports whether t is one of the topics.
func (t Topic) Valid() bool {
	_, ok := topicLabels[t]
	return ok
}

// Label is the topic's name in locale ("en", else Japanese).
func (t Topic) Label(locale string) string {
	l, ok := topicLabels[t]
	if !ok {
		return string(t)
	}
	if locale == "en" {
		return l[1]
	}
	return l[0]
}

// Number is how a ticket is named to the customer and to staff: "Q-" and
// its id in at least six digits, "Q-000123".
func Number(id int64) string { return fmt.Sprintf("Q-%06d", id) }

// ParseNumber returns the id a ticket number names, read the way people
// type it back ("q-123", "Ｑ－０００１２３", "Q000123"), or false.
func ParseNumber(s string) (int64, bool) {
	s = strings.ToUpper(shop.Normalize(s))
	rest, ok := strings.CutPrefix(s, "Q")
	if !ok {
		return 0, false
	}
	rest = strings.TrimPrefix(rest, "-")
	if rest == "" || len(rest) > 18 || strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return 0, false
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}

// Ticket is one inquiry.
type Ticket struct {
	ID          int64
	Number      string // Number(ID)
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Name        string
	Email       string // lower-cased
	Phone       string // "" when not given
	Topic       Topic
	Subject     string // "" when not given
	Body        string // the customer's message, card numbers masked
	OrderNumber string // as the customer typed it (normalised), not checked
	MemberID    int64  // the customer's account, 0 for none
	IncidentID  int64  // the incident it is about, 0 for none
	Locale      string // "ja" or "en": the language of its e-mails
	State       State
	AssigneeID  int64     // the member of staff on it, 0 for nobody
	DueAt       time.Time // when the first reply is due
	RespondedAt time.Time // the first reply; zero until then
	ClosedAt    time.Time // zero unless closed
	AckedAt     time.Time // the acknowledgement e-mail; zero when the cap held it back
}

// Overdue reports whether the ticket is still waiting for its first reply
// after its due time: new or open, never answered, and due before now. An
// answered ticket is never overdue again, even when reopened: Kaede does
// not read the customer's replies, so it cannot tell when one is owed.
func (t Ticket) Overdue(now time.Time) bool {
	return (t.State == StateNew || t.State == StateOpen) && t.RespondedAt.IsZero() && !t.DueAt.After(now)
}

// Kind says what a message of a ticket's thread is.
type Kind string

// The kinds of message.
const (
	Reply Kind = "reply" // e-mailed to the customer
	Note  Kind = "note"  // internal: never shown or sent to the customer
)

// Message is one entry of a ticket's thread, written by a member of staff.
type Message struct {
	ID        int64
	TicketID  int64
	Kind      Kind
	Body      string
	Author    string // the member of staff's e-mail address
	MailID    int64  // a reply's e-mail in the outbox; 0 for a note
	CreatedAt time.Time
}

// Service is the inquiry desk on one database.
type Service struct {
	db      *db.DB
	mail    *mail.Queue
	members *member.Service
	clock   shop.Clock
	limits  Limits
}

// New returns the inquiry desk on d: it e-mails through q, links tickets
// to the member with the same e-mail address through members, stamps
// times with clock and limits the contact form with limits
// (DefaultLimits in production).
func New(d *db.DB, q *mail.Queue, members *member.Service, clock shop.Clock, limits Limits) *Service {
	return &Service{db: d, mail: q, members: members, clock: clock, limits: limits}
}

func (s *Service) now() time.Time { return s.clock().UTC().Truncate(time.Microsecond) }

// target is a ticket as the audit log names it.
func target(id int64) string { return "inquiry:" + Number(id) }

// notFound is the error for a ticket that does not exist.
func notFound() error { return shop.Errorf(shop.NotFound, "no such inquiry") }

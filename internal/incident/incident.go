package incident

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/shop"
)

// Category is what kind of incident it is; it decides nothing by itself
// but is what the reports and the notice are drafted from.
type Category string

// The categories, as the regulator's report form groups them.
const (
	CardData           Category = "card_data"           // card data typed at checkout may have been taken
	PersonalData       Category = "personal_data"       // other personal data leaked or lost
	Tampering          Category = "tampering"           // a page was changed outside a release
	UnauthorisedAccess Category = "unauthorised_access" // someone got into the shop's systems
	Other              Category = "other"
)

// Categories lists them in the order the admin offers them.
var Categories = []Category{CardData, PersonalData, Tampering, UnauthorisedAccess, Other}

// Valid reports whether c is one of the categories.
func (c Category) Valid() bool {
	for _, k := range Categories {
		if c == k {
			return true
		}
	}
	return false
}

// State is whether the shop is still handling an incident.
type State string

// The states.
const (
	Open   State = "open"
	Closed State = "closed"
)

// Incident is one incident the shop handles.
type Incident struct {
	ID      int64
	Title   string
	Noticed string // what was noticed, and by whom
	Category
	// DiscoveredAt is when the shop learned of it (知った時点): the
	// deadlines run from here.
	DiscoveredAt time.Time
	// Unauthorised says the cause may be unauthorised access, which gives
	// the APPI final report 60 days instead of 30.
	Unauthorised bool
	State        State
	OpenedBy     string
	OpenedAt     time.Time
	ClosedBy     string
	ClosedAt     time.Time // zero while open
}

// Ref is how the audit log and the admin name an incident.
func (i Incident) Ref() string { return fmt.Sprintf("incident:%d", i.ID) }

// EventKind names an entry of an incident's timeline. Kinds are open-ended
// strings, so that a part of the desk can add its own; these are the ones
// the procedure knows.
type EventKind string

// The timeline's kinds, roughly in the order an incident passes them. The
// four report kinds equal the deadlines' codes: recording one files it.
const (
	EventDetected      EventKind = "detected"      // the shop learned of it (written when the incident is opened)
	EventCardStopped   EventKind = "card_stopped"  // card payments stopped
	EventCardResumed   EventKind = "card_resumed"  // card payments on again
	EventInvestigators EventKind = "investigators" // investigators (a PFI) engaged
	EventFinding       EventKind = "finding"       // what the investigation found
	EventPolice        EventKind = "police"        // reported to the police
	EventAcquirer      EventKind = EventKind(AcquirerReport)
	EventCardList      EventKind = EventKind(AcquirerCardList)
	EventPPCPrelim     EventKind = EventKind(PPCPreliminary)
	EventPPCFinal      EventKind = EventKind(PPCFinal)
	EventVulnScan      EventKind = "vuln_scan"     // a vulnerability scan of the shop passed
	EventPublicNotice  EventKind = "public_notice" // the notice published on the store
	EventNotification  EventKind = "notification"  // customers told (e-mail, letters)
	EventReopened      EventKind = "reopened"      // the shop reopened
	EventClosed        EventKind = "closed"        // the incident closed
	EventNote          EventKind = "note"          // anything else worth a date
)

// EventKinds are the kinds staff may record by hand, in the order the
// admin offers them. detected and closed are written by Open and Close.
var EventKinds = []EventKind{EventCardStopped, EventCardResumed, EventInvestigators, EventFinding,
	EventPolice, EventAcquirer, EventCardList, EventPPCPrelim, EventPPCFinal, EventVulnScan, EventPublicNotice,
	EventNotification, EventReopened, EventNote}

// AfterClosure reports whether k may still be recorded on a closed
// incident. Closing ends the handling, so what changes the shop or tells
// customers (switches, notifications, reports to the acquirer, the
// reopening, which Reopen refuses after closing too) belongs before it;
// what may reasonably arrive later stays possible: notes, a late finding
// (the investigator's final report), the regulator's final report (due
// 30 or 60 days after discovery, often after the shop has reopened and
// closed the incident) and updates to or the withdrawal of the public
// notice, which stays online after the handling ends.
func (k EventKind) AfterClosure() bool {
	switch k {
	case EventNote, EventFinding, EventPPCFinal, EventPublicNotice, EventNoticeWithdrawn:
		return true
	}
	return false
}

// ErrClosedKind refuses a timeline entry of a kind that a closed incident
// no longer takes (see EventKind.AfterClosure).
var ErrClosedKind = &shop.Error{Code: shop.Conflict,
	Message: "the incident is closed: only notes, findings, the final report and notice updates can be recorded",
	Fields:  map[string]string{"kind": shop.ReasonChoice}}

// Event is one entry of the timeline.
type Event struct {
	ID         int64
	IncidentID int64
	Kind       EventKind
	OccurredAt time.Time // when it happened
	Text       string
	RecordedBy string
	RecordedAt time.Time // when it was written down
}

// Field limits: the record is read by people and printed.
const (
	maxTitle   = 200
	maxNoticed = 4000
	maxText    = 4000
	maxKind    = 64
)

// Service keeps the incidents, their timelines and their evidence.
type Service struct {
	db    *db.DB
	clock shop.Clock
	// MaxEvidence bounds one evidence file, in bytes.
	MaxEvidence int64
	// Sources feed the report drafts; set them before use.
	Sources Sources
}

// New returns the service; clock nil means shop.SystemClock.
func New(d *db.DB, clock shop.Clock) *Service {
	if clock == nil {
		clock = shop.SystemClock
	}
	return &Service{db: d, clock: clock, MaxEvidence: 32 << 20}
}

// OpenInput is what staff know when they open an incident.
type OpenInput struct {
	Title        string
	Noticed      string
	Category     Category
	DiscoveredAt time.Time
	Unauthorised bool
}

func (in *OpenInput) validate(now time.Time) error {
	in.Title = strings.TrimSpace(in.Title)
	in.Noticed = strings.TrimSpace(in.Noticed)
	f := map[string]string{}
	checkText(f, "title", in.Title, maxTitle, true)
	checkText(f, "noticed", in.Noticed, maxNoticed, false)
	if !in.Category.Valid() {
		f["category"] = shop.ReasonChoice
	}
	switch {
	case in.DiscoveredAt.IsZero():
		f["discovered_at"] = shop.ReasonRequired
	case in.DiscoveredAt.After(now.Add(time.Minute)):
		// The clocks run from a moment the shop already knew of it.
		f["discovered_at"] = shop.ReasonRange
	case in.DiscoveredAt.Year() < 2000:
		f["discovered_at"] = shop.ReasonRange
	}
	return invalid("invalid incident", f)
}

// Open records a new incident and the first entry of its timeline (the
// discovery), audited as by.
func (s *Service) Open(ctx context.Context, in OpenInput, by audit.Actor) (Incident, error) {
	now := s.clock().UTC()
	if in.Category == "" {
		in.Category = CardData
	}
	if err := in.validate(now); err != nil {
		return Incident{}, err
	}
	inc := Incident{Title: in.Title, Noticed: in.Noticed, Category: in.Category,
		DiscoveredAt: in.DiscoveredAt.UTC(), Unauthorised: in.Unauthorised, State: Open,
		OpenedBy: by.Name, OpenedAt: now}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `
			INSERT INTO incidents (title, noticed, category, discovered_at, unauthorised, state, opened_by, opened_at)
			VALUES ($1, $2, $3, $4, $5, 'open', $6, $7)
			RETURNING id`,
			inc.Title, inc.Noticed, string(inc.Category), inc.DiscoveredAt, inc.Unauthorised, inc.OpenedBy, now).Scan(&inc.ID)
		if err != nil {
			return fmt.Errorf("incident: insert: %w", err)
		}
		if _, err := insertEvent(ctx, tx, Event{IncidentID: inc.ID, Kind: EventDetected,
			OccurredAt: inc.DiscoveredAt, Text: inc.Noticed, RecordedBy: by.Name, RecordedAt: now}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, by, "incident.open", inc.Ref(), nil, auditView(inc))
	})
	if err != nil {
		return Incident{}, err
	}
	return inc, nil
}

// auditView is what the audit log keeps of an incident.
func auditView(i Incident) map[string]any {
	return map[string]any{"title": i.Title, "category": i.Category, "discovered_at": i.DiscoveredAt,
		"unauthorised": i.Unauthorised, "state": i.State}
}

const selectIncident = `SELECT id, title, noticed, category, discovered_at, unauthorised, state,
	opened_by, opened_at, closed_by, closed_at FROM incidents`

func scanIncident(row interface{ Scan(...any) error }) (Incident, error) {
	var i Incident
	var category, state string
	var closed sql.NullTime
	err := row.Scan(&i.ID, &i.Title, &i.Noticed, &category, &i.DiscoveredAt, &i.Unauthorised, &state,
		&i.OpenedBy, &i.OpenedAt, &i.ClosedBy, &closed)
	if err != nil {
		return Incident{}, err
	}
	i.Category, i.State = Category(category), State(state)
	i.DiscoveredAt, i.OpenedAt = i.DiscoveredAt.UTC(), i.OpenedAt.UTC()
	if closed.Valid {
		i.ClosedAt = closed.Time.UTC()
	}
	return i, nil
}

// Get returns incident id, or a NotFound error.
func (s *Service) Get(ctx context.Context, id int64) (Incident, error) {
	i, err := scanIncident(s.db.QueryRowContext(ctx, selectIncident+` WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Incident{}, notFound(id)
	}
	if err != nil {
		return Incident{}, fmt.Errorf("incident: get %d: %w", id, err)
	}
	return i, nil
}

func getTx(ctx context.Context, tx *sql.Tx, d *db.DB, id int64) (Incident, error) {
	i, err := scanIncident(tx.QueryRowContext(ctx, selectIncident+` WHERE id = $1`+d.ForUpdate(), id))
	if errors.Is(err, sql.ErrNoRows) {
		return Incident{}, notFound(id)
	}
	if err != nil {
		return Incident{}, fmt.Errorf("incident: get %d: %w", id, err)
	}
	return i, nil
}

func notFound(id int64) error {
	return &shop.Error{Code: shop.NotFound, Message: fmt.Sprintf("incident %d not found", id)}
}

// List returns the incidents, the open ones first and then the newest.
// state "" means all.
func (s *Service) List(ctx context.Context, state State) ([]Incident, error) {
	q, args := selectIncident, []any{}
	if state != "" {
		q += ` WHERE state = $1`
		args = append(args, string(state))
	}
	q += ` ORDER BY CASE state WHEN 'open' THEN 0 ELSE 1 END, discovered_at DESC, id DESC`
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("incident: list: %w", err)
	}
	defer rows.Close()
	var out []Incident
	for rows.Next() {
		i, err := scanIncident(rows)
		if err != nil {
			return nil, fmt.Errorf("incident: list: %w", err)
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

// Close ends the handling of an incident; its record stays, taking only
// the timeline kinds for which EventKind.AfterClosure is true.
func (s *Service) Close(ctx context.Context, id int64, text string, by audit.Actor) (Incident, error) {
	now := s.clock().UTC()
	text = strings.TrimSpace(text)
	f := map[string]string{}
	checkText(f, "text", text, maxText, false)
	if err := invalid("invalid closing note", f); err != nil {
		return Incident{}, err
	}
	var out Incident
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		before, err := getTx(ctx, tx, s.db, id)
		if err != nil {
			return err
		}
		if before.State == Closed {
			return &shop.Error{Code: shop.Conflict, Message: "the incident is already closed"}
		}
		out = before
		out.State, out.ClosedBy, out.ClosedAt = Closed, by.Name, now
		if _, err := tx.ExecContext(ctx, `UPDATE incidents SET state = 'closed', closed_by = $1, closed_at = $2 WHERE id = $3`,
			by.Name, now, id); err != nil {
			return fmt.Errorf("incident: close %d: %w", id, err)
		}
		if _, err := insertEvent(ctx, tx, Event{IncidentID: id, Kind: EventClosed, OccurredAt: now,
			Text: text, RecordedBy: by.Name, RecordedAt: now}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, by, "incident.close", out.Ref(), auditView(before), auditView(out))
	})
	return out, err
}

// Record adds an entry to the incident's timeline, audited.
func (s *Service) Record(ctx context.Context, id int64, kind EventKind, occurred time.Time, text string, by audit.Actor) (Event, error) {
	var e Event
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		e, err = s.RecordTx(ctx, tx, id, kind, occurred, text, by)
		return err
	})
	return e, err
}

// RecordTx is Record in the caller's transaction, for a part of the desk
// whose action belongs on the timeline (stopping card payments, sending
// the notifications): the entry commits with the action or not at all.
func (s *Service) RecordTx(ctx context.Context, tx *sql.Tx, id int64, kind EventKind, occurred time.Time, text string, by audit.Actor) (Event, error) {
	now := s.clock().UTC()
	text = strings.TrimSpace(text)
	f := map[string]string{}
	if kind == "" {
		f["kind"] = shop.ReasonRequired
	} else if len(kind) > maxKind || kind == EventDetected || kind == EventClosed {
		f["kind"] = shop.ReasonChoice
	}
	switch {
	case occurred.IsZero():
		f["occurred_at"] = shop.ReasonRequired
	case occurred.After(now.Add(time.Minute)):
		f["occurred_at"] = shop.ReasonRange
	}
	checkText(f, "text", text, maxText, kind == EventNote || kind == EventFinding)
	if err := invalid("invalid timeline entry", f); err != nil {
		return Event{}, err
	}
	inc, err := getTx(ctx, tx, s.db, id)
	if err != nil {
		return Event{}, err
	}
	if inc.State == Closed && !kind.AfterClosure() {
		return Event{}, ErrClosedKind
	}
	if occurred.Before(inc.DiscoveredAt.Add(-366 * 24 * time.Hour)) {
		// A year before discovery is a typo, not an event of this incident.
		return Event{}, invalid("invalid timeline entry", map[string]string{"occurred_at": shop.ReasonRange})
	}
	e, err := insertEvent(ctx, tx, Event{IncidentID: id, Kind: kind, OccurredAt: occurred.UTC(),
		Text: text, RecordedBy: by.Name, RecordedAt: now})
	if err != nil {
		return Event{}, err
	}
	err = audit.Record(ctx, tx, now, by, "incident.event", inc.Ref(), nil,
		map[string]any{"kind": e.Kind, "occurred_at": e.OccurredAt, "text": e.Text})
	if err != nil {
		return Event{}, err
	}
	// A public notice published, updated or withdrawn is on the store's
	// pages shared between guests: every instance drops them when this
	// commits.
	return e, s.db.Announce(ctx, tx, "incident")
}

func insertEvent(ctx context.Context, tx *sql.Tx, e Event) (Event, error) {
	err := tx.QueryRowContext(ctx, `
		INSERT INTO incident_events (incident_id, kind, occurred_at, text, recorded_by, recorded_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		RETURNING id`,
		e.IncidentID, string(e.Kind), e.OccurredAt, e.Text, e.RecordedBy, e.RecordedAt).Scan(&e.ID)
	if err != nil {
		return Event{}, fmt.Errorf("incident: record %s on %d: %w", e.Kind, e.IncidentID, err)
	}
	return e, nil
}

// Timeline returns the incident's events in the order they happened.
func (s *Service) Timeline(ctx context.Context, id int64) ([]Event, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT id, incident_id, kind, occurred_at, text, recorded_by, recorded_at
		FROM incident_events WHERE incident_id = $1 ORDER BY occurred_at, id`, id)
	if err != nil {
		return nil, fmt.Errorf("incident: timeline %d: %w", id, err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var kind string
		if err := rows.Scan(&e.ID, &e.IncidentID, &kind, &e.OccurredAt, &e.Text, &e.RecordedBy, &e.RecordedAt); err != nil {
			return nil, fmt.Errorf("incident: timeline %d: %w", id, err)
		}
		e.Kind = EventKind(kind)
		e.OccurredAt, e.RecordedAt = e.OccurredAt.UTC(), e.RecordedAt.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// DeadlineState is one deadline of an incident and where it stands.
type DeadlineState struct {
	Deadline
	Status Status
	Filed  time.Time // zero until the report's event is recorded
	Late   bool      // filed, but after the deadline
}

// Deadlines returns the incident's reports with their status at now: a
// report counts as filed from the first timeline entry of its kind.
func (s *Service) Deadlines(ctx context.Context, inc Incident) ([]DeadlineState, error) {
	ds, err := Deadlines(inc.DiscoveredAt, inc.Unauthorised)
	if err != nil {
		return nil, err
	}
	events, err := s.Timeline(ctx, inc.ID)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	out := make([]DeadlineState, len(ds))
	for i, d := range ds {
		var filed time.Time
		for _, e := range events {
			if e.Kind == EventKind(d.Code) {
				filed = e.OccurredAt
				break
			}
		}
		out[i] = DeadlineState{Deadline: d, Status: d.Status(filed, now), Filed: filed,
			Late: !filed.IsZero() && d.Late(filed)}
	}
	return out, nil
}

func checkText(f map[string]string, name, v string, max int, required bool) {
	switch {
	case required && v == "":
		f[name] = shop.ReasonRequired
	case utf8.RuneCountInString(v) > max:
		f[name] = shop.ReasonLength
	case !utf8.ValidString(v) || strings.ContainsFunc(v, func(r rune) bool { return shop.Disallowed(r, true) }):
		f[name] = shop.ReasonFormat
	}
}

func invalid(msg string, f map[string]string) error {
	if len(f) == 0 {
		return nil
	}
	return &shop.Error{Code: shop.Invalid, Message: msg, Fields: f}
}

// Package secevent keeps the shop's security events: what the tamper
// monitor, the CSP reports and the detectors noticed, in one store that a
// person works through (new → acknowledged → resolved).
//
// Events are de-duplicated by kind and target while open: a detector that
// fires a thousand times for the same page raises one event with a count of
// a thousand, so neither the table nor the people alerted are flooded. The
// first sighting of an open event, and a rise in its severity, are what
// alerting acts on (Hook).
package secevent

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"kaede/internal/db"
	"kaede/internal/shop"
)

// Severity says how soon a person must look.
type Severity string

// Severities, mildest first.
const (
	Info     Severity = "info"     // worth knowing; nobody is paged
	Warning  Severity = "warning"  // a person should look today
	Critical Severity = "critical" // a person must look now: possible card theft
)

func (s Severity) rank() int {
	switch s {
	case Info:
		return 1
	case Warning:
		return 2
	case Critical:
		return 3
	}
	return 0
}

// Valid reports whether s is one of the severities.
func (s Severity) Valid() bool { return s.rank() > 0 }

// State is where a person is with an event.
type State string

// States, in the only order an event moves through them.
const (
	New          State = "new"
	Acknowledged State = "acknowledged"
	Resolved     State = "resolved"
)

// Kinds of events raised by Kaede's own detectors. Kinds are open-ended
// strings so that a detector can be added without a migration; these are
// the ones the admin and the alerts know by name.
const (
	KindTamper         = "monitor.difference"    // a payment page differs from its approved baseline
	KindMonitorBlind   = "monitor.blind"         // the monitor could not fetch or walk a payment page
	KindCSPViolation   = "csp.violation"         // a browser reported a blocked script, frame or form
	KindCardBreaker    = "fraud.breaker"         // card testing: card payments paused shop-wide
	KindCardIPBlocked  = "fraud.ip_blocked"      // card testing: an address blocked after declines
	KindStaffLockout   = "staff.lockout"         // a staff account locked after failed logins
	KindStaffNewIP     = "staff.new_address"     // a staff login from an address not seen before
	KindOffHours       = "staff.off_hours"       // staff, role or settings changed outside business hours
	KindAuditChain     = "audit.chain"           // the audit log's hash chain failed verification
	KindServerErrors   = "http.5xx_burst"        // many server errors in a short time
	KindWebhookBadSig  = "webhook.bad_signature" // a webhook with a bad signature
	KindAmountMismatch = "payment.amount"        // the provider's amount or currency differs from the order's
	KindTest           = "alert.test"            // a test alert sent from the admin
)

// Signal is what a detector reports.
type Signal struct {
	Kind     string
	Severity Severity
	Source   string         // the detector, e.g. "monitor", "csp-report", "fraud"
	Target   string         // what it is about, e.g. "/checkout", "ip:203.0.113.7"; de-duplication key with Kind
	Summary  string         // one line a person reads first, in English (the admin translates known kinds)
	Detail   map[string]any // evidence, shown as JSON; never a card number, a password or a token
}

// Event is one stored security event.
type Event struct {
	ID         int64
	Kind       string
	Severity   Severity
	Source     string
	Target     string
	Summary    string
	Detail     string // a JSON object
	State      State
	Count      int64
	FirstSeen  time.Time
	LastSeen   time.Time
	AckedBy    string
	AckedAt    time.Time // zero until acknowledged
	ResolvedBy string
	ResolvedAt time.Time // zero until resolved
	Note       string
}

// Raised is what Raise did: the event as stored, and whether a person
// should be told (a new event, or an open one whose severity rose).
type Raised struct {
	Event
	Notify bool
}

// Hook runs in Raise's transaction after an event is stored, so that what
// it writes (an alert job, an outbox mail) commits with the event or not at
// all.
type Hook func(ctx context.Context, tx *sql.Tx, r Raised) error

// Store keeps the events.
type Store struct {
	db    *db.DB
	clock shop.Clock
	hooks []Hook
}

// NewStore returns the store; clock nil means shop.SystemClock.
func NewStore(d *db.DB, clock shop.Clock) *Store {
	if clock == nil {
		clock = shop.SystemClock
	}
	return &Store{db: d, clock: clock}
}

// OnRaise adds h to the hooks that run for every raised event. It is meant
// for wiring (cmd/kaede), before the store is used.
func (s *Store) OnRaise(h Hook) { s.hooks = append(s.hooks, h) }

// Field limits: events are read by people, and several detectors copy text
// a stranger chose (a blocked URL in a CSP report).
const (
	maxKind    = 64
	maxSource  = 64
	maxTarget  = 512
	maxSummary = 512
	maxDetail  = 16 << 10
	maxNote    = 2000
)

// Raise stores sig: it opens a new event, or adds one sighting to the open
// event of the same kind and target (the count, last seen, the latest
// detail, and the higher of the two severities).
func (s *Store) Raise(ctx context.Context, sig Signal) (Raised, error) {
	var r Raised
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		r, err = s.RaiseTx(ctx, tx, sig)
		return err
	})
	return r, err
}

// RaiseTx is Raise inside the caller's transaction, for a detector whose
// finding belongs with a change it makes (a breaker trip, an IP block).
func (s *Store) RaiseTx(ctx context.Context, tx *sql.Tx, sig Signal) (Raised, error) {
	if err := sig.validate(); err != nil {
		return Raised{}, err
	}
	detail, err := encodeDetail(sig.Detail)
	if err != nil {
		return Raised{}, fmt.Errorf("secevent: %s detail: %w", sig.Kind, err)
	}
	now := s.clock().UTC()
	target := clip(sig.Target, maxTarget)
	summary := clip(sig.Summary, maxSummary)

	var r Raised
	e, err := s.openEvent(ctx, tx, sig.Kind, target)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		e = Event{Kind: sig.Kind, Severity: sig.Severity, Source: sig.Source, Target: target,
			Summary: summary, Detail: detail, State: New, Count: 1, FirstSeen: now, LastSeen: now}
		err = tx.QueryRowContext(ctx, `
			INSERT INTO security_events (kind, severity, source, target, summary, detail, state, count, first_seen, last_seen)
			VALUES ($1, $2, $3, $4, $5, $6, 'new', 1, $7, $7)
			RETURNING id`,
			e.Kind, string(e.Severity), e.Source, e.Target, e.Summary, e.Detail, now).Scan(&e.ID)
		if err != nil {
			return Raised{}, fmt.Errorf("secevent: insert %s: %w", sig.Kind, err)
		}
		r = Raised{Event: e, Notify: true}
	case err != nil:
		return Raised{}, err
	default:
		rose := sig.Severity.rank() > e.Severity.rank()
		if rose {
			e.Severity = sig.Severity
			// A rise in severity is news again, even for an event a person
			// already acknowledged at the lower level.
			e.State = New
		}
		e.Count++
		e.LastSeen = now
		e.Summary = summary
		e.Detail = detail
		_, err = tx.ExecContext(ctx, `
			UPDATE security_events
			SET count = count + 1, last_seen = $1, severity = $2, summary = $3, detail = $4, state = $5
			WHERE id = $6`,
			now, string(e.Severity), e.Summary, e.Detail, string(e.State), e.ID)
		if err != nil {
			return Raised{}, fmt.Errorf("secevent: update %d: %w", e.ID, err)
		}
		r = Raised{Event: e, Notify: rose}
	}
	for _, h := range s.hooks {
		if err := h(ctx, tx, r); err != nil {
			return Raised{}, fmt.Errorf("secevent: hook for %s: %w", sig.Kind, err)
		}
	}
	return r, nil
}

func (s *Store) openEvent(ctx context.Context, tx *sql.Tx, kind, target string) (Event, error) {
	row := tx.QueryRowContext(ctx, selectEvent+` WHERE kind = $1 AND target = $2 AND state <> 'resolved'`+s.db.ForUpdate(), kind, target)
	e, err := scanEvent(row)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Event{}, fmt.Errorf("secevent: find open %s: %w", kind, err)
	}
	return e, err
}

func (sig Signal) validate() error {
	f := map[string]string{}
	if sig.Kind == "" {
		f["kind"] = shop.ReasonRequired
	} else if len(sig.Kind) > maxKind {
		f["kind"] = shop.ReasonLength
	}
	if !sig.Severity.Valid() {
		f["severity"] = shop.ReasonChoice
	}
	if sig.Source == "" {
		f["source"] = shop.ReasonRequired
	} else if len(sig.Source) > maxSource {
		f["source"] = shop.ReasonLength
	}
	if strings.TrimSpace(sig.Summary) == "" {
		f["summary"] = shop.ReasonRequired
	}
	if len(f) > 0 {
		return &shop.Error{Code: shop.Invalid, Message: "invalid security event", Fields: f}
	}
	return nil
}

func encodeDetail(d map[string]any) (string, error) {
	if len(d) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(d)
	if err != nil {
		return "", err
	}
	if len(b) > maxDetail {
		// Keep the event; say the evidence was too large rather than store
		// a truncated (invalid) JSON document.
		b, _ = json.Marshal(map[string]any{"truncated": true, "bytes": len(b)})
	}
	return string(b), nil
}

// clip shortens s to at most n bytes without splitting a character.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

const selectEvent = `SELECT id, kind, severity, source, target, summary, detail, state, count,
	first_seen, last_seen, acked_by, acked_at, resolved_by, resolved_at, note FROM security_events`

func scanEvent(row interface{ Scan(...any) error }) (Event, error) {
	var e Event
	var sev, state string
	var acked, resolved sql.NullTime
	err := row.Scan(&e.ID, &e.Kind, &sev, &e.Source, &e.Target, &e.Summary, &e.Detail, &state, &e.Count,
		&e.FirstSeen, &e.LastSeen, &e.AckedBy, &acked, &e.ResolvedBy, &resolved, &e.Note)
	if err != nil {
		return Event{}, err
	}
	e.Severity, e.State = Severity(sev), State(state)
	e.FirstSeen, e.LastSeen = e.FirstSeen.UTC(), e.LastSeen.UTC()
	if acked.Valid {
		e.AckedAt = acked.Time.UTC()
	}
	if resolved.Valid {
		e.ResolvedAt = resolved.Time.UTC()
	}
	return e, nil
}

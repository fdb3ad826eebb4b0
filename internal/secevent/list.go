package secevent

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/shop"
)

// Filter selects events for List; zero fields select everything.
type Filter struct {
	Since    time.Time // last seen at or after
	Kind     string
	State    State    // "" for any; use Open for new and acknowledged
	Open     bool     // only events not yet resolved
	Severity Severity // at least this severe
	Limit    int      // at most this many, newest first; 0 means 200
}

// List returns the events that f selects, the most recently seen first.
func (s *Store) List(ctx context.Context, f Filter) ([]Event, error) {
	var where []string
	var args db.Args
	arg := args.Add
	if !f.Since.IsZero() {
		where = append(where, "last_seen >= "+arg(f.Since.UTC()))
	}
	if f.Kind != "" {
		where = append(where, "kind = "+arg(f.Kind))
	}
	if f.State != "" {
		where = append(where, "state = "+arg(string(f.State)))
	}
	if f.Open {
		where = append(where, "state <> 'resolved'")
	}
	switch f.Severity {
	case Warning:
		where = append(where, "severity IN ('warning', 'critical')")
	case Critical:
		where = append(where, "severity = 'critical'")
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	q := selectEvent
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY last_seen DESC, id DESC LIMIT " + arg(limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("secevent: list: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("secevent: list: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Get returns one event.
func (s *Store) Get(ctx context.Context, id int64) (Event, error) {
	e, err := scanEvent(s.db.QueryRowContext(ctx, selectEvent+` WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Event{}, shop.Errorf(shop.NotFound, "security event %d not found", id)
	}
	if err != nil {
		return Event{}, fmt.Errorf("secevent: get %d: %w", id, err)
	}
	return e, nil
}

// Acknowledge records that a person has seen the event and is on it: the
// alerts stop escalating. Audited.
func (s *Store) Acknowledge(ctx context.Context, id int64, by audit.Actor, note string) (Event, error) {
	return s.move(ctx, id, by, note, Acknowledged)
}

// Resolve closes the event with what was found or done (note is required):
// the next sighting of the same kind and target opens a new event. Audited.
func (s *Store) Resolve(ctx context.Context, id int64, by audit.Actor, note string) (Event, error) {
	if strings.TrimSpace(note) == "" {
		return Event{}, &shop.Error{Code: shop.Invalid, Message: "say what was found or done",
			Fields: map[string]string{"note": shop.ReasonRequired}}
	}
	return s.move(ctx, id, by, note, Resolved)
}

func (s *Store) move(ctx context.Context, id int64, by audit.Actor, note string, to State) (Event, error) {
	if len(note) > maxNote {
		return Event{}, &shop.Error{Code: shop.Invalid, Message: "note too long",
			Fields: map[string]string{"note": shop.ReasonLength}}
	}
	var e Event
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		e, err = scanEvent(tx.QueryRowContext(ctx, selectEvent+` WHERE id = $1`+s.db.ForUpdate(), id))
		if errors.Is(err, sql.ErrNoRows) {
			return shop.Errorf(shop.NotFound, "security event %d not found", id)
		}
		if err != nil {
			return fmt.Errorf("secevent: load %d: %w", id, err)
		}
		before := struct {
			State string `json:"state"`
		}{string(e.State)}
		switch {
		case e.State == Resolved:
			return shop.Errorf(shop.Conflict, "security event %d is already resolved", id)
		case to == Acknowledged && e.State == Acknowledged:
			return shop.Errorf(shop.Conflict, "security event %d is already acknowledged", id)
		}
		now := s.clock().UTC()
		if note != "" {
			if e.Note != "" {
				e.Note += "\n"
			}
			e.Note += note
		}
		if to == Acknowledged || e.AckedAt.IsZero() {
			// Resolving straight from new counts as acknowledging too: the
			// escalation must stop either way.
			e.AckedBy, e.AckedAt = by.Name, now
		}
		if to == Resolved {
			e.ResolvedBy, e.ResolvedAt = by.Name, now
		}
		e.State = to
		var resolvedAt any
		if !e.ResolvedAt.IsZero() {
			resolvedAt = e.ResolvedAt
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE security_events
			SET state = $1, acked_by = $2, acked_at = $3, resolved_by = $4, resolved_at = $5, note = $6
			WHERE id = $7`,
			string(e.State), e.AckedBy, e.AckedAt, e.ResolvedBy, resolvedAt, e.Note, id); err != nil {
			return fmt.Errorf("secevent: %s %d: %w", to, id, err)
		}
		after := struct {
			State string `json:"state"`
			Kind  string `json:"kind"`
			Note  string `json:"note,omitempty"`
		}{string(e.State), e.Kind, note}
		action := "security.acknowledge"
		if to == Resolved {
			action = "security.resolve"
		}
		return audit.Record(ctx, tx, now, by, action, fmt.Sprintf("security_event:%d", id), before, after)
	})
	return e, err
}

// HourCount is how many sightings of one kind were last seen in one hour
// (UTC, truncated), for the security page's chart.
type HourCount struct {
	Hour  time.Time
	Kind  string
	Count int64
}

// Hourly returns the sightings per hour and kind since since. An event seen
// many times counts its total in the hour it was last seen: the table keeps
// one row per open (kind, target), not one per sighting.
func (s *Store) Hourly(ctx context.Context, since time.Time) ([]HourCount, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT kind, last_seen, count FROM security_events WHERE last_seen >= $1 ORDER BY last_seen`, since.UTC())
	if err != nil {
		return nil, fmt.Errorf("secevent: hourly: %w", err)
	}
	defer rows.Close()
	idx := map[[2]string]int{}
	var out []HourCount
	for rows.Next() {
		var kind string
		var at time.Time
		var n int64
		if err := rows.Scan(&kind, &at, &n); err != nil {
			return nil, fmt.Errorf("secevent: hourly: %w", err)
		}
		h := at.UTC().Truncate(time.Hour)
		k := [2]string{h.Format(time.RFC3339), kind}
		if i, ok := idx[k]; ok {
			out[i].Count += n
			continue
		}
		idx[k] = len(out)
		out = append(out, HourCount{Hour: h, Kind: kind, Count: n})
	}
	return out, rows.Err()
}

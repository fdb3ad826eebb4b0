package switches

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/shop"
)

// DefaultTTL is how long an instance trusts the switches it read when it
// hears of no change: on PostgreSQL a change made elsewhere (another
// instance's admin, the command line) clears every instance's cache within
// milliseconds (db.Announce), and this is the backstop for a notification
// lost while a listener reconnects, and for SQLite, where the command line
// is a second process without one. Reading the three rows costs one small
// query per TTL per instance.
const DefaultTTL = 2 * time.Second

// Service reads and sets the switches. cmd/kaede builds one per process
// and gives it to checkout, card payments, the store and the admin, so
// that a change made here clears the one cache at once; other instances on
// the same PostgreSQL hear of it through the database's change
// notifications.
type Service struct {
	db    *db.DB
	clock shop.Clock
	ttl   time.Duration

	mu      sync.Mutex
	state   State
	expires time.Time
	// gen counts changes, so that a read that began before a change
	// cannot put the old state back into the cache after it.
	gen uint64
}

// NewService returns the switches on d, cached for ttl (DefaultTTL when
// zero or less).
func NewService(d *db.DB, clock shop.Clock, ttl time.Duration) *Service {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	s := &Service{db: d, clock: clock, ttl: ttl}
	d.OnChange(s.forget, changeTopic)
	return s
}

// changeTopic is what a change announces to every instance's cache.
const changeTopic = "switches"

// forget drops the cached state, so that the next State reads it.
func (s *Service) forget() {
	s.mu.Lock()
	s.expires = time.Time{}
	s.gen++
	s.mu.Unlock()
}

// State returns every switch, from the cache while it is fresh. When the
// database cannot be read it returns the error with the last state it
// knew (every switch normal if it never read one), so that a caller that
// must answer anyway (the store's maintenance check) has something to go
// by.
func (s *Service) State(ctx context.Context) (State, error) {
	now := s.clock()
	s.mu.Lock()
	if now.Before(s.expires) {
		st := s.state
		s.mu.Unlock()
		return st, nil
	}
	gen, last := s.gen, s.state
	s.mu.Unlock()
	st, err := Load(ctx, s.db)
	if err != nil {
		return last, err
	}
	s.mu.Lock()
	if gen == s.gen {
		s.state, s.expires = st, now.Add(s.ttl)
	}
	s.mu.Unlock()
	return st, nil
}

// Load reads the switches from the database, uncached: for the command
// line, and for what must not be two seconds old.
func Load(ctx context.Context, d *db.DB) (State, error) {
	rows, err := d.QueryContext(ctx, `SELECT `+columns+` FROM switches`)
	if err != nil {
		return State{}, fmt.Errorf("read switches: %w", err)
	}
	defer rows.Close()
	st := State{set: map[Name]Switch{}}
	for rows.Next() {
		sw, err := scan(rows)
		if err != nil {
			return State{}, fmt.Errorf("read switches: %w", err)
		}
		st.set[sw.Name] = sw
	}
	if err := rows.Err(); err != nil {
		return State{}, fmt.Errorf("read switches: %w", err)
	}
	return st, nil
}

const columns = `name, is_on, banner, banner_en, reason, changed_by, changed_at`

func scan(row interface{ Scan(...any) error }) (Switch, error) {
	var sw Switch
	var name string
	err := row.Scan(&name, &sw.On, &sw.Banner, &sw.BannerEn, &sw.Reason, &sw.ChangedBy, &sw.ChangedAt)
	sw.Name, sw.ChangedAt = Name(name), sw.ChangedAt.UTC()
	return sw, err
}

// Set validates c and sets the switch, with an audit entry ("switch.set",
// target "switch:NAME", the switch before and after) in the same
// transaction, and announces it, so that this process's next request
// obeys at once and every other instance's within milliseconds. Bad input is an Invalid error naming every bad field and
// changes nothing. Setting a switch to the position it has is allowed: it
// updates the banner and the reason, and is audited like any change.
func (s *Service) Set(ctx context.Context, c Change, by audit.Actor) (Switch, error) {
	c, err := c.Validate()
	if err != nil {
		return Switch{}, err
	}
	now := s.clock().UTC()
	after := Switch{Name: c.Name, On: c.On, Banner: c.Banner, BannerEn: c.BannerEn, Reason: c.Reason,
		ChangedBy: by.Name, ChangedAt: now}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		before, err := get(ctx, tx, c.Name, s.db.ForUpdate())
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO switches (`+columns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (name) DO UPDATE SET is_on = excluded.is_on, banner = excluded.banner,
				banner_en = excluded.banner_en, reason = excluded.reason,
				changed_by = excluded.changed_by, changed_at = excluded.changed_at`,
			string(c.Name), c.On, c.Banner, c.BannerEn, c.Reason, by.Name, now)
		if err != nil {
			return fmt.Errorf("set switch %s: %w", c.Name, err)
		}
		if err := audit.Record(ctx, tx, now, by, auditAction, "switch:"+string(c.Name), before, after); err != nil {
			return err
		}
		return s.db.Announce(ctx, tx, changeTopic)
	})
	if err != nil {
		return Switch{}, err
	}
	return after, nil
}

// auditAction is the audit log's action for every change of a switch.
const auditAction = "switch.set"

// get reads one switch inside tx (locked for update on PostgreSQL); a
// switch never set is in its normal position.
func get(ctx context.Context, tx *sql.Tx, n Name, forUpdate string) (Switch, error) {
	sw, err := scan(tx.QueryRowContext(ctx, `SELECT `+columns+` FROM switches WHERE name = $1`+forUpdate, string(n)))
	if errors.Is(err, sql.ErrNoRows) {
		return Switch{Name: n, On: Normal(n)}, nil
	}
	if err != nil {
		return Switch{}, fmt.Errorf("read switch %s: %w", n, err)
	}
	return sw, nil
}

// Entry is one change in the switches' history.
type Entry struct {
	At     time.Time
	By     string // the actor: a member of staff's e-mail, "cli"
	IP     string
	Before Switch
	After  Switch
}

// History returns the last limit changes of any switch, newest first, from
// the audit log (which cannot be edited without breaking its chain).
func (s *Service) History(ctx context.Context, limit int) ([]Entry, error) {
	es, err := audit.List(ctx, s.db, audit.Filter{Action: auditAction, Limit: limit})
	if err != nil {
		return nil, fmt.Errorf("switch history: %w", err)
	}
	out := make([]Entry, 0, len(es))
	for _, e := range es {
		h := Entry{At: e.At, By: e.Actor, IP: e.IP}
		if err := json.Unmarshal([]byte(e.Before), &h.Before); err != nil {
			return nil, fmt.Errorf("switch history: entry %d: %w", e.ID, err)
		}
		if err := json.Unmarshal([]byte(e.After), &h.After); err != nil {
			return nil, fmt.Errorf("switch history: entry %d: %w", e.ID, err)
		}
		out = append(out, h)
	}
	return out, nil
}

package fraud

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"kaede/internal/db"
	"kaede/internal/shop"
)

// Limits are the shop's card-testing thresholds, kept as JSON in the
// settings table under "fraud_limits". Durations are whole minutes so that
// the stored setting reads plainly.
type Limits struct {
	// Attempts allowed per session, per IP address and per e-mail address;
	// every window applies at once.
	Session []Window `json:"session"`
	IP      []Window `json:"ip"`
	Email   []Window `json:"email"`
	// Site caps the declined and failed attempts shop-wide (by when the
	// provider reported them), whatever their failure rate: starts do not
	// count, since a client that starts payments and types no card costs
	// the shop nothing and must not use up the cap for every customer
	// (starts are limited per session, address and e-mail above).
	Site []Window `json:"site"`

	// Breaker lists the site-wide windows: card payments are suspended for
	// CooldownMinutes when, in any one of them, failures (declines and
	// failed authentications) reach MinFailures and make up at least
	// FailureRate of the attempts the provider settled.
	Breaker         []Threshold `json:"breaker"`
	FailureRate     float64     `json:"failure_rate"`
	CooldownMinutes int         `json:"cooldown_minutes"`

	// IPBlock refuses card payments from an address that had too many
	// declines.
	IPBlock IPBlock `json:"ip_block"`
}

// Window allows at most Max attempts in any Minutes-long period.
type Window struct {
	Max     int `json:"max"`
	Minutes int `json:"minutes"`
}

// Threshold is one window of the site-wide breaker.
type Threshold struct {
	Minutes     int `json:"minutes"`
	MinFailures int `json:"min_failures"`
}

// IPBlock blocks an address for BlockMinutes once it has Declines declines
// within Minutes.
type IPBlock struct {
	Declines     int `json:"declines"`
	Minutes      int `json:"minutes"`
	BlockMinutes int `json:"block_minutes"`
}

// Duration is the window's length.
func (w Window) Duration() time.Duration { return time.Duration(w.Minutes) * time.Minute }

// Duration is the threshold's window length.
func (t Threshold) Duration() time.Duration { return time.Duration(t.Minutes) * time.Minute }

// Cooldown is how long card payments stay suspended once the breaker trips.
func (l Limits) Cooldown() time.Duration { return time.Duration(l.CooldownMinutes) * time.Minute }

// DefaultLimits returns limits loose enough for a customer who mistypes a
// card number twice or tries a second card, and tight enough that a tester
// learns little: 5 attempts per session in 10 minutes, 10 per address an
// hour and 30 a day, 5 per e-mail address an hour; an address is blocked for
// 2 hours after 5 declines in an hour; card payments stop for 30 minutes
// when 20 failures in an hour, or 50 in a day, are at least 80 % of the
// settled attempts.
func DefaultLimits() Limits {
	return Limits{
		Session: []Window{{Max: 5, Minutes: 10}},
		IP:      []Window{{Max: 10, Minutes: 60}, {Max: 30, Minutes: 24 * 60}},
		Email:   []Window{{Max: 5, Minutes: 60}},
		// The shop this replaces took 59 card payments in 303 days: 30
		// in ten minutes is far above any real rush.
		Site:            []Window{{Max: 30, Minutes: 10}},
		Breaker:         []Threshold{{Minutes: 60, MinFailures: 20}, {Minutes: 24 * 60, MinFailures: 50}},
		FailureRate:     0.8,
		CooldownMinutes: 30,
		IPBlock:         IPBlock{Declines: 5, Minutes: 60, BlockMinutes: 120},
	}
}

// maxWindow is the longest window a limit may use, in minutes. Prune
// keeps attempts for at least twice as long (minRetention).
const maxWindow = 24 * 60

// Validate reports every bad limit by its JSON name, e.g. "ip[1].max".
func (l Limits) Validate() error {
	p := shop.Problems{}
	windows := func(name string, ws []Window) {
		if len(ws) == 0 {
			p.Add(name, shop.ReasonRequired)
		}
		for i, w := range ws {
			at := name + "[" + strconv.Itoa(i) + "]"
			if w.Max < 1 || w.Max > 10000 {
				p.Add(at+".max", shop.ReasonRange)
			}
			if w.Minutes < 1 || w.Minutes > maxWindow {
				p.Add(at+".minutes", shop.ReasonRange)
			}
		}
	}
	windows("session", l.Session)
	windows("ip", l.IP)
	windows("email", l.Email)
	windows("site", l.Site)
	if len(l.Breaker) == 0 {
		p.Add("breaker", shop.ReasonRequired)
	}
	for i, t := range l.Breaker {
		at := "breaker[" + strconv.Itoa(i) + "]"
		if t.Minutes < 1 || t.Minutes > maxWindow {
			p.Add(at+".minutes", shop.ReasonRange)
		}
		if t.MinFailures < 1 || t.MinFailures > 1_000_000 {
			p.Add(at+".min_failures", shop.ReasonRange)
		}
	}
	// A rate of 0 would trip on failures alone, which a busy day could
	// reach; more than 1 could never trip.
	if !(l.FailureRate >= 0.5 && l.FailureRate <= 1) {
		p.Add("failure_rate", shop.ReasonRange)
	}
	if l.CooldownMinutes < 1 || l.CooldownMinutes > maxWindow {
		p.Add("cooldown_minutes", shop.ReasonRange)
	}
	if l.IPBlock.Declines < 1 || l.IPBlock.Declines > 10000 {
		p.Add("ip_block.declines", shop.ReasonRange)
	}
	if l.IPBlock.Minutes < 1 || l.IPBlock.Minutes > maxWindow {
		p.Add("ip_block.minutes", shop.ReasonRange)
	}
	if l.IPBlock.BlockMinutes < 1 || l.IPBlock.BlockMinutes > 7*24*60 {
		p.Add("ip_block.block_minutes", shop.ReasonRange)
	}
	return p.Err()
}

const limitsKey = "fraud_limits"

// LoadLimits returns the saved limits, or DefaultLimits() when none are
// saved. Saved limits that no longer validate are an error rather than a
// silent fallback, so that a bad setting is noticed at start.
func LoadLimits(ctx context.Context, d *db.DB) (Limits, error) {
	var raw string
	err := d.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, limitsKey).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultLimits(), nil
	}
	if err != nil {
		return Limits{}, fmt.Errorf("load fraud limits: %w", err)
	}
	l := DefaultLimits()
	if err := json.Unmarshal([]byte(raw), &l); err != nil {
		return Limits{}, fmt.Errorf("decode fraud limits: %w", err)
	}
	if err := l.Validate(); err != nil {
		return Limits{}, fmt.Errorf("fraud limits: %w", err)
	}
	return l, nil
}

// SaveLimits validates l and stores it inside tx, so that the change and
// its audit record commit together. A running Guard keeps the limits it
// was built with; the new ones apply from the next start.
func SaveLimits(ctx context.Context, tx *sql.Tx, l Limits, now time.Time) error {
	if err := l.Validate(); err != nil {
		return err
	}
	b, err := json.Marshal(l)
	if err != nil {
		return fmt.Errorf("encode fraud limits: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		limitsKey, string(b), now)
	if err != nil {
		return fmt.Errorf("save fraud limits: %w", err)
	}
	return nil
}

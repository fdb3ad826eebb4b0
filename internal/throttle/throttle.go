// Package throttle slows one client down without slowing the shop: it
// counts events (an order placed, a cart created, a verification mail
// resent) per subject (a client address, an e-mail address, a session, or
// the whole shop) in sliding windows kept in the database, so that every
// instance of Kaede sees the same counts.
//
// A check and the event it lets through are written in the caller's
// transaction, under a lock on the bucket's row: sixty requests that
// arrive together cannot all count the same four earlier events and all
// pass a limit of five. What was refused is not counted, so a client who
// waits is let through once the window has slid, however often it
// knocked meanwhile.
package throttle

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"kaede/internal/db"
	"kaede/internal/shop"
)

// Window allows at most Max events in any Minutes-long period.
type Window struct {
	Max     int `json:"max"`
	Minutes int `json:"minutes"`
}

// Duration is the window's length.
func (w Window) Duration() time.Duration { return time.Duration(w.Minutes) * time.Minute }

// MaxMinutes is the longest window a limit may use: a day. Prune keeps
// events for twice as long.
const MaxMinutes = 24 * 60

// CheckWindows adds a problem named name+"[i].max" or ".minutes" for every
// window out of range. An empty list is allowed: it limits nothing.
func CheckWindows(p shop.Problems, name string, ws []Window) {
	for i, w := range ws {
		at := name + "[" + strconv.Itoa(i) + "]"
		if w.Max < 1 || w.Max > 100000 {
			p.Add(at+".max", shop.ReasonRange)
		}
		if w.Minutes < 1 || w.Minutes > MaxMinutes {
			p.Add(at+".minutes", shop.ReasonRange)
		}
	}
}

// Rule is one limit to check: the events of Bucket for Subject (already
// reduced by Subject, Address or Email; "" counts the whole shop), each of
// Windows at once.
type Rule struct {
	Bucket  string
	Subject string
	Windows []Window
}

// Subject reduces a value that identifies someone (a session key, an
// account id) to what is stored: its SHA-256.
func Subject(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// Email is the subject of an e-mail address: lower-cased and trimmed, so
// that Foo@Example.com and foo@example.com are one.
func Email(s string) string { return Subject(strings.ToLower(strings.TrimSpace(s))) }

// Address is the subject of a client address: IPv4 (also IPv4-mapped) as
// itself and IPv6 as its /64, since one subscriber is routinely given a
// whole /64 and could otherwise take a new address for every request.
// Something that is not an address is counted as it came.
func Address(s string) string {
	addr, err := netip.ParseAddr(s)
	if err != nil {
		return Subject("raw:" + s)
	}
	addr = addr.Unmap().WithZone("")
	if addr.Is6() {
		if p, err := addr.Prefix(64); err == nil {
			return Subject(p.String())
		}
	}
	return Subject(addr.String())
}

// Limiter checks and records events on one database.
type Limiter struct {
	db *db.DB
}

// New returns a Limiter over d.
func New(d *db.DB) *Limiter { return &Limiter{db: d} }

// Take checks every rule in tx, at now. When all of them have room it
// records one event for each and returns nil; otherwise it records nothing
// and returns a shop.TooMany error whose RetryAfter is the longest wait
// among the full windows (all of them must clear), with message msg.
// Rules with no windows, or no subject when a subject was expected (the
// caller leaves them out), are skipped.
func (l *Limiter) Take(ctx context.Context, tx *sql.Tx, now time.Time, msg string, rules ...Rule) error {
	now = now.UTC()
	if err := l.lock(ctx, tx, rules); err != nil {
		return err
	}
	last, err := check(ctx, tx, now, msg, rules)
	if err != nil {
		return err
	}
	return record(ctx, tx, now, rules, last)
}

// Check is Take without taking: the same refusal when a window is full,
// but nothing locked or recorded. A caller that takes its rules late in a
// long transaction checks them first, so that a client over its limit is
// refused before any of the work.
func Check(ctx context.Context, tx *sql.Tx, now time.Time, msg string, rules ...Rule) error {
	_, err := check(ctx, tx, now.UTC(), msg, rules)
	return err
}

// check returns, per bucket and subject with windows, the number of its
// newest event (0 for none), or the refusal when a window is full.
//
// Events number themselves 1, 2, … within their bucket and subject (seq),
// with no gaps: a rolled-back event frees its number, and pruning removes
// the oldest. A window holding Max events is full when the event Max
// places back from the newest is still in it: one index seek by its
// number, however large Max is.
func check(ctx context.Context, tx *sql.Tx, now time.Time, msg string, rules []Rule) (map[string]int64, error) {
	last := map[string]int64{}
	var wait time.Duration
	for _, r := range rules {
		if len(r.Windows) == 0 {
			continue
		}
		key := r.Bucket + " " + r.Subject
		n, ok := last[key]
		if !ok {
			err := tx.QueryRowContext(ctx, `SELECT seq FROM throttle_events
				WHERE bucket = $1 AND subject = $2 ORDER BY seq DESC LIMIT 1`, r.Bucket, r.Subject).Scan(&n)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return nil, fmt.Errorf("count %s: %w", r.Bucket, err)
			}
			last[key] = n
		}
		for _, w := range r.Windows {
			d, err := windowWait(ctx, tx, r, w, n, now)
			if err != nil {
				return nil, err
			}
			wait = max(wait, d)
		}
	}
	if wait > 0 {
		return nil, &shop.Error{Code: shop.TooMany, Message: msg, RetryAfter: wait}
	}
	return last, nil
}

// windowWait returns how long until one more event fits in w, or zero if
// it fits now, given the number of the rule's newest event: with w.Max
// events in the window, the next fits once the oldest of them leaves it.
func windowWait(ctx context.Context, tx *sql.Tx, r Rule, w Window, last int64, now time.Time) (time.Duration, error) {
	nth := last - int64(w.Max) + 1
	if nth < 1 {
		return 0, nil // fewer than Max events ever
	}
	var at time.Time
	err := tx.QueryRowContext(ctx, `SELECT created_at FROM throttle_events
		WHERE bucket = $1 AND subject = $2 AND seq = $3`, r.Bucket, r.Subject, nth).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil // pruned: long out of every window
	}
	if err != nil {
		return 0, fmt.Errorf("count %s: %w", r.Bucket, err)
	}
	if !at.After(now.Add(-w.Duration())) {
		return 0, nil
	}
	// At least a second, so that a Retry-After is never 0.
	return max(at.Add(w.Duration()).Sub(now), time.Second), nil
}

// record writes one event per bucket and subject with windows, numbered
// after the newest check found, in one statement: a checkout counts
// against four or five rules inside the transaction that every other
// writer waits for.
func record(ctx context.Context, tx *sql.Tx, now time.Time, rules []Rule, last map[string]int64) error {
	var q strings.Builder
	var args []any
	var buckets []string
	done := map[string]bool{}
	for _, r := range rules {
		key := r.Bucket + " " + r.Subject
		if len(r.Windows) == 0 || done[key] {
			continue
		}
		done[key] = true
		if len(args) == 0 {
			q.WriteString(`INSERT INTO throttle_events (bucket, subject, seq, created_at) VALUES `)
		} else {
			q.WriteString(", ")
		}
		n := len(args)
		fmt.Fprintf(&q, "($%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4)
		args = append(args, r.Bucket, r.Subject, last[key]+1, now)
		buckets = append(buckets, r.Bucket)
	}
	if len(args) == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
		return fmt.Errorf("record %s: %w", strings.Join(buckets, ", "), err)
	}
	return nil
}

// lock serialises the checks of each rule's window across instances on
// PostgreSQL: a transaction-scoped advisory lock per bucket and subject,
// taken in the order given (callers list their rules in one fixed order,
// so two checks never wait on each other). Checks of different subjects —
// two customers — do not wait on each other; a shop-wide rule (no
// subject) is one lock. SQLite needs none: its IMMEDIATE transaction
// already excludes every other writer.
func (l *Limiter) lock(ctx context.Context, tx *sql.Tx, rules []Rule) error {
	if l.db.Dialect != db.Postgres {
		return nil
	}
	seen := map[string]bool{}
	for _, r := range rules {
		key := r.Bucket + " " + r.Subject // a bucket is one word
		if len(r.Windows) == 0 || seen[key] {
			continue
		}
		seen[key] = true
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, "throttle "+key); err != nil {
			return fmt.Errorf("lock %s: %w", r.Bucket, err)
		}
	}
	return nil
}

// Prune deletes the events older than twice the longest window; nothing
// else reads them.
func (l *Limiter) Prune(ctx context.Context, now time.Time) (int64, error) {
	res, err := l.db.ExecContext(ctx, `DELETE FROM throttle_events WHERE created_at < $1`,
		now.UTC().Add(-2*MaxMinutes*time.Minute))
	if err != nil {
		return 0, fmt.Errorf("prune throttle events: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("prune throttle events: %w", err)
	}
	return n, nil
}

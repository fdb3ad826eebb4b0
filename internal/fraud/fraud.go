// Package fraud defends the card form against card testing (悪質な有効性確認,
// クレジットマスター): someone with a list of stolen or generated card numbers
// uses the shop's checkout to find out which of them work.
//
// A Guard counts card payment attempts per session, per IP address and per
// e-mail address in sliding windows, blocks an address after repeated
// declines, and trips a site-wide breaker that suspends card payments when,
// over the last hour or the last day, failures pass a threshold and make up
// most of the authorisations (the practice of Japanese platforms, following
// the Credit Card Security Guideline's EC-site measures).
//
// Callers must show the customer only a plain message when an attempt is
// refused or a card is declined — "しばらくしてからお試しください" / "Card
// payment is temporarily unavailable" — never the Reason of a Decision nor
// the provider's decline code: telling a tester which rule stopped them, or
// why a card failed, is exactly what they are after.
package fraud

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	"kaede/internal/db"
	"kaede/internal/shop"
)

// Guard decides whether a card payment may start and learns from what the
// provider reports. It is safe for concurrent use, and several instances of
// Kaede may share one database: every decision is taken in a transaction
// that locks the breaker row.
type Guard struct {
	db     *db.DB
	clock  shop.Clock
	limits Limits

	// Alert, when set, is called after a change has been committed: once
	// when the breaker trips and once when an address gets blocked, never
	// for the attempts refused afterwards. It runs on the caller's
	// goroutine (the one that called Record), so it should hand slow work
	// such as sending e-mail to a queue. Set it before the Guard is used.
	Alert func(context.Context, Alert)

	mu           sync.Mutex
	suspended    time.Time // cached suspended_until; zero when not suspended
	cacheExpires time.Time
}

// cacheTTL is how long CardSuspended trusts what it last read. A breaker
// tripped on another instance on the same PostgreSQL clears it when the
// trip commits (breakerTopic), and shows here within it at the latest;
// Allow always reads the database, so the cache can only delay hiding the
// card option, never let a payment through.
const cacheTTL = 2 * time.Second

// breakerTopic is what a trip of the breaker announces (db.Announce) to
// every instance's cached CardSuspended.
const breakerTopic = "card_breaker"

// New returns a Guard over d. limits must be valid (see Limits.Validate;
// LoadLimits returns only valid limits).
func New(d *db.DB, clock shop.Clock, limits Limits) *Guard {
	g := &Guard{db: d, clock: clock, limits: limits}
	d.OnChange(func() {
		g.mu.Lock()
		g.cacheExpires = time.Time{}
		g.mu.Unlock()
	}, breakerTopic)
	return g
}

// Attempt identifies who is about to pay by card. All three are required:
// checkout always has a session, the client's address and the order's
// e-mail address.
type Attempt struct {
	SessionKey string // the session cookie's value or its hash; only a hash of it is stored
	IP         string // the client's address, as the trusted proxy reported it
	Email      string // the order's e-mail address; only a hash of it, lower-cased, is stored
}

// Reason says which rule refused an attempt. It is for logs and alerts,
// never for the customer.
type Reason string

// The reasons an attempt is refused.
const (
	SessionLimit  Reason = "session_limit"  // too many attempts from this session
	IPLimit       Reason = "ip_limit"       // too many attempts from this address
	EmailLimit    Reason = "email_limit"    // too many attempts for this e-mail address
	SiteLimit     Reason = "site_limit"     // too many declined or failed attempts shop-wide
	IPBlocked     Reason = "ip_blocked"     // this address had too many declines
	CardSuspended Reason = "card_suspended" // the site-wide breaker has tripped
)

// Decision is the answer to Allow. A refusal is a normal answer, not an
// error.
type Decision struct {
	Allowed bool
	// AttemptID is what the caller passes to Record when the provider
	// reports; zero when the attempt was refused.
	AttemptID int64
	// Reason is set when the attempt was refused.
	Reason Reason
	// RetryAfter is how long until the rule that refused the attempt would
	// let it through, as far as can be known now (for a Retry-After header
	// or a log line).
	RetryAfter time.Duration
}

// Outcome is what the payment provider reported for an attempt.
type Outcome string

// The outcomes Record accepts.
const (
	Succeeded Outcome = "succeeded" // the card was authorised
	Declined  Outcome = "declined"  // the issuer said no
	Failed    Outcome = "failed"    // authentication (3-D Secure) or processing failed
)

// AlertKind says what an Alert is about.
type AlertKind string

// The kinds of alert.
const (
	AlertBreakerTripped AlertKind = "breaker_tripped" // card payments are suspended site-wide
	AlertIPBlocked      AlertKind = "ip_blocked"      // one address may no longer pay by card
)

// Alert tells monitoring that the guard started refusing card payments on
// a larger scale than one attempt.
type Alert struct {
	Kind  AlertKind
	At    time.Time
	Until time.Time // when the suspension or block ends
	// IP is the blocked address (AlertIPBlocked only).
	IP string
	// Window is the period whose counts tripped the breaker or blocked the
	// address; Failures of Settled attempts in it failed (for a block,
	// Failures counts declines and Settled is zero).
	Window   time.Duration
	Failures int
	Settled  int
}

// key is an attempt reduced to what is stored.
type key struct {
	session string
	ip      string
	email   string
}

// keyOf validates a and turns it into what is stored and counted.
func keyOf(a Attempt) (key, error) {
	p := shop.Problems{}
	if strings.TrimSpace(a.SessionKey) == "" {
		p.Add("session_key", shop.ReasonRequired)
	}
	ip, err := normaliseIP(a.IP)
	if a.IP == "" {
		p.Add("ip", shop.ReasonRequired)
	} else if err != nil {
		p.Add("ip", shop.ReasonFormat)
	}
	email := strings.ToLower(strings.TrimSpace(a.Email))
	if email == "" {
		p.Add("email", shop.ReasonRequired)
	}
	if err := p.Err(); err != nil {
		return key{}, err
	}
	return key{session: hash(a.SessionKey), ip: ip, email: hash(email)}, nil
}

// normaliseIP returns the address as it is counted: IPv4 (also when it
// arrives IPv4-mapped) as itself, IPv6 as its /64 network, because one
// subscriber is routinely given a whole /64 and could otherwise take a new
// address for every attempt.
func normaliseIP(s string) (string, error) {
	addr, err := netip.ParseAddr(s)
	if err != nil {
		return "", fmt.Errorf("parse ip: %w", err)
	}
	addr = addr.Unmap().WithZone("")
	if addr.Is4() {
		return addr.String(), nil
	}
	prefix, err := addr.Prefix(64)
	if err != nil {
		return "", fmt.Errorf("ip prefix: %w", err)
	}
	return prefix.String(), nil
}

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

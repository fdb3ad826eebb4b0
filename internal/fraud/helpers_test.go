package fraud_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/fraud"
)

// clock is a settable shop.Clock, safe to read from many goroutines.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock {
	return &clock{now: time.Date(2025, 4, 1, 3, 0, 0, 0, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// alerts collects what the Guard's Alert hook was called with.
type alerts struct {
	mu   sync.Mutex
	list []fraud.Alert
}

func (a *alerts) add(_ context.Context, al fraud.Alert) {
	a.mu.Lock()
	a.list = append(a.list, al)
	a.mu.Unlock()
}

func (a *alerts) count(kind fraud.AlertKind) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, al := range a.list {
		if al.Kind == kind {
			n++
		}
	}
	return n
}

func newGuard(t *testing.T, d *db.DB, limits fraud.Limits) (*fraud.Guard, *clock, *alerts) {
	t.Helper()
	c := newClock()
	g := fraud.New(d, c.Now, limits)
	a := &alerts{}
	g.Alert = a.add
	return g, c, a
}

// stranger is attempt i of a tester who changes session, e-mail address
// and IP address every time, so that only the site-wide rules apply.
func stranger(i int) fraud.Attempt {
	return fraud.Attempt{
		SessionKey: fmt.Sprintf("session-%d", i),
		IP:         fmt.Sprintf("198.51.%d.%d", i/250, i%250+1),
		Email:      fmt.Sprintf("buyer%d@example.jp", i),
	}
}

func allow(t *testing.T, g *fraud.Guard, a fraud.Attempt) fraud.Decision {
	t.Helper()
	dec, err := g.Allow(context.Background(), a)
	if err != nil {
		t.Fatalf("Allow(%+v): %v", a, err)
	}
	return dec
}

func record(t *testing.T, g *fraud.Guard, id int64, o fraud.Outcome) {
	t.Helper()
	if err := g.Record(context.Background(), id, o); err != nil {
		t.Fatalf("Record(%d, %s): %v", id, o, err)
	}
}

// pay is an attempt that is allowed and then settles with o.
func pay(t *testing.T, g *fraud.Guard, a fraud.Attempt, o fraud.Outcome) {
	t.Helper()
	dec := allow(t, g, a)
	if !dec.Allowed {
		t.Fatalf("Allow(%+v) refused: %s", a, dec.Reason)
	}
	record(t, g, dec.AttemptID, o)
}

func suspended(t *testing.T, g *fraud.Guard) bool {
	t.Helper()
	s, _, err := g.CardSuspended(context.Background())
	if err != nil {
		t.Fatalf("CardSuspended: %v", err)
	}
	return s
}

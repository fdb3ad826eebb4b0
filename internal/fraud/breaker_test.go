package fraud_test

import (
	"context"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/fraud"
)

// 20 declines out of 22 settled attempts (91 %) trip the breaker; it stays
// tripped for the cooldown, alerts once, and clears afterwards.
func TestBreakerTrips(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		g, c, al := newGuard(t, d, fraud.DefaultLimits())
		ctx := context.Background()
		pay(t, g, stranger(0), fraud.Succeeded)
		pay(t, g, stranger(1), fraud.Succeeded)
		for i := 2; i < 21; i++ {
			pay(t, g, stranger(i), fraud.Declined)
			c.Advance(time.Minute)
		}
		if suspended(t, g) {
			t.Fatalf("suspended after 19 declines, want not before 20")
		}
		// Two attempts started before the trip whose outcomes come after it.
		late1, late2 := allow(t, g, stranger(100)), allow(t, g, stranger(101))

		c.Advance(3 * time.Second) // past CardSuspended's cache
		pay(t, g, stranger(21), fraud.Declined)
		tripped := c.Now()
		s, until, err := g.CardSuspended(ctx)
		if err != nil || !s || !until.Equal(tripped.Add(30*time.Minute)) {
			t.Fatalf("CardSuspended=%v, %v, %v; want true until %v", s, until, err, tripped.Add(30*time.Minute))
		}
		dec := allow(t, g, stranger(22))
		if dec.Allowed || dec.Reason != fraud.CardSuspended || dec.RetryAfter != 30*time.Minute {
			t.Fatalf("during suspension: %+v, want refused card_suspended retry 30m", dec)
		}
		record(t, g, late1.AttemptID, fraud.Declined)
		record(t, g, late2.AttemptID, fraud.Failed)
		if n := al.count(fraud.AlertBreakerTripped); n != 1 {
			t.Fatalf("breaker alerts=%d, want 1", n)
		}
		a := al.list[0]
		if a.Window != time.Hour || a.Failures != 20 || a.Settled != 22 || !a.Until.Equal(tripped.Add(30*time.Minute)) {
			t.Fatalf("alert=%+v, want 1h window, 20 of 22, until %v", a, tripped.Add(30*time.Minute))
		}
		st, err := g.Status(ctx)
		if err != nil {
			t.Fatalf("Status: %v", err)
		}
		if !st.SuspendedUntil.Equal(tripped.Add(30 * time.Minute)) {
			t.Fatalf("status suspended until %v, want %v", st.SuspendedUntil, tripped.Add(30*time.Minute))
		}

		c.Advance(30 * time.Minute)
		if suspended(t, g) {
			t.Fatalf("still suspended after the cooldown")
		}
		dec = allow(t, g, stranger(23))
		if !dec.Allowed {
			t.Fatalf("after the cooldown: refused %s, want allowed", dec.Reason)
		}
		// The attack goes on: its next failure trips the breaker again,
		// which is a new trip and a new alert.
		record(t, g, dec.AttemptID, fraud.Declined)
		if !suspended(t, g) {
			t.Fatalf("not suspended again after a failure while the window is still over")
		}
		if n := al.count(fraud.AlertBreakerTripped); n != 2 {
			t.Fatalf("breaker alerts=%d, want 2 after a second trip", n)
		}
	})
}

// 20 declines out of 40 settled attempts (50 %) are below the rate.
func TestBreakerNeedsTheRate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		g, c, al := newGuard(t, d, fraud.DefaultLimits())
		for i := range 20 {
			pay(t, g, stranger(i), fraud.Succeeded)
		}
		for i := 20; i < 40; i++ {
			pay(t, g, stranger(i), fraud.Declined)
			c.Advance(time.Minute)
		}
		c.Advance(3 * time.Second)
		if suspended(t, g) {
			t.Fatalf("suspended at a 50 %% failure rate")
		}
		if n := len(al.list); n != 0 {
			t.Fatalf("alerts=%d, want 0", n)
		}
		st, err := g.Status(context.Background())
		if err != nil {
			t.Fatalf("Status: %v", err)
		}
		if w := st.Windows[0]; w.Window != time.Hour || w.Declined != 20 || w.Succeeded != 20 || w.FailureRate != 0.5 {
			t.Fatalf("status=%+v, want 1h, 20 declined, 20 succeeded, rate 0.5", w)
		}
	})
}

// A slow attack stays under 20 an hour but the day's 50 trips the breaker.
func TestBreakerDayWindow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		g, c, al := newGuard(t, d, fraud.DefaultLimits())
		for i := range 49 {
			pay(t, g, stranger(i), fraud.Failed)
			c.Advance(20 * time.Minute)
		}
		c.Advance(3 * time.Second)
		if suspended(t, g) {
			t.Fatalf("suspended after 49 failures in a day")
		}
		pay(t, g, stranger(49), fraud.Failed)
		if !suspended(t, g) {
			t.Fatalf("not suspended after 50 failures in a day")
		}
		if n := al.count(fraud.AlertBreakerTripped); n != 1 || al.list[0].Window != 24*time.Hour {
			t.Fatalf("alerts=%+v, want one for the 24h window", al.list)
		}
	})
}

// An address is blocked after 5 declines in an hour, for 2 hours; one alert.
func TestIPBlock(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		g, c, al := newGuard(t, d, fraud.DefaultLimits())
		tester := func(i int) fraud.Attempt {
			a := stranger(i)
			a.IP = "203.0.113.9"
			return a
		}
		for i := range 4 {
			pay(t, g, tester(i), fraud.Declined)
			c.Advance(time.Minute)
		}
		late, later := allow(t, g, tester(100)), allow(t, g, tester(101))
		if !late.Allowed || !later.Allowed {
			t.Fatalf("attempts after 4 declines refused (%s, %s)", late.Reason, later.Reason)
		}
		record(t, g, late.AttemptID, fraud.Declined)
		blocked := c.Now()
		dec := allow(t, g, tester(5))
		if dec.Allowed || dec.Reason != fraud.IPBlocked || dec.RetryAfter != 2*time.Hour {
			t.Fatalf("after 5 declines: %+v, want refused ip_blocked retry 2h", dec)
		}
		if dec := allow(t, g, stranger(6)); !dec.Allowed {
			t.Fatalf("another address refused (%s)", dec.Reason)
		}
		// A late decline from the blocked address does not alert again.
		record(t, g, later.AttemptID, fraud.Declined)
		if n := al.count(fraud.AlertIPBlocked); n != 1 {
			t.Fatalf("ip alerts=%d, want 1", n)
		}
		if a := al.list[0]; a.IP != "203.0.113.9" || a.Failures != 5 || !a.Until.Equal(blocked.Add(2*time.Hour)) {
			t.Fatalf("alert=%+v, want 203.0.113.9, 5 declines, until %v", a, blocked.Add(2*time.Hour))
		}
		st, err := g.Status(context.Background())
		if err != nil {
			t.Fatalf("Status: %v", err)
		}
		if len(st.BlockedIPs) != 1 || st.BlockedIPs[0].IP != "203.0.113.9" {
			t.Fatalf("blocked=%+v, want 203.0.113.9", st.BlockedIPs)
		}
		c.Advance(2 * time.Hour)
		if dec := allow(t, g, tester(8)); !dec.Allowed {
			t.Fatalf("after the block: refused %s", dec.Reason)
		}
	})
}

// Failures that are not declines (an outage at the provider) do not block
// the customers who retry.
func TestIPBlockCountsDeclinesOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		g, _, al := newGuard(t, d, fraud.DefaultLimits())
		for i := range 8 {
			a := stranger(i)
			a.IP = "203.0.113.10"
			pay(t, g, a, fraud.Failed)
		}
		if n := al.count(fraud.AlertIPBlocked); n != 0 {
			t.Fatalf("ip alerts=%d, want 0", n)
		}
	})
}

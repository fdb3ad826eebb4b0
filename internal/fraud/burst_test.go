package fraud_test

import (
	"fmt"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/fraud"
)

// TestBurst measures how many declined card attempts get through the
// default limits in typical card-testing patterns. Each tester changes
// session and e-mail address on every try, so that only the address and
// site-wide rules can stop them.
func TestBurst(t *testing.T) {
	// attack runs n tries, step apart; ip(i) is the address of try i. Each
	// allowed try is declined before the next starts, as when a tester
	// waits for each answer. It returns how many were allowed.
	attack := func(t *testing.T, g *fraud.Guard, c *clock, n int, step time.Duration, ip func(i int) string) int {
		t.Helper()
		through := 0
		for i := range n {
			a := stranger(i)
			a.IP = ip(i)
			if dec := allow(t, g, a); dec.Allowed {
				through++
				record(t, g, dec.AttemptID, fraud.Declined)
			}
			c.Advance(step)
		}
		return through
	}
	oneIP := func(int) string { return "203.0.113.66" }
	manyIPs := func(i int) string { return fmt.Sprintf("10.%d.%d.%d", i/65536, i/256%256, i%256) }
	l := fraud.DefaultLimits()

	t.Run("one ip, 200 tries in 10 minutes", func(t *testing.T) {
		dbtest.Each(t, func(t *testing.T, d *db.DB) {
			g, c, _ := newGuard(t, d, l)
			got := attack(t, g, c, 200, 3*time.Second, oneIP)
			t.Logf("through: %d of 200", got)
			if got != l.IPBlock.Declines {
				t.Fatalf("through=%d, want %d (the IP block)", got, l.IPBlock.Declines)
			}
		})
	})
	t.Run("one ip, one try a minute for 24 hours", func(t *testing.T) {
		dbtest.Each(t, func(t *testing.T, d *db.DB) {
			g, c, _ := newGuard(t, d, l)
			got := attack(t, g, c, 24*60, time.Minute, oneIP)
			t.Logf("through: %d of %d", got, 24*60)
			if got > l.IP[1].Max {
				t.Fatalf("through=%d, want at most %d (the daily IP limit)", got, l.IP[1].Max)
			}
		})
	})
	t.Run("one ip, 50 at once", func(t *testing.T) {
		dbtest.Each(t, func(t *testing.T, d *db.DB) {
			g, _, _ := newGuard(t, d, l)
			// All start before any outcome arrives.
			through := 0
			for i := range 50 {
				a := stranger(i)
				a.IP = oneIP(i)
				if allow(t, g, a).Allowed {
					through++
				}
			}
			t.Logf("through: %d of 50", through)
			if through != l.IP[0].Max {
				t.Fatalf("through=%d, want %d (the hourly IP limit)", through, l.IP[0].Max)
			}
		})
	})
	t.Run("200 ips, one try each in 10 minutes", func(t *testing.T) {
		dbtest.Each(t, func(t *testing.T, d *db.DB) {
			g, c, al := newGuard(t, d, l)
			got := attack(t, g, c, 200, 3*time.Second, manyIPs)
			t.Logf("through: %d of 200; breaker alerts: %d", got, al.count(fraud.AlertBreakerTripped))
			if got != l.Breaker[0].MinFailures {
				t.Fatalf("through=%d, want %d (the breaker)", got, l.Breaker[0].MinFailures)
			}
		})
	})
	t.Run("a new ip every minute for 24 hours", func(t *testing.T) {
		dbtest.Each(t, func(t *testing.T, d *db.DB) {
			g, c, al := newGuard(t, d, l)
			got := attack(t, g, c, 24*60, time.Minute, manyIPs)
			trips := al.count(fraud.AlertBreakerTripped)
			t.Logf("through: %d of %d; breaker alerts: %d", got, 24*60, trips)
			// Until the day's threshold is reached the hourly breaker lets
			// through about its threshold an hour; after that the day's
			// window stays over it, and each cooldown ends with one trial
			// that trips it again.
			if bound := l.Breaker[1].MinFailures + 24*60/l.CooldownMinutes; got > bound {
				t.Fatalf("through=%d, want at most %d", got, bound)
			}
		})
	})
	t.Run("200 ips at once", func(t *testing.T) {
		dbtest.Each(t, func(t *testing.T, d *db.DB) {
			g, _, _ := newGuard(t, d, l)
			// All start before any outcome arrives: starts cost the shop
			// nothing until a card is typed, so neither the breaker nor the
			// site-wide cap (both on declines) sees them; once the
			// provider declines them, the next start anywhere is refused.
			var ids []int64
			for i := range 200 {
				a := stranger(i)
				a.IP = manyIPs(i)
				if dec := allow(t, g, a); dec.Allowed {
					ids = append(ids, dec.AttemptID)
				}
			}
			for _, id := range ids {
				record(t, g, id, fraud.Declined)
			}
			next := stranger(1000)
			next.IP = "192.0.2.200"
			dec := allow(t, g, next)
			t.Logf("started: %d of 200; after their declines the next start: %+v", len(ids), dec)
			if dec.Allowed {
				t.Fatalf("a start after %d declines was allowed", len(ids))
			}
		})
	})
}

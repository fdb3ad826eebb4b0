package staff_test

import (
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/staff"
)

// Sessions and pending logins go a retention period (7 days by default)
// after they end: a pending login five minutes after it began, an idle
// session 30 minutes after its last use, a busy one 12 hours after login.
func TestPruneSessions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		a := h.enrol("taro@example.jp", staff.Manager)
		idle := h.login(a, ipHome)
		if _, err := h.s.Authenticate(h.ctx, a.Email, password, ipHome); err != nil {
			t.Fatal(err) // a login left waiting for its second factor
		}
		var pendingEnds time.Time
		if err := d.QueryRowContext(h.ctx, `SELECT expires_at FROM staff_pending_logins`).Scan(&pendingEnds); err != nil {
			t.Fatal(err)
		}
		busy := h.login(a, ipHome)
		for range 12*60/20 - 1 {
			h.clock.Advance(20 * time.Minute)
			var err error
			if busy, _, err = h.s.Touch(h.ctx, busy.ID, ipHome, browser); err != nil {
				t.Fatal(err)
			}
		}
		if busy.ExpiresAt() != busy.CreatedAt.Add(staff.MaxSessionAge) {
			t.Fatalf("the busy session ends at %v, want its absolute limit", busy.ExpiresAt())
		}

		week := 7 * 24 * time.Hour
		for _, step := range []struct {
			at                time.Time
			pruned            int64
			sessions, pending int
		}{
			{pendingEnds.Add(week - time.Second), 0, 2, 1},
			{pendingEnds.Add(week + time.Second), 1, 2, 0},
			{idle.ExpiresAt().Add(week - time.Second), 0, 2, 0},
			{idle.ExpiresAt().Add(week + time.Second), 1, 1, 0},
			{busy.ExpiresAt().Add(week - time.Second), 0, 1, 0},
			{busy.ExpiresAt().Add(week + time.Second), 1, 0, 0},
		} {
			n, err := h.s.Prune(h.ctx, step.at)
			if err != nil {
				t.Fatalf("Prune: %v", err)
			}
			var sessions, pending int
			if err := d.QueryRowContext(h.ctx, `SELECT COUNT(*) FROM staff_sessions`).Scan(&sessions); err != nil {
				t.Fatal(err)
			}
			if err := d.QueryRowContext(h.ctx, `SELECT COUNT(*) FROM staff_pending_logins`).Scan(&pending); err != nil {
				t.Fatal(err)
			}
			if n != step.pruned || sessions != step.sessions || pending != step.pending {
				t.Fatalf("at %v: pruned %d, left %d sessions and %d pending logins; want %d, %d, %d",
					step.at, n, sessions, pending, step.pruned, step.sessions, step.pending)
			}
		}
	})
}

package member_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
)

// Tokens go a retention period (7 days by default) after they expire: the
// reset link (an hour) before the verification link (a day).
func TestPruneTokens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, clock := newService(t, d)
		ctx := context.Background()
		start := clock.Now()
		register(t, s, "taro@example.jp") // a verification token, valid a day
		if err := s.RequestPasswordReset(ctx, "taro@example.jp", "ja"); err != nil {
			t.Fatal(err)
		}
		week := 7 * 24 * time.Hour
		for _, step := range []struct {
			at         time.Duration
			pruned     int64
			tokensLeft int
		}{
			{time.Hour + week - time.Second, 0, 2},
			{time.Hour + week + time.Second, 1, 1}, // the reset token
			{24*time.Hour + week - time.Second, 0, 1},
			{24*time.Hour + week + time.Second, 1, 0}, // the verification token
		} {
			n, err := s.Prune(ctx, start.Add(step.at))
			if err != nil {
				t.Fatalf("Prune: %v", err)
			}
			var left int
			if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM member_tokens`).Scan(&left); err != nil {
				t.Fatal(err)
			}
			if n != step.pruned || left != step.tokensLeft {
				t.Fatalf("at +%v: pruned %d, %d left, want %d and %d", step.at, n, left, step.pruned, step.tokensLeft)
			}
		}
	})
}

// Customer sessions go a retention period (7 days by default) after they
// expire.
func TestPruneSessions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, clock := newService(t, d)
		ctx := context.Background()
		start := clock.Now()
		for i, idle := range []time.Duration{7 * 24 * time.Hour, 30 * 24 * time.Hour} {
			_, err := d.ExecContext(ctx, `INSERT INTO sessions (id_hash, created_at, last_seen_at, expires_at)
				VALUES ($1, $2, $2, $3)`, fmt.Sprintf("session-%d", i), start, start.Add(idle))
			if err != nil {
				t.Fatal(err)
			}
		}
		week := 7 * 24 * time.Hour
		for _, step := range []struct {
			at       time.Duration
			pruned   int64
			sessions int
		}{
			{week + week - time.Second, 0, 2},
			{week + week + time.Second, 1, 1},
			{30*24*time.Hour + week - time.Second, 0, 1},
			{30*24*time.Hour + week + time.Second, 1, 0},
		} {
			n, err := s.Prune(ctx, start.Add(step.at))
			if err != nil {
				t.Fatalf("Prune: %v", err)
			}
			var left int
			if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions`).Scan(&left); err != nil {
				t.Fatal(err)
			}
			if n != step.pruned || left != step.sessions {
				t.Fatalf("at +%v: pruned %d, %d left, want %d and %d", step.at, n, left, step.pruned, step.sessions)
			}
		}
	})
}

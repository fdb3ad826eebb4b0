package fraud_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/fraud"
	"kaede/internal/settings"
)

// Attempts and ended IP blocks older than the retention period (90 days by
// default) go; newer ones stay.
func TestPrune(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		g, c, _ := newGuard(t, d, fraud.DefaultLimits())
		for i := range 5 {
			a := stranger(i)
			a.IP = "203.0.113.11"
			pay(t, g, a, fraud.Declined) // blocks the address for 2h
		}
		c.Advance(89 * 24 * time.Hour)
		pay(t, g, stranger(10), fraud.Succeeded)

		c.Advance(24*time.Hour + time.Second) // the first five are now older than 90 days
		prune(t, g, c.Now(), 5)
		if a, b := countFraudRows(t, d); a != 1 || b != 1 {
			t.Fatalf("left %d attempts and %d blocks, want 1 and 1 (the block ended less than 90 days ago)", a, b)
		}
		c.Advance(2 * time.Hour)
		prune(t, g, c.Now(), 0)
		if a, b := countFraudRows(t, d); a != 1 || b != 0 {
			t.Fatalf("left %d attempts and %d blocks, want 1 and 0", a, b)
		}
	})
}

// While an incident holds the data nothing is pruned; a shorter period
// saved in the settings applies at the next run.
func TestPruneFollowsSettings(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		g, c, _ := newGuard(t, d, fraud.DefaultLimits())
		pay(t, g, stranger(0), fraud.Declined)
		c.Advance(31 * 24 * time.Hour)
		pay(t, g, stranger(1), fraud.Succeeded)

		set := settings.Default()
		set.Retention.CardAttemptDays = 30
		set.Retention.IncidentHold = true
		saveSettings(t, d, set, c.Now())
		prune(t, g, c.Now(), 0)
		if a, _ := countFraudRows(t, d); a != 2 {
			t.Fatalf("under an incident hold: %d attempts left, want 2", a)
		}

		set.Retention.IncidentHold = false
		saveSettings(t, d, set, c.Now())
		prune(t, g, c.Now(), 1)
		if a, _ := countFraudRows(t, d); a != 1 {
			t.Fatalf("after the hold: %d attempts left, want 1", a)
		}
	})
}

func prune(t *testing.T, g *fraud.Guard, now time.Time, want int64) {
	t.Helper()
	n, err := g.Prune(context.Background(), now)
	if err != nil {
		t.Fatalf("Prune: %v", err)
	}
	if n != want {
		t.Fatalf("pruned %d attempts, want %d", n, want)
	}
}

func countFraudRows(t *testing.T, d *db.DB) (attempts, blocks int) {
	t.Helper()
	ctx := context.Background()
	if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM fraud_attempts`).Scan(&attempts); err != nil {
		t.Fatal(err)
	}
	if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM fraud_ip_blocks`).Scan(&blocks); err != nil {
		t.Fatal(err)
	}
	return attempts, blocks
}

func saveSettings(t *testing.T, d *db.DB, s settings.Settings, now time.Time) {
	t.Helper()
	ctx := context.Background()
	if err := d.Tx(ctx, func(tx *sql.Tx) error { return settings.Save(ctx, tx, s, now) }); err != nil {
		t.Fatalf("save settings: %v", err)
	}
}

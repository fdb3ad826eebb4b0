package db_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
)

// migrateBelow applies the migrations numbered below version, as a shop
// last started before it was written would have them.
func migrateBelow(t *testing.T, d *db.DB, version int) {
	t.Helper()
	ctx := context.Background()
	ms, err := d.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.ExecContext(ctx, `CREATE TABLE schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Version >= version {
			break
		}
		if _, err := d.ExecContext(ctx, m.SQL); err != nil {
			t.Fatalf("migration %04d_%s: %v", m.Version, m.Name, err)
		}
		if _, err := d.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
			m.Version, m.Name, time.Now().UTC().Format(time.RFC3339)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestThrottleSeqNumbersExistingEvents migrates a shop's throttle events,
// written before events numbered themselves (0104), and wants each bucket
// and subject numbered 1, 2, … in the order its events happened (ties in
// the order written), whatever order the rows were written in.
func TestThrottleSeqNumbersExistingEvents(t *testing.T) {
	dbtest.EachEmpty(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		migrateBelow(t, d, 104)
		at := func(min int) time.Time { return time.Date(2026, 12, 1, 10, min, 0, 0, time.UTC) }
		events := []struct {
			bucket, subject string
			at              time.Time
		}{
			{"orders_ip", "a", at(3)},
			{"orders_ip", "a", at(1)},
			{"orders_ip", "b", at(2)},
			{"carts_ip", "a", at(1)},
			{"orders_ip", "a", at(2)},
			{"orders_ip", "a", at(2)}, // a tie: after the row above
			{"orders_ip", "b", at(1)},
		}
		for _, e := range events {
			if _, err := d.ExecContext(ctx, `INSERT INTO throttle_events (bucket, subject, created_at) VALUES ($1, $2, $3)`,
				e.bucket, e.subject, e.at); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := d.Migrate(ctx); err != nil {
			t.Fatalf("migrate: %v", err)
		}
		rows, err := d.QueryContext(ctx, `SELECT bucket, subject, seq FROM throttle_events ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var bucket, subject string
			var seq int
			if err := rows.Scan(&bucket, &subject, &seq); err != nil {
				t.Fatal(err)
			}
			got = append(got, fmt.Sprintf("%s/%s %d", bucket, subject, seq))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		want := []string{"orders_ip/a 4", "orders_ip/a 1", "orders_ip/b 2", "carts_ip/a 1", "orders_ip/a 2", "orders_ip/a 3", "orders_ip/b 1"}
		if !slices.Equal(got, want) {
			t.Fatalf("numbered\n%v\nwant\n%v", got, want)
		}
		// The numbers are unique per bucket and subject: a second 4 is refused.
		if _, err := d.ExecContext(ctx, `INSERT INTO throttle_events (bucket, subject, seq, created_at) VALUES ('orders_ip', 'a', 4, $1)`,
			at(5)); !db.IsUniqueViolation(err) {
			t.Fatalf("a second event numbered 4: %v, want a unique violation", err)
		}
	})
}

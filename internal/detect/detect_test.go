package detect_test

import (
	"context"
	"database/sql"
	"sync"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/detect"
	"kaede/internal/fraud"
	"kaede/internal/secevent"
	"kaede/internal/shop"
)

func TestBurstFiresOncePerWindow(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 5, 1, 3, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	fired := 0
	b := detect.NewBurst(20, 5*time.Minute, clock, func(int64, time.Duration) { fired++ })
	for range 19 {
		b.Observe(500)
		b.Observe(404) // client errors do not count
	}
	if fired != 0 {
		t.Fatalf("fired %d times after 19 server errors, want 0", fired)
	}
	for range 30 {
		b.Observe(503)
	}
	if fired != 1 {
		t.Fatalf("fired %d times after 49 server errors in a window, want 1", fired)
	}
	mu.Lock()
	now = now.Add(5 * time.Minute)
	mu.Unlock()
	for range 19 {
		b.Observe(500)
	}
	if fired != 1 {
		t.Fatalf("a new window kept the old count: fired %d, want 1", fired)
	}
	b.Observe(500)
	if fired != 2 {
		t.Fatalf("fired %d, want 2 after 20 errors in the second window", fired)
	}
}

// record writes an audit entry at t.
func record(t *testing.T, d *db.DB, at time.Time, action string) {
	t.Helper()
	err := d.Tx(context.Background(), func(tx *sql.Tx) error {
		return audit.Record(context.Background(), tx, at, audit.Actor{Name: "owner@kaede.example", IP: "192.0.2.1"}, action, "staff:2", nil, map[string]any{"role": "owner"})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestOffHoursChanges(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		events := secevent.NewStore(d, nil)
		night := time.Date(2026, 5, 1, 23, 30, 0, 0, shop.JST) // a Friday
		record(t, d, night, "staff.role")                      // before the watcher's first run: not news
		if n, err := detect.OffHours(ctx, d, events); err != nil || n != 0 {
			t.Fatalf("first run: %d, %v; want 0 (it starts at the log's end)", n, err)
		}
		record(t, d, night, "staff.role")
		record(t, d, night, "staff.login")                                            // not a change to staff or settings
		record(t, d, time.Date(2026, 5, 1, 10, 0, 0, 0, shop.JST), "settings.update") // in hours
		record(t, d, time.Date(2026, 5, 2, 10, 0, 0, 0, shop.JST), "settings.update") // Saturday
		n, err := detect.OffHours(ctx, d, events)
		if err != nil || n != 2 {
			t.Fatalf("raised %d, %v; want 2", n, err)
		}
		if n, err := detect.OffHours(ctx, d, events); err != nil || n != 0 {
			t.Fatalf("second run raised %d, %v; want 0 (each entry once)", n, err)
		}
		es, err := events.List(ctx, secevent.Filter{Kind: secevent.KindOffHours})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 1 || es[0].Count != 2 || es[0].Severity != secevent.Warning {
			t.Fatalf("events=%+v, want one warning for the actor with count 2", es)
		}
	})
}

func TestAuditChainBrokenIsCritical(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		events := secevent.NewStore(d, nil)
		at := time.Date(2026, 5, 1, 3, 0, 0, 0, time.UTC)
		record(t, d, at, "staff.role")
		record(t, d, at, "staff.add")
		if n, err := detect.AuditChain(ctx, d, events); err != nil || n != 2 {
			t.Fatalf("intact chain: %d, %v", n, err)
		}
		if _, err := d.ExecContext(ctx, `UPDATE audit_log SET actor = 'someone-else' WHERE id = 1`); err != nil {
			t.Fatal(err)
		}
		if _, err := detect.AuditChain(ctx, d, events); err == nil {
			t.Fatal("broken chain verified")
		}
		es, err := events.List(ctx, secevent.Filter{Kind: secevent.KindAuditChain})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 1 || es[0].Severity != secevent.Critical {
			t.Fatalf("events=%+v, want one critical", es)
		}
	})
}

func TestCardTesting(t *testing.T) {
	trip := detect.CardTesting(fraud.Alert{Kind: fraud.AlertBreakerTripped, Window: time.Hour, Failures: 30, Settled: 40})
	if trip.Kind != secevent.KindCardBreaker || trip.Severity != secevent.Critical || trip.Detail["decline_ratio"] != 0.75 {
		t.Errorf("breaker: %+v, want critical %s with ratio 0.75", trip, secevent.KindCardBreaker)
	}
	block := detect.CardTesting(fraud.Alert{Kind: fraud.AlertIPBlocked, IP: "203.0.113.9", Window: time.Hour, Failures: 5})
	if block.Kind != secevent.KindCardIPBlocked || block.Severity != secevent.Warning || block.Target != "ip:203.0.113.9" {
		t.Errorf("block: %+v, want warning %s for ip:203.0.113.9", block, secevent.KindCardIPBlocked)
	}
}

package monitor_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/monitor"
	"kaede/internal/secevent"
)

// TestRunsSince: the runs finished from a moment on, oldest first, with
// their results and differences, as the reopening checklist reads them.
func TestRunsSince(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f, w := newFakeStore(t)
		var mu sync.Mutex
		now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		advance := func(by time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(by) }
		rel := &manifest{digest: "sha256:release-1"}
		svc, err := monitor.NewService(d, clock, monitor.ServiceConfig{Walker: w, Events: secevent.NewStore(d, clock), Manifest: rel.get})
		if err != nil {
			t.Fatal(err)
		}
		if runs, err := svc.RunsSince(ctx, now.Add(-time.Hour)); err != nil || len(runs) != 0 {
			t.Fatalf("runs before the first: %+v, %v", runs, err)
		}
		first := check(t, svc, monitor.OK)
		advance(time.Minute)
		since := clock()
		f.set(func(f *fakeStore) { f.extra = `<script src="https://evil.example/s.js"></script>` })
		second := check(t, svc, monitor.Different)
		advance(time.Minute)
		f.set(func(f *fakeStore) { f.extra, f.status["/checkout"] = "", 500 })
		third := check(t, svc, monitor.Blind)

		runs, err := svc.RunsSince(ctx, since)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) != 2 || runs[0].ID != second.ID || runs[1].ID != third.ID {
			t.Fatalf("runs since the second: %+v", runs)
		}
		if runs[0].Result != monitor.Different || len(runs[0].Differences) == 0 || runs[1].Result != monitor.Blind || runs[1].Blind == "" ||
			!runs[0].StartedAt.Equal(since) {
			t.Fatalf("runs read back %+v", runs)
		}
		if all, _ := svc.RunsSince(ctx, since.Add(-time.Hour)); len(all) != 3 || all[0].ID != first.ID {
			t.Fatalf("every run: %+v", all)
		}
	})
}

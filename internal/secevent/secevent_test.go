package secevent_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/secevent"
	"kaede/internal/shop"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func newStore(t *testing.T, d *db.DB) (*secevent.Store, *fakeClock) {
	t.Helper()
	c := &fakeClock{t: time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC)}
	return secevent.NewStore(d, c.now), c
}

func TestRaiseDeduplicatesOpenEvents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, clock := newStore(t, d)
		var notified []secevent.Raised
		s.OnRaise(func(ctx context.Context, tx *sql.Tx, r secevent.Raised) error {
			if r.Notify {
				notified = append(notified, r)
			}
			return nil
		})
		sig := secevent.Signal{Kind: secevent.KindCSPViolation, Severity: secevent.Warning, Source: "csp-report",
			Target: "/checkout script-src", Summary: "blocked https://evil.example/s.js",
			Detail: map[string]any{"blocked": "https://evil.example/s.js"}}
		for i := 0; i < 5; i++ {
			clock.t = clock.t.Add(time.Second)
			if _, err := s.Raise(ctx, sig); err != nil {
				t.Fatal(err)
			}
		}
		evs, err := s.List(ctx, secevent.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 1 || evs[0].Count != 5 {
			t.Fatalf("events=%+v, want one with count 5", evs)
		}
		if got := evs[0].LastSeen.Sub(evs[0].FirstSeen); got != 4*time.Second {
			t.Fatalf("last-first=%v, want 4s", got)
		}
		if len(notified) != 1 {
			t.Fatalf("notified %d times, want 1 (the first sighting)", len(notified))
		}

		// A rise in severity notifies again and reopens an acknowledged event.
		if _, err := s.Acknowledge(ctx, evs[0].ID, audit.Actor{Name: "owner@example.jp", IP: "127.0.0.1"}, "looking"); err != nil {
			t.Fatal(err)
		}
		sig.Severity = secevent.Critical
		r, err := s.Raise(ctx, sig)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Notify || r.State != secevent.New || r.Severity != secevent.Critical || r.Count != 6 {
			t.Fatalf("raised=%+v, want notify, new, critical, count 6", r)
		}
		if len(notified) != 2 {
			t.Fatalf("notified %d times, want 2", len(notified))
		}
		// A milder repeat does not lower the severity nor notify.
		sig.Severity = secevent.Info
		r, err = s.Raise(ctx, sig)
		if err != nil {
			t.Fatal(err)
		}
		if r.Notify || r.Severity != secevent.Critical {
			t.Fatalf("raised=%+v, want critical kept, no notify", r)
		}

		// Once resolved, the next sighting opens a new event.
		if _, err := s.Resolve(ctx, r.ID, audit.Actor{Name: "owner@example.jp"}, "test page, no theft"); err != nil {
			t.Fatal(err)
		}
		r2, err := s.Raise(ctx, sig)
		if err != nil {
			t.Fatal(err)
		}
		if r2.ID == r.ID || !r2.Notify || r2.Count != 1 {
			t.Fatalf("after resolve: %+v, want a new event", r2)
		}
		open, err := s.List(ctx, secevent.Filter{Open: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(open) != 1 || open[0].ID != r2.ID {
			t.Fatalf("open=%+v, want only the new event", open)
		}
	})
}

func TestAcknowledgeAndResolveAreAudited(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _ := newStore(t, d)
		r, err := s.Raise(ctx, secevent.Signal{Kind: secevent.KindTamper, Severity: secevent.Critical,
			Source: "monitor", Target: "/checkout", Summary: "script added"})
		if err != nil {
			t.Fatal(err)
		}
		by := audit.Actor{Name: "sec@example.jp", IP: "192.0.2.1"}
		if _, err := s.Resolve(ctx, r.ID, by, "  "); shop.ErrorCode(err) != shop.Invalid {
			t.Fatalf("resolve without a note: err=%v, want invalid", err)
		}
		e, err := s.Resolve(ctx, r.ID, by, "release 1.2 changed the page; baseline approved")
		if err != nil {
			t.Fatal(err)
		}
		if e.State != secevent.Resolved || e.AckedBy != by.Name || e.ResolvedAt.IsZero() {
			t.Fatalf("resolved=%+v", e)
		}
		if _, err := s.Acknowledge(ctx, r.ID, by, ""); shop.ErrorCode(err) != shop.Conflict {
			t.Fatalf("acknowledge a resolved event: err=%v, want conflict", err)
		}
		if _, err := s.Get(ctx, 99999); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("get missing: err=%v, want not found", err)
		}
		entries, err := audit.List(ctx, d, audit.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, en := range entries {
			if en.Action == "security.resolve" && en.Actor == by.Name && en.IP == by.IP && strings.Contains(en.After, "resolved") {
				found = true
			}
		}
		if !found {
			t.Fatalf("no security.resolve audit entry in %+v", entries)
		}
		if _, err := audit.Verify(ctx, d); err != nil {
			t.Fatal(err)
		}
	})
}

func TestRaiseValidates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _ := newStore(t, d)
		_, err := s.Raise(context.Background(), secevent.Signal{Kind: "x", Severity: "loud", Summary: ""})
		var se *shop.Error
		if !errors.As(err, &se) {
			t.Fatalf("err=%v, want *shop.Error", err)
		}
		for _, f := range []string{"severity", "source", "summary"} {
			if se.Fields[f] == "" {
				t.Errorf("field %s not named in %v", f, se.Fields)
			}
		}
		// A hook's failure rolls the event back.
		s.OnRaise(func(context.Context, *sql.Tx, secevent.Raised) error { return errors.New("queue down") })
		if _, err := s.Raise(context.Background(), secevent.Signal{Kind: "k", Severity: secevent.Info, Source: "t", Summary: "s"}); err == nil {
			t.Fatal("hook error not returned")
		}
		evs, err := s.List(context.Background(), secevent.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 0 {
			t.Fatalf("events=%v, want none after a failed hook", evs)
		}
	})
}

func TestLongTextIsClippedOnCharacterBoundary(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _ := newStore(t, d)
		long := strings.Repeat("楓", 400) // 1,200 bytes
		r, err := s.Raise(context.Background(), secevent.Signal{Kind: "k", Severity: secevent.Info, Source: "t",
			Target: long, Summary: long})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Target) > 512 || !strings.HasPrefix(long, r.Target) || len(r.Target)%3 != 0 {
			t.Fatalf("target clipped to %d bytes, not on a boundary", len(r.Target))
		}
	})
}

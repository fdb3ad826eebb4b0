package switches_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/shop"
	"kaede/internal/switches"
	"kaede/internal/testenv"
)

// clock is a settable clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newClock() *clock { return &clock{now: time.Date(2026, 6, 26, 1, 0, 0, 0, time.UTC)} }

var owner = audit.Actor{Name: "owner@example.jp", IP: "192.0.2.10"}

func TestChangeValidate(t *testing.T) {
	long := func(n int) string { return strings.Repeat("あ", n) }
	tests := []struct {
		name   string
		change switches.Change
		fields map[string]string // nil: valid
	}{
		{"card off with a reason", switches.Change{Name: switches.Card, On: false, Reason: "card company called"}, nil},
		{"card off without a reason", switches.Change{Name: switches.Card, On: false}, map[string]string{"reason": shop.ReasonRequired}},
		{"card off with a blank reason", switches.Change{Name: switches.Card, On: false, Reason: " \n "}, map[string]string{"reason": shop.ReasonRequired}},
		{"card back on needs no reason", switches.Change{Name: switches.Card, On: true}, nil},
		{"checkout off without a reason", switches.Change{Name: switches.Checkout, On: false}, map[string]string{"reason": shop.ReasonRequired}},
		{"checkout back on", switches.Change{Name: switches.Checkout, On: true}, nil},
		{"maintenance on without a reason", switches.Change{Name: switches.Maintenance, On: true}, map[string]string{"reason": shop.ReasonRequired}},
		{"maintenance off needs no reason", switches.Change{Name: switches.Maintenance, On: false}, nil},
		{"unknown switch", switches.Change{Name: "cards", On: false, Reason: "x"}, map[string]string{"name": shop.ReasonChoice}},
		{"empty name", switches.Change{On: true}, map[string]string{"name": shop.ReasonChoice}},
		{"banner at its limit", switches.Change{Name: switches.Card, On: false, Reason: "r", Banner: long(switches.MaxBanner)}, nil},
		{"banner too long", switches.Change{Name: switches.Card, On: false, Reason: "r", Banner: long(switches.MaxBanner + 1)},
			map[string]string{"banner": shop.ReasonLength}},
		{"English banner too long", switches.Change{Name: switches.Card, On: false, Reason: "r", BannerEn: strings.Repeat("a", switches.MaxBannerEn+1)},
			map[string]string{"banner_en": shop.ReasonLength}},
		{"banner with a line break", switches.Change{Name: switches.Card, On: false, Reason: "r", Banner: "一行目\n二行目"},
			map[string]string{"banner": shop.ReasonFormat}},
		{"banner not UTF-8", switches.Change{Name: switches.Card, On: false, Reason: "r", Banner: "\xff"},
			map[string]string{"banner": shop.ReasonFormat}},
		{"reason over several lines", switches.Change{Name: switches.Card, On: false, Reason: "line one\nline two\ttab"}, nil},
		{"reason with a control character", switches.Change{Name: switches.Card, On: false, Reason: "bell\a"},
			map[string]string{"reason": shop.ReasonFormat}},
		{"banner with a bidi override", switches.Change{Name: switches.Card, On: false, Reason: "r", Banner: "停止中\u202e"},
			map[string]string{"banner": shop.ReasonFormat}},
		{"banner with a zero-width space", switches.Change{Name: switches.Card, On: false, Reason: "r", BannerEn: "paused\u200b"},
			map[string]string{"banner_en": shop.ReasonFormat}},
		{"reason too long", switches.Change{Name: switches.Card, On: true, Reason: long(switches.MaxReason + 1)},
			map[string]string{"reason": shop.ReasonLength}},
		{"every bad field at once", switches.Change{Name: "x", Banner: long(switches.MaxBanner + 1), BannerEn: "\x00"},
			map[string]string{"name": shop.ReasonChoice, "banner": shop.ReasonLength, "banner_en": shop.ReasonFormat}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.change.Validate()
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("err=%v, want valid", err)
				}
				return
			}
			if shop.ErrorCode(err) != shop.Invalid {
				t.Fatalf("err=%v, want invalid", err)
			}
			got := shop.ErrorFields(err)
			if len(got) != len(tt.fields) {
				t.Fatalf("fields %v, want %v", got, tt.fields)
			}
			for f, reason := range tt.fields {
				if got[f] != reason {
					t.Errorf("field %s: %q, want %q (all: %v)", f, got[f], reason, got)
				}
			}
		})
	}
}

func TestEmergencyPositions(t *testing.T) {
	tests := []struct {
		sw   switches.Switch
		want bool
	}{
		{switches.Switch{Name: switches.Card, On: true}, false},
		{switches.Switch{Name: switches.Card, On: false}, true},
		{switches.Switch{Name: switches.Checkout, On: true}, false},
		{switches.Switch{Name: switches.Checkout, On: false}, true},
		{switches.Switch{Name: switches.Maintenance, On: false}, false},
		{switches.Switch{Name: switches.Maintenance, On: true}, true},
	}
	for _, tt := range tests {
		if got := tt.sw.Emergency(); got != tt.want {
			t.Errorf("%s on=%v: Emergency()=%v, want %v", tt.sw.Name, tt.sw.On, got, tt.want)
		}
	}
	var zero switches.State
	if !zero.CardPayments() || !zero.Checkout() || zero.Maintenance() || len(zero.Emergencies()) != 0 {
		t.Fatalf("the zero state is not every switch normal: %+v", zero.All())
	}
}

func TestDefaultsOnAFreshDatabase(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		st, err := switches.Load(context.Background(), d)
		if err != nil {
			t.Fatal(err)
		}
		if !st.CardPayments() || !st.Checkout() || st.Maintenance() {
			t.Fatalf("fresh shop: card %v checkout %v maintenance %v, want on, on, off", st.CardPayments(), st.Checkout(), st.Maintenance())
		}
		for _, sw := range st.All() {
			if sw.Emergency() || !sw.ChangedAt.IsZero() || sw.ChangedBy != "" {
				t.Errorf("fresh %s: %+v", sw.Name, sw)
			}
		}
	})
}

func TestSetAuditsAndClearsTheCache(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := newClock()
		svc := switches.NewService(d, c.Now, time.Hour)
		if _, err := svc.State(ctx); err != nil { // cached from here on
			t.Fatal(err)
		}
		sw, err := svc.Set(ctx, switches.Change{Name: switches.Card, On: false, Reason: " card company called ",
			Banner: " ただいまクレジットカードのお取り扱いを停止しております。 ", BannerEn: "Card payments are paused."}, owner)
		if err != nil {
			t.Fatal(err)
		}
		if sw.Reason != "card company called" || sw.Banner != "ただいまクレジットカードのお取り扱いを停止しております。" ||
			sw.ChangedBy != owner.Name || !sw.ChangedAt.Equal(c.Now()) {
			t.Fatalf("Set returned %+v", sw)
		}
		st, err := svc.State(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.CardPayments() {
			t.Fatal("State after Set in the same process, clock still: card on, want off at once")
		}
		got := st.Get(switches.Card)
		if got.Banner != sw.Banner || got.BannerEn != "Card payments are paused." || got.Reason != sw.Reason ||
			got.ChangedBy != owner.Name || !got.ChangedAt.Equal(c.Now()) {
			t.Fatalf("stored %+v, want %+v", got, sw)
		}
		if em := st.Emergencies(); len(em) != 1 || em[0].Name != switches.Card {
			t.Fatalf("emergencies %+v, want card only", em)
		}

		es, err := audit.List(ctx, d, audit.Filter{Action: "switch.set"})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 1 || es[0].Actor != owner.Name || es[0].IP != owner.IP || es[0].Target != "switch:card" ||
			!strings.Contains(es[0].Before, `"on":true`) || !strings.Contains(es[0].After, `"on":false`) {
			t.Fatalf("audit entries %+v, want one switch.set from on to off by the owner", es)
		}
		if n, err := audit.NewLog(d).Verify(ctx); err != nil || n != 1 {
			t.Fatalf("audit chain: %d entries, %v", n, err)
		}

		// A bad change is refused, changes nothing and is not audited.
		if _, err := svc.Set(ctx, switches.Change{Name: switches.Checkout, On: false}, owner); shop.ErrorCode(err) != shop.Invalid {
			t.Fatalf("checkout off without a reason: err=%v, want invalid", err)
		}
		if st, _ := svc.State(ctx); !st.Checkout() {
			t.Fatal("a refused change turned checkout off")
		}
		if es, _ := audit.List(ctx, d, audit.Filter{Action: "switch.set"}); len(es) != 1 {
			t.Fatalf("%d audit entries after a refused change, want 1", len(es))
		}
	})
}

// TestOtherInstancesObeyWithinTheTTL is two processes on one database,
// the second one not listening for changes (SQLite's command line, or a
// PostgreSQL listener reconnecting): one sets a switch; the other's cache
// holds the old state until its TTL ends, and no longer.
func TestOtherInstancesObeyWithinTheTTL(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := newClock()
		a := switches.NewService(d, c.Now, 2*time.Second)
		b := switches.NewService(secondHandle(t, d), c.Now, 2*time.Second)
		if st, err := b.State(ctx); err != nil || st.Maintenance() {
			t.Fatalf("b before: maintenance %v, err %v", st.Maintenance(), err)
		}
		if _, err := a.Set(ctx, switches.Change{Name: switches.Maintenance, On: true, Reason: "database upgrade"}, audit.Actor{Name: audit.ActorCLI}); err != nil {
			t.Fatal(err)
		}
		c.advance(1999 * time.Millisecond)
		if st, _ := b.State(ctx); st.Maintenance() {
			t.Fatal("b read the database before its TTL ended; the cache is not used")
		}
		c.advance(time.Millisecond)
		if st, _ := b.State(ctx); !st.Maintenance() {
			t.Fatal("b still has maintenance off once its TTL ended")
		}
	})
}

// TestOtherInstancesHearAtOnce is two processes on one PostgreSQL, the
// second listening for changes as every served instance does: it obeys a
// switch set by the first as soon as the change commits, with its clock
// standing still (its TTL never ends).
func TestOtherInstancesHearAtOnce(t *testing.T) {
	d := dbtest.Postgres(t)
	ctx := context.Background()
	c := newClock()
	a := switches.NewService(d, c.Now, time.Hour)
	other := secondHandle(t, d)
	b := switches.NewService(other, c.Now, time.Hour)
	l, err := other.ListenForChanges(ctx, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if st, err := b.State(ctx); err != nil || st.Maintenance() {
		t.Fatalf("b before: maintenance %v, err %v", st.Maintenance(), err)
	}
	if _, err := a.Set(ctx, switches.Change{Name: switches.Maintenance, On: true, Reason: "database upgrade"}, audit.Actor{Name: audit.ActorCLI}); err != nil {
		t.Fatal(err)
	}
	at := time.Now()
	testenv.WaitFor(t, time.Second, "b to obey the switch", func() bool {
		st, _ := b.State(ctx)
		return st.Maintenance()
	})
	t.Logf("b obeyed %s after the change committed", time.Since(at).Round(time.Microsecond))
}

// secondHandle opens d's database again, as another process would.
func secondHandle(t *testing.T, d *db.DB) *db.DB {
	t.Helper()
	other, err := db.Open(context.Background(), d.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	return other
}

func TestSetBackAndHistory(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := newClock()
		svc := switches.NewService(d, c.Now, time.Second)
		steps := []switches.Change{
			{Name: switches.Card, On: false, Reason: "card company called", Banner: "カード決済を停止中です"},
			{Name: switches.Checkout, On: false, Reason: "investigation"},
			{Name: switches.Checkout, On: true},
			{Name: switches.Card, On: true, Reason: "PFI report received"},
		}
		for _, ch := range steps {
			c.advance(time.Minute)
			if _, err := svc.Set(ctx, ch, owner); err != nil {
				t.Fatalf("%+v: %v", ch, err)
			}
		}
		st, err := svc.State(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Emergencies()) != 0 {
			t.Fatalf("after turning everything back: emergencies %+v", st.Emergencies())
		}
		h, err := svc.History(ctx, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(h) != 3 {
			t.Fatalf("history of %d entries, want the 3 asked for", len(h))
		}
		first := h[0]
		if first.After.Name != switches.Card || !first.After.On || first.Before.On || first.Before.Reason != "card company called" ||
			first.After.Reason != "PFI report received" || first.By != owner.Name || !first.At.Equal(c.Now()) {
			t.Fatalf("newest entry %+v", first)
		}
		if h[2].After.Name != switches.Checkout || h[2].After.On {
			t.Fatalf("third newest %+v, want checkout turned off", h[2])
		}
	})
}

func TestStateKeepsTheLastKnownWhenTheDatabaseFails(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	c := newClock()
	svc := switches.NewService(d, c.Now, time.Second)
	if _, err := svc.Set(ctx, switches.Change{Name: switches.Maintenance, On: true, Reason: "upgrade"}, owner); err != nil {
		t.Fatal(err)
	}
	if st, err := svc.State(ctx); err != nil || !st.Maintenance() {
		t.Fatalf("maintenance %v, err %v", st.Maintenance(), err)
	}
	d.Close()
	c.advance(time.Hour)
	st, err := svc.State(ctx)
	if err == nil {
		t.Fatal("State on a closed database: no error")
	}
	if !st.Maintenance() {
		t.Fatal("State on a closed database forgot that maintenance is on")
	}
}

// BenchmarkStateCached is what every store request pays for the switches
// (the banners, maintenance, the guest page cache's key): a lock and a
// clock read while the two seconds last.
func BenchmarkStateCached(b *testing.B) {
	d := dbtest.SQLite(b)
	svc := switches.NewService(d, time.Now, time.Hour)
	ctx := context.Background()
	if _, err := svc.State(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.State(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStateRead is what one instance pays every two seconds: reading
// the rows (here all three set) from SQLite.
func BenchmarkStateRead(b *testing.B) {
	d := dbtest.SQLite(b)
	ctx := context.Background()
	svc := switches.NewService(d, time.Now, time.Nanosecond)
	for _, n := range switches.Names {
		if _, err := svc.Set(ctx, switches.Change{Name: n, On: !switches.Normal(n), Reason: "bench"}, owner); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := switches.Load(ctx, d); err != nil {
			b.Fatal(err)
		}
	}
}

package staff_test

import (
	"testing"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/secevent"
	"kaede/internal/shop"
	"kaede/internal/staff"
)

// TestSecurityEvents: a lock-out raises a warning; the first address an
// account logs in from is info, a further new one a warning.
func TestSecurityEvents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		events := secevent.NewStore(d, h.clock.Now)
		h.s.Events = events
		a := h.enrol("taro@example.jp", staff.Manager)
		h.login(a, ipHome)
		h.login(a, ipHome)
		h.login(a, "198.51.100.77")
		for i := 1; i <= 5; i++ {
			_, err := h.s.Authenticate(h.ctx, a.Email, "wrong password!", ipHome)
			if i == 5 {
				wantCode(t, err, shop.TooMany)
			}
		}
		got := map[string]secevent.Severity{}
		es, err := events.List(h.ctx, secevent.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			got[e.Kind+" "+e.Target] = e.Severity
		}
		want := map[string]secevent.Severity{
			secevent.KindStaffNewIP + " staff:1 " + ipHome:     secevent.Info,
			secevent.KindStaffNewIP + " staff:1 198.51.100.77": secevent.Warning,
			secevent.KindStaffLockout + " staff:1":             secevent.Warning,
		}
		if len(got) != len(want) {
			t.Fatalf("events=%v, want %v", got, want)
		}
		for k, sev := range want {
			if got[k] != sev {
				t.Errorf("event %q severity %q, want %q (all: %v)", k, got[k], sev, got)
			}
		}
	})
}

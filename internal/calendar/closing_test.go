package calendar_test

import (
	"context"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/calendar"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	kshop "kaede/internal/shop"
)

var owner = audit.Actor{Name: "owner@kaede.example", IP: "192.0.2.1"}

func jstDay(s string) time.Time {
	d, err := time.ParseInLocation(time.DateOnly, s, kshop.JST)
	if err != nil {
		panic(err)
	}
	return d
}

func TestClosings(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := func() time.Time { return jstDay("2026-08-07").Add(10 * time.Hour) } // a Friday
		c := calendar.NewClosings(d, now)
		for _, day := range []string{"2026-08-12", "2026-08-13", "2026-08-14"} {
			if err := c.Close(ctx, day, "お盆休み", owner); err != nil {
				t.Fatal(err)
			}
		}
		tests := []struct {
			day, field, reason string
		}{
			{"2026-08-13", "day", kshop.ReasonTaken},
			{"2026-08-06", "day", kshop.ReasonRange},
			{"2026/08/20", "day", kshop.ReasonFormat},
			{"", "day", kshop.ReasonRequired},
			{"2200-01-01", "day", kshop.ReasonRange},
		}
		for _, tt := range tests {
			err := c.Close(ctx, tt.day, "", owner)
			if got := kshop.ErrorFields(err)[tt.field]; got != tt.reason {
				t.Errorf("Close(%q): %v, want %s %s", tt.day, err, tt.field, tt.reason)
			}
		}
		cal, err := calendar.Shop(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		// From Friday the 7th: Monday the 10th is day 1; the 11th (山の日) is a
		// holiday and 12–14 are closed, so Monday the 17th is day 2.
		got, err := cal.AddBusinessDays(now(), 2)
		if err != nil {
			t.Fatal(err)
		}
		if want := jstDay("2026-08-17"); !got.Equal(want) {
			t.Fatalf("two business days after 2026-08-07 = %s, want %s", got.Format(time.DateOnly), want.Format(time.DateOnly))
		}
		if err := c.Open(ctx, "2026-08-14", owner); err != nil {
			t.Fatal(err)
		}
		if err := c.Open(ctx, "2026-08-14", owner); kshop.ErrorCode(err) != kshop.NotFound {
			t.Fatalf("opening an open day: %v", err)
		}
		days, err := c.List(ctx, now())
		if err != nil || len(days) != 2 || days[0].Note != "お盆休み" || !days[1].Day.Equal(jstDay("2026-08-13")) {
			t.Fatalf("days %+v, %v", days, err)
		}
		entries, err := audit.List(ctx, d, audit.Filter{Action: "calendar.close"})
		if err != nil || len(entries) != 3 {
			t.Fatalf("%d calendar.close entries, %v", len(entries), err)
		}
		entries, err = audit.List(ctx, d, audit.Filter{Action: "calendar.open"})
		if err != nil || len(entries) != 1 {
			t.Fatalf("%d calendar.open entries, %v", len(entries), err)
		}
	})
}

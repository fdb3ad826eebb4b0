package checkout_test

import (
	"testing"
	"time"

	"kaede/internal/calendar"
	"kaede/internal/checkout"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

func TestDeliveryWindow(t *testing.T) {
	day := func(s string) time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	closed := calendar.Calendar{Days: []time.Time{time.Date(2026, 8, 12, 0, 0, 0, 0, shop.JST),
		time.Date(2026, 8, 13, 0, 0, 0, 0, shop.JST), time.Date(2026, 8, 14, 0, 0, 0, 0, shop.JST)}}
	tests := []struct {
		name        string
		cal         calendar.Calendar
		min, max    int
		today       string
		first, last string
	}{
		{"weekday", calendar.Calendar{}, 3, 30, "2026-11-25", "2026-11-28", "2026-12-25"},
		{"friday", calendar.Calendar{}, 3, 30, "2026-11-27", "2026-12-02", "2026-12-27"},
		{"before a holiday", calendar.Calendar{}, 2, 30, "2026-11-20", "2026-11-25", "2026-12-20"}, // 11-23 勤労感謝の日 (Mon)
		{"closing days", closed, 3, 30, "2026-08-10", "2026-08-19", "2026-09-09"},                  // 11 山の日, 12–14 closed
		{"same day", calendar.Calendar{}, 0, 5, "2026-11-28", "2026-11-30", "2026-12-03"},
		{"window shorter than the closure", closed, 1, 3, "2026-08-10", "2026-08-17", "2026-08-17"},
	}
	for _, tt := range tests {
		st := settings.Settings{DeliveryMinDays: tt.min, DeliveryMaxDays: tt.max}
		first, last, err := checkout.DeliveryWindow(tt.cal, st, day(tt.today))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := first.Format(time.DateOnly)+" "+last.Format(time.DateOnly), tt.first+" "+tt.last; got != want {
			t.Errorf("%s: window %s, want %s", tt.name, got, want)
		}
	}
}

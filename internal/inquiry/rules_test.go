package inquiry_test

import (
	"testing"
	"time"

	"kaede/internal/calendar"
	"kaede/internal/inquiry"
	"kaede/internal/settings"
)

func TestStateMoves(t *testing.T) {
	const (
		n = inquiry.StateNew
		o = inquiry.StateOpen
		w = inquiry.StateWaiting
		c = inquiry.StateClosed
	)
	allowed := map[[2]inquiry.State]bool{
		{n, o}: true, {n, w}: true, {n, c}: true,
		{o, w}: true, {o, c}: true,
		{w, o}: true, {w, c}: true,
		{c, o}: true, // reopening
	}
	for _, from := range inquiry.States {
		for _, to := range inquiry.States {
			if got := from.CanMoveTo(to); got != allowed[[2]inquiry.State{from, to}] {
				t.Errorf("%s → %s allowed=%v", from, to, got)
			}
		}
		if from.Active() != (from != c) {
			t.Errorf("%s active=%v", from, from.Active())
		}
	}
	if inquiry.State("lost").Valid() || inquiry.State("lost").CanMoveTo(o) {
		t.Error("an unknown state is valid")
	}
}

func TestParseNumber(t *testing.T) {
	for in, want := range map[string]int64{
		"Q-000123": 123, "q-123": 123, "Ｑ－０００１２３": 123, "Q000123": 123, " Q-1234567 ": 1234567,
		"Q-": 0, "Q-0": 0, "Q-12a": 0, "123": 0, "K20261125-0007": 0, "Q--1": 0, "Q-99999999999999999999": 0,
	} {
		id, ok := inquiry.ParseNumber(in)
		if id != want || ok != (want > 0) {
			t.Errorf("ParseNumber(%q)=%d, %v; want %d", in, id, ok, want)
		}
	}
	if got := inquiry.Number(123); got != "Q-000123" {
		t.Fatalf("Number(123)=%s", got)
	}
}

// jst reads a time in Japan.
func jst(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse("2006-01-02 15:04 -0700", s+" +0900")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// The first reply is due after the desk's hours, counted only while it is
// open: weekdays 10–17, not on national holidays, 12-29 to 01-03 nor the
// shop's own closing days.
func TestDueAt(t *testing.T) {
	desk := settings.DefaultDesk() // 10:00–17:00, 7 hours
	cal := calendar.Calendar{Yearly: []calendar.Closure{calendar.YearEnd},
		Days: []time.Time{jst(t, "2026-12-03 00:00"), jst(t, "2026-12-04 00:00")}}
	for _, c := range []struct {
		name, at string
		hours    int
		want     string
	}{
		{"before the shop's closing days", "2026-12-02 16:00", 7, "2026-12-07 16:00"},
		{"on a closing day", "2026-12-03 11:00", 7, "2026-12-07 17:00"},
		{"in hours", "2026-11-25 11:00", 7, "2026-11-26 11:00"},
		{"before opening", "2026-11-25 08:00", 7, "2026-11-25 17:00"},
		{"at closing", "2026-11-25 17:00", 7, "2026-11-26 17:00"},
		{"in the evening", "2026-11-25 18:30", 7, "2026-11-26 17:00"},
		{"friday afternoon", "2026-11-27 16:00", 7, "2026-11-30 16:00"},
		{"saturday", "2026-11-28 12:00", 7, "2026-11-30 17:00"},
		{"labour thanksgiving day", "2026-11-23 09:00", 7, "2026-11-24 17:00"},
		{"before the new-year break", "2026-12-28 16:00", 7, "2027-01-04 16:00"},
		{"two days", "2026-11-25 10:00", 14, "2026-11-26 17:00"},
		{"one hour", "2026-11-25 16:30", 1, "2026-11-26 10:30"},
	} {
		d := desk
		d.FirstResponseHours = c.hours
		got, err := inquiry.DueAt(jst(t, c.at), d, cal)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if want := jst(t, c.want); !got.Equal(want) {
			t.Errorf("%s: due %s, want %s", c.name, got.In(want.Location()), want)
		}
	}
	if _, err := inquiry.DueAt(time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), desk, cal); err == nil {
		t.Error("a due time outside the calendar's years was computed")
	}
}

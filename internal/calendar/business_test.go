package calendar_test

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"kaede/internal/calendar"
)

// shop closes over new year and for a summer break in 2026.
var shop = calendar.Calendar{
	Yearly: []calendar.Closure{calendar.YearEnd},
	Days:   []time.Time{time.Date(2026, 8, 13, 0, 0, 0, 0, jst), time.Date(2026, 8, 14, 0, 0, 0, 0, jst)},
}

func TestIsBusinessDay(t *testing.T) {
	tests := []struct {
		cal  calendar.Calendar
		day  string
		want bool
	}{
		{calendar.Calendar{}, "2026-05-01", true},  // Friday
		{calendar.Calendar{}, "2026-05-02", false}, // Saturday
		{calendar.Calendar{}, "2026-05-03", false}, // Sunday, 憲法記念日
		{calendar.Calendar{}, "2026-05-06", false}, // 振替休日
		{calendar.Calendar{}, "2026-05-07", true},
		{calendar.Calendar{}, "2026-09-22", false}, // 国民の休日
		{calendar.Calendar{}, "2026-12-29", true},
		{shop, "2026-12-29", false},
		{shop, "2027-01-04", true},
		{shop, "2026-12-28", true},
		{shop, "2026-08-13", false},
		{shop, "2026-08-12", true},
		{shop, "2027-08-13", true}, // the summer break was for 2026 only
	}
	for _, tc := range tests {
		got, err := tc.cal.IsBusinessDay(date(t, tc.day))
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("IsBusinessDay(%s) with %d closures = %v, want %v", tc.day, len(tc.cal.Yearly), got, tc.want)
		}
	}
}

func TestClosureWithinAYear(t *testing.T) {
	obon := calendar.Calendar{Yearly: []calendar.Closure{{From: calendar.MonthDay{Month: time.August, Day: 13}, To: calendar.MonthDay{Month: time.August, Day: 16}}}}
	for day, want := range map[string]bool{"2027-08-12": true, "2027-08-13": false, "2027-08-16": false, "2027-08-17": true} {
		got, err := obon.IsBusinessDay(date(t, day))
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("IsBusinessDay(%s) = %v, want %v", day, got, want)
		}
	}
}

func TestClosureValidate(t *testing.T) {
	md := func(m time.Month, d int) calendar.MonthDay { return calendar.MonthDay{Month: m, Day: d} }
	tests := []struct {
		c    calendar.Closure
		want bool // valid
	}{
		{calendar.YearEnd, true},
		{calendar.Closure{From: md(2, 29), To: md(3, 1)}, true},
		{calendar.Closure{From: md(2, 30), To: md(3, 1)}, false},
		{calendar.Closure{From: md(4, 31), To: md(5, 1)}, false},
		{calendar.Closure{From: md(13, 1), To: md(1, 1)}, false},
		{calendar.Closure{From: md(1, 1), To: md(1, 0)}, false},
	}
	for _, tc := range tests {
		if err := tc.c.Validate(); (err == nil) != tc.want {
			t.Errorf("%v.Validate() = %v, want valid=%v", tc.c, err, tc.want)
		}
	}
}

func TestAddBusinessDays(t *testing.T) {
	tests := []struct {
		cal  calendar.Calendar
		from string // any time on that day
		n    int
		want string
	}{
		// Friday before Golden Week 2026: 05-02..05-06 are all off.
		{calendar.Calendar{}, "2026-05-01T18:00:00+09:00", 1, "2026-05-07"},
		{calendar.Calendar{}, "2026-05-01T18:00:00+09:00", 3, "2026-05-11"},
		{calendar.Calendar{}, "2026-04-28T10:00:00+09:00", 3, "2026-05-07"},
		// A holiday itself does not count; the next business day is day 1.
		{calendar.Calendar{}, "2026-05-03T09:00:00+09:00", 1, "2026-05-07"},
		// n == 0: the day itself when open, else the next business day.
		{calendar.Calendar{}, "2026-05-01T09:00:00+09:00", 0, "2026-05-01"},
		{calendar.Calendar{}, "2026-05-02T09:00:00+09:00", 0, "2026-05-07"},
		// Backwards.
		{calendar.Calendar{}, "2026-05-07T09:00:00+09:00", -1, "2026-05-01"},
		{calendar.Calendar{}, "2026-05-11T09:00:00+09:00", -3, "2026-05-01"},
		// The shop's new-year break.
		{shop, "2026-12-28T12:00:00+09:00", 1, "2027-01-04"},
		{calendar.Calendar{}, "2026-12-28T12:00:00+09:00", 1, "2026-12-29"},
		// The instant is read in JST: 2026-05-01 16:00 UTC is Saturday in Tokyo.
		{calendar.Calendar{}, "2026-05-01T16:00:00Z", 0, "2026-05-07"},
		// The seed's date: Friday 2020-06-26.
		{calendar.Calendar{}, "2020-06-26T15:00:00+09:00", 3, "2020-07-01"},
		{calendar.Calendar{}, "2020-06-26T15:00:00+09:00", 10, "2020-07-10"},
	}
	for _, tc := range tests {
		from, err := time.Parse(time.RFC3339, tc.from)
		if err != nil {
			t.Fatal(err)
		}
		got, err := tc.cal.AddBusinessDays(from, tc.n)
		if err != nil {
			t.Fatal(err)
		}
		if got.Format(time.DateOnly) != tc.want || !got.Equal(date(t, tc.want)) {
			t.Errorf("AddBusinessDays(%s, %d) = %v, want %s 00:00 JST", tc.from, tc.n, got, tc.want)
		}
	}
}

func TestBusinessDaysBetween(t *testing.T) {
	tests := []struct {
		from, to string
		want     int
	}{
		{"2026-05-01", "2026-05-01", 0},
		{"2026-05-01", "2026-05-06", 0},
		{"2026-05-01", "2026-05-07", 1},
		{"2026-04-28", "2026-05-08", 4}, // 04-30, 05-01, 05-07, 05-08; not 04-28 itself
		{"2026-05-08", "2026-04-28", -4},
		{"2026-01-01", "2027-01-01", 244}, // 261 weekdays less 17 weekday holidays
	}
	for _, tc := range tests {
		got, err := calendar.Calendar{}.BusinessDaysBetween(date(t, tc.from), date(t, tc.to))
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("BusinessDaysBetween(%s, %s) = %d, want %d", tc.from, tc.to, got, tc.want)
		}
	}
}

func TestBusinessDaysOutsideTheRange(t *testing.T) {
	last := time.Date(calendar.LastYear, 12, 30, 12, 0, 0, 0, jst)
	if _, err := (calendar.Calendar{}).AddBusinessDays(last, 5); !errors.Is(err, calendar.ErrUnsupportedYear) {
		t.Errorf("AddBusinessDays past %d: err=%v, want ErrUnsupportedYear", calendar.LastYear, err)
	}
	if _, err := (calendar.Calendar{}).IsBusinessDay(time.Date(calendar.FirstYear-1, 6, 1, 0, 0, 0, 0, jst)); !errors.Is(err, calendar.ErrUnsupportedYear) {
		t.Errorf("IsBusinessDay(%d): err=%v, want ErrUnsupportedYear", calendar.FirstYear-1, err)
	}
	if _, err := (calendar.Calendar{}).BusinessDaysBetween(last, last.AddDate(0, 0, 5)); !errors.Is(err, calendar.ErrUnsupportedYear) {
		t.Errorf("BusinessDaysBetween past %d: err=%v, want ErrUnsupportedYear", calendar.LastYear, err)
	}
}

// checkAdd asserts the properties of AddBusinessDays for one start and n:
// the result is a business day at 00:00 JST, later than the start's day
// (n ≥ 1), one more business day never lands earlier (strictly later from
// n ≥ 1: n = 0 and 1 agree when the start is a closed day), a later start never
// lands earlier, and counting back gives n.
func checkAdd(t *testing.T, cal calendar.Calendar, start time.Time, later time.Duration, n int) {
	t.Helper()
	got, err := cal.AddBusinessDays(start, n)
	if err != nil {
		t.Fatal(err)
	}
	if open, err := cal.IsBusinessDay(got); err != nil || !open {
		t.Fatalf("AddBusinessDays(%v, %d) = %v: not a business day (err=%v)", start, n, got, err)
	}
	if got.Format("15:04:05.999 -0700") != "00:00:00 +0900" {
		t.Fatalf("AddBusinessDays(%v, %d) = %v, want 00:00 JST", start, n, got)
	}
	startDay := date(t, start.In(jst).Format(time.DateOnly))
	if n >= 1 && !got.After(startDay) {
		t.Fatalf("AddBusinessDays(%v, %d) = %v, not after the start's day", start, n, got)
	}
	next, err := cal.AddBusinessDays(start, n+1)
	if err != nil {
		t.Fatal(err)
	}
	if next.Before(got) || n >= 1 && !next.After(got) {
		t.Fatalf("AddBusinessDays(%v, %d) = %v, not after n=%d's %v", start, n+1, next, n, got)
	}
	fromLater, err := cal.AddBusinessDays(start.Add(later), n)
	if err != nil {
		t.Fatal(err)
	}
	if fromLater.Before(got) {
		t.Fatalf("AddBusinessDays(%v, %d) = %v, before %v from the earlier %v", start.Add(later), n, fromLater, got, start)
	}
	if n >= 1 {
		between, err := cal.BusinessDaysBetween(start, got)
		if err != nil {
			t.Fatal(err)
		}
		if between != n {
			t.Fatalf("BusinessDaysBetween(%v, %v) = %d, want %d", start, got, between, n)
		}
	}
	back, err := cal.AddBusinessDays(got, -n)
	if err != nil {
		t.Fatal(err)
	}
	if open, _ := cal.IsBusinessDay(start); open && !back.Equal(startDay) {
		t.Fatalf("AddBusinessDays(%v, %d) = %v, want back to %v", got, -n, back, startDay)
	}
}

func TestAddBusinessDaysProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(2026, 506))
	lo := time.Date(2000, 1, 1, 0, 0, 0, 0, jst).Unix()
	hi := time.Date(2098, 1, 1, 0, 0, 0, 0, jst).Unix()
	for range 3000 {
		start := time.Unix(lo+r.Int64N(hi-lo), 0)
		later := time.Duration(r.Int64N(int64(10 * 24 * time.Hour)))
		cal := calendar.Calendar{}
		if r.IntN(2) == 0 {
			cal = shop
		}
		checkAdd(t, cal, start, later, r.IntN(60))
	}
}

func FuzzAddBusinessDays(f *testing.F) {
	f.Add(time.Date(2026, 5, 1, 18, 0, 0, 0, jst).Unix(), int64(3600), uint16(3), true)
	f.Add(time.Date(2026, 12, 28, 9, 0, 0, 0, jst).Unix(), int64(86400*3), uint16(10), false)
	f.Add(time.Date(2019, 4, 26, 23, 59, 0, 0, jst).Unix(), int64(60), uint16(0), true)
	f.Fuzz(func(t *testing.T, unix, laterSeconds int64, n uint16, withClosures bool) {
		lo := time.Date(1980, 1, 1, 0, 0, 0, 0, jst).Unix()
		hi := time.Date(2090, 1, 1, 0, 0, 0, 0, jst).Unix()
		start := time.Unix(lo+mod(unix, hi-lo), 0)
		later := time.Duration(mod(laterSeconds, 30*86400)) * time.Second
		cal := calendar.Calendar{}
		if withClosures {
			cal = shop
		}
		checkAdd(t, cal, start, later, int(n%400))
	})
}

func mod(a, m int64) int64 { return (a%m + m) % m }

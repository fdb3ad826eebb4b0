package calendar_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"kaede/internal/calendar"
)

var jst = time.FixedZone("JST", 9*60*60)

// date parses "2026-05-06" as 00:00 JST.
func date(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.ParseInLocation(time.DateOnly, s, jst)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// The Cabinet Office's published lists (内閣府「国民の祝日について」), with
// the days it lists as plain 休日 named for the rule that makes them.
var officialHolidays = []struct {
	year int
	days []string // "2006-01-02 name"
}{
	{2019, []string{
		"2019-01-01 元日",
		"2019-01-14 成人の日",
		"2019-02-11 建国記念の日",
		"2019-03-21 春分の日",
		"2019-04-29 昭和の日",
		"2019-04-30 国民の休日",
		"2019-05-01 天皇の即位の日",
		"2019-05-02 国民の休日",
		"2019-05-03 憲法記念日",
		"2019-05-04 みどりの日",
		"2019-05-05 こどもの日",
		"2019-05-06 振替休日",
		"2019-07-15 海の日",
		"2019-08-11 山の日",
		"2019-08-12 振替休日",
		"2019-09-16 敬老の日",
		"2019-09-23 秋分の日",
		"2019-10-14 体育の日",
		"2019-10-22 即位礼正殿の儀の行われる日",
		"2019-11-03 文化の日",
		"2019-11-04 振替休日",
		"2019-11-23 勤労感謝の日",
	}},
	{2020, []string{
		"2020-01-01 元日",
		"2020-01-13 成人の日",
		"2020-02-11 建国記念の日",
		"2020-02-23 天皇誕生日",
		"2020-02-24 振替休日",
		"2020-03-20 春分の日",
		"2020-04-29 昭和の日",
		"2020-05-03 憲法記念日",
		"2020-05-04 みどりの日",
		"2020-05-05 こどもの日",
		"2020-05-06 振替休日",
		"2020-07-23 海の日",
		"2020-07-24 スポーツの日",
		"2020-08-10 山の日",
		"2020-09-21 敬老の日",
		"2020-09-22 秋分の日",
		"2020-11-03 文化の日",
		"2020-11-23 勤労感謝の日",
	}},
	{2021, []string{
		"2021-01-01 元日",
		"2021-01-11 成人の日",
		"2021-02-11 建国記念の日",
		"2021-02-23 天皇誕生日",
		"2021-03-20 春分の日",
		"2021-04-29 昭和の日",
		"2021-05-03 憲法記念日",
		"2021-05-04 みどりの日",
		"2021-05-05 こどもの日",
		"2021-07-22 海の日",
		"2021-07-23 スポーツの日",
		"2021-08-08 山の日",
		"2021-08-09 振替休日",
		"2021-09-20 敬老の日",
		"2021-09-23 秋分の日",
		"2021-11-03 文化の日",
		"2021-11-23 勤労感謝の日",
	}},
	{2024, []string{
		"2024-01-01 元日",
		"2024-01-08 成人の日",
		"2024-02-11 建国記念の日",
		"2024-02-12 振替休日",
		"2024-02-23 天皇誕生日",
		"2024-03-20 春分の日",
		"2024-04-29 昭和の日",
		"2024-05-03 憲法記念日",
		"2024-05-04 みどりの日",
		"2024-05-05 こどもの日",
		"2024-05-06 振替休日",
		"2024-07-15 海の日",
		"2024-08-11 山の日",
		"2024-08-12 振替休日",
		"2024-09-16 敬老の日",
		"2024-09-22 秋分の日",
		"2024-09-23 振替休日",
		"2024-10-14 スポーツの日",
		"2024-11-03 文化の日",
		"2024-11-04 振替休日",
		"2024-11-23 勤労感謝の日",
	}},
	{2025, []string{
		"2025-01-01 元日",
		"2025-01-13 成人の日",
		"2025-02-11 建国記念の日",
		"2025-02-23 天皇誕生日",
		"2025-02-24 振替休日",
		"2025-03-20 春分の日",
		"2025-04-29 昭和の日",
		"2025-05-03 憲法記念日",
		"2025-05-04 みどりの日",
		"2025-05-05 こどもの日",
		"2025-05-06 振替休日",
		"2025-07-21 海の日",
		"2025-08-11 山の日",
		"2025-09-15 敬老の日",
		"2025-09-23 秋分の日",
		"2025-10-13 スポーツの日",
		"2025-11-03 文化の日",
		"2025-11-23 勤労感謝の日",
		"2025-11-24 振替休日",
	}},
	{2026, []string{
		"2026-01-01 元日",
		"2026-01-12 成人の日",
		"2026-02-11 建国記念の日",
		"2026-02-23 天皇誕生日",
		"2026-03-20 春分の日",
		"2026-04-29 昭和の日",
		"2026-05-03 憲法記念日",
		"2026-05-04 みどりの日",
		"2026-05-05 こどもの日",
		"2026-05-06 振替休日",
		"2026-07-20 海の日",
		"2026-08-11 山の日",
		"2026-09-21 敬老の日",
		"2026-09-22 国民の休日",
		"2026-09-23 秋分の日",
		"2026-10-12 スポーツの日",
		"2026-11-03 文化の日",
		"2026-11-23 勤労感謝の日",
	}},
}

func TestHolidaysMatchOfficialLists(t *testing.T) {
	for _, tc := range officialHolidays {
		t.Run(fmt.Sprint(tc.year), func(t *testing.T) {
			hs, err := calendar.Holidays(tc.year)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]string, len(hs))
			for i, h := range hs {
				got[i] = h.Date.Format(time.DateOnly) + " " + h.Name
				if h.Date.Format("15:04:05.999 -0700") != "00:00:00 +0900" {
					t.Errorf("%s: date %v, want 00:00 JST", got[i], h.Date)
				}
			}
			for i := 0; i < len(got) || i < len(tc.days); i++ {
				var g, w string
				if i < len(got) {
					g = got[i]
				}
				if i < len(tc.days) {
					w = tc.days[i]
				}
				if g != w {
					t.Errorf("holiday %d = %q, want %q", i, g, w)
				}
			}
		})
	}
}

func TestHolidayKinds(t *testing.T) {
	tests := []struct {
		day  string
		kind calendar.Kind
	}{
		{"2019-05-01", calendar.National},
		{"2019-04-30", calendar.Bridge},
		{"2019-05-06", calendar.Substitute},
		{"2026-09-22", calendar.Bridge},
		{"2026-05-06", calendar.Substitute},
	}
	for _, tc := range tests {
		hs, err := calendar.Holidays(date(t, tc.day).Year())
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, h := range hs {
			if h.Date.Format(time.DateOnly) == tc.day {
				found = true
				if h.Kind != tc.kind {
					t.Errorf("%s: kind=%d, want %d", tc.day, h.Kind, tc.kind)
				}
			}
		}
		if !found {
			t.Errorf("%s: not a holiday", tc.day)
		}
	}
}

// Days that show each historical rule; "" means an ordinary day.
func TestIsHolidayHistoricalRules(t *testing.T) {
	tests := []struct {
		day, name string
	}{
		// 天皇誕生日 moved with the reign; 2019 had none.
		{"2018-12-23", "天皇誕生日"},
		{"2019-12-23", ""},
		{"2019-02-23", ""},
		{"2020-02-23", "天皇誕生日"},
		{"1988-04-29", "天皇誕生日"},
		{"1989-12-23", "天皇誕生日"},
		// 04-29 and 05-04 through their renamings.
		{"2006-04-29", "みどりの日"},
		{"2007-04-29", "昭和の日"},
		{"2007-05-04", "みどりの日"},
		// Before 2007 a 国民の休日 excluded Sundays and the substitute went
		// to Monday only: 2003-05-04 was a Sunday, so 05-06 stayed a workday.
		{"2003-05-04", ""},
		{"2003-05-06", ""},
		{"2002-05-04", "国民の休日"}, // a Saturday counted
		{"2006-05-04", "国民の休日"},
		{"2001-12-24", "振替休日"},
		{"1998-05-04", "振替休日"}, // Monday after a Sunday 05-03, also squeezed
		// Since 2007 the substitute is the next day that is no 国民の祝日.
		{"2008-05-06", "振替休日"},
		{"2009-09-22", "国民の休日"},
		{"2015-09-22", "国民の休日"},
		// Happy Monday starts.
		{"1999-01-15", "成人の日"},
		{"2000-01-10", "成人の日"},
		{"2000-01-15", ""},
		{"1999-10-10", "体育の日"},
		{"2000-10-09", "体育の日"},
		{"2002-07-20", "海の日"},
		{"2003-07-21", "海の日"},
		{"2002-09-15", "敬老の日"},
		{"2003-09-15", "敬老の日"}, // the third Monday happened to be the 15th
		{"2004-09-20", "敬老の日"},
		{"1995-07-20", ""},
		{"1996-07-20", "海の日"},
		// 山の日 from 2016, and the Olympic years.
		{"2015-08-11", ""},
		{"2016-08-11", "山の日"},
		{"2020-08-11", ""},
		{"2020-07-24", "スポーツの日"},
		{"2020-10-12", ""},
		{"2021-10-11", ""},
		{"2021-08-09", "振替休日"},
		{"2022-10-10", "スポーツの日"},
		{"2019-10-14", "体育の日"},
		// One-off days.
		{"1989-02-24", "大喪の礼"},
		{"1990-11-12", "即位礼正殿の儀"},
		{"1993-06-09", "結婚の儀"},
		// Ordinary days.
		{"2026-05-07", ""},
		{"2026-12-29", ""},
	}
	for _, tc := range tests {
		name, ok := calendar.IsHoliday(date(t, tc.day))
		if name != tc.name || ok != (tc.name != "") {
			t.Errorf("IsHoliday(%s) = %q, %v; want %q", tc.day, name, ok, tc.name)
		}
	}
}

func TestIsHolidayReadsTheDayInJST(t *testing.T) {
	// 2026-05-05 15:30 UTC is already 05-06 00:30 in Tokyo (振替休日), and
	// 2026-05-06 15:30 UTC is 05-07, a workday.
	if name, ok := calendar.IsHoliday(time.Date(2026, 5, 5, 15, 30, 0, 0, time.UTC)); !ok || name != "振替休日" {
		t.Errorf("2026-05-06 00:30 JST: %q, %v; want 振替休日", name, ok)
	}
	if name, ok := calendar.IsHoliday(time.Date(2026, 5, 6, 15, 30, 0, 0, time.UTC)); ok {
		t.Errorf("2026-05-07 00:30 JST: %q, want no holiday", name)
	}
}

func TestEquinoxDays(t *testing.T) {
	// From the Cabinet Office's lists (the official days are fixed each
	// February for the next year).
	tests := []struct {
		year             int
		vernal, autumnal string
	}{
		{1980, "03-20", "09-23"},
		{1988, "03-20", "09-23"},
		{1999, "03-21", "09-23"},
		{2000, "03-20", "09-23"},
		{2012, "03-20", "09-22"},
		{2016, "03-20", "09-22"},
		{2019, "03-21", "09-23"},
		{2020, "03-20", "09-22"},
		{2023, "03-21", "09-23"},
		{2024, "03-20", "09-22"},
		{2025, "03-20", "09-23"},
		{2026, "03-20", "09-23"},
		{2027, "03-21", "09-23"},
	}
	for _, tc := range tests {
		hs, err := calendar.Holidays(tc.year)
		if err != nil {
			t.Fatal(err)
		}
		var vernal, autumnal string
		for _, h := range hs {
			switch h.Name {
			case "春分の日":
				vernal = h.Date.Format("01-02")
			case "秋分の日":
				autumnal = h.Date.Format("01-02")
			}
		}
		if vernal != tc.vernal || autumnal != tc.autumnal {
			t.Errorf("%d: equinoxes %s, %s; want %s, %s", tc.year, vernal, autumnal, tc.vernal, tc.autumnal)
		}
	}
}

func TestEveryYearIsWellFormed(t *testing.T) {
	for y := calendar.FirstYear; y <= calendar.LastYear; y++ {
		hs, err := calendar.Holidays(y)
		if err != nil {
			t.Fatal(err)
		}
		named := map[string]bool{}
		for i, h := range hs {
			if h.Date.Year() != y {
				t.Errorf("%d: %s falls in another year", y, h.Date.Format(time.DateOnly))
			}
			if i > 0 && !hs[i-1].Date.Before(h.Date) {
				t.Errorf("%d: %s not after %s", y, h.Date.Format(time.DateOnly), hs[i-1].Date.Format(time.DateOnly))
			}
			if h.Kind == calendar.Substitute && h.Date.Weekday() == time.Sunday {
				t.Errorf("%d: substitute on a Sunday", y)
			}
			if h.Kind == calendar.National {
				named[h.Name] = true
			}
		}
		for _, name := range []string{"元日", "成人の日", "建国記念の日", "春分の日", "憲法記念日", "こどもの日", "敬老の日", "秋分の日", "文化の日", "勤労感謝の日"} {
			if !named[name] {
				t.Errorf("%d: no %s", y, name)
			}
		}
	}
}

func TestUnsupportedYears(t *testing.T) {
	for _, y := range []int{calendar.FirstYear - 1, calendar.LastYear + 1, 0} {
		if _, err := calendar.Holidays(y); !errors.Is(err, calendar.ErrUnsupportedYear) {
			t.Errorf("Holidays(%d): err=%v, want ErrUnsupportedYear", y, err)
		}
	}
	if _, ok := calendar.IsHoliday(date(t, "2100-01-01")); ok {
		t.Error("IsHoliday(2100-01-01) = true, want false outside the range")
	}
	if _, err := calendar.Holidays(calendar.LastYear); err != nil {
		t.Errorf("Holidays(%d): %v", calendar.LastYear, err)
	}
}

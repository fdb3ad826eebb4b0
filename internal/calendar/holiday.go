// Package calendar knows which days Japan and the shop are closed: the
// national holidays, computed from the rules of the 国民の祝日に関する法律
// as they stood in each year, and the shop's own closing days. It counts
// business days for deadlines (an acquirer's "3 business days") and for
// delivery promises.
//
// Every date is a day in Japan Standard Time: a time.Time passed in is read
// as the day it falls on in JST, and every date returned is 00:00 JST.
package calendar

import (
	"errors"
	"fmt"
	"kaede/internal/shop"
	"sort"
	"sync"
	"time"
)

// The years whose holidays this package can compute. The equinox formula
// it uses holds from 1980 to 2099; outside those years the package answers
// with ErrUnsupportedYear rather than guess.
const (
	FirstYear = 1980
	LastYear  = 2099
)

// ErrUnsupportedYear is returned (wrapped, with the year) for a day outside
// FirstYear..LastYear.
var ErrUnsupportedYear = errors.New("calendar: year outside the supported range")

// Kind says why a day is a holiday.
type Kind int

// The kinds of holiday. The law's own words: 国民の祝日 are the named
// holidays; a 振替休日 replaces one that fell on a Sunday; a 国民の休日 is
// an ordinary day squeezed between two 国民の祝日.
const (
	National   Kind = iota + 1 // 国民の祝日, including the one-off days Acts made holidays
	Substitute                 // 振替休日
	Bridge                     // 国民の休日
)

// Holiday is one day off in the national calendar.
type Holiday struct {
	Date time.Time // 00:00 JST on the day
	Name string    // the Japanese name: "元日", "振替休日", "国民の休日"…
	Kind Kind
}

// Holidays returns the national holidays of year in date order, or an error
// wrapping ErrUnsupportedYear.
func Holidays(year int) ([]Holiday, error) {
	if err := checkYear(year); err != nil {
		return nil, err
	}
	return append([]Holiday(nil), table().byYear[year-FirstYear]...), nil
}

// IsHoliday reports whether the day t falls on in JST is a national holiday
// and its Japanese name. A day outside FirstYear..LastYear is reported as no
// holiday; callers that must not guess use Holidays or a Calendar, which
// return an error instead.
func IsHoliday(t time.Time) (name string, ok bool) {
	h, ok := table().byDay[dayOf(t)]
	return h.Name, ok
}

func checkYear(year int) error {
	if year < FirstYear || year > LastYear {
		return fmt.Errorf("%w: %d (supported: %d–%d)", ErrUnsupportedYear, year, FirstYear, LastYear)
	}
	return nil
}

// day is a date as a comparable key: 20260429 for 2026-04-29.
type day int

func dayOf(t time.Time) day {
	y, m, d := t.In(shop.JST).Date()
	return dayFromDate(y, m, d)
}

func dayFromDate(y int, m time.Month, d int) day { return day(y*10000 + int(m)*100 + d) }

func (d day) time() time.Time {
	return time.Date(int(d)/10000, time.Month(int(d)/100%100), int(d)%100, 0, 0, 0, 0, shop.JST)
}

func (d day) year() int { return int(d) / 10000 }

func (d day) add(n int) day { return dayOf(d.time().AddDate(0, 0, n)) }

// holidayTable holds every holiday of the supported years; it is computed
// once, on first use (about 2,000 entries).
type holidayTable struct {
	byYear [LastYear - FirstYear + 1][]Holiday
	byDay  map[day]Holiday
}

var table = sync.OnceValue(func() *holidayTable {
	t := &holidayTable{byDay: make(map[day]Holiday)}
	for y := FirstYear; y <= LastYear; y++ {
		hs := yearHolidays(y)
		t.byYear[y-FirstYear] = hs
		for _, h := range hs {
			t.byDay[dayOf(h.Date)] = h
		}
	}
	return t
})

// yearHolidays applies Article 3 of the law to the named holidays of year:
// substitutes for those on a Sunday, then the days squeezed between two.
// The year's last 国民の祝日 is 12-23 at the latest, so neither rule ever
// reaches into the next year and each year is computed on its own.
func yearHolidays(year int) []Holiday {
	named := nationalHolidays(year)
	isNamed := make(map[day]bool, len(named))
	for _, h := range named {
		isNamed[dayOf(h.Date)] = true
	}
	all := append([]Holiday(nil), named...)
	isOff := make(map[day]bool, len(named))
	for d := range isNamed {
		isOff[d] = true
	}

	// 振替休日 (Art. 3(2)). Since 2007 the substitute is the first day after
	// the Sunday that is not itself a 国民の祝日 (Golden Week can push it to
	// Wednesday); from 1973 to 2006 it was the Monday, and only if that
	// Monday was not already a holiday.
	for _, h := range named {
		if h.Date.Weekday() != time.Sunday {
			continue
		}
		d := dayOf(h.Date).add(1)
		if year >= 2007 {
			for isNamed[d] {
				d = d.add(1)
			}
		} else if isNamed[d] {
			continue
		}
		isOff[d] = true
		all = append(all, Holiday{Date: d.time(), Name: "振替休日", Kind: Substitute})
	}

	// 国民の休日 (Art. 3(3), in force since 1985-12-27): a day whose eve and
	// morrow are both 国民の祝日. Until 2006 the rule excluded Sundays and
	// substitute holidays; since 2007 it covers any day that is not itself
	// a 国民の祝日. A day already off as a 振替休日 keeps that name.
	if year >= 1986 {
		for _, h := range named {
			d := dayOf(h.Date).add(1)
			if isNamed[d] || isOff[d] || !isNamed[d.add(1)] {
				continue
			}
			if year < 2007 && d.time().Weekday() == time.Sunday {
				continue
			}
			isOff[d] = true
			all = append(all, Holiday{Date: d.time(), Name: "国民の休日", Kind: Bridge})
		}
	}

	sort.Slice(all, func(i, j int) bool { return all[i].Date.Before(all[j].Date) })
	return all
}

// nationalHolidays returns the 国民の祝日 of year (Art. 2 as in force that
// year, and the days one-off Acts made holidays), unsorted.
func nationalHolidays(year int) []Holiday {
	var hs []Holiday
	add := func(m time.Month, d int, name string) {
		hs = append(hs, Holiday{Date: time.Date(year, m, d, 0, 0, 0, 0, shop.JST), Name: name, Kind: National})
	}

	add(time.January, 1, "元日")

	// 成人の日: 01-15 until 1999, the second Monday of January since 2000
	// (the first Happy Monday amendment).
	if year >= 2000 {
		add(time.January, nthMonday(year, time.January, 2), "成人の日")
	} else {
		add(time.January, 15, "成人の日")
	}

	add(time.February, 11, "建国記念の日")

	// 天皇誕生日 follows the reigning emperor: 04-29 (Shōwa) until 1988,
	// 12-23 (Heisei) from 1989 to 2018, none in 2019 (the Heisei emperor
	// abdicated on 04-30 and the new one's birthday had passed), 02-23
	// (Reiwa) from 2020.
	switch {
	case year <= 1988:
		add(time.April, 29, "天皇誕生日")
	case year <= 2018:
		add(time.December, 23, "天皇誕生日")
	case year >= 2020:
		add(time.February, 23, "天皇誕生日")
	}

	add(time.March, vernalEquinoxDay(year), "春分の日")

	// 04-29 kept its holiday after 1988 under new names: みどりの日 from
	// 1989 to 2006, 昭和の日 since 2007 (みどりの日 moved to 05-04).
	switch {
	case year >= 2007:
		add(time.April, 29, "昭和の日")
	case year >= 1989:
		add(time.April, 29, "みどりの日")
	}

	add(time.May, 3, "憲法記念日")
	if year >= 2007 {
		add(time.May, 4, "みどりの日")
	}
	add(time.May, 5, "こどもの日")

	// 海の日: 07-20 from 1996, the third Monday of July since 2003, moved
	// for the Tokyo Olympics to 07-23 in 2020 and 07-22 in 2021.
	switch {
	case year == 2020:
		add(time.July, 23, "海の日")
	case year == 2021:
		add(time.July, 22, "海の日")
	case year >= 2003:
		add(time.July, nthMonday(year, time.July, 3), "海の日")
	case year >= 1996:
		add(time.July, 20, "海の日")
	}

	// 山の日: 08-11 since 2016; Olympic moves to 08-10 in 2020 and 08-08
	// in 2021 (a Sunday, so 08-09 was its substitute).
	switch {
	case year == 2020:
		add(time.August, 10, "山の日")
	case year == 2021:
		add(time.August, 8, "山の日")
	case year >= 2016:
		add(time.August, 11, "山の日")
	}

	// 敬老の日: 09-15 until 2002, the third Monday of September since 2003.
	if year >= 2003 {
		add(time.September, nthMonday(year, time.September, 3), "敬老の日")
	} else {
		add(time.September, 15, "敬老の日")
	}

	add(time.September, autumnalEquinoxDay(year), "秋分の日")

	// 体育の日: 10-10 until 1999, the second Monday of October from 2000;
	// renamed スポーツの日 in 2020, when it moved for the Olympics to 07-24,
	// and in 2021 to 07-23 (neither year had an October holiday).
	switch {
	case year == 2020:
		add(time.July, 24, "スポーツの日")
	case year == 2021:
		add(time.July, 23, "スポーツの日")
	case year >= 2022:
		add(time.October, nthMonday(year, time.October, 2), "スポーツの日")
	case year >= 2000:
		add(time.October, nthMonday(year, time.October, 2), "体育の日")
	default:
		add(time.October, 10, "体育の日")
	}

	add(time.November, 3, "文化の日")
	add(time.November, 23, "勤労感謝の日")

	// Days that one-off Acts made holidays. The 2019 Act (天皇の即位の日及び
	// 即位礼正殿の儀の行われる日を休日とする法律) deems its two days 国民の祝日,
	// which is what made 04-30 and 05-02 国民の休日 that year.
	switch year {
	case 1989:
		add(time.February, 24, "大喪の礼")
	case 1990:
		add(time.November, 12, "即位礼正殿の儀")
	case 1993:
		add(time.June, 9, "結婚の儀")
	case 2019:
		add(time.May, 1, "天皇の即位の日")
		add(time.October, 22, "即位礼正殿の儀の行われる日")
	}
	return hs
}

// nthMonday returns the day of the month of the n-th Monday of month.
func nthMonday(year int, month time.Month, n int) int {
	first := time.Date(year, month, 1, 0, 0, 0, 0, shop.JST).Weekday()
	offset := (int(time.Monday) - int(first) + 7) % 7
	return 1 + offset + 7*(n-1)
}

// The law names the equinox days without dates: the National Astronomical
// Observatory publishes them each February for the following year (暦要項).
// For the years after that the standard approximation (valid 1980–2099) is
// used; it gives every equinox day the Cabinet Office lists for 1980–2027
// (checked by hand against its syukujitsu.csv). It is computed in
// millionths of a day so that no floating-point rounding can move a date.
//
//	春分日 = floor(20.8431 + 0.242194 × (Y − 1980) − floor((Y − 1980) / 4))
//	秋分日 = floor(23.2488 + 0.242194 × (Y − 1980) − floor((Y − 1980) / 4))
func vernalEquinoxDay(year int) int   { return equinoxDay(year, 20_843_100) }
func autumnalEquinoxDay(year int) int { return equinoxDay(year, 23_248_800) }

func equinoxDay(year, base int) int {
	y := year - FirstYear // both terms are ≥ 0 in the supported range
	return (base + 242_194*y - 1_000_000*(y/4)) / 1_000_000
}

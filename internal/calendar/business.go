package calendar

import (
	"fmt"
	"kaede/internal/shop"
	"time"
)

// MonthDay is a day of the year without the year, for closing days that
// come back every year.
type MonthDay struct {
	Month time.Month
	Day   int
}

// Closure is a run of days the shop closes every year, From to To
// inclusive. When To comes before From the run wraps over new year, as in
// YearEnd.
type Closure struct {
	From, To MonthDay
}

// YearEnd is the closure most Japanese businesses (and the government)
// observe: 12-29 to 01-03.
var YearEnd = Closure{From: MonthDay{time.December, 29}, To: MonthDay{time.January, 3}}

// Validate reports a From or To that is no day of any year (02-29 is
// accepted: it closes the shop in leap years only).
func (c Closure) Validate() error {
	for _, md := range []MonthDay{c.From, c.To} {
		if md.Month < time.January || md.Month > time.December ||
			md.Day < 1 || md.Day > daysIn(md.Month) {
			return fmt.Errorf("calendar: closure %02d-%02d: no such day", int(md.Month), md.Day)
		}
	}
	return nil
}

// daysIn returns the most days month can have (29 for February).
func daysIn(m time.Month) int {
	return time.Date(2000, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func (c Closure) contains(m time.Month, d int) bool {
	x := int(m)*100 + d
	from := int(c.From.Month)*100 + c.From.Day
	to := int(c.To.Month)*100 + c.To.Day
	if from <= to {
		return from <= x && x <= to
	}
	return x >= from || x <= to
}

// Calendar says which days the shop does business: Monday to Friday,
// except national holidays and the shop's own closing days. The zero
// Calendar closes on weekends and national holidays only, which is also
// how banks and card acquirers count business days (営業日) outside the
// new-year break.
type Calendar struct {
	Yearly []Closure   // closed every year, e.g. YearEnd
	Days   []time.Time // closed once: the day each falls on in JST
}

// IsBusinessDay reports whether the day t falls on in JST is a business
// day, or an error wrapping ErrUnsupportedYear.
func (c Calendar) IsBusinessDay(t time.Time) (bool, error) {
	return c.open(dayOf(t))
}

func (c Calendar) open(d day) (bool, error) {
	if err := checkYear(d.year()); err != nil {
		return false, err
	}
	t := d.time()
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false, nil
	}
	if _, ok := table().byDay[d]; ok {
		return false, nil
	}
	_, m, dd := t.Date()
	for _, cl := range c.Yearly {
		if cl.contains(m, dd) {
			return false, nil
		}
	}
	for _, closed := range c.Days {
		if dayOf(closed) == d {
			return false, nil
		}
	}
	return true, nil
}

// AddBusinessDays returns 00:00 JST of the n-th business day after the day
// t falls on (n > 0), or the |n|-th business day before it (n < 0). The day
// of t never counts, which is how a Japanese deadline of "n 営業日" is read:
// the next business day is day 1. For n == 0 it returns the day of t when
// that is a business day, else the next business day. It fails only when the
// count leaves the supported years.
func (c Calendar) AddBusinessDays(t time.Time, n int) (time.Time, error) {
	d := dayOf(t)
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	if n == 0 {
		open, err := c.open(d)
		if err != nil {
			return time.Time{}, err
		}
		if open {
			return d.time(), nil
		}
		n = 1
	}
	for n > 0 {
		d = d.add(step)
		open, err := c.open(d)
		if err != nil {
			return time.Time{}, fmt.Errorf("calendar: adding business days to %s: %w", t.In(shop.JST).Format(time.DateOnly), err)
		}
		if open {
			n--
		}
	}
	return d.time(), nil
}

// BusinessDaysBetween counts the business days after the day from falls on,
// up to and including the day to falls on (in JST); the count is negative
// when to is the earlier day. So BusinessDaysBetween(t, AddBusinessDays(t, n))
// is n for every n ≥ 1.
func (c Calendar) BusinessDaysBetween(from, to time.Time) (int, error) {
	a, b := dayOf(from), dayOf(to)
	sign := 1
	if b < a {
		a, b, sign = b, a, -1
	}
	count := 0
	for d := a.add(1); d <= b; d = d.add(1) {
		open, err := c.open(d)
		if err != nil {
			return 0, fmt.Errorf("calendar: counting business days: %w", err)
		}
		if open {
			count++
		}
	}
	return sign * count, nil
}

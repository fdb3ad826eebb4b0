package inquiry

import (
	"context"
	"fmt"
	"slices"
	"time"

	"kaede/internal/calendar"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// DeskCalendar returns the days the desk is open: the shop's calendar
// (weekdays except national holidays and the shop's own closing days), so
// a closing day moves the reply deadline, and never over the new-year break
// (12-29 to 01-03), as most Japanese businesses keep it and as the store's
// footer says, even while the shop's calendar does not list it.
func DeskCalendar(ctx context.Context, q calendar.Querier) (calendar.Calendar, error) {
	cal, err := calendar.Shop(ctx, q)
	if err != nil {
		return calendar.Calendar{}, fmt.Errorf("desk calendar: %w", err)
	}
	if !slices.Contains(cal.Yearly, calendar.YearEnd) {
		cal.Yearly = append(cal.Yearly, calendar.YearEnd)
	}
	return cal, nil
}

// maxDueDays bounds the search for the due day: the longest target
// (settings.MaxFirstResponseHours) at one open hour a day needs 240
// desk days, under a year of calendar days.
const maxDueDays = 2 * 366

// DueAt returns when the first reply to a ticket received at t is due:
// desk.FirstResponseHours later, counting only the desk's hours on its
// days (cal, from DeskCalendar). A ticket that arrives while the desk is
// closed starts counting when it next opens. It fails only outside the
// calendar's years.
func DueAt(t time.Time, desk settings.Desk, cal calendar.Calendar) (time.Time, error) {
	at := t.In(shop.JST)
	left := time.Duration(desk.FirstResponseHours) * time.Hour
	day := time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, shop.JST)
	for range maxDueDays {
		open, err := cal.IsBusinessDay(day)
		if err != nil {
			return time.Time{}, fmt.Errorf("inquiry due time: %w", err)
		}
		if open {
			from := day.Add(time.Duration(desk.OpenHour) * time.Hour)
			to := day.Add(time.Duration(desk.CloseHour) * time.Hour)
			if at.After(from) {
				from = at
			}
			if from.Before(to) {
				if avail := to.Sub(from); left <= avail {
					return from.Add(left).UTC(), nil
				}
				left -= to.Sub(from)
			}
		}
		day = day.AddDate(0, 0, 1)
	}
	return time.Time{}, fmt.Errorf("inquiry due time: no desk hours within %d days of %s", maxDueDays, at.Format(time.DateOnly))
}

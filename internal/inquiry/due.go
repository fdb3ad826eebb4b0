package inquiry

import (
	"fmt"
	"time"

	"kaede/internal/calendar"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// deskDays are the days the desk is open: weekdays except national
// holidays and the new-year break (12-29 to 01-03), as most Japanese
// businesses keep them and as the store's footer says.
var deskDays = calendar.Calendar{Yearly: []calendar.Closure{calendar.YearEnd}}

// maxDueDays bounds the search for the due day: the longest target
// (settings.MaxFirstResponseHours) at one open hour a day needs 240
// desk days, under a year of calendar days.
const maxDueDays = 2 * 366

// DueAt returns when the first reply to a ticket received at t is due:
// desk.FirstResponseHours later, counting only the desk's hours on its
// days. A ticket that arrives while the desk is closed starts counting
// when it next opens. It fails only outside the calendar's years.
func DueAt(t time.Time, desk settings.Desk) (time.Time, error) {
	at := t.In(shop.JST)
	left := time.Duration(desk.FirstResponseHours) * time.Hour
	day := time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, shop.JST)
	for range maxDueDays {
		open, err := deskDays.IsBusinessDay(day)
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

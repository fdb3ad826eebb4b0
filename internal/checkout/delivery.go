package checkout

import (
	"context"
	"fmt"
	"time"

	"kaede/internal/calendar"
	"kaede/internal/order"
	"kaede/internal/settings"
)

// DeliveryWindow returns the first and the last day a customer ordering
// on the day today (as tokyoDate gives it) may ask for delivery. The
// parcel is handed to the carrier on the shop's next business day at the
// soonest, so the first day is that day plus the transit the shop allows
// (DeliveryMinDays − 1; with 0 the shop delivers the day it hands over):
// on an ordinary weekday this is today + DeliveryMinDays, and before a
// weekend, a holiday or the shop's closing days it moves back by them.
// The last day is today + DeliveryMaxDays, never before the first. It
// fails only outside the calendar's years.
func DeliveryWindow(cal calendar.Calendar, st settings.Settings, today time.Time) (first, last time.Time, err error) {
	step, transit := 1, st.DeliveryMinDays-1
	if st.DeliveryMinDays == 0 {
		step, transit = 0, 0
	}
	handover, err := cal.AddBusinessDays(today, step)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("delivery window: %w", err)
	}
	first = tokyoDate(handover).AddDate(0, 0, transit)
	last = today.AddDate(0, 0, st.DeliveryMaxDays)
	if last.Before(first) {
		last = first
	}
	return first, last, nil
}

// DeliveryDates is DeliveryWindow for an order placed now, with the shop's
// settings and calendar, for the checkout form's choice of days. The days
// are Tokyo's dates at 00:00 UTC.
func (s *Service) DeliveryDates(ctx context.Context, st settings.Settings) (first, last time.Time, err error) {
	cal, err := calendar.Shop(ctx, s.db)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	return DeliveryWindow(cal, st, tokyoDate(s.clock()))
}

// ShippingNote is the product page's line on shipping: the business days
// to ship (ShipWithin, for an order paid at once) and the earliest
// delivery day the checkout offers today.
func ShippingNote(st settings.Settings, first time.Time, en bool) string {
	if en {
		return fmt.Sprintf("%s; the earliest delivery date you can choose today is %s.",
			ShipWithin(st, order.COD, true), first.Format("2 January 2006"))
	}
	return fmt.Sprintf("%s（本日のご注文で最短%sにお届けできます）。", ShipWithin(st, order.COD, false), jaDate(first))
}

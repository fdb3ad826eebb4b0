package checkout

import (
	"kaede/internal/calendar"
	"kaede/internal/coupon"
	"net/mail"
	"strings"
	"time"

	"kaede/internal/order"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// tokyoDate returns the calendar day in Tokyo at t, as midnight UTC so that
// adding days and formatting never cross a zone boundary.
func tokyoDate(t time.Time) time.Time {
	y, m, d := t.In(shop.JST).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// normalize cleans the input and reports every bad field. forPlace adds the
// idempotency key, which only placing an order needs.
// card says whether card payments are on (EnableCard).
func normalize(in Input, st settings.Settings, today time.Time, cal calendar.Calendar, forPlace, card bool) (Input, shop.Problems) {
	p := shop.Problems{}
	in.Email = checkEmail(p, in.Email)
	in.Address = shop.ValidateAddress(in.Address, "shipping_address.", p)
	if !methodEnabled(order.PaymentMethod(in.PaymentMethod), st, card) {
		p.Add("payment_method", shop.ReasonChoice)
	}
	in.DeliveryDate = strings.TrimSpace(in.DeliveryDate)
	checkDeliveryDate(p, in.DeliveryDate, st, today, cal)
	if !st.HasSlot(in.DeliverySlot) {
		p.Add("delivery_slot", shop.ReasonChoice)
	}
	in.Note = strings.TrimSpace(in.Note)
	checkNote(p, in.Note)
	switch in.Locale {
	case "":
		in.Locale = "ja"
	case "ja", "en":
	default:
		p.Add("locale", shop.ReasonChoice)
	}
	if forPlace {
		checkIdempotencyKey(p, in.IdempotencyKey)
	}
	in.CouponCode = coupon.NormalizeCode(in.CouponCode)
	if in.CouponCode != "" && !coupon.ValidCode(in.CouponCode) {
		p.Add("coupon_code", shop.ReasonCouponUnknown)
	}
	return in, p
}

// checkEmail accepts a bare address (no display name), as a mail header
// needs it, of at most 254 characters.
func checkEmail(p shop.Problems, email string) string {
	email = strings.TrimSpace(email)
	if email == "" {
		p.Add("email", shop.ReasonRequired)
		return email
	}
	if len(email) > 254 {
		p.Add("email", shop.ReasonLength)
		return email
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" {
		p.Add("email", shop.ReasonFormat)
	}
	return email
}

// methodEnabled reports whether the shop takes the method. Card, konbini
// and PayPay need the payment provider, which the operator configures
// (EnableCard: card says it is there).
func methodEnabled(m order.PaymentMethod, st settings.Settings, card bool) bool {
	switch m {
	case order.BankTransfer:
		return st.EnableTransfer
	case order.COD:
		return st.EnableCOD
	case order.Card:
		return card
	case order.Invoice:
		// Only to approved business customers, which quote checks.
		return st.MonthlyInvoice.Enabled
	case order.Konbini:
		return st.EnableKonbini && card
	case order.PayPay:
		return st.EnablePayPay && card
	}
	return false
}

// checkDeliveryDate accepts "" (the earliest) or a day within the shop's
// window (DeliveryWindow), counted from today in Tokyo.
func checkDeliveryDate(p shop.Problems, date string, st settings.Settings, today time.Time, cal calendar.Calendar) {
	if date == "" {
		return
	}
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		p.Add("delivery_date", shop.ReasonFormat)
		return
	}
	first, last, err := DeliveryWindow(cal, st, today)
	if err != nil || d.Before(first) || d.After(last) {
		p.Add("delivery_date", shop.ReasonRange)
	}
}

// checkNote allows line breaks and tabs, which a message to the shop may
// hold, but no other control character.
func checkNote(p shop.Problems, note string) {
	shop.CheckMultiline(p, "note", note, false, 1000)
}

// checkIdempotencyKey requires 1 to 255 printable ASCII characters: what an
// HTTP header carries, and short enough to hash without care.
func checkIdempotencyKey(p shop.Problems, key string) {
	if key == "" {
		p.Add("idempotency_key", shop.ReasonRequired)
		return
	}
	if len(key) > 255 {
		p.Add("idempotency_key", shop.ReasonLength)
		return
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x20 || key[i] > 0x7e {
			p.Add("idempotency_key", shop.ReasonFormat)
			return
		}
	}
}

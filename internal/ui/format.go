package ui

import (
	"fmt"
	"time"

	"kaede/internal/shop"
)

// Yen formats an amount as the shop prints prices: "¥1,980".
func Yen(v any) string {
	switch y := v.(type) {
	case shop.Yen:
		return y.String()
	case int:
		return shop.Yen(y).String()
	case int64:
		return shop.Yen(y).String()
	}
	panic(fmt.Sprintf("ui.Yen: not an amount: %T", v))
}

// Date formats the calendar day of t in Japan: "2026年11月25日" in
// Japanese, "Nov 25, 2026" in English. The zero time prints as nothing.
func Date(lang string, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(shop.JST)
	if lang == English {
		return t.Format("Jan 2, 2006")
	}
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

// DeliveryWish says which delivery the customer asked for, in the words
// of the checkout's choices, so that the order page, the admin's order
// and the delivery slip read alike: 「2026年12月10日 午前中」,
// 「2026年12月10日（時間帯指定なし）」, 「日付指定なし 14時〜16時」 or
// 「指定なし」. date is YYYY-MM-DD or ""; slot is as the shop names it.
func DeliveryWish(lang, date, slot string) string {
	day := ""
	if date != "" {
		if d, err := time.ParseInLocation(time.DateOnly, date, shop.JST); err == nil {
			day = Date(lang, d)
		} else {
			day = date
		}
	}
	switch {
	case day == "" && slot == "":
		return Store.T(lang, "checkout.any")
	case day == "":
		return Store.T(lang, "delivery.any_date") + " " + slot
	case slot == "":
		return day + Store.T(lang, "delivery.any_slot")
	}
	return day + " " + slot
}

// PrefectureName returns the prefecture's name in lang, or "" for a code
// that names none.
func PrefectureName(lang string, code int) string {
	p, ok := shop.PrefectureByCode(code)
	if !ok {
		return ""
	}
	if lang == English {
		return p.En
	}
	return p.Name
}

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

package admin

import (
	"fmt"
	"strconv"
	"strings"

	"kaede/internal/shop"
)

// The admin's languages: Japanese by default, English with ?lang=en.
const (
	langJa = "ja"
	langEn = "en"
)

func parseLang(s string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case langJa:
		return langJa, true
	case langEn:
		return langEn, true
	}
	return "", false
}

// text is one message in both languages.
type text struct{ ja, en string }

// T returns the admin message for key in lang, formatted with args when
// given. A missing key returns the key, so that a typo shows on the page;
// TestAdminMessages keeps the catalogue whole.
func T(lang, key string, args ...any) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	s := m.ja
	if lang == langEn {
		s = m.en
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// fieldMessage turns a field reason into a sentence naming the field by
// its label in the catalogue ("field.NAME"); "shipping_fees.13" is named
// by the prefecture.
func fieldMessage(lang, field, reason string) string {
	name := fieldLabel(lang, field)
	key := "reason." + reason
	if _, ok := messages[key]; !ok {
		key = "reason.other"
	}
	return T(lang, key, name)
}

func fieldLabel(lang, field string) string {
	if rest, ok := strings.CutPrefix(field, "shipping_fees."); ok {
		if code, err := strconv.Atoi(rest); err == nil {
			if p, ok := shop.PrefectureByCode(code); ok {
				if lang == langEn {
					return T(lang, "field.shipping_fees") + " (" + p.En + ")"
				}
				return T(lang, "field.shipping_fees") + "（" + p.Name + "）"
			}
		}
	}
	if _, ok := messages["field."+field]; ok {
		return T(lang, "field."+field)
	}
	return T(lang, "field.value")
}

// fieldMessages translates every field reason of err, by field name.
func fieldMessages(lang string, err error) map[string]string {
	fields := shop.ErrorFields(err)
	if len(fields) == 0 {
		return nil
	}
	out := make(map[string]string, len(fields))
	for f, reason := range fields {
		out[f] = fieldMessage(lang, f, reason)
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

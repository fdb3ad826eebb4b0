package admin

import (
	"strconv"
	"strings"

	"kaede/internal/shop"
	"kaede/internal/ui"
)

// fieldMessage turns a field reason into a sentence naming the field by
// its label in the catalogue ("field.NAME"); "shipping_fees.13" is named
// by the prefecture.
func fieldMessage(lang, field, reason string) string {
	name := fieldLabel(lang, field)
	key := "reason." + reason
	if !ui.Admin.Has(key) {
		key = "reason.other"
	}
	return ui.Admin.T(lang, key, name)
}

func fieldLabel(lang, field string) string {
	if rest, ok := strings.CutPrefix(field, "shipping_fees."); ok {
		if code, err := strconv.Atoi(rest); err == nil {
			if p, ok := shop.PrefectureByCode(code); ok {
				if lang == ui.English {
					return ui.Admin.T(lang, "field.shipping_fees") + " (" + p.En + ")"
				}
				return ui.Admin.T(lang, "field.shipping_fees") + "（" + p.Name + "）"
			}
		}
	}
	if ui.Admin.Has("field." + field) {
		return ui.Admin.T(lang, "field."+field)
	}
	return ui.Admin.T(lang, "field.value")
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

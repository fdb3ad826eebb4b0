package ui_test

import (
	"testing"

	"kaede/internal/ui"
)

// The order page, the admin's order and the slip name the delivery asked
// for the same way, in the checkout's words.
func TestDeliveryWish(t *testing.T) {
	for _, c := range []struct{ lang, date, slot, want string }{
		{"ja", "", "", "指定なし"},
		{"ja", "2026-12-10", "", "2026年12月10日（時間帯指定なし）"},
		{"ja", "", "14時〜16時", "日付指定なし 14時〜16時"},
		{"ja", "2026-12-10", "午前中", "2026年12月10日 午前中"},
		{"en", "", "", "No preference"},
		{"en", "2026-12-10", "", "Dec 10, 2026 (any time)"},
	} {
		if got := ui.DeliveryWish(c.lang, c.date, c.slot); got != c.want {
			t.Errorf("DeliveryWish(%q, %q, %q) = %q, want %q", c.lang, c.date, c.slot, got, c.want)
		}
	}
}

// The error summary above a form reads in the form's order.
func TestOrderedMessages(t *testing.T) {
	errs := map[string]string{"zz": "other", "payment_method": "pay", "email": "mail", "shipping_address.prefecture": "pref"}
	got := ui.OrderedMessages(errs, "email", "shipping_address.name", "shipping_address.prefecture", "payment_method")
	want := []string{"mail", "pref", "pay", "other"}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
}

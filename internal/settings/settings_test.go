package settings_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

func TestValidInvoiceNumber(t *testing.T) {
	for in, want := range map[string]bool{
		"T1234567890123":  true,
		"T123456789012":   false, // 12 digits
		"T12345678901234": false, // 14 digits
		"1234567890123":   false, // no T
		"t1234567890123":  false,
		"T12345678901a3":  false,
		"Ｔ1234567890123":  false, // full-width T is not normalised here
	} {
		if got := settings.ValidInvoiceNumber(in); got != want {
			t.Errorf("ValidInvoiceNumber(%q)=%v, want %v", in, got, want)
		}
	}
}

func TestShippingFee(t *testing.T) {
	s := settings.Default()
	tests := []struct {
		name       string
		prefecture int
		subtotal   shop.Yen
		want       shop.Yen
	}{
		{"Tokyo default", 13, 5000, 880},
		{"Hokkaido", 1, 5000, 1320},
		{"Okinawa", 47, 5000, 1540},
		{"Fukuoka", 40, 5000, 1100},
		{"just under threshold", 13, 10999, 880},
		{"at threshold free", 13, 11000, 0},
		{"Okinawa over threshold free", 47, 20000, 0},
	}
	for _, tt := range tests {
		if got := s.ShippingFee(tt.prefecture, tt.subtotal); got != tt.want {
			t.Errorf("%s: fee=%d, want %d", tt.name, got, tt.want)
		}
	}
	s.FreeShippingThreshold = 0
	if got := s.ShippingFee(13, 1_000_000); got != 880 {
		t.Errorf("threshold 0 must never be free: fee=%d", got)
	}
}

func TestValidateNamesBadSettings(t *testing.T) {
	tests := []struct {
		field  string
		mutate func(*settings.Settings)
	}{
		{"invoice_number", func(s *settings.Settings) { s.InvoiceNumber = "T123" }},
		{"tax_rounding", func(s *settings.Settings) { s.TaxRounding = "bankers" }},
		{"shop_name", func(s *settings.Settings) { s.ShopName = "" }},
		{"cod_fee", func(s *settings.Settings) { s.CODFee = -1 }},
		{"shipping_fees", func(s *settings.Settings) { s.ShippingFees[48] = 100 }},
		{"payment_due_days", func(s *settings.Settings) { s.PaymentDueDays = 0 }},
		{"konbini_expiry_days", func(s *settings.Settings) { s.KonbiniExpiryDays = 0 }},
		{"konbini_expiry_days", func(s *settings.Settings) { s.KonbiniExpiryDays = 61 }},
		{"konbini_fee", func(s *settings.Settings) { s.KonbiniFee = -1 }},
		{"paypay_fee", func(s *settings.Settings) { s.PayPayFee = 100_001 }},
		{"delivery_max_days", func(s *settings.Settings) { s.DeliveryMaxDays = 1; s.DeliveryMinDays = 3 }},
		{"retention.card_attempt_days", func(s *settings.Settings) { s.Retention.CardAttemptDays = settings.MinCardAttemptDays - 1 }},
		{"retention.card_attempt_days", func(s *settings.Settings) { s.Retention.CardAttemptDays = 366 }},
		{"retention.idempotency_key_days", func(s *settings.Settings) { s.Retention.IdempotencyKeyDays = 0 }},
		{"retention.email_link_days", func(s *settings.Settings) { s.Retention.EmailLinkDays = -1 }},
		{"retention.session_days", func(s *settings.Settings) { s.Retention.SessionDays = 91 }},
		{"retention.abandoned_cart_days", func(s *settings.Settings) { s.Retention.AbandonedCartDays = 6 }},
		{"retention.inquiry_days", func(s *settings.Settings) { s.Retention.InquiryDays = 29 }},
		{"desk.phone", func(s *settings.Settings) { s.Desk.Phone = "03-0000-0000\n" }},
		{"desk.open_hour", func(s *settings.Settings) { s.Desk.OpenHour = 24 }},
		{"desk.close_hour", func(s *settings.Settings) { s.Desk.CloseHour = s.Desk.OpenHour }},
		{"desk.first_response_hours", func(s *settings.Settings) { s.Desk.FirstResponseHours = 0 }},
		{"desk.first_response_hours", func(s *settings.Settings) { s.Desk.FirstResponseHours = settings.MaxFirstResponseHours + 1 }},
		{"monthly_invoice.due_months", func(s *settings.Settings) { s.MonthlyInvoice.DueMonths = 0 }},
		{"monthly_invoice.due_months", func(s *settings.Settings) { s.MonthlyInvoice.DueMonths = 4 }},
	}
	if err := settings.Default().Validate(); err != nil {
		t.Fatalf("default settings invalid: %v", err)
	}
	for _, tt := range tests {
		s := settings.Default()
		tt.mutate(&s)
		err := s.Validate()
		if _, ok := shop.ErrorFields(err)[tt.field]; !ok {
			t.Errorf("%s: error %v does not name the field", tt.field, err)
		}
	}
}

func TestSaveAndLoad(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		got, err := settings.Load(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		if got.ShopName != settings.Default().ShopName {
			t.Fatalf("empty database: shop name %q, want the default", got.ShopName)
		}
		got.ShopName = "鍼灸堂"
		got.TaxRounding = shop.RoundCeil
		got.ShippingFees[13] = 500
		now := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
		if err := d.Tx(ctx, func(tx *sql.Tx) error { return settings.Save(ctx, tx, got, now) }); err != nil {
			t.Fatal(err)
		}
		again, err := settings.Load(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		if again.ShopName != "鍼灸堂" || again.TaxRounding != shop.RoundCeil || again.ShippingFees[13] != 500 {
			t.Fatalf("loaded %+v", again)
		}
		bad := again
		bad.InvoiceNumber = "X"
		err = d.Tx(ctx, func(tx *sql.Tx) error { return settings.Save(ctx, tx, bad, now) })
		if shop.ErrorCode(err) != shop.Invalid {
			t.Fatalf("saving bad settings: err=%v, want invalid", err)
		}
	})
}

// Settings saved before the retention periods existed load with the
// default periods, not with zero (which would prune at once).
func TestLoadFillsRetentionDefaults(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		_, err := d.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ('shop', $1, $2)`,
			`{"shop_name":"鍼灸堂"}`, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		got, err := settings.Load(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		if got.ShopName != "鍼灸堂" {
			t.Fatalf("shop name %q, want the saved one", got.ShopName)
		}
		if got.Retention != settings.DefaultRetention() {
			t.Fatalf("retention=%+v, want the defaults %+v", got.Retention, settings.DefaultRetention())
		}
		if got.MonthlyInvoice != settings.DefaultMonthlyInvoice() {
			t.Fatalf("monthly invoice=%+v, want the defaults %+v", got.MonthlyInvoice, settings.DefaultMonthlyInvoice())
		}
	})
}

func TestSecuritySettings(t *testing.T) {
	s := settings.Default()
	if s.Security.EscalateAfterMinutes != 15 {
		t.Fatalf("escalate after %d minutes, want 15", s.Security.EscalateAfterMinutes)
	}
	for _, c := range []struct {
		at   time.Time
		want bool
	}{
		{time.Date(2026, 5, 1, 9, 0, 0, 0, shop.JST), true},   // Friday 09:00
		{time.Date(2026, 5, 1, 18, 59, 0, 0, shop.JST), true}, // Friday 18:59
		{time.Date(2026, 5, 1, 19, 0, 0, 0, shop.JST), false}, // Friday 19:00
		{time.Date(2026, 5, 1, 8, 59, 0, 0, shop.JST), false},
		{time.Date(2026, 5, 2, 12, 0, 0, 0, shop.JST), false}, // Saturday
	} {
		if got := s.Security.WithinBusinessHours(c.at); got != c.want {
			t.Errorf("%v: within=%v, want %v", c.at, got, c.want)
		}
	}
	s.Security = settings.Security{EscalateAfterMinutes: 0, BusinessStartHour: 19, BusinessEndHour: 9}
	err := s.Validate()
	for _, f := range []string{"security.escalate_after_minutes", "security.business_end_hour"} {
		if _, ok := shop.ErrorFields(err)[f]; !ok {
			t.Errorf("validate: %v, want a problem on %s", err, f)
		}
	}
}

// The inquiry desk's number is the shop's unless the desk has its own;
// settings saved before the desk existed load with its default hours.
func TestDesk(t *testing.T) {
	s := settings.Default()
	if s.DeskPhone() != s.Phone {
		t.Fatalf("desk phone %q, want the shop's %q", s.DeskPhone(), s.Phone)
	}
	s.Desk.Phone = "0120-000-000"
	if s.DeskPhone() != "0120-000-000" {
		t.Fatalf("desk phone %q, want the desk's own", s.DeskPhone())
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		_, err := d.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ('shop', $1, $2)`,
			`{"shop_name":"鍼灸堂","retention":{"card_attempt_days":30}}`, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		got, err := settings.Load(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		if got.Desk != settings.DefaultDesk() || got.Retention.InquiryDays != settings.DefaultRetention().InquiryDays {
			t.Fatalf("desk=%+v inquiry days=%d, want the defaults", got.Desk, got.Retention.InquiryDays)
		}
	})
}

// The shop's own order notices go to its notice address, else to its
// contact address when that is a mailbox, else nowhere: a contact address
// that only reads well on a page must not fail customers' orders.
func TestOrderNoticeTo(t *testing.T) {
	for _, tt := range []struct{ notice, contact, want string }{
		{"orders@kaede.example", "info@kaede.example", "orders@kaede.example"},
		{"", "info@kaede.example", "info@kaede.example"},
		{"", "お問い合わせはフォームから", ""},
		{"", "<script>alert(1)</script>", ""},
	} {
		s := settings.Default()
		s.OrderNoticeEmail, s.Email = tt.notice, tt.contact
		if got := s.OrderNoticeTo(); got != tt.want {
			t.Errorf("notice %q, contact %q: OrderNoticeTo() = %q, want %q", tt.notice, tt.contact, got, tt.want)
		}
	}
}

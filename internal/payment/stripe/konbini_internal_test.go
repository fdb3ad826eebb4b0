package stripe

import (
	"testing"
	"time"

	stripe "github.com/stripe/stripe-go/v82"

	"kaede/internal/payment"
	"kaede/internal/shop"
)

// TestVoucherDays: the days Stripe is sent end the voucher on the day the
// store's order expires (23:59:59 JST), counted in Tokyo, within 1–60.
func TestVoucherDays(t *testing.T) {
	jst := func(d, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, shop.JST) }
	end := func(d int) time.Time { return time.Date(2026, 11, d, 23, 59, 59, 0, shop.JST) }
	tests := []struct {
		name         string
		expires, now time.Time
		want         int
	}{
		{"three days", end(28), jst(25, 10), 3},
		{"late evening in Tokyo is still that day", end(28), jst(25, 23), 3},
		{"just after midnight in Tokyo (still the day before in UTC)", end(28), jst(26, 0).Add(time.Minute), 2},
		{"one day", end(26), jst(25, 10), 1},
		{"today's end is at least a day", end(25), jst(25, 10), 1},
		{"over Stripe's ceiling", end(25).AddDate(0, 3, 0), jst(25, 10), 60},
	}
	for _, tt := range tests {
		if got := voucherDays(tt.expires, tt.now); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.want)
		}
	}
}

// TestSessionStatusKonbiniVoucher: a konbini PaymentIntent waiting at the
// store requires action and carries its voucher; without a confirmation
// number there is no voucher to mail.
func TestSessionStatusKonbiniVoucher(t *testing.T) {
	expires := time.Date(2026, 11, 28, 14, 59, 59, 0, time.UTC)
	pi := &stripe.PaymentIntent{Status: stripe.PaymentIntentStatusRequiresAction, Amount: 12800, Currency: "jpy",
		NextAction: &stripe.PaymentIntentNextAction{KonbiniDisplayDetails: &stripe.PaymentIntentNextActionKonbiniDisplayDetails{
			ExpiresAt: expires.Unix(), HostedVoucherURL: "https://payments.stripe.com/konbini/voucher/test_1",
			Stores: &stripe.PaymentIntentNextActionKonbiniDisplayDetailsStores{
				Lawson: &stripe.PaymentIntentNextActionKonbiniDisplayDetailsStoresLawson{ConfirmationNumber: "12345678901"},
			}}}}
	st := sessionStatus(&stripe.CheckoutSession{ID: "cs_test_k", Status: stripe.CheckoutSessionStatusComplete, PaymentIntent: pi})
	want := payment.Voucher{Number: "12345678901", URL: "https://payments.stripe.com/konbini/voucher/test_1", ExpiresAt: expires}
	if st.State != payment.RequiresAction || st.Voucher == nil || *st.Voucher != want {
		t.Fatalf("status %s voucher %+v, want requires_action %+v", st.State, st.Voucher, want)
	}
	pi.NextAction.KonbiniDisplayDetails.Stores = nil
	if st := sessionStatus(&stripe.CheckoutSession{ID: "cs_test_k", PaymentIntent: pi}); st.Voucher != nil {
		t.Fatalf("voucher %+v without a number", st.Voucher)
	}
}

package stripe

// The mapping rules are tested from inside the package: stripe-mock answers
// every request with the same fixture, so it cannot show each PaymentIntent
// state, and a black-box test would need a server that invents them.

import (
	"testing"

	stripe "github.com/stripe/stripe-go/v82"

	"kaede/internal/payment"
)

func TestSessionStatus(t *testing.T) {
	card := &stripe.ChargePaymentMethodDetails{Card: &stripe.ChargePaymentMethodDetailsCard{Brand: "jcb", Last4: "0000"}}
	charge := func(refunded int64) *stripe.Charge {
		return &stripe.Charge{Amount: 12800, AmountRefunded: refunded, PaymentMethodDetails: card}
	}
	declined := &stripe.Error{Type: stripe.ErrorTypeCard, Code: stripe.ErrorCodeCardDeclined, DeclineCode: "insufficient_funds"}
	noThreeDS := &stripe.Error{Type: stripe.ErrorTypeInvalidRequest, Code: stripe.ErrorCodePaymentIntentAuthenticationFailure}
	tests := []struct {
		name          string
		sessionStatus stripe.CheckoutSessionStatus
		pi            *stripe.PaymentIntent
		want          payment.State
		wantReason    string
		wantCaptured  int64
		wantRefunded  int64
	}{
		{"not confirmed yet", stripe.CheckoutSessionStatusOpen, nil, payment.Pending, "", 0, 0},
		{"abandoned", stripe.CheckoutSessionStatusExpired, nil, payment.Cancelled, "", 0, 0},
		{"3-D Secure challenge", stripe.CheckoutSessionStatusOpen,
			&stripe.PaymentIntent{Status: stripe.PaymentIntentStatusRequiresAction, Amount: 12800}, payment.RequiresAction, "", 0, 0},
		{"authorised", stripe.CheckoutSessionStatusComplete,
			&stripe.PaymentIntent{Status: stripe.PaymentIntentStatusRequiresCapture, Amount: 12800, LatestCharge: charge(0)}, payment.Authorized, "", 0, 0},
		{"captured", stripe.CheckoutSessionStatusComplete,
			&stripe.PaymentIntent{Status: stripe.PaymentIntentStatusSucceeded, Amount: 12800, AmountReceived: 12800, LatestCharge: charge(0)}, payment.Captured, "", 12800, 0},
		{"partly refunded", stripe.CheckoutSessionStatusComplete,
			&stripe.PaymentIntent{Status: stripe.PaymentIntentStatusSucceeded, Amount: 12800, AmountReceived: 12800, LatestCharge: charge(3000)}, payment.PartiallyRefunded, "", 12800, 3000},
		{"refunded", stripe.CheckoutSessionStatusComplete,
			&stripe.PaymentIntent{Status: stripe.PaymentIntentStatusSucceeded, Amount: 12800, AmountReceived: 12800, LatestCharge: charge(12800)}, payment.Refunded, "", 12800, 12800},
		{"partial capture fully refunded", stripe.CheckoutSessionStatusComplete,
			&stripe.PaymentIntent{Status: stripe.PaymentIntentStatusSucceeded, Amount: 12800, AmountReceived: 10000, LatestCharge: charge(10000)}, payment.Refunded, "", 10000, 10000},
		{"authorisation released", stripe.CheckoutSessionStatusComplete,
			&stripe.PaymentIntent{Status: stripe.PaymentIntentStatusCanceled, Amount: 12800, LatestCharge: charge(0)}, payment.Cancelled, "", 0, 0},
		{"declined, customer may retry", stripe.CheckoutSessionStatusOpen,
			&stripe.PaymentIntent{Status: stripe.PaymentIntentStatusRequiresPaymentMethod, Amount: 12800, LastPaymentError: declined}, payment.Pending, "insufficient_funds", 0, 0},
		{"declined, session over", stripe.CheckoutSessionStatusExpired,
			&stripe.PaymentIntent{Status: stripe.PaymentIntentStatusRequiresPaymentMethod, Amount: 12800, LastPaymentError: declined}, payment.Declined, "insufficient_funds", 0, 0},
		{"3-D Secure failed, session over", stripe.CheckoutSessionStatusExpired,
			&stripe.PaymentIntent{Status: stripe.PaymentIntentStatusRequiresPaymentMethod, Amount: 12800, LastPaymentError: noThreeDS}, payment.Failed, "payment_intent_authentication_failure", 0, 0},
		{"never tried, session over", stripe.CheckoutSessionStatusExpired,
			&stripe.PaymentIntent{Status: stripe.PaymentIntentStatusRequiresPaymentMethod, Amount: 12800}, payment.Cancelled, "", 0, 0},
		{"a status newer than this code", stripe.CheckoutSessionStatusComplete,
			&stripe.PaymentIntent{Status: "requires_something_new", Amount: 12800}, payment.Pending, "", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &stripe.CheckoutSession{ID: "cs_test_1", Status: tt.sessionStatus, AmountTotal: 12800, PaymentIntent: tt.pi}
			got := sessionStatus(s)
			if got.Ref != "cs_test_1" || got.Amount != 12800 {
				t.Errorf("Ref=%q Amount=%d, want cs_test_1 12800", got.Ref, got.Amount)
			}
			if got.State != tt.want || got.Reason != tt.wantReason {
				t.Errorf("State=%q Reason=%q, want %q %q", got.State, got.Reason, tt.want, tt.wantReason)
			}
			if int64(got.Captured) != tt.wantCaptured || int64(got.Refunded) != tt.wantRefunded {
				t.Errorf("Captured=%d Refunded=%d, want %d %d", got.Captured, got.Refunded, tt.wantCaptured, tt.wantRefunded)
			}
			if tt.pi != nil && tt.pi.LatestCharge != nil && (got.Brand != "jcb" || got.Last4 != "0000") {
				t.Errorf("Brand=%q Last4=%q, want jcb 0000", got.Brand, got.Last4)
			}
		})
	}
}

package stripe

import (
	"time"

	stripe "github.com/stripe/stripe-go/v82"

	"kaede/internal/payment"
	"kaede/internal/shop"
)

// sessionStatus maps a Checkout Session, retrieved with its PaymentIntent
// and that intent's latest charge expanded, to Kaede's payment status.
func sessionStatus(s *stripe.CheckoutSession) payment.Status {
	st := payment.Status{Ref: s.ID, Amount: shop.Yen(s.AmountTotal), Currency: string(s.Currency)}
	pi := s.PaymentIntent
	if pi == nil || pi.Status == "" {
		// The customer has not confirmed on the page yet: Stripe creates
		// the PaymentIntent only then.
		st.State = payment.Pending
		if s.Status == stripe.CheckoutSessionStatusExpired {
			st.State = payment.Cancelled
		}
		return st
	}
	st.Amount = shop.Yen(pi.Amount)
	if pi.Currency != "" {
		st.Currency = string(pi.Currency)
	}
	st.Captured = shop.Yen(pi.AmountReceived)
	st.State, st.Reason = intentState(pi)
	if na := pi.NextAction; na != nil && na.KonbiniDisplayDetails != nil {
		st.Voucher = konbiniVoucher(na.KonbiniDisplayDetails)
	}
	if ch := pi.LatestCharge; ch != nil {
		st.Refunded = shop.Yen(ch.AmountRefunded)
		if d := ch.PaymentMethodDetails; d != nil && d.Card != nil {
			st.Brand = string(d.Card.Brand)
			st.Last4 = d.Card.Last4
		}
	}
	switch {
	case (st.State == payment.Declined || st.State == payment.Failed) && s.Status == stripe.CheckoutSessionStatusOpen:
		// A declined card leaves the session open and the customer on
		// Stripe's page, free to try another card: not an outcome yet.
		// Reason still carries the code for the card-testing counters.
		st.State = payment.Pending
	case st.State == payment.Pending && s.Status == stripe.CheckoutSessionStatusExpired:
		st.State = payment.Cancelled
	case st.State == payment.Captured && st.Refunded > 0:
		st.State = payment.PartiallyRefunded
		if st.Refunded >= st.Captured {
			st.State = payment.Refunded
		}
	}
	return st
}

// intentState maps a PaymentIntent's status, and the error of its last
// attempt, to a state and the provider's reason code.
func intentState(pi *stripe.PaymentIntent) (payment.State, string) {
	reason := ""
	if e := pi.LastPaymentError; e != nil {
		reason = string(e.DeclineCode)
		if reason == "" {
			reason = string(e.Code)
		}
	}
	switch pi.Status {
	case stripe.PaymentIntentStatusRequiresPaymentMethod, stripe.PaymentIntentStatusRequiresConfirmation:
		e := pi.LastPaymentError
		switch {
		case e == nil:
			return payment.Pending, ""
		case e.Code == stripe.ErrorCodePaymentIntentAuthenticationFailure, e.Code == stripe.ErrorCodeProcessingError:
			// 3-D Secure failed or was abandoned, or Stripe or the issuer
			// could not process the card: not the issuer's "no".
			return payment.Failed, reason
		case e.Type == stripe.ErrorTypeCard:
			return payment.Declined, reason
		default:
			return payment.Failed, reason
		}
	case stripe.PaymentIntentStatusRequiresAction:
		return payment.RequiresAction, reason
	case stripe.PaymentIntentStatusProcessing:
		return payment.Pending, reason
	case stripe.PaymentIntentStatusRequiresCapture:
		return payment.Authorized, ""
	case stripe.PaymentIntentStatusSucceeded:
		return payment.Captured, ""
	case stripe.PaymentIntentStatusCanceled:
		return payment.Cancelled, reason
	}
	// A status newer than this code: report it as unfinished, so that
	// nothing is shipped on it, and let Get be asked again.
	return payment.Pending, reason
}

// completedSessionState maps a Checkout Session from a webhook payload,
// where the PaymentIntent is only an id. Kaede offers cards only, which
// settle at once: a completed session is paid, or authorised when the
// order asked for manual capture (Stripe then reports it "unpaid").
func completedSessionState(s *stripe.CheckoutSession) payment.State {
	switch s.PaymentStatus {
	case stripe.CheckoutSessionPaymentStatusPaid, stripe.CheckoutSessionPaymentStatusNoPaymentRequired:
		return payment.Captured
	}
	if s.Status == stripe.CheckoutSessionStatusComplete && s.Metadata[metaCapture] == string(payment.CaptureManual) {
		return payment.Authorized
	}
	return payment.Pending
}

// konbiniVoucher is the voucher of a konbini PaymentIntent waiting for the
// customer's visit to a store: Stripe gives one confirmation number per
// chain, the same for all of them in practice; the first one given is
// the number the store mails.
func konbiniVoucher(d *stripe.PaymentIntentNextActionKonbiniDisplayDetails) *payment.Voucher {
	v := &payment.Voucher{URL: d.HostedVoucherURL, ExpiresAt: time.Unix(d.ExpiresAt, 0).UTC()}
	if s := d.Stores; s != nil {
		switch {
		case s.FamilyMart != nil && s.FamilyMart.ConfirmationNumber != "":
			v.Number = s.FamilyMart.ConfirmationNumber
		case s.Lawson != nil && s.Lawson.ConfirmationNumber != "":
			v.Number = s.Lawson.ConfirmationNumber
		case s.Ministop != nil && s.Ministop.ConfirmationNumber != "":
			v.Number = s.Ministop.ConfirmationNumber
		case s.Seicomart != nil && s.Seicomart.ConfirmationNumber != "":
			v.Number = s.Seicomart.ConfirmationNumber
		}
	}
	if v.Number == "" || d.ExpiresAt == 0 {
		return nil
	}
	return v
}

package stripe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	stripe "github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"

	"kaede/internal/payment"
	"kaede/internal/shop"
)

// WebhookTolerance is how far a webhook's signed timestamp may be from the
// receiving clock, either way: Stripe's own default, wide enough for clock
// drift and short enough that a captured request cannot be replayed later.
const WebhookTolerance = 5 * time.Minute

// lookupTimeout bounds the one API call a PaymentIntent or Charge event
// needs. VerifyWebhook has no context of its own; Stripe waits up to some
// seconds for the response and retries a failed delivery later.
const lookupTimeout = 10 * time.Second

// Errors of VerifyWebhook besides the signature errors of stripe-go's
// webhook package (webhook.ErrNotSigned, webhook.ErrInvalidHeader,
// webhook.ErrNoValidSignature), which it wraps.
var (
	// ErrOutsideTolerance is a correctly signed webhook whose timestamp is
	// more than WebhookTolerance before or after now: a replay, or a clock
	// that needs fixing.
	ErrOutsideTolerance = errors.New("stripe webhook: timestamp outside the tolerance")
	// ErrIgnored is a genuine webhook that says nothing about a Kaede
	// payment (another event type, or a PaymentIntent that did not come
	// from a Checkout Session). Answer it with 2xx so Stripe stops sending.
	ErrIgnored = fmt.Errorf("stripe webhook: %w", payment.ErrIgnored)
)

// WebhookHeader is the header Stripe signs its webhooks in.
func (p *Provider) WebhookHeader() string { return "Stripe-Signature" }

// VerifyWebhook checks the Stripe-Signature header of a webhook with the
// endpoint's secret, checks its timestamp against now, and decodes it.
func (p *Provider) VerifyWebhook(payload []byte, signature string, now time.Time) (payment.Event, error) {
	// stripe-go checks the signature but measures age against its own
	// clock, and only into the past; the age is checked below against the
	// caller's clock, in both directions.
	ev, err := webhook.ConstructEventWithOptions(payload, signature, p.webhookSecret, webhook.ConstructEventOptions{
		IgnoreTolerance: true,
		// Events come in the endpoint's API version, which may differ from
		// stripe-go's; only long-stable fields are read.
		IgnoreAPIVersionMismatch: true,
	})
	if err != nil {
		return payment.Event{}, fmt.Errorf("stripe webhook: %w", err)
	}
	signed, err := signedAt(signature)
	if err != nil {
		return payment.Event{}, err
	}
	if d := now.Sub(signed); d > WebhookTolerance || d < -WebhookTolerance {
		return payment.Event{}, fmt.Errorf("%w: signed at %s, now %s", ErrOutsideTolerance, signed.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if ev.ID == "" || ev.Data == nil {
		return payment.Event{}, errors.New("stripe webhook: event without id or data")
	}
	out := payment.Event{ID: ev.ID, Created: time.Unix(ev.Created, 0).UTC()}
	switch {
	case strings.HasPrefix(string(ev.Type), "checkout.session."):
		out.Status, err = checkoutEventStatus(ev)
	case strings.HasPrefix(string(ev.Type), "payment_intent."):
		var pi stripe.PaymentIntent
		if err := json.Unmarshal(ev.Data.Raw, &pi); err != nil {
			return payment.Event{}, fmt.Errorf("stripe webhook %s (%s): decode payment intent: %w", ev.ID, ev.Type, err)
		}
		out.Status, err = p.statusByIntent(pi.ID)
	case ev.Type == stripe.EventTypeChargeRefunded:
		var ch stripe.Charge
		if err := json.Unmarshal(ev.Data.Raw, &ch); err != nil {
			return payment.Event{}, fmt.Errorf("stripe webhook %s (%s): decode charge: %w", ev.ID, ev.Type, err)
		}
		if ch.PaymentIntent == nil {
			return payment.Event{}, fmt.Errorf("%w: %s %s: charge %s has no payment intent", ErrIgnored, ev.Type, ev.ID, ch.ID)
		}
		out.Status, err = p.statusByIntent(ch.PaymentIntent.ID)
	default:
		return payment.Event{}, fmt.Errorf("%w: %s %s", ErrIgnored, ev.Type, ev.ID)
	}
	if err != nil {
		return payment.Event{}, fmt.Errorf("stripe webhook %s (%s): %w", ev.ID, ev.Type, err)
	}
	out.Ref = out.Status.Ref
	return out, nil
}

// signedAt reads the timestamp out of a Stripe-Signature header
// ("t=1712345678,v1=…"). A header with more than one timestamp is refused:
// stripe-go verified the signature with the last one, and the age must be
// checked on the same.
func signedAt(header string) (time.Time, error) {
	var t string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		if k != "t" {
			continue
		}
		if t != "" {
			return time.Time{}, fmt.Errorf("stripe webhook: %w: more than one timestamp", webhook.ErrInvalidHeader)
		}
		t = v
	}
	sec, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("stripe webhook: %w: timestamp %q", webhook.ErrInvalidHeader, t)
	}
	return time.Unix(sec, 0), nil
}

// checkoutEventStatus maps a Checkout Session event from its payload alone.
// The payload has no card details; Get has them.
func checkoutEventStatus(ev stripe.Event) (payment.Status, error) {
	var s stripe.CheckoutSession
	if err := json.Unmarshal(ev.Data.Raw, &s); err != nil {
		return payment.Status{}, fmt.Errorf("decode checkout session: %w", err)
	}
	if s.ID == "" {
		return payment.Status{}, errors.New("checkout session without id")
	}
	st := payment.Status{Ref: s.ID, Amount: shop.Yen(s.AmountTotal), Currency: string(s.Currency)}
	switch ev.Type {
	case stripe.EventTypeCheckoutSessionCompleted:
		st.State = completedSessionState(&s)
	case stripe.EventTypeCheckoutSessionAsyncPaymentSucceeded:
		st.State = payment.Captured
	case stripe.EventTypeCheckoutSessionAsyncPaymentFailed:
		st.State = payment.Failed
	case stripe.EventTypeCheckoutSessionExpired:
		// The customer never paid before the session ran out, or the shop
		// expired it through Cancel.
		st.State = payment.Cancelled
	default:
		return payment.Status{}, fmt.Errorf("%w: %s", ErrIgnored, ev.Type)
	}
	if st.State == payment.Captured {
		st.Captured = st.Amount
	}
	return st, nil
}

// statusByIntent finds the Checkout Session that created a PaymentIntent
// and returns the payment's current status, Ref included.
func (p *Provider) statusByIntent(intentID string) (payment.Status, error) {
	if intentID == "" {
		return payment.Status{}, errors.New("payment intent without id")
	}
	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()
	params := &stripe.CheckoutSessionListParams{PaymentIntent: stripe.String(intentID)}
	params.Limit = stripe.Int64(1)
	params.AddExpand("data.payment_intent")
	params.AddExpand("data.payment_intent.latest_charge")
	for s, err := range p.client.V1CheckoutSessions.List(ctx, params) {
		if err != nil {
			return payment.Status{}, fmt.Errorf("find checkout session of payment intent %s: %w", intentID, err)
		}
		return sessionStatus(s), nil
	}
	return payment.Status{}, fmt.Errorf("%w: payment intent %s has no checkout session", ErrIgnored, intentID)
}

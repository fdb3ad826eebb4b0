// Package stripe is Kaede's payment.Provider for Stripe, built on the
// official stripe-go library.
//
// The customer pays on a Stripe Checkout page in payment mode: a hosted
// page on Stripe's own origin (the "link type" of the Japanese Credit Card
// Security Guideline), so no card number, expiry or security code ever
// reaches Kaede. Kaede keeps the Checkout Session id, the card brand and
// the last four digits, nothing else.
//
// Every card payment is sent through EMV 3-D Secure
// (payment_method_options.card.request_three_d_secure = "any"): the
// guideline requires 3-D Secure on every EC card payment from April 2025,
// so Stripe's default of asking only when it judges the risk high or the
// issuer demands it is not enough. "any" still lets a frictionless issuer
// pass the customer without a challenge; "challenge" would force one on
// everybody.
//
// # The reference
//
// A payment's Ref is the Checkout Session id (cs_…). It has to be: since API
// version 2022-08-01 Stripe creates the session's PaymentIntent only when
// the customer confirms on the page, so no PaymentIntent id exists when
// Create returns. Get, Capture, Cancel and Refund retrieve the session and
// act on its PaymentIntent.
//
// # Webhooks
//
// Subscribe the endpoint to checkout.session.completed,
// checkout.session.async_payment_succeeded,
// checkout.session.async_payment_failed, checkout.session.expired,
// payment_intent.* and charge.refunded. Checkout Session events are decoded
// from the payload alone. PaymentIntent and Charge payloads do not name the
// Checkout Session, so VerifyWebhook looks the session up by its
// PaymentIntent (one API call) and reports the payment's current status,
// the same as Get; Stripe does not promise to deliver events in order, and
// the current status cannot be overtaken by an older event.
package stripe

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	stripe "github.com/stripe/stripe-go/v82"

	"kaede/internal/payment"
	"kaede/internal/shop"
)

// Config is what the Stripe provider needs. cmd/kaede fills it from the
// settings named on each field.
type Config struct {
	// SecretKey is KAEDE_STRIPE_SECRET_KEY: a secret key (sk_…) or, better,
	// a restricted key (rk_…) allowed to write Checkout Sessions,
	// PaymentIntents and Refunds and nothing else.
	SecretKey string
	// WebhookSecret is KAEDE_STRIPE_WEBHOOK_SECRET: the endpoint's signing
	// secret (whsec_…) from the Stripe dashboard.
	WebhookSecret string
	// BackendURL is KAEDE_STRIPE_BACKEND_URL, empty in production. Tests
	// point it at stripe-mock (e.g. http://127.0.0.1:12111).
	BackendURL string
	// HTTPClient makes the API calls; nil means stripe-go's default client
	// (80-second timeout).
	HTTPClient *http.Client
	// Clock tells the day a konbini voucher's days count from; nil means
	// shop.SystemClock.
	Clock shop.Clock
}

// Provider is the Stripe payment provider. It is safe for concurrent use.
type Provider struct {
	client        *stripe.Client
	webhookSecret string
	clock         shop.Clock
}

// Metadata keys Kaede sets on the Checkout Session (and its PaymentIntent),
// so that a payment can be traced to its order from the Stripe dashboard and
// a session event can be mapped without asking Stripe anything more.
const (
	metaOrder   = "kaede_order"
	metaCapture = "kaede_capture"
)

// New checks cfg and returns a provider. The errors name the setting that
// is wrong and never repeat a secret.
func New(cfg Config) (*Provider, error) {
	if !strings.HasPrefix(cfg.SecretKey, "sk_") && !strings.HasPrefix(cfg.SecretKey, "rk_") {
		return nil, errors.New("KAEDE_STRIPE_SECRET_KEY must be a Stripe secret key (sk_…) or restricted key (rk_…); a publishable key (pk_…) cannot create payments")
	}
	if !strings.HasPrefix(cfg.WebhookSecret, "whsec_") {
		return nil, errors.New("KAEDE_STRIPE_WEBHOOK_SECRET must be the webhook endpoint's signing secret (whsec_…)")
	}
	backend := &stripe.BackendConfig{
		HTTPClient: cfg.HTTPClient,
		// The library would otherwise log failed requests to stderr on its
		// own; every error is returned, wrapped, and logged by the caller
		// with Kaede's keys.
		LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull},
	}
	if cfg.BackendURL != "" {
		u, err := url.Parse(cfg.BackendURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("KAEDE_STRIPE_BACKEND_URL must be an absolute http or https URL, got %q", cfg.BackendURL)
		}
		backend.URL = stripe.String(cfg.BackendURL)
	}
	client := stripe.NewClient(cfg.SecretKey, stripe.WithBackends(stripe.NewBackendsWithConfig(backend)))
	if cfg.Clock == nil {
		cfg.Clock = shop.SystemClock
	}
	return &Provider{client: client, webhookSecret: cfg.WebhookSecret, clock: cfg.Clock}, nil
}

// Name is "stripe", as stored with each payment.
func (p *Provider) Name() string { return "stripe" }

// Create opens a Checkout Session for the order and returns its id as Ref
// and its page on checkout.stripe.com as RedirectURL.
//
// JPY is a zero-decimal currency at Stripe, so the amount in yen is sent as
// it is. The session offers exactly the order's method: card (always with
// 3-D Secure), konbini (Checkout shows the voucher; its PaymentIntent then
// requires action until the customer pays at the store, and
// expires_after_days ends it at 23:59 JST of the order's last day), or
// paypay (Checkout redirects to PayPay). Konbini and PayPay are captured
// at once.
func (p *Provider) Create(ctx context.Context, req payment.CreateRequest) (payment.Session, error) {
	successURL, err := validateCreate(req)
	if err != nil {
		return payment.Session{}, err
	}
	method := req.Method
	if method == "" {
		method = payment.MethodCard
	}
	name := "ご注文 " + req.OrderNumber
	meta := map[string]string{metaOrder: req.OrderNumber, metaCapture: string(req.Capture)}
	params := &stripe.CheckoutSessionCreateParams{
		Mode:               stripe.String(string(stripe.CheckoutSessionModePayment)),
		PaymentMethodTypes: []*string{stripe.String(method)},
		LineItems: []*stripe.CheckoutSessionCreateLineItemParams{{
			PriceData: &stripe.CheckoutSessionCreateLineItemPriceDataParams{
				Currency:    stripe.String(string(stripe.CurrencyJPY)),
				UnitAmount:  stripe.Int64(int64(req.Amount)),
				ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripe.String(name)},
			},
			Quantity: stripe.Int64(1),
		}},
		ClientReferenceID: stripe.String(req.OrderNumber),
		SuccessURL:        stripe.String(successURL),
		Metadata:          meta,
		PaymentIntentData: &stripe.CheckoutSessionCreatePaymentIntentDataParams{
			CaptureMethod: stripe.String(string(req.Capture)),
			Description:   stripe.String(name),
			Metadata:      map[string]string{metaOrder: req.OrderNumber},
		},
	}
	switch method {
	case payment.MethodCard:
		params.PaymentMethodOptions = &stripe.CheckoutSessionCreatePaymentMethodOptionsParams{
			Card: &stripe.CheckoutSessionCreatePaymentMethodOptionsCardParams{
				RequestThreeDSecure: stripe.String(string(stripe.CheckoutSessionPaymentMethodOptionsCardRequestThreeDSecureAny)),
			},
		}
	case payment.MethodKonbini:
		params.PaymentMethodOptions = &stripe.CheckoutSessionCreatePaymentMethodOptionsParams{
			Konbini: &stripe.CheckoutSessionCreatePaymentMethodOptionsKonbiniParams{
				ExpiresAfterDays: stripe.Int64(int64(voucherDays(req.VoucherExpiresAt, p.clock()))),
			},
		}
	}
	// The e-mail address prefills the page and goes to the issuer for
	// risk-based authentication. The name and phone number are not sent:
	// Checkout asks for the cardholder's name itself, and prefilling either
	// would need a Stripe Customer object per order.
	if req.Email != "" {
		params.CustomerEmail = stripe.String(req.Email)
	}
	if req.CancelURL != "" {
		params.CancelURL = stripe.String(req.CancelURL)
	}
	params.SetIdempotencyKey(req.IdempotencyKey)
	s, err := p.client.V1CheckoutSessions.Create(ctx, params)
	if err != nil {
		return payment.Session{}, fmt.Errorf("stripe: create checkout session for order %s: %w", req.OrderNumber, err)
	}
	if s.URL == "" {
		return payment.Session{}, fmt.Errorf("stripe: checkout session %s for order %s has no URL", s.ID, req.OrderNumber)
	}
	return payment.Session{Ref: s.ID, RedirectURL: s.URL}, nil
}

// validateCreate checks a request before anything is sent to Stripe and
// returns the success URL: ReturnURL with the session id added, which
// Stripe fills in itself when it redirects the customer.
func validateCreate(req payment.CreateRequest) (string, error) {
	problems := shop.Problems{}
	if req.OrderNumber == "" {
		problems.Add("order_number", shop.ReasonRequired)
	}
	if req.Amount <= 0 {
		problems.Add("amount", shop.ReasonRange)
	}
	if req.Capture != payment.CaptureAutomatic && req.Capture != payment.CaptureManual {
		problems.Add("capture", shop.ReasonChoice)
	}
	if req.IdempotencyKey == "" {
		problems.Add("idempotency_key", shop.ReasonRequired)
	}
	switch req.Method {
	case "", payment.MethodCard:
	case payment.MethodKonbini, payment.MethodPayPay:
		if req.Capture != payment.CaptureAutomatic {
			problems.Add("capture", shop.ReasonChoice)
		}
		if req.Method == payment.MethodKonbini && req.VoucherExpiresAt.IsZero() {
			problems.Add("voucher_expires_at", shop.ReasonRequired)
		}
	default:
		problems.Add("method", shop.ReasonChoice)
	}
	ret, err := absoluteURL(req.ReturnURL)
	if err != nil {
		problems.Add("return_url", shop.ReasonFormat)
	}
	if req.CancelURL != "" {
		if _, err := absoluteURL(req.CancelURL); err != nil {
			problems.Add("cancel_url", shop.ReasonFormat)
		}
	}
	if err := problems.Err(); err != nil {
		return "", fmt.Errorf("stripe: create payment: %w", err)
	}
	// Written by hand, not with url.Values: Stripe only substitutes the
	// literal, unescaped {CHECKOUT_SESSION_ID}.
	if ret.RawQuery != "" {
		ret.RawQuery += "&"
	}
	ret.RawQuery += "payment={CHECKOUT_SESSION_ID}"
	return ret.String(), nil
}

// voucherDays is Stripe's expires_after_days for a voucher that must end
// at expires: the calendar days in Tokyo from now's day to expires' day
// (Stripe ends a voucher at 23:59:59 JST of that day), within Stripe's
// 1 to 60.
func voucherDays(expires, now time.Time) int {
	day := func(t time.Time) time.Time {
		y, m, d := t.In(shop.JST).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	n := int(day(expires).Sub(day(now)) / (24 * time.Hour))
	return min(max(n, 1), 60)
}

func absoluteURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("not an absolute http(s) URL: %q", s)
	}
	return u, nil
}

// Get retrieves the Checkout Session with its PaymentIntent and latest
// charge and maps them to a status. A session Stripe does not know is a
// shop.NotFound error.
func (p *Provider) Get(ctx context.Context, ref string) (payment.Status, error) {
	s, err := p.session(ctx, ref)
	if err != nil {
		return payment.Status{}, err
	}
	return sessionStatus(s), nil
}

// session retrieves a Checkout Session with what sessionStatus needs.
func (p *Provider) session(ctx context.Context, ref string) (*stripe.CheckoutSession, error) {
	if !validRef(ref) {
		return nil, fmt.Errorf("stripe: payment %q: %w", ref, shop.Errorf(shop.NotFound, "no such payment"))
	}
	params := &stripe.CheckoutSessionRetrieveParams{}
	params.AddExpand("payment_intent")
	params.AddExpand("payment_intent.latest_charge")
	s, err := p.client.V1CheckoutSessions.Retrieve(ctx, ref, params)
	if err != nil {
		var se *stripe.Error
		if errors.As(err, &se) && se.HTTPStatusCode == http.StatusNotFound {
			return nil, fmt.Errorf("stripe: retrieve checkout session %s: %w (%v)", ref, shop.Errorf(shop.NotFound, "no such payment"), err)
		}
		return nil, fmt.Errorf("stripe: retrieve checkout session %s: %w", ref, err)
	}
	return s, nil
}

// validRef reports whether ref looks like a Checkout Session id. Anything
// else (a PaymentIntent id from an old record, a mistyped admin search)
// cannot be a Kaede Stripe payment and is not worth a round trip.
func validRef(ref string) bool {
	id, ok := strings.CutPrefix(ref, "cs_")
	if !ok || id == "" {
		return false
	}
	for _, c := range id {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// checkChange refuses a change without an idempotency key: a retried
// capture or refund without one could take or return the money twice.
func checkChange(action, ref string, amount shop.Yen, idempotencyKey string) error {
	if idempotencyKey == "" {
		return fmt.Errorf("stripe: %s %s: %w", action, ref, shop.Errorf(shop.Invalid, "an idempotency key is required"))
	}
	if amount <= 0 {
		return fmt.Errorf("stripe: %s %s: %w", action, ref, shop.Errorf(shop.Invalid, "the amount to %s must be positive", action))
	}
	return nil
}

// Capture takes amount of an authorised payment (all of it, or less: Stripe
// releases the rest).
func (p *Provider) Capture(ctx context.Context, ref string, amount shop.Yen, idempotencyKey string) (payment.Status, error) {
	if err := checkChange("capture", ref, amount, idempotencyKey); err != nil {
		return payment.Status{}, err
	}
	s, err := p.session(ctx, ref)
	if err != nil {
		return payment.Status{}, err
	}
	if s.PaymentIntent == nil {
		return payment.Status{}, fmt.Errorf("stripe: capture %s: %w", ref, shop.Errorf(shop.Conflict, "the customer has not paid yet"))
	}
	params := &stripe.PaymentIntentCaptureParams{AmountToCapture: stripe.Int64(int64(amount))}
	params.AddExpand("latest_charge")
	params.SetIdempotencyKey(idempotencyKey)
	pi, err := p.client.V1PaymentIntents.Capture(ctx, s.PaymentIntent.ID, params)
	if err != nil {
		return payment.Status{}, fmt.Errorf("stripe: capture %s (payment intent %s): %w", ref, s.PaymentIntent.ID, err)
	}
	s.PaymentIntent = pi
	return sessionStatus(s), nil
}

// Cancel releases a payment that was not captured. While the Checkout
// Session is open Stripe refuses to cancel its PaymentIntent directly, so
// the session is expired instead, which also stops the customer from paying
// on the page still open in their browser.
func (p *Provider) Cancel(ctx context.Context, ref string, idempotencyKey string) (payment.Status, error) {
	if idempotencyKey == "" {
		return payment.Status{}, fmt.Errorf("stripe: cancel %s: %w", ref, shop.Errorf(shop.Invalid, "an idempotency key is required"))
	}
	s, err := p.session(ctx, ref)
	if err != nil {
		return payment.Status{}, err
	}
	if s.Status == stripe.CheckoutSessionStatusOpen || s.PaymentIntent == nil {
		params := &stripe.CheckoutSessionExpireParams{}
		params.AddExpand("payment_intent")
		params.AddExpand("payment_intent.latest_charge")
		params.SetIdempotencyKey(idempotencyKey)
		expired, err := p.client.V1CheckoutSessions.Expire(ctx, ref, params)
		if err != nil {
			return payment.Status{}, fmt.Errorf("stripe: cancel %s (expire checkout session): %w", ref, err)
		}
		return sessionStatus(expired), nil
	}
	params := &stripe.PaymentIntentCancelParams{}
	params.AddExpand("latest_charge")
	params.SetIdempotencyKey(idempotencyKey)
	pi, err := p.client.V1PaymentIntents.Cancel(ctx, s.PaymentIntent.ID, params)
	if err != nil {
		return payment.Status{}, fmt.Errorf("stripe: cancel %s (payment intent %s): %w", ref, s.PaymentIntent.ID, err)
	}
	s.PaymentIntent = pi
	return sessionStatus(s), nil
}

// Refund gives back amount of a captured payment; several partial refunds
// may follow one another up to the captured amount.
func (p *Provider) Refund(ctx context.Context, ref string, amount shop.Yen, idempotencyKey string) (payment.Status, error) {
	if err := checkChange("refund", ref, amount, idempotencyKey); err != nil {
		return payment.Status{}, err
	}
	s, err := p.session(ctx, ref)
	if err != nil {
		return payment.Status{}, err
	}
	if s.PaymentIntent == nil {
		return payment.Status{}, fmt.Errorf("stripe: refund %s: %w", ref, shop.Errorf(shop.Conflict, "nothing was paid"))
	}
	params := &stripe.RefundCreateParams{
		PaymentIntent: stripe.String(s.PaymentIntent.ID),
		Amount:        stripe.Int64(int64(amount)),
		Metadata:      map[string]string{metaOrder: s.Metadata[metaOrder]},
	}
	// The refund's PaymentIntent, expanded, already shows the refunded
	// amount on its charge: no second round trip for the new status.
	params.AddExpand("payment_intent")
	params.AddExpand("payment_intent.latest_charge")
	params.SetIdempotencyKey(idempotencyKey)
	r, err := p.client.V1Refunds.Create(ctx, params)
	if err != nil {
		return payment.Status{}, fmt.Errorf("stripe: refund %s (payment intent %s): %w", ref, s.PaymentIntent.ID, err)
	}
	if r.PaymentIntent == nil || r.PaymentIntent.LatestCharge == nil {
		// Not expanded after all: ask again rather than report the
		// amounts from before the refund.
		return p.Get(ctx, ref)
	}
	s.PaymentIntent = r.PaymentIntent
	return sessionStatus(s), nil
}

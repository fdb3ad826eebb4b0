// Package payment is how Kaede takes card payments without ever seeing a
// card: the customer types the card on the provider's own origin, the
// provider tells us what happened (a signed webhook, and a status query we
// can make at any time), and we keep the provider's reference, the brand
// and the last four digits. Nothing else of a card exists in Kaede.
//
// The shape follows what mature platforms converged on (Saleor's
// transactions, Medusa's payment sessions): create a payment for an order;
// the customer completes it at the provider, perhaps after a 3-D Secure
// challenge; the provider confirms; the payment is authorised, captured,
// declined, failed or cancelled; refunds are full or partial.
package payment

import (
	"context"
	"errors"
	"time"

	"kaede/internal/shop"
)

// State is where a card payment is in its life, as the provider reports it.
type State string

// The states of a card payment. They match the payments.state column.
const (
	Pending           State = "pending"         // created; the customer has not finished
	RequiresAction    State = "requires_action" // a 3-D Secure challenge is waiting
	Authorized        State = "authorized"      // the amount is held, not yet taken
	Captured          State = "captured"        // the money is taken
	Declined          State = "declined"        // the issuer said no
	Failed            State = "failed"          // 3-D Secure failed, or a processing error
	Cancelled         State = "cancelled"       // the authorisation was released
	Refunded          State = "refunded"        // all of it went back
	PartiallyRefunded State = "partially_refunded"
)

// Final reports whether no further change can come from the customer's
// side: only the shop's own capture, cancel or refund can follow.
func (s State) Final() bool {
	switch s {
	case Pending, RequiresAction:
		return false
	}
	return true
}

// Succeeded reports whether the payment holds or has taken the money.
func (s State) Succeeded() bool {
	return s == Authorized || s == Captured || s == PartiallyRefunded || s == Refunded
}

// CaptureMode is when the money is taken: at order time, or at shipment
// (an authorisation is held until the shop captures it).
type CaptureMode string

// The two capture modes; a store setting chooses one.
const (
	CaptureAutomatic CaptureMode = "automatic"
	CaptureManual    CaptureMode = "manual"
)

// CreateRequest asks the provider for a payment of one order.
type CreateRequest struct {
	OrderNumber string
	Amount      shop.Yen // JPY has no minor unit: 1 means ¥1
	// The card holder's details the provider passes to the issuer for
	// 3-D Secure risk-based authentication (consented to in the terms).
	Email string
	Name  string
	Phone string
	// ReturnURL is where the provider sends the customer back, whatever
	// the outcome; the store then asks the provider for the status.
	ReturnURL string
	// CancelURL is where a customer who gives up is sent.
	CancelURL      string
	Capture        CaptureMode
	IdempotencyKey string
	// Method is how the customer pays at the provider: MethodCard (""
	// means card), MethodKonbini (a voucher paid at a convenience store's
	// till, later) or MethodPayPay (approved in the PayPay app). Konbini
	// and PayPay are always captured at once.
	Method string
	// VoucherExpiresAt is the last day a konbini voucher can be paid
	// (the provider ends it at 23:59:59 JST that day); konbini only.
	VoucherExpiresAt time.Time
}

// The methods a provider payment may use, as CreateRequest.Method names
// them (the order's payment method of the same name).
const (
	MethodCard    = "card"
	MethodKonbini = "konbini"
	MethodPayPay  = "paypay"
)

// Voucher is a konbini payment's voucher: the number the customer tells
// the clerk, the provider's page with the steps per store chain, and the
// time it expires. Nothing of it can pay anything else.
type Voucher struct {
	Number    string
	URL       string
	ExpiresAt time.Time
}

// Session is a created payment: the provider's reference and the page on
// the provider's origin where the customer enters the card.
type Session struct {
	Ref         string
	RedirectURL string
	// Voucher is the konbini voucher when the provider issues it at once
	// (the test gateway); otherwise a later Status carries it.
	Voucher *Voucher
}

// Status is what the provider says of a payment.
type Status struct {
	Ref   string
	State State
	// Amount is what the provider holds as the payment's amount, and
	// Currency its ISO 4217 code as the provider writes it ("jpy"); ""
	// when the provider does not say (the test gateway takes yen only).
	// The store refuses a status whose amount or currency is not the
	// order's (cardpay).
	Amount   shop.Yen
	Currency string
	Captured shop.Yen
	Refunded shop.Yen
	Brand    string // visa, mastercard, jcb, amex, diners…
	Last4    string
	// Reason is the provider's decline or failure code, for the shop's
	// records and monitoring only: a customer is told "declined", never why,
	// so that card testers learn nothing.
	Reason string
	// Voucher is a konbini payment's voucher, once issued.
	Voucher *Voucher
}

// ErrIgnored is what VerifyWebhook wraps for a genuine, correctly signed
// webhook that says nothing about a payment the store made (another event
// type): the store answers it 2xx, so that the provider stops sending it,
// and changes nothing.
var ErrIgnored = errors.New("payment: webhook event ignored")

// Event is a verified webhook: something happened to a payment.
type Event struct {
	ID      string // the provider's event id: the same event twice changes nothing twice
	Ref     string
	Status  Status
	Created time.Time
}

// Provider is a payment provider: the built-in test gateway, or Stripe.
// Every call that changes something carries an idempotency key, so that a
// retried request never charges, captures or refunds twice.
type Provider interface {
	// Name is the provider's name as stored with each payment.
	Name() string
	// Create starts a payment and returns where to send the customer.
	Create(ctx context.Context, req CreateRequest) (Session, error)
	// Get asks the provider for the current status of a payment.
	Get(ctx context.Context, ref string) (Status, error)
	// Capture takes amount of an authorised payment.
	Capture(ctx context.Context, ref string, amount shop.Yen, idempotencyKey string) (Status, error)
	// Cancel releases an authorisation that was not captured.
	Cancel(ctx context.Context, ref string, idempotencyKey string) (Status, error)
	// Refund gives back amount (all or part) of a captured payment.
	Refund(ctx context.Context, ref string, amount shop.Yen, idempotencyKey string) (Status, error)
	// WebhookHeader names the HTTP header that carries the signature.
	WebhookHeader() string
	// VerifyWebhook checks the signature and age of a webhook and decodes
	// it. A bad signature, a stale timestamp or a malformed body is an
	// error; replays are the caller's to refuse, by Event.ID.
	VerifyWebhook(payload []byte, signature string, now time.Time) (Event, error)
}

// Package gateway is Kaede's built-in test payment provider: a small but
// working card gateway of the link type (the provider's own payment page),
// which runs on its own origin, and the Client through which the store
// talks to it.
//
// The store never sees a card. It creates a payment over the merchant API
// (POST /v1/payments, bearer key, Idempotency-Key on every POST), sends the
// customer to the hosted card page (GET /pay/{id}), and learns the outcome
// from a signed webhook (header Kaede-Gateway-Signature) and from
// GET /v1/payments/{id}. The gateway itself keeps only the brand and the
// last four digits: the number, the expiry and the security code live in
// one request's memory and are never stored, logged, or put in a response,
// a redirect or a webhook.
//
// Every card payment goes through EMV 3-D Secure. Most cards authenticate
// without bothering the customer (the risk-based, "frictionless" flow);
// some are challenged for a one-time code on /3ds/{id}. The test code is
// 123456.
//
// # Test cards
//
// Any expiry that has not passed, any name, and a 3-digit security code
// (4 digits for American Express). The same table is TestCards.
//
//	4242 4242 4242 4242  visa        succeeds, no challenge
//	5555 5555 5555 4444  mastercard  succeeds, no challenge
//	3530 1113 3330 0000  jcb         succeeds, no challenge
//	3782 822463 10005    amex        succeeds, no challenge (4-digit code)
//	4000 0000 0000 3220  visa        3-D Secure challenge; 123456 passes, then succeeds
//	4000 0084 0000 1629  visa        3-D Secure challenge that always fails (failed, authentication_failed)
//	4000 0000 0000 0002  visa        declined, generic_decline
//	4000 0000 0000 9995  visa        declined, insufficient_funds
//	4000 0000 0000 0069  visa        declined, expired_card
//	4000 0000 0000 0127  visa        declined, incorrect_cvc
//	4000 0000 0000 0119  visa        failed, processing_error
//
// Any other number that passes the Luhn check succeeds without a
// challenge. The customer is told only that the card could not be used
// (カードがご利用いただけませんでした), never why; the reason goes to the
// shop, in the API and the webhook, for its records and its card-testing
// monitor.
//
// # Konbini and PayPay
//
// A payment created with method "konbini" (and voucher_expires_at, at most
// 60 days ahead) has a voucher: an 11-digit payment number, shown with
// the expiry on GET /pay/{id} instead of the card form. Its clerk button
// (POST /pay/{id}/clerk) plays the store's till and captures the payment
// until the voucher expires; after that the page says it has expired and
// only the store's cancel ends it. A payment with method "paypay" shows
// an approval page: POST /pay/{id}/approve captures it and sends the
// customer back, the cancel button cancels it. Both are captured at once
// (capture "automatic" only), and every change sends the usual webhook.
//
// # States
//
// pending → requires_action (challenge) → authorized, or captured at once
// when the payment was created with capture "automatic"; or declined,
// failed. An authorized payment is captured (in full or in part) or
// cancelled; a pending one may be cancelled too (the customer's cancel
// button does that). A captured payment is refunded in part or in full.
// Every change sends a payment.updated webhook.
//
// # Persistence
//
// With Config.DataFile set, payments, idempotency records and webhook
// events are kept in that JSON file (mode 0600, replaced atomically on
// every change), so the gateway survives a restart and delivers webhooks
// that were still pending. Without it everything lives in memory.
package gateway

package stripe_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82/webhook"

	"kaede/internal/payment"
	"kaede/internal/payment/stripe"
)

const (
	testKey    = "sk_test_kaede"
	testSecret = "whsec_kaede_test_secret"
)

// signedAtTime is when the test webhooks are signed; now in most cases.
var signedAtTime = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// offlineProvider returns a provider for tests that must not reach any
// server: its backend is a port nobody listens on.
func offlineProvider(tb testing.TB) *stripe.Provider {
	tb.Helper()
	p, err := stripe.New(stripe.Config{SecretKey: testKey, WebhookSecret: testSecret, BackendURL: "http://127.0.0.1:1"})
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return p
}

// sign returns a Stripe-Signature header for payload, computed the way
// Stripe documents it (HMAC-SHA256 of "t.payload"), independently of
// stripe-go.
func sign(tb testing.TB, payload []byte, secret string, at time.Time) string {
	tb.Helper()
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "%d.", at.Unix())
	mac.Write(payload)
	return fmt.Sprintf("t=%d,v1=%s", at.Unix(), hex.EncodeToString(mac.Sum(nil)))
}

// event returns the JSON of a Stripe event of type typ about object. The
// API version is an old one on purpose: the endpoint's version need not be
// stripe-go's.
func event(tb testing.TB, id, typ string, object map[string]any) []byte {
	tb.Helper()
	b, err := json.Marshal(map[string]any{
		"id":          id,
		"object":      "event",
		"api_version": "2024-06-20",
		"created":     signedAtTime.Unix(),
		"livemode":    false,
		"type":        typ,
		"data":        map[string]any{"object": object},
	})
	if err != nil {
		tb.Fatalf("marshal event: %v", err)
	}
	return b
}

// session returns a Checkout Session object as a webhook carries it: the
// PaymentIntent is an id only.
func session(status, paymentStatus, capture string) map[string]any {
	return map[string]any{
		"id":                  "cs_test_a1",
		"object":              "checkout.session",
		"mode":                "payment",
		"status":              status,
		"payment_status":      paymentStatus,
		"amount_total":        12800,
		"currency":            "jpy",
		"client_reference_id": "K-20250601-0001",
		"payment_intent":      "pi_test_1",
		"metadata":            map[string]any{"kaede_order": "K-20250601-0001", "kaede_capture": capture},
	}
}

func TestVerifyWebhookCheckoutEvents(t *testing.T) {
	p := offlineProvider(t)
	tests := []struct {
		name         string
		typ          string
		object       map[string]any
		wantState    payment.State
		wantCaptured int64
	}{
		{"completed and paid", "checkout.session.completed", session("complete", "paid", "automatic"), payment.Captured, 12800},
		{"completed, manual capture", "checkout.session.completed", session("complete", "unpaid", "manual"), payment.Authorized, 0},
		{"completed, not yet paid", "checkout.session.completed", session("complete", "unpaid", "automatic"), payment.Pending, 0},
		{"async payment succeeded", "checkout.session.async_payment_succeeded", session("complete", "paid", "automatic"), payment.Captured, 12800},
		{"async payment failed", "checkout.session.async_payment_failed", session("complete", "unpaid", "automatic"), payment.Failed, 0},
		{"expired", "checkout.session.expired", session("expired", "unpaid", "automatic"), payment.Cancelled, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := event(t, "evt_1", tt.typ, tt.object)
			ev, err := p.VerifyWebhook(body, sign(t, body, testSecret, signedAtTime), signedAtTime.Add(30*time.Second))
			if err != nil {
				t.Fatalf("VerifyWebhook: %v", err)
			}
			if ev.ID != "evt_1" {
				t.Errorf("ID=%q, want evt_1", ev.ID)
			}
			if ev.Ref != "cs_test_a1" || ev.Status.Ref != "cs_test_a1" {
				t.Errorf("Ref=%q Status.Ref=%q, want cs_test_a1 (what Create returns)", ev.Ref, ev.Status.Ref)
			}
			if !ev.Created.Equal(signedAtTime) {
				t.Errorf("Created=%s, want %s", ev.Created, signedAtTime)
			}
			if ev.Status.State != tt.wantState {
				t.Errorf("State=%q, want %q", ev.Status.State, tt.wantState)
			}
			if ev.Status.Amount != 12800 || ev.Status.Currency != "jpy" {
				t.Errorf("Amount=%d Currency=%q, want 12800 jpy (the store compares both with the order's)", ev.Status.Amount, ev.Status.Currency)
			}
			if int64(ev.Status.Captured) != tt.wantCaptured {
				t.Errorf("Captured=%d, want %d", ev.Status.Captured, tt.wantCaptured)
			}
		})
	}
}

func TestVerifyWebhookRejects(t *testing.T) {
	p := offlineProvider(t)
	body := event(t, "evt_1", "checkout.session.completed", session("complete", "paid", "automatic"))
	good := sign(t, body, testSecret, signedAtTime)
	goodSig := good[strings.Index(good, "v1="):]
	tests := []struct {
		name    string
		payload []byte
		header  string
		now     time.Time
		want    error
	}{
		{"wrong secret", body, sign(t, body, "whsec_someone_else", signedAtTime), signedAtTime, webhook.ErrNoValidSignature},
		{"payload changed after signing", []byte(strings.Replace(string(body), "12800", "1", 1)), good, signedAtTime, webhook.ErrNoValidSignature},
		{"timestamp changed after signing", body, fmt.Sprintf("t=%d,%s", signedAtTime.Unix()+1, goodSig), signedAtTime, webhook.ErrNoValidSignature},
		{"stale", body, good, signedAtTime.Add(stripe.WebhookTolerance + time.Second), stripe.ErrOutsideTolerance},
		{"from the future", body, good, signedAtTime.Add(-stripe.WebhookTolerance - time.Second), stripe.ErrOutsideTolerance},
		{"no header", body, "", signedAtTime, webhook.ErrNotSigned},
		{"garbled header", body, "garbage", signedAtTime, webhook.ErrInvalidHeader},
		{"timestamp not a number", body, "t=noon," + goodSig, signedAtTime, webhook.ErrInvalidHeader},
		{"no v1 signature", body, fmt.Sprintf("t=%d,v0=abcd", signedAtTime.Unix()), signedAtTime, webhook.ErrNoValidSignature},
		{"two timestamps", body, fmt.Sprintf("t=%d,", signedAtTime.Unix()-3600) + good, signedAtTime, webhook.ErrInvalidHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := p.VerifyWebhook(tt.payload, tt.header, tt.now)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err=%v, want %v", err, tt.want)
			}
		})
	}
}

func TestVerifyWebhookTolerance(t *testing.T) {
	p := offlineProvider(t)
	body := event(t, "evt_1", "checkout.session.completed", session("complete", "paid", "automatic"))
	header := sign(t, body, testSecret, signedAtTime)
	for _, skew := range []time.Duration{stripe.WebhookTolerance, -stripe.WebhookTolerance, 0} {
		if _, err := p.VerifyWebhook(body, header, signedAtTime.Add(skew)); err != nil {
			t.Errorf("now = signed %+v: %v, want accepted", skew, err)
		}
	}
}

func TestVerifyWebhookRolledSecret(t *testing.T) {
	// While a secret is rolled Stripe signs with both; one valid v1 is enough.
	p := offlineProvider(t)
	body := event(t, "evt_1", "checkout.session.completed", session("complete", "paid", "automatic"))
	old := sign(t, body, "whsec_old", signedAtTime)
	cur := sign(t, body, testSecret, signedAtTime)
	header := old + "," + cur[strings.Index(cur, "v1="):]
	if _, err := p.VerifyWebhook(body, header, signedAtTime); err != nil {
		t.Fatalf("VerifyWebhook: %v", err)
	}
}

func TestVerifyWebhookIgnoresOtherEvents(t *testing.T) {
	p := offlineProvider(t)
	for _, typ := range []string{"customer.created", "invoice.paid", "checkout.session.async_payment_pending"} {
		body := event(t, "evt_2", typ, map[string]any{"id": "cus_1", "object": "customer"})
		_, err := p.VerifyWebhook(body, sign(t, body, testSecret, signedAtTime), signedAtTime)
		if !errors.Is(err, stripe.ErrIgnored) {
			t.Errorf("%s: err=%v, want ErrIgnored", typ, err)
		}
	}
}

func TestVerifyWebhookMalformedBody(t *testing.T) {
	p := offlineProvider(t)
	for name, body := range map[string][]byte{
		"not JSON":         []byte("{not json"),
		"no id":            []byte(`{"object":"event","type":"checkout.session.completed","data":{"object":{"id":"cs_1"}}}`),
		"no data":          []byte(`{"id":"evt_1","object":"event","type":"checkout.session.completed"}`),
		"session bad":      []byte(`{"id":"evt_1","object":"event","type":"checkout.session.completed","data":{"object":{"id":7}}}`),
		"session no id":    []byte(`{"id":"evt_1","object":"event","type":"checkout.session.completed","data":{"object":{"object":"checkout.session"}}}`),
		"intent no id":     []byte(`{"id":"evt_1","object":"event","type":"payment_intent.succeeded","data":{"object":{"object":"payment_intent"}}}`),
		"charge no intent": []byte(`{"id":"evt_1","object":"event","type":"charge.refunded","data":{"object":{"id":"ch_1","object":"charge"}}}`),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := p.VerifyWebhook(body, sign(t, body, testSecret, signedAtTime), signedAtTime)
			if err == nil {
				t.Fatal("accepted, want an error")
			}
			if name != "charge no intent" && errors.Is(err, stripe.ErrIgnored) {
				t.Fatalf("err=%v: a malformed event must not be ignored silently", err)
			}
		})
	}
}

package stripe_test

import (
	"context"
	"strings"
	"testing"

	"kaede/internal/payment"
	"kaede/internal/payment/stripe"
	"kaede/internal/shop"
)

// The provider is what checkout and order code will hold as a
// payment.Provider.
var _ payment.Provider = (*stripe.Provider)(nil)

func TestNewValidatesConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     stripe.Config
		setting string // "" means the config is valid
		secret  string // must not appear in the message
	}{
		{"secret key", stripe.Config{SecretKey: "sk_test_1", WebhookSecret: "whsec_1"}, "", ""},
		{"restricted key", stripe.Config{SecretKey: "rk_live_1", WebhookSecret: "whsec_1"}, "", ""},
		{"stripe-mock backend", stripe.Config{SecretKey: "sk_test_1", WebhookSecret: "whsec_1", BackendURL: "http://127.0.0.1:12111"}, "", ""},
		{"no key", stripe.Config{WebhookSecret: "whsec_1"}, "KAEDE_STRIPE_SECRET_KEY", ""},
		{"publishable key", stripe.Config{SecretKey: "pk_live_secretish", WebhookSecret: "whsec_1"}, "KAEDE_STRIPE_SECRET_KEY", "pk_live_secretish"},
		{"no webhook secret", stripe.Config{SecretKey: "sk_test_1"}, "KAEDE_STRIPE_WEBHOOK_SECRET", ""},
		{"webhook secret of another kind", stripe.Config{SecretKey: "sk_test_1", WebhookSecret: "sk_test_oops"}, "KAEDE_STRIPE_WEBHOOK_SECRET", "sk_test_oops"},
		{"relative backend", stripe.Config{SecretKey: "sk_test_1", WebhookSecret: "whsec_1", BackendURL: "localhost:12111"}, "KAEDE_STRIPE_BACKEND_URL", ""},
		{"backend of another scheme", stripe.Config{SecretKey: "sk_test_1", WebhookSecret: "whsec_1", BackendURL: "ftp://127.0.0.1"}, "KAEDE_STRIPE_BACKEND_URL", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := stripe.New(tt.cfg)
			if tt.setting == "" {
				if err != nil || p == nil {
					t.Fatalf("New: %v, want a provider", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("New accepted the config, want an error naming %s", tt.setting)
			}
			if !strings.Contains(err.Error(), tt.setting) {
				t.Errorf("err=%q, want it to name %s", err, tt.setting)
			}
			if tt.secret != "" && strings.Contains(err.Error(), tt.secret) {
				t.Errorf("err=%q repeats the secret", err)
			}
		})
	}
}

func TestNames(t *testing.T) {
	p := offlineProvider(t)
	if got := p.Name(); got != "stripe" {
		t.Errorf("Name()=%q, want stripe", got)
	}
	if got := p.WebhookHeader(); got != "Stripe-Signature" {
		t.Errorf("WebhookHeader()=%q, want Stripe-Signature", got)
	}
}

// validCreate is a request that passes validation.
func validCreate() payment.CreateRequest {
	return payment.CreateRequest{
		OrderNumber:    "K-20250601-0001",
		Amount:         12800,
		Email:          "hanako@example.jp",
		Name:           "山田 花子",
		ReturnURL:      "https://kaede.example/checkout/return?order=K-20250601-0001",
		CancelURL:      "https://kaede.example/checkout",
		Capture:        payment.CaptureAutomatic,
		IdempotencyKey: "create-K-20250601-0001",
	}
}

func TestCreateValidates(t *testing.T) {
	// Validation happens before any request: the offline provider would
	// fail with a connection error otherwise.
	p := offlineProvider(t)
	tests := []struct {
		field  string
		change func(*payment.CreateRequest)
	}{
		{"order_number", func(r *payment.CreateRequest) { r.OrderNumber = "" }},
		{"amount", func(r *payment.CreateRequest) { r.Amount = 0 }},
		{"amount", func(r *payment.CreateRequest) { r.Amount = -1 }},
		{"capture", func(r *payment.CreateRequest) { r.Capture = "later" }},
		{"idempotency_key", func(r *payment.CreateRequest) { r.IdempotencyKey = "" }},
		{"return_url", func(r *payment.CreateRequest) { r.ReturnURL = "" }},
		{"return_url", func(r *payment.CreateRequest) { r.ReturnURL = "/checkout/return" }},
		{"cancel_url", func(r *payment.CreateRequest) { r.CancelURL = "javascript:alert(1)" }},
	}
	for _, tt := range tests {
		req := validCreate()
		tt.change(&req)
		_, err := p.Create(context.Background(), req)
		if code := shop.ErrorCode(err); code != shop.Invalid {
			t.Errorf("%s: code=%q (err=%v), want %q", tt.field, code, err, shop.Invalid)
			continue
		}
		if _, ok := shop.ErrorFields(err)[tt.field]; !ok {
			t.Errorf("%s: fields=%v, want %s named", tt.field, shop.ErrorFields(err), tt.field)
		}
	}
}

func TestRefsOfOtherKindsAreNotFound(t *testing.T) {
	// A Ref is a Checkout Session id; anything else is refused before a
	// request is made (the offline provider cannot make one).
	p := offlineProvider(t)
	ctx := context.Background()
	for _, ref := range []string{"", "pi_123", "ch_123", "../../v1/customers"} {
		if _, err := p.Get(ctx, ref); shop.ErrorCode(err) != shop.NotFound {
			t.Errorf("Get(%q): err=%v, want not found", ref, err)
		}
		if _, err := p.Refund(ctx, ref, 100, "k"); shop.ErrorCode(err) != shop.NotFound {
			t.Errorf("Refund(%q): err=%v, want not found", ref, err)
		}
	}
	if _, err := p.Capture(ctx, "cs_test_1", 0, "k"); shop.ErrorCode(err) != shop.Invalid {
		t.Errorf("Capture of ¥0: err=%v, want invalid", err)
	}
	if _, err := p.Refund(ctx, "cs_test_1", -5, "k"); shop.ErrorCode(err) != shop.Invalid {
		t.Errorf("Refund of -¥5: err=%v, want invalid", err)
	}
}

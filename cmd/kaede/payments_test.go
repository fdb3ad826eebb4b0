package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"kaede/internal/order"
	"kaede/internal/payment"
	"kaede/internal/payment/gateway"
	"kaede/internal/secevent"
	"kaede/internal/shop"
	"kaede/internal/web"
)

// TestDemoTakesCardsThroughItsGateway runs the demo with its own test
// gateway and pays a card order through the gateway's page, as a browser
// would, until the store says paid; on SQLite and on PostgreSQL.
func TestDemoTakesCardsThroughItsGateway(t *testing.T) {
	eachDatabase(t, testDemoTakesCardsThroughItsGateway)
}

func testDemoTakesCardsThroughItsGateway(t *testing.T, cfg Config) {
	dir := cfg.DataDir
	cfg.Card = CardConfig{Provider: "gateway", RunGateway: true}
	m := start(t, cfg)
	defer m.Close()
	gw := m.Config.Card.GatewayURL
	if gw == "" || gw == m.URL() {
		t.Fatalf("gateway URL %q", gw)
	}
	for _, name := range []string{"gateway-api-key", "gateway-webhook-secret"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v", name, err)
		}
	}
	base := m.URL()
	var list struct {
		Products []struct {
			PractitionersOnly bool `json:"practitioners_only"`
			Variants          []struct {
				SKU     string `json:"sku"`
				InStock bool   `json:"in_stock"`
			} `json:"variants"`
		} `json:"products"`
	}
	getJSON(t, base+"/api/v1/products?limit=100", &list)
	sku := ""
	for _, p := range list.Products {
		for _, v := range p.Variants {
			if !p.PractitionersOnly && v.InStock && sku == "" {
				sku = v.SKU
			}
		}
	}
	var c struct{ ID string }
	postJSON(t, base+"/api/v1/carts", map[string]any{}, &c)
	postJSON(t, base+"/api/v1/carts/"+c.ID+"/items", map[string]any{"sku": sku, "quantity": 1}, nil)
	var placed struct {
		Order struct {
			Number      string `json:"number"`
			Status      string `json:"status"`
			AccessToken string `json:"access_token"`
		} `json:"order"`
		NextAction struct{ URL string } `json:"next_action"`
	}
	started := time.Now()
	code := postJSON(t, base+"/api/v1/carts/"+c.ID+"/checkout", map[string]any{
		"email": "buyer@example.jp",
		"shipping_address": map[string]any{"name": "鈴木 花子", "name_kana": "スズキ ハナコ", "postal_code": "530-0001",
			"prefecture": "大阪府", "city": "大阪市北区", "line1": "梅田1-1-1", "phone": "06-1234-5678"},
		"payment_method": "card",
	}, &placed)
	if code != 201 || placed.Order.Status != "awaiting_payment" || !strings.HasPrefix(placed.NextAction.URL, gw+"/pay/") {
		t.Fatalf("checkout: %d %+v", code, placed)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noRedirect.Get(placed.NextAction.URL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m1 := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindSubmatch(page)
	if m1 == nil {
		t.Fatalf("no card form: %s", page)
	}
	res, err = noRedirect.PostForm(placed.NextAction.URL, url.Values{"csrf_token": {string(m1[1])},
		"name": {"HANAKO SUZUKI"}, "number": {"4242 4242 4242 4242"}, "expiry": {"12/39"}, "csc": {"123"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	back := res.Header.Get("Location")
	if !strings.HasPrefix(back, base+"/orders/"+placed.Order.Number+"/payment?") {
		t.Fatalf("gateway sent the customer to %q", back)
	}
	if res, err = noRedirect.Get(back); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var got struct {
		Order struct {
			Status  string `json:"status"`
			Payment struct{ State, Last4 string }
		} `json:"order"`
	}
	req, _ := http.NewRequest("GET", base+"/api/v1/orders/"+placed.Order.Number, nil)
	req.Header.Set("Authorization", "Bearer "+placed.Order.AccessToken)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil || got.Order.Status != "paid" || got.Order.Payment.Last4 != "4242" {
		t.Fatalf("order after payment: %+v %v", got, err)
	}
	t.Logf("card checkout through the demo's gateway, API to paid: %s", time.Since(started))
}

func TestCardConfigNamesTheSetting(t *testing.T) {
	good := Config{Addr: "127.0.0.1:8080", DataDir: "d", MailFrom: "shop@example.jp", Secret: strings.Repeat("s", 32)}
	good.finish()
	tests := []struct {
		name string
		card CardConfig
		want string
	}{
		{"provider", CardConfig{Provider: "paypal"}, "KAEDE_PAYMENT_PROVIDER"},
		{"capture", CardConfig{Capture: "later"}, "KAEDE_CARD_CAPTURE"},
		{"ttl", CardConfig{OrderTTL: time.Second}, "KAEDE_CARD_ORDER_TTL"},
		{"gateway url", CardConfig{Provider: "gateway"}, "KAEDE_GATEWAY_URL"},
		{"gateway key", CardConfig{Provider: "gateway", GatewayURL: "http://127.0.0.1:8081"}, "KAEDE_GATEWAY_API_KEY"},
		{"gateway secret", CardConfig{Provider: "gateway", GatewayURL: "http://127.0.0.1:8081", GatewayAPIKey: strings.Repeat("k", 32)}, "KAEDE_GATEWAY_WEBHOOK_SECRET"},
		{"stripe key", CardConfig{Provider: "stripe", StripeSecretKey: "pk_test_x", StripeWebhookSecret: "whsec_x"}, "KAEDE_STRIPE_SECRET_KEY"},
		{"stripe webhook", CardConfig{Provider: "stripe", StripeSecretKey: "sk_test_x"}, "KAEDE_STRIPE_WEBHOOK_SECRET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good
			c.Card = tt.card
			c.Card.finish()
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err=%v, want one naming %s", err, tt.want)
			}
		})
	}
}

// TestProviderAmountMismatchAlerts: a correctly signed webhook from the
// demo's gateway saying a card order was paid ¥1 is refused (the order stays
// awaiting payment) and raises a critical security event that reaches the
// security staff's outbox and the alert webhook; on SQLite and on
// PostgreSQL.
func TestProviderAmountMismatchAlerts(t *testing.T) {
	eachDatabase(t, func(t *testing.T, cfg Config) {
		hook := newAlertReceiver(t)
		cfg.AlertWebhookURL, cfg.AlertWebhookSecret = hook.srv.URL, hook.secret
		cfg.Card = CardConfig{Provider: "gateway", RunGateway: true}
		m := start(t, cfg)
		defer m.Close()
		var out, errOut bytes.Buffer
		if err := runStaff(context.Background(), []string{"add", "--database", m.Config.DatabaseURL, "--data", cfg.DataDir,
			"--demo", "--email", "security@example.jp", "--role", "owner", "--admin-url", m.URL()}, &out, &errOut); err != nil {
			t.Fatalf("staff add: %v\n%s", err, errOut.String())
		}
		base := m.URL()
		var c struct{ ID string }
		postJSON(t, base+"/api/v1/carts", map[string]any{}, &c)
		postJSON(t, base+"/api/v1/carts/"+c.ID+"/items", map[string]any{"sku": buyableProduct(t, base).SKU, "quantity": 1}, nil)
		var placed struct {
			Order struct {
				Number string   `json:"number"`
				Total  shop.Yen `json:"total"`
			} `json:"order"`
			NextAction struct{ URL string } `json:"next_action"`
		}
		if code := postJSON(t, base+"/api/v1/carts/"+c.ID+"/checkout", map[string]any{
			"email": "buyer@example.jp",
			"shipping_address": map[string]any{"name": "鈴木 花子", "name_kana": "スズキ ハナコ", "postal_code": "530-0001",
				"prefecture": "大阪府", "city": "大阪市北区", "line1": "梅田1-1-1", "phone": "06-1234-5678"},
			"payment_method": "card",
		}, &placed); code != http.StatusCreated {
			t.Fatalf("checkout: %d", code)
		}
		ref := placed.NextAction.URL[strings.LastIndex(placed.NextAction.URL, "/")+1:]

		now := time.Now()
		body := must(json.Marshal(gateway.WebhookEvent{ID: "evt_one_yen", Type: gateway.EventPaymentUpdated, Created: now.Unix(),
			Payment: gateway.Payment{ID: ref, Order: placed.Order.Number, State: payment.Captured, Amount: 1, Captured: 1,
				Brand: "visa", Last4: "4242", Capture: payment.CaptureAutomatic}}))
		req := must(http.NewRequest(http.MethodPost, base+web.WebhookPath(gateway.Name), bytes.NewReader(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(gateway.SignatureHeader, gateway.Sign(m.Config.Card.GatewayWebhookSecret, now, body))
		res := must(http.DefaultClient.Do(req))
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("webhook: %d, want 200 (accepted, refused inside)", res.StatusCode)
		}

		o, err := m.svc.orders.Get(t.Context(), placed.Order.Number)
		if err != nil || o.Status != order.AwaitingPayment {
			t.Fatalf("order after a ¥1 webhook: %v %v, want awaiting payment", o.Status, err)
		}
		evs, err := m.svc.events.List(t.Context(), secevent.Filter{Kind: secevent.KindAmountMismatch})
		if err != nil || len(evs) != 1 || evs[0].Severity != secevent.Critical ||
			!strings.Contains(evs[0].Summary, placed.Order.Number) || !strings.Contains(evs[0].Detail, `"amount":1`) {
			t.Fatalf("events %+v %v: want one critical amount event for %s", evs, err, placed.Order.Number)
		}
		var mails int
		if err := m.db.QueryRow(`SELECT COUNT(*) FROM mail_messages WHERE kind = 'security_alert' AND to_addr = 'security@example.jp'`).Scan(&mails); err != nil || mails != 1 {
			t.Errorf("security alert e-mails: %d %v, want 1", mails, err)
		}
		waitUntil(t, 60*time.Second, func() bool { return hook.has(evs[0].ID) })
	})
}

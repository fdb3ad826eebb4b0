package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"kaede/internal/payment"
	"kaede/internal/payment/gateway"
	"kaede/internal/shop"
)

// apiCall makes a raw merchant API call and decodes the JSON answer.
func (h *harness) apiCall(t *testing.T, method, path, key, body string) (int, map[string]any, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testAPIKey)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set(gateway.IdempotencyHeader, key)
	}
	res, err := h.browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s %s: not JSON (%d): %s", method, path, res.StatusCode, b)
	}
	return res.StatusCode, out, res.Header
}

// errorFields returns the fields of an API error answer.
func errorFields(out map[string]any) map[string]any {
	e, _ := out["error"].(map[string]any)
	f, _ := e["fields"].(map[string]any)
	return f
}

func (h *harness) createBody(override string) string {
	base := map[string]any{
		"order": "K-1", "amount": 1200, "email": "a@example.jp", "name": "山田", "phone": "0312345678",
		"return_url": h.store.srv.URL + "/return", "cancel_url": h.store.srv.URL + "/cancel", "capture": "manual",
	}
	b, _ := json.Marshal(base)
	if override == "" {
		return string(b)
	}
	// override is a JSON object merged over the base.
	var o map[string]any
	json.Unmarshal([]byte(override), &o)
	for k, v := range o {
		if v == nil {
			delete(base, k)
		} else {
			base[k] = v
		}
	}
	b, _ = json.Marshal(base)
	return string(b)
}

func TestCreateValidation(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name, body string
		status     int
		field      string
		reason     string
	}{
		{"no order", h.createBody(`{"order":null}`), 422, "order", shop.ReasonRequired},
		{"long order", h.createBody(`{"order":"` + strings.Repeat("x", 65) + `"}`), 422, "order", shop.ReasonLength},
		{"no amount", h.createBody(`{"amount":null}`), 422, "amount", shop.ReasonRequired},
		{"negative amount", h.createBody(`{"amount":-5}`), 422, "amount", shop.ReasonRange},
		{"huge amount", h.createBody(`{"amount":100000000}`), 422, "amount", shop.ReasonRange},
		{"fractional amount", h.createBody(`{"amount":1.5}`), 400, "amount", shop.ReasonFormat},
		{"string amount", h.createBody(`{"amount":"1200"}`), 400, "amount", shop.ReasonFormat},
		{"no email", h.createBody(`{"email":null}`), 422, "email", shop.ReasonRequired},
		{"bad email", h.createBody(`{"email":"not an address"}`), 422, "email", shop.ReasonFormat},
		{"no return", h.createBody(`{"return_url":null}`), 422, "return_url", shop.ReasonRequired},
		{"script return", h.createBody(`{"return_url":"javascript:alert(1)"}`), 422, "return_url", shop.ReasonFormat},
		{"relative cancel", h.createBody(`{"cancel_url":"/cancel"}`), 422, "cancel_url", shop.ReasonFormat},
		{"bad capture", h.createBody(`{"capture":"later"}`), 422, "capture", shop.ReasonChoice},
		{"control in name", h.createBody(`{"name":"a\u0000b"}`), 422, "name", shop.ReasonFormat},
		{"unknown field", h.createBody(`{"card_number":"4242424242424242"}`), 400, "card_number", "unknown"},
		{"unknown method", h.createBody(`{"method":"bitcoin"}`), 422, "method", shop.ReasonChoice},
		{"konbini without expiry", h.createBody(`{"method":"konbini","capture":"automatic"}`), 422, "voucher_expires_at", shop.ReasonRequired},
		{"konbini expired", h.createBody(`{"method":"konbini","capture":"automatic","voucher_expires_at":1773104400}`), 422, "voucher_expires_at", shop.ReasonRange},
		{"konbini beyond 60 days", h.createBody(`{"method":"konbini","capture":"automatic","voucher_expires_at":1778565600}`), 422, "voucher_expires_at", shop.ReasonRange},
		{"konbini held for capture", h.createBody(`{"method":"konbini","capture":"manual","voucher_expires_at":1773446399}`), 422, "capture", shop.ReasonChoice},
		{"paypay held for capture", h.createBody(`{"method":"paypay","capture":"manual"}`), 422, "capture", shop.ReasonChoice},
		{"card with a voucher", h.createBody(`{"voucher_expires_at":1773446399}`), 422, "voucher_expires_at", "unknown"},
		{"not json", `{"order":`, 400, "body", shop.ReasonFormat},
		{"two objects", h.createBody("") + `{}`, 400, "body", shop.ReasonFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out, _ := h.apiCall(t, "POST", "/v1/payments", randomKey(), tt.body)
			if status != tt.status {
				t.Fatalf("status=%d, want %d: %v", status, tt.status, out)
			}
			if got := errorFields(out)[tt.field]; got != tt.reason {
				t.Fatalf("fields=%v, want %s: %s", errorFields(out), tt.field, tt.reason)
			}
		})
	}
}

func TestAPIAuth(t *testing.T) {
	h := newHarness(t)
	for name, auth := range map[string]string{"none": "", "wrong": "Bearer nope", "basic": "Basic " + testAPIKey, "prefix": "Bearer " + testAPIKey[:10]} {
		req, _ := http.NewRequest("GET", h.srv.URL+"/v1/payments/pay_x", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: status=%d, want 401", name, res.StatusCode)
		}
	}
	bad := gateway.NewClient(h.srv.URL, "wrong", testWebhookSecret, nil)
	if _, err := bad.Get(context.Background(), "pay_x"); shop.ErrorCode(err) != shop.Unauthorized {
		t.Fatalf("Get with a wrong key: %v, want unauthorized", err)
	}
}

func TestIdempotentCreate(t *testing.T) {
	h := newHarness(t)
	body := h.createBody("")
	s1, first, _ := h.apiCall(t, "POST", "/v1/payments", "k-create", body)
	// The same body re-encoded in another key order is the same request.
	var v map[string]any
	json.Unmarshal([]byte(body), &v)
	reordered := `{"capture":"manual","amount":1200,"order":"K-1","email":"a@example.jp","name":"山田","phone":"0312345678","return_url":"` + v["return_url"].(string) + `","cancel_url":"` + v["cancel_url"].(string) + `"}`
	s2, second, hdr := h.apiCall(t, "POST", "/v1/payments", "k-create", reordered)
	if s1 != 201 || s2 != 201 || first["id"] != second["id"] {
		t.Fatalf("retry: %d %v, %d %v; want the same payment", s1, first["id"], s2, second["id"])
	}
	if hdr.Get("Idempotent-Replayed") != "true" {
		t.Error("replay not marked")
	}
	if n := len(h.gw.Events("")); n != 1 {
		t.Fatalf("%d events, want 1 payment created once", n)
	}
	status, out, _ := h.apiCall(t, "POST", "/v1/payments", "k-create", h.createBody(`{"amount":1300}`))
	if status != http.StatusConflict || errorFields(out)[gateway.IdempotencyHeader] != "reused" {
		t.Fatalf("same key, other body: %d %v, want 409", status, out)
	}
	status, out, _ = h.apiCall(t, "POST", "/v1/payments", "", body)
	if status != http.StatusBadRequest || errorFields(out)[gateway.IdempotencyHeader] != shop.ReasonRequired {
		t.Fatalf("no key: %d %v, want 400 naming Idempotency-Key", status, out)
	}
	// Through the Client.
	req := payment.CreateRequest{OrderNumber: "K-2", Amount: 500, Email: "b@example.jp", ReturnURL: h.store.srv.URL + "/return", Capture: payment.CaptureAutomatic, IdempotencyKey: "k-client"}
	a, err := h.client.Create(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := h.client.Create(context.Background(), req)
	if err != nil || a != b {
		t.Fatalf("Create twice: %v %v %v, want the same session", a, b, err)
	}
	req.Amount = 600
	if _, err := h.client.Create(context.Background(), req); shop.ErrorCode(err) != shop.Conflict {
		t.Fatalf("Create with a reused key: %v, want conflict", err)
	}
	req.IdempotencyKey = ""
	if _, err := h.client.Create(context.Background(), req); err == nil {
		t.Fatal("Create without a key succeeded")
	}
}

// paid returns a payment paid with 4242 in the given capture mode.
func (h *harness) paid(t *testing.T, capture payment.CaptureMode) string {
	t.Helper()
	sess := h.create(t, capture)
	h.payWith(t, sess, "4242424242424242", testExpiry, testCSC)
	return sess.Ref
}

func TestCaptureCancelRefund(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()

	t.Run("capture part, refund in parts", func(t *testing.T) {
		ref := h.paid(t, payment.CaptureManual)
		if _, err := h.client.Capture(ctx, ref, testAmount+1, randomKey()); shop.ErrorFields(err)["amount"] != shop.ReasonRange {
			t.Fatalf("capture over the authorisation: %v", err)
		}
		if _, err := h.client.Refund(ctx, ref, 100, randomKey()); shop.ErrorCode(err) != shop.Conflict {
			t.Fatalf("refund before capture: %v, want conflict", err)
		}
		key := randomKey()
		st, err := h.client.Capture(ctx, ref, 3000, key)
		if err != nil || st.State != payment.Captured || st.Captured != 3000 {
			t.Fatalf("capture: %+v %v", st, err)
		}
		if again, err := h.client.Capture(ctx, ref, 3000, key); err != nil || again != st {
			t.Fatalf("capture retried: %+v %v, want the first answer", again, err)
		}
		h.waitEvent(t, ref, payment.Captured)
		rkey := randomKey()
		st, err = h.client.Refund(ctx, ref, 1000, rkey)
		if err != nil || st.State != payment.PartiallyRefunded || st.Refunded != 1000 {
			t.Fatalf("refund 1000: %+v %v", st, err)
		}
		if st, _ = h.client.Refund(ctx, ref, 1000, rkey); st.Refunded != 1000 {
			t.Fatalf("refund retried: refunded=%d, want 1000 (once)", st.Refunded)
		}
		h.waitEvent(t, ref, payment.PartiallyRefunded)
		if _, err := h.client.Refund(ctx, ref, 2001, randomKey()); shop.ErrorFields(err)["amount"] != shop.ReasonRange {
			t.Fatalf("over-refund: %v, want amount range", err)
		}
		status, _, _ := h.apiCall(t, "POST", "/v1/payments/"+ref+"/refunds", randomKey(), `{"amount":2001}`)
		if status != http.StatusUnprocessableEntity {
			t.Fatalf("over-refund status=%d, want 422", status)
		}
		st, err = h.client.Refund(ctx, ref, 2000, randomKey())
		if err != nil || st.State != payment.Refunded || st.Refunded != 3000 {
			t.Fatalf("refund the rest: %+v %v", st, err)
		}
		h.waitEvent(t, ref, payment.Refunded)
		if _, err := h.client.Refund(ctx, ref, 1, randomKey()); shop.ErrorCode(err) != shop.Conflict {
			t.Fatalf("refund after full refund: %v, want conflict", err)
		}
	})

	t.Run("cancel an authorisation", func(t *testing.T) {
		ref := h.paid(t, payment.CaptureManual)
		st, err := h.client.Cancel(ctx, ref, randomKey())
		if err != nil || st.State != payment.Cancelled {
			t.Fatalf("cancel: %+v %v", st, err)
		}
		h.waitEvent(t, ref, payment.Cancelled)
		if _, err := h.client.Capture(ctx, ref, 100, randomKey()); shop.ErrorCode(err) != shop.Conflict {
			t.Fatalf("capture after cancel: %v, want conflict", err)
		}
	})

	t.Run("cancel a pending payment", func(t *testing.T) {
		sess := h.create(t, payment.CaptureAutomatic)
		if st, err := h.client.Cancel(ctx, sess.Ref, randomKey()); err != nil || st.State != payment.Cancelled {
			t.Fatalf("cancel: %+v %v", st, err)
		}
		p := h.get(t, sess.RedirectURL)
		if findForm(p.doc, "/pay/"+sess.Ref) != nil {
			t.Fatal("the card form is still there")
		}
	})

	t.Run("no cancel after capture, no capture of a pending payment", func(t *testing.T) {
		ref := h.paid(t, payment.CaptureAutomatic)
		if _, err := h.client.Cancel(ctx, ref, randomKey()); shop.ErrorCode(err) != shop.Conflict {
			t.Fatalf("cancel a captured payment: %v, want conflict", err)
		}
		sess := h.create(t, payment.CaptureManual)
		if _, err := h.client.Capture(ctx, sess.Ref, 100, randomKey()); shop.ErrorCode(err) != shop.Conflict {
			t.Fatalf("capture a pending payment: %v, want conflict", err)
		}
	})

	t.Run("amounts and unknown payments", func(t *testing.T) {
		ref := h.paid(t, payment.CaptureManual)
		for _, body := range []string{`{}`, `{"amount":0}`, `{"amount":-1}`} {
			status, out, _ := h.apiCall(t, "POST", "/v1/payments/"+ref+"/capture", randomKey(), body)
			if status != http.StatusUnprocessableEntity || errorFields(out)["amount"] == nil {
				t.Fatalf("capture %s: %d %v, want 422 naming amount", body, status, out)
			}
		}
		if _, err := h.client.Get(ctx, "pay_unknown"); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("Get unknown: %v, want not found", err)
		}
		if _, err := h.client.Refund(ctx, "pay_unknown", 1, randomKey()); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("Refund unknown: %v, want not found", err)
		}
	})
}

func TestClientNetworkErrorWrapped(t *testing.T) {
	c := gateway.NewClient("http://127.0.0.1:1", testAPIKey, testWebhookSecret, nil)
	_, err := c.Get(context.Background(), "pay_x")
	var netErr interface{ Timeout() bool }
	if err == nil || !errors.As(err, &netErr) || !strings.Contains(err.Error(), "test_gateway") {
		t.Fatalf("err=%v, want a wrapped network error", err)
	}
	if c.Name() != "test_gateway" || c.WebhookHeader() != "Kaede-Gateway-Signature" {
		t.Fatalf("Name=%q WebhookHeader=%q", c.Name(), c.WebhookHeader())
	}
}

func TestNewValidatesConfig(t *testing.T) {
	good := gateway.Config{BaseURL: "http://127.0.0.1:8081", APIKey: testAPIKey, WebhookURL: "http://127.0.0.1:8080/webhooks/gateway", WebhookSecret: testWebhookSecret}
	for name, tc := range map[string]struct {
		mutate  func(*gateway.Config)
		setting string
	}{
		"base path":      {func(c *gateway.Config) { c.BaseURL = "http://x/pay" }, "BaseURL"},
		"base scheme":    {func(c *gateway.Config) { c.BaseURL = "ftp://x" }, "BaseURL"},
		"short key":      {func(c *gateway.Config) { c.APIKey = "short" }, "APIKey"},
		"webhook url":    {func(c *gateway.Config) { c.WebhookURL = "/relative" }, "WebhookURL"},
		"webhook secret": {func(c *gateway.Config) { c.WebhookSecret = "" }, "WebhookSecret"},
	} {
		c := good
		tc.mutate(&c)
		if _, err := gateway.New(c); err == nil || !strings.Contains(err.Error(), tc.setting) {
			t.Errorf("%s: err=%v, want one naming %s", name, err, tc.setting)
		}
	}
	s, err := gateway.New(good)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}

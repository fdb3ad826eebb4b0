package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"kaede/internal/payment"
	"kaede/internal/payment/gateway"
)

// eventBody is a well-formed webhook body for the verify tests.
func eventBody(t *testing.T) []byte {
	t.Helper()
	b, err := json.Marshal(gateway.WebhookEvent{
		ID: "evt_1", Type: gateway.EventPaymentUpdated, Created: testNow.Unix(),
		Payment: gateway.Payment{ID: "pay_1", Order: "K-1", State: payment.Captured, Amount: 1200, Captured: 1200, Brand: "visa", Last4: "4242"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVerifyWebhook(t *testing.T) {
	c := gateway.NewClient("http://127.0.0.1:1", testAPIKey, testWebhookSecret, nil)
	body := eventBody(t)
	good := gateway.Sign(testWebhookSecret, testNow, body)

	ev, err := c.VerifyWebhook(body, good, testNow.Add(4*time.Minute))
	if err != nil {
		t.Fatalf("a good webhook: %v", err)
	}
	want := payment.Status{Ref: "pay_1", State: payment.Captured, Amount: 1200, Captured: 1200, Brand: "visa", Last4: "4242"}
	if ev.ID != "evt_1" || ev.Ref != "pay_1" || ev.Status != want || !ev.Created.Equal(testNow) {
		t.Fatalf("event=%+v", ev)
	}
	// Two v1 signatures, one right (a secret being rotated), also pass.
	if _, err := c.VerifyWebhook(body, gateway.Sign("old-secret", testNow, body)+",v1="+strings.SplitN(good, "v1=", 2)[1], testNow); err != nil {
		t.Fatalf("rotated secret: %v", err)
	}

	tests := []struct {
		name   string
		body   []byte
		header string
		now    time.Time
		want   error
	}{
		{"missing", body, "", testNow, gateway.ErrSignatureMissing},
		{"garbled", body, "garbage", testNow, gateway.ErrSignatureMalformed},
		{"no t", body, "v1=" + strings.Repeat("00", 32), testNow, gateway.ErrSignatureMalformed},
		{"no v1", body, "t=1773104400", testNow, gateway.ErrSignatureMalformed},
		{"bad t", body, "t=soon,v1=" + strings.Repeat("00", 32), testNow, gateway.ErrSignatureMalformed},
		{"bad hex", body, "t=1773104400,v1=zz", testNow, gateway.ErrSignatureMalformed},
		{"forged", body, gateway.Sign("not-the-secret", testNow, body), testNow, gateway.ErrSignatureMismatch},
		{"tampered body", []byte(strings.Replace(string(body), `"amount":1200`, `"amount":12`, 1)), good, testNow, gateway.ErrSignatureMismatch},
		{"other time signed", body, strings.Replace(good, "t=", "t=1", 1), testNow, gateway.ErrSignatureMismatch},
		{"stale", body, good, testNow.Add(5*time.Minute + time.Second), gateway.ErrTimestampTooOld},
		{"future", body, good, testNow.Add(-5*time.Minute - time.Second), gateway.ErrTimestampInFuture},
		{"not an event", []byte(`{"id":"evt_1"}`), gateway.Sign(testWebhookSecret, testNow, []byte(`{"id":"evt_1"}`)), testNow, gateway.ErrPayloadInvalid},
	}
	for _, tt := range tests {
		if _, err := c.VerifyWebhook(tt.body, tt.header, tt.now); !errors.Is(err, tt.want) {
			t.Errorf("%s: err=%v, want %v", tt.name, err, tt.want)
		}
	}
}

// TestWebhooksOnEveryChange follows a payment through its life and checks
// that each change reached the store, signed, with brand and last4.
func TestWebhooksOnEveryChange(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	ref := h.paid(t, payment.CaptureManual)
	if _, err := h.client.Capture(ctx, ref, 2000, randomKey()); err != nil {
		t.Fatal(err)
	}
	if _, err := h.client.Refund(ctx, ref, 500, randomKey()); err != nil {
		t.Fatal(err)
	}
	for _, st := range []payment.State{payment.Pending, payment.Authorized, payment.Captured, payment.PartiallyRefunded} {
		ev := h.waitEvent(t, ref, st)
		if st != payment.Pending && (ev.Status.Brand != "visa" || ev.Status.Last4 != "4242") {
			t.Fatalf("%s event: brand=%q last4=%q", st, ev.Status.Brand, ev.Status.Last4)
		}
	}
	// Event ids are unique.
	seen := map[string]bool{}
	for _, ev := range h.gw.Events(ref) {
		if seen[ev.ID] {
			t.Fatalf("event id %s twice", ev.ID)
		}
		seen[ev.ID] = true
	}
	if len(seen) != 4 {
		t.Fatalf("%d events, want 4", len(seen))
	}
}

func TestRedeliver(t *testing.T) {
	h := newHarness(t)
	ref := h.paid(t, payment.CaptureAutomatic)
	h.waitEvent(t, ref, payment.Captured)
	events := h.gw.Events(ref)
	oldest := events[0]
	before := len(h.store.hooks())
	// An old event again, after the newer ones: out of order and twice.
	h.clock.add(time.Minute)
	if err := h.gw.Redeliver(context.Background(), oldest.ID); err != nil {
		t.Fatal(err)
	}
	hooks := h.store.hooks()
	if len(hooks) != before+1 {
		t.Fatalf("%d webhooks, want %d", len(hooks), before+1)
	}
	ev, err := h.client.VerifyWebhook(hooks[len(hooks)-1].Body, hooks[len(hooks)-1].Signature, h.clock.now())
	if err != nil || ev.ID != oldest.ID || ev.Status.State != payment.Pending {
		t.Fatalf("redelivered %+v %v, want the pending event %s", ev, err, oldest.ID)
	}
	if err := h.gw.Redeliver(context.Background(), "evt_nope"); !errors.Is(err, gateway.ErrNoEvent) {
		t.Fatalf("Redeliver unknown: %v", err)
	}
}

func TestWebhookRetries(t *testing.T) {
	st := newStore(t)
	st.failures.Store(2)
	h := newHarnessWith(t, options{store: st, attempts: 3})
	sess := h.create(t, payment.CaptureAutomatic)
	h.waitEvent(t, sess.Ref, payment.Pending)
}

// TestStateSurvivesRestart runs a gateway on a file, stops it while the
// store refuses webhooks, and starts another on the same file.
func TestStateSurvivesRestart(t *testing.T) {
	st := newStore(t)
	st.failures.Store(1 << 20)
	first := newHarnessWith(t, options{store: st, attempts: 1})
	ref := first.paid(t, payment.CaptureManual)
	first.gw.Close()
	info, err := os.Stat(first.dataFile)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("data file mode %v, want 0600", info.Mode().Perm())
	}
	st.failures.Store(0)
	second := newHarnessWith(t, options{store: st, dataFile: first.dataFile})
	got := second.status(t, ref)
	if got.State != payment.Authorized || got.Last4 != "4242" {
		t.Fatalf("after restart: %+v", got)
	}
	// The events the store never accepted are sent by the new gateway.
	second.waitEvent(t, ref, payment.Authorized)
	if _, err := second.client.Capture(context.Background(), ref, 100, randomKey()); err != nil {
		t.Fatalf("capture after restart: %v", err)
	}
}

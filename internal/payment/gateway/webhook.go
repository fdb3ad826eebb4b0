package gateway

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"kaede/internal/payment"
	"kaede/internal/shop"
)

// SignatureHeader is the HTTP header that carries a webhook's signature:
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">".
const SignatureHeader = "Kaede-Gateway-Signature"

// EventPaymentUpdated is the type of every webhook event: a payment was
// created or changed. The event carries the payment as it then was.
const EventPaymentUpdated = "payment.updated"

// Payment is a payment as the API returns it and as webhooks carry it.
// Of the card there is the brand and the last four digits, nothing else.
type Payment struct {
	ID          string              `json:"id"`
	Order       string              `json:"order"`
	State       payment.State       `json:"state"`
	Amount      shop.Yen            `json:"amount"`
	Captured    shop.Yen            `json:"captured"`
	Refunded    shop.Yen            `json:"refunded"`
	Brand       string              `json:"brand"`
	Last4       string              `json:"last4"`
	Reason      string              `json:"reason"`
	Capture     payment.CaptureMode `json:"capture"`
	ThreeDS     string              `json:"three_d_secure,omitempty"`
	RedirectURL string              `json:"redirect_url,omitempty"`
	Method      string              `json:"method,omitempty"` // card when empty
	// A konbini payment's voucher: the number and its expiry (unix seconds).
	VoucherNumber    string `json:"voucher_number,omitempty"`
	VoucherExpiresAt int64  `json:"voucher_expires_at,omitempty"`
	Created          int64  `json:"created"`
	Updated          int64  `json:"updated"`
}

// voucher is the konbini voucher of p, or nil for another method. Its page
// is the payment page, which shows the voucher.
func (p Payment) voucher() *payment.Voucher {
	if p.VoucherNumber == "" {
		return nil
	}
	return &payment.Voucher{Number: p.VoucherNumber, URL: p.RedirectURL, ExpiresAt: time.Unix(p.VoucherExpiresAt, 0).UTC()}
}

// WebhookEvent is the body of a webhook.
type WebhookEvent struct {
	ID      string  `json:"id"`
	Type    string  `json:"type"`
	Created int64   `json:"created"` // unix seconds
	Payment Payment `json:"payment"`
}

// view is the outside view of a payment record.
func (s *Server) view(r record) Payment {
	p := Payment{
		ID: r.ID, Order: r.Order, State: r.State, Amount: r.Amount, Captured: r.Captured,
		Refunded: r.Refunded, Brand: r.Brand, Last4: r.Last4, Reason: r.Reason,
		Capture: r.Capture, ThreeDS: r.ThreeDS, Created: r.Created.Unix(), Updated: r.Updated.Unix(),
	}
	if !r.State.Final() {
		p.RedirectURL = s.cfg.BaseURL + "/pay/" + r.ID
	}
	p.Method, p.VoucherNumber = r.Method, r.VoucherNumber
	if !r.VoucherExpires.IsZero() {
		p.VoucherExpiresAt = r.VoucherExpires.Unix()
	}
	return p
}

// recordEvent appends a payment.updated event for r. The caller holds the
// lock and saves.
func (s *Server) recordEvent(r record) WebhookEvent {
	ev := WebhookEvent{ID: newID("evt_"), Type: EventPaymentUpdated, Created: s.clock().Unix(), Payment: s.view(r)}
	s.state.Events = append(s.state.Events, &eventRecord{Event: ev, Delivered: s.cfg.WebhookURL == ""})
	return ev
}

// Sign returns the signature header value for a webhook body sent at t:
// what the gateway sends, and what a store's tests can use to make one.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(signature(secret, ts, body))
}

// signature is HMAC-SHA256 over "<t>.<body>": the timestamp is signed too,
// so that an old webhook cannot be replayed with a fresh one.
func signature(secret, ts string, body []byte) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(body)
	return mac.Sum(nil)
}

// deliverAsync sends ev in the background, with retries, unless webhooks
// are off or the gateway is closing.
func (s *Server) deliverAsync(ev WebhookEvent) {
	if s.cfg.WebhookURL == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.deliverWithRetries(ev)
	}()
}

// resumeDeliveries sends the events a previous run did not deliver.
func (s *Server) resumeDeliveries() {
	s.mu.Lock()
	var pending []WebhookEvent
	for _, e := range s.state.Events {
		if !e.Delivered {
			pending = append(pending, e.Event)
		}
	}
	s.mu.Unlock()
	for _, ev := range pending {
		s.deliverAsync(ev)
	}
}

// deliverWithRetries tries a few times, waiting longer after each
// failure, and stops early when the gateway closes. Deliveries run side
// by side, so the store may receive events out of order: it must compare
// (or ask the API), never assume the last one received is the latest.
func (s *Server) deliverWithRetries(ev WebhookEvent) {
	wait := s.cfg.WebhookBackoff
	for attempt := 1; attempt <= s.cfg.WebhookAttempts; attempt++ {
		err := s.send(s.ctx, ev)
		if err == nil {
			s.markDelivered(ev.ID)
			return
		}
		s.log.Warn("webhook failed", "event", ev.ID, "payment", ev.Payment.ID, "attempt", attempt, "error", err)
		if attempt == s.cfg.WebhookAttempts {
			break
		}
		select {
		case <-s.ctx.Done():
			return
		case <-time.After(wait):
		}
		wait *= 2
	}
	s.log.Error("webhook given up", "event", ev.ID, "payment", ev.Payment.ID, "attempts", s.cfg.WebhookAttempts)
}

// send makes one signed delivery; a status other than 2xx is an error.
func (s *Server) send(ctx context.Context, ev WebhookEvent) error {
	body, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encode event: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.WebhookURL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "kaede-test-gateway/1")
	req.Header.Set(SignatureHeader, Sign(s.cfg.WebhookSecret, s.clock(), body))
	res, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook post: %w", err)
	}
	defer res.Body.Close()
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Errorf("webhook post: status %d", res.StatusCode)
	}
	return nil
}

// markDelivered records that the store accepted an event.
func (s *Server) markDelivered(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.state.Events {
		if e.Event.ID == id && !e.Delivered {
			e.Delivered = true
			if err := s.state.save(s.clock()); err != nil {
				s.log.Error("save state", "event", id, "error", err)
			}
			return
		}
	}
}

// ErrNoEvent is Redeliver's answer for an event id the gateway does not have.
var ErrNoEvent = errors.New("gateway: no such event")

// Redeliver sends event id to the webhook endpoint once more, now, with a
// fresh signature: for tests that prove the store handles a duplicate or
// an out-of-order event (send an older event after a newer one).
func (s *Server) Redeliver(ctx context.Context, id string) error {
	if s.cfg.WebhookURL == "" {
		return errors.New("gateway: redeliver: no WebhookURL")
	}
	s.mu.Lock()
	var ev WebhookEvent
	found := false
	for _, e := range s.state.Events {
		if e.Event.ID == id {
			ev, found = e.Event, true
		}
	}
	s.mu.Unlock()
	if !found {
		return ErrNoEvent
	}
	if err := s.send(ctx, ev); err != nil {
		return fmt.Errorf("gateway: redeliver %s: %w", id, err)
	}
	return nil
}

// Undelivered is how many events the store has not yet accepted: a test
// that moves its clock waits for none, so that no delivery signed before
// the move is checked after it.
func (s *Server) Undelivered() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, e := range s.state.Events {
		if !e.Delivered {
			n++
		}
	}
	return n
}

// Events returns the events of payment id, oldest first (all events when
// id is ""), for tests and for an operator looking into a payment.
func (s *Server) Events(id string) []WebhookEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []WebhookEvent
	for _, e := range s.state.Events {
		if id == "" || e.Event.Payment.ID == id {
			out = append(out, e.Event)
		}
	}
	return out
}

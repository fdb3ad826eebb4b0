package alert

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
	"strings"
	"time"

	"github.com/riverqueue/river"

	"kaede/internal/jobs"
	"kaede/internal/shop"
)

// SignatureHeader carries the webhook's signature:
//
//	X-Kaede-Signature: t=1735689600,v1=5257a869e7…
//
// v1 is the lower-case hex HMAC-SHA256, keyed with
// KAEDE_ALERT_WEBHOOK_SECRET, of the decimal Unix time t, a full stop and
// the raw request body. A receiver recomputes it over the bytes it
// received, compares in constant time, and refuses a t more than a few
// minutes old, so that a captured request cannot be replayed later (the
// scheme Stripe uses; Verify does all of it).
const SignatureHeader = "X-Kaede-Signature"

// Sign returns the SignatureHeader value for body sent at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + mac(secret, ts, body)
}

func mac(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Verify checks a SignatureHeader value against body, as a receiver
// should: the signature must match and t must be within tolerance of now.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" {
		return errors.New("alert signature: want t=UNIX,v1=HEX")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("alert signature: timestamp %s outside tolerance", ts)
	}
	if !hmac.Equal([]byte(sig), []byte(mac(secret, ts, body))) {
		return errors.New("alert signature: mismatch")
	}
	return nil
}

// WebhookArgs is the job that POSTs one alert to the webhook. The payload
// is fixed when the event is raised; the signature is made when sent, so
// that each retry carries a fresh timestamp.
type WebhookArgs struct {
	EventID int64           `json:"event_id"`
	Payload json.RawMessage `json:"payload"`
}

// Kind names the job in River's tables.
func (WebhookArgs) Kind() string { return "security_alert_webhook" }

// InsertOpts retries a failing receiver with River's backoff for about a
// day (attempt⁴ seconds between attempts) before giving up, in the urgent
// queue: an alert does not wait behind the customers' e-mail.
func (WebhookArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 12, Queue: jobs.QueueUrgent}
}

// webhookTimeout bounds one delivery: a receiver that hangs must not hold
// a worker, and the next attempt comes with backoff.
const webhookTimeout = 10 * time.Second

// WebhookWorker delivers WebhookArgs jobs.
type WebhookWorker struct {
	river.WorkerDefaults[WebhookArgs]
	url    string
	secret string
	client *http.Client
	clock  shop.Clock
}

// NewWebhookWorker returns the worker for cfg's webhook; clock nil means
// shop.SystemClock. It is registered whether or not a URL is set, so that
// jobs queued before a restart without one end cleanly.
func NewWebhookWorker(cfg Config, clock shop.Clock) (*WebhookWorker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if clock == nil {
		clock = shop.SystemClock
	}
	return &WebhookWorker{url: cfg.WebhookURL, secret: cfg.WebhookSecret, clock: clock,
		client: &http.Client{Timeout: webhookTimeout,
			// A receiver answers; it does not send the alert elsewhere.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}, nil
}

// Register adds the worker to ws.
func (w *WebhookWorker) Register(ws *river.Workers) { river.AddWorker(ws, w) }

// Timeout is a little above the HTTP client's, so that River does not cut
// a delivery the client would still finish.
func (w *WebhookWorker) Timeout(*river.Job[WebhookArgs]) time.Duration {
	return webhookTimeout + 5*time.Second
}

// Work POSTs the payload; any answer but 2xx is retried.
func (w *WebhookWorker) Work(ctx context.Context, job *river.Job[WebhookArgs]) error {
	if w.url == "" {
		return river.JobCancel(errors.New("alert webhook: KAEDE_ALERT_WEBHOOK_URL is no longer set"))
	}
	body := []byte(job.Args.Payload)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return river.JobCancel(fmt.Errorf("alert webhook: %w", err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Kaede-Alerts/1")
	req.Header.Set(SignatureHeader, Sign(w.secret, w.clock(), body))
	res, err := w.client.Do(req)
	if err != nil {
		return fmt.Errorf("alert webhook for security event %d: %w", job.Args.EventID, err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Errorf("alert webhook for security event %d: receiver answered %s", job.Args.EventID, res.Status)
	}
	return nil
}

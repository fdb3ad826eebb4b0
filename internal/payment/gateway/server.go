package gateway

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"kaede/internal/shop"
)

// Config is what a gateway needs to run. cmd/kaede fills it from the
// store's configuration: the demo runs the gateway on the port after the
// store's, and `kaede gateway` runs it alone.
type Config struct {
	// BaseURL is the gateway's own origin, e.g. http://127.0.0.1:8081:
	// the hosted card page is BaseURL/pay/{id}. It must be another origin
	// than the store's, so that nothing on the store's pages can reach
	// the card form.
	BaseURL string
	// APIKey is the merchant's secret for the API (Authorization: Bearer).
	APIKey string
	// WebhookURL is the store's webhook endpoint; empty sends none.
	WebhookURL string
	// WebhookSecret keys the HMAC-SHA256 signature of every webhook.
	WebhookSecret string
	// Clock tells the time; nil means shop.SystemClock.
	Clock shop.Clock
	// Log receives the gateway's log lines; nil discards them.
	Log *slog.Logger
	// HTTPClient delivers webhooks; nil means a client with a 10 s timeout.
	HTTPClient *http.Client
	// DataFile keeps the gateway's state across restarts; empty keeps it
	// in memory only.
	DataFile string
	// WebhookAttempts is how many times a webhook is tried before the
	// gateway gives up on it (default 5); WebhookBackoff is the wait after
	// the first failure, doubled after each further one (default 1 s).
	WebhookAttempts int
	WebhookBackoff  time.Duration
}

// minSecret is the shortest API key or webhook secret accepted: 128 bits
// of hex, so that neither can be guessed.
const minSecret = 32

// validate names the first setting that is wrong.
func (c *Config) validate() error {
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return fmt.Errorf("gateway: BaseURL %q: want an origin such as http://127.0.0.1:8081", c.BaseURL)
	}
	c.BaseURL = strings.TrimSuffix(c.BaseURL, "/")
	if len(c.APIKey) < minSecret {
		return fmt.Errorf("gateway: APIKey: want at least %d characters", minSecret)
	}
	if c.WebhookURL != "" {
		if u, err := url.Parse(c.WebhookURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("gateway: WebhookURL %q: want an absolute http(s) URL", c.WebhookURL)
		}
		if len(c.WebhookSecret) < minSecret {
			return fmt.Errorf("gateway: WebhookSecret: want at least %d characters", minSecret)
		}
	}
	if c.WebhookAttempts < 0 || c.WebhookBackoff < 0 {
		return errors.New("gateway: WebhookAttempts and WebhookBackoff must not be negative")
	}
	return nil
}

// Server is the gateway: the merchant API, the hosted card page and the
// 3-D Secure challenge, and the webhook sender. It is an http.Handler to be
// served on the gateway's own listener.
type Server struct {
	cfg     Config
	log     *slog.Logger
	clock   shop.Clock
	client  *http.Client
	handler http.Handler
	csrfKey []byte

	mu       sync.Mutex
	state    *snapshot
	inflight map[string]bool // idempotency keys whose first request runs now
	closed   bool

	// Webhook deliveries run in goroutines that Close stops and waits for.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New returns a gateway ready to serve, with its state loaded from
// cfg.DataFile if there is one. Webhooks that were not delivered before a
// restart are sent again.
func New(cfg Config) (*Server, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if _, err := Scripts(); err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	if cfg.Clock == nil {
		cfg.Clock = shop.SystemClock
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.WebhookAttempts == 0 {
		cfg.WebhookAttempts = 5
	}
	if cfg.WebhookBackoff == 0 {
		cfg.WebhookBackoff = time.Second
	}
	st, err := loadSnapshot(cfg.DataFile)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:      cfg,
		log:      cfg.Log,
		clock:    cfg.Clock,
		client:   cfg.HTTPClient,
		state:    st,
		inflight: map[string]bool{},
		// The CSRF key is derived from the API key so that a card page
		// loaded before a restart can still be submitted after it.
		csrfKey: deriveKey(cfg.APIKey, "kaede gateway csrf"),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.handler = s.routes()
	s.resumeDeliveries()
	return s, nil
}

// deriveKey makes a key for one purpose from a secret, so that one secret
// never keys two different things.
func deriveKey(secret, purpose string) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(purpose))
	return mac.Sum(nil)
}

// routes is the gateway's whole route table.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	// The merchant API: bearer key; every POST idempotent.
	mux.Handle("POST /v1/payments", s.api(s.idempotent(s.createPayment)))
	mux.Handle("GET /v1/payments/{id}", s.api(s.getPayment))
	mux.Handle("POST /v1/payments/{id}/capture", s.api(s.idempotent(s.capturePayment)))
	mux.Handle("POST /v1/payments/{id}/cancel", s.api(s.idempotent(s.cancelPayment)))
	mux.Handle("POST /v1/payments/{id}/refunds", s.api(s.idempotent(s.refundPayment)))
	// The customer's pages: the card form and the 3-D Secure challenge.
	mux.Handle("GET /pay/{id}", s.page(s.cardPage))
	mux.Handle("POST /pay/{id}", s.page(s.submitCard))
	mux.Handle("POST /pay/{id}/cancel", s.page(s.abandon))
	// The konbini clerk taking the money, and PayPay's approval.
	mux.Handle("POST /pay/{id}/clerk", s.page(s.payAtTill))
	mux.Handle("POST /pay/{id}/approve", s.page(s.approvePayPay))
	mux.Handle("GET /3ds/{id}", s.page(s.challengePage))
	mux.Handle("POST /3ds/{id}", s.page(s.submitChallenge))
	mux.HandleFunc("POST /csp-report", s.cspReport)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	return commonHeaders(mux)
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// Close stops the webhook deliveries in flight and waits for them. Events
// not yet delivered stay recorded (in DataFile, if set) and are sent when
// a gateway starts on the same file. Close does not stop the listener:
// whoever started it shuts it down first.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	return nil
}

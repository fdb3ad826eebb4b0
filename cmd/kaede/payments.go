package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"kaede/internal/cardpay"
	"kaede/internal/detect"
	"kaede/internal/fraud"
	"kaede/internal/order"
	"kaede/internal/payment"
	"kaede/internal/payment/gateway"
	"kaede/internal/payment/stripe"
	"kaede/internal/secevent"
	"kaede/internal/switches"
	"kaede/internal/web"
)

// CardConfig is how the store takes card payments. With no provider the
// checkout offers no card.
type CardConfig struct {
	Provider string // KAEDE_PAYMENT_PROVIDER: "gateway", "stripe" or ""
	// The built-in test gateway: its origin and the merchant's secrets.
	GatewayURL           string // KAEDE_GATEWAY_URL
	GatewayAPIKey        string // KAEDE_GATEWAY_API_KEY(_FILE)
	GatewayWebhookSecret string // KAEDE_GATEWAY_WEBHOOK_SECRET(_FILE)
	// RunGateway starts the gateway inside this process on the port after
	// the store's: the demo does; serve only with --gateway.
	RunGateway bool
	// Stripe.
	StripeSecretKey     string        // KAEDE_STRIPE_SECRET_KEY(_FILE)
	StripeWebhookSecret string        // KAEDE_STRIPE_WEBHOOK_SECRET(_FILE)
	StripeBackendURL    string        // KAEDE_STRIPE_BACKEND_URL: stripe-mock in tests, empty in production
	Capture             string        // KAEDE_CARD_CAPTURE: automatic or manual
	OrderTTL            time.Duration // KAEDE_CARD_ORDER_TTL: how long an unpaid card order holds its stock
}

// bindFlags registers the card settings' flags on fs.
func (c *CardConfig) bindFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Provider, "payment-provider", envOr("KAEDE_PAYMENT_PROVIDER", ""), "card payments: gateway (the built-in test gateway), stripe, or empty for none (KAEDE_PAYMENT_PROVIDER)")
	fs.StringVar(&c.GatewayURL, "gateway-url", envOr("KAEDE_GATEWAY_URL", ""), "the test gateway's origin, e.g. http://127.0.0.1:8081 (KAEDE_GATEWAY_URL)")
	fs.StringVar(&c.StripeBackendURL, "stripe-backend-url", envOr("KAEDE_STRIPE_BACKEND_URL", ""), "Stripe API base URL; empty for Stripe itself (KAEDE_STRIPE_BACKEND_URL)")
	fs.StringVar(&c.Capture, "card-capture", envOr("KAEDE_CARD_CAPTURE", "automatic"), "when card money is taken: automatic (at order) or manual (at shipment) (KAEDE_CARD_CAPTURE)")
	ttl, err := time.ParseDuration(envOr("KAEDE_CARD_ORDER_TTL", "30m"))
	if err != nil {
		ttl = -1 // reported by Validate, naming the setting
	}
	fs.DurationVar(&c.OrderTTL, "card-order-ttl", ttl, "how long an unpaid card order holds its stock (KAEDE_CARD_ORDER_TTL)")
}

// loadSecrets fills the providers' secrets from the environment.
func (c *CardConfig) loadSecrets() error {
	for _, s := range []struct {
		name string
		dst  *string
	}{
		{"KAEDE_GATEWAY_API_KEY", &c.GatewayAPIKey},
		{"KAEDE_GATEWAY_WEBHOOK_SECRET", &c.GatewayWebhookSecret},
		{"KAEDE_STRIPE_SECRET_KEY", &c.StripeSecretKey},
		{"KAEDE_STRIPE_WEBHOOK_SECRET", &c.StripeWebhookSecret},
	} {
		v, err := secretFromEnv(s.name)
		if err != nil {
			return err
		}
		*s.dst = v
	}
	return nil
}

// finish fills the defaults of a Config built in code (tests).
func (c *CardConfig) finish() {
	if c.Capture == "" {
		c.Capture = string(payment.CaptureAutomatic)
	}
	if c.OrderTTL == 0 {
		c.OrderTTL = 30 * time.Minute
	}
}

// Validate names the first wrong card setting.
func (c *CardConfig) Validate() error {
	if c.Capture != string(payment.CaptureAutomatic) && c.Capture != string(payment.CaptureManual) {
		return fmt.Errorf("KAEDE_CARD_CAPTURE / --card-capture %q: want automatic or manual", c.Capture)
	}
	if c.OrderTTL < time.Minute || c.OrderTTL > 48*time.Hour {
		return errors.New("KAEDE_CARD_ORDER_TTL / --card-order-ttl: want a duration between 1m and 48h, e.g. 30m")
	}
	switch c.Provider {
	case "":
		return nil
	case "gateway":
		if c.RunGateway {
			return nil // URL and keys are made at start
		}
		u, err := url.Parse(c.GatewayURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return fmt.Errorf("KAEDE_GATEWAY_URL / --gateway-url %q: want the gateway's origin, e.g. http://127.0.0.1:8081", c.GatewayURL)
		}
		if len(c.GatewayAPIKey) < 32 {
			return errors.New("KAEDE_GATEWAY_API_KEY (or _FILE): must hold at least 32 characters")
		}
		if len(c.GatewayWebhookSecret) < 32 {
			return errors.New("KAEDE_GATEWAY_WEBHOOK_SECRET (or _FILE): must hold at least 32 characters")
		}
		return nil
	case "stripe":
		_, err := c.stripe()
		return err
	}
	return fmt.Errorf("KAEDE_PAYMENT_PROVIDER / --payment-provider %q: want gateway, stripe or empty", c.Provider)
}

func (c *CardConfig) stripe() (*stripe.Provider, error) {
	return stripe.New(stripe.Config{SecretKey: c.StripeSecretKey, WebhookSecret: c.StripeWebhookSecret, BackendURL: c.StripeBackendURL})
}

// provider returns the configured provider and the origins of its pages,
// or nil when the shop takes no cards.
func (c *CardConfig) provider() (payment.Provider, []string, error) {
	switch c.Provider {
	case "gateway":
		return gateway.NewClient(c.GatewayURL, c.GatewayAPIKey, c.GatewayWebhookSecret, nil), []string{originOf(c.GatewayURL)}, nil
	case "stripe":
		p, err := c.stripe()
		return p, []string{"https://checkout.stripe.com"}, err
	}
	return nil, nil, nil
}

func originOf(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return s
	}
	return u.Scheme + "://" + u.Host
}

// startGateway runs the test gateway in this process on the port after
// the store's (127.0.0.1:8081 for a store on 8080; any free port for a
// store on port 0), with its keys and state kept in the data directory,
// and points the card settings at it.
func (m *Main) startGateway(storeAddr net.Addr, baseURL string) error {
	c := &m.Config.Card
	host, portText, err := net.SplitHostPort(storeAddr.String())
	if err != nil {
		return fmt.Errorf("gateway address: %w", err)
	}
	// The port after the store's, as the demo prints it; a store asked
	// for any free port (tests: 127.0.0.1:0) gets a gateway on any free
	// port too, since the next one may be taken.
	port, _ := strconv.Atoi(portText)
	if _, want, _ := net.SplitHostPort(m.Config.Addr); want == "0" {
		port = 0
	} else {
		port++
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("test gateway: listen on the port after the store's: %w", err)
	}
	c.GatewayURL = "http://" + ln.Addr().String()
	if c.GatewayAPIKey == "" {
		if c.GatewayAPIKey, err = keptSecret(m.Config.DataDir, "gateway-api-key"); err != nil {
			ln.Close()
			return err
		}
	}
	if c.GatewayWebhookSecret == "" {
		if c.GatewayWebhookSecret, err = keptSecret(m.Config.DataDir, "gateway-webhook-secret"); err != nil {
			ln.Close()
			return err
		}
	}
	gw, err := gateway.New(gateway.Config{
		BaseURL: c.GatewayURL, APIKey: c.GatewayAPIKey,
		WebhookURL: baseURL + web.WebhookPath(gateway.Name), WebhookSecret: c.GatewayWebhookSecret,
		Clock: m.Clock, Log: m.Log.With("component", "gateway"),
		DataFile: filepath.Join(m.Config.DataDir, "gateway.json"),
	})
	if err != nil {
		ln.Close()
		return err
	}
	m.gateway = gw
	m.gatewayServer = &http.Server{Handler: gw, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		if err := m.gatewayServer.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Log.Error("test gateway stopped", "error", err)
		}
	}()
	return nil
}

// newPayments builds the card payment service, guarded against card
// testing by guard and stopped by the card switch, or nil without a
// provider. A provider's report of another amount or currency than the
// order's is a critical security event, raised in the transaction that
// refuses it.
func (m *Main) newPayments(orders *order.Service, guard *fraud.Guard, sw *switches.Service, events *secevent.Store) (*cardpay.Service, error) {
	p, origins, err := m.Config.Card.provider()
	if err != nil || p == nil {
		return nil, err
	}
	return cardpay.New(m.db, orders, m.Clock, m.Log, cardpay.Config{
		Provider: p, Capture: payment.CaptureMode(m.Config.Card.Capture), BaseURL: m.Config.BaseURL, PageOrigins: origins,
		Guard: guard, Switches: sw,
		OnMismatch: func(ctx context.Context, tx *sql.Tx, mm cardpay.Mismatch) error {
			_, err := events.RaiseTx(ctx, tx, detect.AmountMismatch(mm))
			return err
		},
	})
}

// keptSecret returns the secret kept in dir/name, making a random one on
// first use, so that a restarted demo keeps talking to its gateway.
func keptSecret(dir, name string) (string, error) {
	path := filepath.Join(dir, name)
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		return strings.TrimSpace(string(b)), nil
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return "", err
	}
	s := hex.EncodeToString(buf)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create data directory: %w", err)
	}
	if err := os.WriteFile(path, []byte(s+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write %s: %w", name, err)
	}
	return s, nil
}

// runGateway runs the test gateway alone: for a store started with
// KAEDE_PAYMENT_PROVIDER=gateway elsewhere.
func runGateway(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("gateway", "Runs Kaede's built-in test card gateway on its own origin: a hosted card page with\n3-D Secure, signed webhooks and a merchant API. For development and tests only.\nSecrets from KAEDE_GATEWAY_API_KEY and KAEDE_GATEWAY_WEBHOOK_SECRET (or *_FILE).", stderr)
	addr := fs.String("addr", envOr("KAEDE_GATEWAY_ADDR", "127.0.0.1:8081"), "listen address (KAEDE_GATEWAY_ADDR)")
	baseURL := fs.String("base-url", envOr("KAEDE_GATEWAY_URL", ""), "public origin, default http://ADDR (KAEDE_GATEWAY_URL)")
	webhookURL := fs.String("webhook-url", envOr("KAEDE_GATEWAY_WEBHOOK_URL", ""), "the store's webhook endpoint, e.g. http://127.0.0.1:8080"+web.WebhookPath(gateway.Name)+" (KAEDE_GATEWAY_WEBHOOK_URL)")
	dataFile := fs.String("data-file", envOr("KAEDE_GATEWAY_DATA_FILE", ""), "keep payments across restarts in this JSON file; empty keeps them in memory (KAEDE_GATEWAY_DATA_FILE)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var c CardConfig
	if err := c.loadSecrets(); err != nil {
		return err
	}
	if *baseURL == "" {
		*baseURL = "http://" + *addr
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	gw, err := gateway.New(gateway.Config{BaseURL: *baseURL, APIKey: c.GatewayAPIKey, WebhookURL: *webhookURL,
		WebhookSecret: c.GatewayWebhookSecret, Log: log, DataFile: *dataFile})
	if err != nil {
		return fmt.Errorf("%w (set KAEDE_GATEWAY_API_KEY and KAEDE_GATEWAY_WEBHOOK_SECRET)", err)
	}
	defer gw.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s (KAEDE_GATEWAY_ADDR / --addr): %w", *addr, err)
	}
	srv := &http.Server{Handler: gw, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second}
	go srv.Serve(ln)
	fmt.Fprintf(stdout, "Kaede test gateway is running.\n  gateway: %s/\n  webhooks to: %s\nPress Ctrl-C to stop.\n", *baseURL, orNone(*webhookURL))
	<-ctx.Done()
	shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shut)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

package cardpay_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/cardpay"
	"kaede/internal/cart"
	"kaede/internal/catalog"
	"kaede/internal/checkout"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/detect"
	"kaede/internal/mail"
	"kaede/internal/order"
	"kaede/internal/payment"
	"kaede/internal/payment/gateway"
	"kaede/internal/secevent"
	"kaede/internal/shop"
)

const (
	apiKey        = "test-api-key-0123456789abcdef0123456789"
	webhookSecret = "test-webhook-secret-0123456789abcdef0123"
	price         = shop.Yen(12800)
)

// reporting is the test gateway's client with what it reports changed:
// a provider (or an account, or a page on the way) that says another
// amount or currency than the one the store asked for.
type reporting struct {
	payment.Provider
	mu   sync.Mutex
	edit func(*payment.Status)
}

func (r *reporting) set(edit func(*payment.Status)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.edit = edit
}

func (r *reporting) Get(ctx context.Context, ref string) (payment.Status, error) {
	st, err := r.Provider.Get(ctx, ref)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err == nil && r.edit != nil {
		r.edit(&st)
	}
	return st, err
}

// env is the store's card payments over the real test gateway, with the
// mismatch hook raising its security event as cmd/kaede wires it.
type env struct {
	t        *testing.T
	d        *db.DB
	gwURL    string
	gw       *gateway.Server
	provider *reporting
	pay      *cardpay.Service
	orders   *order.Service
	carts    *cart.Service
	checkout *checkout.Service
	events   *secevent.Store
	told     []cardpay.Mismatch

	mu  sync.Mutex
	now time.Time
	// hooks, when set (listenWebhooks), applies the gateway's webhooks to
	// the store and reports each one's payment state after applying it.
	hooks chan payment.State
}

func (e *env) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

// advance moves the clock on, once the gateway has no delivery in flight:
// a webhook signed before the move and checked after it would be refused
// as too old, a replay.
func (e *env) advance(d time.Duration) {
	e.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); e.gw.Undelivered() > 0; {
		if time.Now().After(deadline) {
			e.t.Fatalf("the gateway still has %d webhooks to deliver", e.gw.Undelivered())
		}
		time.Sleep(5 * time.Millisecond)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = e.now.Add(d)
}

func newEnv(t *testing.T, d *db.DB) *env {
	t.Helper()
	e := &env{t: t, d: d, now: time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC)}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	store := httptest.NewServer(http.HandlerFunc(e.receiveWebhook))
	t.Cleanup(store.Close)
	gwServer := httptest.NewUnstartedServer(nil)
	e.gwURL = "http://" + gwServer.Listener.Addr().String()
	gw, err := gateway.New(gateway.Config{BaseURL: e.gwURL, APIKey: apiKey, WebhookSecret: webhookSecret,
		WebhookURL: store.URL + "/webhooks/gateway", Clock: e.clock, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	e.gw = gw
	gwServer.Config.Handler = gw
	gwServer.Start()
	t.Cleanup(func() { gwServer.Close(); gw.Close() })

	q := mail.NewTestQueue(e.clock)
	e.orders = order.New(d, q, e.clock)
	e.carts = cart.New(d, e.clock)
	e.checkout = checkout.New(d, e.carts, e.orders, q, e.clock, "https://kaede.example")
	if err := e.checkout.EnableCard(checkout.CardOptions{Provider: gateway.Name, Capture: string(payment.CaptureAutomatic), TTL: 30 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	e.events = secevent.NewStore(d, e.clock)
	e.provider = &reporting{Provider: gateway.NewClient(e.gwURL, apiKey, webhookSecret, nil)}
	e.pay, err = cardpay.New(d, e.orders, e.clock, log, cardpay.Config{Provider: e.provider,
		Capture: payment.CaptureAutomatic, BaseURL: "https://kaede.example", PageOrigins: []string{e.gwURL},
		OnMismatch: func(ctx context.Context, tx *sql.Tx, m cardpay.Mismatch) error {
			e.told = append(e.told, m)
			_, err := e.events.RaiseTx(ctx, tx, detect.AmountMismatch(m))
			return err
		}})
	if err != nil {
		t.Fatal(err)
	}
	cat := catalog.New(d, e.clock)
	staff := audit.Actor{Name: "owner@example.jp"}
	category, err := cat.CreateCategory(context.Background(), catalog.Category{Slug: "tools", NameJa: "道具"}, staff)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cat.CreateProduct(context.Background(), catalog.Product{Slug: "needles", CategoryID: category, NameJa: "鍼", TaxClass: shop.TaxStandard,
		Status: catalog.StatusPublished, Variants: []catalog.Variant{{SKU: "N-1", Price: price, Stock: 100, MaxPerOrder: 10}}},
		staff); err != nil {
		t.Fatal(err)
	}
	return e
}

// order places a card order for one item and starts its payment at the
// gateway; it returns the order's number and the payment's reference.
func (e *env) order(key string) (string, string) {
	e.t.Helper()
	o, ref := e.startWallet(key, "card")
	return o.Number, ref
}

// payAtGateway types the test card on the gateway's page: the payment is captured
// there, for the order's full amount.
func (e *env) payAtGateway(ref string) {
	e.t.Helper()
	page := e.gwURL + "/pay/" + ref
	res, err := http.Get(page)
	if err != nil {
		e.t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindSubmatch(body)
	if m == nil {
		e.t.Fatalf("no card form at %s", page)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err = noRedirect.PostForm(page, url.Values{"csrf_token": {string(m[1])}, "name": {"TARO YAMADA"},
		"number": {"4242 4242 4242 4242"}, "expiry": {"12/39"}, "csc": {"123"}})
	if err != nil {
		e.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther && res.StatusCode != http.StatusFound {
		e.t.Fatalf("paying at the gateway: %d", res.StatusCode)
	}
}

func (e *env) status(number string) order.Status {
	e.t.Helper()
	o, err := e.orders.Get(context.Background(), number)
	if err != nil {
		e.t.Fatal(err)
	}
	return o.Status
}

// webhook is a correctly signed gateway webhook saying the payment was
// captured for amount.
func webhook(ref, event string, amount shop.Yen, at time.Time) ([]byte, string) {
	body, _ := json.Marshal(gateway.WebhookEvent{ID: event, Type: gateway.EventPaymentUpdated, Created: at.Unix(),
		Payment: gateway.Payment{ID: ref, State: payment.Captured, Amount: amount, Captured: amount,
			Brand: "visa", Last4: "4242", Capture: payment.CaptureAutomatic}})
	return body, gateway.Sign(webhookSecret, at, body)
}

// TestAmountMismatchRefused: whichever way a provider's report arrives
// (a signed webhook, the customer's return, the reconciliation job), an
// amount or a currency other than the order's never marks the order paid,
// and raises one critical security event naming the order and both
// amounts; the true report afterwards is applied as usual.
func TestAmountMismatchRefused(t *testing.T) {
	tests := []struct {
		name string
		// report delivers the payment's status the way the test names,
		// changed by edit; it returns what the service answered.
		report func(e *env, number, ref string) error
		via    string
	}{
		{"webhook with a lower amount", func(e *env, number, ref string) error {
			o, _ := e.orders.Get(context.Background(), number)
			body, sig := webhook(ref, "evt_low", o.Total-10000, e.clock())
			return e.pay.Webhook(context.Background(), body, sig)
		}, "webhook"},
		{"return with a lower amount", func(e *env, number, ref string) error {
			e.provider.set(func(st *payment.Status) { st.Amount, st.Captured = 100, 100 })
			defer e.provider.set(nil)
			return e.pay.Refresh(context.Background(), number)
		}, "return"},
		{"return in another currency", func(e *env, number, ref string) error {
			e.provider.set(func(st *payment.Status) { st.Currency = "usd" })
			defer e.provider.set(nil)
			return e.pay.Refresh(context.Background(), number)
		}, "return"},
		{"reconciliation with a higher capture", func(e *env, number, ref string) error {
			e.provider.set(func(st *payment.Status) {
				st.State, st.Captured = payment.Captured, st.Amount+1
			})
			defer e.provider.set(nil)
			e.advance(5 * time.Minute) // reconciliation looks at payments a minute old
			_, err := e.pay.Reconcile(context.Background())
			return err
		}, "reconcile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				e := newEnv(t, d)
				number, ref := e.order("key-" + tt.via)
				o, err := e.orders.Get(context.Background(), number)
				if err != nil {
					t.Fatal(err)
				}
				if tt.via != "reconcile" {
					e.payAtGateway(ref) // paid in full at the gateway: only the report lies
				}
				err = tt.report(e, number, ref)
				switch {
				case tt.via == "webhook" && err != nil:
					t.Fatalf("webhook answered %v, want it accepted (and refused inside)", err)
				case tt.via != "webhook" && !errors.Is(err, cardpay.ErrMismatch):
					t.Fatalf("err=%v, want ErrMismatch", err)
				}
				if got := e.status(number); got != order.AwaitingPayment {
					t.Fatalf("order %s is %s after a mismatched report, want %s", number, got, order.AwaitingPayment)
				}
				if len(e.told) != 1 || e.told[0].Order != number || e.told[0].Ref != ref || e.told[0].Via != tt.via ||
					e.told[0].Want != o.Total {
					t.Fatalf("hook told %+v, want one mismatch of order %s, payment %s, via %s, want ¥%d", e.told, number, ref, tt.via, o.Total)
				}
				evs, err := e.events.List(context.Background(), secevent.Filter{Kind: secevent.KindAmountMismatch})
				if err != nil || len(evs) != 1 || evs[0].Severity != secevent.Critical || !strings.Contains(evs[0].Summary, number) {
					t.Fatalf("events=%+v err=%v, want one critical amount event naming %s", evs, err, number)
				}

				// The truth, once the provider tells it, is applied.
				if tt.via == "reconcile" {
					e.payAtGateway(ref)
				}
				if err := e.pay.Refresh(context.Background(), number); err != nil {
					t.Fatalf("refresh with the true amount: %v", err)
				}
				if got := e.status(number); got != order.Paid {
					t.Fatalf("order %s is %s after the true report, want paid", number, got)
				}
				if len(e.told) != 1 {
					t.Errorf("the true report was told as a mismatch: %+v", e.told)
				}
			})
		})
	}
}

// TestWebhookMismatchReplayed: the same refused webhook again changes
// nothing and tells nobody twice.
func TestWebhookMismatchReplayed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		number, ref := e.order("key-replay")
		body, sig := webhook(ref, "evt_replay", 1, e.clock())
		for range 2 {
			if err := e.pay.Webhook(context.Background(), body, sig); err != nil {
				t.Fatal(err)
			}
		}
		if got := e.status(number); got != order.AwaitingPayment || len(e.told) != 1 {
			t.Fatalf("order %s, told %d times; want awaiting payment, told once", got, len(e.told))
		}
	})
}

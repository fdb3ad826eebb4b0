package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"

	"kaede/internal/cardpay"
	"kaede/internal/cart"
	"kaede/internal/catalog"
	"kaede/internal/checkout"
	"kaede/internal/content"
	"kaede/internal/db"
	"kaede/internal/demo"
	"kaede/internal/edge"
	"kaede/internal/fraud"
	"kaede/internal/mail"
	"kaede/internal/member"
	"kaede/internal/order"
	"kaede/internal/payment"
	"kaede/internal/payment/gateway"
	"kaede/internal/secevent"
	"kaede/internal/settings"
	"kaede/internal/switches"
	"kaede/internal/web"
)

// cardEnv is a store and the real test gateway, each on its own
// 127.0.0.1 listener, talking to each other over HTTP as in production:
// the gateway's webhooks reach the store's handler, the store calls the
// gateway's API. Every request the store receives is recorded.
type cardEnv struct {
	t        *testing.T
	db       *db.DB
	store    *httptest.Server
	gwServer *httptest.Server
	gw       *gateway.Server
	pay      *cardpay.Service
	orders   *order.Service
	// sw are the shop's switches, given to checkout, card payments and
	// the store as cmd/kaede does.
	sw       *switches.Service
	log      *syncBuffer
	requests *requestLog
	client   *http.Client // no redirects followed, no cookies
	// dropWebhooks makes the store answer 503 to every webhook, as if it
	// were down: the gateway gives up, and reconciliation has to save
	// the order.
	dropWebhooks bool

	orderCount int

	mu  sync.Mutex
	now time.Time
}

const (
	gwAPIKey        = "test-api-key-0123456789abcdef0123456789"
	gwWebhookSecret = "test-webhook-secret-0123456789abcdef0123"
)

func newCardEnv(t *testing.T, d *db.DB, capture payment.CaptureMode) *cardEnv {
	t.Helper()
	return newCardEnvBehind(t, d, capture, nil)
}

// newCardEnvBehind is newCardEnv with the store trusting proxies'
// X-Forwarded-For.
func newCardEnvBehind(t *testing.T, d *db.DB, capture payment.CaptureMode, proxies edge.Proxies) *cardEnv {
	t.Helper()
	e := &cardEnv{t: t, db: d, log: &syncBuffer{}, requests: &requestLog{},
		now: time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)}
	e.client = &http.Client{Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	e.store = httptest.NewUnstartedServer(nil)
	e.gwServer = httptest.NewUnstartedServer(nil)
	base, gwURL := "http://"+e.store.Listener.Addr().String(), "http://"+e.gwServer.Listener.Addr().String()
	logger := slog.New(slog.NewTextHandler(e.log, &slog.HandlerOptions{Level: slog.LevelDebug}))

	gw, err := gateway.New(gateway.Config{BaseURL: gwURL, APIKey: gwAPIKey,
		WebhookURL: base + web.WebhookPath(gateway.Name), WebhookSecret: gwWebhookSecret,
		Clock: e.clock, Log: logger.With("component", "gateway"), WebhookAttempts: 2, WebhookBackoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	e.gw = gw
	e.gwServer.Config.Handler = gw
	e.gwServer.Start()

	q := mail.NewTestQueue(e.clock)
	cat := catalog.New(d, e.clock)
	carts := cart.New(d, e.clock)
	e.orders = order.New(d, q, e.clock)
	members := member.New(d, q, e.clock, base)
	co := checkout.New(d, carts, e.orders, q, e.clock, base)
	e.sw = switches.NewService(d, e.clock, 2*time.Second)
	co.UseSwitches(e.sw)
	e.pay, err = cardpay.New(d, e.orders, e.clock, logger, cardpay.Config{
		Provider: gateway.NewClient(gwURL, gwAPIKey, gwWebhookSecret, nil), Capture: capture, BaseURL: base,
		PageOrigins: []string{gwURL}, Guard: fraud.New(d, e.clock, fraud.DefaultLimits()), Switches: e.sw,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := co.EnableCard(checkout.CardOptions{Provider: gateway.Name, Capture: string(capture), TTL: 30 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	srv, err := web.New(web.Config{BaseURL: base, Secret: bytes.Repeat([]byte("k"), 32), MediaDir: t.TempDir(), TrustedProxies: proxies},
		web.Deps{Ping: d.PingContext, Settings: settings.NewService(d, e.clock, 2*time.Second),
			Sessions: member.NewSessions(d, e.clock), Legal: content.NewPages(d, e.clock), Logger: logger, Clock: e.clock, Catalog: cat, Carts: carts, Checkout: co, Orders: e.orders,
			Members: members, Payments: e.pay, Events: secevent.NewStore(d, e.clock), Switches: e.sw})
	if err != nil {
		t.Fatal(err)
	}
	if err := web.EnsureDefaultContent(context.Background(), content.NewPages(d, e.clock)); err != nil {
		t.Fatal(err)
	}
	if err := demo.Seed(context.Background(), d, cat, t.TempDir(), e.now); err != nil {
		t.Fatal(err)
	}
	e.store.Config.Handler = e.requests.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if e.webhooksDropped() && strings.HasPrefix(r.URL.Path, "/webhooks/") {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		srv.Handler().ServeHTTP(w, r)
	}))
	e.store.Start()
	t.Cleanup(func() {
		e.gwServer.Close()
		gw.Close()
		e.store.Close()
		srv.Close()
	})
	return e
}

func (e *cardEnv) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *cardEnv) advance(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = e.now.Add(d)
}

func (e *cardEnv) setDropWebhooks(v bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.dropWebhooks = v
}

func (e *cardEnv) webhooksDropped() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.dropWebhooks
}

// requestLog records every request the store receives: its URL, headers
// and body, to prove that no card number ever reached the store.
type requestLog struct {
	mu   sync.Mutex
	seen []string
}

func (l *requestLog) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		var b strings.Builder
		b.WriteString(r.Method + " " + r.URL.String() + "\n")
		r.Header.Write(&b)
		b.Write(body)
		l.mu.Lock()
		l.seen = append(l.seen, b.String())
		l.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

func (l *requestLog) all() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.seen, "\n----\n")
}

// do sends a request and reads the answer; redirects are not followed.
func (e *cardEnv) do(c *http.Client, method, target, contentType string, body io.Reader, header ...string) *response {
	e.t.Helper()
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, target, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return &response{Response: res, body: string(b)}
}

// api calls the store's JSON API.
func (e *cardEnv) api(method, path, body string, header ...string) *response {
	e.t.Helper()
	return e.apiVia(e.client, e.store.URL, method, path, body, header...)
}

// apiVia calls the JSON API at base (the store, or a proxy in front of
// it) with client c.
func (e *cardEnv) apiVia(c *http.Client, base, method, path, body string, header ...string) *response {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	return e.do(c, method, base+path, "application/json", rd, header...)
}

// cardOrder is the API's answer to a card checkout.
type cardOrder struct {
	Order struct {
		Number      string `json:"number"`
		Status      string `json:"status"`
		Total       int64  `json:"total"`
		AccessToken string `json:"access_token"`
		Payment     struct {
			Method string `json:"method"`
			State  string `json:"state"`
			Brand  string `json:"brand"`
			Last4  string `json:"last4"`
		} `json:"payment"`
	} `json:"order"`
	NextAction *struct {
		Type string `json:"type"`
		URL  string `json:"url"`
	} `json:"next_action"`
}

func decodeCard(t *testing.T, res *response, status int) cardOrder {
	t.Helper()
	if res.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", res.StatusCode, status, res.body)
	}
	var v cardOrder
	if err := json.Unmarshal([]byte(res.body), &v); err != nil {
		t.Fatalf("decode %q: %v", res.body, err)
	}
	return v
}

// checkoutCard places a card order for the SKU through the API.
func (e *cardEnv) checkoutCard(sku string, qty int) cardOrder {
	e.t.Helper()
	return e.checkoutCardVia(e.client, e.store.URL, sku, qty)
}

// checkoutCardVia is checkoutCard with client c at base; header is sent
// with every request.
func (e *cardEnv) checkoutCardVia(client *http.Client, base, sku string, qty int, header ...string) cardOrder {
	e.t.Helper()
	return e.checkoutVia(client, base, "card", sku, qty, header...)
}

// checkoutVia places an order paid by method for the SKU through the API.
func (e *cardEnv) checkoutVia(client *http.Client, base, method, sku string, qty int, header ...string) cardOrder {
	e.t.Helper()
	var c struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(e.apiVia(client, base, "POST", "/api/v1/carts", "", header...).body), &c); err != nil || c.ID == "" {
		e.t.Fatalf("new cart: %v", err)
	}
	if res := e.apiVia(client, base, "POST", "/api/v1/carts/"+c.ID+"/items", `{"sku":"`+sku+`","quantity":`+strconv.Itoa(qty)+`}`, header...); res.StatusCode != 200 {
		e.t.Fatalf("add item: %d %s", res.StatusCode, res.body)
	}
	// One e-mail address per order, as from different customers: the
	// card-testing guard allows few attempts per address.
	e.orderCount++
	body := strings.Replace(checkoutBody(`"13"`, method), "buyer@example.jp", fmt.Sprintf("buyer%d@example.jp", e.orderCount), 1)
	return decodeCard(e.t, e.apiVia(client, base, "POST", "/api/v1/carts/"+c.ID+"/checkout", body, header...), http.StatusCreated)
}

// getOrder reads the order through the API with its token.
func (e *cardEnv) getOrder(o cardOrder) cardOrder {
	e.t.Helper()
	return decodeCard(e.t, e.api("GET", "/api/v1/orders/"+o.Order.Number, "", "Authorization", "Bearer "+o.Order.AccessToken), http.StatusOK)
}

// poll calls check every 10 ms until it reports nothing missing, and
// fails the test with what was last missing after 5 s: webhooks and what
// follows them arrive asynchronously.
func (e *cardEnv) poll(check func() (missing string)) {
	e.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		missing := check()
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatal(missing)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitStatus polls the order until it has the status.
func (e *cardEnv) waitStatus(o cardOrder, status string) cardOrder {
	e.t.Helper()
	var got cardOrder
	e.poll(func() string {
		if got = e.getOrder(o); got.Order.Status != status {
			return fmt.Sprintf("order %s is %s (payment %+v), want %s", o.Order.Number, got.Order.Status, got.Order.Payment, status)
		}
		return ""
	})
	return got
}

// card is what a customer types on the gateway's page.
type card struct {
	Number, Expiry, CSC string
}

// payOnGateway plays the customer's browser on the gateway: it loads the
// card page at payURL, parses its form, posts the card, answers a 3-D
// Secure challenge with code when asked, and returns where the gateway
// sends the customer next (the store's return URL after a success) and
// the last page's body. It does not follow the link back to the store.
func (e *cardEnv) payOnGateway(payURL string, c card, code string) (string, string) {
	e.t.Helper()
	page := e.do(e.client, "GET", payURL, "", nil)
	if page.StatusCode != http.StatusOK {
		e.t.Fatalf("card page %d: %s", page.StatusCode, page.body)
	}
	action, fields := formOf(e.t, page.body, "number")
	fields.Set("name", "TARO YAMADA")
	fields.Set("number", c.Number)
	fields.Set("expiry", c.Expiry)
	fields.Set("csc", c.CSC)
	res := e.do(e.client, "POST", resolve(payURL, action), "application/x-www-form-urlencoded", strings.NewReader(fields.Encode()))
	loc := resolve(payURL, res.Header.Get("Location"))
	if strings.Contains(loc, "/3ds/") {
		page = e.do(e.client, "GET", loc, "", nil)
		action, fields = formOf(e.t, page.body, "code")
		fields.Set("code", code)
		res = e.do(e.client, "POST", resolve(loc, action), "application/x-www-form-urlencoded", strings.NewReader(fields.Encode()))
		loc = resolve(loc, res.Header.Get("Location"))
	}
	if strings.Contains(loc, "/pay/") {
		// A declined card: the gateway's own result page.
		page = e.do(e.client, "GET", loc, "", nil)
		return loc, page.body
	}
	return loc, res.body
}

// formOf finds the form that has an input named field and returns its
// action and its hidden fields.
func formOf(t *testing.T, body, field string) (string, url.Values) {
	t.Helper()
	doc := parseHTML(t, body)
	var found *html.Node
	walk(doc, func(n *html.Node) {
		if n.Data != "form" || found != nil {
			return
		}
		walk(n, func(in *html.Node) {
			if name, _ := attr(in, "name"); in.Data == "input" && name == field {
				found = n
			}
		})
	})
	if found == nil {
		t.Fatalf("no form with %q in %s", field, body)
	}
	action, _ := attr(found, "action")
	fields := url.Values{}
	walk(found, func(in *html.Node) {
		if typ, _ := attr(in, "type"); in.Data == "input" && typ == "hidden" {
			name, _ := attr(in, "name")
			value, _ := attr(in, "value")
			fields.Set(name, value)
		}
	})
	return action, fields
}

func resolve(base, ref string) string {
	b, err := url.Parse(base)
	if err != nil {
		return ref
	}
	r, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	return b.ResolveReference(r).String()
}

// browserClient is a client with a cookie jar, for the store's HTML forms.
func (e *cardEnv) browserClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// count runs a COUNT query.
func (e *cardEnv) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRow(query, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
	return n
}

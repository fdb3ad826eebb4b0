package admin_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"golang.org/x/net/html"

	"kaede/internal/admin"
	"kaede/internal/audit"
	"kaede/internal/content"
	"kaede/internal/db"
	"kaede/internal/mail"
	"kaede/internal/member"
	"kaede/internal/order"
	pwhash "kaede/internal/password"
	"kaede/internal/secevent"
	"kaede/internal/settings"
	"kaede/internal/staff"
	"kaede/internal/switches"
)

// fastHash keeps tests quick; production uses pwhash.Default.
var fastHash = pwhash.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

const (
	password  = "a long staff passphrase"
	userAgent = "Mozilla/5.0 (test) Firefox/140.0"
	officeIP  = "192.0.2.10"
)

// testClock is a clock the test moves forward by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// env is an admin server on a fresh database.
type env struct {
	t     *testing.T
	d     *db.DB
	clock *testClock
	staff *staff.Service
	sw    *switches.Service
	h     http.Handler
	ctx   context.Context
}

// newEnv builds the admin on d; with adds the dependencies a test needs
// beyond the ones every page needs.
func newEnv(t *testing.T, d *db.DB, with ...func(*admin.Deps)) *env {
	t.Helper()
	clock := &testClock{now: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)}
	svc, err := staff.New(d, mail.NewTestQueue(clock.Now), clock.Now, bytes.Repeat([]byte{7}, staff.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.SetHashParams(fastHash); err != nil {
		t.Fatal(err)
	}
	sw := switches.NewService(d, clock.Now, 2*time.Second)
	deps := admin.Deps{
		Logger:   discardLogger(),
		Clock:    clock.Now,
		Staff:    svc,
		Settings: settings.NewService(d, clock.Now, time.Minute),
		Audit:    audit.NewLog(d),
		Legal:    content.NewPages(d, clock.Now),
		Orders:   order.New(d, mail.NewTestQueue(clock.Now), clock.Now),
		Members:  member.New(d, mail.NewTestQueue(clock.Now), clock.Now, "http://shop.test"),
		Events:   secevent.NewStore(d, clock.Now),
		StoreURL: "https://shop.test",
		Switches: sw,
	}
	for _, f := range with {
		f(&deps)
	}
	srv, err := admin.New(admin.Config{
		BaseURL:     "http://admin.test",
		Secret:      bytes.Repeat([]byte{9}, 32),
		AllowedNets: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")},
	}, deps)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, d: d, clock: clock, staff: svc, sw: sw, h: srv.Handler(), ctx: context.Background()}
}

// browser is one staff member's browser: its cookies and address.
type browser struct {
	e         *env
	ip        string
	jar       map[string]string
	csrfFor   string // the CSRF cookie the token belongs to
	csrfToken string
	secret    string // the TOTP secret, once enrolled
}

func (e *env) browser(ip string) *browser {
	return &browser{e: e, ip: ip, jar: map[string]string{}}
}

// response is a finished request with its parsed page.
type response struct {
	*http.Response
	Body string
	Doc  *html.Node
}

// do sends a request and keeps the cookies the response sets.
func (b *browser) do(method, path string, form url.Values, header http.Header) *response {
	b.e.t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req := httptest.NewRequest(method, "http://admin.test"+path, body)
	req.RemoteAddr = b.ip + ":40000"
	req.Header.Set("User-Agent", userAgent)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	for name, value := range b.jar {
		req.AddCookie(&http.Cookie{Name: name, Value: value})
	}
	rec := httptest.NewRecorder()
	b.e.h.ServeHTTP(rec, req)
	res := rec.Result()
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.jar, c.Name)
		} else {
			b.jar[c.Name] = c.Value
		}
	}
	out := &response{Response: res, Body: rec.Body.String()}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		doc, err := html.Parse(strings.NewReader(out.Body))
		if err != nil {
			b.e.t.Fatalf("%s %s: parse HTML: %v", method, path, err)
		}
		out.Doc = doc
	}
	return out
}

func (b *browser) get(path string) *response { return b.do(http.MethodGet, path, nil, nil) }

// post sends a form with the browser's CSRF token, as the page's form would.
func (b *browser) post(path string, form url.Values) *response {
	b.e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf_token", b.token())
	return b.do(http.MethodPost, path, form, nil)
}

// token returns the CSRF token of the browser's current CSRF cookie,
// reading it from a page's form when the cookie is new.
func (b *browser) token() string {
	b.e.t.Helper()
	if c := b.jar["kaede_admin_csrf"]; c != "" && c == b.csrfFor {
		return b.csrfToken
	}
	res := b.get("/admin/login")
	v, ok := inputValue(res.Doc, "csrf_token")
	if !ok {
		b.e.t.Fatalf("no csrf_token on the login page:\n%s", res.Body)
	}
	b.csrfFor, b.csrfToken = b.jar["kaede_admin_csrf"], v
	return v
}

// code returns the next TOTP code: the clock moves to the next 30-second
// step first, since a code is accepted only once.
func (b *browser) code() string {
	b.e.t.Helper()
	b.e.clock.Advance(30 * time.Second)
	c, err := totp.GenerateCode(b.secret, b.e.clock.Now())
	if err != nil {
		b.e.t.Fatal(err)
	}
	return c
}

// enrol adds a member of staff from the command line and enrols them
// through the pages, returning their logged-out browser and recovery codes.
func (e *env) enrol(email string, role staff.Role) (*browser, []string) {
	e.t.Helper()
	token, err := e.staff.Add(e.ctx, email, role, staff.CLI)
	if err != nil {
		e.t.Fatal(err)
	}
	b := e.browser(officeIP)
	return b, b.enrolWith(token)
}

func (b *browser) enrolWith(token string) []string {
	t := b.e.t
	t.Helper()
	res := b.get("/admin/enrol?token=" + url.QueryEscape(token))
	wantStatus(t, res, http.StatusOK)
	res = b.post("/admin/enrol", url.Values{"token": {token}, "password": {password}, "password_confirm": {password}})
	wantStatus(t, res, http.StatusOK)
	img := find(res.Doc, func(n *html.Node) bool { return n.Data == "img" })
	if img == nil || !strings.HasPrefix(attr(img, "src"), "data:image/png;base64,") {
		t.Fatalf("enrolment page has no QR code data: URL:\n%s", res.Body)
	}
	secret := find(res.Doc, hasClass("secret"))
	if secret == nil {
		t.Fatalf("enrolment page shows no secret:\n%s", res.Body)
	}
	b.secret = textOf(secret)
	res = b.post("/admin/enrol/confirm", url.Values{"token": {token}, "code": {b.code()}})
	wantStatus(t, res, http.StatusOK)
	var codes []string
	walk(res.Doc, func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "code" && n.Parent != nil && n.Parent.Data == "li" {
			codes = append(codes, textOf(n))
		}
	})
	if len(codes) != 10 {
		t.Fatalf("recovery codes shown: %d, want 10:\n%s", len(codes), res.Body)
	}
	return codes
}

// login logs the browser in with the password and a TOTP code.
func (b *browser) login(email string) {
	t := b.e.t
	t.Helper()
	res := b.post("/admin/login", url.Values{"email": {email}, "password": {password}})
	wantRedirect(t, res, "/admin/login/code")
	res = b.post("/admin/login/code", url.Values{"code": {b.code()}, "next": {"/admin/"}})
	wantRedirect(t, res, "/admin/")
}

func wantStatus(t *testing.T, res *response, want int) {
	t.Helper()
	if res.StatusCode != want {
		t.Fatalf("%s %s: status=%d, want %d\n%s", res.Request.Method, res.Request.URL, res.StatusCode, want, res.Body)
	}
}

// wantRedirect checks a 303 to a path starting with prefix.
func wantRedirect(t *testing.T, res *response, prefix string) {
	t.Helper()
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, prefix) {
		t.Fatalf("%s %s: status=%d Location=%q, want 303 to %s…\n%s", res.Request.Method, res.Request.URL, res.StatusCode, loc, prefix, res.Body)
	}
}

// entries returns the audit entries with the action (and actor, if given).
func (e *env) entries(action, actor string) []audit.Entry {
	e.t.Helper()
	list, err := audit.List(e.ctx, e.d, audit.Filter{Action: action, Actor: actor})
	if err != nil {
		e.t.Fatal(err)
	}
	return list
}

// HTML helpers.

func walk(n *html.Node, fn func(*html.Node)) {
	fn(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

func find(n *html.Node, match func(*html.Node) bool) *html.Node {
	var found *html.Node
	walk(n, func(x *html.Node) {
		if found == nil && x.Type == html.ElementNode && match(x) {
			found = x
		}
	})
	return found
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, name string) bool {
	for _, a := range n.Attr {
		if a.Key == name {
			return true
		}
	}
	return false
}

func hasClass(class string) func(*html.Node) bool {
	return func(n *html.Node) bool {
		for _, c := range strings.Fields(attr(n, "class")) {
			if c == class {
				return true
			}
		}
		return false
	}
}

func byID(id string) func(*html.Node) bool {
	return func(n *html.Node) bool { return attr(n, "id") == id }
}

func textOf(n *html.Node) string {
	var b strings.Builder
	walk(n, func(x *html.Node) {
		if x.Type == html.TextNode {
			b.WriteString(x.Data)
		}
	})
	return strings.TrimSpace(b.String())
}

func inputValue(doc *html.Node, name string) (string, bool) {
	n := find(doc, func(n *html.Node) bool { return n.Data == "input" && attr(n, "name") == name })
	if n == nil {
		return "", false
	}
	return attr(n, "value"), true
}

// formValues collects what the form posting to action would send.
func formValues(doc *html.Node, action string) url.Values {
	form := find(doc, func(n *html.Node) bool { return n.Data == "form" && attr(n, "action") == action })
	v := url.Values{}
	if form == nil {
		return v
	}
	walk(form, func(n *html.Node) {
		if n.Type != html.ElementNode || attr(n, "name") == "" {
			return
		}
		name := attr(n, "name")
		switch n.Data {
		case "input":
			if attr(n, "type") == "checkbox" {
				if hasAttr(n, "checked") {
					v.Add(name, "on")
				}
				return
			}
			v.Add(name, attr(n, "value"))
		case "textarea":
			v.Add(name, textOf(n))
		case "select":
			opt := find(n, func(o *html.Node) bool { return o.Data == "option" && hasAttr(o, "selected") })
			if opt == nil {
				opt = find(n, func(o *html.Node) bool { return o.Data == "option" })
			}
			if opt != nil {
				v.Add(name, attr(opt, "value"))
			}
		}
	})
	return v
}

package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"golang.org/x/net/html"
)

// stepClock is a clock the test moves by hand.
type stepClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stepClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestSettingSavedInTheAdminShowsInTheStoreAtOnce saves the seller's name
// through the admin's pages and reads the store's 特定商取引法 page right
// after, through the binary's own wiring. The clock stands still in
// between, so a store with a settings cache of its own would show the old
// name for as long as that cache lives.
func TestSettingSavedInTheAdminShowsInTheStoreAtOnce(t *testing.T) {
	eachDatabase(t, testSettingSavedInTheAdminShowsInTheStoreAtOnce)
}

func testSettingSavedInTheAdminShowsInTheStoreAtOnce(t *testing.T, cfg Config) {
	dir := cfg.DataDir
	cfg.Addr, cfg.Demo, cfg.MailFrom = "127.0.0.1:0", true, "shop@kaede.example"
	cfg.Secret, cfg.Admin = strings.Repeat("x", 32), AdminConfig{Allow: "127.0.0.0/8"}
	cfg.finish()
	clock := &stepClock{now: time.Now().UTC()}
	m := NewMain(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	m.Clock = clock.Now
	if err := m.Run(t.Context()); err != nil {
		m.Close()
		t.Fatalf("run: %v", err)
	}
	defer m.Close()

	c := staffLogin(t, m, dir, clock, "owner@example.jp", "")

	// The store reads the settings first, so that they are cached.
	const seller, renamed = "株式会社楓商会", "株式会社楓新商会"
	if body := c.get("/legal/tokushoho"); !strings.Contains(body, seller) || strings.Contains(body, renamed) {
		t.Fatalf("store's notice before the change lacks the seller %q", seller)
	}
	c.submit("/admin/settings/edit", "/admin/settings", url.Values{"company": {renamed}}, http.StatusSeeOther)
	if loc := c.res.Header.Get("Location"); !strings.HasPrefix(loc, "/admin/settings?done=saved") {
		t.Fatalf("settings save redirected to %q, want /admin/settings?done=saved", loc)
	}
	if body := c.get("/legal/tokushoho"); !strings.Contains(body, renamed) {
		t.Fatalf("store's notice right after the admin saved does not name the seller %q", renamed)
	}
}

// staffLogin adds an owner with the command line, enrols them through the
// admin's pages (password and TOTP) and logs them in: a client holding a
// staff session whose second factor is fresh. userAgent, when set, is the
// browser the client says it is for every request.
func staffLogin(t *testing.T, m *Main, dir string, clock *stepClock, email, userAgent string) *siteClient {
	t.Helper()
	const password = "a long staff passphrase"
	var out, errOut bytes.Buffer
	if err := runStaff(context.Background(), []string{"add", "--database", m.Config.DatabaseURL, "--data", dir, "--demo",
		"--email", email, "--role", "owner", "--admin-url", m.URL()}, &out, &errOut); err != nil {
		t.Fatalf("staff add: %v\n%s", err, errOut.String())
	}
	link := regexp.MustCompile(`http://\S+/admin/enrol\?token=\S+`).FindString(out.String())
	if link == "" {
		t.Fatalf("staff add printed %q, want an enrolment link", out.String())
	}
	token := must(url.Parse(link)).Query().Get("token")

	c := newSiteClient(t, m.URL())
	c.userAgent = userAgent
	code := func(secret string) string {
		clock.Advance(30 * time.Second) // a code is accepted once
		return must(totp.GenerateCode(secret, clock.Now()))
	}
	c.submit("/admin/enrol?token="+url.QueryEscape(token), "/admin/enrol",
		url.Values{"password": {password}, "password_confirm": {password}}, http.StatusOK)
	secret := textOfClass(c.doc, "secret")
	c.submit("", "/admin/enrol/confirm", url.Values{"code": {code(secret)}}, http.StatusOK)
	c.submit("/admin/login", "/admin/login", url.Values{"email": {email}, "password": {password}}, http.StatusSeeOther)
	c.submit("/admin/login/code", "/admin/login/code", url.Values{"code": {code(secret)}, "next": {"/admin/"}}, http.StatusSeeOther)
	return c
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// siteClient is one browser of the store and the admin: its cookies, the
// last response and its page.
type siteClient struct {
	t    *testing.T
	base string
	http *http.Client
	res  *http.Response
	doc  *html.Node
	// userAgent is sent with every request when set.
	userAgent string
}

func newSiteClient(t *testing.T, base string) *siteClient {
	jar, _ := cookiejar.New(nil)
	return &siteClient{t: t, base: base, http: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do sends the request and keeps the response and its parsed page.
func (c *siteClient) do(req *http.Request) string {
	c.t.Helper()
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	c.res = res
	if c.doc, err = html.Parse(bytes.NewReader(body)); err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	return string(body)
}

// get loads a page, which must answer 200.
func (c *siteClient) get(path string) string {
	c.t.Helper()
	body := c.do(must(http.NewRequest(http.MethodGet, c.base+path, nil)))
	if c.res.StatusCode != http.StatusOK {
		c.t.Fatalf("GET %s: status %d, want 200", path, c.res.StatusCode)
	}
	return body
}

// submit loads the page at from (or keeps the current one when from is
// empty), fills the form that posts to action with its own fields (the
// CSRF token among them) overridden by set, and sends it.
func (c *siteClient) submit(from, action string, set url.Values, want int) {
	c.t.Helper()
	if from != "" {
		c.get(from)
	}
	c.submitVia(action, action, set, want)
}

// submitVia sends the current page's form that posts to action to target
// instead, as a button with formaction="target" does.
func (c *siteClient) submitVia(action, target string, set url.Values, want int) {
	c.t.Helper()
	form := formFields(c.doc, action)
	if form.Get("csrf_token") == "" {
		c.t.Fatalf("no form posting to %s with a CSRF token on the page", action)
	}
	for k, v := range set {
		form[k] = v
	}
	req := must(http.NewRequest(http.MethodPost, c.base+target, strings.NewReader(form.Encode())))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	body := c.do(req)
	if c.res.StatusCode != want {
		c.t.Fatalf("POST %s: status %d, want %d\n%s", target, c.res.StatusCode, want, body)
	}
}

// formFields returns the fields of the form posting to action as the
// browser would send them untouched.
func formFields(doc *html.Node, action string) url.Values {
	v := url.Values{}
	var form *html.Node
	visit(doc, func(n *html.Node) {
		if form == nil && n.Type == html.ElementNode && n.Data == "form" && attrOf(n, "action") == action {
			form = n
		}
	})
	if form == nil {
		return v
	}
	visit(form, func(n *html.Node) {
		name := attrOf(n, "name")
		if n.Type != html.ElementNode || name == "" {
			return
		}
		switch n.Data {
		case "input":
			if t := attrOf(n, "type"); t == "checkbox" || t == "radio" {
				if hasAttrOf(n, "checked") {
					v.Add(name, attrOf(n, "value"))
				}
				return
			}
			v.Add(name, attrOf(n, "value"))
		case "textarea":
			v.Add(name, textOf(n))
		case "select":
			var first, chosen *html.Node
			visit(n, func(o *html.Node) {
				if o.Type == html.ElementNode && o.Data == "option" {
					if first == nil {
						first = o
					}
					if chosen == nil && hasAttrOf(o, "selected") {
						chosen = o
					}
				}
			})
			if chosen == nil {
				chosen = first
			}
			if chosen != nil {
				v.Add(name, attrOf(chosen, "value"))
			}
		}
	})
	return v
}

func visit(n *html.Node, f func(*html.Node)) {
	f(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		visit(c, f)
	}
}

func attrOf(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttrOf(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

func textOf(n *html.Node) string {
	var b strings.Builder
	visit(n, func(x *html.Node) {
		if x.Type == html.TextNode {
			b.WriteString(x.Data)
		}
	})
	return b.String()
}

// textOfClass is the text of the first element with the class.
func textOfClass(doc *html.Node, class string) string {
	var out string
	found := false
	visit(doc, func(n *html.Node) {
		if !found && n.Type == html.ElementNode && strings.Contains(" "+attrOf(n, "class")+" ", " "+class+" ") {
			out, found = strings.TrimSpace(textOf(n)), true
		}
	})
	return out
}

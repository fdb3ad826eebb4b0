// Command soak drives a running demo store with mixed traffic for a long
// time and prints, per interval, the requests, the 5xx answers, the p50,
// p99 and slowest latency, the answers slower than 2 s (a stalled store)
// and the store's resident memory; bench/soak.sh runs it.
//
//	soak prepare --data DIR        # store stopped: loose limits, deep stock
//	soak monitor --data DIR        # the tamper monitor's runs by result
//	soak run --base URL --pid PID --enrol LINK --email ADDR [--duration 30m] [--interval 30s] [--clients 8]
//
// The traffic: the home, category, product and search pages; the products
// API; carts and checkouts through the store's forms (bank transfer, cash
// on delivery) and through the JSON API (bank transfer, cash on delivery,
// card up to the provider's page); a member of staff reading the
// dashboard, the orders, an order, the products and the audit log. It
// exits non-zero when any answer was a 5xx or not what the step expects.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pquerna/otp/totp"
	"golang.org/x/net/html"

	"kaede/bench/internal/loadprep"
	"kaede/internal/db"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: soak prepare --data DIR | soak run --base URL --pid PID --enrol LINK")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "prepare":
		err = prepare(os.Args[2:])
	case "run":
		err = run(os.Args[2:])
	case "monitor":
		err = monitorRuns(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

// openData parses a command's one flag, --data, and opens the demo's
// database there.
func openData(ctx context.Context, name, usage string, args []string) (*db.DB, error) {
	fs := flag.NewFlagSet("soak "+name, flag.ExitOnError)
	data := fs.String("data", "", usage)
	fs.Parse(args)
	return db.Open(ctx, filepath.Join(*data, "kaede.db"))
}

// prepare lifts the limits per client (every soak client is 127.0.0.1)
// and gives every variant deep stock, so that the soak never sells out.
func prepare(args []string) error {
	ctx := context.Background()
	d, err := openData(ctx, "prepare", "the demo's data directory (the store must be stopped)", args)
	if err != nil {
		return err
	}
	defer d.Close()
	return loadprep.Loosen(ctx, d)
}

// monitorRuns prints the tamper monitor's runs by result, from the
// store's database (it may be running).
func monitorRuns(args []string) error {
	ctx := context.Background()
	d, err := openData(ctx, "monitor", "the demo's data directory", args)
	if err != nil {
		return err
	}
	defer d.Close()
	rows, err := d.QueryContext(ctx, `SELECT result, COUNT(*) FROM monitor_runs GROUP BY result ORDER BY result`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var parts []string
	for rows.Next() {
		var result string
		var n int
		if err := rows.Scan(&result, &n); err != nil {
			return err
		}
		parts = append(parts, fmt.Sprintf("%d %s", n, result))
	}
	fmt.Printf("tamper monitor runs: %s\n", strings.Join(parts, ", "))
	return rows.Err()
}

// run is the soak itself.
func run(args []string) error {
	fs := flag.NewFlagSet("soak run", flag.ExitOnError)
	base := fs.String("base", "", "the store's base URL")
	pid := fs.Int("pid", 0, "the store's process id, for its resident memory")
	enrol := fs.String("enrol", "", "a staff enrolment link (kaede staff add prints one)")
	email := fs.String("email", "soak@example.jp", "the e-mail address the staff account was added with")
	duration := fs.Duration("duration", 30*time.Minute, "how long to run")
	interval := fs.Duration("interval", 30*time.Second, "how often to print the figures")
	clients := fs.Int("clients", 8, "customers at once (and one member of staff)")
	fs.Parse(args)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *duration)
	defer cancel()

	s := &soak{base: strings.TrimSuffix(*base, "/")}
	if err := s.discover(); err != nil {
		return err
	}
	staffClient, err := s.staffLogin(*enrol, *email)
	if err != nil {
		return fmt.Errorf("staff login: %w", err)
	}
	var wg sync.WaitGroup
	for i := range *clients {
		wg.Go(func() { s.customer(ctx, i) })
	}
	wg.Go(func() { s.staff(ctx, staffClient) })

	fmt.Printf("%8s %8s %6s %6s %9s %9s %9s %6s %9s\n", "t", "requests", "5xx", "wrong", "p50", "p99", "max", "slow", "rss")
	start := time.Now()
	tick := time.NewTicker(*interval)
	defer tick.Stop()
	var all stats
	var rss []int
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
			wg.Wait()
		case <-tick.C:
		}
		iv := s.take()
		all.add(iv)
		kb := residentKB(*pid)
		rss = append(rss, kb)
		fmt.Printf("%8s %8d %6d %6d %9s %9s %9s %6d %7.1fMB\n", time.Since(start).Round(time.Second), len(iv.took), iv.fivexx, len(iv.wrong),
			iv.percentile(50), iv.percentile(99), iv.percentile(100), iv.slow(), float64(kb)/1024)
		for _, w := range iv.wrong[:min(3, len(iv.wrong))] {
			fmt.Println("   ", w)
		}
	}
	fmt.Printf("total: %d requests, %d orders, %d 5xx, %d wrong answers, p50 %s, p99 %s, max %s, %d slower than %s; rss first %.1fMB, last %.1fMB, max %.1fMB\n",
		len(all.took), s.orders(), all.fivexx, len(all.wrong), all.percentile(50), all.percentile(99), all.percentile(100), all.slow(), slowAnswer,
		float64(rss[0])/1024, float64(rss[len(rss)-1])/1024, float64(slices.Max(rss))/1024)
	if all.fivexx > 0 || len(all.wrong) > 0 {
		return errors.New("5xx or wrong answers during the soak")
	}
	return nil
}

// soak holds what the clients share.
type soak struct {
	base       string
	categories []string
	products   []product

	mu        sync.Mutex
	cur       stats
	placed    int
	customers int
}

type product struct {
	Slug              string
	PractitionersOnly bool `json:"practitioners_only"`
	Variants          []struct {
		SKU     string
		InStock bool `json:"in_stock"`
	}
}

// stats are the answers of one interval.
type stats struct {
	took   []time.Duration
	fivexx int
	wrong  []string
}

func (a *stats) add(b stats) {
	a.took = append(a.took, b.took...)
	a.fivexx += b.fivexx
	a.wrong = append(a.wrong, b.wrong...)
}

func (a *stats) percentile(p int) time.Duration {
	if len(a.took) == 0 {
		return 0
	}
	s := slices.Clone(a.took)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)].Round(100 * time.Microsecond)
}

// slowAnswer is an answer that only a stalled store gives: the whole store
// waiting, as for a write lock held by a transaction that cannot finish.
const slowAnswer = 2 * time.Second

// slow counts the answers that took slowAnswer or longer.
func (a *stats) slow() int {
	n := 0
	for _, t := range a.took {
		if t >= slowAnswer {
			n++
		}
	}
	return n
}

func (s *soak) take() stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	iv := s.cur
	s.cur = stats{}
	return iv
}

// email is a new customer's address: each order its own, as in a shop.
func (s *soak) email() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.customers++
	return fmt.Sprintf("soak-%d@example.jp", s.customers)
}

func (s *soak) orders() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.placed
}

// record notes one answer: its time, a 5xx, or a status the step did not
// expect.
func (s *soak) record(what string, took time.Duration, status, want int, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cur.took = append(s.cur.took, took)
	if status >= 500 {
		s.cur.fivexx++
	}
	if status != want {
		s.cur.wrong = append(s.cur.wrong, fmt.Sprintf("%s: %d, want %d: %.200s", what, status, want, body))
	}
}

// discover reads the categories and the products from the API.
func (s *soak) discover() error {
	c := newClient(s)
	var cats struct{ Categories []struct{ Slug string } }
	if err := c.getJSON("/api/v1/categories", &cats); err != nil {
		return err
	}
	for _, k := range cats.Categories {
		s.categories = append(s.categories, k.Slug)
	}
	var ps struct{ Products []product }
	if err := c.getJSON("/api/v1/products?limit=100", &ps); err != nil {
		return err
	}
	for _, p := range ps.Products {
		// Practitioners' products need an approved licence.
		if !p.PractitionersOnly && len(p.Variants) > 0 && p.Variants[0].InStock {
			s.products = append(s.products, p)
		}
	}
	if len(s.categories) == 0 || len(s.products) == 0 {
		return fmt.Errorf("no categories (%d) or products in stock (%d)", len(s.categories), len(s.products))
	}
	return nil
}

// customer browses and buys until ctx ends.
func (s *soak) customer(ctx context.Context, n int) {
	methods := []string{"bank_transfer", "cod"}
	for i := 0; ctx.Err() == nil; i++ {
		c := newClient(s) // a new visitor, with a new session, now and then
		for j := 0; j < 20 && ctx.Err() == nil; j++ {
			p := s.products[rand.IntN(len(s.products))]
			switch r := rand.IntN(100); {
			case r < 20:
				c.get(ctx, "/", 200)
			case r < 40:
				c.get(ctx, "/category/"+s.categories[rand.IntN(len(s.categories))], 200)
			case r < 60:
				c.get(ctx, "/products/"+p.Slug, 200)
			case r < 70:
				c.get(ctx, "/search?q="+url.QueryEscape([]string{"茶", "鍼", "tea", "もぐさ"}[rand.IntN(4)]), 200)
			case r < 80:
				c.get(ctx, "/api/v1/products?limit=30", 200)
			case r < 90:
				c.formCheckout(ctx, p, methods[(n+i+j)%2])
			default:
				c.apiCheckout(ctx, p, []string{"bank_transfer", "cod", "card"}[(n+i+j)%3])
			}
		}
	}
}

// staff reads the admin until ctx ends.
func (s *soak) staff(ctx context.Context, c *client) {
	for ctx.Err() == nil {
		c.get(ctx, "/admin/", 200)
		body := c.get(ctx, "/admin/orders", 200)
		if m := orderLink.FindSubmatch(body); m != nil {
			c.get(ctx, string(m[1]), 200)
		}
		c.get(ctx, "/admin/products", 200)
		c.get(ctx, "/admin/audit", 200)
		c.get(ctx, "/admin/customers", 200)
		select {
		case <-ctx.Done():
		case <-time.After(500 * time.Millisecond): // a person reads the page
		}
	}
}

var orderLink = regexp.MustCompile(`href="(/admin/orders/K[0-9-]+)"`)

// client is one browser: its cookies and its last page.
type client struct {
	s    *soak
	http *http.Client
	doc  *html.Node
}

func newClient(s *soak) *client {
	jar, _ := cookiejar.New(nil)
	return &client{s: s, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do sends req, records the answer against want and returns its body.
func (c *client) do(req *http.Request, want int) ([]byte, *http.Response) {
	what := req.Method + " " + req.URL.Path
	t0 := time.Now()
	res, err := c.http.Do(req)
	if err != nil {
		if req.Context().Err() == nil {
			c.s.record(what, time.Since(t0), 0, want, []byte(err.Error()))
		}
		return nil, nil
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	c.s.record(what, time.Since(t0), res.StatusCode, want, body)
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		c.doc, _ = html.Parse(bytes.NewReader(body))
	}
	return body, res
}

func (c *client) get(ctx context.Context, path string, want int) []byte {
	// The end of the soak lets the requests under way finish.
	ctx = context.WithoutCancel(ctx)
	req, _ := http.NewRequestWithContext(ctx, "GET", c.s.base+path, nil)
	body, _ := c.do(req, want)
	return body
}

func (c *client) getJSON(path string, v any) error {
	res, err := c.http.Get(c.s.base + path)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		return fmt.Errorf("GET %s: %d", path, res.StatusCode)
	}
	return json.NewDecoder(res.Body).Decode(v)
}

// submit posts the current page's form whose action is action, its
// fields as the browser would send them with set over them.
func (c *client) submit(ctx context.Context, action string, set url.Values, want int) (*http.Response, bool) {
	form := formFields(c.doc, action)
	if form == nil {
		c.s.record("form "+action, 0, 0, want, []byte("no such form on the page"))
		return nil, false
	}
	for k, v := range set {
		form[k] = v
	}
	req, _ := http.NewRequestWithContext(context.WithoutCancel(ctx), "POST", c.s.base+action, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	_, res := c.do(req, want)
	return res, res != nil && res.StatusCode == want
}

// formCheckout buys one unit of p through the store's pages.
func (c *client) formCheckout(ctx context.Context, p product, method string) {
	c.get(ctx, "/products/"+p.Slug, 200)
	if _, ok := c.submit(ctx, "/cart/items", url.Values{"sku": {p.Variants[0].SKU}, "quantity": {"1"}}, http.StatusSeeOther); !ok {
		return
	}
	c.get(ctx, "/checkout", 200)
	if _, ok := c.submit(ctx, "/checkout/confirm", url.Values{
		"email": {c.s.email()}, "shipping_address.name": {"耐久 花子"}, "shipping_address.name_kana": {"タイキュウ ハナコ"},
		"shipping_address.postal_code": {"530-0001"}, "shipping_address.prefecture": {"27"},
		"shipping_address.city": {"大阪市北区"}, "shipping_address.line1": {"梅田1-1-1"},
		"shipping_address.phone": {"06-1234-5678"}, "payment_method": {method},
	}, http.StatusOK); !ok {
		return
	}
	res, ok := c.submit(ctx, "/checkout/place", nil, http.StatusSeeOther)
	if !ok {
		return
	}
	c.s.mu.Lock()
	c.s.placed++
	c.s.mu.Unlock()
	c.get(ctx, res.Header.Get("Location"), 200)
}

// apiCheckout buys one unit of p through the JSON API.
func (c *client) apiCheckout(ctx context.Context, p product, method string) {
	post := func(path string, body any, want int) []byte {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequestWithContext(context.WithoutCancel(ctx), "POST", c.s.base+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		out, res := c.do(req, want)
		if res == nil || res.StatusCode != want {
			return nil
		}
		return out
	}
	var cart struct{ ID string }
	if err := json.Unmarshal(post("/api/v1/carts", map[string]any{}, http.StatusCreated), &cart); err != nil {
		return
	}
	if post("/api/v1/carts/"+cart.ID+"/items", map[string]any{"sku": p.Variants[0].SKU, "quantity": 1}, http.StatusOK) == nil {
		return
	}
	if post("/api/v1/carts/"+cart.ID+"/checkout", map[string]any{
		"email": c.s.email(),
		"shipping_address": map[string]any{"name": "耐久 太郎", "name_kana": "タイキュウ タロウ", "postal_code": "530-0001",
			"prefecture": "大阪府", "city": "大阪市北区", "line1": "梅田1-1-1", "phone": "06-1234-5678"},
		"payment_method": method,
	}, http.StatusCreated) != nil {
		c.s.mu.Lock()
		c.s.placed++
		c.s.mu.Unlock()
	}
}

// staffLogin enrols a member of staff through the link kaede staff add
// printed (a password and an authenticator code) and logs in.
func (s *soak) staffLogin(link, email string) (*client, error) {
	u, err := url.Parse(link)
	if err != nil {
		return nil, err
	}
	c := newClient(s)
	ctx := context.Background()
	const password = "a long soak staff passphrase"
	c.get(ctx, u.RequestURI(), 200)
	if _, ok := c.submit(ctx, "/admin/enrol", url.Values{"password": {password}, "password_confirm": {password}}, http.StatusOK); !ok {
		return nil, errors.New("enrol: password refused")
	}
	secret := textOfClass(c.doc, "secret")
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		return nil, err
	}
	if _, ok := c.submit(ctx, "/admin/enrol/confirm", url.Values{"code": {code}}, http.StatusOK); !ok {
		return nil, errors.New("enrol: code refused")
	}
	c.get(ctx, "/admin/login", 200)
	if _, ok := c.submit(ctx, "/admin/login", url.Values{"email": {email}, "password": {password}}, http.StatusSeeOther); !ok {
		return nil, errors.New("login: password refused")
	}
	// A code is accepted once: the next window's, which the shop's skew
	// allows.
	code, err = totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	if err != nil {
		return nil, err
	}
	c.get(ctx, "/admin/login/code", 200)
	if _, ok := c.submit(ctx, "/admin/login/code", url.Values{"code": {code}, "next": {"/admin/"}}, http.StatusSeeOther); !ok {
		return nil, errors.New("login: code refused")
	}
	s.take() // the login is not the soak
	return c, nil
}

// formFields returns the fields of the form posting to action as a
// browser sends them untouched, or nil when the page has no such form.
func formFields(doc *html.Node, action string) url.Values {
	var form *html.Node
	visit(doc, func(n *html.Node) {
		if form == nil && n.Type == html.ElementNode && n.Data == "form" && attr(n, "action") == action {
			form = n
		}
	})
	if form == nil {
		return nil
	}
	v := url.Values{}
	visit(form, func(n *html.Node) {
		name := attr(n, "name")
		if n.Type != html.ElementNode || name == "" {
			return
		}
		switch n.Data {
		case "input":
			switch attr(n, "type") {
			case "checkbox", "radio":
				if hasAttr(n, "checked") {
					v.Add(name, attr(n, "value"))
				}
			case "submit", "button":
			default:
				v.Add(name, attr(n, "value"))
			}
		case "select":
			var first, chosen string
			visit(n, func(o *html.Node) {
				if o.Type == html.ElementNode && o.Data == "option" {
					if first == "" {
						first = attr(o, "value")
					}
					if hasAttr(o, "selected") {
						chosen = attr(o, "value")
					}
				}
			})
			if chosen == "" {
				chosen = first
			}
			v.Add(name, chosen)
		case "textarea":
			v.Add(name, text(n))
		}
	})
	return v
}

func visit(n *html.Node, fn func(*html.Node)) {
	if n == nil {
		return
	}
	fn(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		visit(c, fn)
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	return slices.ContainsFunc(n.Attr, func(a html.Attribute) bool { return a.Key == key })
}

func text(n *html.Node) string {
	var b strings.Builder
	visit(n, func(t *html.Node) {
		if t.Type == html.TextNode {
			b.WriteString(t.Data)
		}
	})
	return b.String()
}

// textOfClass is the text of the first element of the class.
func textOfClass(doc *html.Node, class string) string {
	var out string
	visit(doc, func(n *html.Node) {
		if out == "" && n.Type == html.ElementNode && slices.Contains(strings.Fields(attr(n, "class")), class) {
			out = strings.TrimSpace(text(n))
		}
	})
	return out
}

// residentKB is the process's resident memory (VmRSS) in KiB, 0 when
// unknown.
func residentKB(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb int
			fmt.Sscanf(strings.TrimSpace(rest), "%d", &kb)
			return kb
		}
	}
	return 0
}

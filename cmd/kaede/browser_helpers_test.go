package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"kaede/internal/db"
	"kaede/internal/testenv"
)

// The browser tests drive the system's Chromium (Debian's package
// "chromium") through the DevTools protocol: what only a browser shows —
// the CSP as enforced, the card form on the gateway's origin, the requests
// a real form post makes — is checked there and nowhere else.

// chromiumPath finds the Chromium binary. Without one the test skips (a
// developer without one still runs every other test), or fails when
// KAEDE_REQUIRE_EXTERNAL is set, as CI does.
func chromiumPath(t *testing.T) string {
	t.Helper()
	return testenv.Chromium(t)
}

// browser is one headless Chromium with one tab, and what the tab saw.
type browser struct {
	ctx context.Context
	mu  sync.Mutex
	// requests are the requests the tab sent, in order; extra holds the
	// headers as sent on the wire (cookies included), by request id.
	requests []*network.EventRequestWillBeSent
	extra    map[network.RequestID][]network.Headers
	// console holds console calls, exceptions and browser log entries,
	// each as one line, since the last takeConsole.
	console []string
}

// newBrowser starts a fresh headless Chromium (its own profile directory)
// that records every request, console message and log entry of its tab.
// The browser is closed when the test ends; limit bounds the whole test.
func newBrowser(t *testing.T, limit time.Duration) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox, // CI runs as root in a container
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter"),
		chromedp.WindowSize(1280, 1000),
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	b := &browser{extra: map[network.RequestID][]network.Headers{}}
	// WithListener sees every event from the tab's first moment, in order.
	tabCtx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithListener(b.record))
	t.Cleanup(func() {
		chromedp.Cancel(tabCtx) // closes the browser gracefully
		cancelTab()
		cancelAlloc()
		cancel()
	})
	b.ctx = tabCtx
	// Start the browser now, and ask for request bodies in the network
	// events: the leak check reads what the forms posted.
	maxPost := int64(1 << 20)
	if err := chromedp.Do(b.ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	if _, err := chromedp.Call(b.ctx, network.Enable, network.EnableParams{MaxPostDataSize: &maxPost}); err != nil {
		t.Fatalf("enable network events: %v", err)
	}
	return b
}

// record keeps the events the tests look at. It runs in the tab's event
// loop: it only appends.
func (b *browser) record(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		b.requests = append(b.requests, ev)
	case *network.EventRequestWillBeSentExtraInfo:
		// A redirect keeps the request id and adds a second set.
		b.extra[ev.RequestID] = append(b.extra[ev.RequestID], ev.Headers)
	case *runtime.EventConsoleAPICalled:
		var args []string
		for _, a := range ev.Args {
			args = append(args, string(a.Value)+a.Description)
		}
		b.console = append(b.console, fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(args, " ")))
	case *runtime.EventExceptionThrown:
		b.console = append(b.console, "exception: "+ev.ExceptionDetails.Text+" "+exceptionDescription(ev.ExceptionDetails))
	case *log.EventEntryAdded:
		e := ev.Entry
		b.console = append(b.console, fmt.Sprintf("log %s/%s: %s (%s)", e.Source, e.Level, e.Text, e.URL))
	}
}

func exceptionDescription(d *runtime.ExceptionDetails) string {
	if d.Exception == nil {
		return ""
	}
	return d.Exception.Description
}

// takeConsole returns the console lines since the last call and forgets them.
func (b *browser) takeConsole() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.console
	b.console = nil
	return c
}

// sentTo returns, for every request the tab sent to origin, its method,
// URL, headers (as sent, cookies included) and body, as one text each.
func (b *browser) sentTo(origin string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, ev := range b.requests {
		r := ev.Request
		if originOf(r.URL) != origin {
			continue
		}
		var s strings.Builder
		fmt.Fprintf(&s, "%s %s\n", r.Method, r.URL)
		writeHeaders(&s, r.Headers)
		// The wire headers of this request id: after a redirect they
		// include the hop from the other origin, which is only more to scan.
		for _, h := range b.extra[ev.RequestID] {
			writeHeaders(&s, h)
		}
		for _, e := range r.PostDataEntries {
			s.Write(e.Bytes)
		}
		out = append(out, s.String())
	}
	return out
}

// writeHeaders writes h one per line, except Content-Length: a number
// that cannot carry a card but could be read as a security code.
func writeHeaders(w *strings.Builder, h network.Headers) {
	for k, v := range h {
		if !strings.EqualFold(k, "Content-Length") {
			fmt.Fprintf(w, "%s: %v\n", k, v)
		}
	}
}

// run runs actions in the tab and fails the test with what it was doing.
func (b *browser) run(t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// navigate runs actions that load a new page (a link, a form post and its
// redirects) and returns the final document's response.
func (b *browser) navigate(t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) *network.Response {
	t.Helper()
	res, err := chromedp.RunResponse(b.ctx, actions...)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if res.Status >= 400 {
		t.Fatalf("%s: %s answered %d", what, res.URL, res.Status)
	}
	return res
}

// eval evaluates a JavaScript expression from DevTools. DevTools code is
// not subject to the page's CSP; what it inserts into the page is.
// (chromedp.Poll is not used on these pages: it compiles its predicate
// with new Function, which the CSP rightly refuses.)
func eval[T any](t *testing.T, b *browser, expr string) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitFor evaluates expr until it is true, or fails after limit.
func waitFor(t *testing.T, b *browser, limit time.Duration, what, expr string) {
	t.Helper()
	testenv.WaitFor(t, limit, what+" ("+expr+")", func() bool { return eval[bool](t, b, expr) })
}

// location is the tab's current URL.
func (b *browser) location(t *testing.T) string {
	t.Helper()
	u, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		t.Fatalf("location: %v", err)
	}
	return u
}

// cspWatch is installed into every document before its own content runs
// (through DevTools, so the CSP does not block it) and counts the
// securitypolicyviolation events the document fires.
const cspWatch = `window.__cspWatch = true; window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
	window.__csp.push(e.effectiveDirective + ' ' + e.blockedURI);
}, true);`

// watchCSP installs cspWatch for every document the tab loads from now on.
func (b *browser) watchCSP(t *testing.T) {
	t.Helper()
	if _, err := chromedp.Call(b.ctx, page.AddScriptToEvaluateOnNewDocument,
		page.AddScriptToEvaluateOnNewDocumentParams{Source: cspWatch}); err != nil {
		t.Fatalf("install the CSP watch: %v", err)
	}
}

// cspViolations is what the current document's watch has counted. It
// fails the test when the watch is not installed: a page that reports
// nothing because nothing listens must not pass.
func cspViolations(t *testing.T, b *browser) []string {
	t.Helper()
	if !eval[bool](t, b, `window.__cspWatch === true`) {
		t.Fatalf("the CSP watch is not installed on %s", b.location(t))
	}
	return eval[[]string](t, b, `window.__csp`)
}

// isCSPMessage tells a console or log line about the Content Security Policy.
func isCSPMessage(line string) bool {
	return strings.Contains(line, "Content Security Policy") || strings.Contains(line, "Content-Security-Policy")
}

// syncBuffer is a log destination that the store's goroutines write to
// while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// startLogged is start with the store's log (its test gateway's too)
// kept, so that the test can read it.
func startLogged(t *testing.T, cfg Config) (*Main, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	cfg.Addr = "127.0.0.1:0"
	cfg.Demo = true
	cfg.MailFrom = "shop@kaede.example"
	cfg.Secret = strings.Repeat("x", 32)
	cfg.finish()
	m := NewMain(cfg, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err := m.Run(t.Context()); err != nil {
		m.Close()
		t.Fatalf("run: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m, logs
}

// startCardStore runs the demo store on cfg's database with its own test
// gateway, and returns it with its log and the gateway's origin.
func startCardStore(t *testing.T, cfg Config) (*Main, *syncBuffer, string) {
	t.Helper()
	cfg.Card = CardConfig{Provider: "gateway", RunGateway: true}
	m, logs := startLogged(t, cfg)
	gw := m.Config.Card.GatewayURL
	if gw == "" || originOf(gw) == originOf(m.URL()) {
		t.Fatalf("gateway at %q beside the store at %q: want an origin of its own", gw, m.URL())
	}
	return m, logs, originOf(gw)
}

// demoProduct is a product anyone may buy, with an SKU in stock.
type demoProduct struct{ Slug, Category, SKU string }

// buyableProduct finds, through the JSON API, an in-stock product that is
// not for practitioners only.
func buyableProduct(t *testing.T, base string) demoProduct {
	t.Helper()
	var list struct {
		Products []struct {
			Slug              string `json:"slug"`
			Category          string `json:"category"`
			PractitionersOnly bool   `json:"practitioners_only"`
			Variants          []struct {
				SKU     string `json:"sku"`
				InStock bool   `json:"in_stock"`
			} `json:"variants"`
		} `json:"products"`
	}
	if code := getJSON(t, base+"/api/v1/products?limit=100", &list); code != 200 {
		t.Fatalf("list products: %d", code)
	}
	for _, p := range list.Products {
		for _, v := range p.Variants {
			if !p.PractitionersOnly && v.InStock && p.Category != "" {
				return demoProduct{Slug: p.Slug, Category: p.Category, SKU: v.SKU}
			}
		}
	}
	t.Fatal("no in-stock product for everyone in the demo")
	return demoProduct{}
}

// The shopper's address, as typed into the checkout form.
var shopper = []struct{ field, value string }{
	{"email", "hanako.browser@example.jp"},
	{"shipping_address.name", "鈴木 花子"},
	{"shipping_address.name_kana", "スズキ ハナコ"},
	{"shipping_address.postal_code", "530-0001"},
	{"shipping_address.city", "大阪市北区"},
	{"shipping_address.line1", "梅田1-1-1"},
	{"shipping_address.phone", "06-1234-5678"},
}

// field selects a form field by its name (the names hold dots, which an
// id selector would need escaped).
func field(name string) chromedp.CSS {
	return chromedp.CSS(`[name="` + name + `"]`)
}

// toConfirmation puts p in the cart from its product page, fills the
// checkout form as a shopper would, chooses the card, and stops on the
// final confirmation screen. check, when not nil, sees each page as it
// loads (its name and the document's response).
func toConfirmation(t *testing.T, b *browser, base string, p demoProduct, check func(name string, res *network.Response)) {
	t.Helper()
	toConfirmationPaidBy(t, b, base, p, "card", check)
}

// toConfirmationPaidBy is toConfirmation with the payment method chosen
// (card, konbini, paypay); the confirmation screen shows the method's note.
func toConfirmationPaidBy(t *testing.T, b *browser, base string, p demoProduct, method string, check func(name string, res *network.Response)) {
	t.Helper()
	if check == nil {
		check = func(string, *network.Response) {}
	}
	check("product", b.navigate(t, "open the product page", chromedp.Navigate(base+"/products/"+p.Slug)))
	add := chromedp.CSS(`form.add:has(input[name="sku"][value="` + p.SKU + `"]) button[type="submit"]`)
	check("cart", b.navigate(t, "add to cart", chromedp.Click(add)))
	if got := b.location(t); got != base+"/cart" {
		t.Fatalf("after add to cart at %s, want %s/cart", got, base)
	}
	if !eval[bool](t, b, `document.querySelector('.cart .sku') !== null && document.querySelector('.cart .sku').textContent === `+jsString(p.SKU)) {
		t.Fatalf("cart does not hold %s", p.SKU)
	}
	check("checkout", b.navigate(t, "open the checkout", chromedp.Navigate(base+"/checkout")))
	var fill []chromedp.Action[chromedp.Void]
	for _, f := range shopper {
		fill = append(fill, chromedp.SendKeys(field(f.field), f.value))
	}
	// The prefecture's option by its label, as a shopper picks it.
	osaka := eval[string](t, b, `[...document.querySelectorAll('#f-prefecture option')].find(o => o.textContent.trim() === '大阪府').value`)
	fill = append(fill, chromedp.SetValue(chromedp.ID("f-prefecture"), osaka), chromedp.Click(chromedp.ID("pm-"+method)))
	b.run(t, "fill the checkout form", fill...)
	if got := eval[string](t, b, `document.querySelector('label[for="pm-card"]').textContent`); got != "クレジットカード" {
		t.Fatalf("the card choice reads %q, want クレジットカード", got)
	}
	check("confirmation", b.navigate(t, "confirm", chromedp.Click(chromedp.CSS(`form[action="/checkout/confirm"] p.actions button[type="submit"]`))))
	if got := b.location(t); got != base+"/checkout/confirm" {
		t.Fatalf("after confirm at %s: the form was refused? %v", got, eval[[]string](t, b, `[...document.querySelectorAll('.field-errors li')].map(e => e.textContent)`))
	}
	b.run(t, "the confirmation screen", chromedp.WaitVisible(chromedp.ID(method+"-note")))
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`).Replace(s) + "'"
}

// placeOrder presses 注文を確定する and returns the gateway's card page.
func placeOrder(t *testing.T, b *browser) *network.Response {
	t.Helper()
	button := chromedp.CSS(`form.place button.primary`)
	if got, err := chromedp.Run(b.ctx, chromedp.Text(button)); err != nil || strings.TrimSpace(got) != "注文を確定する" {
		t.Fatalf("order button reads %q (%v), want 注文を確定する", got, err)
	}
	return b.navigate(t, "place the order", chromedp.Click(button))
}

// sameOrigin reports whether u is on origin.
func sameOrigin(u, origin string) bool {
	p, err := url.Parse(u)
	return err == nil && p.Scheme+"://"+p.Host == origin
}

// The card data scanner: what must never be anywhere in the store.

// testCard is a card as typed on the gateway's page.
type testCard struct{ Number, Expiry, CSC string }

// cardPattern is one way a card's data could be written down.
type cardPattern struct {
	name string
	re   *regexp.Regexp
}

// forms are the ways c's data could be written down, the number first:
// with spaces, bare, with hyphens; then the expiry as typed and
// URL-encoded; then the code as a value of its own (not inside an id, a
// hash or a longer number).
func (c testCard) forms() []cardPattern {
	digits := strings.ReplaceAll(c.Number, " ", "")
	return []cardPattern{
		{"card number", regexp.MustCompile(regexp.QuoteMeta(c.Number))},
		{"card number (digits)", regexp.MustCompile(regexp.QuoteMeta(digits))},
		{"card number (hyphens)", regexp.MustCompile(regexp.QuoteMeta(strings.ReplaceAll(c.Number, " ", "-")))},
		{"expiry", regexp.MustCompile(regexp.QuoteMeta(c.Expiry) + "|" + regexp.QuoteMeta(url.QueryEscape(c.Expiry)))},
		{"security code", regexp.MustCompile(`(^|[^0-9A-Za-z_.:-])` + c.CSC + `([^0-9A-Za-z_.:-]|$)`)},
	}
}

// cardIn names the card data in s: one of c's forms (see cardForm), or
// any 13–19 digit run (with single spaces or hyphens between digits) that
// passes Luhn, as written or URL-decoded.
func cardIn(s string, c testCard) string {
	if what := cardForm(s, c); what != "" {
		return what
	}
	for _, s := range decodings(s) {
		if pan := luhnRun(s); pan != "" {
			return "Luhn-valid number " + pan
		}
	}
	return ""
}

// cardForm names the form of c found in s, as written or URL-decoded (a
// form post writes spaces as +). It does not search for other numbers: a
// request may hold long numbers, such as timestamps, that are no card.
func cardForm(s string, c testCard) string {
	texts := decodings(s)
	for _, f := range c.forms() {
		for _, s := range texts {
			if f.re.MatchString(s) {
				return f.name
			}
		}
	}
	return ""
}

// decodings are s and, when it is valid, its URL-decoded form.
func decodings(s string) []string {
	if d, err := url.QueryUnescape(s); err == nil && d != s {
		return []string{s, d}
	}
	return []string{s}
}

// panRun finds runs of digits with single spaces or hyphens between them,
// not inside a longer run of digits or letters.
var panRun = regexp.MustCompile(`(?:^|[^0-9A-Za-z])([0-9](?:[ -]?[0-9]){12,18})(?:[^0-9A-Za-z]|$)`)

// luhnRun returns the first 13–19 digit run in s that passes Luhn and is
// written as cards are: bare, or grouped as cards print their numbers.
// The grouping keeps out what is no card: in the SQLite file a date such
// as "2026-11-25 13" can follow stray digits of the page's binary header.
func luhnRun(s string) string {
	for _, m := range panRun.FindAllStringSubmatch(s, -1) {
		d := strings.NewReplacer(" ", "", "-", "").Replace(m[1])
		if len(d) >= 13 && len(d) <= 19 && luhnOK(d) && cardGrouping(m[1]) {
			return m[1]
		}
	}
	return ""
}

// cardGrouping reports whether a run of digits is bare, or in the groups
// cards are printed in: fours (the last group shorter), or 4-6-4 and
// 4-6-5 (Diners, American Express).
func cardGrouping(run string) bool {
	groups := strings.FieldsFunc(run, func(r rune) bool { return r == ' ' || r == '-' })
	if len(groups) == 1 {
		return true
	}
	if len(groups) == 3 && len(groups[0]) == 4 && len(groups[1]) == 6 && (len(groups[2]) == 4 || len(groups[2]) == 5) {
		return true
	}
	for i, g := range groups {
		if len(g) > 4 || (i < len(groups)-1 && len(g) != 4) {
			return false
		}
	}
	return true
}

// luhnOK reports whether a string of digits has a correct check digit.
func luhnOK(d string) bool {
	sum, double := 0, false
	for i := len(d) - 1; i >= 0; i-- {
		n := int(d[i] - '0')
		if double {
			if n *= 2; n > 9 {
				n -= 9
			}
		}
		sum += n
		double = !double
	}
	return sum%10 == 0
}

// storeTexts is every text value of every row of every table of the
// store's database (River's tables too), each labelled with its table.
func storeTexts(t *testing.T, m *Main) map[string][]string {
	t.Helper()
	tablesSQL := `SELECT name FROM sqlite_master WHERE type = 'table'`
	if m.db.Dialect == db.Postgres {
		// The store's schema only: dbtest gives each test its own.
		tablesSQL = `SELECT table_name FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	rows, err := m.db.Query(tablesSQL)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	if len(tables) < 10 {
		t.Fatalf("only %d tables", len(tables))
	}
	out := map[string][]string{}
	for _, table := range tables {
		rows, err := m.db.Query(`SELECT * FROM "` + table + `"`)
		if err != nil {
			t.Fatalf("read %s: %v", table, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("read %s: %v", table, err)
			}
			for _, v := range vals {
				switch v := v.(type) {
				case string:
					out[table] = append(out[table], v)
				case []byte:
					out[table] = append(out[table], string(v))
				}
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("read %s: %v", table, err)
		}
		rows.Close()
	}
	return out
}

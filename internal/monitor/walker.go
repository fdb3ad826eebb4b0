package monitor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// BlindError is a walk that could not see a payment page: a fetch that
// failed, a page that answered with an error, a form that was not there.
// It is not a difference: it means the monitor cannot tell whether the
// page changed, which is itself cause for an alert.
type BlindError struct {
	Step string // what the walker was doing: "GET /checkout"
	Err  error
}

func (e *BlindError) Error() string { return "monitor blind: " + e.Step + ": " + e.Err.Error() }

func (e *BlindError) Unwrap() error { return e.Err }

// errForbiddenRequest refuses a request the walker must never make, above
// all the order button: the walk places no order and holds no stock.
var errForbiddenRequest = errors.New("request not allowed to the monitor")

// Walker walks a store's payment pages with a session of its own.
type Walker struct {
	cfg    Config
	base   *url.URL
	client *http.Client // without a jar; each walk gets its own

	mu      sync.Mutex
	product string // the product page whose item went into the last cart
}

// maxProductTries bounds the product pages tried for one that sells to a
// guest: a shop of practitioner-only needles may list many first.
const maxProductTries = 20

// NewWalker checks cfg and returns a walker. It keeps its connections
// between walks.
func NewWalker(cfg Config) (*Walker, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	base, _ := url.Parse(cfg.BaseURL)
	rt := cfg.Transport
	if rt == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 4
		rt = t
	}
	w := &Walker{cfg: cfg, base: base}
	w.client = &http.Client{Transport: guard{rt: rt, w: w}}
	return w, nil
}

// guard refuses, below every redirect the client follows, any request
// that could change the store beyond the walker's own cart: only the
// add-to-cart form, the checkout confirmation and a change to a cart line
// may be posted, and only to the store's own origin.
type guard struct {
	rt http.RoundTripper
	w  *Walker
}

func (g guard) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead && !g.w.mayPost(req.URL) {
		return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, errForbiddenRequest)
	}
	return g.rt.RoundTrip(req)
}

func (w *Walker) mayPost(u *url.URL) bool {
	if !w.sameOrigin(u) {
		return false
	}
	p := u.Path
	return p == w.cfg.AddPath || p == w.cfg.ConfirmPath ||
		(strings.HasPrefix(p, w.cfg.LinePathPrefix) && !strings.Contains(p[len(w.cfg.LinePathPrefix):], "/"))
}

func (w *Walker) sameOrigin(u *url.URL) bool {
	return strings.EqualFold(u.Scheme, w.base.Scheme) && strings.EqualFold(u.Host, w.base.Host)
}

// Check walks the pages and compares them with baseline. On a blind walk
// it returns the error and the differences of the pages it did see.
func (w *Walker) Check(ctx context.Context, baseline *Snapshot) (*Snapshot, []Difference, error) {
	snap, err := w.Walk(ctx)
	if err != nil {
		return snap, diff(baseline, snap, false), err
	}
	return snap, Diff(baseline, snap), nil
}

// Walk takes a snapshot of the payment pages: it puts an item in a new
// cart, fetches every page, posts the checkout form as a guest paying by
// card to see the confirmation screen, fetches and hashes every script and
// stylesheet, and empties its cart. It never places an order. A
// *BlindError comes with the pages seen so far.
func (w *Walker) Walk(ctx context.Context) (*Snapshot, error) {
	return w.WalkUnder(ctx, Conditions{})
}

// WalkUnder is Walk with the shop's switches as c says: with checkout
// stopped the store serves the cart with its notice and no checkout, so
// the walk records the pages before checkout and neither fetches checkout
// nor posts it (which a stopped checkout rightly refuses: not a blind
// walk). The snapshot records c.
func (w *Walker) WalkUnder(ctx context.Context, c Conditions) (*Snapshot, error) {
	r := &run{w: w, ctx: ctx, cookies: cookieJarSet{}, fetched: map[string]bool{}, cond: c}
	jar, _ := cookiejar.New(nil)
	r.client = &http.Client{Transport: w.client.Transport, Jar: jar, CheckRedirect: r.checkRedirect}
	r.snap = &Snapshot{Version: FormatVersion, BaseURL: w.cfg.BaseURL, Pages: []Page{}, Resources: []Resource{},
		CardOrigins: []string{}, ProviderOrigins: append([]string{}, w.cfg.ProviderOrigins...), Conditions: c.String()}
	sort.Strings(r.snap.ProviderOrigins)
	err := r.walk()
	r.snap.Cookies = r.cookies.list()
	return r.snap, err
}

// run is one walk: its session, its budget and what it has seen.
type run struct {
	w       *Walker
	ctx     context.Context
	client  *http.Client
	snap    *Snapshot
	cookies cookieJarSet
	fetched map[string]bool
	total   int64 // bytes read so far
	fetches int
	hops    []string // redirects of the request in flight
	sku     string
	token   url.Values // the add form's values, for the cart cleanup
	cond    Conditions
}

// page is a fetched page, parsed.
type page struct {
	res  *http.Response
	body []byte
	url  *url.URL
	doc  *html.Node
}

func (r *run) walk() error {
	cfg := r.w.cfg
	if err := r.fillCart(); err != nil {
		return err
	}
	if r.cond.CheckoutStopped {
		return r.walkClosed()
	}
	var checkout *page
	var visits []visit
	for _, path := range cfg.Pages {
		p, err := r.snapshotPage(http.MethodGet, path, nil)
		if err != nil {
			return err
		}
		visits = append(visits, visit{index: len(r.snap.Pages) - 1, method: http.MethodGet, path: path})
		if path == cfg.CheckoutPath {
			checkout = p
		}
	}
	form := findForm(checkout.doc, checkout.url, func(f *html.Node, action *url.URL) bool {
		return action.Path == cfg.ConfirmPath && strings.EqualFold(attrOr(f, "method"), "post")
	})
	if form == nil {
		return &BlindError{Step: "GET " + cfg.CheckoutPath, Err: fmt.Errorf("no form posting to %s", cfg.ConfirmPath)}
	}
	values := r.checkoutValues(form)
	if _, err := r.snapshotPage(http.MethodPost, cfg.ConfirmPath, values); err != nil {
		return err
	}
	visits = append(visits, visit{index: len(r.snap.Pages) - 1, method: http.MethodPost, path: cfg.ConfirmPath, form: values})
	r.cardOrigins()
	r.fetchResources()
	defer r.emptyCart()
	return r.browseIfAsked(visits)
}

// browseIfAsked walks the visits again in the browser, in browser mode.
func (r *run) browseIfAsked(visits []visit) error {
	if r.w.cfg.Browser == "" {
		return nil
	}
	r.snap.Mode = ModeBrowser
	return r.browse(visits)
}

// walkClosed walks a store whose checkout is stopped: the pages before
// checkout, their scripts and stylesheets. The pages that checkout leads
// to are not served, so not seeing them is not blindness.
func (r *run) walkClosed() error {
	var visits []visit
	for _, path := range r.w.cfg.Pages {
		if path == r.w.cfg.CheckoutPath {
			break
		}
		if _, err := r.snapshotPage(http.MethodGet, path, nil); err != nil {
			return err
		}
		visits = append(visits, visit{index: len(r.snap.Pages) - 1, method: http.MethodGet, path: path})
	}
	r.fetchResources()
	defer r.emptyCart()
	return r.browseIfAsked(visits)
}

// fillCart finds an add-to-cart form on a product page and posts it.
func (r *run) fillCart() error {
	cfg := r.w.cfg
	products := []string{cfg.ProductPath}
	if cfg.ProductPath == "" {
		start, err := r.get(cfg.StartPath)
		if err != nil {
			return err
		}
		products = r.productLinks(start)
		if len(products) == 0 {
			return &BlindError{Step: "GET " + cfg.StartPath, Err: fmt.Errorf("no link to a product under %s", cfg.ProductPrefix)}
		}
		// The product that worked last time first: a walk then costs one
		// product page.
		r.w.mu.Lock()
		prev := r.w.product
		r.w.mu.Unlock()
		if i := slices.Index(products, prev); i > 0 {
			products = append([]string{prev}, slices.Delete(products, i, i+1)...)
		}
	}
	// A product may be sold out or for practitioners only: try a few.
	var last error
	for i, path := range products {
		if i == maxProductTries {
			break
		}
		p, err := r.get(path)
		if err != nil {
			return err
		}
		form := findForm(p.doc, p.url, func(f *html.Node, action *url.URL) bool {
			return action.Path == cfg.AddPath && strings.EqualFold(attrOr(f, "method"), "post")
		})
		if form == nil {
			last = fmt.Errorf("no form posting to %s on %s", cfg.AddPath, path)
			continue
		}
		values := formValues(form)
		if values.Get("quantity") != "" {
			values.Set("quantity", "1")
		}
		res, err := r.fetch(http.MethodPost, r.w.base.JoinPath(cfg.AddPath).String(), values)
		if err != nil {
			return &BlindError{Step: "POST " + cfg.AddPath, Err: err}
		}
		if res.StatusCode != http.StatusOK {
			last = fmt.Errorf("adding %s from %s: status %d", values.Get("sku"), path, res.StatusCode)
			continue
		}
		r.sku, r.token = values.Get("sku"), values
		r.w.mu.Lock()
		r.w.product = path
		r.w.mu.Unlock()
		return nil
	}
	return &BlindError{Step: "POST " + cfg.AddPath, Err: last}
}

// productLinks are the product pages the start page links to, in order.
func (r *run) productLinks(p *page) []string {
	var out []string
	seen := map[string]bool{}
	walkElements(p.doc, func(n *html.Node) bool {
		if n.DataAtom != atom.A {
			return true
		}
		u, err := p.url.Parse(attrOr(n, "href"))
		if err == nil && r.w.sameOrigin(u) && strings.HasPrefix(u.Path, r.w.cfg.ProductPrefix) && !seen[u.Path] {
			seen[u.Path] = true
			out = append(out, u.Path)
		}
		return true
	})
	return out
}

// checkoutValues fills the checkout form as a guest: its own values
// (hidden fields, defaults), the monitor's e-mail and address, and card
// payment when the store offers it.
func (r *run) checkoutValues(form *html.Node) url.Values {
	cfg := r.w.cfg
	values := formValues(form)
	values.Set("email", cfg.Email)
	for k, v := range cfg.Address {
		values.Set(k, v)
	}
	methods := radioValues(form, "payment_method")
	switch {
	case slices.Contains(methods, "card"):
		values.Set("payment_method", "card")
	case len(methods) > 0 && values.Get("payment_method") == "":
		values.Set("payment_method", methods[0])
	}
	r.snap.PaymentMethod = values.Get("payment_method")
	return values
}

// snapshotPage fetches a payment page and records it.
func (r *run) snapshotPage(method, path string, form url.Values) (*page, error) {
	step := method + " " + path
	target := r.w.base.JoinPath(path)
	target.RawQuery = ""
	res, err := r.fetch(method, target.String(), form)
	if err != nil {
		return nil, &BlindError{Step: step, Err: err}
	}
	pg := Page{Name: path, Method: method, URL: res.Request.URL.String(), Status: res.StatusCode, Redirects: r.hops,
		Headers: pageHeaders(res.Header, r.w.base.Scheme == "https")}
	for _, h := range pg.Headers {
		if h.Name == "Content-Security-Policy" {
			pg.CSP = parseCSP(h.Value)
		}
	}
	// A redirect to another origin is recorded, not followed: it is a
	// difference to show, and the page it leads to is not the store's.
	if res.StatusCode >= 300 && res.StatusCode < 400 {
		r.snap.Pages = append(r.snap.Pages, pg)
		return nil, &BlindError{Step: step, Err: fmt.Errorf("redirected to %s", res.Header.Get("Location"))}
	}
	if res.StatusCode != http.StatusOK {
		return nil, &BlindError{Step: step, Err: fmt.Errorf("status %d", res.StatusCode)}
	}
	p, err := r.parse(res)
	if err != nil {
		return nil, &BlindError{Step: step, Err: err}
	}
	c := extract(p.doc, p.url)
	r.hideSKU(c)
	pg.Base, pg.Meta, pg.Scripts, pg.InlineScripts = c.Base, c.Meta, c.Scripts, c.InlineScripts
	pg.Handlers, pg.JavascriptURLs, pg.Frames = c.Handlers, c.JavascriptURLs, c.Frames
	pg.Stylesheets, pg.Forms = c.Stylesheets, c.Forms
	r.snap.Pages = append(r.snap.Pages, pg)
	return p, nil
}

// hideSKU writes the product the walk chose as {sku} in form actions, so
// that the cart's line forms do not change when the catalogue does.
func (r *run) hideSKU(c *pageContent) {
	if r.sku == "" {
		return
	}
	seg := "/" + url.PathEscape(r.sku)
	fix := func(s string) string {
		if strings.HasSuffix(s, seg) {
			return strings.TrimSuffix(s, seg) + "/{sku}"
		}
		return s
	}
	for i := range c.Forms {
		c.Forms[i].Action = fix(c.Forms[i].Action)
		for j := range c.Forms[i].FormActions {
			c.Forms[i].FormActions[j] = fix(c.Forms[i].FormActions[j])
		}
	}
}

// get fetches a page the walk needs but does not record.
func (r *run) get(path string) (*page, error) {
	step := "GET " + path
	res, err := r.fetch(http.MethodGet, r.w.base.JoinPath(path).String(), nil)
	if err != nil {
		return nil, &BlindError{Step: step, Err: err}
	}
	if res.StatusCode != http.StatusOK {
		return nil, &BlindError{Step: step, Err: fmt.Errorf("status %d", res.StatusCode)}
	}
	p, err := r.parse(res)
	if err != nil {
		return nil, &BlindError{Step: step, Err: err}
	}
	return p, nil
}

// fetch makes one navigation, as a browser would, with the body read
// within the limits into res.Body (a bytes reader).
func (r *run) fetch(method, target string, form url.Values) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(r.ctx, r.w.cfg.RequestTimeout)
	defer cancel()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	r.browserHeaders(req, "document", "navigate")
	r.hops = nil
	res, err := r.client.Do(req)
	if err != nil && form != nil && ctx.Err() == nil {
		// The transport retries a GET that met a keep-alive connection
		// the server had just closed, never a POST. The walker's posts
		// are safe to repeat (an item into its own cart, a quote), and
		// without a retry that race would read as a blind monitor.
		if req, err = http.NewRequestWithContext(ctx, method, target, strings.NewReader(form.Encode())); err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.browserHeaders(req, "document", "navigate")
		r.hops = nil
		res, err = r.client.Do(req)
	}
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := r.read(res.Body)
	if err != nil {
		return nil, err
	}
	res.Body = io.NopCloser(bytes.NewReader(b))
	r.cookies.add(res)
	return res, nil
}

// browserHeaders are what a browser sends with a navigation or a
// subresource request from the store's own page.
func (r *run) browserHeaders(req *http.Request, dest, mode string) {
	h := req.Header
	h.Set("User-Agent", r.w.cfg.UserAgent)
	h.Set("Accept-Language", "ja,en;q=0.8")
	h.Set("Sec-Fetch-Dest", dest)
	h.Set("Sec-Fetch-Mode", mode)
	site := "same-origin"
	if !r.w.sameOrigin(req.URL) {
		site = "cross-site"
	}
	h.Set("Sec-Fetch-Site", site)
	if dest == "document" {
		h.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	} else {
		h.Set("Accept", "*/*")
	}
}

// checkRedirect follows redirects within the store and stops at one that
// leaves it, recording each.
func (r *run) checkRedirect(req *http.Request, via []*http.Request) error {
	r.hops = append(r.hops, req.URL.String())
	if len(via) >= 10 {
		return errors.New("more than 10 redirects")
	}
	if !r.w.sameOrigin(req.URL) {
		return http.ErrUseLastResponse
	}
	return nil
}

// read reads a body within the page and walk limits.
func (r *run) read(body io.Reader) ([]byte, error) {
	cfg := r.w.cfg
	limit := min(cfg.MaxPageBytes, cfg.MaxTotalBytes-r.total)
	b, err := io.ReadAll(io.LimitReader(body, limit+1))
	r.total += int64(len(b))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("body larger than %d bytes (page limit %d, walk limit %d)", limit, cfg.MaxPageBytes, cfg.MaxTotalBytes)
	}
	return b, nil
}

func (r *run) parse(res *http.Response) (*page, error) {
	b, _ := io.ReadAll(res.Body)
	doc, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("parse html: %w", err)
	}
	return &page{res: res, body: b, url: res.Request.URL, doc: doc}, nil
}

// cardOrigins records where the card step may send the customer: the
// origins its forms post to, the redirects of the walk, and the
// form-action sources of its policy, other than the store's own.
func (r *run) cardOrigins() {
	set := map[string]bool{}
	add := func(s string) {
		u, err := url.Parse(s)
		if err != nil || u.Host == "" {
			return
		}
		if !r.w.sameOrigin(u) {
			set[strings.ToLower(u.Scheme+"://"+u.Host)] = true
		}
	}
	pg := r.snap.Pages[len(r.snap.Pages)-1]
	for _, f := range pg.Forms {
		add(f.Action)
		for _, a := range f.FormActions {
			add(a)
		}
	}
	for _, p := range r.snap.Pages {
		for _, h := range p.Redirects {
			add(h)
		}
	}
	for _, d := range pg.CSP {
		if d.Name != "form-action" {
			continue
		}
		for _, s := range d.Sources {
			switch {
			case strings.HasPrefix(s, "'"):
				// 'self', 'none': no other origin.
			case strings.Contains(s, "://"):
				add(strings.TrimRight(s, "/"))
			default:
				set[s] = true // a scheme (https:), a bare host or a wildcard: any of many origins
			}
		}
	}
	for o := range set {
		r.snap.CardOrigins = append(r.snap.CardOrigins, o)
	}
	sort.Strings(r.snap.CardOrigins)
}

// fetchResources fetches and hashes every script and stylesheet the pages
// load, once each, in the order the pages name them, up to the limit.
func (r *run) fetchResources() {
	for _, p := range r.snap.Pages {
		for _, s := range p.Scripts {
			r.fetchResource(s.Src, "script")
		}
		for _, s := range p.Stylesheets {
			r.fetchResource(s.Href, "stylesheet")
		}
	}
	sort.Slice(r.snap.Resources, func(i, j int) bool { return r.snap.Resources[i].URL < r.snap.Resources[j].URL })
}

func (r *run) fetchResource(target, kind string) {
	if r.fetched[target] {
		return
	}
	r.fetched[target] = true
	res := Resource{URL: target, Kind: kind}
	switch {
	case r.fetches >= r.w.cfg.MaxFetches:
		res.Failed = fmt.Sprintf("not fetched: over the limit of %d fetches", r.w.cfg.MaxFetches)
	default:
		r.fetches++
		b, err := r.fetchBody(target, kind)
		if err != nil {
			res.Failed = err.Error()
		} else {
			res.SHA384 = sri(b)
		}
	}
	r.snap.Resources = append(r.snap.Resources, res)
}

// fetchBody fetches a script or stylesheet; its error is a short, stable
// reason, so that the same failure gives the same snapshot.
func (r *run) fetchBody(target, kind string) ([]byte, error) {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, errors.New("not fetched: not an http(s) address")
	}
	ctx, cancel := context.WithTimeout(r.ctx, r.w.cfg.RequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, errors.New("not fetched: bad address")
	}
	dest := "script"
	if kind == "stylesheet" {
		dest = "style"
	}
	r.browserHeaders(req, dest, "no-cors")
	r.hops = nil
	res, err := r.client.Do(req)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return nil, errors.New("fetch failed: timeout")
		}
		return nil, errors.New("fetch failed: network error")
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch failed: status %d", res.StatusCode)
	}
	b, err := r.read(res.Body)
	if err != nil {
		return nil, errors.New("fetch failed: body too large or cut short")
	}
	return b, nil
}

// emptyCart removes the walk's item from its cart, so that no cart with
// goods is left behind (carts hold no stock; this is tidiness). A failure
// is not the monitor's concern: the pages were seen.
func (r *run) emptyCart() {
	if r.sku == "" {
		return
	}
	values := url.Values{"quantity": {"0"}}
	for k, v := range r.token {
		if k != "sku" && k != "quantity" {
			values[k] = v
		}
	}
	_, _ = r.fetch(http.MethodPost, r.w.base.JoinPath(r.w.cfg.LinePathPrefix+url.PathEscape(r.sku)).String(), values)
}

// findForm returns the first form under doc whose resolved action
// satisfies match.
func findForm(doc *html.Node, base *url.URL, match func(form *html.Node, action *url.URL) bool) *html.Node {
	var found *html.Node
	walkElements(doc, func(n *html.Node) bool {
		if found != nil {
			return false
		}
		if n.DataAtom == atom.Form {
			if u, err := base.Parse(strings.TrimSpace(attrOr(n, "action"))); err == nil && match(n, u) {
				found = n
			}
		}
		return true
	})
	return found
}

// formValues are the values a browser would submit for the form as it
// stands: text and hidden inputs, checked boxes and radios, each select's
// chosen option, textareas. Buttons submit nothing here.
func formValues(form *html.Node) url.Values {
	v := url.Values{}
	walkElements(form, func(n *html.Node) bool {
		name, ok := attr(n, "name")
		if !ok || name == "" || hasAttr(n, "disabled") {
			return true
		}
		switch n.DataAtom {
		case atom.Input:
			switch strings.ToLower(attrOr(n, "type")) {
			case "submit", "button", "image", "reset", "file":
			case "checkbox", "radio":
				if hasAttr(n, "checked") {
					v.Add(name, attrOrDefault(n, "value", "on"))
				}
			default:
				v.Add(name, attrOr(n, "value"))
			}
		case atom.Textarea:
			v.Add(name, text(n))
		case atom.Select:
			v.Add(name, selected(n))
		}
		return true
	})
	return v
}

// selected is a select's chosen option's value, or its first option's.
func selected(sel *html.Node) string {
	var first, chosen *html.Node
	walkElements(sel, func(n *html.Node) bool {
		if n.DataAtom == atom.Option {
			if first == nil {
				first = n
			}
			if chosen == nil && hasAttr(n, "selected") {
				chosen = n
			}
		}
		return true
	})
	if chosen == nil {
		chosen = first
	}
	if chosen == nil {
		return ""
	}
	if v, ok := attr(chosen, "value"); ok {
		return v
	}
	return strings.TrimSpace(text(chosen))
}

// radioValues are the values offered by the radio buttons named name.
func radioValues(form *html.Node, name string) []string {
	var out []string
	walkElements(form, func(n *html.Node) bool {
		if n.DataAtom == atom.Input && strings.EqualFold(attrOr(n, "type"), "radio") && attrOr(n, "name") == name {
			out = append(out, attrOr(n, "value"))
		}
		return true
	})
	return out
}

func attrOrDefault(n *html.Node, key, def string) string {
	if v, ok := attr(n, key); ok {
		return v
	}
	return def
}

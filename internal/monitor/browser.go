package monitor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/debugger"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// ModeBrowser is the HTTP walk followed by a headless Chromium walking the
// same pages with the same session: it records every script that actually
// ran and every request the pages made, which catches code that only
// appears at run time (a script that inserts another, a tag manager whose
// configuration changed) and a proxy that shows skimmers only to real
// browsers.
const ModeBrowser = "browser"

// chromiumNames are the names Chromium goes by on PATH.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless_shell"}

// FindChromium is the Chromium the browser mode runs: the path named, which
// must exist, or else the first of Chromium's usual names on PATH; "" when
// none is named or found.
func FindChromium(named string) (string, error) {
	if named != "" {
		fi, err := os.Stat(named)
		if err != nil {
			return "", fmt.Errorf("monitor browser %q: %w", named, err)
		}
		if fi.IsDir() {
			return "", fmt.Errorf("monitor browser %q: a directory, want the Chromium binary", named)
		}
		return named, nil
	}
	for _, n := range chromiumNames {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	return "", nil
}

// Mode is how the walker walks: ModeHTTP or ModeBrowser.
func (w *Walker) Mode() string {
	if w.cfg.Browser != "" {
		return ModeBrowser
	}
	return ModeHTTP
}

// visit is a page the browser walk opens: a GET, or the checkout form's
// post with the values the HTTP walk posted.
type visit struct {
	index  int // into the snapshot's pages
	method string
	path   string
	form   url.Values
}

// browse walks the visits in a fresh headless Chromium with the run's
// session (its cookies: the cart the HTTP walk filled), and records on each
// page what ran and what was asked. The browser may post nothing but the
// checkout form: every other request that is not a GET fails, so that no
// script on a changed page can place an order in the monitor's name.
func (r *run) browse(visits []visit) error {
	ctx, cancel := context.WithTimeout(r.ctx, r.w.cfg.BrowserTimeout)
	defer cancel()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(r.w.cfg.Browser),
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-quic", true),
		// One renderer for every frame, so that a frame of another origin
		// is seen too (its scripts run in this target, not another).
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter,IsolateOrigins,site-per-process"),
		chromedp.Flag("disable-site-isolation-trials", true),
		chromedp.WindowSize(1280, 1000),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	b := &browserRun{r: r, contexts: map[runtime.ExecutionContextID]int{}, requests: map[network.RequestID]*seenRequest{},
		documents: map[string]bool{}, inflight: map[network.RequestID]bool{}, lifecycle: map[cdp.LoaderID]map[string]bool{}, responses: map[cdp.LoaderID]int64{},
		changed: make(chan struct{}, 1), page: -1}
	quiet := func(string, ...any) {}
	tabCtx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithListener(b.on),
		chromedp.WithLogf(quiet), chromedp.WithErrorf(quiet), chromedp.WithDebugf(quiet))
	defer func() {
		_ = chromedp.Cancel(tabCtx) // closes the browser and waits for it
		cancelTab()
	}()
	if err := chromedp.Do(tabCtx); err != nil {
		if r.ctx.Err() != nil {
			return r.ctx.Err() // stopped, not blind
		}
		return &BlindError{Step: "browser: start Chromium", Err: err}
	}
	err := chromedp.Do(tabCtx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		b.ctx, b.t = ctx, t
		if err := b.prepare(); err != nil {
			return &BlindError{Step: "browser: prepare", Err: err}
		}
		for _, v := range visits {
			if err := b.open(v); err != nil {
				return &BlindError{Step: "browser: " + v.method + " " + v.path, Err: err}
			}
		}
		return nil
	}))
	if err != nil && r.ctx.Err() != nil {
		return r.ctx.Err() // stopped, not blind
	}
	return err
}

// browserRun is one browser walk: what the tab's events say, by page.
type browserRun struct {
	r   *run
	ctx context.Context
	t   *chromedp.Target

	mu        sync.Mutex
	page      int // the snapshot page being recorded; -1 before the first
	contexts  map[runtime.ExecutionContextID]int
	scripts   []parsedScript
	requests  map[network.RequestID]*seenRequest
	order     []network.RequestID
	documents map[string]bool // addresses of documents, whose scripts are inline
	lifecycle map[cdp.LoaderID]map[string]bool
	responses map[cdp.LoaderID]int64 // the document's status by navigation
	post      *visit                 // the post the next paused navigation becomes
	inflight  map[network.RequestID]bool
	active    time.Time // when a request last started or ended
	changed   chan struct{}
}

type parsedScript struct {
	page int
	id   cdp.ScriptID
	url  string
}

type seenRequest struct {
	page    int
	url     string
	typ     string
	blocked string
}

// prepare sets the tab up: the scripts' events, the session's cookies, a
// user agent without "Headless" (skimmers hide from robots), and the
// interception that lets only GETs and the checkout post through.
func (b *browserRun) prepare() error {
	if _, err := cdp.Call(b.ctx, b.t, debugger.Enable, debugger.EnableParams{}); err != nil {
		return err
	}
	// A debugger statement in a page's code must not stop the walk.
	if _, err := cdp.Call(b.ctx, b.t, debugger.SetSkipAllPauses, debugger.SetSkipAllPausesParams{Skip: true}); err != nil {
		return err
	}
	ua := b.r.w.cfg.UserAgent
	if b.r.w.cfg.UserAgent == DefaultUserAgent {
		// The browser's own version, as a browser that is not headless
		// would say it.
		if v, err := cdp.Call(b.ctx, b.t, browserGetVersion, cdp.Empty{}); err == nil && v.UserAgent != "" {
			ua = strings.Replace(v.UserAgent, "HeadlessChrome/", "Chrome/", 1)
		}
	}
	if _, err := cdp.Call(b.ctx, b.t, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{
		UserAgent: ua, AcceptLanguage: "ja,en;q=0.8"}); err != nil {
		return err
	}
	base := b.r.w.base
	var cookies []*network.CookieParam
	for _, c := range b.r.client.Jar.Cookies(base) {
		cookies = append(cookies, &network.CookieParam{Name: c.Name, Value: c.Value, URL: base.String() + "/",
			Path: "/", Secure: base.Scheme == "https", HTTPOnly: true})
	}
	if len(cookies) > 0 {
		if _, err := cdp.Call(b.ctx, b.t, network.SetCookies, network.SetCookiesParams{Cookies: cookies}); err != nil {
			return fmt.Errorf("session cookies: %w", err)
		}
	}
	_, err := cdp.Call(b.ctx, b.t, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*", RequestStage: fetch.RequestStageRequest}}})
	return err
}

// browserGetVersion is Browser.getVersion, which the page's session
// answers too.
var browserGetVersion = cdp.Command[cdp.Empty, struct {
	UserAgent string `json:"userAgent"`
}]{Method: "Browser.getVersion"}

// open loads one page, waits until it and the code it loads have settled,
// and records what ran on it and what it asked.
func (b *browserRun) open(v visit) error {
	target := b.r.w.base.JoinPath(v.path).String()
	b.mu.Lock()
	b.page = v.index
	if v.method != http.MethodGet {
		b.post = &v
	}
	b.mu.Unlock()
	// A browser loads a page and its files in one go, and may share the
	// machine with the store: twice the time of one request.
	ctx, cancel := context.WithTimeout(b.ctx, 2*b.r.w.cfg.RequestTimeout)
	defer cancel()
	nav, err := cdp.Call(ctx, b.t, cdppage.Navigate, cdppage.NavigateParams{URL: target})
	if err != nil {
		return err
	}
	if nav.ErrorText != "" {
		return errors.New(nav.ErrorText)
	}
	// Loaded, then quiet (no request in flight for half a second) within
	// the settle time: code that loads code has had its chance to run.
	if !b.waitFor(ctx, func() bool { return b.lifecycle[nav.LoaderID]["load"] }) {
		return fmt.Errorf("not loaded within %s", 2*b.r.w.cfg.RequestTimeout)
	}
	b.settle()
	b.mu.Lock()
	status := b.responses[nav.LoaderID]
	b.mu.Unlock()
	if status != http.StatusOK {
		return fmt.Errorf("status %d", status)
	}
	return b.record(v.index)
}

// quietFor is how long no request may be in flight before a loaded page
// counts as settled: Chrome's own "network idle" waits as long.
const quietFor = 500 * time.Millisecond

// settle waits until no request has been in flight for quietFor, or for
// BrowserSettle at most (a page that keeps asking is recorded as it is).
func (b *browserRun) settle() {
	deadline := time.Now().Add(b.r.w.cfg.BrowserSettle)
	for time.Now().Before(deadline) {
		b.mu.Lock()
		quiet := len(b.inflight) == 0 && time.Since(b.active) >= quietFor
		wait := quietFor - time.Since(b.active)
		b.mu.Unlock()
		if quiet {
			return
		}
		wait = max(min(wait, time.Until(deadline)), 20*time.Millisecond)
		select {
		case <-time.After(wait):
		case <-b.ctx.Done():
			return
		}
	}
}

// waitFor waits until cond, read under the lock, holds; false when ctx
// ends first.
func (b *browserRun) waitFor(ctx context.Context, cond func() bool) bool {
	for {
		b.mu.Lock()
		ok := cond()
		b.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-b.changed:
		case <-ctx.Done():
			return false
		}
	}
}

// record writes what ran on page i and what it asked into the snapshot.
// The scripts' sources are read now, while the page that holds them lives.
func (b *browserRun) record(i int) error {
	b.mu.Lock()
	var scripts []parsedScript
	for _, s := range b.scripts {
		if s.page == i {
			scripts = append(scripts, s)
		}
	}
	var reqs []seenRequest
	for _, id := range b.order {
		if r := b.requests[id]; r.page == i {
			reqs = append(reqs, *r)
		}
	}
	docs := map[string]bool{}
	for d := range b.documents {
		docs[d] = true
	}
	b.mu.Unlock()

	pg := &b.r.snap.Pages[i]
	pg.Executed = []ExecutedScript{}
	for _, s := range scripts {
		src, err := cdp.Call(b.ctx, b.t, debugger.GetScriptSource, debugger.GetScriptSourceParams{ScriptID: s.id})
		e := ExecutedScript{Source: scriptSource(s.url, docs)}
		if err != nil {
			e.SHA384 = "unavailable"
		} else {
			e.SHA384 = sri([]byte(src.ScriptSource))
			if e.Source == "inline" || e.Source == "eval" {
				e.Excerpt = excerpt(src.ScriptSource)
			}
		}
		pg.Executed = append(pg.Executed, e)
	}
	sort.Slice(pg.Executed, func(a, c int) bool {
		x, y := pg.Executed[a], pg.Executed[c]
		if x.Source != y.Source {
			return x.Source < y.Source
		}
		return x.SHA384 < y.SHA384
	})
	seen := map[string]int{}
	pg.Requests = []Request{}
	for _, r := range reqs {
		u := requestAddress(r.url)
		if r.typ == string(network.ResourceTypeOther) && strings.HasSuffix(u, "/favicon.ico") {
			// The browser's own request for the tab's icon, made or not
			// as its cache and timing have it: not the page's.
			continue
		}
		if j, ok := seen[u]; ok {
			if r.blocked != "" {
				pg.Requests[j].Blocked = r.blocked
			}
			continue
		}
		seen[u] = len(pg.Requests)
		pg.Requests = append(pg.Requests, Request{URL: u, Type: r.typ, Blocked: r.blocked})
	}
	sort.Slice(pg.Requests, func(a, c int) bool { return pg.Requests[a].URL < pg.Requests[c].URL })
	return nil
}

// scriptSource names where a script came from: its address, "inline" for
// code in a document (its address is the document's), "eval" for code
// compiled from a string.
func scriptSource(u string, documents map[string]bool) string {
	switch {
	case u == "":
		return "eval"
	case documents[stripFragment(u)]:
		return "inline"
	case strings.HasPrefix(u, "data:"), strings.HasPrefix(u, "blob:"):
		return u[:strings.Index(u, ":")+1]
	}
	return stripFragment(u)
}

func stripFragment(u string) string {
	if i := strings.IndexByte(u, '#'); i >= 0 {
		return u[:i]
	}
	return u
}

// requestAddress is a request's origin and path: the query carries tokens
// and cache busters that change on every walk.
func requestAddress(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "unparsable"
	}
	if u.Host == "" {
		return strings.ToLower(u.Scheme) + ":"
	}
	return strings.ToLower(u.Scheme+"://"+u.Host) + u.EscapedPath()
}

// on is the tab's event listener. It runs in the tab's event loop and so
// only records; what answers the browser runs on a goroutine.
func (b *browserRun) on(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	defer func() {
		select {
		case b.changed <- struct{}{}:
		default:
		}
	}()
	switch ev := ev.(type) {
	case *runtime.EventExecutionContextCreated:
		var aux struct {
			IsDefault bool `json:"isDefault"`
		}
		_ = json.Unmarshal(ev.Context.AuxData, &aux)
		// The pages' own worlds only: DevTools' isolated worlds are not
		// the page's code.
		if aux.IsDefault && b.page >= 0 {
			b.contexts[ev.Context.ID] = b.page
		}
	case *debugger.EventScriptParsed:
		if p, ok := b.contexts[ev.ExecutionContextID]; ok {
			b.scripts = append(b.scripts, parsedScript{page: p, id: ev.ScriptID, url: ev.URL})
		}
	case *network.EventRequestWillBeSent:
		if b.page < 0 {
			return
		}
		if ev.Type == network.ResourceTypeDocument {
			b.documents[stripFragment(ev.Request.URL)] = true
		}
		if _, ok := b.requests[ev.RequestID]; !ok {
			b.order = append(b.order, ev.RequestID)
		}
		b.inflight[ev.RequestID], b.active = true, time.Now()
		// A redirect keeps the id: the last address is the one asked.
		b.requests[ev.RequestID] = &seenRequest{page: b.page, url: ev.Request.URL, typ: string(ev.Type)}
	case *network.EventLoadingFinished:
		delete(b.inflight, ev.RequestID)
		b.active = time.Now()
	case *network.EventLoadingFailed:
		delete(b.inflight, ev.RequestID)
		b.active = time.Now()
		if r, ok := b.requests[ev.RequestID]; ok && ev.BlockedReason != "" {
			r.blocked = string(ev.BlockedReason)
		}
	case *network.EventResponseReceived:
		if ev.Type == network.ResourceTypeDocument && ev.Response != nil {
			b.responses[ev.LoaderID] = ev.Response.Status
		}
	case *cdppage.EventLifecycleEvent:
		if b.lifecycle[ev.LoaderID] == nil {
			b.lifecycle[ev.LoaderID] = map[string]bool{}
		}
		b.lifecycle[ev.LoaderID][ev.Name] = true
	case *fetch.EventRequestPaused:
		go b.decide(ev, b.takePost(ev))
	}
}

// takePost returns the checkout post when ev is the navigation that must
// become it. Called with the lock held.
func (b *browserRun) takePost(ev *fetch.EventRequestPaused) *visit {
	if b.post == nil || ev.ResourceType != network.ResourceTypeDocument || ev.Request.Method != http.MethodGet {
		return nil
	}
	u, err := url.Parse(ev.Request.URL)
	if err != nil || !b.r.w.sameOrigin(u) || u.Path != b.post.path {
		return nil
	}
	p := b.post
	b.post = nil
	return p
}

// decide lets a paused request go on: the checkout navigation as the form's
// post, any GET (or HEAD, OPTIONS) as it is, and fails anything else: the
// monitor's browser changes nothing in the store, whatever a changed page
// tries.
func (b *browserRun) decide(ev *fetch.EventRequestPaused, post *visit) {
	switch {
	case post != nil:
		headers := []*fetch.HeaderEntry{{Name: "Content-Type", Value: "application/x-www-form-urlencoded"},
			{Name: "Origin", Value: originOf(b.r.w.cfg.BaseURL)}}
		for k, v := range ev.Request.Headers {
			if !strings.EqualFold(k, "Content-Type") && !strings.EqualFold(k, "Origin") {
				headers = append(headers, &fetch.HeaderEntry{Name: k, Value: fmt.Sprint(v)})
			}
		}
		_, _ = cdp.Call(b.ctx, b.t, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID,
			Method: http.MethodPost, PostData: []byte(post.form.Encode()), Headers: headers})
	case ev.Request.Method == http.MethodGet || ev.Request.Method == http.MethodHead || ev.Request.Method == http.MethodOptions:
		_, _ = cdp.Call(b.ctx, b.t, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
	default:
		_, _ = cdp.Call(b.ctx, b.t, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID,
			ErrorReason: network.ErrorReasonBlockedByClient})
	}
}

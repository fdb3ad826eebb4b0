package monitor_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"kaede/internal/monitor"
)

// fakeStore stands in for a store: the routes the walker uses, with a
// script and the responses a test can change.
type fakeStore struct {
	mu      sync.Mutex
	script  string
	status  map[string]int // forced status by path
	posts   []string
	nonce   int
	extra   string // HTML added to /checkout
	scripts int    // how many scripts /checkout loads
}

func (f *fakeStore) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if code := f.status[r.URL.Path]; code != 0 {
		http.Error(w, "forced", code)
		return
	}
	if r.Method == http.MethodPost {
		f.posts = append(f.posts, r.URL.Path)
	}
	f.nonce++
	nonce := fmt.Sprintf("n%d", f.nonce)
	w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'nonce-"+nonce+"' 'self'; form-action 'self'")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("X-Request-Id", nonce)
	page := func(body string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html><head><script nonce="%s">var csrf = 1;</script></head><body>%s</body></html>`, nonce, body)
	}
	csrf := `<input type="hidden" name="csrf_token" value="` + nonce + `">`
	switch {
	case r.URL.Path == "/":
		page(`<a href="/products/a">a</a>`)
	case r.URL.Path == "/products/a":
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: nonce, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		page(`<form method="post" action="/cart/items">` + csrf + `<input type="hidden" name="sku" value="A-1"><input name="quantity" value="1"></form>`)
	case r.URL.Path == "/cart/items" && r.Method == http.MethodPost:
		http.Redirect(w, r, "/cart", http.StatusSeeOther)
	case strings.HasPrefix(r.URL.Path, "/cart/items/") && r.Method == http.MethodPost:
		http.Redirect(w, r, "/cart", http.StatusSeeOther)
	case r.URL.Path == "/cart":
		page(`<form method="post" action="/cart/items/A-1">` + csrf + `<input name="quantity" value="1"></form>`)
	case r.URL.Path == "/checkout":
		var s strings.Builder
		for i := 0; i < f.scripts; i++ {
			fmt.Fprintf(&s, `<script src="/static/app%d.js"></script>`, i)
		}
		page(s.String() + f.extra + `<form method="post" action="/checkout/confirm">` + csrf +
			`<input name="email"><input type="radio" name="payment_method" value="cod"><input type="radio" name="payment_method" value="card"></form>`)
	case r.URL.Path == "/checkout/confirm" && r.Method == http.MethodPost:
		if r.PostFormValue("payment_method") != "card" || r.PostFormValue("email") != "monitor@invalid" {
			http.Error(w, "bad form", http.StatusUnprocessableEntity)
			return
		}
		page(`<form method="post" action="/checkout/place">` + csrf + `<input type="hidden" name="idempotency_key" value="` + nonce + `"></form>`)
	case strings.HasPrefix(r.URL.Path, "/static/"):
		fmt.Fprint(w, f.script)
	default:
		http.NotFound(w, r)
	}
}

func newFakeStore(t *testing.T) (*fakeStore, *monitor.Walker) {
	t.Helper()
	f := &fakeStore{script: "console.log(1)", status: map[string]int{}, scripts: 1}
	ts := httptest.NewServer(f)
	t.Cleanup(ts.Close)
	w, err := monitor.NewWalker(monitor.Config{BaseURL: ts.URL, MaxFetches: 3})
	if err != nil {
		t.Fatal(err)
	}
	return f, w
}

func (f *fakeStore) set(fn func(*fakeStore)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func TestWalkFakeStore(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		change func(*fakeStore)
		kind   monitor.Kind
		blind  bool
	}{
		{name: "unchanged", change: func(*fakeStore) {}},
		{name: "one byte of a script", change: func(f *fakeStore) { f.script = "console.log(2)" }, kind: monitor.HashChanged},
		{name: "script fails to load", change: func(f *fakeStore) { f.status["/static/app0.js"] = 500 }, kind: monitor.FetchFailed},
		{name: "inline handler", change: func(f *fakeStore) { f.extra = `<img src="x" onerror="steal()">` }, kind: monitor.EventHandler},
		{name: "javascript URL", change: func(f *fakeStore) { f.extra = "<a href=\" java\tscript:steal()\">x</a>" }, kind: monitor.JavascriptURL},
		{name: "iframe", change: func(f *fakeStore) { f.extra = `<iframe src="https://evil.example/card"></iframe>` }, kind: monitor.Iframe},
		{name: "inline script", change: func(f *fakeStore) { f.extra = `<script>steal()</script>` }, kind: monitor.InlineChanged},
		{name: "checkout down", change: func(f *fakeStore) { f.status["/checkout"] = 502 }, blind: true},
		{name: "confirmation refused", change: func(f *fakeStore) { f.status["/checkout/confirm"] = 422 }, blind: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, w := newFakeStore(t)
			baseline, err := w.Walk(ctx)
			if err != nil {
				t.Fatalf("baseline: %v", err)
			}
			f.set(tc.change)
			_, diffs, err := w.Check(ctx, baseline)
			var blind *monitor.BlindError
			if got := errors.As(err, &blind); got != tc.blind {
				t.Fatalf("error %v, want blind=%v", err, tc.blind)
			}
			if tc.blind {
				return
			}
			if tc.kind == "" && len(diffs) != 0 {
				t.Errorf("unchanged store: %v", diffs)
			}
			if tc.kind != "" && (len(diffs) == 0 || !hasKind(diffs, tc.kind)) {
				t.Errorf("differences %v, want a %s", diffs, tc.kind)
			}
			for _, p := range f.posts {
				if p == "/checkout/place" {
					t.Errorf("the walker posted %s", p)
				}
			}
		})
	}
}

func hasKind(diffs []monitor.Difference, k monitor.Kind) bool {
	for _, d := range diffs {
		if d.Kind == k {
			return true
		}
	}
	return false
}

// TestWalkLimits: at most MaxFetches files are fetched; the rest are
// recorded as not fetched, the same way every time.
func TestWalkLimits(t *testing.T) {
	f, w := newFakeStore(t)
	f.set(func(f *fakeStore) { f.scripts = 5 })
	snap, err := w.Walk(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var hashed, skipped int
	for _, r := range snap.Resources {
		switch {
		case r.SHA384 != "":
			hashed++
		case strings.HasPrefix(r.Failed, "not fetched: over the limit"):
			skipped++
		}
	}
	if hashed != 3 || skipped != 2 {
		t.Errorf("hashed %d, skipped %d; want 3 and 2", hashed, skipped)
	}

	small, err := monitor.NewWalker(monitor.Config{BaseURL: snap.BaseURL, MaxPageBytes: 64})
	if err != nil {
		t.Fatal(err)
	}
	_, err = small.Walk(context.Background())
	var blind *monitor.BlindError
	if !errors.As(err, &blind) || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("walk with a 64-byte page limit: %v, want blind, body too large", err)
	}
}

// TestWalkerNeverPlaces: a store whose confirmation answers with a 307 to
// the order button (which a client follows with the same POST) does not
// get the order placed: the walker refuses the request.
func TestWalkerNeverPlaces(t *testing.T) {
	f, w := newFakeStore(t)
	mux := http.NewServeMux()
	mux.Handle("/", f)
	mux.HandleFunc("POST /checkout/confirm", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/checkout/place", http.StatusTemporaryRedirect)
	})
	ts := httptest.NewServer(mux)
	defer ts.Close()
	w, err := monitor.NewWalker(monitor.Config{BaseURL: ts.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.Walk(context.Background())
	var blind *monitor.BlindError
	if !errors.As(err, &blind) {
		t.Fatalf("walk: %v, want blind", err)
	}
	for _, p := range f.posts {
		if p == "/checkout/place" {
			t.Fatalf("the walker posted %s", p)
		}
	}
}

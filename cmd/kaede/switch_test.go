package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/jobs"
	"kaede/internal/testenv"
)

// switchCmd runs "kaede switch ARGS…" and returns its output.
func switchCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errs bytes.Buffer
	err := run(t.Context(), append([]string{"switch"}, args...), &out, &errs)
	return out.String() + errs.String(), err
}

// switchStatus is "kaede switch status --json", by switch name.
func switchStatus(t *testing.T, where ...string) map[string]switchJSON {
	t.Helper()
	out, err := switchCmd(t, append([]string{"status", "--json"}, where...)...)
	if err != nil {
		t.Fatalf("switch status --json: %v\n%s", err, out)
	}
	var list []switchJSON
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("status JSON: %v\n%s", err, out)
	}
	m := map[string]switchJSON{}
	for _, s := range list {
		m[s.Name] = s
	}
	if len(m) != 3 {
		t.Fatalf("status lists %d switches, want 3: %s", len(m), out)
	}
	return m
}

// TestSwitchCommandOnADataDir: the operator's commands against a data
// directory, as on a shop whose admin cannot be reached.
func TestSwitchCommandOnADataDir(t *testing.T) {
	dir := t.TempDir()
	if out, err := run2(t, "migrate", "--data", dir); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	testSwitchCommand(t, "--data", dir)
}

// TestSwitchCommandOnADatabase: the same with --database, on SQLite and
// PostgreSQL.
func TestSwitchCommandOnADatabase(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		if err := jobs.Migrate(context.Background(), d); err != nil {
			t.Fatal(err)
		}
		testSwitchCommand(t, "--database", d.URL)
	})
}

func run2(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errs bytes.Buffer
	err := run(t.Context(), args, &out, &errs)
	return out.String() + errs.String(), err
}

func testSwitchCommand(t *testing.T, where ...string) {
	st := switchStatus(t, where...)
	if !st["card"].On || !st["checkout"].On || st["maintenance"].On || st["card"].ChangedAt != nil {
		t.Fatalf("a fresh shop: %+v", st)
	}
	out, err := switchCmd(t, append([]string{"status"}, where...)...)
	if err != nil || !strings.Contains(out, "SWITCH") || !strings.Contains(out, "maintenance") {
		t.Fatalf("switch status: %v\n%s", err, out)
	}

	// Refusals name what is wrong and change nothing.
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"card", "off"}, "--reason: required"},
		{[]string{"card", "off", "--reason", "x", "--banner", strings.Repeat("停", 201)}, "--banner: length"},
		{[]string{"cards", "off", "--reason", "x"}, "want card, checkout or maintenance"},
		{[]string{"card", "maybe"}, "want a switch"},
		{[]string{"card"}, "want a switch"},
		{[]string{}, "want a switch"},
	} {
		out, err := switchCmd(t, append(tt.args, where...)...)
		if err == nil || !strings.Contains(err.Error()+out, tt.want) {
			t.Errorf("switch %v: err=%v out=%q, want %q", tt.args, err, out, tt.want)
		}
	}
	if st := switchStatus(t, where...); !st["card"].On || st["card"].ChangedAt != nil {
		t.Fatalf("a refused command changed the card switch: %+v", st["card"])
	}

	// Stop cards (flags after the switch) and start maintenance (flags
	// first), then read them back.
	const banner = "ただいまクレジットカード決済を停止しております。"
	out, err = switchCmd(t, append([]string{"card", "off", "--reason", "the acquirer called", "--banner", banner, "--banner-en", "Card payments are paused."}, where...)...)
	if err != nil || !strings.Contains(out, "card: off (emergency) (was on)") || !strings.Contains(out, banner) {
		t.Fatalf("switch card off: %v\n%s", err, out)
	}
	out, err = switchCmd(t, append(append([]string{}, where...), "maintenance", "on", "--reason", "database upgrade")...)
	if err != nil || !strings.Contains(out, "maintenance: on (emergency) (was off)") || !strings.Contains(out, "(the standard sentence)") {
		t.Fatalf("switch maintenance on: %v\n%s", err, out)
	}
	st = switchStatus(t, where...)
	card := st["card"]
	if card.On || !card.Emergency || card.Banner != banner || card.BannerEn != "Card payments are paused." || card.Reason != "the acquirer called" ||
		card.ChangedBy != audit.ActorCLI || card.ChangedAt == nil || time.Since(*card.ChangedAt) > time.Minute {
		t.Fatalf("card after switch card off: %+v", card)
	}
	if !st["maintenance"].On || !st["maintenance"].Emergency || !st["checkout"].On {
		t.Fatalf("after maintenance on: %+v", st)
	}
	out, _ = switchCmd(t, append([]string{"status"}, where...)...)
	if !strings.Contains(out, "on (emergency)") || !strings.Contains(out, "the acquirer called") {
		t.Fatalf("status table:\n%s", out)
	}

	// Back to normal; every change is in the audit log as the command line.
	for _, args := range [][]string{{"card", "on"}, {"maintenance", "off"}, {"checkout", "off", "--reason", "r"}, {"checkout", "on"}} {
		if out, err := switchCmd(t, append(args, where...)...); err != nil {
			t.Fatalf("switch %v: %v\n%s", args, err, out)
		}
	}
	st = switchStatus(t, where...)
	for name, s := range st {
		if s.Emergency {
			t.Errorf("%s still away from normal: %+v", name, s)
		}
	}
	d := openFor(t, where...)
	es, err := audit.List(t.Context(), d, audit.Filter{Action: "switch.set"})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 6 {
		t.Fatalf("%d switch.set audit entries, want 6", len(es))
	}
	for _, e := range es {
		if e.Actor != audit.ActorCLI {
			t.Errorf("audit entry %d by %q, want %q", e.ID, e.Actor, audit.ActorCLI)
		}
	}
	if n, err := audit.NewLog(d).Verify(t.Context()); err != nil || n < 6 {
		t.Fatalf("audit chain after the commands: %d entries, %v", n, err)
	}
}

// openFor opens the database "--data DIR" or "--database URL" names.
func openFor(t *testing.T, where ...string) *db.DB {
	t.Helper()
	cfg := Config{Addr: "127.0.0.1:0"}
	if where[0] == "--data" {
		cfg.DataDir = where[1]
	} else {
		cfg.DatabaseURL = where[1]
	}
	cfg.finish()
	d, err := db.Open(t.Context(), cfg.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// TestSwitchesAcrossInstances is the proof: two stores on one
// PostgreSQL, the card switch turned off from the command line (a third
// process, as an operator would), and both stores' checkout forms drop
// the card within five seconds; then maintenance, which both obey while
// their health checks, admins and webhooks stay up.
func TestSwitchesAcrossInstances(t *testing.T) {
	pg := dbtest.Postgres(t)
	a := start(t, Config{DataDir: t.TempDir(), DatabaseURL: pg.URL, Card: CardConfig{Provider: "gateway", RunGateway: true}})
	defer a.Close()
	gw := a.Config.Card
	// The second instance shares the database and, as instances behind a
	// load balancer do, the product images (here: none; the demo's were
	// written by the first).
	dirB := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dirB, "media"), 0o700); err != nil {
		t.Fatal(err)
	}
	b := start(t, Config{DataDir: dirB, DatabaseURL: pg.URL, Card: CardConfig{Provider: "gateway",
		GatewayURL: gw.GatewayURL, GatewayAPIKey: gw.GatewayAPIKey, GatewayWebhookSecret: gw.GatewayWebhookSecret}})
	defer b.Close()

	shoppers := map[string]*siteClient{}
	for name, m := range map[string]*Main{"a": a, "b": b} {
		c := newSiteClient(t, m.URL())
		c.submit("/products/dokudami-tea", "/cart/items", url.Values{"quantity": {"1"}}, http.StatusSeeOther)
		if got := offeredMethods(t, c); !strings.Contains(got, "card") {
			t.Fatalf("instance %s before the switch offers %q, want card", name, got)
		}
		shoppers[name] = c
	}

	flip := func(args ...string) time.Time {
		t.Helper()
		if out, err := switchCmd(t, append(args, "--database", pg.URL)...); err != nil {
			t.Fatalf("switch %v: %v\n%s", args, err, out)
		}
		return time.Now()
	}
	const banner = "カード会社からの連絡により、クレジットカード決済を停止しております。"
	at := flip("card", "off", "--reason", "the acquirer called", "--banner", banner)
	for _, name := range []string{"b", "a"} {
		c := shoppers[name]
		testenv.WaitFor(t, obeyedWithin-time.Since(at), "instance "+name+" to drop the card", func() bool {
			return !strings.Contains(offeredMethods(t, c), "card")
		})
		t.Logf("instance %s dropped the card option %s after the command returned", name, time.Since(at).Round(time.Millisecond))
		got := offeredMethods(t, c)
		if !strings.Contains(got, "bank_transfer") || !strings.Contains(got, "cod") {
			t.Fatalf("instance %s offers %q, want the other methods", name, got)
		}
		if !strings.Contains(textOfClass(c.doc, "switch-notice"), banner) {
			t.Fatalf("instance %s shows no banner", name)
		}
	}

	at = flip("maintenance", "on", "--reason", "database upgrade")
	guest := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	status := func(u string) (int, http.Header) {
		t.Helper()
		res, err := guest.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode, res.Header
	}
	testenv.WaitFor(t, obeyedWithin-time.Since(at), "instance b to go into maintenance", func() bool {
		code, _ := status(b.URL() + "/")
		return code == http.StatusServiceUnavailable
	})
	t.Logf("instance b in maintenance %s after the command returned", time.Since(at).Round(time.Millisecond))
	if _, h := status(b.URL() + "/products/dokudami-tea"); h.Get("Retry-After") == "" {
		t.Error("maintenance answer without Retry-After")
	}
	for u, want := range map[string]int{
		b.URL() + "/healthz":     http.StatusOK,
		b.URL() + "/admin/login": http.StatusOK,
		a.URL() + "/admin/login": http.StatusOK,
	} {
		if code, _ := status(u); code != want {
			t.Errorf("GET %s during maintenance: %d, want %d", u, code, want)
		}
	}
	res, err := http.Post(b.URL()+"/webhooks/gateway", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode == http.StatusServiceUnavailable {
		t.Error("the payment webhook answered 503 during maintenance")
	}

	at = flip("maintenance", "off")
	flip("card", "on")
	testenv.WaitFor(t, obeyedWithin-time.Since(at), "instance b to reopen with cards", func() bool {
		if code, _ := status(b.URL() + "/"); code != http.StatusOK {
			return false
		}
		return strings.Contains(offeredMethods(t, shoppers["b"]), "card")
	})
	t.Logf("instance b reopened with cards %s after the commands returned", time.Since(at).Round(time.Millisecond))
}

// offeredMethods loads the checkout form and lists its payment methods.
func offeredMethods(t *testing.T, c *siteClient) string {
	t.Helper()
	c.get("/checkout")
	var out []string
	visit(c.doc, func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "input" && attrOf(n, "name") == "payment_method" {
			out = append(out, attrOf(n, "value"))
		}
	})
	return strings.Join(out, " ")
}

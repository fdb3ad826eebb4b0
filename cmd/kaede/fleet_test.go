package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"kaede/internal/db/dbtest"
	"kaede/internal/testenv"
)

// heardWithin is how soon a change committed on one instance must show on
// the other: the bound. The caches' own lifetimes (two seconds)
// play no part: the instances' clock stands still, so only the change
// notifications can refresh them.
const heardWithin = time.Second

// TestTwoInstancesBehaveAsOne runs two stores on one PostgreSQL, as behind
// a load balancer that may send any request anywhere. A customer fills the
// cart on A, checks out on B and places the order on A with the same
// cookies; a member of staff logs in on A and works on B; a setting saved
// on either and a switch flipped on one show on the other within
// heardWithin, although neither instance's caches ever expire by time.
func TestTwoInstancesBehaveAsOne(t *testing.T) {
	pg := dbtest.Postgres(t)
	clock := &stepClock{now: time.Now().UTC()}
	dirA, dirB := t.TempDir(), t.TempDir()
	a := startFleetMember(t, pg.URL, dirA, clock)
	defer a.Close()
	// Instances share the staff key (KAEDE_STAFF_KEY in production; the
	// demo keeps it in the data directory) and the product images.
	key, err := os.ReadFile(filepath.Join(dirA, staffKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dirB, staffKeyFile), key, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dirB, "media"), 0o700); err != nil {
		t.Fatal(err)
	}
	b := startFleetMember(t, pg.URL, dirB, clock)
	defer b.Close()

	t.Run("customer moves mid-checkout", func(t *testing.T) {
		c := newSiteClient(t, a.URL())
		c.submit("/products/dokudami-tea", "/cart/items", url.Values{"quantity": {"1"}}, http.StatusSeeOther)
		c.base = b.URL()
		if body := c.get("/cart"); !strings.Contains(body, `href="/products/dokudami-tea"`) {
			t.Fatal("instance b shows a cart without the item put in on a")
		}
		c.get("/checkout")
		c.submit("", "/checkout/confirm", url.Values{
			"email": {"fleet@example.jp"}, "shipping_address.name": {"鈴木 花子"}, "shipping_address.name_kana": {"スズキ ハナコ"},
			"shipping_address.postal_code": {"530-0001"}, "shipping_address.prefecture": {"27"},
			"shipping_address.city": {"大阪市北区"}, "shipping_address.line1": {"梅田1-1-1"},
			"shipping_address.phone": {"06-1234-5678"}, "payment_method": {"bank_transfer"},
		}, http.StatusOK)
		c.base = a.URL() // the confirmation page came from b; its form goes to a
		c.submit("", "/checkout/place", nil, http.StatusSeeOther)
		done := c.res.Header.Get("Location")
		number := strings.TrimSuffix(strings.TrimPrefix(must(url.Parse(done)).Path, "/orders/"), "/complete")
		if number == "" || number == done {
			t.Fatalf("placing the order on a went to %q", done)
		}
		c.base = b.URL()
		if body := c.get(done); !strings.Contains(body, number) {
			t.Fatalf("instance b's completion page does not show order %s", number)
		}
		var orders int
		if err := pg.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM orders WHERE email = $1`, "fleet@example.jp").Scan(&orders); err != nil || orders != 1 {
			t.Fatalf("%d orders for the customer (%v), want 1", orders, err)
		}
		if body := c.get("/cart"); strings.Contains(body, `href="/products/dokudami-tea"`) {
			t.Fatal("instance b still shows the ordered item in the cart")
		}
	})

	t.Run("staff and changes move between instances", func(t *testing.T) {
		staff := staffLogin(t, a, dirA, clock, "owner@example.jp", "")
		guestA, guestB := newSiteClient(t, a.URL()), newSiteClient(t, b.URL())
		const seller, renamed, again = "株式会社楓商会", "株式会社楓新商会", "株式会社楓商会本店"
		// Both instances cache the settings and the guests' home page
		// first.
		for name, g := range map[string]*siteClient{"a": guestA, "b": guestB} {
			if body := g.get("/"); !strings.Contains(body, seller) {
				t.Fatalf("instance %s's home page lacks the seller %q", name, seller)
			}
		}

		// Logged in on a, the owner saves a setting on b.
		staff.base = b.URL()
		staff.submit("/admin/settings/edit", "/admin/settings", url.Values{"company": {renamed}}, http.StatusSeeOther)
		if loc := staff.res.Header.Get("Location"); !strings.HasPrefix(loc, "/admin/settings?done=saved") {
			t.Fatalf("settings save on b with a's session redirected to %q", loc)
		}
		heard(t, guestA, "/", "a", "the setting saved on b", func(doc *html.Node, body string) bool {
			return strings.Contains(body, renamed)
		})

		// Back on a, the owner saves again: b follows.
		staff.base = a.URL()
		staff.submit("/admin/settings/edit", "/admin/settings", url.Values{"company": {again}}, http.StatusSeeOther)
		heard(t, guestB, "/", "b", "the setting saved on a", func(doc *html.Node, body string) bool {
			return strings.Contains(body, again)
		})

		// The card switch, flipped on a, shows its banner on b.
		const banner = "カード会社からの連絡により、クレジットカード決済を停止しております。"
		staff.submit("/admin/switches", "/admin/switches/card", url.Values{"on": {"false"}, "banner": {banner},
			"reason": {"the acquirer called"}}, http.StatusSeeOther)
		heard(t, guestB, "/", "b", "the switch flipped on a", func(doc *html.Node, body string) bool {
			return strings.Contains(textOfClass(doc, "switch-notice"), banner)
		})
	})
}

// startFleetMember runs a demo store on the PostgreSQL at pgURL with its
// own data directory, the admin beside it and the test's clock.
func startFleetMember(t *testing.T, pgURL, dir string, clock *stepClock) *Main {
	t.Helper()
	cfg := Config{DataDir: dir, DatabaseURL: pgURL, Addr: "127.0.0.1:0", Demo: true, MailFrom: "shop@kaede.example",
		Secret: strings.Repeat("x", 32), Admin: AdminConfig{Allow: "127.0.0.0/8"}}
	cfg.finish()
	m := NewMain(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	m.Clock = clock.Now
	if err := m.Run(t.Context()); err != nil {
		m.Close()
		t.Fatalf("run: %v", err)
	}
	return m
}

// heard waits until the page at path, loaded by c, satisfies cond, for no
// longer than heardWithin, and logs how long it took.
func heard(t *testing.T, c *siteClient, path, instance, what string, cond func(doc *html.Node, body string) bool) {
	t.Helper()
	at := time.Now()
	testenv.WaitFor(t, heardWithin, "instance "+instance+" to show "+what, func() bool {
		body := c.get(path)
		return cond(c.doc, body)
	})
	t.Logf("instance %s showed %s %s after the save returned", instance, what, time.Since(at).Round(time.Microsecond))
}

package admin_test

import (
	"net/http"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"kaede/internal/admin"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/release"
	"kaede/internal/staff"
)

func TestInventory(t *testing.T) {
	inv, err := admin.Inventory()
	if err != nil {
		t.Fatal(err)
	}
	if len(inv) != 1 || inv[0].Edge != "admin" || inv[0].File != "passkey.js" ||
		strings.Join(inv[0].Pages, ",") != "code,enrol,reauth" || !strings.HasPrefix(inv[0].Integrity, "sha384-") {
		t.Fatalf("inventory %+v, want passkey.js on the admin's code, enrol and reauth pages", inv)
	}
}

// TestInventoryPage: staff with the security permission see the
// inventory and the running manifest's digest; others are refused.
func TestInventoryPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		b, _ := e.enrol("owner@example.jp", staff.Owner)
		b.login("owner@example.jp")
		res := b.get("/admin/security/inventory")
		wantStatus(t, res, http.StatusOK)
		row := find(res.Doc, func(n *html.Node) bool {
			return n.Data == "tr" && strings.Contains(textOf(n), "passkey.js") && strings.Contains(textOf(n), "sha384-")
		})
		if row == nil {
			t.Fatalf("no passkey.js row:\n%s", res.Body)
		}
		m, err := release.Running()
		if err != nil {
			t.Fatal(err)
		}
		digest := find(res.Doc, func(n *html.Node) bool { return attr(n, "id") == "manifest-digest" })
		if digest == nil || !strings.Contains(textOf(digest), m.Digest) {
			t.Errorf("manifest digest %s not shown", m.Digest)
		}

		s, _ := e.enrol("ship@example.jp", staff.Shipping)
		s.login("ship@example.jp")
		wantStatus(t, s.get("/admin/security/inventory"), http.StatusForbidden)
	})
}

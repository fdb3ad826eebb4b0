package admin_test

import (
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/staff"
)

// TestAdminPasskeyScript: the code step offers a passkey through one
// external script with the page's nonce and a matching SRI hash; the box
// is hidden until the script shows it, so the code form works without it.
func TestAdminPasskeyScript(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		b, _ := e.enrol("owner@example.jp", staff.Owner)
		res := b.post("/admin/login", url.Values{"email": {"owner@example.jp"}, "password": {password}})
		wantRedirect(t, res, "/admin/login/code")
		res = b.get("/admin/login/code")
		wantStatus(t, res, http.StatusOK)
		script := find(res.Doc, func(n *html.Node) bool { return n.Data == "script" })
		if script == nil {
			t.Fatalf("code page has no script:\n%s", res.Body)
		}
		csp := res.Header.Get("Content-Security-Policy")
		if nonce := attr(script, "nonce"); nonce == "" || !strings.Contains(csp, "'nonce-"+nonce+"'") {
			t.Errorf("script nonce %q, CSP %q", nonce, csp)
		}
		if textOf(script) != "" {
			t.Error("the passkey script is inline")
		}
		js := b.get(attr(script, "src"))
		wantStatus(t, js, http.StatusOK)
		if ct := js.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
			t.Errorf("script Content-Type %q", ct)
		}
		sum := sha512.Sum384([]byte(js.Body))
		if got, want := attr(script, "integrity"), "sha384-"+base64.StdEncoding.EncodeToString(sum[:]); got != want {
			t.Errorf("integrity=%q, want %q", got, want)
		}
		// The policy names the script's hash from the inventory.
		if !strings.Contains(csp, "'"+attr(script, "integrity")+"'") {
			t.Errorf("CSP %q does not list the script's hash", csp)
		}
		box := find(res.Doc, func(n *html.Node) bool { return hasAttr(n, "data-passkey") })
		if box == nil || !hasAttr(box, "hidden") || attr(box, "data-passkey") != "get" {
			t.Fatalf("passkey box %v: want a hidden data-passkey=get element", box)
		}
		if find(res.Doc, func(n *html.Node) bool { return n.Data == "input" && attr(n, "name") == "code" }) == nil {
			t.Fatal("the code form is gone")
		}
	})
}

// TestAdminPasskeyOptions: the options endpoints answer JSON, need the
// CSRF token and the step before them.
func TestAdminPasskeyOptions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		token, err := e.staff.Add(e.ctx, "new@example.jp", staff.Manager, staff.CLI)
		if err != nil {
			t.Fatal(err)
		}
		b := e.browser(officeIP)
		// Without the CSRF token: refused before anything else.
		wantStatus(t, b.do(http.MethodPost, "/admin/enrol/passkey/options", url.Values{"token": {token}}, nil), http.StatusForbidden)
		// Before the password: no passkey yet.
		wantStatus(t, b.post("/admin/enrol/passkey/options", url.Values{"token": {token}}), http.StatusConflict)
		wantStatus(t, b.post("/admin/enrol", url.Values{"token": {token}, "password": {password}, "password_confirm": {password}}), http.StatusOK)
		res := b.post("/admin/enrol/passkey/options", url.Values{"token": {token}})
		wantStatus(t, res, http.StatusOK)
		var o struct {
			PublicKey struct {
				Challenge string `json:"challenge"`
				RP        struct {
					ID string `json:"id"`
				} `json:"rp"`
				User struct {
					Name string `json:"name"`
				} `json:"user"`
			} `json:"publicKey"`
		}
		if err := json.Unmarshal([]byte(res.Body), &o); err != nil || o.PublicKey.Challenge == "" {
			t.Fatalf("options %s: %v", res.Body, err)
		}
		if o.PublicKey.RP.ID != "admin.test" || o.PublicKey.User.Name != "new@example.jp" {
			t.Errorf("rp.id=%q user.name=%q, want admin.test and the address", o.PublicKey.RP.ID, o.PublicKey.User.Name)
		}
		// A made-up answer neither enrols nor breaks the page.
		res = b.post("/admin/enrol/passkey", url.Values{"token": {token}, "credential": {`{"id":"x"}`}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		// No pending login: the login's options are refused.
		res = b.post("/admin/login/passkey/options", nil)
		wantStatus(t, res, http.StatusUnauthorized)
		if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") || !strings.Contains(res.Body, `"error"`) {
			t.Errorf("refusal %q %s, want a JSON error", res.Header.Get("Content-Type"), res.Body)
		}
	})
}

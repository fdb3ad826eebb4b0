package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
)

func TestCSRF(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.mountFormRoutes()
		b := e.browser()
		token := b.csrfToken()
		other := e.browser().csrfToken() // valid, but for another session

		tests := []struct {
			name   string
			form   url.Values
			header map[string]string
			want   int
		}{
			{"no token", url.Values{"item": {"a"}}, nil, http.StatusForbidden},
			{"wrong token", url.Values{"csrf_token": {"AAAA"}}, nil, http.StatusForbidden},
			{"another session's token", url.Values{"csrf_token": {other}}, nil, http.StatusForbidden},
			{"right token", url.Values{"csrf_token": {token}, "item": {"a"}}, nil, http.StatusOK},
			{"right token in header", url.Values{"item": {"a"}}, map[string]string{"X-CSRF-Token": token}, http.StatusOK},
			{"right token, cross-site", url.Values{"csrf_token": {token}}, map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
			{"right token, foreign origin", url.Values{"csrf_token": {token}}, map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				for k, v := range tt.header {
					b.header.Set(k, v)
				}
				defer func() { b.header = http.Header{} }()
				res := b.postForm("/test/form", tt.form)
				if res.StatusCode != tt.want {
					t.Fatalf("status=%d, want %d; body %.200s", res.StatusCode, tt.want, res.body)
				}
				if tt.want == http.StatusForbidden && !strings.Contains(res.body, `<html lang="ja">`) {
					t.Errorf("403 is not the store's error page: %.200s", res.body)
				}
			})
		}

		t.Run("no session at all", func(t *testing.T) {
			res := e.browser().postForm("/test/form", url.Values{"csrf_token": {token}})
			if res.StatusCode != http.StatusForbidden {
				t.Fatalf("status=%d, want 403", res.StatusCode)
			}
		})
		t.Run("API is exempt from the token but not the origin check", func(t *testing.T) {
			api := e.browser()
			if res := api.postJSON("/api/carts", `{}`); res.StatusCode == http.StatusForbidden {
				t.Fatalf("API POST without token: status 403, want the API's own answer")
			}
			api.header.Set("Sec-Fetch-Site", "cross-site")
			res := api.postJSON("/api/carts", `{}`)
			if res.StatusCode != http.StatusForbidden || !strings.Contains(res.body, `"code":"forbidden"`) {
				t.Fatalf("cross-site API POST: status=%d body=%s, want 403 JSON", res.StatusCode, res.body)
			}
		})
		t.Run("malformed form is 422, not 500", func(t *testing.T) {
			req := strings.NewReader("csrf_token=" + token + "&bad=%zz")
			r := newRequest(http.MethodPost, "/test/form", req, "application/x-www-form-urlencoded")
			res := b.do(r)
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status=%d, want 422", res.StatusCode)
			}
			big := strings.NewReader("csrf_token=" + token + "&x=" + strings.Repeat("a", 2<<20))
			res = b.do(newRequest(http.MethodPost, "/test/form", big, "application/x-www-form-urlencoded"))
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("oversized form: status=%d, want 422", res.StatusCode)
			}
		})
		t.Run("multipart is never parsed", func(t *testing.T) {
			// No store form takes a file: a multipart body, even with the
			// right token in it, is refused without reading its parts.
			body := "--x\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n" + token +
				"\r\n--x\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.bin\"\r\n\r\n" +
				strings.Repeat("a", 3<<20) + "\r\n--x--\r\n"
			res := b.do(newRequest(http.MethodPost, "/test/form", strings.NewReader(body), "multipart/form-data; boundary=x"))
			if res.StatusCode != http.StatusForbidden {
				t.Fatalf("multipart form: status=%d, want 403", res.StatusCode)
			}
		})
	})
}

func TestSessionLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.mountFormRoutes()
		member := e.insertMember("member@example.jp")
		b := e.browser()

		// Browsing and rendering forms writes no session row.
		b.get("/legal/tokushoho")
		token := b.csrfToken()
		guestID := b.cookies["kaede_session"]
		if len(guestID) != 43 {
			t.Fatalf("session cookie %q, want 43 base64url characters", guestID)
		}
		if n := e.count(`SELECT COUNT(*) FROM sessions`); n != 0 {
			t.Fatalf("%d session rows after browsing, want 0", n)
		}

		// A cart is the first thing a guest keeps.
		e.insertCart("cart-1")
		if res := b.postForm("/test/cart", url.Values{"csrf_token": {token}, "cart": {"cart-1"}}); res.StatusCode != 200 {
			t.Fatalf("set cart: %d %s", res.StatusCode, res.body)
		}
		if n := e.count(`SELECT COUNT(*) FROM sessions WHERE id_hash <> $1`, guestID); n != 1 {
			t.Fatalf("%d hashed session rows, want 1 (and never the raw id)", n)
		}

		// Logging in rotates the id and keeps the cart.
		res := b.postForm("/test/login", url.Values{"csrf_token": {token}, "member": {strconv.FormatInt(member, 10)}})
		if res.StatusCode != 200 {
			t.Fatalf("login: %d %s", res.StatusCode, res.body)
		}
		memberID := b.cookies["kaede_session"]
		if memberID == guestID || memberID == "" {
			t.Fatalf("session id not rotated at login: %q", memberID)
		}
		c := cookieNamed(res.Response, "kaede_session")
		if c == nil || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
			t.Fatalf("session cookie attributes: %+v", c)
		}
		if got := b.get("/test/whoami").body; got != "member="+strconv.FormatInt(member, 10)+" cart=cart-1" {
			t.Fatalf("after login: %q", got)
		}
		fixated := e.browser()
		fixated.cookies["kaede_session"] = guestID
		if got := fixated.get("/test/whoami").body; got != "member=0 cart=" {
			t.Fatalf("the pre-login id still works: %q", got)
		}
		// The old token dies with the old id.
		if res := b.postForm("/test/form", url.Values{"csrf_token": {token}}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("pre-login token after login: status %d, want 403", res.StatusCode)
		}

		// Logout deletes the row and expires the cookie.
		res = b.postForm("/logout", url.Values{"csrf_token": {b.csrfToken()}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout: %d", res.StatusCode)
		}
		if c := cookieNamed(res.Response, "kaede_session"); c == nil || c.MaxAge >= 0 {
			t.Fatalf("logout did not expire the cookie: %+v", c)
		}
		if n := e.count(`SELECT COUNT(*) FROM sessions`); n != 0 {
			t.Fatalf("%d session rows after logout, want 0", n)
		}
		stolen := e.browser()
		stolen.cookies["kaede_session"] = memberID
		if got := stolen.get("/test/whoami").body; got != "member=0 cart=" {
			t.Fatalf("logged-out id still works: %q", got)
		}
	})
}

func TestSessionIdleExpiry(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.mountFormRoutes()
		e.insertCart("cart-2")
		b := e.browser()
		b.postForm("/test/cart", url.Values{"csrf_token": {b.csrfToken()}, "cart": {"cart-2"}})
		lastSeen := func() time.Time {
			var ts time.Time
			if err := e.db.QueryRow(`SELECT last_seen_at FROM sessions`).Scan(&ts); err != nil {
				t.Fatal(err)
			}
			return ts.UTC()
		}
		start := lastSeen()

		e.advance(30 * time.Second)
		b.get("/test/whoami")
		if got := lastSeen(); !got.Equal(start) {
			t.Fatalf("last_seen_at written after 30s: %v, want %v", got, start)
		}
		e.advance(6 * 24 * time.Hour)
		if got := b.get("/test/whoami").body; got != "member=0 cart=cart-2" {
			t.Fatalf("after 6 days: %q", got)
		}
		if got := lastSeen(); !got.After(start) {
			t.Fatalf("last_seen_at not refreshed after 6 days")
		}
		e.advance(7*24*time.Hour + time.Minute)
		if got := b.get("/test/whoami").body; got != "member=0 cart=" {
			t.Fatalf("after 7 idle days the guest session survives: %q", got)
		}
		if n := e.count(`SELECT COUNT(*) FROM sessions`); n != 0 {
			t.Fatalf("%d rows after expiry, want 0", n)
		}
	})
}

func TestMemberPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.mountFormRoutes()
		e.srv.MountForTest("member", "GET /test/account", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("account"))
		})
		b := e.browser()
		res := b.get("/test/account")
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login?next=%2Ftest%2Faccount" {
			t.Fatalf("guest: status=%d location=%q, want 303 to the login page", res.StatusCode, res.Header.Get("Location"))
		}
		member := e.insertMember("m2@example.jp")
		b.postForm("/test/login", url.Values{"csrf_token": {b.csrfToken()}, "member": {strconv.FormatInt(member, 10)}})
		res = b.get("/test/account")
		if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("member: status=%d Cache-Control=%q, want 200 no-store", res.StatusCode, res.Header.Get("Cache-Control"))
		}
	})
}

func cookieNamed(res *http.Response, name string) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

package admin_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/mail"
	"kaede/internal/member"
	"kaede/internal/settings"
	"kaede/internal/shop"
	"kaede/internal/staff"
)

func TestAdminEnrolLoginDashboard(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		pendingLicence(t, e, "hari@example.jp")
		b, _ := e.enrol("owner@example.jp", staff.Owner)
		b.login("owner@example.jp")

		res := b.get("/admin/")
		wantStatus(t, res, http.StatusOK)
		for id, want := range map[string]string{"orders-today": "0", "sales-today": "¥0", "awaiting-shipment": "0", "pending-licences": "1"} {
			n := find(res.Doc, byID(id))
			if n == nil || textOf(n) != want {
				t.Errorf("dashboard #%s=%v, want %q", id, n, want)
			}
		}
		if e.entries("staff.login", "owner@example.jp") == nil {
			t.Error("no staff.login audit entry")
		}

		// English on request, Japanese by default.
		if got := attr(find(b.get("/admin/?lang=en").Doc, func(n *html.Node) bool { return n.Data == "html" }), "lang"); got != "en" {
			t.Errorf("?lang=en: html lang=%q", got)
		}
		if got := attr(find(e.browser(officeIP).get("/admin/login").Doc, func(n *html.Node) bool { return n.Data == "html" }), "lang"); got != "ja" {
			t.Errorf("default html lang=%q, want ja", got)
		}
	})
}

// pendingLicence registers a member who submitted a licence for review.
func pendingLicence(t *testing.T, e *env, email string) {
	t.Helper()
	members := member.New(e.d, mail.NewTestQueue(e.clock.Now), e.clock.Now, "http://shop.test")
	m, err := members.Register(e.ctx, member.RegisterInput{Email: email, Password: "member password 1", Name: "鍼 太郎", NameKana: "ハリ タロウ"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := members.SubmitLicence(e.ctx, m.ID, "hari", "12345"); err != nil {
		t.Fatal(err)
	}
}

func TestAdminSecurityHeaders(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		b, _ := e.enrol("owner@example.jp", staff.Owner)
		b.login("owner@example.jp")
		for _, path := range []string{"/admin/login", "/admin/", "/admin/settings", "/admin/nothing-here"} {
			res := b.get(path)
			h := res.Header
			csp := h.Get("Content-Security-Policy")
			if csp == "" || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") ||
				!strings.Contains(csp, "'nonce-") || !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("%s: CSP %q", path, csp)
			}
			if got := h.Get("Cache-Control"); got != "no-store" {
				t.Errorf("%s: Cache-Control=%q, want no-store", path, got)
			}
			if got := h.Get("X-Frame-Options"); got != "DENY" {
				t.Errorf("%s: X-Frame-Options=%q, want DENY", path, got)
			}
			if strings.Contains(res.Body, " style=") || strings.Contains(res.Body, "<script") || strings.Contains(res.Body, " onclick") {
				t.Errorf("%s: inline style or script in the page", path)
			}
		}
		// Two responses never share a nonce.
		a, c := b.get("/admin/").Header.Get("Content-Security-Policy"), b.get("/admin/").Header.Get("Content-Security-Policy")
		if a == c {
			t.Error("the CSP nonce repeats")
		}
		// The stylesheet the layout links to is served, with no-store too.
		link := find(b.get("/admin/").Doc, func(n *html.Node) bool { return n.Data == "link" && attr(n, "rel") == "stylesheet" })
		res := b.get(attr(link, "href"))
		wantStatus(t, res, http.StatusOK)
		if res.Header.Get("Cache-Control") != "no-store" || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") {
			t.Errorf("stylesheet headers %v", res.Header)
		}
	})
}

func TestAdminPasswordAloneIsNotEnough(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		b, _ := e.enrol("owner@example.jp", staff.Owner)
		res := b.post("/admin/login", url.Values{"email": {"owner@example.jp"}, "password": {password}})
		wantRedirect(t, res, "/admin/login/code")
		if _, ok := b.jar["kaede_admin"]; ok {
			t.Fatal("a session cookie after the password alone")
		}
		pending := res.Cookies()[0]
		if !pending.HttpOnly || pending.SameSite != http.SameSiteStrictMode || pending.MaxAge <= 0 || pending.MaxAge > 300 {
			t.Errorf("pending cookie %+v: want HttpOnly, SameSite=Strict, short-lived", pending)
		}
		for _, path := range []string{"/admin/", "/admin/staff", "/admin/settings", "/admin/audit", "/admin/sessions"} {
			wantRedirect(t, b.get(path), "/admin/login")
		}
		wantStatus(t, b.get("/admin/login/code"), http.StatusOK)
		// A wrong code keeps the door shut, with the generic message.
		res = b.post("/admin/login/code", url.Values{"code": {"000000"}})
		wantStatus(t, res, http.StatusUnauthorized)
		wantRedirect(t, b.get("/admin/"), "/admin/login")

		res = b.post("/admin/login/code", url.Values{"code": {b.code()}, "next": {"/admin/audit"}})
		wantRedirect(t, res, "/admin/audit")
		var session *http.Cookie
		for _, c := range res.Cookies() {
			if c.Name == "kaede_admin" {
				session = c
			}
		}
		if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteStrictMode || session.Path != "/admin/" {
			t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Strict, Path=/admin/", session)
		}
		wantStatus(t, b.get("/admin/"), http.StatusOK)

		// An unknown address reads the same as a wrong password.
		other := e.browser(officeIP)
		wrong := other.post("/admin/login", url.Values{"email": {"owner@example.jp"}, "password": {"wrong password!"}})
		unknown := other.post("/admin/login", url.Values{"email": {"nobody@example.jp"}, "password": {"wrong password!"}})
		if wrong.StatusCode != http.StatusUnauthorized || unknown.StatusCode != http.StatusUnauthorized ||
			textOf(find(wrong.Doc, hasClass("alert"))) != textOf(find(unknown.Doc, hasClass("alert"))) {
			t.Errorf("wrong password %d %q; unknown address %d %q", wrong.StatusCode, textOf(find(wrong.Doc, hasClass("alert"))),
				unknown.StatusCode, textOf(find(unknown.Doc, hasClass("alert"))))
		}

		// Logging out ends the session on the server.
		wantRedirect(t, b.post("/admin/logout", nil), "/admin/login")
		wantRedirect(t, b.get("/admin/"), "/admin/login")
	})
}

func TestAdminRecoveryCodeLogsIn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		b, codes := e.enrol("owner@example.jp", staff.Owner)
		wantRedirect(t, b.post("/admin/login", url.Values{"email": {"owner@example.jp"}, "password": {password}}), "/admin/login/code")
		wantRedirect(t, b.post("/admin/login/code", url.Values{"code": {codes[0]}}), "/admin/")
		wantStatus(t, b.get("/admin/"), http.StatusOK)
	})
}

// denial is one page or action and the permission it needs.
type denial struct {
	method, path string
	perm         staff.Permission
}

var guarded = []denial{
	{"GET", "/admin/", staff.DashboardRead},
	{"GET", "/admin/staff", staff.StaffRead},
	{"GET", "/admin/staff/new", staff.StaffManage},
	{"GET", "/admin/staff/sessions", staff.StaffManage},
	{"POST", "/admin/staff", staff.StaffManage},
	{"POST", "/admin/staff/1/role", staff.StaffManage},
	{"POST", "/admin/staff/1/disable", staff.StaffManage},
	{"POST", "/admin/staff/1/enable", staff.StaffManage},
	{"POST", "/admin/staff/1/unlock", staff.StaffManage},
	{"POST", "/admin/staff/1/reset", staff.StaffManage},
	{"GET", "/admin/audit", staff.AuditRead},
	{"GET", "/admin/audit/verify", staff.AuditRead},
	{"GET", "/admin/settings", staff.SettingsRead},
	{"GET", "/admin/settings/edit", staff.SettingsWrite},
	{"POST", "/admin/settings", staff.SettingsWrite},
}

func TestAdminRolesAreEnforcedByTheServer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.enrol("owner@example.jp", staff.Owner) // staff 1, whom the crafted POSTs aim at
		for _, role := range []staff.Role{staff.Manager, staff.Shipping, staff.Support, staff.Auditor} {
			email := string(role) + "@example.jp"
			b, _ := e.enrol(email, role)
			b.login(email)
			denied := 0
			for _, g := range guarded {
				if role.Can(g.perm) {
					if g.method == "GET" {
						wantStatus(t, b.get(g.path), http.StatusOK)
					}
					continue
				}
				var res *response
				if g.method == "GET" {
					res = b.get(g.path)
				} else {
					res = b.post(g.path, url.Values{"role": {"owner"}, "email": {"x@example.jp"}, "shop_name": {"pwned"}})
				}
				if res.StatusCode != http.StatusForbidden {
					t.Errorf("%s %s %s: status=%d, want 403", role, g.method, g.path, res.StatusCode)
				}
				denied++
			}
			got := e.entries("staff.denied", email)
			if len(got) != denied {
				t.Errorf("%s: %d staff.denied entries, want %d", role, len(got), denied)
			}
			// The navigation offers only what the role may open.
			nav := find(b.get("/admin/sessions").Doc, hasClass("admin-nav"))
			for _, link := range []struct {
				href string
				perm staff.Permission
			}{{"/admin/staff", staff.StaffRead}, {"/admin/audit", staff.AuditRead}, {"/admin/settings", staff.SettingsRead}} {
				shown := find(nav, func(n *html.Node) bool { return n.Data == "a" && attr(n, "href") == link.href }) != nil
				if shown != role.Can(link.perm) {
					t.Errorf("%s: nav link %s shown=%v", role, link.href, shown)
				}
			}
		}
		// Nothing the denied requests asked for happened.
		owner, err := e.staff.Get(e.ctx, 1)
		if err != nil || owner.Role != staff.Owner || !owner.DisabledAt.IsZero() || !owner.Enrolled() {
			t.Fatalf("owner after denied actions: %+v, %v", owner, err)
		}
		if s, _ := settings.Load(e.ctx, e.d); s.ShopName == "pwned" {
			t.Fatal("settings changed by a denied POST")
		}
		if n, err := audit.Verify(e.ctx, e.d); err != nil {
			t.Fatalf("Verify=%d, %v", n, err)
		}
	})
}

func TestAdminLockOut(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		b, _ := e.enrol("owner@example.jp", staff.Owner)
		var last *response
		for i := 1; i <= 5; i++ {
			last = b.post("/admin/login", url.Values{"email": {"owner@example.jp"}, "password": {"not the password"}})
			if i < 5 && last.StatusCode != http.StatusUnauthorized {
				t.Fatalf("attempt %d: status=%d, want 401", i, last.StatusCode)
			}
		}
		wantStatus(t, last, http.StatusTooManyRequests)
		// Locked: even the right password is refused, politely.
		res := b.post("/admin/login", url.Values{"email": {"owner@example.jp"}, "password": {password}})
		wantStatus(t, res, http.StatusTooManyRequests)
		if find(res.Doc, func(n *html.Node) bool { return n.Data == "h1" }) == nil {
			t.Fatalf("lock-out page has no heading:\n%s", res.Body)
		}
		if e.entries("staff.locked", "owner@example.jp") == nil {
			t.Error("no staff.locked audit entry")
		}
	})
}

func TestAdminAllowList(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		b, _ := e.enrol("owner@example.jp", staff.Owner)
		b.login("owner@example.jp")
		// The same browser, session and all, from outside the allowed network.
		b.ip = "203.0.113.5"
		for _, path := range []string{"/admin/", "/admin/login", "/admin/enrol?token=x"} {
			res := b.get(path)
			wantStatus(t, res, http.StatusForbidden)
			if res.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("%s: refused without the security headers", path)
			}
		}
		res := b.do(http.MethodPost, "/admin/login", url.Values{"email": {"owner@example.jp"}, "password": {password}}, nil)
		wantStatus(t, res, http.StatusForbidden)
	})
}

func TestAdminFreshSecondFactor(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		b, _ := e.enrol("owner@example.jp", staff.Owner)
		b.login("owner@example.jp")
		wantStatus(t, b.get("/admin/settings/edit"), http.StatusOK)

		e.clock.Advance(staff.FreshFor + time.Minute)
		res := b.get("/admin/settings/edit")
		wantRedirect(t, res, "/admin/reauth?next="+url.QueryEscape("/admin/settings/edit"))
		// A POST is refused the same way, and changes nothing.
		wantRedirect(t, b.post("/admin/staff/1/role", url.Values{"role": {"manager"}}), "/admin/reauth?next="+url.QueryEscape("/admin/staff"))
		wantRedirect(t, b.post("/admin/staff", url.Values{"email": {"new@example.jp"}, "role": {"manager"}}), "/admin/reauth")
		if list, _ := e.staff.List(e.ctx, staff.CLI); len(list) != 1 {
			t.Fatalf("%d staff after a stale POST, want 1", len(list))
		}
		// Pages without the fresh requirement still work.
		wantStatus(t, b.get("/admin/settings"), http.StatusOK)

		wantStatus(t, b.get("/admin/reauth?next=/admin/settings/edit"), http.StatusOK)
		wantStatus(t, b.post("/admin/reauth", url.Values{"code": {"000000"}, "next": {"/admin/settings/edit"}}), http.StatusUnauthorized)
		res = b.post("/admin/reauth", url.Values{"code": {b.code()}, "next": {"/admin/settings/edit"}})
		wantRedirect(t, res, "/admin/settings/edit")
		wantStatus(t, b.get("/admin/settings/edit"), http.StatusOK)
		if e.entries("staff.reauthenticate", "owner@example.jp") == nil {
			t.Error("no staff.reauthenticate audit entry")
		}
		// next never leaves the admin.
		res = b.post("/admin/reauth", url.Values{"code": {b.code()}, "next": {"//evil.example/"}})
		wantRedirect(t, res, "/admin/")
		if loc := res.Header.Get("Location"); loc != "/admin/" {
			t.Errorf("open redirect to %q", loc)
		}
	})
}

func TestAdminSettingsSave(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		b, _ := e.enrol("owner@example.jp", staff.Owner)
		b.login("owner@example.jp")
		before, err := settings.Load(e.ctx, e.d)
		if err != nil {
			t.Fatal(err)
		}
		page := b.get("/admin/settings/edit")
		wantStatus(t, page, http.StatusOK)
		form := formValues(page.Doc, "/admin/settings")
		if n := len(form["shipping_fees.13"]); n != 1 {
			t.Fatalf("no Tokyo fee field (%d)", n)
		}
		fees := 0
		for k := range form {
			if strings.HasPrefix(k, "shipping_fees.") {
				fees++
			}
		}
		if fees != 47 {
			t.Fatalf("%d prefecture fee fields, want 47", fees)
		}

		// Bad values: the form again, naming each field, and nothing saved.
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("invoice_number", "T123")
		bad.Set("shop_name", "")
		bad.Set("shipping_fees.13", "abc")
		bad.Set("konbini_expiry_days", "61")
		res := b.post("/admin/settings", bad)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		for _, field := range []string{"invoice_number", "shop_name", "fee-13", "konbini_expiry_days"} {
			input := find(res.Doc, byID(field))
			if input == nil || input.NextSibling == nil || find(input.Parent, hasClass("field-error")) == nil {
				t.Errorf("no error next to %s", field)
			}
		}
		if got := e.entries("settings.update", ""); got != nil {
			t.Fatalf("settings.update audited after a refused save: %v", got)
		}

		form.Set("shop_name", "楓 新店")
		form.Set("invoice_number", "Ｔ９８７６５４３２１０９８７")
		form.Set("shipping_fees.13", "1,200")
		form.Del("enable_cod")
		form.Set("enable_konbini", "on")
		form.Set("konbini_fee", "330")
		form.Set("konbini_expiry_days", "7")
		form.Set("enable_paypay", "on")
		form.Set("paypay_fee", "0")
		res = b.post("/admin/settings", form)
		wantRedirect(t, res, "/admin/settings")
		after, err := settings.Load(e.ctx, e.d)
		if err != nil {
			t.Fatal(err)
		}
		if after.ShopName != "楓 新店" || after.InvoiceNumber != "T9876543210987" || after.ShippingFees[13] != 1200 || after.EnableCOD {
			t.Fatalf("saved %+v", after)
		}
		if !after.EnableKonbini || after.KonbiniFee != 330 || after.KonbiniExpiryDays != 7 || !after.EnablePayPay || after.PayPayFee != 0 {
			t.Fatalf("konbini and PayPay saved as %v %s %d %v %s", after.EnableKonbini, after.KonbiniFee, after.KonbiniExpiryDays, after.EnablePayPay, after.PayPayFee)
		}
		if after.ReturnPolicy != before.ReturnPolicy || len(after.DeliverySlots) != len(before.DeliverySlots) || after.ShippingFees[1] != before.ShippingFees[1] {
			t.Fatalf("untouched settings changed: %+v", after)
		}
		entries := e.entries("settings.update", "owner@example.jp")
		if len(entries) != 1 {
			t.Fatalf("%d settings.update entries, want 1", len(entries))
		}
		var was, now settings.Settings
		if err := json.Unmarshal([]byte(entries[0].Before), &was); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(entries[0].After), &now); err != nil {
			t.Fatal(err)
		}
		if was.ShopName != before.ShopName || now.ShopName != "楓 新店" || entries[0].IP != officeIP {
			t.Fatalf("audit entry before=%q after=%q ip=%q", was.ShopName, now.ShopName, entries[0].IP)
		}
		if n, err := audit.Verify(e.ctx, e.d); err != nil || n == 0 {
			t.Fatalf("Verify=%d, %v", n, err)
		}
		// The cache was dropped: the very next page shows the new name.
		if brand := find(b.get("/admin/settings").Doc, hasClass("brand")); !strings.Contains(textOf(brand), "楓 新店") {
			t.Errorf("header shows %q after saving", textOf(brand))
		}
	})
}

func TestAdminCSRF(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		b, _ := e.enrol("owner@example.jp", staff.Owner)
		b.login("owner@example.jp")
		form := url.Values{"email": {"new@example.jp"}, "role": {"owner"}}
		wantStatus(t, b.do(http.MethodPost, "/admin/staff", form, nil), http.StatusForbidden)
		form.Set("csrf_token", "forged")
		wantStatus(t, b.do(http.MethodPost, "/admin/staff", form, nil), http.StatusForbidden)
		// A valid token does not help a form posted from another site.
		form.Set("csrf_token", b.token())
		res := b.do(http.MethodPost, "/admin/staff", form, http.Header{"Sec-Fetch-Site": {"cross-site"}})
		wantStatus(t, res, http.StatusForbidden)
		if list, _ := e.staff.List(e.ctx, staff.CLI); len(list) != 1 {
			t.Fatalf("%d staff after forged posts, want 1", len(list))
		}
		wantStatus(t, b.do(http.MethodPost, "/admin/logout", url.Values{}, nil), http.StatusForbidden)
		wantStatus(t, b.get("/admin/"), http.StatusOK)
	})
}

func TestAdminStaffManagement(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		owner, _ := e.enrol("owner@example.jp", staff.Owner)
		owner.login("owner@example.jp")

		res := owner.post("/admin/staff", url.Values{"email": {"bad"}, "role": {"manager"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		res = owner.post("/admin/staff", url.Values{"email": {"Packer@Example.jp"}, "role": {"shipping"}})
		wantStatus(t, res, http.StatusOK)
		link := textOf(find(res.Doc, byID("enrol-link")))
		u, err := url.Parse(link)
		if err != nil || !strings.HasPrefix(link, "http://admin.test/admin/enrol?token=") {
			t.Fatalf("enrolment link %q", link)
		}
		packer := e.browser(officeIP)
		packer.enrolWith(u.Query().Get("token"))
		packer.login("packer@example.jp")
		wantStatus(t, packer.get("/admin/"), http.StatusOK)

		m := staffByEmail(t, e, "packer@example.jp")
		id := fmt.Sprint(m.ID)
		wantRedirect(t, owner.post("/admin/staff/"+id+"/role", url.Values{"role": {"support"}}), "/admin/staff?done=role")
		if m = staffByEmail(t, e, "packer@example.jp"); m.Role != staff.Support {
			t.Fatalf("role %s, want support", m.Role)
		}
		wantRedirect(t, owner.post("/admin/staff/"+id+"/disable", nil), "/admin/staff?done=disable")
		wantRedirect(t, packer.get("/admin/"), "/admin/login") // sessions end at once
		wantRedirect(t, owner.post("/admin/staff/"+id+"/enable", nil), "/admin/staff?done=enable")
		wantRedirect(t, owner.post("/admin/staff/"+id+"/unlock", nil), "/admin/staff?done=unlock")
		res = owner.post("/admin/staff/"+id+"/reset", nil)
		wantStatus(t, res, http.StatusOK)
		if find(res.Doc, byID("enrol-link")) == nil {
			t.Fatal("reset shows no new enrolment link")
		}
		// The last owner stays an owner.
		wantStatus(t, owner.post("/admin/staff/1/role", url.Values{"role": {"manager"}}), http.StatusConflict)
		for _, action := range []string{"staff.add", "staff.role", "staff.disable", "staff.enable", "staff.reset_enrolment"} {
			if e.entries(action, "owner@example.jp") == nil {
				t.Errorf("no %s audit entry by the owner", action)
			}
		}
		list := owner.get("/admin/staff")
		wantStatus(t, list, http.StatusOK)
		if !strings.Contains(list.Body, "packer@example.jp") {
			t.Error("staff list does not show the new member")
		}
	})
}

func staffByEmail(t *testing.T, e *env, email string) staff.Staff {
	t.Helper()
	list, err := e.staff.List(e.ctx, staff.CLI)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list {
		if m.Email == email {
			return m
		}
	}
	t.Fatalf("no staff %s", email)
	return staff.Staff{}
}

func TestAdminSessions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		owner, _ := e.enrol("owner@example.jp", staff.Owner)
		owner.login("owner@example.jp")
		support, _ := e.enrol("support@example.jp", staff.Support)
		support.login("support@example.jp")
		laptop := e.browser("192.0.2.20")
		laptop.secret = support.secret
		laptop.login("support@example.jp")

		page := support.get("/admin/sessions")
		wantStatus(t, page, http.StatusOK)
		var refs []string
		walk(page.Doc, func(n *html.Node) {
			if n.Type == html.ElementNode && n.Data == "form" && strings.HasSuffix(attr(n, "action"), "/revoke") {
				refs = append(refs, attr(n, "action"))
			}
		})
		if len(refs) != 2 {
			t.Fatalf("support sees %d sessions, want 2", len(refs))
		}
		// The owner's sessions are not theirs to end…
		ownerPage := owner.get("/admin/sessions")
		ownerRevoke := find(ownerPage.Doc, func(n *html.Node) bool { return n.Data == "form" && strings.HasSuffix(attr(n, "action"), "/revoke") })
		wantStatus(t, support.post(attr(ownerRevoke, "action"), nil), http.StatusNotFound)
		wantStatus(t, support.get("/admin/staff/sessions"), http.StatusForbidden)
		// …but the owner may end any, from the list of all sessions.
		all := owner.get("/admin/staff/sessions")
		wantStatus(t, all, http.StatusOK)
		if !strings.Contains(all.Body, "support@example.jp") {
			t.Fatal("all sessions page lacks the support's sessions")
		}
		for _, action := range refs {
			res := owner.post(action, url.Values{"from": {"all"}})
			wantRedirect(t, res, "/admin/staff/sessions?done=revoke")
		}
		wantRedirect(t, support.get("/admin/"), "/admin/login")
		wantRedirect(t, laptop.get("/admin/"), "/admin/login")
		if got := len(e.entries("staff.session_revoke", "owner@example.jp")); got != 2 {
			t.Errorf("%d staff.session_revoke entries, want 2", got)
		}
	})
}

func TestAdminAuditBrowser(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		auditor, _ := e.enrol("auditor@example.jp", staff.Auditor)
		auditor.login("auditor@example.jp")
		for i := range 60 {
			appendEntry(t, e, audit.Entry{Actor: "cli", Action: "test.bulk", Target: fmt.Sprintf("thing:%d", i)})
		}
		res := auditor.get("/admin/audit?action=test.bulk")
		wantStatus(t, res, http.StatusOK)
		if rows := countRows(res.Doc); rows != 50 {
			t.Fatalf("first page shows %d rows, want 50", rows)
		}
		next := find(res.Doc, func(n *html.Node) bool { return n.Data == "a" && attr(n, "rel") == "next" })
		if next == nil {
			t.Fatal("no link to the next page")
		}
		res = auditor.get(attr(next, "href"))
		if rows := countRows(res.Doc); rows != 10 {
			t.Fatalf("second page shows %d rows, want 10", rows)
		}
		res = auditor.get("/admin/audit?target=thing:7")
		if rows := countRows(res.Doc); rows != 1 {
			t.Fatalf("target filter shows %d rows, want 1", rows)
		}
		wantStatus(t, auditor.get("/admin/audit?from=yesterday"), http.StatusUnprocessableEntity)
		today := e.clock.Now().In(shop.JST).Format(time.DateOnly)
		res = auditor.get("/admin/audit?action=test.bulk&from=" + today + "&to=" + today)
		if rows := countRows(res.Doc); rows != 50 {
			t.Fatalf("date filter shows %d rows, want 50", rows)
		}

		res = auditor.get("/admin/audit/verify")
		wantStatus(t, res, http.StatusOK)
		n, _ := audit.Verify(e.ctx, e.d)
		if got := textOf(find(res.Doc, byID("verify-result"))); !strings.Contains(got, fmt.Sprint(n)) || !hasClass("ok")(find(res.Doc, byID("verify-result"))) {
			t.Fatalf("verify says %q, want the count %d", got, n)
		}
		if _, err := e.d.ExecContext(e.ctx, `UPDATE audit_log SET after_json = '{"forged":true}' WHERE id = 3`); err != nil {
			t.Fatal(err)
		}
		res = auditor.get("/admin/audit/verify")
		result := find(res.Doc, byID("verify-result"))
		if !hasClass("error")(result) || !strings.Contains(textOf(result), "#3") {
			t.Fatalf("verify after tampering says %q", textOf(result))
		}
	})
}

func appendEntry(t *testing.T, e *env, en audit.Entry) {
	t.Helper()
	en.At = e.clock.Now()
	err := e.d.Tx(context.Background(), func(tx *sql.Tx) error {
		_, err := audit.Append(context.Background(), tx, en)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func countRows(doc *html.Node) int {
	n := 0
	walk(doc, func(x *html.Node) {
		if x.Type == html.ElementNode && x.Data == "tr" && x.Parent != nil && x.Parent.Data == "tbody" {
			n++
		}
	})
	return n
}

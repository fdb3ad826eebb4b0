package main

import (
	"bytes"
	"context"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
)

// TestBrowserPasskeyEnrolAndLogin enrols a new owner with a passkey (no
// authenticator app) through the real admin pages, in Chromium with its
// virtual authenticator, then logs in with the password and the passkey.
// A login stopped after the password reaches no admin page.
func TestBrowserPasskeyEnrolAndLogin(t *testing.T) {
	chromiumPath(t)
	eachDatabase(t, testBrowserPasskeyEnrolAndLogin)
}

func testBrowserPasskeyEnrolAndLogin(t *testing.T, cfg Config) {
	// WebAuthn wants a domain as the relying party, not an IP address:
	// the admin gets its own listener, reached as localhost.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	admin := "http://localhost:" + strconv.Itoa(port)
	cfg.Admin = AdminConfig{Addr: "127.0.0.1:" + strconv.Itoa(port), URL: admin, Allow: "127.0.0.0/8,::1/128"}
	m := start(t, cfg)
	defer m.Close()

	var out, errOut bytes.Buffer
	// The command opens the store's database, whichever it is.
	if err := runStaff(context.Background(), []string{"add", "--data", cfg.DataDir, "--database", m.Config.DatabaseURL, "--demo", "--email", "owner@example.jp",
		"--role", "owner", "--admin-url", admin}, &out, &errOut); err != nil {
		t.Fatalf("staff add: %v\n%s", err, errOut.String())
	}
	link := regexp.MustCompile(`http://\S+/admin/enrol\?token=\S+`).FindString(out.String())
	if link == "" {
		t.Fatalf("staff add printed %q, want an enrolment link", out.String())
	}

	b := newBrowser(t, 90*time.Second)
	b.watchCSP(t)
	if _, err := chromedp.Call(b.ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		t.Fatalf("enable WebAuthn: %v", err)
	}
	if _, err := chromedp.Call(b.ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol:                    webauthn.AuthenticatorProtocolCtap2,
			Transport:                   webauthn.AuthenticatorTransportInternal,
			HasResidentKey:              true,
			HasUserVerification:         true,
			IsUserVerified:              true,
			AutomaticPresenceSimulation: true,
		}}); err != nil {
		t.Fatalf("add a virtual authenticator: %v", err)
	}
	noViolations := func(where string) {
		t.Helper()
		if v := cspViolations(t, b); len(v) != 0 {
			t.Errorf("%s: CSP violations %q", where, v)
		}
		for _, line := range b.takeConsole() {
			if isCSPMessage(line) || strings.HasPrefix(line, "exception") {
				t.Errorf("%s: console: %s", where, line)
			}
		}
	}

	// Enrolment: a password, then the passkey instead of the app's code.
	const password = "correct horse battery staple"
	b.navigate(t, "open the enrolment link", chromedp.Navigate(link))
	b.run(t, "choose a password",
		chromedp.SendKeys(field("password"), password),
		chromedp.SendKeys(field("password_confirm"), password))
	b.navigate(t, "submit the password", chromedp.Click(chromedp.CSS(`form[action="/admin/enrol"] button[type="submit"]`)))
	waitFor(t, b, 5*time.Second, "the passkey button shown by passkey.js",
		`document.getElementById('passkey_register') !== null && document.getElementById('passkey_register').offsetParent !== null`)
	noViolations("enrolment")
	b.run(t, "register a passkey", chromedp.SendKeys(field("name"), "virtual"), chromedp.Click(chromedp.ID("passkey_register")))
	waitFor(t, b, 10*time.Second, "the recovery codes after the passkey",
		`document.querySelectorAll('ol.codes li').length === 10 || (document.querySelector('[data-passkey-error]') || {}).hidden === false`)
	if n := eval[int](t, b, `document.querySelectorAll('ol.codes li').length`); n != 10 {
		t.Fatalf("after registering the passkey: %d recovery codes; page says %q", n,
			eval[string](t, b, `document.querySelector('main').innerText`))
	}

	// Login: the password, then the passkey.
	login := func() {
		t.Helper()
		b.navigate(t, "open the login page", chromedp.Navigate(admin+"/admin/login"))
		b.run(t, "type the password",
			chromedp.SendKeys(field("email"), "owner@example.jp"),
			chromedp.SendKeys(field("password"), password))
		b.navigate(t, "submit the password", chromedp.Click(chromedp.CSS(`form[action="/admin/login"] button[type="submit"]`)))
		if got := b.location(t); !strings.HasPrefix(got, admin+"/admin/login/code") {
			t.Fatalf("after the password at %s, want the second step", got)
		}
	}
	login()
	// Stopped here, the password alone opens nothing.
	for _, path := range []string{"/admin/", "/admin/staff", "/admin/sessions"} {
		b.navigate(t, "open "+path+" without the second factor", chromedp.Navigate(admin+path))
		if got := b.location(t); !strings.HasPrefix(got, admin+"/admin/login") {
			t.Fatalf("%s after the password alone: at %s, want the login page", path, got)
		}
	}

	login()
	waitFor(t, b, 5*time.Second, "the passkey button on the code step",
		`document.getElementById('passkey_use') !== null && document.getElementById('passkey_use').offsetParent !== null`)
	noViolations("code step")
	b.run(t, "use the passkey", chromedp.Click(chromedp.ID("passkey_use")))
	waitFor(t, b, 10*time.Second, "the answer to the passkey", `location.pathname !== '/admin/login/code' || (document.querySelector('[data-passkey-error]') || {}).hidden === false`)
	if got := b.location(t); got != admin+"/admin/" {
		t.Fatalf("after the passkey at %s, want the dashboard; page says %q", got, eval[string](t, b, `document.querySelector('main').innerText`))
	}
	if !eval[bool](t, b, `document.querySelector('.who') !== null && document.querySelector('.who').textContent.includes('owner@example.jp')`) {
		t.Fatal("the dashboard does not show the logged-in owner")
	}
	noViolations("dashboard")

	var actions []string
	rows, err := m.db.QueryContext(context.Background(), `SELECT action FROM audit_log ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var a string
		rows.Scan(&a)
		actions = append(actions, a)
	}
	got := strings.Join(actions, " ")
	for _, want := range []string{"staff.passkey_register staff.enrol", "staff.passkey_use staff.login"} {
		if !strings.Contains(got, want) {
			t.Errorf("audit log %q, want %q", got, want)
		}
	}
}

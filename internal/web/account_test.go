package web_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"kaede/internal/cart"
	"kaede/internal/catalog"
	"kaede/internal/checkout"
	"kaede/internal/content"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/mail"
	"kaede/internal/member"
	"kaede/internal/order"
	"kaede/internal/settings"
	"kaede/internal/shop"
	"kaede/internal/web"
)

const accountPassword = "correct horse battery"

// newAccountDemoEnv is newEnv with the store in demo mode, for the demo
// outbox.
func newAccountDemoEnv(t *testing.T, d *db.DB) *testEnv {
	t.Helper()
	e := newEnv(t, d)
	q := mail.NewTestQueue(e.clock)
	carts := cart.New(d, e.clock)
	orders := order.New(d, q, e.clock)
	srv, err := web.New(web.Config{
		BaseURL: "https://shop.example",
		Secret:  bytes.Repeat([]byte("k"), 32),
		Demo:    true,
	}, web.Deps{
		Ping:     d.PingContext,
		Settings: settings.NewService(d, e.clock, 2*time.Second),
		Sessions: member.NewSessions(d, e.clock),
		Legal:    content.NewPages(d, e.clock),
		Outbox:   mail.NewOutbox(d),
		Logger:   slog.New(slog.NewTextHandler(e.log, nil)),
		Clock:    e.clock,
		Catalog:  catalog.New(d, e.clock),
		Carts:    carts,
		Checkout: checkout.New(d, carts, orders, q, e.clock, "https://shop.example"),
		Orders:   orders,
		Members:  e.members,
	})
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	e.srv, e.h = srv, srv.Handler()
	return e
}

// formToken loads a page and returns the CSRF token of its forms.
func (b *browser) formToken(path string) string {
	b.e.t.Helper()
	res := b.get(path)
	m := tokenRe.FindStringSubmatch(res.body)
	if m == nil {
		b.e.t.Fatalf("GET %s (%d): no csrf token", path, res.StatusCode)
	}
	return m[1]
}

// submit posts a form with the token of the page it is on.
func (b *browser) submit(page, action string, form url.Values) *response {
	b.e.t.Helper()
	form.Set("csrf_token", b.formToken(page))
	return b.postForm(action, form)
}

// register signs a new member up through the form.
func (b *browser) register(email string) *response {
	b.e.t.Helper()
	res := b.submit("/register", "/register", url.Values{"email": {email}, "password": {accountPassword},
		"password_confirm": {accountPassword}, "name": {"鈴木 花子"}, "name_kana": {"スズキ ハナコ"}})
	if res.StatusCode != http.StatusOK {
		b.e.t.Fatalf("register %s: status %d\n%s", email, res.StatusCode, res.body)
	}
	// Registration does not log in (it would tell a taken address from a
	// new one); the new member logs in as anyone would.
	if in := b.login(email, accountPassword, ""); in.StatusCode != http.StatusSeeOther {
		b.e.t.Fatalf("log in after registering %s: status %d", email, in.StatusCode)
	}
	return res
}

// login logs in through the form.
func (b *browser) login(email, password, next string) *response {
	b.e.t.Helper()
	return b.submit("/login", "/login", url.Values{"email": {email}, "password": {password}, "next": {next}})
}

var accountNonceRe = regexp.MustCompile(`nonce="[^"]*"`)

// stable removes what differs between two renderings of the same page.
func stable(body string) string { return accountNonceRe.ReplaceAllString(body, "") }

var linkRe = regexp.MustCompile(`https://shop\.example(/account/[a-z]+\?token=[A-Za-z0-9_-]+)`)

// mailLink returns the path of the link in the newest e-mail of kind to
// the address.
func (e *testEnv) mailLink(kind, to string) string {
	e.t.Helper()
	var body string
	err := e.db.QueryRow(`SELECT body FROM mail_messages WHERE kind = $1 AND to_addr = $2 ORDER BY id DESC LIMIT 1`, kind, to).Scan(&body)
	if err != nil {
		e.t.Fatalf("no %s mail to %s: %v", kind, to, err)
	}
	m := linkRe.FindStringSubmatch(body)
	if m == nil {
		e.t.Fatalf("%s mail has no link:\n%s", kind, body)
	}
	return m[1]
}

// fieldErrors returns the ids of the inputs marked aria-invalid.
func fieldErrors(t *testing.T, body string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	walk(parseHTML(t, body), func(n *html.Node) {
		if v, _ := attr(n, "aria-invalid"); v == "true" {
			id, _ := attr(n, "id")
			out[id] = true
		}
	})
	return out
}

// inputValue returns the value attribute of the input with the id.
func inputValue(t *testing.T, body, id string) string {
	t.Helper()
	var v string
	walk(parseHTML(t, body), func(n *html.Node) {
		if got, _ := attr(n, "id"); got == id && n.Data == "input" {
			v, _ = attr(n, "value")
		}
	})
	return v
}

func TestAccountRegisterValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		b := e.browser()
		res := b.submit("/register", "/register", url.Values{"email": {"hanako@example"}, "password": {"short1"},
			"password_confirm": {"short1"}, "name": {""}, "name_kana": {"すずき"}, "phone": {"abc"}})
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status %d, want 422", res.StatusCode)
		}
		bad := fieldErrors(t, res.body)
		for _, f := range []string{"email", "password", "name", "phone"} {
			if !bad[f] {
				t.Errorf("field %s not marked invalid (marked: %v)", f, bad)
			}
		}
		page := text(parseHTML(t, res.body))
		for _, want := range []string{"メールアドレスの形式が正しくありません", "お名前を入力してください"} {
			if !strings.Contains(page, want) {
				t.Errorf("page lacks %q", want)
			}
		}
		if v := inputValue(t, res.body, "email"); v != "hanako@example" {
			t.Errorf("email not kept: %q", v)
		}
		if strings.Contains(res.body, "short1") {
			t.Error("the password is echoed back")
		}

		res = b.submit("/register", "/register", url.Values{"email": {"hanako@example.jp"}, "password": {accountPassword},
			"password_confirm": {"something else"}, "name": {"鈴木"}, "name_kana": {"スズキ"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !fieldErrors(t, res.body)["password_confirm"] {
			t.Fatalf("mismatch: status %d, fields %v", res.StatusCode, fieldErrors(t, res.body))
		}
		if n := e.count(`SELECT COUNT(*) FROM members`); n != 0 {
			t.Fatalf("%d members created by invalid forms", n)
		}
		if strings.Contains(res.body, accountPassword) {
			t.Error("the password is echoed back")
		}
	})
}

func TestAccountRegisterAndVerify(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		b := e.browser()
		res := b.register("Hanako@Example.jp")
		if !strings.Contains(res.body, "メールを送信しました") {
			t.Fatalf("no confirmation notice:\n%s", res.body)
		}
		if n := e.count(`SELECT COUNT(*) FROM mail_messages WHERE kind = 'verify_email' AND to_addr = 'hanako@example.jp'`); n != 1 {
			t.Fatalf("%d verification mails", n)
		}
		home := b.get("/account")
		if home.StatusCode != http.StatusOK || !strings.Contains(home.body, "確認がまだ完了していません") {
			t.Fatalf("/account after sign-up: %d", home.StatusCode)
		}
		if cc := home.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("my page Cache-Control %q", cc)
		}

		link := e.mailLink("verify_email", "hanako@example.jp")
		res = e.browser().get(link)
		if res.StatusCode != http.StatusOK || !strings.Contains(res.body, "確認が完了しました") {
			t.Fatalf("verify: %d", res.StatusCode)
		}
		if rp := res.Header.Get("Referrer-Policy"); rp != "no-referrer" {
			t.Errorf("verify page Referrer-Policy %q", rp)
		}
		res = e.browser().get(link)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "すでに使用されています") {
			t.Fatalf("second use: %d", res.StatusCode)
		}
		if strings.Contains(b.get("/account").body, "確認がまだ完了していません") {
			t.Error("banner still shown after verification")
		}
	})
}

func TestAccountLogin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.browser().register("taro@example.jp")

		wrong := e.browser().login("taro@example.jp", "wrong password!", "")
		unknown := e.browser().login("nobody@example.jp", "wrong password!", "")
		if wrong.StatusCode != http.StatusUnauthorized || unknown.StatusCode != http.StatusUnauthorized {
			t.Fatalf("statuses %d, %d; want 401", wrong.StatusCode, unknown.StatusCode)
		}
		w := strings.ReplaceAll(stable(wrong.body), "taro@example.jp", "X")
		u := strings.ReplaceAll(stable(unknown.body), "nobody@example.jp", "X")
		// Each browser has its own session, hence its own CSRF token.
		w, u = tokenRe.ReplaceAllString(w, ""), tokenRe.ReplaceAllString(u, "")
		if w != u {
			t.Fatal("wrong password and unknown e-mail answer differently")
		}
		if !strings.Contains(wrong.body, "メールアドレスまたはパスワードが正しくありません") {
			t.Error("no generic failure message")
		}

		b := e.browser()
		b.get("/login")
		before := b.cookies["kaede_session"]
		res := b.login("taro@example.jp", accountPassword, "")
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account" {
			t.Fatalf("login: %d → %q\n%s", res.StatusCode, res.Header.Get("Location"), e.log.String())
		}
		if after := b.cookies["kaede_session"]; after == "" || after == before {
			t.Fatal("session id not rotated at login")
		}
		if res := b.get("/account"); res.StatusCode != http.StatusOK {
			t.Fatalf("/account after login: %d", res.StatusCode)
		}
	})
}

func TestAccountLoginNext(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.browser().register("jiro@example.jp")
		for next, want := range map[string]string{
			"/account/orders":        "/account/orders",
			"//evil.example":         "/account",
			"/\\evil.example":        "/account",
			"https://evil.example/x": "/account",
			"/\t/evil.example":       "/account",
		} {
			res := e.browser().login("jiro@example.jp", accountPassword, next)
			if got := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || got != want {
				t.Errorf("next=%q: %d → %q, want %q", next, res.StatusCode, got, want)
			}
		}
		// Member pages send guests to the log-in page and back.
		res := e.browser().get("/account/addresses")
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login?next=%2Faccount%2Faddresses" {
			t.Fatalf("guest: %d → %q", res.StatusCode, res.Header.Get("Location"))
		}
		res = e.browser().get("/login?next=%2Faccount%2Faddresses")
		if v := inputHidden(t, res.body, "next"); v != "/account/addresses" {
			t.Fatalf("next not carried by the form: %q", v)
		}
	})
}

// inputHidden returns the value of the named hidden input.
func inputHidden(t *testing.T, body, name string) string {
	t.Helper()
	var v string
	walk(parseHTML(t, body), func(n *html.Node) {
		if got, _ := attr(n, "name"); got == name && n.Data == "input" {
			v, _ = attr(n, "value")
		}
	})
	return v
}

func TestAccountLoginLock(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.browser().register("lock@example.jp")
		b := e.browser()
		for i := range 10 {
			if res := b.login("lock@example.jp", "not the password", ""); res.StatusCode != http.StatusUnauthorized {
				t.Fatalf("attempt %d: %d", i+1, res.StatusCode)
			}
		}
		res := b.login("lock@example.jp", accountPassword, "")
		if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(res.body, "ログインを制限しています") {
			t.Fatalf("locked account: %d", res.StatusCode)
		}
	})
}

func TestAccountLoginMergesGuestCart(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.seedDemo()
		e.mountFormRoutes()
		e.browser().register("cart@example.jp")
		m, err := e.members.ByEmail(context.Background(), "cart@example.jp")
		if err != nil {
			t.Fatal(err)
		}
		carts := cart.New(d, e.clock)
		var sku string
		if err := d.QueryRow(`SELECT v.sku FROM variants v JOIN products p ON p.id = v.product_id
			WHERE p.status = 'published' AND NOT p.practitioners_only AND v.stock > 1 ORDER BY v.id LIMIT 1`).Scan(&sku); err != nil {
			t.Fatalf("pick a variant: %v", err)
		}
		guest, err := carts.Create(context.Background(), 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := carts.AddItem(context.Background(), guest.ID, sku, 2, shop.Viewer{}); err != nil {
			t.Fatal(err)
		}
		b := e.browser()
		if res := b.postForm("/test/cart", url.Values{"csrf_token": {b.csrfToken()}, "cart": {guest.ID}}); res.StatusCode != http.StatusOK {
			t.Fatalf("set cart: %d %s", res.StatusCode, res.body)
		}
		if res := b.login("cart@example.jp", accountPassword, ""); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("login: %d\n%s", res.StatusCode, e.log.String())
		}
		mine, err := carts.ForMember(context.Background(), m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(mine.Lines) != 1 || mine.Lines[0].Quantity != 2 {
			t.Fatalf("member cart after login: %+v", mine.Lines)
		}
		if who := b.get("/test/whoami").body; !strings.Contains(who, "cart="+mine.ID) {
			t.Fatalf("session does not hold the member cart: %s", who)
		}
	})
}

func TestAccountPasswordReset(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.browser().register("reset@example.jp")
		known := e.browser().submit("/account/forgot", "/account/forgot", url.Values{"email": {"reset@example.jp"}})
		unknown := e.browser().submit("/account/forgot", "/account/forgot", url.Values{"email": {"ghost@example.jp"}})
		if known.StatusCode != http.StatusOK || stable(known.body) != stable(unknown.body) {
			t.Fatalf("forgot answers differ (%d, %d)", known.StatusCode, unknown.StatusCode)
		}
		link := e.mailLink("password_reset", "reset@example.jp")
		b := e.browser()
		res := b.get(link)
		token := inputHidden(t, res.body, "token")
		if res.StatusCode != http.StatusOK || token == "" {
			t.Fatalf("reset page: %d, token %q", res.StatusCode, token)
		}
		res = b.submit(link, "/account/reset", url.Values{"token": {token}, "password": {"short"}, "password_confirm": {"short"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !fieldErrors(t, res.body)["password"] {
			t.Fatalf("short password: %d", res.StatusCode)
		}
		const fresh = "a brand new secret"
		res = b.submit(link, "/account/reset", url.Values{"token": {token}, "password": {fresh}, "password_confirm": {fresh}})
		if res.StatusCode != http.StatusOK || !strings.Contains(res.body, "パスワードを再設定しました") {
			t.Fatalf("reset: %d", res.StatusCode)
		}
		res = b.submit(link, "/account/reset", url.Values{"token": {token}, "password": {fresh}, "password_confirm": {fresh}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "/account/forgot") {
			t.Fatalf("token reused: %d", res.StatusCode)
		}
		if res := e.browser().login("reset@example.jp", accountPassword, ""); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("old password still works: %d", res.StatusCode)
		}
		if res := e.browser().login("reset@example.jp", fresh, ""); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("new password refused: %d", res.StatusCode)
		}
	})
}

func TestAccountAddresses(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		b := e.browser()
		b.register("addr@example.jp")
		res := b.submit("/account/addresses", "/account/addresses", url.Values{"name": {"鈴木 花子"}, "name_kana": {"スズキ ハナコ"},
			"postal_code": {""}, "prefecture": {"13"}, "city": {"千代田区"}, "line1": {"千代田1-1"}, "phone": {"03-1234-5678"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !fieldErrors(t, res.body)["postal_code"] {
			t.Fatalf("missing postal code: %d", res.StatusCode)
		}
		if !strings.Contains(res.body, `<option value="13" selected>東京都</option>`) {
			t.Error("prefecture choice not kept")
		}
		res = b.submit("/account/addresses", "/account/addresses", url.Values{"name": {"鈴木 花子"}, "name_kana": {"スズキ ハナコ"},
			"postal_code": {"100-0001"}, "prefecture": {"13"}, "city": {"千代田区"}, "line1": {"千代田1-1"}, "phone": {"03-1234-5678"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("add: %d\n%s", res.StatusCode, res.body)
		}
		page := b.get("/account/addresses")
		if !strings.Contains(page.body, "千代田区") || !strings.Contains(page.body, "いつものお届け先") {
			t.Fatal("address not listed")
		}
		var id string
		if err := d.QueryRow(`SELECT CAST(id AS TEXT) FROM addresses`).Scan(&id); err != nil {
			t.Fatal(err)
		}

		other := e.browser()
		other.register("other@example.jp")
		if res := other.submit("/account/addresses", "/account/addresses/"+id+"/delete", url.Values{}); res.StatusCode != http.StatusNotFound {
			t.Fatalf("someone else's address: %d", res.StatusCode)
		}
		if res := b.submit("/account/addresses", "/account/addresses/"+id+"/default", url.Values{}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("make default: %d", res.StatusCode)
		}
		if res := b.submit("/account/addresses", "/account/addresses/"+id+"/delete", url.Values{}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("delete: %d", res.StatusCode)
		}
		if n := e.count(`SELECT COUNT(*) FROM addresses`); n != 0 {
			t.Fatalf("%d addresses left", n)
		}
		if res := e.browser().postForm("/account/addresses/"+id+"/delete", url.Values{}); res.StatusCode == http.StatusSeeOther {
			t.Fatal("guest deleted an address")
		}
	})
}

func TestAccountLicenceAndPassword(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		b := e.browser()
		b.register("hari@example.jp")
		res := b.submit("/account/licence", "/account/licence", url.Values{"licence_type": {"astrologer"}, "licence_number": {"123"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !fieldErrors(t, res.body)["licence_type"] {
			t.Fatalf("bad type: %d", res.StatusCode)
		}
		res = b.submit("/account/licence", "/account/licence", url.Values{"licence_type": {member.LicenceTypes[0].Key}, "licence_number": {"第１２３４５６号"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("submit: %d\n%s", res.StatusCode, res.body)
		}
		page := text(parseHTML(t, b.get("/account/licence").body))
		for _, want := range []string{"はり師", "123456", "審査中"} {
			if !strings.Contains(page, want) {
				t.Errorf("licence page lacks %q", want)
			}
		}
		if !strings.Contains(text(parseHTML(t, b.get("/account").body)), "審査中") {
			t.Error("my page does not show the pending status")
		}

		res = b.submit("/account/password", "/account/password", url.Values{"current_password": {"wrong"},
			"new_password": {"another good one"}, "new_password_confirm": {"another good one"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !fieldErrors(t, res.body)["current_password"] {
			t.Fatalf("wrong current password: %d", res.StatusCode)
		}
		before := b.cookies["kaede_session"]
		res = b.submit("/account/password", "/account/password", url.Values{"current_password": {accountPassword},
			"new_password": {"another good one"}, "new_password_confirm": {"another good one"}})
		if res.StatusCode != http.StatusOK || b.cookies["kaede_session"] == before {
			t.Fatalf("change: %d, session rotated: %v", res.StatusCode, b.cookies["kaede_session"] != before)
		}
		if res := b.get("/account/orders"); res.StatusCode != http.StatusOK || !strings.Contains(res.body, "ご注文はまだありません") {
			t.Fatalf("orders: %d", res.StatusCode)
		}
		if res := b.get("/account/orders?lang=en"); !strings.Contains(res.body, "Order history") {
			t.Error("English order history")
		}
	})
}

func TestAccountDemoOutbox(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.browser().register("demo@example.jp")
		if res := e.browser().get("/demo/outbox"); res.StatusCode != http.StatusNotFound {
			t.Fatalf("outbox outside demo mode: %d", res.StatusCode)
		}
		if res := e.browser().get("/demo/outbox/1"); res.StatusCode != http.StatusNotFound {
			t.Fatalf("outbox mail outside demo mode: %d", res.StatusCode)
		}

		demo := newAccountDemoEnv(t, d)
		b := demo.browser()
		res := b.get("/demo/outbox")
		if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("demo outbox: %d, %q", res.StatusCode, res.Header.Get("Cache-Control"))
		}
		var href string
		walk(parseHTML(t, res.body), func(n *html.Node) {
			if v, _ := attr(n, "href"); strings.HasPrefix(v, "/demo/outbox/") && href == "" {
				href = v
			}
		})
		if href == "" || !strings.Contains(res.body, "demo@example.jp") {
			t.Fatalf("outbox lists no mail:\n%s", res.body)
		}
		res = b.get(href)
		var link string
		walk(parseHTML(t, res.body), func(n *html.Node) {
			if v, _ := attr(n, "href"); strings.HasPrefix(v, "/account/verify?token=") {
				link = v
			}
		})
		if res.StatusCode != http.StatusOK || link == "" {
			t.Fatalf("mail page: %d, link %q", res.StatusCode, link)
		}
		if res := b.get(link); res.StatusCode != http.StatusOK {
			t.Fatalf("verify from the outbox: %d", res.StatusCode)
		}
		if res := b.get("/demo/outbox/999999"); res.StatusCode != http.StatusNotFound {
			t.Fatalf("missing mail: %d", res.StatusCode)
		}

		// A name that starts like one of the shop's addresses but leads
		// to another site stays text in the mail's page.
		const offsite = "https://shop.example//evil.example/login"
		other := demo.browser()
		if res := other.submit("/register", "/register", url.Values{"email": {"offsite@example.jp"}, "password": {accountPassword},
			"password_confirm": {accountPassword}, "name": {offsite}, "name_kana": {"スズキ ハナコ"}}); res.StatusCode != http.StatusOK {
			t.Fatalf("register: %d", res.StatusCode)
		}
		var mails []string
		walk(parseHTML(t, other.get("/demo/outbox").body), func(n *html.Node) {
			if v, _ := attr(n, "href"); strings.HasPrefix(v, "/demo/outbox/") {
				mails = append(mails, v)
			}
		})
		seen := false
		for _, m := range mails {
			res := other.get(m)
			if !strings.Contains(res.body, "evil.example") {
				continue
			}
			seen = true
			walk(parseHTML(t, res.body), func(n *html.Node) {
				if v, ok := attr(n, "href"); ok && (strings.HasPrefix(v, "//") || strings.Contains(v, "evil.example")) {
					t.Errorf("mail %s links off the site: href=%q", m, v)
				}
			})
		}
		if !seen {
			t.Fatal("no mail shows the customer's name")
		}
	})
}

// TestAccountRegisterTakenAddress: registering an address that has an
// account answers exactly as a new registration (same status, same page,
// no login), and the owner is e-mailed instead. Before, the form said
// 「このメールアドレスはすでに登録されています」 to anyone who asked.
func TestAccountRegisterTakenAddress(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		form := func(email string) url.Values {
			return url.Values{"email": {email}, "password": {"a different secret 42"},
				"password_confirm": {"a different secret 42"}, "name": {"攻撃 者"}, "name_kana": {"コウゲキ シャ"}}
		}
		fresh := e.browser()
		newRes := fresh.submit("/register", "/register", form("new@example.jp"))
		e.browser().register("owner@example.jp")
		probe := e.browser()
		takenRes := probe.submit("/register", "/register", form("Owner@Example.jp"))
		if takenRes.StatusCode != newRes.StatusCode {
			t.Fatalf("taken address: %d, new address: %d", takenRes.StatusCode, newRes.StatusCode)
		}
		if a, b := text(parseHTML(t, takenRes.body)), text(parseHTML(t, newRes.body)); a != b {
			t.Fatalf("the pages differ:\ntaken: %s\nnew:   %s", a, b)
		}
		for name, b := range map[string]*browser{"taken": probe, "new": fresh} {
			if res := b.get("/account"); res.StatusCode != http.StatusSeeOther {
				t.Errorf("%s: /account after registering: %d, want a redirect to log in", name, res.StatusCode)
			}
		}
		if n := e.count(`SELECT COUNT(*) FROM mail_messages WHERE kind = 'account_exists' AND to_addr = 'owner@example.jp'`); n != 1 {
			t.Fatalf("%d account_exists mails to the owner, want 1", n)
		}
		if n := e.count(`SELECT COUNT(*) FROM members WHERE email = 'owner@example.jp'`); n != 1 {
			t.Fatalf("%d accounts for the address", n)
		}
	})
}

// TestAccountLoginSpraying: one password against 25 accounts from one
// client address through the login form. Before: 25 × 401. Now 20 × 401,
// then 429 with the polite message.
func TestAccountLoginSpraying(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		b := e.browser()
		counts := map[int]int{}
		var last *response
		for i := range 25 {
			last = b.login(fmt.Sprintf("user%02d@example.jp", i), accountPassword, "")
			counts[last.StatusCode]++
		}
		t.Logf("spraying through the form: %v", counts)
		if counts[http.StatusUnauthorized] != 20 || counts[http.StatusTooManyRequests] != 5 {
			t.Fatalf("statuses %v, want 20 × 401 then 5 × 429", counts)
		}
		if !strings.Contains(last.body, "ログインを制限しています") {
			t.Errorf("429 page lacks the polite message")
		}
	})
}

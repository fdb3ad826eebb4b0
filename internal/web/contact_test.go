package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/edge"
	"kaede/internal/inquiry"
	"kaede/internal/mail"
	"kaede/internal/shop"
	"kaede/internal/web"
)

// withDesk gives the store an inquiry desk with the limits, behind a
// trusted proxy on 127.0.0.1, and incident 7 ("不正アクセスによる…") as the
// only incident the public may see.
func withDesk(limits inquiry.Limits) func(*testEnv, *web.Config, *web.Deps) {
	return func(e *testEnv, cfg *web.Config, deps *web.Deps) {
		cfg.TrustedProxies = edge.Proxies{netip.MustParsePrefix("127.0.0.1/32")}
		deps.Inquiries = inquiry.New(e.db, mail.NewTestQueue(e.clock), e.members, e.clock, limits)
		deps.IncidentTitle = func(_ context.Context, id int64, lang string) (string, error) {
			if id != 7 {
				return "", shop.Errorf(shop.NotFound, "no such incident")
			}
			if lang == "en" {
				return "Unauthorised access to card data", nil
			}
			return "不正アクセスによるクレジットカード情報漏えいについて", nil
		}
	}
}

// contactForm is a valid form with the page's CSRF token.
func contactForm(t *testing.T, page *response, email string) url.Values {
	t.Helper()
	v := formValues(t, page.body, "/contact")
	if v.Get("csrf_token") == "" {
		t.Fatal("the contact form has no CSRF token")
	}
	v.Set("name", "山田 花子")
	v.Set("email", email)
	v.Set("topic", "delivery")
	v.Set("message", "注文した商品がまだ届きません。")
	return v
}

// postFrom sends the form as a client behind the trusted proxy at
// forwardedFor, or, with direct set, as a client at that address itself.
func (b *browser) postFrom(addr string, direct bool, form url.Values, forged string) *response {
	req := httptest.NewRequest(http.MethodPost, "/contact", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if direct {
		req.RemoteAddr = addr + ":40000"
		req.Header.Set("X-Forwarded-For", forged)
	} else {
		req.RemoteAddr = "127.0.0.1:40000"
		req.Header.Set("X-Forwarded-For", addr)
	}
	return b.do(req)
}

// fieldError returns the error sentence shown under a field, or "".
func fieldError(t *testing.T, body, field string) string {
	t.Helper()
	var out string
	walk(parseHTML(t, body), func(n *html.Node) {
		if id, _ := attr(n, "id"); id == field+"-error" {
			out = strings.TrimSpace(text(n))
		}
	})
	return out
}

// The form: the desk's phone and hours, linked from the footer; bad
// fields named one by one; a good form gives a ticket number and an
// acknowledgement in 敬語 with no card number in it.
func TestContactForm(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, withDesk(inquiry.DefaultLimits()))
		b := e.browser()
		home := b.get("/")
		mustContain(t, home.body, `href="/contact"`, "受付時間：平日10:00〜17:00（土日祝・年末年始を除く）")
		page := b.get("/contact")
		if page.StatusCode != http.StatusOK || page.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("contact page: %d, Cache-Control %q", page.StatusCode, page.Header.Get("Cache-Control"))
		}
		mustContain(t, page.body, `href="tel:03-0000-0000"`, "受付時間：平日10:00〜17:00", `<option value="delivery">配送・お届けについて</option>`)
		if strings.Contains(page.body, `value="incident"`) {
			t.Fatal("the incident topic is offered without an incident")
		}

		// Bad fields, each named under its field.
		bad := contactForm(t, page, "hanako@")
		bad.Set("name", "")
		bad.Set("topic", "complaint")
		bad.Set("phone", "12")
		bad.Set("message", "")
		res := b.postForm("/contact", bad)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("bad form: status %d", res.StatusCode)
		}
		for field, want := range map[string]string{
			"name": "お名前を入力してください", "email": "メールアドレスの形式が正しくありません",
			"topic": "お問い合わせ種別は表示された選択肢の中からお選びください", "phone": "電話番号の形式",
			"message": "お問い合わせ内容を入力してください",
		} {
			if got := fieldError(t, res.body, field); !strings.Contains(got, want) {
				t.Errorf("%s: error %q, want %q", field, got, want)
			}
		}
		if !strings.Contains(res.body, `value="hanako@"`) {
			t.Error("the e-mail address typed is not shown again")
		}

		// A good form, with a card number the customer should not have
		// typed.
		good := contactForm(t, page, "hanako@example.jp")
		good.Set("message", "カード 4111-1111-1111-1111 で払った注文が届きません。")
		good.Set("order_number", "k20261120-0003")
		res = b.postForm("/contact", good)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/contact/sent?ack=1&number=Q-000001" {
			t.Fatalf("good form: %d to %q\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
		}
		sent := b.get(res.Header.Get("Location"))
		mustContain(t, sent.body, "受付番号：Q-000001", "受付確認のメールをお送りいたしました")
		var stored string
		if err := d.QueryRow(`SELECT body FROM inquiry_tickets WHERE id = 1`).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored != "カード ****-****-****-1111 で払った注文が届きません。" {
			t.Fatalf("stored %q", stored)
		}
		var subject, body string
		if err := d.QueryRow(`SELECT subject, body FROM mail_messages WHERE kind = 'inquiry_ack'`).Scan(&subject, &body); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(subject, "Q-000001") || !strings.Contains(body, "山田 花子 様") || !strings.Contains(body, "誠にありがとうございます") {
			t.Fatalf("acknowledgement %q\n%s", subject, body)
		}
		if _, n := shop.MaskCardNumbers(subject + body); n > 0 || strings.Contains(body, "1111") || strings.Contains(body, "届きません") {
			t.Fatalf("acknowledgement holds the message or card data:\n%s", body)
		}
		if got := b.get("/contact/sent?number=zzz"); got.StatusCode != http.StatusNotFound {
			t.Fatalf("confirmation of no ticket: %d", got.StatusCode)
		}

		// English.
		en := b.get("/contact?lang=en")
		mustContain(t, en.body, "Hours: weekdays 10:00–17:00 (JST)", `>Delivery</option>`)
	})
}

// A store without an inquiry desk has no form and no link to it.
func TestContactWithoutDesk(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		b := e.browser()
		if res := b.get("/contact"); res.StatusCode != http.StatusNotFound {
			t.Fatalf("/contact without a desk: %d", res.StatusCode)
		}
		if strings.Contains(b.get("/").body, `href="/contact"`) {
			t.Fatal("footer links a form that is not there")
		}
	})
}

// Reached from the notice (?incident=7) the form offers the incident,
// named by its title and chosen, and the ticket is counted on it; an
// unknown incident is simply not offered.
func TestContactIncident(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, withDesk(inquiry.DefaultLimits()))
		b := e.browser()
		page := b.get("/contact?incident=7")
		mustContain(t, page.body, `<option value="incident" selected>不正アクセスによるクレジットカード情報漏えいについて</option>`,
			`<input type="hidden" name="incident" value="7">`)
		if other := b.get("/contact?incident=8"); strings.Contains(other.body, `value="incident"`) || other.StatusCode != http.StatusOK {
			t.Fatalf("unknown incident offered (%d)", other.StatusCode)
		}
		form := contactForm(t, page, "hanako@example.jp")
		form.Set("topic", "incident")
		if res := b.postForm("/contact", form); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("incident form: %d\n%s", res.StatusCode, res.body)
		}
		desk := inquiry.New(d, mail.NewTestQueue(e.clock), e.members, e.clock, inquiry.DefaultLimits())
		if c, err := desk.Counts(context.Background(), 7); err != nil || c.New != 1 {
			t.Fatalf("incident 7 counts %+v, %v", c, err)
		}
		// A forged incident id names no incident: the form asks for one.
		form.Set("incident", "8")
		form.Set("message", "別の内容")
		res := b.postForm("/contact", form)
		if res.StatusCode != http.StatusUnprocessableEntity || fieldError(t, res.body, "incident") == "" {
			t.Fatalf("forged incident: %d, error %q", res.StatusCode, fieldError(t, res.body, "incident"))
		}
	})
}

// The per-address limit counts the real client behind the trusted proxy:
// one customer's sixth form in an hour is refused (429, the phone
// suggested, what they typed kept), another customer behind the same
// proxy is not held back, and a client talking to the store directly
// cannot escape by writing its own X-Forwarded-For.
func TestContactLimitPerClientAddress(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, withDesk(inquiry.DefaultLimits()))
		b := e.browser()
		page := b.get("/contact")
		send := func(addr string, direct bool, i int, forged string) *response {
			form := contactForm(t, page, "c"+strconv.Itoa(i)+"@example.jp")
			form.Set("message", "質問 "+strconv.Itoa(i))
			return b.postFrom(addr, direct, form, forged)
		}
		for i := range 5 {
			if res := send("203.0.113.5", false, i, ""); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("form %d from 203.0.113.5: %d", i+1, res.StatusCode)
			}
		}
		res := send("203.0.113.5", false, 5, "")
		if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(res.body, `id="too-many"`) ||
			!strings.Contains(res.body, "質問 5") {
			t.Fatalf("sixth form from 203.0.113.5: %d\n%s", res.StatusCode, res.body)
		}
		if res := send("203.0.113.6", false, 6, ""); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("another customer behind the proxy: %d", res.StatusCode)
		}
		for i := range 6 {
			res := send("198.51.100.9", true, 10+i, "192.0.2."+strconv.Itoa(i+1))
			if want := http.StatusSeeOther; i == 5 {
				if res.StatusCode != http.StatusTooManyRequests {
					t.Fatalf("direct client's sixth form with a forged header: %d", res.StatusCode)
				}
			} else if res.StatusCode != want {
				t.Fatalf("direct client's form %d: %d", i+1, res.StatusCode)
			}
		}
		if n := e.count(`SELECT COUNT(*) FROM inquiry_tickets WHERE client_ip = '203.0.113.5'`); n != 5 {
			t.Fatalf("%d tickets from 203.0.113.5, want 5", n)
		}
		if n := e.count(`SELECT COUNT(*) FROM inquiry_tickets WHERE client_ip LIKE '192.0.2.%' OR client_ip = '127.0.0.1'`); n != 0 {
			t.Fatalf("%d tickets under a forged or the proxy's address", n)
		}
		// An hour later the customer may write again.
		e.advance(time.Hour + time.Second)
		if res := send("203.0.113.5", false, 20, ""); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("an hour later: %d", res.StatusCode)
		}
	})
}

// Past the shop-wide cap the form still creates the ticket, sends no
// e-mail, and says so.
func TestContactAcknowledgementCap(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		limits := inquiry.DefaultLimits()
		limits.Acks = []inquiry.Window{{Max: 2, Per: time.Hour}}
		e := newEnv(t, d, withDesk(limits))
		b := e.browser()
		page := b.get("/contact")
		var last *response
		for i := range 3 {
			form := contactForm(t, page, "c"+strconv.Itoa(i)+"@example.jp")
			last = b.postFrom("203.0.113."+strconv.Itoa(i+1), false, form, "")
			if last.StatusCode != http.StatusSeeOther {
				t.Fatalf("form %d: %d", i+1, last.StatusCode)
			}
		}
		if loc := last.Header.Get("Location"); loc != "/contact/sent?number=Q-000003" {
			t.Fatalf("third form to %q, want no ack", loc)
		}
		mustContain(t, b.get(last.Header.Get("Location")).body, "受付確認のメールはお送りしておりません", "受付番号：Q-000003")
		if n := e.count(`SELECT COUNT(*) FROM mail_messages WHERE kind = 'inquiry_ack'`); n != 2 {
			t.Fatalf("%d acknowledgements, want the cap of 2", n)
		}
		if n := e.count(`SELECT COUNT(*) FROM inquiry_tickets`); n != 3 {
			t.Fatalf("%d tickets, want 3", n)
		}
	})
}

package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"kaede/internal/admin"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/inquiry"
	"kaede/internal/mail"
	"kaede/internal/order"
	"kaede/internal/settings"
	"kaede/internal/shop"
	"kaede/internal/staff"
)

// inquiryEnv is the admin with the inquiry desk, and incident 7 as the
// only incident there is.
type inquiryEnv struct {
	*orderEnv
	desk *inquiry.Service
}

func newInquiryEnv(t *testing.T, d *db.DB) *inquiryEnv {
	t.Helper()
	e := &inquiryEnv{}
	e.orderEnv = newOrderEnvWithCards(t, d, nil, func(deps *admin.Deps) {
		e.desk = inquiry.New(d, mail.NewTestQueue(deps.Clock), deps.Members, deps.Clock, inquiry.DefaultLimits())
		deps.Inquiries = e.desk
		deps.IncidentTitle = func(_ context.Context, id int64, _ string) (string, error) {
			if id != 7 {
				return "", shop.Errorf(shop.NotFound, "no such incident")
			}
			return "カード情報漏えい", nil
		}
	})
	return e
}

// ticket submits a contact form as the customer would.
func (e *inquiryEnv) ticket(email, message string) string {
	e.t.Helper()
	r, err := e.desk.Submit(e.ctx, inquiry.Submission{Name: "山田 太郎", Email: email, Topic: "order",
		Subject: "配送について", Message: message, ClientAddr: "203.0.113.9"})
	if err != nil {
		e.t.Fatal(err)
	}
	return r.Number
}

// mailsOf returns the outbox's messages of the kind, oldest first.
func (e *inquiryEnv) mailsOf(kind string) []mail.Stored {
	e.t.Helper()
	list, err := mail.List(e.ctx, e.d, mail.Filter{Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	var out []mail.Stored
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].Kind == kind {
			out = append(out, list[i])
		}
	}
	return out
}

// staffID is the id of the member of staff with the e-mail address.
func (e *inquiryEnv) staffID(email string) int64 {
	e.t.Helper()
	list, err := e.staff.List(e.ctx, staff.CLI)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, m := range list {
		if m.Email == email {
			return m.ID
		}
	}
	e.t.Fatalf("no staff %s", email)
	return 0
}

// The desk's work from the admin: the list, a ticket linked to the
// customer and their orders, a canned reply inserted without script, a
// reply e-mailed in 敬語 with the ticket number, a note never e-mailed,
// assignment and states, the incident link, each audited under the
// member of staff and their address.
func TestAdminInquiryDesk(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newInquiryEnv(t, d)
		customer := e.customer("taro@example.com", false)
		o := e.place(order.BankTransfer, map[string]int{"A": 1})
		number := e.ticket("taro@example.com", "注文した商品はいつ届きますか。")
		b := e.staffBrowser("support@kaede.example", staff.Support)

		list := b.get("/admin/inquiries")
		wantStatus(t, list, http.StatusOK)
		if link := find(list.Doc, func(n *html.Node) bool { return n.Data == "a" && attr(n, "href") == "/admin/inquiries/"+number }); link == nil {
			t.Fatalf("the list has no link to %s:\n%s", number, list.Body)
		}
		if got := textOf(find(list.Doc, byID("inquiry-counts"))); !strings.Contains(got, "未完了 1件") {
			t.Fatalf("counts %q", got)
		}
		if nav := find(list.Doc, func(n *html.Node) bool { return n.Data == "a" && attr(n, "href") == "/admin/inquiries" }); nav == nil {
			t.Fatal("no navigation link to the inquiries")
		}

		page := b.get("/admin/inquiries/" + number)
		wantStatus(t, page, http.StatusOK)
		if got := textOf(find(page.Doc, byID("ticket-message"))); got != "注文した商品はいつ届きますか。" {
			t.Fatalf("message %q", got)
		}
		if a := find(page.Doc, byID("member-link")); a == nil || attr(a, "href") != "/admin/customers/"+strconv.FormatInt(customer.ID, 10) {
			t.Fatal("no link to the customer's record")
		}
		if ol := find(page.Doc, byID("customer-orders")); ol == nil || !strings.Contains(textOf(ol), o.Number) {
			t.Fatalf("the customer's order %s is not listed", o.Number)
		}

		// A canned reply, inserted into the reply form by the server.
		res := b.post("/admin/canned", url.Values{"title": {"お届け日のご案内"},
			"body": {"{name}様\nご注文の商品は3営業日以内に発送いたします。"}})
		wantRedirect(t, res, "/admin/canned?done=created")
		canned := e.mustCanned("お届け日のご案内")
		res = b.post("/admin/inquiries/"+number+"/reply", url.Values{"do": {"insert"}, "canned": {canned}, "text": {"お問い合わせありがとうございます。"}})
		wantStatus(t, res, http.StatusOK)
		text := textOf(find(res.Doc, byID("text")))
		if text != "お問い合わせありがとうございます。\n\n山田 太郎様\nご注文の商品は3営業日以内に発送いたします。" {
			t.Fatalf("reply text after inserting %q", text)
		}

		// A note, then the reply.
		res = b.post("/admin/inquiries/"+number+"/note", url.Values{"note": {"倉庫に在庫確認済み。社外秘。"}})
		wantRedirect(t, res, "/admin/inquiries/"+number+"?done=noted")
		if n := len(e.mailsOf("inquiry_reply")); n != 0 {
			t.Fatalf("%d replies e-mailed after a note", n)
		}
		res = b.post("/admin/inquiries/"+number+"/reply", url.Values{"do": {"send"}, "text": {text}})
		wantRedirect(t, res, "/admin/inquiries/"+number+"?done=replied")
		replies := e.mailsOf("inquiry_reply")
		if len(replies) != 1 || replies[0].To != "taro@example.com" {
			t.Fatalf("reply e-mails %+v", replies)
		}
		m := replies[0]
		if !strings.Contains(m.Subject, number) || !strings.Contains(m.Subject, "ご回答") {
			t.Fatalf("reply subject %q", m.Subject)
		}
		for _, want := range []string{"山田 太郎 様", "誠にありがとうございます", "ご回答申し上げます", "3営業日以内に発送いたします"} {
			if !strings.Contains(m.Body, want) {
				t.Errorf("reply has no %q:\n%s", want, m.Body)
			}
		}
		for _, mm := range append(e.mailsOf("inquiry_ack"), replies...) {
			if strings.Contains(mm.Body, "社外秘") {
				t.Fatalf("the internal note was e-mailed in %s", mm.Kind)
			}
		}
		page = b.get("/admin/inquiries/" + number)
		if got := textOf(find(page.Doc, byID("ticket-state"))); got != "お客様の返信待ち" {
			t.Fatalf("state after the reply %q", got)
		}
		if thread := textOf(find(page.Doc, byID("thread"))); !strings.Contains(thread, "社内メモ") || !strings.Contains(thread, "社外秘") {
			t.Fatalf("thread %q", thread)
		}

		// Assign, close, and a crafted reply to the closed ticket.
		me := e.staffID("support@kaede.example")
		wantRedirect(t, b.post("/admin/inquiries/"+number+"/assign", url.Values{"assignee": {strconv.FormatInt(me, 10)}}),
			"/admin/inquiries/"+number+"?done=assigned")
		wantRedirect(t, b.post("/admin/inquiries/"+number+"/state", url.Values{"state": {"closed"}}),
			"/admin/inquiries/"+number+"?done=moved")
		res = b.post("/admin/inquiries/"+number+"/reply", url.Values{"do": {"send"}, "text": {"追伸です。"}})
		wantStatus(t, res, http.StatusConflict)
		if find(res.Doc, byID("form-error")) == nil || len(e.mailsOf("inquiry_reply")) != 1 {
			t.Fatal("a reply to a closed ticket was not refused with a sentence, or was sent")
		}
		wantRedirect(t, b.post("/admin/inquiries/"+number+"/incident", url.Values{"incident": {"7"}}),
			"/admin/inquiries/"+number+"?done=linked")
		if got := textOf(find(b.get("/admin/inquiries/"+number).Doc, byID("ticket-incident"))); got != "事故 #7 カード情報漏えい" {
			t.Fatalf("incident shown as %q", got)
		}

		// Refusals name their field.
		res = b.post("/admin/inquiries/"+number+"/note", url.Values{"note": {"  "}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if n := find(res.Doc, byID("note")); n == nil || find(n.Parent, hasClass("field-error")) == nil {
			t.Fatal("no error next to the note")
		}
		e.enrol("ship@kaede.example", staff.Shipping) // active, but not one who answers inquiries
		res = b.post("/admin/inquiries/"+number+"/assign", url.Values{"assignee": {strconv.FormatInt(e.staffID("ship@kaede.example"), 10)}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		res = b.post("/admin/inquiries/"+number+"/incident", url.Values{"incident": {"8"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)

		// Every action audited under the member of staff and the office's
		// address.
		for _, action := range []string{"inquiry.canned.create", "inquiry.note", "inquiry.reply", "inquiry.assign", "inquiry.state", "inquiry.incident"} {
			list := e.entries(action, "support@kaede.example")
			if len(list) != 1 || list[0].IP != officeIP || list[0].Target != "inquiry_canned:"+canned && list[0].Target != "inquiry:"+number {
				t.Errorf("%s: audit entries %+v", action, list)
			}
		}
		e.verifyAudit()
	})
}

// mustCanned returns the id of the canned reply with the title.
func (e *inquiryEnv) mustCanned(title string) string {
	e.t.Helper()
	list, err := e.desk.CannedReplies(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, c := range list {
		if c.Title == title {
			return strconv.FormatInt(c.ID, 10)
		}
	}
	e.t.Fatalf("no canned reply %q", title)
	return ""
}

// Roles: shipping staff cannot see inquiries (403, audited); the auditor
// reads but cannot reply or change anything.
func TestAdminInquiryPermissions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newInquiryEnv(t, d)
		number := e.ticket("taro@example.com", "質問です。")
		ship := e.staffBrowser("ship@kaede.example", staff.Shipping)
		e.wantDenied(ship, http.MethodGet, "/admin/inquiries", nil)
		e.wantDenied(ship, http.MethodGet, "/admin/inquiries/"+number, nil)
		if nav := find(ship.get("/admin/").Doc, func(n *html.Node) bool { return n.Data == "a" && attr(n, "href") == "/admin/inquiries" }); nav != nil {
			t.Fatal("shipping staff see a link to the inquiries")
		}

		auditor := e.staffBrowser("audit@kaede.example", staff.Auditor)
		page := auditor.get("/admin/inquiries/" + number)
		wantStatus(t, page, http.StatusOK)
		if find(page.Doc, byID("reply-form")) != nil || find(page.Doc, byID("note-form")) != nil {
			t.Fatal("the auditor is shown the reply or note form")
		}
		e.wantDenied(auditor, http.MethodPost, "/admin/inquiries/"+number+"/reply", url.Values{"do": {"send"}, "text": {"x"}})
		e.wantDenied(auditor, http.MethodPost, "/admin/inquiries/"+number+"/note", url.Values{"note": {"x"}})
		e.wantDenied(auditor, http.MethodPost, "/admin/canned", url.Values{"title": {"x"}, "body": {"y"}})
		if n := len(e.mailsOf("inquiry_reply")); n != 0 {
			t.Fatalf("%d replies sent by roles without the permission", n)
		}
		if tk, err := e.desk.Thread(e.ctx, number); err != nil || len(tk) != 0 {
			t.Fatalf("thread after refused actions %+v, %v", tk, err)
		}
	})
}

// The list's filters: state, assignee, incident, overdue; a bad filter is
// named.
func TestAdminInquiryFilters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newInquiryEnv(t, d)
		first := e.ticket("a@example.com", "一件目")
		second := e.ticket("b@example.com", "二件目")
		b := e.staffBrowser("support@kaede.example", staff.Support)
		if err := e.desk.SetIncident(e.ctx, second, 7, staffActor); err != nil {
			t.Fatal(err)
		}
		if err := e.desk.Assign(e.ctx, first, e.staffID("support@kaede.example"), staffActor); err != nil {
			t.Fatal(err)
		}
		listed := func(query string) string {
			t.Helper()
			res := b.get("/admin/inquiries" + query)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("list%s: status %d\n%s", query, res.StatusCode, res.Body)
			}
			var out []string
			walk(res.Doc, func(n *html.Node) {
				if n.Data == "a" && strings.HasPrefix(attr(n, "href"), "/admin/inquiries/Q-") {
					out = append(out, textOf(n))
				}
			})
			return strings.Join(out, ",")
		}
		for query, want := range map[string]string{
			"":                   second + "," + first,
			"?assignee=me":       first,
			"?assignee=none":     second,
			"?incident=7":        second,
			"?state=open":        first,
			"?state=closed":      "",
			"?q=b%40example.com": second,
			"?overdue=on":        "",
		} {
			if got := listed(query); got != want {
				t.Errorf("list%s: %s, want %s", query, got, want)
			}
		}
		e.clock.Advance(48 * time.Hour)
		b.login("support@kaede.example") // the session has expired meanwhile
		if got := listed("?overdue=on"); got != second+","+first {
			t.Errorf("overdue after two days: %s", got)
		}
		res := b.get("/admin/inquiries?state=lost")
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("bad filter: status %d", res.StatusCode)
		}
		if !strings.Contains(res.Body, "状態") {
			t.Fatal("the bad filter is not named")
		}
	})
}

// staffActor is a member of staff acting through the service directly.
var staffActor = staff.CLI.Actor

// The desk's phone, hours and first-reply target, and how long closed
// inquiries are kept, are edited on the settings page; a bad value is
// named next to its field.
func TestAdminSettingsDesk(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		b, _ := e.enrol("owner@example.jp", staff.Owner)
		b.login("owner@example.jp")
		page := b.get("/admin/settings/edit")
		wantStatus(t, page, http.StatusOK)
		form := formValues(page.Doc, "/admin/settings")
		if form.Get("desk.open_hour") != "10" || form.Get("desk.first_response_hours") != "7" || form.Get("retention.inquiry_days") != "730" {
			t.Fatalf("desk shown as %v", form)
		}
		form.Set("desk.close_hour", "9")
		res := b.post("/admin/settings", form)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if in := find(res.Doc, byID("desk.close_hour")); in == nil || find(in.Parent, hasClass("field-error")) == nil {
			t.Fatal("no error next to the closing hour")
		}
		form.Set("desk.close_hour", "18")
		form.Set("desk.phone", "0120-000-000")
		form.Set("retention.inquiry_days", "365")
		wantRedirect(t, b.post("/admin/settings", form), "/admin/settings")
		got, err := settings.Load(e.ctx, e.d)
		if err != nil {
			t.Fatal(err)
		}
		if want := (settings.Desk{Phone: "0120-000-000", OpenHour: 10, CloseHour: 18, FirstResponseHours: 7}); got.Desk != want || got.Retention.InquiryDays != 365 {
			t.Fatalf("saved desk %+v, inquiry days %d", got.Desk, got.Retention.InquiryDays)
		}
	})
}

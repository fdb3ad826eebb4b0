package admin_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"kaede/internal/admin"
	"kaede/internal/audit"
	"kaede/internal/content"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/incident"
	"kaede/internal/jobs"
	"kaede/internal/mail"
	"kaede/internal/member"
	"kaede/internal/order"
	"kaede/internal/secevent"
	"kaede/internal/settings"
	"kaede/internal/shop"
	"kaede/internal/staff"
)

// campaignEnv is the admin with the incidents' campaigns, an incident and
// a scope of affected customers the test gives.
type campaignEnv struct {
	*env
	incidentID int64
}

func newCampaignEnv(t *testing.T, d *db.DB, customers []incident.Customer) *campaignEnv {
	t.Helper()
	return newCampaignEnvWith(t, d, customers, nil)
}

// newCampaignEnvWith gives the campaigns a job runner: the send is then a
// queue job.
func newCampaignEnvWith(t *testing.T, d *db.DB, customers []incident.Customer, runner *jobs.Runner) *campaignEnv {
	t.Helper()
	e := newEnv(t, d) // for its staff service and clock; the handler is rebuilt below
	incidents := incident.New(d, e.clock.Now)
	inc, err := incidents.Open(e.ctx, incident.OpenInput{Title: "カード情報流出の疑い", Category: incident.CardData,
		DiscoveredAt: e.clock.Now().Add(-24 * time.Hour), Unauthorised: true}, audit.Actor{Name: "owner@example.jp"})
	if err != nil {
		t.Fatal(err)
	}
	scope := func(ctx context.Context, id int64) (incident.Scope, []incident.Customer, error) {
		return incident.Scope{ID: 1, Version: 1, IncidentID: id, Query: incident.Query{
			From: time.Date(2025, 6, 1, 0, 0, 0, 0, shop.JST), To: time.Date(2026, 3, 1, 0, 0, 0, 0, shop.JST), Methods: []string{"card"}}}, customers, nil
	}
	sets := settings.NewService(d, e.clock.Now, time.Minute)
	campaigns := incident.NewCampaigns(incidents, mail.NewTestQueue(e.clock.Now), sets, scope)
	campaigns.Jobs = runner
	srv, err := admin.New(admin.Config{
		BaseURL:     "http://admin.test",
		Secret:      bytes.Repeat([]byte{9}, 32),
		AllowedNets: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")},
	}, admin.Deps{
		Logger:    discardLogger(),
		Clock:     e.clock.Now,
		Staff:     e.staff,
		Settings:  sets,
		Audit:     audit.NewLog(d),
		Legal:     content.NewPages(d, e.clock.Now),
		Orders:    order.New(d, mail.NewTestQueue(e.clock.Now), e.clock.Now),
		Members:   member.New(d, mail.NewTestQueue(e.clock.Now), e.clock.Now, "http://shop.test"),
		Events:    secevent.NewStore(d, e.clock.Now),
		StoreURL:  "https://shop.test",
		Campaigns: campaigns,
		Incidents: incidents,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.h = srv.Handler()
	return &campaignEnv{env: e, incidentID: inc.ID}
}

func (e *campaignEnv) url(page string) string {
	return fmt.Sprintf("/admin/incidents/%d/campaign%s", e.incidentID, page)
}

func campaignCustomers(n int) []incident.Customer {
	out := make([]incident.Customer, n)
	for i := range out {
		email := fmt.Sprintf("buyer%02d@example.jp", i)
		out[i] = incident.Customer{Key: email, Email: email, Name: fmt.Sprintf("山田 花子%d", i),
			PostalCode: "1000001", Prefecture: "東京都", City: "千代田区", Line1: fmt.Sprintf("千代田1-%d", i+1),
			Orders: []incident.AffectedOrder{{Number: fmt.Sprintf("K-%04d", 1000+i), PlacedAt: time.Date(2025, 7, 1+i, 3, 0, 0, 0, time.UTC),
				Total: 5500, Method: "card", Brand: "visa", Last4: fmt.Sprintf("%04d", 4242+i)}}}
	}
	return out
}

// count reads a figure of the progress page by its id.
func count(t *testing.T, res *response, id string) string {
	t.Helper()
	n := find(res.Doc, byID(id))
	if n == nil {
		t.Fatalf("no #%s on the progress page:\n%s", id, res.Body)
	}
	return textOf(n)
}

func TestCampaignAdminFlow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		cs := campaignCustomers(7)
		e := newCampaignEnv(t, d, cs)
		b, _ := e.enrol("owner@example.jp", staff.Owner)
		b.login("owner@example.jp")

		// The incident's page links here.
		res := b.get(fmt.Sprintf("/admin/incidents/%d", e.incidentID))
		wantStatus(t, res, http.StatusOK)
		if find(res.Doc, func(n *html.Node) bool { return n.Data == "a" && attr(n, "href") == e.url("") }) == nil {
			t.Fatalf("the incident page does not link to its notifications:\n%s", res.Body)
		}

		// No campaign yet: the page offers to prepare one.
		res = b.get(e.url(""))
		wantStatus(t, res, http.StatusOK)
		if find(res.Doc, byID("none")) == nil {
			t.Fatalf("no campaign: page does not say so:\n%s", res.Body)
		}
		res = b.post(e.url(""), nil)
		wantRedirect(t, res, e.url("")+"?done=prepared")
		res = b.get(e.url(""))
		wantStatus(t, res, http.StatusOK)
		if got := textOf(find(res.Doc, byID("recipients"))); !strings.Contains(got, "7") {
			t.Fatalf("recipients %q, want 7", got)
		}
		if find(res.Doc, byID("untested")) == nil || find(res.Doc, byID("send")) != nil {
			t.Fatalf("untested campaign offers to send:\n%s", res.Body)
		}

		// Sending before a test is refused, whatever the form says.
		res = b.post(e.url("/send"), url.Values{"confirm": {"on"}})
		wantStatus(t, res, http.StatusConflict)
		if !strings.Contains(res.Body, "テスト送信してください") {
			t.Fatalf("refusal does not ask for a test:\n%s", res.Body)
		}

		// The preview is a real customer's e-mail.
		res = b.get(e.url("/preview?n=3"))
		wantStatus(t, res, http.StatusOK)
		body := textOf(find(res.Doc, byID("body")))
		for _, w := range []string{cs[2].Name + " 様", "深くお詫び申し上げます", "ご注文番号 " + cs[2].Orders[0].Number, "カード番号末尾 " + cs[2].Orders[0].Last4} {
			if !strings.Contains(body, w) {
				t.Errorf("preview lacks %q:\n%s", w, body)
			}
		}
		if !strings.Contains(textOf(find(res.Doc, byID("to"))), cs[2].Email) {
			t.Errorf("preview is not addressed to %s", cs[2].Email)
		}

		// An unknown placeholder is refused, naming it; the text typed stays.
		form := formValues(b.get(e.url("")).Doc, e.url("/template"))
		form.Set("body", form.Get("body")+"\n{{.Nmae}} 様")
		res = b.post(e.url("/template"), form)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if !strings.Contains(res.Body, "{{.Nmae}}") || !strings.Contains(res.Body, "本文に使えない差し込み項目") {
			t.Fatalf("refusal does not name the placeholder:\n%s", res.Body)
		}
		form.Set("body", strings.Replace(form.Get("body"), "{{.Nmae}} 様", "", 1))
		form.Set("what", form.Get("what")+"（続報）")
		res = b.post(e.url("/template"), form)
		wantRedirect(t, res, e.url("")+"?done=saved&rev=2")

		// Test to oneself, then send.
		res = b.get(e.url("/preview"))
		res = b.post(e.url("/test"), formValues(res.Doc, e.url("/test")))
		wantRedirect(t, res, e.url("")+"?done=tested")
		res = b.get(e.url(""))
		if find(res.Doc, byID("send")) == nil {
			t.Fatalf("tested campaign offers no send form:\n%s", res.Body)
		}
		res = b.post(e.url("/send"), nil)
		wantStatus(t, res, http.StatusUnprocessableEntity) // the confirmation box
		res = b.post(e.url("/send"), url.Values{"confirm": {"on"}})
		wantRedirect(t, res, e.url("/progress")+"?done=sent")

		res = b.get(e.url("/progress"))
		wantStatus(t, res, http.StatusOK)
		if count(t, res, "count-total") != "7" || count(t, res, "count-queued") != "7" || count(t, res, "count-sent") != "0" {
			t.Fatalf("progress after sending:\n%s", res.Body)
		}
		refresh := find(res.Doc, func(n *html.Node) bool { return n.Data == "meta" && attr(n, "http-equiv") == "refresh" })
		if refresh == nil {
			t.Fatalf("progress while sending does not refresh itself")
		}
		if bar := find(res.Doc, byID("bar")); bar == nil || attr(bar, "value") != "0" {
			t.Fatalf("progress bar %v", bar)
		}

		// The outbox's worker delivers: five sent, one failed.
		msgs, err := mail.List(e.ctx, d, mail.Filter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, m := range msgs {
			if m.Kind != incident.MailKindNotice {
				continue
			}
			status, lastErr := "sent", ""
			switch {
			case n == 5:
				status, lastErr = "failed", "SMTP RCPT TO: 550 no such user"
			case n == 6:
				status = "queued"
			}
			if _, err := d.ExecContext(e.ctx, `UPDATE mail_messages SET status = $1, last_error = $2 WHERE id = $3`, status, lastErr, m.ID); err != nil {
				t.Fatal(err)
			}
			n++
		}
		res = b.get(e.url("/progress"))
		if count(t, res, "count-sent") != "5" || count(t, res, "count-failed") != "1" || count(t, res, "count-queued") != "1" {
			t.Fatalf("progress after delivery:\n%s", res.Body)
		}
		if bar := find(res.Doc, byID("bar")); attr(bar, "value") != "85" {
			t.Fatalf("progress bar value %q, want 85", attr(bar, "value"))
		}
		res = b.get(e.url("/progress?state=failed"))
		rows := 0
		walk(res.Doc, func(n *html.Node) {
			if n.Type == html.ElementNode && n.Data == "tr" && attr(n, "data-state") != "" {
				rows++
				if attr(n, "data-state") != "failed" || !strings.Contains(textOf(n), "550") {
					t.Errorf("failed filter shows %q", textOf(n))
				}
			}
		})
		if rows != 1 {
			t.Fatalf("failed filter shows %d rows, want 1", rows)
		}
		res = b.get(e.url("/progress?state=lost"))
		wantStatus(t, res, http.StatusUnprocessableEntity)

		// One customer gets no letter; the list comes back filtered as it was.
		res = b.get(e.url("/progress?state=failed"))
		toggle := find(res.Doc, func(n *html.Node) bool {
			return n.Data == "form" && strings.HasSuffix(attr(n, "action"), "/letter")
		})
		if toggle == nil {
			t.Fatalf("no letter switch on the progress page:\n%s", res.Body)
		}
		res = b.post(attr(toggle, "action"), formValues(res.Doc, attr(toggle, "action")))
		wantRedirect(t, res, e.url("/progress")+"?page=1&state=failed")
		res = b.get(e.url("/progress"))
		if count(t, res, "count-letters") != "6" {
			t.Fatalf("letters after switching one off: %s", count(t, res, "count-letters"))
		}
		if !strings.Contains(res.Body, "〒100-0001 東京都千代田区") {
			t.Errorf("addresses are not shown with the postcode's hyphen")
		}

		// Sending again sends nobody a second copy.
		res = b.post(e.url("/send"), url.Values{"confirm": {"on"}})
		wantRedirect(t, res, e.url("/progress")+"?done=nothing")
		if got := countNotices(t, d); got != 7 {
			t.Fatalf("notices in the outbox: %d, want 7", got)
		}
		// The text is frozen now.
		res = b.post(e.url("/template"), form)
		wantStatus(t, res, http.StatusConflict)

		// Letters and labels.
		res = b.get(e.url("/letters.pdf"))
		wantStatus(t, res, http.StatusOK)
		if res.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(res.Body, "%PDF-") {
			t.Fatalf("letters: %s %.20q", res.Header.Get("Content-Type"), res.Body)
		}
		res = b.get(e.url("/labels.csv?encoding=sjis"))
		wantStatus(t, res, http.StatusOK)
		if res.Header.Get("Content-Type") != "text/csv; charset=Shift_JIS" {
			t.Fatalf("labels content type %q", res.Header.Get("Content-Type"))
		}
		res = b.get(e.url("/labels.csv?encoding=latin1"))
		wantStatus(t, res, http.StatusUnprocessableEntity)

		for _, action := range []string{"incident.campaign.create", "incident.campaign.template", "incident.campaign.test",
			"incident.campaign.send", "incident.campaign.letters", "incident.campaign.labels", "incident.event"} {
			if len(e.entries(action, "owner@example.jp")) == 0 {
				t.Errorf("no %s audit entry by the owner", action)
			}
		}
	})
}

func countNotices(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM mail_messages WHERE kind = $1`, incident.MailKindNotice).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCampaignAdminPermissions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newCampaignEnv(t, d, campaignCustomers(2))
		owner, _ := e.enrol("owner@example.jp", staff.Owner)
		owner.login("owner@example.jp")
		wantRedirect(t, owner.post(e.url(""), nil), e.url(""))

		// A manager has no security permission: not even the page.
		manager, _ := e.enrol("manager@example.jp", staff.Manager)
		manager.login("manager@example.jp")
		wantStatus(t, manager.get(e.url("")), http.StatusForbidden)
		wantStatus(t, manager.get(e.url("/preview")), http.StatusForbidden)

		// An auditor reads, and changes nothing.
		auditor, _ := e.enrol("auditor@example.jp", staff.Auditor)
		auditor.login("auditor@example.jp")
		res := auditor.get(e.url("/progress"))
		wantStatus(t, res, http.StatusOK)
		wantStatus(t, auditor.post(e.url("/test"), nil), http.StatusForbidden)
		wantStatus(t, auditor.post(e.url("/send"), url.Values{"confirm": {"on"}}), http.StatusForbidden)
		wantStatus(t, auditor.get(e.url("/letters.pdf")), http.StatusForbidden)
		if len(e.entries("staff.denied", "auditor@example.jp")) < 3 {
			t.Errorf("the auditor's refusals are not audited")
		}

		// Sending and downloading need a fresh second factor.
		wantRedirect(t, owner.post(e.url("/test"), nil), e.url("")+"?done=tested")
		e.clock.Advance(10 * time.Minute)
		res = owner.post(e.url("/send"), url.Values{"confirm": {"on"}})
		wantRedirect(t, res, "/admin/reauth")
		wantRedirect(t, owner.get(e.url("/letters.pdf")), "/admin/reauth")
		if countNotices(t, d) != 0 {
			t.Fatalf("a stale session sent the notices")
		}
		// The page offers the re-authentication instead of the form.
		res = owner.get(e.url(""))
		if find(res.Doc, byID("send")) != nil {
			t.Fatalf("stale session is offered the send form")
		}
	})
}

// TestCampaignAdminSendStartsAJob: on a server, the send is a queue job
// and the progress page follows it from the first moment.
func TestCampaignAdminSendStartsAJob(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		if err := jobs.Migrate(context.Background(), d); err != nil {
			t.Fatal(err)
		}
		r, err := jobs.New(d, discardLogger(), jobs.Config{}) // insert-only: the job waits
		if err != nil {
			t.Fatal(err)
		}
		e := newCampaignEnvWith(t, d, campaignCustomers(3), r)
		b, _ := e.enrol("owner@example.jp", staff.Owner)
		b.login("owner@example.jp")
		wantRedirect(t, b.post(e.url(""), nil), e.url(""))
		wantRedirect(t, b.post(e.url("/test"), nil), e.url("")+"?done=tested")
		res := b.post(e.url("/send"), url.Values{"confirm": {"on"}})
		wantRedirect(t, res, e.url("/progress")+"?done=started&pending=3")
		res = b.get(res.Header.Get("Location"))
		wantStatus(t, res, http.StatusOK)
		if !strings.Contains(textOf(find(res.Doc, byID("done"))), "3 名への送信を開始しました") || count(t, res, "count-pending") != "3" {
			t.Fatalf("progress after the send was asked for:\n%s", res.Body)
		}
		if find(res.Doc, func(n *html.Node) bool { return n.Data == "meta" && attr(n, "http-equiv") == "refresh" }) == nil {
			t.Fatalf("progress does not refresh itself while the job has not begun")
		}
		var jobsQueued int
		if err := d.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM river_job WHERE kind = 'incident_campaign_send'`).Scan(&jobsQueued); err != nil || jobsQueued != 1 {
			t.Fatalf("send jobs %d %v, want 1", jobsQueued, err)
		}
		if len(e.entries("incident.campaign.send_requested", "owner@example.jp")) != 1 {
			t.Fatalf("the request to send is not audited")
		}
	})
}

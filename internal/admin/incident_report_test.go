package admin_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/incident"
	"kaede/internal/pdfdoc/pdftext"
	"kaede/internal/shop"
	"kaede/internal/staff"

	"golang.org/x/net/html"
)

// TestIncidentReportDrafts: the PPC report's nine items are drafted from
// the record, edited and saved as versions (audited), printed, and the
// filing recorded from the same page files the deadline.
func TestIncidentReportDrafts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newIncidentEnv(t, d)
		inc, err := e.incidents.Open(e.ctx, incident.OpenInput{Title: "決済画面の改ざん", Noticed: "カード会社から連絡",
			Category: incident.CardData, DiscoveredAt: time.Date(2026, 4, 1, 10, 0, 0, 0, shop.JST), Unauthorised: true},
			audit.Actor{Name: "owner@example.jp"})
		if err != nil {
			t.Fatal(err)
		}
		b := e.staffer("owner@example.jp", staff.Owner)
		page := "/admin/incidents/" + idStr(inc.ID)

		res := b.get(page)
		if find(res.Doc, func(n *html.Node) bool { return attr(n, "href") == page+"/reports/preliminary" }) == nil {
			t.Error("the incident page does not link the preliminary report's draft")
		}
		res = b.get(page + "/reports/preliminary")
		wantStatus(t, res, http.StatusOK)
		if got := textOf(find(res.Doc, byID("report-version"))); !strings.Contains(got, "未保存") {
			t.Errorf("version %q, want an unsaved draft", got)
		}
		overview := find(res.Doc, byID("overview"))
		if overview == nil || !strings.Contains(textOf(overview), "2026年4月1日（水） 10:00") {
			t.Fatalf("overview not drafted from the record:\n%s", res.Body)
		}

		form := url.Values{}
		for _, it := range (incident.ReportItems{}).List() {
			form.Set(it.Field, "記載"+it.Field)
		}
		form.Set("overview", "")
		res = b.post(page+"/reports/preliminary", form)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if fieldError(res.Doc, "overview") == "" {
			t.Errorf("an empty overview is not named:\n%s", res.Body)
		}
		form.Set("overview", "<script>alert(1)</script>改ざんされた決済画面")
		res = b.post(page+"/reports/preliminary", form)
		wantRedirect(t, res, page+"/reports/preliminary?done=saved")
		res = b.get(page + "/reports/preliminary?done=saved")
		if got := textOf(find(res.Doc, byID("report-version"))); !strings.Contains(got, "第1版") {
			t.Errorf("version %q, want version 1", got)
		}
		if strings.Contains(res.Body, "<script>alert(1)") {
			t.Error("a saved item is rendered as markup")
		}
		if got := e.entries("incident.report", "owner@example.jp"); len(got) != 1 {
			t.Errorf("incident.report entries=%d, want 1", len(got))
		}

		res = b.get(page + "/reports/preliminary/pdf")
		wantStatus(t, res, http.StatusOK)
		if res.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("PDF headers %v", res.Header)
		}
		text := strings.Join(pdftext.Pages(t, []byte(res.Body)), "")
		for _, want := range []string{"速報", "改ざんされた決済画面", "再発防止のための措置"} {
			if !strings.Contains(text, want) {
				t.Errorf("the PDF lacks %q", want)
			}
		}

		// Filed from the report's page: the deadline shows as filed.
		res = b.post(page+"/events", url.Values{"kind": {"ppc_preliminary"}, "occurred_date": {"2026-04-01"}, "occurred_time": {"17:00"}, "text": {"受付番号 123"}})
		wantRedirect(t, res, page+"?done=recorded")
		res = b.get(page + "/reports/preliminary")
		if got := attr(find(res.Doc, byID("report-status")), "class"); !strings.Contains(got, "status-filed") {
			t.Errorf("status class %q after filing", got)
		}
		if find(res.Doc, byID("report-filed")) != nil {
			t.Error("a filed report still offers to record the filing")
		}

		wantStatus(t, b.get(page+"/reports/interim"), http.StatusNotFound)

		// An auditor reads the draft, without the form, and cannot save.
		aud := e.staffer("auditor@example.jp", staff.Auditor)
		res = aud.get(page + "/reports/final")
		wantStatus(t, res, http.StatusOK)
		if find(res.Doc, byID("report-form")) != nil {
			t.Error("an auditor is offered the report's form")
		}
		wantStatus(t, aud.post(page+"/reports/final", form), http.StatusForbidden)
	})
}

package admin_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/member"
	"kaede/internal/staff"
)

// TestCustomerSearchAndDetail lets support find a customer and read their
// record, with a link to their orders.
func TestCustomerSearchAndDetail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newOrderEnv(t, d)
		b := e.staffBrowser("support@example.jp", staff.Support)
		hari := e.customer("hari@example.jp", true)
		plain := e.customer("plain@example.jp", false)

		res := b.get("/admin/customers")
		wantStatus(t, res, http.StatusOK)
		for _, m := range []*member.Member{hari, plain} {
			if !strings.Contains(res.Body, m.Email) {
				t.Errorf("customer list does not show %s", m.Email)
			}
		}
		res = b.get("/admin/customers?practitioner=pending")
		if !strings.Contains(res.Body, hari.Email) || strings.Contains(res.Body, plain.Email) {
			t.Errorf("practitioner=pending lists the wrong customers:\n%s", res.Body)
		}
		res = b.get("/admin/customers?q=" + url.QueryEscape("plain@"))
		if strings.Contains(res.Body, hari.Email) || !strings.Contains(res.Body, plain.Email) {
			t.Errorf("q=plain@ lists the wrong customers:\n%s", res.Body)
		}
		res = b.get("/admin/customers?practitioner=guru")
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if !strings.Contains(fieldErrors(res.Doc), "施術者資格") {
			t.Errorf("bad filter not named: %q", fieldErrors(res.Doc))
		}

		res = b.get("/admin/customers/" + strconv.FormatInt(hari.ID, 10))
		wantStatus(t, res, http.StatusOK)
		if n := find(res.Doc, byID("practitioner")); n == nil || textOf(n) != "審査待ち" {
			t.Errorf("practitioner state %v", n)
		}
		link := find(res.Doc, byID("orders-link"))
		if link == nil || attr(link, "href") != "/admin/orders?q="+url.QueryEscape(hari.Email) {
			t.Errorf("orders link %v", link)
		}
		if find(res.Doc, func(n *html.Node) bool { return n.Data == "tr" && strings.HasPrefix(attr(n, "id"), "licence-") }) == nil {
			t.Errorf("the customer's licence is not shown:\n%s", res.Body)
		}
		wantStatus(t, b.get("/admin/customers/999999"), http.StatusNotFound)
		wantStatus(t, b.get("/admin/customers/abc"), http.StatusNotFound)
	})
}

// TestLicenceReview approves one licence from the queue and rejects
// another from the customer's page, recording who decided and when.
func TestLicenceReview(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newOrderEnv(t, d)
		b := e.staffBrowser("support@example.jp", staff.Support)
		hari := e.customer("hari@example.jp", true)
		kyu := e.customer("kyu@example.jp", true)
		licences := func(m *member.Member) []member.Licence {
			t.Helper()
			ls, err := e.members.LicencesFor(e.ctx, m.ID)
			if err != nil || len(ls) != 1 {
				t.Fatalf("licences of %s: %v, %v", m.Email, ls, err)
			}
			return ls
		}
		first, second := licences(hari)[0], licences(kyu)[0]

		res := b.get("/admin/licences")
		wantStatus(t, res, http.StatusOK)
		approve := "/admin/licences/" + strconv.FormatInt(first.ID, 10) + "/approve"
		if !hasForm(res.Doc, approve) {
			t.Fatalf("queue has no approve form for licence %d:\n%s", first.ID, res.Body)
		}

		wantRedirect(t, b.post(approve, url.Values{"note": {"確認しました"}}), "/admin/licences?done=approved")
		got := licences(hari)[0]
		if got.Status != member.LicenceApproved || got.Reviewer != "support@example.jp" || !got.ReviewedAt.Equal(e.clock.Now()) {
			t.Fatalf("approved licence: status=%s reviewer=%q reviewed=%v (now %v)", got.Status, got.Reviewer, got.ReviewedAt, e.clock.Now())
		}
		m, err := e.members.Get(e.ctx, hari.ID)
		if err != nil || !m.Viewer().Practitioner {
			t.Fatalf("member after approval: %+v, %v; want a practitioner", m, err)
		}
		if list := e.entries("licence.review", "support@example.jp"); len(list) != 1 {
			t.Errorf("licence.review entries = %d, want 1", len(list))
		}

		// Deciding twice is refused.
		res = b.post(approve, nil)
		wantStatus(t, res, http.StatusConflict)
		if !strings.Contains(alertText(res.Doc), "すでに審査されています") {
			t.Errorf("second approval: alert %q", alertText(res.Doc))
		}

		reject := "/admin/licences/" + strconv.FormatInt(second.ID, 10) + "/reject"
		kyuPage := "/admin/customers/" + strconv.FormatInt(kyu.ID, 10)
		if !hasForm(b.get(kyuPage).Doc, reject) {
			t.Fatal("the customer's page has no reject form")
		}
		wantRedirect(t, b.post(reject, url.Values{"note": {"免許証の氏名が一致しません", ""}, "from": {"customer"}}), kyuPage+"?done=rejected")
		if got := licences(kyu)[0]; got.Status != member.LicenceRejected || got.Note != "免許証の氏名が一致しません" {
			t.Errorf("rejected licence: %+v", got)
		}
		if m, _ := e.members.Get(e.ctx, kyu.ID); m.Viewer().Practitioner {
			t.Error("a rejected member is a practitioner")
		}
		if n := find(b.get("/admin/licences").Doc, byID("no-licences")); n == nil {
			t.Error("the queue is not empty after both reviews")
		}
		wantStatus(t, b.post("/admin/licences/999999/approve", nil), http.StatusNotFound)
		e.verifyAudit()
	})
}

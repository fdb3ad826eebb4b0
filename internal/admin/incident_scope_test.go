package admin_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/text/encoding/japanese"

	"kaede/internal/admin"
	"kaede/internal/audit"
	"kaede/internal/catalog"
	"kaede/internal/content"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/incident"
	"kaede/internal/incident/scopetest"
	"kaede/internal/mail"
	"kaede/internal/member"
	"kaede/internal/order"
	"kaede/internal/settings"
	"kaede/internal/shop"
	"kaede/internal/staff"
)

// scopeEnv is the admin with the incident desk, an incident and orders
// around a window: three card orders inside it from two people (one of
// them as a guest and as a member), a bank transfer inside, a card order
// after it.
type scopeEnv struct {
	*orderEnv
	incidents *incident.Service
	inc       incident.Incident
	incPath   string // the incident's page
	path      string // its scope page
}

func newScopeEnv(t *testing.T, d *db.DB) *scopeEnv {
	t.Helper()
	clock := &testClock{now: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)}
	queue := mail.NewTestQueue(clock.Now)
	staffSvc, err := staff.New(d, queue, clock.Now, bytes.Repeat([]byte{7}, staff.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	if err := staffSvc.SetHashParams(fastHash); err != nil {
		t.Fatal(err)
	}
	incidents := incident.New(d, clock.Now)
	srv, err := admin.New(admin.Config{
		BaseURL:     "http://admin.test",
		Secret:      bytes.Repeat([]byte{9}, 32),
		AllowedNets: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")},
	}, admin.Deps{
		Logger: discardLogger(), Clock: clock.Now, Staff: staffSvc,
		Settings: settings.NewService(d, clock.Now, time.Minute),
		Audit:    audit.NewLog(d), Legal: content.NewPages(d, clock.Now),
		Orders:  order.New(d, queue, clock.Now),
		Members: member.New(d, queue, clock.Now, "http://shop.test"),
		Catalog: catalog.New(d, clock.Now), Incidents: incidents,
	})
	if err != nil {
		t.Fatal(err)
	}
	e := &scopeEnv{orderEnv: &orderEnv{env: &env{t: t, d: d, clock: clock, staff: staffSvc, h: srv.Handler(),
		ctx: context.Background()}}, incidents: incidents}
	e.inc, err = incidents.Open(e.ctx, incident.OpenInput{Title: "カード情報流出", DiscoveredAt: clock.now.Add(-time.Hour)},
		audit.Actor{Name: "owner@example.jp"})
	if err != nil {
		t.Fatal(err)
	}
	e.incPath = "/admin/incidents/" + strconv.FormatInt(e.inc.ID, 10)
	e.path = e.incPath + "/scope"
	s := scopetest.New(t, d)
	s.Product("ディスポ鍼")
	day := func(n int) time.Time { return time.Date(2026, 1, n, 12, 0, 0, 0, shop.JST) }
	member := s.Member("hanako@example.jp", nil)
	formula := scopetest.Address
	formula.Name = "=cmd|' /C calc'!A0"
	s.Order(scopetest.Order{Email: "Hanako@Example.jp", At: day(5)})
	s.Order(scopetest.Order{Email: "hanako@example.jp", MemberID: member, At: day(6),
		Payments: []scopetest.Payment{{Brand: "jcb", Last4: "0000", Ref: "pi_jcb"}}})
	s.Order(scopetest.Order{Email: "taro@example.jp", At: day(7), Address: &formula})
	s.Order(scopetest.Order{Email: "bank@example.jp", Method: "bank_transfer", At: day(8)})
	s.Order(scopetest.Order{Email: "later@example.jp", At: day(25)})
	return e
}

// saveForm is what the preview's save form posts: the query again.
func saveForm(t *testing.T, res *response) url.Values {
	t.Helper()
	form := find(res.Doc, byID("scope-save"))
	if form == nil {
		t.Fatalf("no save form:\n%s", res.Body)
	}
	v := url.Values{}
	walk(form, func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "input" && attr(n, "name") != "" {
			v.Add(attr(n, "name"), attr(n, "value"))
		}
	})
	return v
}

// cardWindow is the form's query: card orders from 1 to 20 January.
var cardWindow = url.Values{"from": {"2026-01-01"}, "to": {"2026-01-20"}, "methods": {"card"}}

func TestIncidentScopePages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newScopeEnv(t, d)
		b := e.staffBrowser("owner@example.jp", staff.Owner)

		res := b.get(e.path)
		wantStatus(t, res, http.StatusOK)
		if !hasForm(res.Doc, e.path) || find(res.Doc, byID("scope-preview")) != nil {
			t.Fatalf("the scope page shows no form, or a preview before any query:\n%s", res.Body)
		}
		if n := find(res.Doc, func(n *html.Node) bool { return n.Data == "option" && textOf(n) == "ディスポ鍼" }); n == nil {
			t.Error("the products are not offered")
		}

		res = b.get(e.path + "?" + cardWindow.Encode())
		wantStatus(t, res, http.StatusOK)
		if got := textOf(find(res.Doc, byID("scope-orders"))); got != "3" {
			t.Errorf("orders %q, want 3", got)
		}
		if got := textOf(find(res.Doc, byID("scope-customers"))); got != "2" {
			t.Errorf("customers %q, want 2 (hanako@ as guest and member is one)", got)
		}

		bad := url.Values{"from": {"2026-01-20"}, "to": {"2026-01-01"}, "methods": {"bitcoin"}, "customers": {"not an address"}}
		res = b.get(e.path + "?" + bad.Encode())
		wantStatus(t, res, http.StatusUnprocessableEntity)
		for _, want := range []string{"終了日", "支払方法", "メールアドレス"} {
			if !strings.Contains(fieldErrors(res.Doc), want) {
				t.Errorf("field errors %q do not name %s", fieldErrors(res.Doc), want)
			}
		}

		// Saving keeps the query and freezes what it finds.
		save := saveForm(t, b.get(e.path+"?"+cardWindow.Encode()))
		wantRedirect(t, b.post(e.path, save), e.path+"/1?done=saved")
		if list := e.entries("incident.scope.save", "owner@example.jp"); len(list) != 1 || list[0].Target != e.inc.Ref() {
			t.Fatalf("incident.scope.save entries %+v", list)
		}
		res = b.get(e.path + "/1")
		wantStatus(t, res, http.StatusOK)
		if textOf(find(res.Doc, byID("version-orders"))) != "3" || textOf(find(res.Doc, byID("version-customers"))) != "2" {
			t.Errorf("version page:\n%s", res.Body)
		}
		if !strings.Contains(textOf(find(res.Doc, byID("scope-people"))), "hanako@example.jp") {
			t.Errorf("the version's people do not list hanako@")
		}
		// The scope page now starts from the saved query and lists it.
		res = b.get(e.path)
		if v, _ := inputValue(res.Doc, "from"); v != "2026-01-01" || !strings.Contains(textOf(find(res.Doc, byID("scope-versions"))), "v1") {
			t.Errorf("scope page after saving: from=%q\n%s", v, res.Body)
		}
		wantStatus(t, b.post(e.path, url.Values{"from": {"2026-01-01"}}), http.StatusUnprocessableEntity)
		wantStatus(t, b.get(e.path+"/9"), http.StatusNotFound)
		wantStatus(t, b.get("/admin/incidents/99/scope"), http.StatusNotFound)
	})
}

func TestIncidentScopeDownloads(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newScopeEnv(t, d)
		b := e.staffBrowser("owner@example.jp", staff.Owner)
		save := saveForm(t, b.get(e.path+"?"+cardWindow.Encode()))
		wantRedirect(t, b.post(e.path, save), e.path+"/1")
		customers := e.path + "/1/customers.csv?encoding=sjis"
		acquirer := e.path + "/1/acquirer.csv?encoding=utf8"

		e.clock.Advance(staff.FreshFor + time.Minute)
		wantRedirect(t, b.get(customers), "/admin/reauth?next="+url.QueryEscape(customers))
		if len(e.entries("incident.scope.export_customers", "")) != 0 {
			t.Fatal("a download was audited without a fresh second factor")
		}
		wantRedirect(t, b.post("/admin/reauth", url.Values{"code": {b.code()}, "next": {customers}}), "/admin/incidents/")

		res := b.get(customers)
		wantStatus(t, res, http.StatusOK)
		if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=Shift_JIS" ||
			!strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("headers %v", res.Header)
		}
		body, err := japanese.ShiftJIS.NewDecoder().String(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil || len(rows) != 3 {
			t.Fatalf("customers CSV %q %v, want a header and 2 people", rows, err)
		}
		if !strings.Contains(body, "'=cmd|") {
			t.Errorf("the formula name is not defused:\n%s", body)
		}
		if list := e.entries("incident.scope.export_customers", "owner@example.jp"); len(list) != 1 {
			t.Errorf("export entries %+v, want one", list)
		}

		res = b.get(acquirer)
		wantStatus(t, res, http.StatusOK)
		rows, err = csv.NewReader(strings.NewReader(strings.TrimPrefix(res.Body, "\uFEFF"))).ReadAll()
		if err != nil || len(rows) != 4 || strings.Join(rows[0], ",") != strings.Join(incident.AcquirerHeader, ",") {
			t.Fatalf("acquirer CSV %q %v, want the header and 3 transactions", rows, err)
		}
		if list := e.entries("incident.scope.export_acquirer", "owner@example.jp"); len(list) != 1 {
			t.Errorf("acquirer export entries %+v, want one", list)
		}
		wantStatus(t, b.get(e.path+"/1/customers.csv?encoding=ebcdic"), http.StatusUnprocessableEntity)
	})
}

func TestIncidentScopePermissions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newScopeEnv(t, d)
		owner := e.staffBrowser("owner@example.jp", staff.Owner)
		save := saveForm(t, owner.get(e.path+"?"+cardWindow.Encode()))
		wantRedirect(t, owner.post(e.path, save), e.path+"/1")
		oe := e.orderEnv

		// A manager does not see the security pages.
		manager := e.staffBrowser("manager@example.jp", staff.Manager)
		oe.wantDenied(manager, http.MethodGet, e.path, nil)
		oe.wantDenied(manager, http.MethodGet, e.incPath+"/reimbursements", nil)

		// An auditor reads the scope but neither saves nor downloads.
		auditor := e.staffBrowser("auditor@example.jp", staff.Auditor)
		res := auditor.get(e.path + "?" + cardWindow.Encode())
		wantStatus(t, res, http.StatusOK)
		if hasForm(res.Doc, e.path) && find(res.Doc, byID("scope-save")) != nil {
			t.Error("the auditor is offered the save form")
		}
		if find(auditor.get(e.path+"/1").Doc, byID("scope-downloads")) != nil {
			t.Error("the auditor is offered the downloads")
		}
		oe.wantDenied(auditor, http.MethodPost, e.path, save)
		oe.wantDenied(auditor, http.MethodGet, e.path+"/1/customers.csv?encoding=utf8", nil)
		oe.wantDenied(auditor, http.MethodGet, e.path+"/1/acquirer.csv?encoding=utf8", nil)
		oe.wantDenied(auditor, http.MethodPost, e.incPath+"/reimbursements",
			url.Values{"customer": {"taro@example.jp"}, "amount": {"1100"}, "state": {"requested"}})
		if len(e.entries("incident.scope.export_customers", "")) != 0 || len(e.entries("incident.scope.save", "")) != 1 {
			t.Error("a refused request changed something")
		}
	})
}

func TestIncidentReimbursementPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newScopeEnv(t, d)
		b := e.staffBrowser("owner@example.jp", staff.Owner)
		save := saveForm(t, b.get(e.path+"?"+cardWindow.Encode()))
		wantRedirect(t, b.post(e.path, save), e.path+"/1")
		page := e.incPath + "/reimbursements"

		res := b.post(page, url.Values{"customer": {"bank@example.jp"}, "amount": {"abc"}, "state": {"requested"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		res = b.post(page, url.Values{"customer": {"bank@example.jp"}, "amount": {"1100"}, "state": {"requested"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if !strings.Contains(fieldErrors(res.Doc), "お客様") {
			t.Errorf("a customer outside the scope: errors %q", fieldErrors(res.Doc))
		}
		wantRedirect(t, b.post(page, url.Values{"customer": {"Taro@example.jp"}, "amount": {"１，１００"}, "state": {"paid"},
			"note": {"振込済み"}}), page+"?done=saved")
		res = b.get(page)
		wantStatus(t, res, http.StatusOK)
		table := textOf(find(res.Doc, byID("reimbursements")))
		if !strings.Contains(table, "taro@example.jp") || !strings.Contains(table, "1,100") || !strings.Contains(table, "支払済み") {
			t.Errorf("reimbursements table %q", table)
		}
		if list := e.entries("incident.reimbursement", "owner@example.jp"); len(list) != 1 {
			t.Errorf("incident.reimbursement entries %+v, want one", list)
		}
	})
}

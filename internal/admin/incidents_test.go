package admin_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"mime"
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
	"kaede/internal/inquiry"
	"kaede/internal/mail"
	"kaede/internal/member"
	"kaede/internal/order"
	"kaede/internal/pdfdoc/pdftext"
	"kaede/internal/secevent"
	"kaede/internal/settings"
	"kaede/internal/staff"
)

// incidentEnv is an admin server with the incident desk, on a fresh
// database.
type incidentEnv struct {
	*env
	incidents *incident.Service
	desk      *inquiry.Service
}

func newIncidentEnv(t *testing.T, d *db.DB) *incidentEnv {
	t.Helper()
	clock := &testClock{now: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)} // Wednesday, 18:00 in Japan
	svc, err := staff.New(d, mail.NewTestQueue(clock.Now), clock.Now, bytes.Repeat([]byte{7}, staff.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.SetHashParams(fastHash); err != nil {
		t.Fatal(err)
	}
	inc := incident.New(d, clock.Now)
	members := member.New(d, mail.NewTestQueue(clock.Now), clock.Now, "http://shop.test")
	desk := inquiry.New(d, mail.NewTestQueue(clock.Now), members, clock.Now, inquiry.DefaultLimits())
	srv, err := admin.New(admin.Config{
		BaseURL:     "http://admin.test",
		Secret:      bytes.Repeat([]byte{9}, 32),
		AllowedNets: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")},
	}, admin.Deps{
		Logger:    discardLogger(),
		Clock:     clock.Now,
		Staff:     svc,
		Settings:  settings.NewService(d, clock.Now, time.Minute),
		Audit:     audit.NewLog(d),
		Legal:     content.NewPages(d, clock.Now),
		Orders:    order.New(d, mail.NewTestQueue(clock.Now), clock.Now),
		Members:   members,
		Events:    secevent.NewStore(d, clock.Now),
		Incidents: inc,
		Inquiries: desk,
		// The public notice is wired and the reopening is not: the
		// incident page links the one and not the other.
		Notices: incident.NewNotices(inc),
	})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, d: d, clock: clock, staff: svc, h: srv.Handler(), ctx: context.Background()}
	return &incidentEnv{env: e, incidents: inc, desk: desk}
}

// staffer enrols a member of staff with the role and logs them in.
func (e *incidentEnv) staffer(email string, role staff.Role) *browser {
	e.t.Helper()
	b, _ := e.enrol(email, role)
	b.login(email)
	return b
}

// deadlineAttr returns the attribute name of the deadlines panel's row
// for code, or the row's text when name is empty.
func deadlineAttr(t *testing.T, doc *html.Node, code, name string) string {
	t.Helper()
	row := find(doc, func(n *html.Node) bool { return n.Data == "tr" && attr(n, "data-code") == code })
	if row == nil {
		t.Fatalf("no deadline row %s", code)
	}
	if name == "" {
		return textOf(row)
	}
	return attr(row, name)
}

func TestIncidentDesk(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newIncidentEnv(t, d)
		b := e.staffer("owner@example.jp", staff.Owner)

		res := b.get("/admin/incidents")
		wantStatus(t, res, http.StatusOK)
		if find(res.Doc, byID("no-incidents")) == nil || find(res.Doc, byID("open-incident")) == nil {
			t.Fatalf("empty list without its note or the open link:\n%s", res.Body)
		}
		if nav := find(res.Doc, func(n *html.Node) bool {
			return n.Data == "a" && attr(n, "href") == "/admin/incidents" && attr(n, "aria-current") == "page"
		}); nav == nil {
			t.Error("the admin menu has no current link to the incidents")
		}

		// The form, its help on 知った時点, and its refusals naming fields.
		res = b.get("/admin/incidents/new")
		wantStatus(t, res, http.StatusOK)
		if help := textOf(find(res.Doc, byID("discovered-help"))); !strings.Contains(help, "知った時点") {
			t.Errorf("discovery help=%q, want it to explain 知った時点", help)
		}
		res = b.post("/admin/incidents", url.Values{"title": {""}, "discovered_date": {"2026-04-01"}, "discovered_time": {"25:70"}, "category": {"card_data"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if msg := fieldError(res.Doc, "title"); !strings.Contains(msg, "件名") {
			t.Errorf("title error=%q", msg)
		}
		if msg := fieldError(res.Doc, "discovered_time"); !strings.Contains(msg, "発覚日時") {
			t.Errorf("discovery time error=%q", msg)
		}
		res = b.post("/admin/incidents", url.Values{"title": {"x"}, "discovered_date": {"2026-04-02"}, "discovered_time": {"10:00"}, "category": {"meteor"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if msg := fieldError(res.Doc, "discovered_time"); !strings.Contains(msg, "現在より後") {
			t.Errorf("future discovery error=%q", msg)
		}
		if msg := fieldError(res.Doc, "category"); !strings.Contains(msg, "分類") {
			t.Errorf("category error=%q", msg)
		}
		if n, _ := e.incidents.List(e.ctx, ""); len(n) != 0 {
			t.Fatalf("%d incidents after refused forms", len(n))
		}

		// Open: Wednesday 2026-04-01, 10:00 in Japan; the cause may be an attack.
		res = b.post("/admin/incidents", url.Values{"title": {"カード会社から不正利用の連絡"}, "noticed": {"A社から電話"},
			"discovered_date": {"2026-04-01"}, "discovered_time": {"10:00"}, "category": {"card_data"}, "unauthorised": {"on"}})
		wantRedirect(t, res, "/admin/incidents/1?done=opened")
		if got := e.entries("incident.open", "owner@example.jp"); len(got) != 1 {
			t.Fatalf("incident.open entries=%d, want 1", len(got))
		}
		page := "/admin/incidents/1"
		res = b.get(page + "?done=opened")
		wantStatus(t, res, http.StatusOK)
		if got := textOf(find(res.Doc, byID("discovered-at"))); got != "2026-04-01 10:00 JST" {
			t.Errorf("discovered=%q", got)
		}
		// The deadlines panel: due days with weekdays, status, days left.
		for _, tt := range []struct{ code, status, text string }{
			{"ppc_preliminary", "pending", "2026-04-03（金）"},
			{"ppc_preliminary", "pending", "遅くとも 2026-04-05（日）"},
			{"acquirer_report", "pending", "2026-04-06（月）"},
			{"acquirer_report", "pending", "あと5日"},
			{"acquirer_card_list", "pending", "2026-04-15（水）"},
			{"ppc_final", "pending", "2026-05-30（土）"}, // 60 days: unauthorised
			{"ppc_final", "pending", "遅くとも 2026-06-01（月）"},
		} {
			if got := deadlineAttr(t, res.Doc, tt.code, "data-status"); got != tt.status {
				t.Errorf("%s status=%q, want %q", tt.code, got, tt.status)
			}
			if got := deadlineAttr(t, res.Doc, tt.code, ""); !strings.Contains(got, tt.text) {
				t.Errorf("%s row=%q, want %q", tt.code, got, tt.text)
			}
		}
		sec := find(res.Doc, byID("incident-sections"))
		if sec == nil {
			t.Fatal("no sections list")
		}
		links := map[string]bool{}
		walk(sec, func(n *html.Node) {
			if n.Data == "a" {
				links[attr(n, "href")] = true
			}
		})
		if !links[page+"/summary.pdf"] || !links[page+"/notice"] || links[page+"/reopen"] || links["/admin/switches"] {
			t.Errorf("section links %v, want the summary and the notice, not the unwired reopening and switches", links)
		}
		// The inquiry desk's tickets about this incident are counted on
		// its page, under a link labelled in words, not a catalogue key.
		if got := textOf(find(res.Doc, byID("incident-inquiries"))); !strings.Contains(got, "対応中 0件") {
			t.Errorf("inquiry counts %q before any ticket", got)
		}
		if _, err := e.desk.Submit(e.ctx, inquiry.Submission{Name: "山田 太郎", Email: "taro@example.jp", Topic: string(inquiry.TopicIncident),
			IncidentID: 1, Message: "カードの明細に覚えのない請求があります。", ClientAddr: "203.0.113.9"}); err != nil {
			t.Fatal(err)
		}
		res = b.get(page)
		if got := textOf(find(res.Doc, byID("incident-inquiries"))); !strings.Contains(got, "対応中 1件（うち期限超過 0件）") {
			t.Errorf("inquiry counts %q after one ticket", got)
		}
		if got := textOf(find(find(res.Doc, byID("incident-sections")), func(n *html.Node) bool {
			return n.Data == "a" && attr(n, "href") == "/admin/inquiries?incident=1"
		})); got != "この件のお問い合わせ" {
			t.Errorf("inquiries link reads %q", got)
		}

		// Record: the preliminary report filed, which files its deadline.
		res = b.post(page+"/events", url.Values{"kind": {"ppc_preliminary"}, "occurred_date": {"2026-04-01"}, "occurred_time": {"17:30"}, "text": {"速報を提出"}})
		wantRedirect(t, res, page+"?done=recorded")
		res = b.post(page+"/events", url.Values{"kind": {"detected"}, "occurred_date": {"2026-04-09"}, "occurred_time": {"10:00"}, "text": {"x"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if msg := fieldError(res.Doc, "kind"); !strings.Contains(msg, "種類") {
			t.Errorf("kind error=%q", msg)
		}
		if msg := fieldError(res.Doc, "occurred_time"); !strings.Contains(msg, "現在より後") {
			t.Errorf("occurred error=%q", msg)
		}
		if got := fieldValue(res.Doc, "text"); got != "x" {
			t.Errorf("the refused form lost its text: %q", got)
		}
		res = b.get(page)
		if got := deadlineAttr(t, res.Doc, "ppc_preliminary", "data-status"); got != "filed" {
			t.Errorf("preliminary report status=%q after recording it, want filed", got)
		}
		var kinds []string
		walk(find(res.Doc, byID("timeline")), func(n *html.Node) {
			if n.Data == "li" {
				kinds = append(kinds, attr(n, "data-kind"))
			}
		})
		if strings.Join(kinds, ",") != "detected,ppc_preliminary" {
			t.Errorf("timeline kinds=%v, want the discovery then the report, newest last", kinds)
		}

		// Evidence: an HTML page (a changed checkout, saved) with a
		// Japanese name; kept, hashed, and only ever downloaded.
		saved := []byte("<!doctype html><script>steal()</script>")
		sum := sha256.Sum256(saved)
		res = b.upload(page+"/evidence", url.Values{"note": {"改ざんされた決済画面"}}, "file", "改ざん画面.html", saved)
		wantRedirect(t, res, page+"?done=evidence")
		res = b.upload(page+"/evidence", nil, "file", "copy.html", saved)
		wantStatus(t, res, http.StatusConflict)
		if msg := textOf(find(res.Doc, hasClass("alert"))); !strings.Contains(msg, "すでに証拠として保管") {
			t.Errorf("duplicate evidence message=%q", msg)
		}
		res = b.upload(page+"/evidence", nil, "file", "", nil)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if msg := fieldError(res.Doc, "file"); !strings.Contains(msg, "ファイル") {
			t.Errorf("missing file error=%q", msg)
		}
		res = b.get(page)
		if code := find(res.Doc, hasClass("sha256")); code == nil || textOf(code) != hex.EncodeToString(sum[:]) {
			t.Fatalf("evidence SHA-256 not shown:\n%s", res.Body)
		}
		res = b.get(page + "/evidence/1")
		wantStatus(t, res, http.StatusOK)
		if res.Body != string(saved) {
			t.Errorf("downloaded %q, want the upload", res.Body)
		}
		h := res.Header
		if h.Get("Content-Type") != "application/octet-stream" || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("download headers: Content-Type=%q nosniff=%q", h.Get("Content-Type"), h.Get("X-Content-Type-Options"))
		}
		disp, params, err := mime.ParseMediaType(h.Get("Content-Disposition"))
		if err != nil || disp != "attachment" || params["filename"] != "改ざん画面.html" {
			t.Errorf("Content-Disposition=%q (%v), want an attachment named 改ざん画面.html", h.Get("Content-Disposition"), err)
		}
		if want := "sha-256=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":"; h.Get("Repr-Digest") != want {
			t.Errorf("Repr-Digest=%q, want %q", h.Get("Repr-Digest"), want)
		}
		if !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("download CSP=%q, want a sandbox", h.Get("Content-Security-Policy"))
		}
		if got := e.entries("incident.evidence_read", "owner@example.jp"); len(got) != 1 {
			t.Errorf("incident.evidence_read entries=%d, want 1", len(got))
		}
		wantStatus(t, b.get(page+"/evidence/9"), http.StatusNotFound)
		wantStatus(t, b.get("/admin/incidents/2"), http.StatusNotFound)

		// The printable summary.
		res = b.get(page + "/summary.pdf")
		wantStatus(t, res, http.StatusOK)
		if res.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("summary headers: %v", res.Header)
		}
		text := strings.Join(pdftext.Pages(t, []byte(res.Body)), "")
		for _, want := range []string{"カード会社から不正利用の連絡", "個人情報保護委員会への速報", "提出済み", hex.EncodeToString(sum[:])} {
			if !strings.Contains(text, want) {
				t.Errorf("summary lacks %q:\n%s", want, text)
			}
		}

		// Close, once.
		res = b.post(page+"/close", url.Values{"closing_text": {"報告・通知・再開を完了"}})
		wantRedirect(t, res, page+"?done=closed")
		res = b.post(page+"/close", url.Values{"closing_text": {"again"}})
		wantStatus(t, res, http.StatusConflict)
		res = b.get(page)
		if got := textOf(find(res.Doc, byID("incident-state"))); got != "対応終了" {
			t.Errorf("state=%q after closing", got)
		}
		if find(res.Doc, byID("close-incident")) != nil {
			t.Error("a closed incident still offers to close it")
		}
		// Closed: the form offers only what may come after, says so, and
		// a kind sent anyway is refused, naming the field.
		var after []string
		if sel := find(res.Doc, byID("kind")); sel != nil {
			for o := sel.FirstChild; o != nil; o = o.NextSibling {
				if o.Data == "option" {
					after = append(after, attr(o, "value"))
				}
			}
		}
		if strings.Join(after, ",") != "finding,ppc_final,public_notice,note" || find(res.Doc, byID("record-closed")) == nil {
			t.Errorf("a closed incident's form offers %v", after)
		}
		res = b.post(page+"/events", url.Values{"kind": {"card_resumed"}, "occurred_date": {"2026-04-01"}, "occurred_time": {"17:00"}})
		wantStatus(t, res, http.StatusConflict)
		res = b.post(page+"/events", url.Values{"kind": {"note"}, "occurred_date": {"2026-04-01"}, "occurred_time": {"17:00"}, "text": {"最終報告書を受領"}})
		wantRedirect(t, res, page+"?done=recorded#timeline")
		res = b.get("/admin/incidents")
		if row := find(res.Doc, func(n *html.Node) bool { return n.Data == "tr" && attr(n, "data-id") == "1" }); row == nil || !strings.Contains(textOf(row), "対応終了") {
			t.Errorf("list row of the closed incident missing or not closed:\n%s", res.Body)
		}
		if n, err := audit.Verify(e.ctx, e.d); err != nil {
			t.Fatalf("audit.Verify=%d, %v", n, err)
		}
	})
}

// TestIncidentEvidenceLimit refuses a file over the limit, both when the
// body fits the request limit (the service counts it) and when it does
// not (the body is cut off as it is read).
func TestIncidentEvidenceLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newIncidentEnv(t, d)
		e.incidents.MaxEvidence = 1 << 10
		b := e.staffer("owner@example.jp", staff.Owner)
		inc, err := e.incidents.Open(e.ctx, incident.OpenInput{Title: "t", DiscoveredAt: e.clock.Now().Add(-time.Hour)}, audit.Actor{Name: "cli"})
		if err != nil {
			t.Fatal(err)
		}
		page := "/admin/incidents/" + idStr(inc.ID)
		res := b.upload(page+"/evidence", nil, "file", "big.log", bytes.Repeat([]byte("x"), 2<<10))
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if msg := fieldError(res.Doc, "file"); !strings.Contains(msg, "大きすぎ") {
			t.Errorf("file error=%q", msg)
		}
		res = b.upload(page+"/evidence", nil, "file", "huge.log", bytes.Repeat([]byte("x"), 200<<10))
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if !strings.Contains(res.Body, "ファイル") {
			t.Errorf("oversized body refused without naming the file:\n%s", res.Body)
		}
		if list, _ := e.incidents.EvidenceList(e.ctx, inc.ID); len(list) != 0 {
			t.Fatalf("%d evidence files kept, want none", len(list))
		}
	})
}

func TestIncidentPermissions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newIncidentEnv(t, d)
		inc, err := e.incidents.Open(e.ctx, incident.OpenInput{Title: "t", DiscoveredAt: e.clock.Now().Add(-time.Hour)}, audit.Actor{Name: "cli"})
		if err != nil {
			t.Fatal(err)
		}
		page := "/admin/incidents/" + idStr(inc.ID)

		// An auditor reads, and is refused every change, audited.
		aud := e.staffer("auditor@example.jp", staff.Auditor)
		res := aud.get(page)
		wantStatus(t, res, http.StatusOK)
		for _, id := range []string{"record-event", "upload-evidence", "close-incident"} {
			if find(res.Doc, byID(id)) != nil {
				t.Errorf("an auditor is offered the form %s", id)
			}
		}
		wantStatus(t, aud.get("/admin/incidents"), http.StatusOK)
		wantStatus(t, aud.get(page+"/summary.pdf"), http.StatusOK)
		wantStatus(t, aud.post("/admin/incidents", url.Values{"title": {"x"}, "discovered_date": {"2026-04-01"}, "discovered_time": {"10:00"}}), http.StatusForbidden)
		wantStatus(t, aud.post(page+"/close", nil), http.StatusForbidden)
		if got := e.entries("staff.denied", "auditor@example.jp"); len(got) != 2 {
			t.Errorf("auditor's staff.denied entries=%d, want 2", len(got))
		}

		// A manager does not see the desk at all.
		mgr := e.staffer("manager@example.jp", staff.Manager)
		res = mgr.get("/admin/")
		if find(res.Doc, func(n *html.Node) bool { return n.Data == "a" && attr(n, "href") == "/admin/incidents" }) != nil {
			t.Error("a manager's menu links the incidents")
		}
		wantStatus(t, mgr.get("/admin/incidents"), http.StatusForbidden)
		wantStatus(t, mgr.get(page), http.StatusForbidden)
		if got := e.entries("staff.denied", "manager@example.jp"); len(got) != 2 {
			t.Errorf("manager's staff.denied entries=%d, want 2", len(got))
		}

		// An owner whose second factor is stale is sent to give it again,
		// for the form and the changes; reading goes on.
		own := e.staffer("owner@example.jp", staff.Owner)
		e.clock.Advance(staff.FreshFor + time.Minute)
		wantRedirect(t, own.get("/admin/incidents/new"), "/admin/reauth?next="+url.QueryEscape("/admin/incidents/new"))
		wantRedirect(t, own.post("/admin/incidents", url.Values{"title": {"x"}, "discovered_date": {"2026-04-01"}, "discovered_time": {"10:00"}}),
			"/admin/reauth?next="+url.QueryEscape("/admin/incidents"))
		wantRedirect(t, own.post(page+"/events", url.Values{"kind": {"note"}, "occurred_date": {"2026-04-01"}, "occurred_time": {"10:00"}, "text": {"x"}}), "/admin/reauth")
		wantRedirect(t, own.get(page+"/evidence/1"), "/admin/reauth")
		wantStatus(t, own.get(page), http.StatusOK)
		if list, _ := e.incidents.List(e.ctx, ""); len(list) != 1 {
			t.Fatalf("%d incidents after a stale POST, want 1", len(list))
		}
		if tl, _ := e.incidents.Timeline(e.ctx, inc.ID); len(tl) != 1 {
			t.Fatalf("%d timeline entries after a stale POST, want 1", len(tl))
		}

		// The security page links the desk.
		res = own.get("/admin/security")
		wantStatus(t, res, http.StatusOK)
		if l := find(res.Doc, byID("incidents-link")); l == nil || attr(l, "href") != "/admin/incidents" {
			t.Error("the security page does not link the incidents")
		}
	})
}

// fieldValue returns the value of the textarea or input with the id.
func fieldValue(doc *html.Node, id string) string {
	n := find(doc, byID(id))
	if n == nil {
		return ""
	}
	if n.Data == "textarea" {
		return textOf(n)
	}
	return attr(n, "value")
}

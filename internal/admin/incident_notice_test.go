package admin_test

import (
	"bytes"
	"context"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"

	"kaede/internal/admin"
	"kaede/internal/audit"
	"kaede/internal/content"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/incident"
	"kaede/internal/mail"
	"kaede/internal/member"
	"kaede/internal/order"
	"kaede/internal/settings"
	"kaede/internal/staff"
	"kaede/internal/ui"
)

// reopenStubs are the reopening checklist's sources for the admin tests:
// green when green is set, the monitor's baseline pending otherwise.
type reopenStubs struct {
	mu       sync.Mutex
	green    bool
	switched []string
}

func (p *reopenStubs) setGreen(g bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.green = g
}

func (p *reopenStubs) deps(clock func() time.Time, wired bool) incident.ReopenDeps {
	d := incident.ReopenDeps{
		MonitorEvery: time.Minute,
		MonitorRuns: func(_ context.Context, since time.Time) ([]incident.MonitorRun, error) {
			var runs []incident.MonitorRun
			for t, id := since, int64(1); t.Before(clock()); t, id = t.Add(time.Minute), id+1 {
				runs = append(runs, incident.MonitorRun{ID: id, StartedAt: t, FinishedAt: t.Add(time.Second), Result: "ok"})
			}
			return runs, nil
		},
		Baseline: func(context.Context) (incident.MonitorBaseline, error) {
			p.mu.Lock()
			defer p.mu.Unlock()
			return incident.MonitorBaseline{Approved: true, ID: 1, Digest: "sha256:abc", ApprovedBy: "system:monitor", Pending: !p.green}, nil
		},
		StaffFactors: func(context.Context) ([]incident.StaffFactor, error) {
			return []incident.StaffFactor{{Email: "owner@example.jp", SecondFactor: true}}, nil
		},
	}
	if wired {
		d.Switches = func(_ context.Context, by audit.Actor) error {
			p.mu.Lock()
			defer p.mu.Unlock()
			p.switched = append(p.switched, by.Name)
			return nil
		}
	}
	return d
}

// noticeEnv is an admin server with the incidents' notices and the
// reopening, on a fresh database.
type noticeEnv struct {
	*env
	incidents *incident.Service
	notices   *incident.Notices
	stubs     *reopenStubs
}

func newNoticeEnv(t *testing.T, d *db.DB, switchesWired bool) *noticeEnv {
	t.Helper()
	clock := &testClock{now: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)}
	svc, err := staff.New(d, mail.NewTestQueue(clock.Now), clock.Now, bytes.Repeat([]byte{7}, staff.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.SetHashParams(fastHash); err != nil {
		t.Fatal(err)
	}
	incidents := incident.New(d, clock.Now)
	notices := incident.NewNotices(incidents)
	stubs := &reopenStubs{}
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
		Members:   member.New(d, mail.NewTestQueue(clock.Now), clock.Now, "http://shop.test"),
		StoreURL:  "https://shop.test",
		Notices:   notices,
		Reopening: incident.NewReopening(incidents, notices, stubs.deps(clock.Now, switchesWired)),
	})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, d: d, clock: clock, staff: svc, h: srv.Handler(), ctx: context.Background()}
	return &noticeEnv{env: e, incidents: incidents, notices: notices, stubs: stubs}
}

func (e *noticeEnv) loggedIn(email string, role staff.Role) *browser {
	e.t.Helper()
	b, _ := e.enrol(email, role)
	b.login(email)
	return b
}

func (e *noticeEnv) open() incident.Incident {
	e.t.Helper()
	inc, err := e.incidents.Open(e.ctx, incident.OpenInput{Title: "決済画面の改ざん", Category: incident.Tampering,
		DiscoveredAt: e.clock.Now().Add(-time.Hour)}, audit.Actor{Name: "owner@example.jp"})
	if err != nil {
		e.t.Fatal(err)
	}
	return inc
}

func elementByID(doc *html.Node, id string) *html.Node { return find(doc, byID(id)) }

// TestIncidentNoticePages: drafting from the record, editing, publishing
// with a fresh second factor, an update and the withdrawal, each audited
// as the member of staff; the auditor reads and changes nothing.
func TestIncidentNoticePages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newNoticeEnv(t, d, true)
		inc := e.open()
		base := "/admin/incidents/" + idStr(inc.ID) + "/notice"
		owner := e.loggedIn("owner@example.jp", staff.Owner)

		page := owner.get(base)
		wantStatus(t, page, http.StatusOK)
		if elementByID(page.Doc, "no-notice") == nil || elementByID(page.Doc, "draft") == nil {
			t.Fatalf("no draft button before the first draft:\n%s", page.Body)
		}
		wantRedirect(t, owner.post(base+"/draft", nil), base+"?done=drafted")
		page = owner.get(base)
		form := formValues(page.Doc, base)
		if !strings.Contains(form.Get("notice_title_ja"), "お詫びとお知らせ") || form.Get("notice_contact_ja") == "" || form.Get("notice_summary_en") == "" {
			t.Fatalf("the drafted form %v", form)
		}
		if el := elementByID(page.Doc, "notice-state"); el == nil || attr(el, "data-state") != "draft" {
			t.Fatalf("state shown:\n%s", page.Body)
		}

		// A required section emptied: named, nothing saved.
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("notice_summary_ja", " ")
		res := owner.post(base, bad)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if got := fieldError(res.Doc, "notice_summary_ja"); !strings.Contains(got, "概要") {
			t.Fatalf("summary error %q:\n%s", got, res.Body)
		}
		form.Set("notice_summary_ja", "このたび、当店の決済画面が改ざんされていたことが判明いたしました。")
		wantRedirect(t, owner.post(base, form), base+"?done=saved")

		wantRedirect(t, owner.post(base+"/publish", nil), base+"?done=published")
		n, err := e.notices.Get(e.ctx, inc.ID)
		if err != nil || n.State != incident.NoticePublished || n.Live.Version != 2 || !strings.HasPrefix(n.Live.Ja[incident.SectionSummary], "このたび、当店の決済画面") {
			t.Fatalf("published %+v, %v", n, err)
		}
		res = owner.post(base+"/publish", nil)
		wantStatus(t, res, http.StatusConflict)
		if !strings.Contains(res.Body, "この版はすでに公開されています") {
			t.Fatalf("publishing twice:\n%s", res.Body)
		}

		// Five minutes on, what reaches the public asks for the second
		// factor again.
		e.clock.Advance(6 * time.Minute)
		wantRedirect(t, owner.post(base+"/updates", url.Values{"update_body_ja": {"調査が完了しました。"}}), "/admin/reauth")
		if n, _ := e.notices.Get(e.ctx, inc.ID); len(n.Updates) != 0 {
			t.Fatal("an update was posted without a fresh second factor")
		}
		wantRedirect(t, owner.post("/admin/reauth", url.Values{"code": {owner.code()}, "next": {base}}), base)
		res = owner.post(base+"/updates", url.Values{"update_title_ja": {"第2報"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if fieldError(res.Doc, "update_body_ja") == "" {
			t.Fatalf("no error beside the update's body:\n%s", res.Body)
		}
		wantRedirect(t, owner.post(base+"/updates", url.Values{"update_title_ja": {"調査結果のご報告"}, "update_body_ja": {"調査が完了しました。"}}), base+"?done=appended")
		page = owner.get(base)
		if ups := elementByID(page.Doc, "updates"); ups == nil || !strings.Contains(textOf(ups), "第2報") || !strings.Contains(textOf(ups), "調査が完了しました。") {
			t.Fatalf("updates shown:\n%s", page.Body)
		}
		if v := elementByID(page.Doc, "versions"); v == nil || !strings.Contains(textOf(v), "公開中") {
			t.Fatalf("versions shown:\n%s", page.Body)
		}

		// The auditor reads, and changes nothing.
		auditor := e.loggedIn("auditor@example.jp", staff.Auditor)
		wantStatus(t, auditor.get(base), http.StatusOK)
		for _, p := range []string{base + "/draft", base, base + "/publish", base + "/withdraw", base + "/updates"} {
			if res := auditor.post(p, url.Values{"update_body_ja": {"x"}}); res.StatusCode != http.StatusForbidden {
				t.Errorf("auditor POST %s: %d, want 403", p, res.StatusCode)
			}
		}
		manager := e.loggedIn("manager@example.jp", staff.Manager)
		wantStatus(t, manager.get(base), http.StatusForbidden)

		wantRedirect(t, owner.post(base+"/withdraw", url.Values{"withdraw_note": {"対応完了のため"}}), base+"?done=withdrawn")
		if n, _ := e.notices.Get(e.ctx, inc.ID); n.State != incident.NoticeWithdrawn || len(n.Updates) != 1 {
			t.Fatalf("withdrawn %+v", n)
		}
		wantStatus(t, owner.get("/admin/incidents/999/notice"), http.StatusNotFound)
		wantStatus(t, owner.get("/admin/incidents/abc/notice"), http.StatusNotFound)

		for _, action := range []string{"incident.notice_draft", "incident.notice_save", "incident.notice_publish", "incident.notice_update", "incident.notice_withdraw"} {
			entries := e.entries(action, "owner@example.jp")
			if len(entries) != 1 || entries[0].IP != officeIP {
				t.Errorf("%s: %+v, want one entry by the owner from %s", action, entries, officeIP)
			}
		}
		if len(e.entries("staff.denied", "auditor@example.jp")) == 0 {
			t.Error("the auditor's refusals are not audited")
		}
		if n, err := audit.Verify(e.ctx, d); err != nil {
			t.Fatalf("audit.Verify=%d, %v", n, err)
		}
	})
}

// TestIncidentReopenPage: the checklist shown item by item; Reopen
// refused while an item is red and accepted once all are green, turning
// the switches on and announcing it.
func TestIncidentReopenPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newNoticeEnv(t, d, true)
		inc := e.open()
		by := audit.Actor{Name: "owner@example.jp"}
		if _, err := e.incidents.Record(e.ctx, inc.ID, incident.EventVulnScan, e.clock.Now(), "診断：指摘なし", by); err != nil {
			t.Fatal(err)
		}
		base := "/admin/incidents/" + idStr(inc.ID) + "/reopen"
		owner := e.loggedIn("owner@example.jp", staff.Owner)

		// No published notice yet: said so, refused.
		page := owner.get(base)
		wantStatus(t, page, http.StatusOK)
		if el := elementByID(page.Doc, "refusal"); el == nil || !strings.Contains(textOf(el), "先にお知らせを公開") {
			t.Fatalf("no refusal without a notice:\n%s", page.Body)
		}
		if _, err := e.notices.Draft(e.ctx, inc.ID, by); err != nil {
			t.Fatal(err)
		}
		if _, err := e.notices.Publish(e.ctx, inc.ID, by); err != nil {
			t.Fatal(err)
		}

		// Red: the baseline awaits approval.
		page = owner.get(base)
		wantStatus(t, page, http.StatusOK)
		for _, item := range incident.CheckItems {
			el := elementByID(page.Doc, "check-"+string(item))
			if el == nil {
				t.Fatalf("item %s not shown:\n%s", item, page.Body)
			}
			if want := item != incident.CheckBaseline; (attr(el, "data-ok") == "true") != want {
				t.Errorf("item %s shown ok=%s, want %v: %s", item, attr(el, "data-ok"), want, textOf(el))
			}
		}
		if el := elementByID(page.Doc, "check-baseline"); !strings.Contains(textOf(el), "awaits approval") {
			t.Errorf("baseline evidence %q", textOf(el))
		}
		if elementByID(page.Doc, "red") == nil || elementByID(page.Doc, "refusal") != nil {
			t.Fatalf("red page:\n%s", page.Body)
		}
		form := formValues(page.Doc, base)
		if !strings.Contains(form.Get("update_body_ja"), "再開") {
			t.Fatalf("the announcement is not drafted: %v", form)
		}
		res := owner.post(base, form)
		wantStatus(t, res, http.StatusConflict)
		if !strings.Contains(res.Body, "赤の項目があるため再開できません") {
			t.Fatalf("refusal while red:\n%s", res.Body)
		}
		if len(e.stubs.switched) != 0 {
			t.Fatal("the switches were turned on while red")
		}

		// Green: reopened.
		e.stubs.setGreen(true)
		page = owner.get(base)
		if elementByID(page.Doc, "all-green") == nil {
			t.Fatalf("not all green:\n%s", page.Body)
		}
		wantRedirect(t, owner.post(base, formValues(page.Doc, base)), base+"?done=reopened")
		if len(e.stubs.switched) != 1 || e.stubs.switched[0] != "owner@example.jp" {
			t.Fatalf("switches turned on by %v", e.stubs.switched)
		}
		n, err := e.notices.Get(e.ctx, inc.ID)
		if err != nil || len(n.Updates) != 1 || n.Updates[0].Kind != incident.UpdateReopening {
			t.Fatalf("the announcement %+v, %v", n.Updates, err)
		}
		if entries := e.entries("incident.reopen", "owner@example.jp"); len(entries) != 1 || entries[0].IP != officeIP {
			t.Fatalf("reopen audit %+v", entries)
		}
		page = owner.get(base + "?done=reopened")
		if elementByID(page.Doc, "done") == nil || !strings.Contains(textOf(elementByID(page.Doc, "refusal")), "すでに再開") {
			t.Fatalf("after reopening:\n%s", page.Body)
		}
		auditor := e.loggedIn("auditor@example.jp", staff.Auditor)
		wantStatus(t, auditor.get(base), http.StatusOK)
		wantStatus(t, auditor.post(base, form), http.StatusForbidden)
	})
}

// TestIncidentReopenWithoutSwitches: with no switches wired the page says
// so and Reopen is refused with its own sentence, even when all is green.
// (A test of its own: a second dbtest.Each in one test names its SQLite
// file "…sqlite#01", and the '#' ends the path in the file: URI.)
func TestIncidentReopenWithoutSwitches(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newNoticeEnv(t, d, false)
		e.stubs.setGreen(true)
		inc := e.open()
		base := "/admin/incidents/" + idStr(inc.ID) + "/reopen"
		owner := e.loggedIn("owner@example.jp", staff.Owner)
		page := owner.get(base)
		if el := elementByID(page.Doc, "refusal"); el == nil || !strings.Contains(textOf(el), "スイッチ") {
			t.Fatalf("no refusal without the switches:\n%s", page.Body)
		}
		res := owner.post(base, url.Values{"update_body_ja": {"再開しました。"}})
		wantStatus(t, res, http.StatusConflict)
		if !strings.Contains(res.Body, "つながっていない") {
			t.Fatalf("reopen without the switches:\n%s", res.Body)
		}
	})
}

// TestIncidentNoticeMessages: the keys the notice's and the reopening's
// templates build (which TestAdminMessages cannot see) exist in both
// languages, in the admin's catalogue and the store's.
func TestIncidentNoticeMessages(t *testing.T) {
	var keys []string
	for _, s := range incident.Sections {
		keys = append(keys, "notice.section."+string(s), "field."+s.Field("ja"), "field."+s.Field("en"))
	}
	for _, st := range []incident.NoticeState{incident.NoticeDraft, incident.NoticePublished, incident.NoticeWithdrawn} {
		keys = append(keys, "notice.state."+string(st))
	}
	for _, k := range []incident.UpdateKind{incident.UpdateNews, incident.UpdateReopening} {
		keys = append(keys, "notice.kind."+string(k))
	}
	for _, item := range incident.CheckItems {
		keys = append(keys, "reopen.item."+string(item))
	}
	keys = append(keys, "notice.done.drafted", "notice.done.saved", "notice.done.published", "notice.done.withdrawn", "notice.done.appended",
		"notice.error.live", "notice.error.not_published", "notice.error.conflict", "reopen.error.switches", "reopen.error.red",
		"reopen.error.reopened", "reopen.error.closed", "field.update_title_ja", "field.update_title_en", "field.update_body_ja",
		"field.update_body_en", "field.withdraw_note", "field.notice_title_ja", "field.notice_title_en")
	for _, k := range keys {
		if ja, en := ui.Admin.T("ja", k), ui.Admin.T("en", k); ja == k || en == k || ja == "" || en == "" {
			t.Errorf("admin message %q missing (ja=%q en=%q)", k, ja, en)
		}
	}
	for _, s := range incident.Sections {
		k := "notice.section." + string(s)
		if ja, en := ui.T("ja", k), ui.T("en", k); ja == k || en == k {
			t.Errorf("store message %q missing", k)
		}
	}
}

package admin_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/staff"
	"kaede/internal/switches"
	"kaede/internal/ui"
)

// TestAdminSwitches: an owner stops card payments from /admin/switches
// with a fresh second factor; the change is audited with who, from where
// and why, shows on the page and in its history, and the store's service
// sees it at once; bad input names the field; an auditor sees the page
// but cannot change it.
func TestAdminSwitches(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		owner, _ := e.enrol("owner@example.jp", staff.Owner)
		owner.login("owner@example.jp")

		res := owner.get("/admin/switches")
		wantStatus(t, res, http.StatusOK)
		for _, n := range switches.Names {
			sec := find(res.Doc, byID("switch-"+string(n)))
			if sec == nil || find(sec, func(x *html.Node) bool { return x.Data == "form" }) == nil {
				t.Fatalf("no section with a form for %s:\n%s", n, res.Body)
			}
		}
		if sec := find(res.Doc, byID("switch-card")); attr(sec, "data-position") != "on" || !strings.Contains(textOf(sec), "受付中") {
			t.Fatalf("card on a fresh shop: data-position=%q %q", attr(sec, "data-position"), textOf(sec))
		}
		if link := find(owner.get("/admin/security").Doc, byID("switches-link")); link == nil || !strings.Contains(textOf(link), "すべて通常") {
			t.Fatal("the security page does not link to the switches")
		}

		// The second factor is older than five minutes: re-authenticate
		// first, and nothing changes meanwhile.
		stop := url.Values{"on": {"false"}, "reason": {"カード会社から漏えいの疑いの連絡"},
			"banner": {"ただいまクレジットカード決済を停止しております。"}, "banner_en": {"Card payments are paused."}}
		e.clock.Advance(staff.FreshFor + time.Minute)
		wantRedirect(t, owner.post("/admin/switches/card", stop), "/admin/reauth?next="+url.QueryEscape("/admin/switches"))
		if st, _ := e.sw.State(e.ctx); !st.CardPayments() {
			t.Fatal("a POST without a fresh second factor stopped card payments")
		}
		wantRedirect(t, owner.post("/admin/reauth", url.Values{"code": {owner.code()}, "next": {"/admin/switches"}}), "/admin/switches")

		// Bad input: the reason is required to stop, the banner is one
		// paragraph; the page says so on the card's form and keeps what
		// was typed.
		bad := url.Values{"on": {"false"}, "reason": {" "}, "banner": {strings.Repeat("停", switches.MaxBanner+1)}}
		res = owner.post("/admin/switches/card", bad)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		card := find(res.Doc, byID("switch-card"))
		msgs := textOf(find(card, hasClass("error-list")))
		if !strings.Contains(msgs, "理由を入力してください") || !strings.Contains(msgs, "お知らせ文（日本語）の文字数") {
			t.Fatalf("errors on the card's form: %q", msgs)
		}
		if v, _ := inputValue(card, "banner"); v != bad.Get("banner") {
			t.Fatal("the form lost the banner that was typed")
		}
		if find(find(res.Doc, byID("switch-checkout")), hasClass("error-list")) != nil {
			t.Fatal("the checkout's form shows the card's errors")
		}
		if res := owner.post("/admin/switches/cards", stop); res.StatusCode != http.StatusNotFound {
			t.Fatalf("unknown switch: %d", res.StatusCode)
		}
		if res := owner.post("/admin/switches/card", url.Values{"on": {"maybe"}, "reason": {"x"}}); res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("on=maybe: %d", res.StatusCode)
		}
		if len(e.entries("switch.set", "")) != 0 {
			t.Fatal("a refused change was audited")
		}

		// Stop card payments.
		wantRedirect(t, owner.post("/admin/switches/card", stop), "/admin/switches?done=card")
		st, err := e.sw.State(e.ctx)
		if err != nil || st.CardPayments() {
			t.Fatalf("after the admin stopped cards the service says card on=%v (%v)", st.CardPayments(), err)
		}
		if sw := st.Get(switches.Card); sw.Banner != stop.Get("banner") || sw.BannerEn != "Card payments are paused." ||
			sw.Reason != stop.Get("reason") || sw.ChangedBy != "owner@example.jp" {
			t.Fatalf("card switch %+v", sw)
		}
		es := e.entries("switch.set", "owner@example.jp")
		if len(es) != 1 || es[0].Target != "switch:card" || es[0].IP != officeIP || !strings.Contains(es[0].After, "漏えいの疑い") {
			t.Fatalf("audit entries %+v, want one switch.set on switch:card from the office with the reason", es)
		}

		res = owner.get("/admin/switches?done=card")
		wantStatus(t, res, http.StatusOK)
		card = find(res.Doc, byID("switch-card"))
		if find(res.Doc, byID("switch-done")) == nil || attr(card, "data-position") != "off" || !strings.Contains(textOf(card), "停止中") ||
			!strings.Contains(textOf(card), "owner@example.jp") || !strings.Contains(textOf(card), "漏えいの疑い") {
			t.Fatalf("card after stopping: %q", textOf(card))
		}
		hist := textOf(find(res.Doc, byID("switch-history")))
		if !strings.Contains(hist, "受付中 → 停止中") || !strings.Contains(hist, "owner@example.jp") {
			t.Fatalf("history %q", hist)
		}
		if link := find(owner.get("/admin/security").Doc, byID("switches-link")); link == nil || !strings.Contains(textOf(link), "停止中") {
			t.Fatal("the security page does not show card payments stopped")
		}

		// An auditor reads the page and its history, and cannot flip.
		auditor, _ := e.enrol("auditor@example.jp", staff.Auditor)
		auditor.login("auditor@example.jp")
		res = auditor.get("/admin/switches")
		wantStatus(t, res, http.StatusOK)
		if find(res.Doc, func(x *html.Node) bool {
			return x.Data == "form" && strings.HasPrefix(attr(x, "action"), "/admin/switches/")
		}) != nil {
			t.Fatal("the auditor is offered the switch forms")
		}
		wantStatus(t, auditor.post("/admin/switches/card", url.Values{"on": {"true"}}), http.StatusForbidden)
		if st, _ := e.sw.State(e.ctx); st.CardPayments() {
			t.Fatal("the auditor turned card payments back on")
		}

		// Back on: no reason needed.
		wantRedirect(t, owner.post("/admin/switches/card", url.Values{"on": {"true"}}), "/admin/switches?done=card")
		if st, _ := e.sw.State(e.ctx); !st.CardPayments() {
			t.Fatal("card payments still stopped")
		}
	})
}

// TestAdminSwitchMessages: every key the switches page builds with printf
// exists in both languages.
func TestAdminSwitchMessages(t *testing.T) {
	for _, n := range switches.Names {
		keys := []string{"switches.name." + string(n)}
		for _, on := range []string{"true", "false"} {
			keys = append(keys, "switches.pos."+string(n)+"."+on)
		}
		keys = append(keys, "switches.set."+string(n)+"."+map[bool]string{true: "true", false: "false"}[!switches.Normal(n)],
			"switches.set."+string(n)+"."+map[bool]string{true: "true", false: "false"}[switches.Normal(n)])
		for _, k := range keys {
			ja, en := ui.Admin.T("ja", k), ui.Admin.T("en", k)
			if ja == k || en == k || ja == "" || en == "" {
				t.Errorf("message %q missing (ja=%q en=%q)", k, ja, en)
			}
		}
	}
}

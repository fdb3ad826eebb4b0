package admin_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"kaede/internal/admin"
	"kaede/internal/checkout"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/mail"
	"kaede/internal/mailtext"
	"kaede/internal/member"
	"kaede/internal/order"
	"kaede/internal/staff"
)

// TestAdminMailTexts: an owner sees every customer e-mail listed, edits
// the payment notice with its variables listed and a preview that shows
// markup as text, is told which variable is unknown (nothing saved), saves
// and resets it, each audited; an auditor reads but cannot change.
func TestAdminMailTexts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		var texts *mailtext.Service
		e := newEnv(t, d, func(deps *admin.Deps) {
			texts = mailtext.New(d, deps.Clock, 0)
			texts.Register(checkout.MailKinds()...)
			texts.Register(order.New(d, mail.NewTestQueue(deps.Clock), deps.Clock).MailKinds()...)
			texts.Register(member.MailKinds()...)
			deps.Texts = texts
		})
		owner, _ := e.enrol("owner@example.jp", staff.Owner)
		owner.login("owner@example.jp")

		res := owner.get("/admin/mail-texts")
		wantStatus(t, res, http.StatusOK)
		for _, k := range []string{"order_confirmation", "order_paid", "order_shipped", "order_cancelled", "order_refunded", "konbini_voucher", "password_reset", "licence_approved"} {
			if !strings.Contains(res.Body, `/admin/mail-texts/`+k+`/ja"`) || !strings.Contains(res.Body, `/admin/mail-texts/`+k+`/en"`) {
				t.Errorf("the list does not link to %s in both languages", k)
			}
		}

		const page = "/admin/mail-texts/order_paid/ja"
		res = owner.get(page)
		wantStatus(t, res, http.StatusOK)
		if v, _ := inputValue(res.Doc, "subject"); !strings.Contains(v, "{{.Number}}") {
			t.Fatalf("the editor's subject is not the default: %q", v)
		}
		if vars := textOf(find(res.Doc, byID("mailtext-vars"))); !strings.Contains(vars, "{{.Total}}") || !strings.Contains(vars, "{{.Lines[].Quantity}}") {
			t.Fatalf("variables listed: %q", vars)
		}
		if p := textOf(find(res.Doc, byID("preview-body"))); !strings.Contains(p, "山田 花子 様") {
			t.Fatalf("preview with the sample: %q", p)
		}

		// A preview of a draft shows what the customer would read; markup
		// in it is text on the page, never an element.
		draft := url.Values{"action": {"preview"}, "subject": {"ご入金 {{.Number}}"}, "body": {"{{.Name}} 様\n<script>alert(1)</script><b>太字</b>"}}
		res = owner.post(page, draft)
		wantStatus(t, res, http.StatusOK)
		pre := find(res.Doc, byID("preview-body"))
		if !strings.Contains(textOf(pre), "<script>alert(1)</script>") || pre.FirstChild == nil || pre.FirstChild.NextSibling != nil {
			t.Fatalf("preview of markup: %q", textOf(pre))
		}
		if strings.Contains(res.Body, "<script>alert(1)") || strings.Contains(res.Body, "<b>太字") {
			t.Fatal("the draft's markup is in the page unescaped")
		}

		bad := url.Values{"action": {"save"}, "subject": {"ご入金 {{.Number}}"}, "body": {"{{.Name}} 様\n{{if .Paid}}{{.Amout}}{{end}}"}}
		res = owner.post(page, bad)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if msg := textOf(find(res.Doc, byID("body-error"))); !strings.Contains(msg, ".Amout") || !strings.Contains(msg, "line 2") {
			t.Fatalf("error on the body: %q", msg)
		}
		if v, _ := inputValue(res.Doc, "subject"); v != bad.Get("subject") {
			t.Fatal("the editor lost the subject that was typed")
		}
		if len(e.entries("mailtext.save", "")) != 0 {
			t.Fatal("a refused text was audited")
		}

		good := url.Values{"action": {"save"}, "subject": {"ご入金ありがとうございます {{.Number}}"}, "body": {"{{.Name}} 様\n\n{{.Total}}を確かに頂戴いたしました。"}}
		wantRedirect(t, owner.post(page, good), page+"?done=saved")
		if got, err := texts.Get(e.ctx, "order_paid", "ja"); err != nil || !got.Custom || got.Subject != good.Get("subject") {
			t.Fatalf("saved text: %+v, %v", got, err)
		}
		if es := e.entries("mailtext.save", "owner@example.jp"); len(es) != 1 || es[0].Target != "mailtext:order_paid.ja.txt" {
			t.Fatalf("audit of the save: %+v", es)
		}
		if !strings.Contains(textOf(find(owner.get("/admin/mail-texts").Doc, byID("mail-texts"))), "変更済み") {
			t.Fatal("the list does not show the text as changed")
		}

		auditor, _ := e.enrol("auditor@example.jp", staff.Auditor)
		auditor.login("auditor@example.jp")
		wantStatus(t, auditor.get(page), http.StatusOK)
		if res := auditor.post(page, url.Values{"action": {"reset"}}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("an auditor's reset: %d", res.StatusCode)
		}

		wantRedirect(t, owner.post(page, url.Values{"action": {"reset"}}), page+"?done=reset")
		if got, _ := texts.Get(e.ctx, "order_paid", "ja"); got.Custom {
			t.Fatal("the text is still the shop's after the reset")
		}
		if len(e.entries("mailtext.reset", "owner@example.jp")) != 1 {
			t.Fatal("the reset is not audited")
		}
	})
}

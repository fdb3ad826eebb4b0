package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/member"
)

// byID finds the element with the id, or nil.
func byID(root *html.Node, id string) *html.Node {
	var found *html.Node
	walk(root, func(n *html.Node) {
		if v, ok := attr(n, "id"); ok && v == id && found == nil {
			found = n
		}
	})
	return found
}

// linksTo lists the texts of the links to href.
func linksTo(root *html.Node, href string) []string {
	var out []string
	walk(root, func(n *html.Node) {
		if v, ok := attr(n, "href"); ok && n.Data == "a" && v == href {
			out = append(out, strings.TrimSpace(text(n)))
		}
	})
	return out
}

// After approval my page stops offering 「免許を申請する」 and the licence
// page stops showing the form.
func TestLicenceLinkAfterApproval(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		b := e.browser()
		b.register("hari@example.jp")
		home := func() []string { return linksTo(parseHTML(t, b.get("/account").body), "/account/licence") }
		if got := home(); !contains(got, "免許を申請する") {
			t.Fatalf("before applying, licence links %q, want 「免許を申請する」", got)
		}
		res := b.submit("/account/licence", "/account/licence", url.Values{"licence_type": {member.LicenceTypes[0].Key}, "licence_number": {"123456"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("submit: %d", res.StatusCode)
		}
		if got := home(); contains(got, "免許を申請する") || !contains(got, "申請内容を見る") {
			t.Fatalf("pending: licence links %q", got)
		}
		var id int64
		if err := d.QueryRowContext(context.Background(), `SELECT id FROM licences`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if err := e.members.ReviewLicence(context.Background(), id, true, "staff@example.jp", ""); err != nil {
			t.Fatal(err)
		}
		got := home()
		if contains(got, "免許を申請する") || contains(got, "施術者免許の申請") || !contains(got, "申請内容を見る") {
			t.Errorf("approved: licence links %q, want no offer to apply", got)
		}
		page := parseHTML(t, b.get("/account/licence").body)
		if byID(page, "licence-approved") == nil || strings.Contains(text(page), "免許を申請する") {
			t.Errorf("approved licence page still offers the form:\n%s", text(page))
		}
		walk(page, func(el *html.Node) {
			if a, _ := attr(el, "action"); el.Data == "form" && a == "/account/licence" {
				t.Error("approved licence page has the licence form")
			}
		})
		if en := b.get("/account?lang=en").body; strings.Contains(en, "Submit a licence") {
			t.Error("English my page offers to submit a licence after approval")
		}
	})
}

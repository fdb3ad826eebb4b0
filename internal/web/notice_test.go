package web_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/incident"
)

// xss is a payload for every text staff type into a notice: were any of
// it rendered as markup, the page would hold a <script>, an element with
// an event handler or a javascript: link.
const xss = `<script>alert(1)</script><img src=x onerror=alert(2)><a href="javascript:alert(3)">x</a>"'&`

func walkHTML(n *html.Node, fn func(*html.Node)) {
	fn(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walkHTML(c, fn)
	}
}

func attrOf(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

// noMarkupFrom fails when the page holds anything the payload could have
// made: a script element, its img, an event handler, a javascript: URL.
func noMarkupFrom(t *testing.T, doc *html.Node) {
	t.Helper()
	walkHTML(doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		if n.Data == "script" || (n.Data == "img" && attrOf(n, "src") == "x") {
			t.Errorf("the page holds the payload's <%s> element", n.Data)
		}
		for _, a := range n.Attr {
			if strings.HasPrefix(a.Key, "on") || strings.Contains(strings.ToLower(a.Val), "javascript:") {
				t.Errorf("<%s %s=%q>", n.Data, a.Key, a.Val)
			}
		}
	})
}

// pinned returns the top page's pinned-notice box, or nil.
func pinned(t *testing.T, body string) *html.Node {
	t.Helper()
	var box *html.Node
	walkHTML(parseHTML(t, body), func(n *html.Node) {
		if box == nil && n.Type == html.ElementNode && n.Data == "section" && attrOf(n, "class") == "incident-pin" {
			box = n
		}
	})
	return box
}

func links(n *html.Node) []string {
	var out []string
	walkHTML(n, func(x *html.Node) {
		if x.Type == html.ElementNode && x.Data == "a" {
			out = append(out, attrOf(x, "href"))
		}
	})
	return out
}

// TestStoreIncidentNotice: a published notice is at /notices/{id} and
// pinned first on the top page, with the staff's text escaped in every
// section and update; a draft is not found; a withdrawn notice answers 410
// Gone and leaves the top page.
func TestStoreIncidentNotice(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		e.seedDemo()
		by := audit.Actor{Name: "owner@kaede.example", IP: "192.0.2.1"}
		incidents := incident.New(d, e.clock)
		notices := incident.NewNotices(incidents)
		inc, err := incidents.Open(ctx, incident.OpenInput{Title: "改ざん", Category: incident.CardData,
			DiscoveredAt: e.clock().Add(-48 * time.Hour), Unauthorised: true}, by)
		if err != nil {
			t.Fatal(err)
		}
		other, err := incidents.Open(ctx, incident.OpenInput{Title: "別件", Category: incident.Other, DiscoveredAt: e.clock().Add(-time.Hour)}, by)
		if err != nil {
			t.Fatal(err)
		}
		path := "/notices/" + strconv.FormatInt(inc.ID, 10)

		// Every text carries the payload.
		words := incident.NoticeText{TitleJa: "お詫びとお知らせ" + xss, TitleEn: "Apology" + xss,
			Ja: map[incident.Section]string{}, En: map[incident.Section]string{}}
		for _, s := range incident.Sections {
			words.Ja[s] = string(s) + "の本文。" + xss + "\n\n二段落目"
			words.En[s] = string(s) + " in English. " + xss
		}
		if _, err := notices.Save(ctx, inc.ID, words, by); err != nil {
			t.Fatal(err)
		}
		if _, err := notices.Draft(ctx, other.ID, by); err != nil {
			t.Fatal(err)
		}
		if res := e.browser().get(path); res.StatusCode != http.StatusNotFound {
			t.Fatalf("a draft: %d, want 404", res.StatusCode)
		}
		if box := pinned(t, e.browser().get("/").body); box != nil {
			t.Fatal("the top page pins a draft")
		}

		if _, err := notices.Publish(ctx, inc.ID, by); err != nil {
			t.Fatal(err)
		}
		e.advance(24 * time.Hour)
		if _, err := notices.Append(ctx, inc.ID, incident.UpdateText{TitleJa: "第2報" + xss, BodyJa: "調査結果" + xss, BodyEn: "Findings" + xss}, by); err != nil {
			t.Fatal(err)
		}

		top := e.browser().get("/")
		box := pinned(t, top.body)
		if box == nil {
			t.Fatalf("the top page does not pin the published notice:\n%s", top.body)
		}
		if ls := links(box); len(ls) != 1 || ls[0] != path {
			t.Fatalf("pinned links %v, want [%s]", ls, path)
		}
		if !strings.Contains(text(box), "お詫びとお知らせ"+xss) || !strings.Contains(text(box), "更新") {
			t.Errorf("pinned box text %q", text(box))
		}
		if strings.Index(top.body, "incident-pin") > strings.Index(top.body, "<h1") {
			t.Error("the pinned notice is not at the top of the page")
		}
		if strings.Contains(top.body, "<script>alert(1)") {
			t.Error("the top page shows the title as markup")
		}
		noMarkupFrom(t, parseHTML(t, top.body))

		page := e.browser().get(path)
		if page.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, page.StatusCode)
		}
		doc := parseHTML(t, page.body)
		noMarkupFrom(t, doc)
		if !strings.Contains(page.body, "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;") {
			t.Error("the payload does not show as escaped text")
		}
		body := text(doc)
		for _, s := range incident.Sections {
			if !strings.Contains(body, string(s)+"の本文。"+xss) {
				t.Errorf("section %s missing or altered", s)
			}
		}
		for _, want := range []string{"概要", "漏えいした可能性のある情報", "原因", "二次被害のおそれ", "本件に関するお問い合わせ先",
			"調査結果" + xss, "第2報", "掲載日", "最終更新日", "二段落目"} {
			if !strings.Contains(body, want) {
				t.Errorf("the notice lacks %q", want)
			}
		}
		if !strings.Contains(strings.Join(links(doc), " "), "/contact?incident="+strconv.FormatInt(inc.ID, 10)) {
			t.Errorf("no link to the inquiry desk: %v", links(doc))
		}
		if strings.Index(body, "調査結果") > strings.Index(body, "summaryの本文") {
			t.Error("the update is not above the notice")
		}
		en := e.browser().get(path + "?lang=en")
		if enBody := text(parseHTML(t, en.body)); !strings.Contains(enBody, "Apology"+xss) || !strings.Contains(enBody, "risk in English.") ||
			!strings.Contains(enBody, "Findings") {
			t.Errorf("English page:\n%s", en.body)
		}
		noMarkupFrom(t, parseHTML(t, en.body))

		for _, p := range []string{"/notices/" + strconv.FormatInt(other.ID, 10), "/notices/999999", "/notices/abc", "/notices/-1"} {
			if res := e.browser().get(p); res.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: %d, want 404", p, res.StatusCode)
			}
		}

		// Withdrawn: 410 with the date, and off the top page, once the
		// guests' two-second page cache has passed.
		if _, err := notices.Withdraw(ctx, inc.ID, "", by); err != nil {
			t.Fatal(err)
		}
		e.advance(3 * time.Second)
		gone := e.browser().get(path)
		if gone.StatusCode != http.StatusGone || !strings.Contains(gone.body, "掲載を終了いたしました") || strings.Contains(gone.body, "summaryの本文") {
			t.Fatalf("withdrawn notice: %d\n%s", gone.StatusCode, gone.body)
		}
		if box := pinned(t, e.browser().get("/").body); box != nil {
			t.Fatal("the top page still pins a withdrawn notice")
		}
		if _, err := notices.Publish(ctx, inc.ID, by); err != nil {
			t.Fatal(err)
		}
		if res := e.browser().get(path); res.StatusCode != http.StatusOK {
			t.Fatalf("published again: %d", res.StatusCode)
		}
		e.advance(3 * time.Second)
		if box := pinned(t, e.browser().get("/").body); box == nil {
			t.Fatal("a notice published again is not pinned")
		}
	})
}

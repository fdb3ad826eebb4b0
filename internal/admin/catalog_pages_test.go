package admin_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"kaede/internal/content"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/staff"
	"kaede/internal/web"
)

// TestCatalogPagesAreClean opens every catalogue and content page in both
// languages and checks what the CSP and the CSRF check rely on, and that
// no message key is missing (a missing key shows as the key itself).
func TestCatalogPagesAreClean(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newCatalogEnv(t, d)
		if err := web.EnsureDefaultContent(e.ctx, content.NewPages(d, e.clock.Now)); err != nil {
			t.Fatal(err)
		}
		b := e.loggedIn("owner@example.jp", staff.Owner)
		product := newProduct(t, b, e, "kyusin", "KY-1")
		wantRedirect(t, b.post("/admin/content/news", url.Values{"title_ja": {"お知らせ"}, "body_ja": {"本文"}, "status": {"draft"}}), "/admin/content")
		posts, _, err := e.content.AdminList(e.ctx, content.AdminQuery{})
		if err != nil || len(posts) != 1 {
			t.Fatalf("posts %v, %v", posts, err)
		}
		pages := []string{
			"/admin/products", "/admin/products?q=kyusin", "/admin/products/new", product, product + "?done=saved",
			"/admin/categories", "/admin/products/import", "/admin/content", "/admin/content/news/new",
			"/admin/content/news/" + idStr(posts[0].ID), "/admin/content/pages/privacy", "/admin/content/pages/terms",
			"/admin/content/pages/tokushoho",
		}
		for _, lang := range []string{"ja", "en"} {
			for _, path := range pages {
				sep := "?"
				if strings.Contains(path, "?") {
					sep = "&"
				}
				res := b.get(path + sep + "lang=" + lang)
				wantStatus(t, res, http.StatusOK)
				if strings.Contains(res.Body, " style=") || strings.Contains(res.Body, "<script") {
					t.Errorf("%s (%s): inline style or script", path, lang)
				}
				walk(res.Doc, func(n *html.Node) {
					if n.Type == html.ElementNode && n.Data == "form" && attr(n, "method") == "post" &&
						find(n, func(c *html.Node) bool { return c.Data == "input" && attr(c, "name") == "csrf_token" }) == nil {
						t.Errorf("%s: form to %s has no csrf_token", path, attr(n, "action"))
					}
				})
				body := find(res.Doc, func(n *html.Node) bool { return n.Data == "main" })
				for _, prefix := range []string{"catalog.", "content.", "field.", "reason."} {
					if txt := textOf(body); strings.Contains(txt, prefix) {
						t.Errorf("%s (%s): a message key shows: %q", path, lang, txt)
					}
				}
			}
		}
	})
}

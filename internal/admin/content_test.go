package admin_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"kaede/internal/content"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/staff"
	"kaede/internal/web"
)

func TestContentNews(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newCatalogEnv(t, d)
		if err := web.EnsureDefaultContent(e.ctx, content.NewPages(d, e.clock.Now)); err != nil {
			t.Fatal(err)
		}
		b := e.loggedIn("manager@example.jp", staff.Manager)
		wantStatus(t, b.get("/admin/content"), http.StatusOK)
		wantStatus(t, b.get("/admin/content/news/new"), http.StatusOK)

		res := b.post("/admin/content/news", url.Values{"title_ja": {""}, "body_ja": {"本文"}, "status": {"published"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if got := fieldError(res.Doc, "title_ja"); !strings.Contains(got, "タイトル") {
			t.Errorf("title error %q", got)
		}

		body := "4月29日は休業いたします。\r\n\r\n<b>ご注意</b>ください。"
		wantRedirect(t, b.post("/admin/content/news", url.Values{"title_ja": {"休業のお知らせ"}, "body_ja": {body},
			"status": {"published"}}), "/admin/content?done=news_created")
		posts, err := e.content.Published(e.ctx, 0)
		if err != nil || len(posts) != 1 || posts[0].TitleJa != "休業のお知らせ" || !strings.Contains(posts[0].BodyJa, "<b>ご注意</b>") {
			t.Fatalf("published posts %+v, %v", posts, err)
		}
		id := idStr(posts[0].ID)
		page := b.get("/admin/content/news/" + id)
		wantStatus(t, page, http.StatusOK)
		form := formValues(page.Doc, "/admin/content/news/"+id)
		form.Set("status", "draft")
		wantRedirect(t, b.post("/admin/content/news/"+id, form), "/admin/content?done=news_saved")
		if posts, _ := e.content.Published(e.ctx, 0); len(posts) != 0 {
			t.Fatalf("a draft is still published: %+v", posts)
		}
		wantRedirect(t, b.post("/admin/content/news/"+id+"/delete", nil), "/admin/content?done=news_deleted")
		wantStatus(t, b.get("/admin/content/news/"+id), http.StatusNotFound)
		for _, action := range []string{"news.create", "news.update", "news.delete"} {
			if e.entries(action, "manager@example.jp") == nil {
				t.Errorf("no %s audit entry", action)
			}
		}
		verifyAudit(t, e)
	})
}

func TestContentLegalPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newCatalogEnv(t, d)
		if err := web.EnsureDefaultContent(e.ctx, content.NewPages(d, e.clock.Now)); err != nil {
			t.Fatal(err)
		}
		b := e.loggedIn("manager@example.jp", staff.Manager)
		var before string
		if err := d.QueryRowContext(e.ctx, `SELECT body_ja FROM content_pages WHERE slug = 'privacy'`).Scan(&before); err != nil {
			t.Fatal(err)
		}
		page := b.get("/admin/content/pages/privacy")
		wantStatus(t, page, http.StatusOK)
		form := formValues(page.Doc, "/admin/content/pages/privacy")
		if form.Get("title_ja") != "プライバシーポリシー" || form.Get("body_ja") == "" {
			t.Fatalf("form shows %v", form)
		}

		// Control characters and over-long text are refused; nothing changes.
		bad := url.Values{"title_ja": {"プライバシーポリシー"}, "body_ja": {"本文\x00"}, "title_en": {""}, "body_en": {"English text"}}
		res := b.post("/admin/content/pages/privacy", bad)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if fieldError(res.Doc, "body_ja") == "" || fieldError(res.Doc, "title_en") == "" {
			t.Errorf("errors: body_ja %q, title_en %q", fieldError(res.Doc, "body_ja"), fieldError(res.Doc, "title_en"))
		}
		bad.Set("body_ja", strings.Repeat("あ", 50001))
		wantStatus(t, b.post("/admin/content/pages/privacy", bad), http.StatusUnprocessableEntity)
		if got := e.entries("content.page.update", ""); got != nil {
			t.Fatalf("a refused save was audited: %v", got)
		}

		newBody := "第1条 個人情報の取扱い\r\n\r\n<script>alert(1)</script>はそのまま文字として表示されます。"
		form.Set("body_ja", newBody)
		wantRedirect(t, b.post("/admin/content/pages/privacy", form), "/admin/content?done=page_saved")
		var got string
		if err := d.QueryRowContext(e.ctx, `SELECT body_ja FROM content_pages WHERE slug = 'privacy'`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if want := strings.ReplaceAll(newBody, "\r\n", "\n"); got != want {
			t.Fatalf("body_ja=%q, want %q", got, want)
		}
		entries := e.entries("content.page.update", "manager@example.jp")
		if len(entries) != 1 || entries[0].Target != "content_page:privacy" ||
			!strings.Contains(entries[0].Before, "body_ja") || !strings.Contains(entries[0].After, "第1条") {
			t.Fatalf("audit entries %+v", entries)
		}
		if old := string([]rune(before)[:10]); !strings.Contains(entries[0].Before, old) || strings.Contains(entries[0].After, old) {
			t.Errorf("audit before/after do not hold the old text before and the new after:\n%s\n%s", entries[0].Before, entries[0].After)
		}

		// Only the three legal pages exist here.
		wantStatus(t, b.get("/admin/content/pages/about"), http.StatusNotFound)
		wantStatus(t, b.post("/admin/content/pages/about", form), http.StatusNotFound)
		wantStatus(t, b.get("/admin/content/pages/tokushoho?lang=en"), http.StatusOK)
		verifyAudit(t, e)
	})
}

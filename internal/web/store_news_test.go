package web_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"kaede/internal/audit"
	"kaede/internal/content"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
)

func TestStoreNews(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.seedDemo()
		news := content.New(d, e.clock)
		by := audit.Actor{Name: "owner@kaede.example", IP: "192.0.2.1"}
		id, err := news.Create(context.Background(), content.Post{TitleJa: "年末年始の営業について", TitleEn: "Year-end hours",
			BodyJa: "12月29日から休業いたします。\n\n<script>alert(1)</script>", Status: content.StatusPublished}, by)
		if err != nil {
			t.Fatal(err)
		}
		draft, err := news.Create(context.Background(), content.Post{TitleJa: "下書き", BodyJa: "まだ", Status: content.StatusDraft}, by)
		if err != nil {
			t.Fatal(err)
		}
		top := e.browser().get("/")
		if !strings.Contains(top.body, "年末年始の営業について") || !strings.Contains(top.body, "/news/"+strconv.FormatInt(id, 10)) {
			t.Fatal("the top page does not list the published post")
		}
		if strings.Contains(top.body, "下書き") {
			t.Fatal("the top page lists a draft")
		}
		post := e.browser().get("/news/" + strconv.FormatInt(id, 10))
		if post.StatusCode != http.StatusOK || !strings.Contains(post.body, "12月29日から休業いたします。") {
			t.Fatalf("news page: %d", post.StatusCode)
		}
		if strings.Contains(post.body, "<script>alert(1)</script>") || !strings.Contains(post.body, "&lt;script&gt;") {
			t.Fatal("the post's text was not escaped")
		}
		if en := e.browser().get("/news/" + strconv.FormatInt(id, 10) + "?lang=en"); !strings.Contains(en.body, "Year-end hours") {
			t.Fatal("the English page lacks the English title")
		}
		for _, p := range []string{"/news/" + strconv.FormatInt(draft, 10), "/news/999999", "/news/abc"} {
			if res := e.browser().get(p); res.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: %d, want 404", p, res.StatusCode)
			}
		}
	})
}

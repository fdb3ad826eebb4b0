package content_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/content"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/shop"
)

var (
	t0    = time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	staff = audit.Actor{Name: "owner@kaede.example", IP: "192.0.2.10"}
)

func actions(t *testing.T, d *db.DB) []string {
	t.Helper()
	es, err := audit.List(context.Background(), d, audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := audit.Verify(context.Background(), d); err != nil {
		t.Fatalf("audit chain: %v", err)
	}
	out := make([]string, len(es))
	for i, e := range es {
		out[len(es)-1-i] = e.Action
	}
	return out
}

func titles(ps []content.Post) string {
	var out []string
	for _, p := range ps {
		out = append(out, p.TitleJa)
	}
	return strings.Join(out, ",")
}

func TestNewsPosts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := t0
		news := content.New(d, func() time.Time { return now })

		holiday, err := news.Create(ctx, content.Post{TitleJa: "GWの休業のお知らせ", TitleEn: "Golden Week holidays",
			BodyJa: "5月3日から6日まで休業いたします。\r\n\r\nご注文は承ります。", Status: content.StatusPublished,
			PublishedAt: t0.Add(-48 * time.Hour)}, staff)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := news.Create(ctx, content.Post{TitleJa: "新商品のご案内", BodyJa: "円皮鍼の新しいサイズ。",
			Status: content.StatusPublished}, staff); err != nil {
			t.Fatal(err)
		}
		if _, err := news.Create(ctx, content.Post{TitleJa: "価格改定（予約投稿）", BodyJa: "7月から。", Status: content.StatusPublished,
			PublishedAt: t0.Add(24 * time.Hour)}, staff); err != nil {
			t.Fatal(err)
		}
		draft, err := news.Create(ctx, content.Post{TitleJa: "下書き", BodyJa: "まだです。"}, staff)
		if err != nil {
			t.Fatal(err)
		}

		ps, err := news.Published(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := titles(ps); got != "新商品のご案内,GWの休業のお知らせ" {
			t.Fatalf("published=%s", got)
		}
		if got := content.Paragraphs(ps[1].Body("ja")); len(got) != 2 || got[1] != "ご注文は承ります。" {
			t.Fatalf("paragraphs=%q", got)
		}
		if _, err := news.PublishedPost(ctx, draft); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("draft in the store: %v", err)
		}
		all, total, err := news.AdminList(ctx, content.AdminQuery{})
		if err != nil || total != 4 || titles(all) != "価格改定（予約投稿）,下書き,新商品のご案内,GWの休業のお知らせ" {
			t.Fatalf("admin list=%s total=%d %v", titles(all), total, err)
		}
		drafts, total, err := news.AdminList(ctx, content.AdminQuery{Status: content.StatusDraft})
		if err != nil || total != 1 || titles(drafts) != "下書き" {
			t.Fatalf("drafts=%s total=%d %v", titles(drafts), total, err)
		}

		// The scheduled post appears when its date comes.
		now = t0.Add(25 * time.Hour)
		if ps, _ := news.Published(ctx, 1); titles(ps) != "価格改定（予約投稿）" {
			t.Fatalf("after its date: %s", titles(ps))
		}

		if err := news.Update(ctx, holiday, content.Post{TitleJa: "GW休業のお知らせ（更新）", BodyJa: "5月7日から営業します。",
			Status: content.StatusDraft}, staff); err != nil {
			t.Fatal(err)
		}
		p, err := news.PostByID(ctx, holiday)
		if err != nil || p.Status != content.StatusDraft || !p.PublishedAt.Equal(t0.Add(-48*time.Hour)) || p.TitleEn != "" {
			t.Fatalf("updated %+v, %v: want a draft keeping its date", p, err)
		}
		if err := news.Delete(ctx, draft, staff); err != nil {
			t.Fatal(err)
		}
		if _, err := news.PostByID(ctx, draft); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("deleted post: %v", err)
		}

		want := "news.create,news.create,news.create,news.create,news.update,news.delete"
		if got := strings.Join(actions(t, d), ","); got != want {
			t.Fatalf("audit %s, want %s", got, want)
		}
		es, _ := audit.List(ctx, d, audit.Filter{Action: "news.delete"})
		var before struct {
			TitleJa string `json:"title_ja"`
		}
		if err := json.Unmarshal([]byte(es[0].Before), &before); err != nil || before.TitleJa != "下書き" || es[0].After != "" {
			t.Fatalf("delete entry before=%s after=%s", es[0].Before, es[0].After)
		}
	})
}

func TestBadPostsChangeNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		news := content.New(d, func() time.Time { return t0 })
		id, err := news.Create(ctx, content.Post{TitleJa: "お知らせ", BodyJa: "本文"}, staff)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			post   content.Post
			fields map[string]string
		}{
			{content.Post{}, map[string]string{"title_ja": shop.ReasonRequired, "body_ja": shop.ReasonRequired}},
			{content.Post{TitleJa: "改行\nのある題", BodyJa: "ベル\a", Status: "secret"},
				map[string]string{"title_ja": shop.ReasonFormat, "body_ja": shop.ReasonFormat, "status": shop.ReasonChoice}},
			{content.Post{TitleJa: strings.Repeat("長", content.MaxTitle+1), BodyJa: strings.Repeat("文", content.MaxBody+1),
				BodyEn: "nul\x00"}, map[string]string{"title_ja": shop.ReasonLength, "body_ja": shop.ReasonLength, "body_en": shop.ReasonFormat}},
		} {
			for name, err := range map[string]error{
				"create": func() error { _, err := news.Create(ctx, tc.post, staff); return err }(),
				"update": news.Update(ctx, id, tc.post, staff),
			} {
				got := shop.ErrorFields(err)
				if shop.ErrorCode(err) != shop.Invalid || len(got) != len(tc.fields) {
					t.Fatalf("%s %+v: %v, want fields %v", name, tc.post, err, tc.fields)
				}
				for f, reason := range tc.fields {
					if got[f] != reason {
						t.Errorf("%s: %s=%q, want %q", name, f, got[f], reason)
					}
				}
			}
		}
		if err := news.Update(ctx, 999, content.Post{TitleJa: "x", BodyJa: "y"}, staff); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("update of a missing post: %v", err)
		}
		if err := news.Delete(ctx, 999, staff); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("delete of a missing post: %v", err)
		}
		p, err := news.PostByID(ctx, id)
		if err != nil || p.TitleJa != "お知らせ" {
			t.Fatalf("post=%+v, %v", p, err)
		}
		if got := strings.Join(actions(t, d), ","); got != "news.create" {
			t.Fatalf("audit %s, want only the first create", got)
		}
	})
}

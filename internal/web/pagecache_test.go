package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
)

func TestGuestPageCache(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.seedDemo()
		const page = "/category/oil"
		rename := func(name string) {
			t.Helper()
			if _, err := d.ExecContext(context.Background(), `UPDATE products SET name_ja = $1 WHERE id = (SELECT MIN(id) FROM products p WHERE p.category_id = (SELECT id FROM categories WHERE slug = 'oil'))`, name); err != nil {
				t.Fatal(err)
			}
		}
		guest := func() string {
			t.Helper()
			res := e.browser().get(page)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d", res.StatusCode)
			}
			return res.body
		}
		rename("キャッシュ前の名前")
		if !strings.Contains(guest(), "キャッシュ前の名前") {
			t.Fatal("first render lacks the product name")
		}
		rename("新しい名前")
		if body := guest(); !strings.Contains(body, "キャッシュ前の名前") {
			t.Fatal("a second guest within the TTL did not get the cached page")
		}
		// A visitor with a session never gets a shared page.
		b := e.browser()
		b.cookies["kaede_session"] = "some-session-id"
		if res := b.get(page); !strings.Contains(res.body, "新しい名前") {
			t.Fatal("a visitor with a session got the guests' cached page")
		}
		e.advance(3 * time.Second)
		if !strings.Contains(guest(), "新しい名前") {
			t.Fatal("the cached page outlived its TTL")
		}
		// English is cached apart from Japanese.
		if res := e.browser().get(page + "?lang=en"); !strings.Contains(res.body, `lang="en"`) {
			t.Fatal("English page served from the Japanese cache")
		}
	})
}

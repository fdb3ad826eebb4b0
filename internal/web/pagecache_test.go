package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/web"
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

// TestPageCacheBoundedByBytes: the pages kept never add up to more than
// web.MaxCachedPageBytes, however few they are; a page alone over the
// bound is not kept; expired pages are dropped once a page's life.
func TestPageCacheBoundedByBytes(t *testing.T) {
	var c web.PageCacheForTest
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	page := make([]byte, web.MaxCachedPageBytes/3)
	for i := range 5 {
		c.Put(fmt.Sprint("/category/", i), page, now)
		if entries, bytes := c.Held(); bytes > web.MaxCachedPageBytes || entries == 0 {
			t.Fatalf("after %d pages: %d kept of %d bytes, want 1 to %d bytes", i+1, entries, bytes, web.MaxCachedPageBytes)
		}
	}
	c.Put("/category/4", page, now)
	if _, bytes := c.Held(); bytes > web.MaxCachedPageBytes {
		t.Fatalf("%d bytes after a page was put twice, want at most %d", bytes, web.MaxCachedPageBytes)
	}
	c.Put("/huge", make([]byte, web.MaxCachedPageBytes+1), now)
	if c.Get("/huge", now) {
		t.Fatal("a page over the whole bound was kept")
	}

	c.Forget()
	c.Put("/old", []byte("old"), now)
	later := now.Add(3 * time.Second)
	c.Put("/new", []byte("new"), later)
	if entries, bytes := c.Held(); entries != 1 || bytes != 3 {
		t.Fatalf("%d pages of %d bytes after the old one expired, want 1 of 3", entries, bytes)
	}
	// After ForgetPages the bound counts from zero again.
	c.Forget()
	quarter := make([]byte, web.MaxCachedPageBytes/4)
	for i := range 4 {
		c.Put(fmt.Sprint("/category/", i), quarter, later)
	}
	if entries, _ := c.Held(); entries != 4 {
		t.Fatalf("%d pages of a quarter of the bound kept after ForgetPages, want 4 (the bound counted forgotten pages)", entries)
	}
}

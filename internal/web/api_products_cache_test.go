package web_test

import (
	"fmt"
	"testing"
	"time"

	"kaede/internal/catalog"
	"kaede/internal/web"
)

// TestProductsCacheExpires: a body is served only while the catalogue can
// still hand out the result it was encoded from, and an expired one is
// dropped rather than kept (with the catalogue's result) until the cache
// is full.
func TestProductsCacheExpires(t *testing.T) {
	var c web.ProductsCacheForTest
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	old := []catalog.Product{{Slug: "old"}}
	c.Put("old", old, 1, []byte(`{"old":1}`), now)
	if _, ok := c.Get("old", old, 1, now.Add(time.Second)); !ok {
		t.Fatal("a body one second old was not served")
	}
	if _, ok := c.Get("old", old, 1, now.Add(2*time.Second)); ok {
		t.Fatal("a body served after the catalogue's result expired")
	}
	later := now.Add(3 * time.Second)
	c.Put("new", []catalog.Product{{Slug: "new"}}, 1, []byte(`{"new":1}`), later)
	if entries, _ := c.Held(); entries != 1 {
		t.Fatalf("entries=%d after the old one expired, want 1", entries)
	}
}

// TestProductsCacheBoundedByBytes: the bodies kept never add up to more
// than web.MaxEncodedBytes, however few they are, and a body that alone
// is over the bound is not kept.
func TestProductsCacheBoundedByBytes(t *testing.T) {
	var c web.ProductsCacheForTest
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	body := make([]byte, web.MaxEncodedBytes/3)
	for i := range 5 {
		c.Put(fmt.Sprint(i), []catalog.Product{{Slug: fmt.Sprint(i)}}, 1, body, now)
		if entries, bytes := c.Held(); bytes > web.MaxEncodedBytes || entries == 0 {
			t.Fatalf("after %d puts: %d entries of %d bytes, want 1 to %d bytes", i+1, entries, bytes, web.MaxEncodedBytes)
		}
	}
	// The same key again replaces its body instead of counting it twice.
	c.Put("4", []catalog.Product{{Slug: "4"}}, 1, body, now)
	if _, bytes := c.Held(); bytes > web.MaxEncodedBytes {
		t.Fatalf("%d bytes after a key was put twice, want at most %d", bytes, web.MaxEncodedBytes)
	}
	huge := []catalog.Product{{Slug: "huge"}}
	c.Put("huge", huge, 1, make([]byte, web.MaxEncodedBytes+1), now)
	if _, ok := c.Get("huge", huge, 1, now); ok {
		t.Fatal("a body over the whole bound was kept")
	}
}

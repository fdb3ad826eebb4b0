package catalog_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"kaede/internal/catalog"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
)

func TestCacheServesRecentResultsAndForgetsThem(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		fixture(t, d)
		var mu sync.Mutex
		now := t0
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		cat := catalog.New(d, clock)
		cat.EnableCache(2 * time.Second)

		count := func() int {
			t.Helper()
			_, total, err := cat.Search(ctx, catalog.Query{Category: "oil"})
			if err != nil {
				t.Fatal(err)
			}
			return total
		}
		if got := count(); got != 2 {
			t.Fatalf("oil products=%d, want 2", got)
		}
		// A change made behind the Service's back shows after the TTL.
		if _, err := d.ExecContext(ctx, `UPDATE products SET status = 'draft' WHERE slug = 'cream'`); err != nil {
			t.Fatal(err)
		}
		if got := count(); got != 2 {
			t.Fatalf("within the TTL: oil products=%d, want the cached 2", got)
		}
		mu.Lock()
		now = now.Add(3 * time.Second)
		mu.Unlock()
		if got := count(); got != 1 {
			t.Fatalf("after the TTL: oil products=%d, want 1", got)
		}
		// A write through the Service shows at once.
		p := catalog.Product{Slug: "jojoba", CategorySlug: "oil", NameJa: "ホホバオイル", TaxClass: "standard",
			Status: catalog.StatusPublished, Variants: []catalog.Variant{{SKU: "OIL-JOJ", Price: 2200, Stock: 5}}}
		if _, err := cat.CreateProduct(ctx, p, owner); err != nil {
			t.Fatal(err)
		}
		if got := count(); got != 2 {
			t.Fatalf("after CreateProduct: oil products=%d, want 2", got)
		}
		// Invalidate does the same for writers elsewhere.
		if _, err := d.ExecContext(ctx, `UPDATE products SET status = 'published' WHERE slug = 'cream'`); err != nil {
			t.Fatal(err)
		}
		cat.Invalidate()
		if got := count(); got != 3 {
			t.Fatalf("after Invalidate: oil products=%d, want 3", got)
		}
	})
}

func TestCacheDropsExpiredResults(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		fixture(t, d)
		now := t0
		cat := catalog.New(d, func() time.Time { return now })
		cat.EnableCache(2 * time.Second)
		search := func(q string) {
			t.Helper()
			if _, _, err := cat.Search(ctx, catalog.Query{Q: q}); err != nil {
				t.Fatal(err)
			}
		}
		for _, q := range []string{"a", "b", "c", "d"} {
			search(q)
		}
		if got := catalog.CachedResults(cat); got != 4 {
			t.Fatalf("cached=%d, want 4", got)
		}
		// Past the TTL, the next result stored drops the four expired ones.
		now = now.Add(3 * time.Second)
		search("e")
		if got := catalog.CachedResults(cat); got != 1 {
			t.Fatalf("after the TTL: cached=%d, want 1 (the expired results dropped)", got)
		}
	})
}

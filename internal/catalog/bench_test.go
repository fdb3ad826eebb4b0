package catalog_test

import (
	"context"
	"testing"
	"time"

	"kaede/internal/catalog"
	"kaede/internal/db/dbtest"
	"kaede/internal/demo"
)

// BenchmarkSearchCategory lists a category with its descendants on the
// demo data, the store's most common query.
func BenchmarkSearchCategory(b *testing.B) {
	ctx := context.Background()
	d := dbtest.SQLite(b)
	now := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	cat := catalog.New(d, func() time.Time { return now })
	if err := demo.Seed(ctx, d, cat, b.TempDir(), now); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		ps, _, err := cat.Search(ctx, catalog.Query{Category: "hari", Sort: "price_asc"})
		if err != nil || len(ps) == 0 {
			b.Fatalf("search: %d products, err %v", len(ps), err)
		}
	}
}

// BenchmarkSearchTerm is a customer's free-text search over every product.
func BenchmarkSearchTerm(b *testing.B) {
	ctx := context.Background()
	d := dbtest.SQLite(b)
	now := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	cat := catalog.New(d, func() time.Time { return now })
	if err := demo.Seed(ctx, d, cat, b.TempDir(), now); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, err := cat.Search(ctx, catalog.Query{Q: "マッサージ オイル"}); err != nil {
			b.Fatal(err)
		}
	}
}

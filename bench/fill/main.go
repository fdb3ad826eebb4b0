// Command fill adds a category of exactly 30 products to a demo database,
// so that bench/run.sh measures a category page of 30 products: copies of
// the demo's published products, with their own slugs and SKUs, sharing
// the demo's images.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"kaede/internal/audit"
	"kaede/internal/catalog"
	"kaede/internal/db"
	"kaede/internal/demo"
	"kaede/internal/shop"
)

func main() {
	data := flag.String("data", "", "the demo's data directory (the store must be stopped)")
	count := flag.Int("count", 30, "products in the category")
	flag.Parse()
	if err := fill(context.Background(), *data, *count); err != nil {
		fmt.Fprintln(os.Stderr, "fill:", err)
		os.Exit(1)
	}
}

func fill(ctx context.Context, dir string, count int) error {
	if dir == "" {
		return fmt.Errorf("--data is required")
	}
	d, err := db.Open(ctx, filepath.Join(dir, "kaede.db"))
	if err != nil {
		return err
	}
	defer d.Close()
	cat := catalog.New(d, shop.SystemClock)
	by := audit.System("bench")
	if _, err := cat.CreateCategory(ctx, catalog.Category{Slug: "bench", NameJa: "ベンチマーク用", NameEn: "Benchmark", Position: 99}, by); err != nil {
		return err
	}
	var ps []catalog.Product
	for _, p := range demo.Products(time.Now()) {
		if len(ps) == count {
			break
		}
		if p.Status != catalog.StatusPublished {
			continue
		}
		p.Slug = "bench-" + p.Slug
		p.CategorySlug, p.CategoryID = "bench", 0
		for i := range p.Variants {
			p.Variants[i].SKU = "BENCH-" + p.Variants[i].SKU
		}
		ps = append(ps, p)
	}
	if len(ps) < count {
		return fmt.Errorf("the demo has only %d published products", len(ps))
	}
	_, err = cat.CreateProducts(ctx, ps, by)
	return err
}

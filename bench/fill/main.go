// Command fill adds benchmark data to a stopped demo's database.
//
// By default it adds a category of exactly 30 products, so that
// bench/run.sh measures a category page of 30 products: copies of the
// demo's published products, with their own slugs and SKUs, sharing the
// demo's images.
//
// With --products and --orders it builds a large shop instead, for
// bench/memory.sh: that many copies of the demo's products in categories of
// --per-category, and that many past orders of members and guests (see
// large.go).
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
	var l large
	flag.IntVar(&l.products, "products", 0, "large shop: products to add (0: the 30-product category only)")
	flag.IntVar(&l.perCategory, "per-category", 100, "large shop: products per category")
	flag.IntVar(&l.orders, "orders", 0, "large shop: past orders to add")
	flag.IntVar(&l.members, "members", 5000, "large shop: members who placed the members' orders")
	flag.Parse()
	var err error
	if l.products > 0 || l.orders > 0 {
		err = l.fill(context.Background(), *data)
	} else {
		err = fill(context.Background(), *data, *count)
	}
	if err != nil {
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

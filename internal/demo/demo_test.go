package demo_test

import (
	"context"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kaede/internal/audit"
	"kaede/internal/catalog"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/demo"
	"kaede/internal/shop"
)

var now = time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)

func TestSeed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		cat := catalog.New(d, func() time.Time { return now })
		media := t.TempDir()
		if err := demo.Seed(ctx, d, cat, media, now); err != nil {
			t.Fatalf("seed: %v", err)
		}
		ps, total, err := cat.Search(ctx, catalog.Query{Limit: catalog.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		if total < 30 || len(ps) != total {
			t.Fatalf("%d published products (%d on the page), want at least 30", total, len(ps))
		}
		checkVariety(t, ps)
		for _, p := range ps {
			checkImage(t, media, p)
		}
		if _, err := cat.ProductBySlug(ctx, "kaede-silver-needle"); shop.ErrorCode(err) != shop.NotFound {
			t.Errorf("the draft is visible: err=%v", err)
		}
		for _, q := range []string{"鍼", "マッサージオイル", "ドクダミ", "seirin-j-0.16x30"} {
			if _, n, err := cat.Search(ctx, catalog.Query{Q: q}); err != nil || n == 0 {
				t.Errorf("search %q: %d found, err %v", q, n, err)
			}
		}
		checkAudited(t, d, len(demo.Products(now)))
		if err := demo.Seed(ctx, d, cat, media, now); !errors.Is(err, demo.ErrNotEmpty) {
			t.Fatalf("second seed: err=%v, want ErrNotEmpty", err)
		}
	})
}

// checkAudited asserts that every demo product and category is in the
// audit log, created by the shop itself, and that the chain verifies.
func checkAudited(t *testing.T, d *db.DB, products int) {
	t.Helper()
	ctx := context.Background()
	es, err := audit.List(ctx, d, audit.Filter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, e := range es {
		if e.Actor != "system:demo" || e.IP != "" {
			t.Errorf("entry %d (%s) by %q from %q, want system:demo", e.ID, e.Action, e.Actor, e.IP)
		}
		count[e.Action]++
	}
	if count["catalog.product.create"] != products {
		t.Errorf("%d catalog.product.create entries, want %d", count["catalog.product.create"], products)
	}
	var categories int
	for _, c := range demo.Categories() {
		categories += 1 + len(c.Children)
	}
	if count["catalog.category.create"] != categories || len(count) != 2 {
		t.Errorf("entries %v, want %d catalog.category.create and nothing else", count, categories)
	}
	if n, err := audit.Verify(ctx, d); err != nil || n != len(es) {
		t.Fatalf("Verify=%d, %v; want %d, nil", n, err, len(es))
	}
}

// checkVariety asserts the demo shows every case the store has to render.
func checkVariety(t *testing.T, ps []catalog.Product) {
	t.Helper()
	categories := map[string]bool{}
	var reduced, practitioners, memberPrices, lowStock, soldOut, matrix int
	for _, p := range ps {
		categories[p.CategorySlug] = true
		if p.TaxClass == shop.TaxReduced {
			reduced++
		}
		if p.PractitionersOnly {
			practitioners++
		}
		if len(p.Variants) >= 6 {
			matrix++
		}
		for _, v := range p.Variants {
			if v.MemberPrice > 0 {
				memberPrices++
			}
			switch {
			case v.Stock == 0:
				soldOut++
			case v.Stock <= 3:
				lowStock++
			}
			if strings.TrimSpace(v.SKU) == "" || v.Price <= 0 {
				t.Errorf("%s: variant %+v", p.Slug, v)
			}
		}
		if n := strings.Count(p.DescriptionJa, "。"); n < 2 || n > 3 {
			t.Errorf("%s: description has %d sentences, want 2 or 3", p.Slug, n)
		}
		if p.NameEn == "" {
			t.Errorf("%s: no English name", p.Slug)
		}
	}
	got := map[string]int{"categories": len(categories), "reduced": reduced, "practitioners only": practitioners,
		"member prices": memberPrices, "low stock": lowStock, "sold out": soldOut, "size matrices": matrix}
	want := map[string]int{"categories": 5, "reduced": 2, "practitioners only": 2,
		"member prices": 3, "low stock": 2, "sold out": 1, "size matrices": 2}
	for k, min := range want {
		if got[k] < min {
			t.Errorf("%s: %d, want at least %d", k, got[k], min)
		}
	}
}

// checkImage asserts p has one image and that its file is a 480×480 PNG.
func checkImage(t *testing.T, media string, p catalog.Product) {
	t.Helper()
	if len(p.Images) != 1 || p.Images[0].Path != "/media/products/"+p.Slug+".png" || p.Images[0].AltJa == "" {
		t.Errorf("%s: images %+v", p.Slug, p.Images)
		return
	}
	f, err := os.Open(filepath.Join(media, "products", p.Slug+".png"))
	if err != nil {
		t.Errorf("%s: %v", p.Slug, err)
		return
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil || cfg.Width != 480 || cfg.Height != 480 {
		t.Errorf("%s: png %dx%d, err %v", p.Slug, cfg.Width, cfg.Height, err)
	}
}

func TestSeedRefusesACatalogueInUse(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	cat := catalog.New(d, shop.SystemClock)
	if _, err := cat.CreateCategory(ctx, catalog.Category{Slug: "mine", NameJa: "自社商品"}, audit.Actor{Name: "owner@kaede.example"}); err != nil {
		t.Fatal(err)
	}
	media := t.TempDir()
	if err := demo.Seed(ctx, d, cat, media, now); !errors.Is(err, demo.ErrNotEmpty) {
		t.Fatalf("seed: err=%v, want ErrNotEmpty", err)
	}
	if entries, _ := os.ReadDir(media); len(entries) != 0 {
		t.Fatalf("refused seed wrote %d files", len(entries))
	}
}

// Package demo fills an empty database with a believable catalogue for an
// acupuncture and massage supplies shop, in Japanese with English beside,
// and draws a simple picture for every product.
package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"kaede/internal/audit"
	"kaede/internal/catalog"
	"kaede/internal/db"
	"kaede/internal/settings"
)

// ErrNotEmpty is returned by Seed when the catalogue already holds data:
// demo products must never mix with a shop's real ones.
var ErrNotEmpty = errors.New("the catalogue is not empty")

// actor is who the audit log names for the demo data: the shop itself.
var actor = audit.System("demo")

// Seed creates the demo categories and products in d, through cat's
// audited methods (as staff create them, with audit.System("demo") as the
// actor), and writes their images under mediaDir/products. The products
// are created over the days before now, so that "newest" differs from the
// shop's recommended order. It refuses a database that already has
// categories or products; the categories' unique slugs stop two seeds that
// race.
func Seed(ctx context.Context, d *db.DB, cat *catalog.Service, mediaDir string, now time.Time) error {
	return seed(ctx, d, cat, mediaDir, now, 1)
}

// seed is Seed with the usual stock multiplied by scale: a shop with more
// trade keeps more in stock (the breach scenario with more orders).
func seed(ctx context.Context, d *db.DB, cat *catalog.Service, mediaDir string, now time.Time, scale int) error {
	var n int
	err := d.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM categories) + (SELECT COUNT(*) FROM products)`).Scan(&n)
	if err != nil {
		return fmt.Errorf("seed demo data: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("seed demo data: %w", ErrNotEmpty)
	}
	ps := Products(now)
	for i := range ps {
		for j, v := range ps[i].Variants {
			if _, low := stockOf[v.SKU]; !low {
				ps[i].Variants[j].Stock *= scale
			}
		}
	}
	// Images first: if writing them fails, nothing is in the database yet.
	if err := writeImages(mediaDir, ps); err != nil {
		return fmt.Errorf("seed demo data: %w", err)
	}
	// One transaction per top-level category (with its subtree), one for
	// all the products.
	for _, c := range Categories() {
		if _, err := cat.CreateCategory(ctx, c, actor); err != nil {
			return fmt.Errorf("seed demo data: %w", err)
		}
	}
	if _, err := cat.CreateProducts(ctx, ps, actor); err != nil {
		return fmt.Errorf("seed demo data: %w", err)
	}
	return nil
}

// Categories returns the demo category tree. Child slugs begin with their
// root's slug, which the images use to pick a colour and a shape.
func Categories() []catalog.Category {
	return []catalog.Category{
		{Slug: "hari", NameJa: "鍼（はり）", NameEn: "Acupuncture needles", Position: 1, Children: []*catalog.Category{
			{Slug: "hari-disposable", NameJa: "ディスポ鍼", NameEn: "Disposable needles", Position: 1},
			{Slug: "hari-enpi", NameJa: "円皮鍼・刺さない鍼", NameEn: "Press needles and tacks", Position: 2},
			{Slug: "hari-supplies", NameJa: "鍼灸用品", NameEn: "Acupuncture supplies", Position: 3},
		}},
		{Slug: "kyu", NameJa: "灸・もぐさ", NameEn: "Moxibustion", Position: 2},
		{Slug: "oil", NameJa: "マッサージオイル・クリーム", NameEn: "Massage oils and creams", Position: 3},
		{Slug: "linen", NameJa: "タオル・リネン", NameEn: "Towels and linen", Position: 4},
		{Slug: "bed", NameJa: "施術ベッド用品", NameEn: "Treatment bed supplies", Position: 5},
		{Slug: "books", NameJa: "書籍", NameEn: "Books", Position: 6},
		{Slug: "food", NameJa: "健康茶・食品", NameEn: "Herbal teas and foods", Position: 7},
	}
}

// EnableWallets turns konbini and PayPay on in a new demo shop's settings
// (a shop turns them on itself once its provider takes them): the demo's
// test gateway simulates both, the konbini voucher with its clerk's
// button and PayPay's approval page.
func EnableWallets(ctx context.Context, s *settings.Service) error {
	st, err := s.Get(ctx)
	if err != nil {
		return err
	}
	st.EnableKonbini, st.EnablePayPay = true, true
	return s.Save(ctx, st, actor)
}

// Package carttest writes catalog and member rows with plain SQL for the
// tests of cart, checkout and order, so that they depend on the schema
// only, not on the catalog and member packages.
package carttest

import (
	"context"
	"strings"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/shop"
)

// Variant describes a product with one variant for a test.
type Variant struct {
	SKU               string
	Price             shop.Yen // tax included
	MemberPrice       shop.Yen // 0: none
	Stock             int
	MaxPerOrder       int // 0: the schema's default, 99
	Reduced           bool
	PractitionersOnly bool
	Draft             bool
	Image             string // a path, or none
}

var created = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// AddVariant inserts a product holding the one variant and returns the
// variant's id.
func AddVariant(tb testing.TB, d *db.DB, v Variant) int64 {
	tb.Helper()
	ctx := context.Background()
	_, err := d.ExecContext(ctx, `INSERT INTO categories (slug, name_ja, name_en) VALUES ('test', 'テスト', 'Test')
		ON CONFLICT (slug) DO NOTHING`)
	if err != nil {
		tb.Fatalf("insert category: %v", err)
	}
	class, status := shop.TaxStandard, "published"
	if v.Reduced {
		class = shop.TaxReduced
	}
	if v.Draft {
		status = "draft"
	}
	var productID int64
	err = d.QueryRowContext(ctx, `INSERT INTO products (slug, category_id, name_ja, name_en, tax_class, status,
			practitioners_only, created_at, updated_at)
		VALUES ($1, (SELECT id FROM categories WHERE slug = 'test'), $2, $3, $4, $5, $6, $7, $7) RETURNING id`,
		strings.ToLower(v.SKU), "商品"+v.SKU, "Product "+v.SKU, class, status, v.PractitionersOnly, created).Scan(&productID)
	if err != nil {
		tb.Fatalf("insert product %s: %v", v.SKU, err)
	}
	if v.Image != "" {
		if _, err := d.ExecContext(ctx, `INSERT INTO product_images (product_id, path) VALUES ($1, $2)`, productID, v.Image); err != nil {
			tb.Fatalf("insert image: %v", err)
		}
	}
	var memberPrice any
	if v.MemberPrice != 0 {
		memberPrice = v.MemberPrice
	}
	max := v.MaxPerOrder
	if max == 0 {
		max = 99
	}
	var id int64
	err = d.QueryRowContext(ctx, `INSERT INTO variants (product_id, sku, label_ja, label_en, price, member_price, stock, max_per_order)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		productID, v.SKU, "ラベル", "Label", v.Price, memberPrice, v.Stock, max).Scan(&id)
	if err != nil {
		tb.Fatalf("insert variant %s: %v", v.SKU, err)
	}
	return id
}

// AddMember inserts a member, an approved practitioner or not, and returns
// the member's id.
func AddMember(tb testing.TB, d *db.DB, email string, practitioner bool) int64 {
	tb.Helper()
	state := "none"
	if practitioner {
		state = "approved"
	}
	var id int64
	err := d.QueryRowContext(context.Background(), `INSERT INTO members (email, password_hash, name, practitioner, created_at)
		VALUES ($1, 'x', 'テスト会員', $2, $3) RETURNING id`, email, state, created).Scan(&id)
	if err != nil {
		tb.Fatalf("insert member %s: %v", email, err)
	}
	return id
}

// Stock returns the variant's stock.
func Stock(tb testing.TB, d *db.DB, sku string) int {
	tb.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), `SELECT stock FROM variants WHERE sku = $1`, sku).Scan(&n); err != nil {
		tb.Fatalf("read stock of %s: %v", sku, err)
	}
	return n
}

// Count returns the number of rows in a table, which the test names.
func Count(tb testing.TB, d *db.DB, table string) int {
	tb.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		tb.Fatalf("count %s: %v", table, err)
	}
	return n
}

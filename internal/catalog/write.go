package catalog

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"

	"kaede/internal/db"
	"kaede/internal/shop"
)

// Limits on what a product may hold.
const (
	maxPrice        = 10_000_000 // yen, tax included
	maxStock        = 1_000_000
	maxPerOrder     = 999
	defaultPerOrder = 99
)

var skuPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// insertProduct validates p against the categories and the rows already
// in tx, then inserts it, its variants and its images.
func (s *Service) insertProduct(ctx context.Context, tx *sql.Tx, p Product, cats []*Category, prefix string) (int64, error) {
	p = clean(p)
	problems := shop.Problems{}
	p.CategoryID = resolveCategory(problems, prefix, p, cats)
	validateProduct(problems, prefix, p)
	if err := checkTaken(ctx, tx, problems, prefix+"slug", `SELECT COUNT(*) FROM products WHERE slug = $1`, p.Slug); err != nil {
		return 0, err
	}
	for i, v := range p.Variants {
		field := fmt.Sprintf("%svariants[%d].sku", prefix, i)
		if err := checkTaken(ctx, tx, problems, field, `SELECT COUNT(*) FROM variants WHERE sku = $1`, v.SKU); err != nil {
			return 0, err
		}
	}
	if err := problems.Err(); err != nil {
		return 0, err
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = s.clock()
	}
	p.CreatedAt = p.CreatedAt.UTC()
	p.UpdatedAt = p.CreatedAt
	err := tx.QueryRowContext(ctx, `
		INSERT INTO products (slug, category_id, name_ja, name_en, name_kana, description_ja, description_en,
			tax_class, status, practitioners_only, search_text, position, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
		RETURNING id`,
		p.Slug, p.CategoryID, p.NameJa, p.NameEn, p.NameKana, p.DescriptionJa, p.DescriptionEn,
		string(p.TaxClass), p.Status, p.PractitionersOnly, searchText(p, ancestorNames(cats, p.CategoryID)),
		p.Position, p.CreatedAt, p.UpdatedAt).Scan(&p.ID)
	if db.IsUniqueViolation(err) {
		return 0, shop.Problems{prefix + "slug": shop.ReasonTaken}.Err()
	}
	if err != nil {
		return 0, err
	}
	if err := insertVariants(ctx, tx, p, prefix); err != nil {
		return 0, err
	}
	return p.ID, insertImages(ctx, tx, p)
}

// clean trims what people type around the values and fills in defaults.
func clean(p Product) Product {
	p.Slug = strings.TrimSpace(p.Slug)
	p.NameJa, p.NameEn = strings.TrimSpace(p.NameJa), strings.TrimSpace(p.NameEn)
	if k, ok := shop.NormalizeKana(p.NameKana); ok {
		p.NameKana = k
	}
	// One kind of line break: browsers send CRLF from a textarea, and a
	// CSV round trip (encoding/csv) reads LF.
	crlf := strings.NewReplacer("\r\n", "\n")
	p.DescriptionJa = strings.TrimSpace(crlf.Replace(p.DescriptionJa))
	p.DescriptionEn = strings.TrimSpace(crlf.Replace(p.DescriptionEn))
	if p.Status == "" {
		p.Status = StatusDraft
	}
	vs := make([]Variant, len(p.Variants))
	for i, v := range p.Variants {
		v.SKU = strings.TrimSpace(v.SKU)
		v.LabelJa, v.LabelEn = strings.TrimSpace(v.LabelJa), strings.TrimSpace(v.LabelEn)
		if v.MaxPerOrder == 0 {
			v.MaxPerOrder = defaultPerOrder
		}
		vs[i] = v
	}
	p.Variants = vs
	return p
}

// resolveCategory returns the id of p's category, found by id or by slug.
func resolveCategory(problems shop.Problems, prefix string, p Product, cats []*Category) int64 {
	for _, c := range cats {
		if (p.CategoryID != 0 && c.ID == p.CategoryID) || (p.CategoryID == 0 && p.CategorySlug != "" && c.Slug == p.CategorySlug) {
			return c.ID
		}
	}
	if p.CategoryID == 0 && p.CategorySlug == "" {
		problems.Add(prefix+"category_id", shop.ReasonRequired)
	} else {
		problems.Add(prefix+"category_id", shop.ReasonChoice)
	}
	return 0
}

// validateProduct checks everything about p that needs no database.
func validateProduct(problems shop.Problems, prefix string, p Product) {
	checkSlug(problems, prefix+"slug", p.Slug)
	shop.CheckText(problems, prefix+"name_ja", p.NameJa, true, 200)
	shop.CheckText(problems, prefix+"name_en", p.NameEn, false, 200)
	if p.NameKana != "" {
		if _, ok := shop.NormalizeKana(p.NameKana); !ok {
			problems.Add(prefix+"name_kana", shop.ReasonFormat)
		}
	}
	checkLongText(problems, prefix+"description_ja", p.DescriptionJa)
	checkLongText(problems, prefix+"description_en", p.DescriptionEn)
	if p.TaxClass == "" {
		problems.Add(prefix+"tax_class", shop.ReasonRequired)
	} else if !p.TaxClass.Valid() {
		problems.Add(prefix+"tax_class", shop.ReasonChoice)
	}
	if p.Status != StatusDraft && p.Status != StatusPublished {
		problems.Add(prefix+"status", shop.ReasonChoice)
	}
	if len(p.Variants) == 0 {
		problems.Add(prefix+"variants", shop.ReasonRequired)
	}
	seen := map[string]bool{}
	for i, v := range p.Variants {
		f := fmt.Sprintf("%svariants[%d].", prefix, i)
		validateVariant(problems, f, v)
		if seen[v.SKU] {
			problems.Add(f+"sku", shop.ReasonTaken)
		}
		seen[v.SKU] = true
	}
	for i, img := range p.Images {
		validateImage(problems, fmt.Sprintf("%simages[%d].", prefix, i), img)
	}
}

func validateImage(problems shop.Problems, f string, img Image) {
	if !strings.HasPrefix(img.Path, "/") || strings.Contains(img.Path, "..") {
		problems.Add(f+"path", shop.ReasonFormat)
	}
	shop.CheckText(problems, f+"path", img.Path, true, 300)
	shop.CheckText(problems, f+"alt_ja", img.AltJa, false, 200)
	shop.CheckText(problems, f+"alt_en", img.AltEn, false, 200)
}

func validateVariant(problems shop.Problems, f string, v Variant) {
	switch {
	case v.SKU == "":
		problems.Add(f+"sku", shop.ReasonRequired)
	case !skuPattern.MatchString(v.SKU):
		problems.Add(f+"sku", shop.ReasonFormat)
	}
	shop.CheckText(problems, f+"label_ja", v.LabelJa, false, 100)
	shop.CheckText(problems, f+"label_en", v.LabelEn, false, 100)
	if v.Price < 0 || v.Price > maxPrice {
		problems.Add(f+"price", shop.ReasonRange)
	}
	// A member price is a discount: never negative, never above the price.
	if v.MemberPrice < 0 || v.MemberPrice > v.Price {
		problems.Add(f+"member_price", shop.ReasonRange)
	}
	if v.Stock < 0 || v.Stock > maxStock {
		problems.Add(f+"stock", shop.ReasonRange)
	}
	if v.MaxPerOrder < 1 || v.MaxPerOrder > maxPerOrder {
		problems.Add(f+"max_per_order", shop.ReasonRange)
	}
}

// checkLongText allows line breaks, which a description has and a name does not.
func checkLongText(problems shop.Problems, field, v string) {
	shop.CheckMultiline(problems, field, v, false, 5000)
}

func insertVariants(ctx context.Context, tx *sql.Tx, p Product, prefix string) error {
	for i, v := range p.Variants {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO variants (product_id, sku, label_ja, label_en, price, member_price, stock, max_per_order, position)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			p.ID, v.SKU, v.LabelJa, v.LabelEn, int64(v.Price), nullIfZero(int64(v.MemberPrice)), v.Stock, v.MaxPerOrder, i)
		if db.IsUniqueViolation(err) {
			return shop.Problems{fmt.Sprintf("%svariants[%d].sku", prefix, i): shop.ReasonTaken}.Err()
		}
		if err != nil {
			return fmt.Errorf("insert variant %s: %w", v.SKU, err)
		}
	}
	return nil
}

func insertImages(ctx context.Context, tx *sql.Tx, p Product) error {
	for i, img := range p.Images {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO product_images (product_id, path, alt_ja, alt_en, position, width, height)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			p.ID, img.Path, img.AltJa, img.AltEn, i, max(img.Width, 0), max(img.Height, 0))
		if err != nil {
			return fmt.Errorf("insert image %s: %w", img.Path, err)
		}
	}
	return nil
}

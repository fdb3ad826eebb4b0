package catalog

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"kaede/internal/db"
	"kaede/internal/shop"
)

// productSelect reads the columns queryProducts scans, from products p
// joined to their category c.
const productSelect = `
	SELECT p.id, p.slug, p.category_id, c.slug, p.name_ja, p.name_en, p.name_kana,
		p.description_ja, p.description_en, p.tax_class, p.status,
		p.practitioners_only, p.position, p.created_at, p.updated_at
	FROM products p JOIN categories c ON c.id = p.category_id`

// queryProducts runs a productSelect query; variants and images are loaded
// afterwards by loadDetails, for all the products at once.
func queryProducts(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]Product, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ps []Product
	for rows.Next() {
		var p Product
		if err := rows.Scan(&p.ID, &p.Slug, &p.CategoryID, &p.CategorySlug, &p.NameJa, &p.NameEn, &p.NameKana,
			&p.DescriptionJa, &p.DescriptionEn, &p.TaxClass, &p.Status,
			&p.PractitionersOnly, &p.Position, &p.CreatedAt, &p.UpdatedAt); err != nil {
			return nil, err
		}
		p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
		ps = append(ps, p)
	}
	return ps, rows.Err()
}

// loadDetails fills in the variants and images of ps with one query each,
// however many products there are.
func loadDetails(ctx context.Context, tx *sql.Tx, ps []Product) error {
	if len(ps) == 0 {
		return nil
	}
	index := make(map[int64]int, len(ps))
	ids := make([]any, len(ps))
	marks := make([]string, len(ps))
	for i, p := range ps {
		index[p.ID] = i
		ids[i] = p.ID
		marks[i] = "$" + strconv.Itoa(i+1)
	}
	in := "(" + strings.Join(marks, ", ") + ")"
	rows, err := tx.QueryContext(ctx, `
		SELECT id, product_id, sku, label_ja, label_en, price, COALESCE(member_price, 0), stock, max_per_order
		FROM variants
		WHERE product_id IN `+in+`
		ORDER BY product_id, position, id`, ids...)
	if err != nil {
		return fmt.Errorf("load variants: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var v Variant
		if err := rows.Scan(&v.ID, &v.ProductID, &v.SKU, &v.LabelJa, &v.LabelEn, &v.Price, &v.MemberPrice, &v.Stock, &v.MaxPerOrder); err != nil {
			return fmt.Errorf("load variants: %w", err)
		}
		p := &ps[index[v.ProductID]]
		p.Variants = append(p.Variants, v)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load variants: %w", err)
	}
	if err := loadImages(ctx, tx, ps, index, in, ids); err != nil {
		return err
	}
	return loadTagsAndRelated(ctx, tx, ps, index, in, ids)
}

func loadImages(ctx context.Context, tx *sql.Tx, ps []Product, index map[int64]int, in string, ids []any) error {
	rows, err := tx.QueryContext(ctx, `
		SELECT product_id, path, alt_ja, alt_en, width, height
		FROM product_images
		WHERE product_id IN `+in+`
		ORDER BY product_id, position, id`, ids...)
	if err != nil {
		return fmt.Errorf("load images: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var img Image
		if err := rows.Scan(&id, &img.Path, &img.AltJa, &img.AltEn, &img.Width, &img.Height); err != nil {
			return fmt.Errorf("load images: %w", err)
		}
		p := &ps[index[id]]
		p.Images = append(p.Images, img)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load images: %w", err)
	}
	return nil
}

// ProductBySlug returns a published product with its variants and images,
// or a NotFound error: a draft is not found by customers.
func (s *Service) ProductBySlug(ctx context.Context, slug string) (*Product, error) {
	return cached(s, "product\x00"+slug, func() (*Product, error) { return s.productBySlug(ctx, slug) })
}

func (s *Service) productBySlug(ctx context.Context, slug string) (*Product, error) {
	p, err := s.oneProduct(ctx, `WHERE p.slug = $1 AND p.status = 'published'`, slug)
	if err != nil {
		return nil, fmt.Errorf("product %q: %w", slug, err)
	}
	return p, nil
}

// VariantBySKU returns a published product and its variant with the SKU,
// or a NotFound error.
func (s *Service) VariantBySKU(ctx context.Context, sku string) (*Product, *Variant, error) {
	p, err := s.oneProduct(ctx, `WHERE p.status = 'published'
		AND p.id = (SELECT product_id FROM variants WHERE sku = $1)`, sku)
	if err != nil {
		return nil, nil, fmt.Errorf("variant %q: %w", sku, err)
	}
	for i := range p.Variants {
		if p.Variants[i].SKU == sku {
			return p, &p.Variants[i], nil
		}
	}
	return nil, nil, fmt.Errorf("variant %q: %w", sku, shop.Errorf(shop.NotFound, "no such product"))
}

// VariantByID returns a published product and its variant with the id, or
// a NotFound error; carts refer to variants by id.
func (s *Service) VariantByID(ctx context.Context, id int64) (*Product, *Variant, error) {
	p, err := s.oneProduct(ctx, `WHERE p.status = 'published'
		AND p.id = (SELECT product_id FROM variants WHERE id = $1)`, id)
	if err != nil {
		return nil, nil, fmt.Errorf("variant %d: %w", id, err)
	}
	for i := range p.Variants {
		if p.Variants[i].ID == id {
			return p, &p.Variants[i], nil
		}
	}
	return nil, nil, fmt.Errorf("variant %d: %w", id, shop.Errorf(shop.NotFound, "no such product"))
}

// oneProduct reads the single product that where selects, with its details.
func (s *Service) oneProduct(ctx context.Context, where string, arg any) (*Product, error) {
	var ps []Product
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		if ps, err = queryProducts(ctx, tx, productSelect+" "+where, arg); err != nil {
			return err
		}
		return loadDetails(ctx, tx, ps)
	})
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, shop.Errorf(shop.NotFound, "no such product")
	}
	return &ps[0], nil
}

// ProductsByID returns the published products among ids, in the order of
// ids, with their details: for lists kept as ids elsewhere (a member's
// favourites, related products). Ids of drafts and deleted products are
// left out.
func (s *Service) ProductsByID(ctx context.Context, ids []int64) ([]Product, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var args db.Args
	marks := make([]string, len(ids))
	for i, id := range ids {
		marks[i] = args.Add(id)
	}
	var ps []Product
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		ps, err = queryProducts(ctx, tx, productSelect+` WHERE p.status = 'published' AND p.id IN (`+strings.Join(marks, ", ")+`)`, args...)
		if err != nil {
			return err
		}
		return loadDetails(ctx, tx, ps)
	})
	if err != nil {
		return nil, fmt.Errorf("products by id: %w", err)
	}
	byID := make(map[int64]Product, len(ps))
	for _, p := range ps {
		byID[p.ID] = p
	}
	out := make([]Product, 0, len(ps))
	for _, id := range ids {
		if p, ok := byID[id]; ok {
			out = append(out, p)
			delete(byID, id) // an id listed twice is shown once
		}
	}
	return out, nil
}

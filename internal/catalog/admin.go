package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/shop"
)

// change is what one audited write tells the audit log. Before and After
// are marshalled to JSON; nil leaves them empty.
type change struct {
	action string
	target string
	before any
	after  any
}

// audited runs fn in one transaction and appends fn's audit entry in that
// same transaction, so that a change and its record commit together or
// not at all. The cache is cleared only after the commit.
func (s *Service) audited(ctx context.Context, by audit.Actor, fn func(tx *sql.Tx) (change, error)) error {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		c, err := fn(tx)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.clock(), by, c.action, c.target, c.before, c.after)
	})
	if err != nil {
		return err
	}
	s.cache.clear()
	return nil
}

// productState is a product as the audit log records it.
type productState struct {
	ID                int64          `json:"id"`
	Slug              string         `json:"slug"`
	CategoryID        int64          `json:"category_id"`
	NameJa            string         `json:"name_ja"`
	NameEn            string         `json:"name_en"`
	NameKana          string         `json:"name_kana"`
	DescriptionJa     string         `json:"description_ja"`
	DescriptionEn     string         `json:"description_en"`
	TaxClass          shop.TaxClass  `json:"tax_class"`
	Status            string         `json:"status"`
	PractitionersOnly bool           `json:"practitioners_only"`
	Position          int            `json:"position"`
	Variants          []variantState `json:"variants"`
	Images            []imageState   `json:"images"`
}

// variantState is a variant as the audit log records it.
type variantState struct {
	ID          int64    `json:"id"`
	ProductID   int64    `json:"product_id"`
	SKU         string   `json:"sku"`
	LabelJa     string   `json:"label_ja"`
	LabelEn     string   `json:"label_en"`
	Price       shop.Yen `json:"price"`
	MemberPrice shop.Yen `json:"member_price"`
	Stock       int      `json:"stock"`
	MaxPerOrder int      `json:"max_per_order"`
}

type imageState struct {
	Path  string `json:"path"`
	AltJa string `json:"alt_ja"`
	AltEn string `json:"alt_en"`
}

func stateOf(p *Product) productState {
	st := productState{ID: p.ID, Slug: p.Slug, CategoryID: p.CategoryID, NameJa: p.NameJa, NameEn: p.NameEn,
		NameKana: p.NameKana, DescriptionJa: p.DescriptionJa, DescriptionEn: p.DescriptionEn, TaxClass: p.TaxClass,
		Status: p.Status, PractitionersOnly: p.PractitionersOnly, Position: p.Position,
		Variants: []variantState{}, Images: []imageState{}}
	for _, v := range p.Variants {
		st.Variants = append(st.Variants, variantStateOf(v))
	}
	for _, img := range p.Images {
		st.Images = append(st.Images, imageState{Path: img.Path, AltJa: img.AltJa, AltEn: img.AltEn})
	}
	return st
}

func variantStateOf(v Variant) variantState {
	return variantState{ID: v.ID, ProductID: v.ProductID, SKU: v.SKU, LabelJa: v.LabelJa, LabelEn: v.LabelEn,
		Price: v.Price, MemberPrice: v.MemberPrice, Stock: v.Stock, MaxPerOrder: v.MaxPerOrder}
}

func productTarget(id int64) string { return "product:" + strconv.FormatInt(id, 10) }
func variantTarget(id int64) string { return "variant:" + strconv.FormatInt(id, 10) }

// lockProduct reads the product with the id, draft or published, with its
// details, and on PostgreSQL locks its row until tx ends, so that the
// audit entry's Before is the state the change replaced.
func (s *Service) lockProduct(ctx context.Context, tx *sql.Tx, id int64) (*Product, error) {
	ps, err := queryProducts(ctx, tx, productSelect+` WHERE p.id = $1`+s.db.ForUpdate(), id)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, shop.Errorf(shop.NotFound, "no such product")
	}
	if err := loadDetails(ctx, tx, ps); err != nil {
		return nil, err
	}
	return &ps[0], nil
}

// lockVariant reads the variant with the id and locks its row (PostgreSQL).
func (s *Service) lockVariant(ctx context.Context, tx *sql.Tx, id int64) (Variant, error) {
	var v Variant
	err := tx.QueryRowContext(ctx, `
		SELECT id, product_id, sku, label_ja, label_en, price, COALESCE(member_price, 0), stock, max_per_order
		FROM variants
		WHERE id = $1`+s.db.ForUpdate(), id).
		Scan(&v.ID, &v.ProductID, &v.SKU, &v.LabelJa, &v.LabelEn, &v.Price, &v.MemberPrice, &v.Stock, &v.MaxPerOrder)
	if errors.Is(err, sql.ErrNoRows) {
		return Variant{}, shop.Errorf(shop.NotFound, "no such variant")
	}
	return v, err
}

// refresh recomputes the product's search text from what tx now holds,
// stamps updated_at, and returns the product as it now is. Every write to
// a product, its variants or its categories goes through here, so that
// search never runs on stale text.
func (s *Service) refresh(ctx context.Context, tx *sql.Tx, id int64) (*Product, error) {
	p, err := s.lockProduct(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	cats, err := loadCategories(ctx, tx)
	if err != nil {
		return nil, err
	}
	p.UpdatedAt = s.clock().UTC()
	_, err = tx.ExecContext(ctx, `UPDATE products SET search_text = $1, updated_at = $2 WHERE id = $3`,
		searchText(*p, ancestorNames(cats, p.CategoryID)), p.UpdatedAt, id)
	if err != nil {
		return nil, fmt.Errorf("refresh search text: %w", err)
	}
	return p, nil
}

// reindex recomputes the search text of the products in the categories,
// whose names (or ancestors) changed; the products themselves did not, so
// their updated_at stays.
func reindex(ctx context.Context, tx *sql.Tx, categoryIDs []int64) error {
	cats, err := loadCategories(ctx, tx)
	if err != nil {
		return err
	}
	for _, cid := range categoryIDs {
		ps, err := queryProducts(ctx, tx, productSelect+` WHERE p.category_id = $1`, cid)
		if err != nil {
			return err
		}
		if err := loadDetails(ctx, tx, ps); err != nil {
			return err
		}
		for _, p := range ps {
			_, err := tx.ExecContext(ctx, `UPDATE products SET search_text = $1 WHERE id = $2`,
				searchText(p, ancestorNames(cats, p.CategoryID)), p.ID)
			if err != nil {
				return fmt.Errorf("reindex product %d: %w", p.ID, err)
			}
		}
	}
	return nil
}

// ProductByID returns the product with the id, draft or published, with
// its variants and images, or a NotFound error. It is for the admin
// screens and never cached: staff see what they just saved.
func (s *Service) ProductByID(ctx context.Context, id int64) (*Product, error) {
	p, err := s.oneProduct(ctx, `WHERE p.id = $1`, id)
	if err != nil {
		return nil, fmt.Errorf("product %d: %w", id, err)
	}
	return p, nil
}

// CreateProductBy creates p as CreateProduct does, and records it in the
// audit log as by's action in the same transaction.
func (s *Service) CreateProductBy(ctx context.Context, p Product, by audit.Actor) (int64, error) {
	var id int64
	err := s.audited(ctx, by, func(tx *sql.Tx) (change, error) {
		cats, err := loadCategories(ctx, tx)
		if err != nil {
			return change{}, err
		}
		if id, err = s.insertProduct(ctx, tx, p, cats, ""); err != nil {
			return change{}, err
		}
		after, err := s.lockProduct(ctx, tx, id)
		if err != nil {
			return change{}, err
		}
		return change{action: "catalog.product.create", target: productTarget(id), after: stateOf(after)}, nil
	})
	if err != nil {
		return 0, fmt.Errorf("create product %q: %w", p.Slug, err)
	}
	return id, nil
}

// ProductUpdate is what the product form edits. The slug (the product's
// URL), its variants, stock and images change through their own methods.
type ProductUpdate struct {
	CategoryID        int64
	CategorySlug      string // stands in for CategoryID when that is 0
	NameJa            string
	NameEn            string
	NameKana          string
	DescriptionJa     string
	DescriptionEn     string
	TaxClass          shop.TaxClass
	Status            string // StatusDraft or StatusPublished
	PractitionersOnly bool
	Position          int
}

// UpdateProduct replaces the product's editable fields with u, in one
// transaction with its audit entry ("catalog.product.update", the
// product before and after). Bad input is an Invalid error naming every
// bad field; nothing is written then.
func (s *Service) UpdateProduct(ctx context.Context, id int64, u ProductUpdate, by audit.Actor) error {
	err := s.audited(ctx, by, func(tx *sql.Tx) (change, error) {
		before, err := s.lockProduct(ctx, tx, id)
		if err != nil {
			return change{}, err
		}
		cats, err := loadCategories(ctx, tx)
		if err != nil {
			return change{}, err
		}
		p := *before
		p.CategoryID, p.CategorySlug = u.CategoryID, u.CategorySlug
		p.NameJa, p.NameEn, p.NameKana = u.NameJa, u.NameEn, u.NameKana
		p.DescriptionJa, p.DescriptionEn = u.DescriptionJa, u.DescriptionEn
		p.TaxClass, p.Status, p.PractitionersOnly, p.Position = u.TaxClass, u.Status, u.PractitionersOnly, u.Position
		p = clean(p)
		problems := shop.Problems{}
		p.CategoryID = resolveCategory(problems, "", p, cats)
		validateProduct(problems, "", p)
		if err := problems.Err(); err != nil {
			return change{}, err
		}
		_, err = tx.ExecContext(ctx, `
			UPDATE products
			SET category_id = $1, name_ja = $2, name_en = $3, name_kana = $4, description_ja = $5,
				description_en = $6, tax_class = $7, status = $8, practitioners_only = $9, position = $10
			WHERE id = $11`,
			p.CategoryID, p.NameJa, p.NameEn, p.NameKana, p.DescriptionJa,
			p.DescriptionEn, string(p.TaxClass), p.Status, p.PractitionersOnly, p.Position, id)
		if err != nil {
			return change{}, err
		}
		after, err := s.refresh(ctx, tx, id)
		if err != nil {
			return change{}, err
		}
		return change{action: "catalog.product.update", target: productTarget(id),
			before: stateOf(before), after: stateOf(after)}, nil
	})
	if err != nil {
		return fmt.Errorf("update product %d: %w", id, err)
	}
	return nil
}

// AddVariant adds v to the product, after its other variants, and returns
// the new variant's id. A zero MaxPerOrder means the default, 99. Bad
// input names fields without a prefix ("sku", "price"); a used SKU has
// the reason shop.ReasonTaken.
func (s *Service) AddVariant(ctx context.Context, productID int64, v Variant, by audit.Actor) (int64, error) {
	var id int64
	err := s.audited(ctx, by, func(tx *sql.Tx) (change, error) {
		if _, err := s.lockProduct(ctx, tx, productID); err != nil {
			return change{}, err
		}
		v = cleanVariant(v)
		problems := shop.Problems{}
		validateVariant(problems, "", v)
		if err := checkTaken(ctx, tx, problems, "sku", `SELECT COUNT(*) FROM variants WHERE sku = $1`, v.SKU); err != nil {
			return change{}, err
		}
		if err := problems.Err(); err != nil {
			return change{}, err
		}
		var err error
		if id, err = insertVariant(ctx, tx, productID, v); err != nil {
			return change{}, err
		}
		after, err := s.refresh(ctx, tx, productID)
		if err != nil {
			return change{}, err
		}
		added, _ := after.Variant(id)
		return change{action: "catalog.variant.add", target: variantTarget(id), after: variantStateOf(added)}, nil
	})
	if err != nil {
		return 0, fmt.Errorf("add variant %q to product %d: %w", v.SKU, productID, err)
	}
	return id, nil
}

// cleanVariant trims what people type around the values and fills in the
// default limit per order.
func cleanVariant(v Variant) Variant {
	v.SKU = strings.TrimSpace(v.SKU)
	v.LabelJa, v.LabelEn = strings.TrimSpace(v.LabelJa), strings.TrimSpace(v.LabelEn)
	if v.MaxPerOrder == 0 {
		v.MaxPerOrder = defaultPerOrder
	}
	return v
}

// insertVariant adds v after the product's other variants.
func insertVariant(ctx context.Context, tx *sql.Tx, productID int64, v Variant) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `
		INSERT INTO variants (product_id, sku, label_ja, label_en, price, member_price, stock, max_per_order, position)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8,
			(SELECT COALESCE(MAX(position), -1) + 1 FROM variants WHERE product_id = $1))
		RETURNING id`,
		productID, v.SKU, v.LabelJa, v.LabelEn, int64(v.Price), nullIfZero(int64(v.MemberPrice)), v.Stock, v.MaxPerOrder).Scan(&id)
	if db.IsUniqueViolation(err) {
		return 0, shop.Problems{"sku": shop.ReasonTaken}.Err()
	}
	if err != nil {
		return 0, fmt.Errorf("insert variant %s: %w", v.SKU, err)
	}
	return id, nil
}

// VariantUpdate is what the variant form edits. The SKU names the variant
// in orders and imports and does not change; stock changes through
// SetStock and AdjustStock, because checkout takes stock concurrently.
type VariantUpdate struct {
	LabelJa     string
	LabelEn     string
	Price       shop.Yen
	MemberPrice shop.Yen // 0: none
	MaxPerOrder int      // 0: the default, 99
}

// UpdateVariant replaces the variant's labels, prices and limit per order
// with u, audited as "catalog.variant.update".
func (s *Service) UpdateVariant(ctx context.Context, variantID int64, u VariantUpdate, by audit.Actor) error {
	err := s.audited(ctx, by, func(tx *sql.Tx) (change, error) {
		before, err := s.lockVariant(ctx, tx, variantID)
		if err != nil {
			return change{}, err
		}
		v := before
		v.LabelJa, v.LabelEn, v.Price, v.MemberPrice, v.MaxPerOrder = u.LabelJa, u.LabelEn, u.Price, u.MemberPrice, u.MaxPerOrder
		v = cleanVariant(v)
		problems := shop.Problems{}
		validateVariant(problems, "", v)
		if err := problems.Err(); err != nil {
			return change{}, err
		}
		_, err = tx.ExecContext(ctx, `
			UPDATE variants
			SET label_ja = $1, label_en = $2, price = $3, member_price = $4, max_per_order = $5
			WHERE id = $6`,
			v.LabelJa, v.LabelEn, int64(v.Price), nullIfZero(int64(v.MemberPrice)), v.MaxPerOrder, variantID)
		if err != nil {
			return change{}, err
		}
		if _, err := s.refresh(ctx, tx, v.ProductID); err != nil {
			return change{}, err
		}
		return change{action: "catalog.variant.update", target: variantTarget(variantID),
			before: variantStateOf(before), after: variantStateOf(v)}, nil
	})
	if err != nil {
		return fmt.Errorf("update variant %d: %w", variantID, err)
	}
	return nil
}

// SetStock sets the variant's stock to a counted number (棚卸し), audited
// as "catalog.stock.set". Orders placed since the count was taken are not
// accounted for: for goods received, AdjustStock is the safer choice.
func (s *Service) SetStock(ctx context.Context, variantID int64, stock int, by audit.Actor) error {
	err := s.audited(ctx, by, func(tx *sql.Tx) (change, error) {
		before, err := s.lockVariant(ctx, tx, variantID)
		if err != nil {
			return change{}, err
		}
		if stock < 0 || stock > maxStock {
			return change{}, shop.Problems{"stock": shop.ReasonRange}.Err()
		}
		if _, err := tx.ExecContext(ctx, `UPDATE variants SET stock = $1 WHERE id = $2`, stock, variantID); err != nil {
			return change{}, err
		}
		if _, err := s.refresh(ctx, tx, before.ProductID); err != nil {
			return change{}, err
		}
		after := before
		after.Stock = stock
		return change{action: "catalog.stock.set", target: variantTarget(variantID),
			before: variantStateOf(before), after: variantStateOf(after)}, nil
	})
	if err != nil {
		return fmt.Errorf("set stock of variant %d: %w", variantID, err)
	}
	return nil
}

// AdjustStock adds delta (negative to take away: breakage, samples) to the
// variant's stock in one UPDATE, so that stock checkout takes at the same
// moment is not lost, and returns the new stock. Stock that would fall
// below zero is a Conflict; above the limit, an Invalid "delta".
func (s *Service) AdjustStock(ctx context.Context, variantID int64, delta int, by audit.Actor) (int, error) {
	var stock int
	err := s.audited(ctx, by, func(tx *sql.Tx) (change, error) {
		before, err := s.lockVariant(ctx, tx, variantID)
		if err != nil {
			return change{}, err
		}
		if delta < -maxStock || delta > maxStock || before.Stock+delta > maxStock {
			return change{}, shop.Problems{"delta": shop.ReasonRange}.Err()
		}
		err = tx.QueryRowContext(ctx, `
			UPDATE variants SET stock = stock + $1
			WHERE id = $2 AND stock + $1 >= 0
			RETURNING stock`, delta, variantID).Scan(&stock)
		if errors.Is(err, sql.ErrNoRows) {
			return change{}, shop.Errorf(shop.Conflict, "stock would fall below zero")
		}
		if err != nil {
			return change{}, err
		}
		if _, err := s.refresh(ctx, tx, before.ProductID); err != nil {
			return change{}, err
		}
		after := before
		after.Stock = stock
		return change{action: "catalog.stock.adjust", target: variantTarget(variantID),
			before: variantStateOf(before), after: variantStateOf(after)}, nil
	})
	if err != nil {
		return 0, fmt.Errorf("adjust stock of variant %d: %w", variantID, err)
	}
	return stock, nil
}

// DeleteVariant removes a variant that has never been ordered, audited as
// "catalog.variant.delete". An ordered variant is a Conflict: its order
// lines refer to it, and the way to stop selling it is to unpublish the
// product (or set its stock to 0). A product's last variant is a Conflict
// too: a product without variants cannot be shown or bought.
func (s *Service) DeleteVariant(ctx context.Context, variantID int64, by audit.Actor) error {
	err := s.audited(ctx, by, func(tx *sql.Tx) (change, error) {
		before, err := s.lockVariant(ctx, tx, variantID)
		if err != nil {
			return change{}, err
		}
		var ordered, siblings int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM order_lines WHERE variant_id = $1`, variantID).Scan(&ordered); err != nil {
			return change{}, err
		}
		if ordered > 0 {
			return change{}, shop.Errorf(shop.Conflict, "this variant has been ordered and cannot be deleted: unpublish the product or set its stock to 0 instead")
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM variants WHERE product_id = $1`, before.ProductID).Scan(&siblings); err != nil {
			return change{}, err
		}
		if siblings <= 1 {
			return change{}, shop.Errorf(shop.Conflict, "a product needs at least one variant: unpublish the product instead")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM variants WHERE id = $1`, variantID); err != nil {
			return change{}, err
		}
		if _, err := s.refresh(ctx, tx, before.ProductID); err != nil {
			return change{}, err
		}
		return change{action: "catalog.variant.delete", target: variantTarget(variantID), before: variantStateOf(before)}, nil
	})
	if err != nil {
		return fmt.Errorf("delete variant %d: %w", variantID, err)
	}
	return nil
}

// maxImages bounds a product's gallery.
const maxImages = 20

// AddImage adds an image, after the product's others. path is the URL the
// media package's stored file is served at ("/media/products/….jpg"),
// audited as "catalog.image.add".
func (s *Service) AddImage(ctx context.Context, productID int64, img Image, by audit.Actor) error {
	err := s.audited(ctx, by, func(tx *sql.Tx) (change, error) {
		before, err := s.lockProduct(ctx, tx, productID)
		if err != nil {
			return change{}, err
		}
		img.AltJa, img.AltEn = strings.TrimSpace(img.AltJa), strings.TrimSpace(img.AltEn)
		problems := shop.Problems{}
		validateImage(problems, "", img)
		if len(before.Images) >= maxImages {
			problems.Add("images", shop.ReasonLength)
		}
		if err := problems.Err(); err != nil {
			return change{}, err
		}
		_, err = tx.ExecContext(ctx, `
			INSERT INTO product_images (product_id, path, alt_ja, alt_en, position)
			VALUES ($1, $2, $3, $4, (SELECT COALESCE(MAX(position), -1) + 1 FROM product_images WHERE product_id = $1))`,
			productID, img.Path, img.AltJa, img.AltEn)
		if err != nil {
			return change{}, err
		}
		after, err := s.refresh(ctx, tx, productID)
		if err != nil {
			return change{}, err
		}
		return change{action: "catalog.image.add", target: productTarget(productID),
			before: stateOf(before), after: stateOf(after)}, nil
	})
	if err != nil {
		return fmt.Errorf("add image to product %d: %w", productID, err)
	}
	return nil
}

// RemoveImage takes the image with the path off the product, audited as
// "catalog.image.remove". The file stays: deleting it (media.Remove) is
// the caller's choice once the transaction has committed.
func (s *Service) RemoveImage(ctx context.Context, productID int64, path string, by audit.Actor) error {
	err := s.audited(ctx, by, func(tx *sql.Tx) (change, error) {
		before, err := s.lockProduct(ctx, tx, productID)
		if err != nil {
			return change{}, err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM product_images WHERE product_id = $1 AND path = $2`, productID, path)
		if err != nil {
			return change{}, err
		}
		if n, err := res.RowsAffected(); err != nil {
			return change{}, err
		} else if n == 0 {
			return change{}, shop.Errorf(shop.NotFound, "no such image")
		}
		after, err := s.refresh(ctx, tx, productID)
		if err != nil {
			return change{}, err
		}
		return change{action: "catalog.image.remove", target: productTarget(productID),
			before: stateOf(before), after: stateOf(after)}, nil
	})
	if err != nil {
		return fmt.Errorf("remove image from product %d: %w", productID, err)
	}
	return nil
}

// AdminQuery is a listing of products for the admin screens, drafts
// included.
type AdminQuery struct {
	Q        string // space-separated terms, all of which must match
	Category string // a category slug; its descendants are included
	Status   string // "", StatusDraft or StatusPublished
	Limit    int    // 1..MaxAdminLimit; 0 means DefaultAdminLimit
	Offset   int    // >= 0
}

// Page sizes for AdminQuery.Limit.
const (
	DefaultAdminLimit = 50
	MaxAdminLimit     = 200
)

// AdminList returns one page of products matching q, drafts included, in
// the shop's order, with the number of matches on all pages. Bad values
// are an Invalid error naming the field; an unknown category is
// ReasonChoice on "category".
func (s *Service) AdminList(ctx context.Context, q AdminQuery) (products []Product, total int, err error) {
	problems := shop.Problems{}
	if q.Limit == 0 {
		q.Limit = DefaultAdminLimit
	}
	if q.Limit < 1 || q.Limit > MaxAdminLimit {
		problems.Add("limit", shop.ReasonRange)
	}
	if q.Offset < 0 {
		problems.Add("offset", shop.ReasonRange)
	}
	if q.Status != "" && q.Status != StatusDraft && q.Status != StatusPublished {
		problems.Add("status", shop.ReasonChoice)
	}
	if len([]rune(q.Q)) > maxQueryRunes {
		problems.Add("q", shop.ReasonLength)
	}
	if err := problems.Err(); err != nil {
		return nil, 0, err
	}
	err = s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		where, args := []string{"1 = 1"}, db.Args{}
		if q.Category != "" {
			id, err := categoryID(ctx, tx, q.Category)
			if shop.ErrorCode(err) == shop.NotFound {
				return shop.Problems{"category": shop.ReasonChoice}.Err()
			}
			if err != nil {
				return err
			}
			where = append(where, `p.category_id IN (
				WITH RECURSIVE tree (id) AS (
					SELECT id FROM categories WHERE id = `+args.Add(id)+`
					UNION ALL
					SELECT c.id FROM categories c JOIN tree ON c.parent_id = tree.id)
				SELECT id FROM tree)`)
		}
		if q.Status != "" {
			where = append(where, `p.status = `+args.Add(q.Status))
		}
		for _, t := range searchTerms(q.Q) {
			where = append(where, args.Contains("p.search_text", t))
		}
		cond := strings.Join(where, " AND ")
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM products p WHERE `+cond, args...).Scan(&total); err != nil {
			return err
		}
		if total == 0 || q.Offset >= total {
			return nil
		}
		page := productSelect + `
			WHERE ` + cond + `
			ORDER BY p.position, p.id
			LIMIT ` + args.Add(q.Limit) + ` OFFSET ` + args.Add(q.Offset)
		var err error
		products, err = queryProducts(ctx, tx, page, args...)
		if err != nil {
			return err
		}
		return loadDetails(ctx, tx, products)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list products: %w", err)
	}
	return products, total, nil
}

// AllProducts returns every product, drafts included, with variants and
// images, in the shop's order, read in one snapshot: for the CSV export.
func (s *Service) AllProducts(ctx context.Context) ([]Product, error) {
	var ps []Product
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		if ps, err = queryProducts(ctx, tx, productSelect+` ORDER BY p.position, p.id`); err != nil {
			return err
		}
		return loadDetails(ctx, tx, ps)
	})
	if err != nil {
		return nil, fmt.Errorf("all products: %w", err)
	}
	return ps, nil
}

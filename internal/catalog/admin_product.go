package catalog

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"kaede/internal/audit"
	"kaede/internal/shop"
)

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
	Tags              []string       `json:"tags"`
	Related           []int64        `json:"related"`
}

func stateOf(p *Product) productState {
	st := productState{ID: p.ID, Slug: p.Slug, CategoryID: p.CategoryID, NameJa: p.NameJa, NameEn: p.NameEn,
		NameKana: p.NameKana, DescriptionJa: p.DescriptionJa, DescriptionEn: p.DescriptionEn, TaxClass: p.TaxClass,
		Status: p.Status, PractitionersOnly: p.PractitionersOnly, Position: p.Position,
		Variants: []variantState{}, Images: []imageState{}, Tags: append([]string{}, p.Tags...),
		Related: append([]int64{}, p.Related...)}
	for _, v := range p.Variants {
		st.Variants = append(st.Variants, variantStateOf(v))
	}
	for _, img := range p.Images {
		st.Images = append(st.Images, imageState{Path: img.Path, AltJa: img.AltJa, AltEn: img.AltEn})
	}
	return st
}

func productTarget(id int64) string { return "product:" + strconv.FormatInt(id, 10) }

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

// CreateProduct validates p and creates it with its variants and images,
// audited as by's "catalog.product.create" (the product as stored) in the
// same transaction, and returns its id. It is the one way a product is
// created outside an import: staff through the admin, the demo data as
// audit.System("demo").
//
// The category is p.CategoryID or, when that is 0, p.CategorySlug. A zero
// CreatedAt means now; an empty Status means draft. Bad input is an
// Invalid error naming every bad field ("slug", "variants[0].sku"…); a
// used slug or SKU has the reason shop.ReasonTaken.
func (s *Service) CreateProduct(ctx context.Context, p Product, by audit.Actor) (int64, error) {
	var id int64
	err := s.auditedAll(ctx, by, func(tx *sql.Tx) ([]change, error) {
		cats, err := loadCategories(ctx, tx)
		if err != nil {
			return nil, err
		}
		if id, err = s.insertProduct(ctx, tx, p, cats, ""); err != nil {
			return nil, err
		}
		c, err := s.createdProduct(ctx, tx, id)
		return []change{c}, err
	})
	if err != nil {
		return 0, fmt.Errorf("create product %q: %w", p.Slug, err)
	}
	return id, nil
}

// CreateProducts creates every product as CreateProduct does or, if any is
// bad, none: the demo data is one transaction. Fields in errors are
// prefixed with the product's index ("products[3].variants[0].sku").
func (s *Service) CreateProducts(ctx context.Context, ps []Product, by audit.Actor) ([]int64, error) {
	ids := make([]int64, len(ps))
	err := s.auditedAll(ctx, by, func(tx *sql.Tx) ([]change, error) {
		cats, err := loadCategories(ctx, tx)
		if err != nil {
			return nil, err
		}
		for i, p := range ps {
			if ids[i], err = s.insertProduct(ctx, tx, p, cats, fmt.Sprintf("products[%d].", i)); err != nil {
				return nil, fmt.Errorf("product %q: %w", p.Slug, err)
			}
		}
		cs := make([]change, len(ids))
		for i, id := range ids {
			if cs[i], err = s.createdProduct(ctx, tx, id); err != nil {
				return nil, err
			}
		}
		return cs, nil
	})
	if err != nil {
		return nil, fmt.Errorf("create products: %w", err)
	}
	return ids, nil
}

// createdProduct is the audit record of the product just inserted, read
// back as stored: trimmed, with its defaults and ids.
func (s *Service) createdProduct(ctx context.Context, tx *sql.Tx, id int64) (change, error) {
	after, err := s.lockProduct(ctx, tx, id)
	if err != nil {
		return change{}, err
	}
	return change{action: "catalog.product.create", target: productTarget(id), after: stateOf(after)}, nil
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

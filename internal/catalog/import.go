package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"kaede/internal/audit"

	"kaede/internal/shop"
)

// KeepStock as a variant's Stock in Import leaves an existing variant's
// stock as it is (a new variant starts at 0). A spreadsheet edited for
// prices over an afternoon must not undo the stock that orders took
// meanwhile.
const KeepStock = -1

// ImportSource is the file an import came from, for its audit entry.
type ImportSource struct {
	Name   string // the file's name as uploaded; recorded, never used as a path
	SHA256 string // hex digest of the file's bytes
	Rows   int    // data rows read
}

// ImportResult counts what an import did.
type ImportResult struct {
	ProductsCreated   int
	ProductsUpdated   int
	ProductsUnchanged int
	VariantsCreated   int
	VariantsUpdated   int
	VariantsUnchanged int
}

// importState is what the audit log records of an import.
type importState struct {
	File              string `json:"file"`
	SHA256            string `json:"sha256"`
	Rows              int    `json:"rows"`
	ProductsCreated   int    `json:"products_created"`
	ProductsUpdated   int    `json:"products_updated"`
	ProductsUnchanged int    `json:"products_unchanged"`
	VariantsCreated   int    `json:"variants_created"`
	VariantsUpdated   int    `json:"variants_updated"`
	VariantsUnchanged int    `json:"variants_unchanged"`
}

// Import creates or updates every product in ps or, if any is bad, none,
// in one transaction with one audit entry ("catalog.import": the file's
// name, hash and row count and what changed).
//
// A product is matched by Slug and its variants by SKU. For a product
// that exists, Import sets the category (CategorySlug), NameJa, NameEn,
// DescriptionJa, TaxClass, Status and PractitionersOnly, and keeps its
// reading, English description, position and images; for a variant that
// exists, its labels, prices, stock (unless KeepStock) and limit per
// order. Variants missing from ps are kept: an import never deletes.
//
// Every problem in every product is reported at once, as an Invalid error
// whose fields are prefixed with the product's and variant's index in ps
// ("products[2].variants[0].price"). A SKU that belongs to another
// product is ReasonTaken.
func (s *Service) Import(ctx context.Context, ps []Product, src ImportSource, by audit.Actor) (ImportResult, error) {
	var res ImportResult
	err := s.audited(ctx, by, func(tx *sql.Tx) (change, error) {
		plans, err := s.planImport(ctx, tx, ps)
		if err != nil {
			return change{}, err
		}
		if res, err = s.applyImport(ctx, tx, plans); err != nil {
			return change{}, err
		}
		after := importState{File: src.Name, SHA256: src.SHA256, Rows: src.Rows,
			ProductsCreated: res.ProductsCreated, ProductsUpdated: res.ProductsUpdated, ProductsUnchanged: res.ProductsUnchanged,
			VariantsCreated: res.VariantsCreated, VariantsUpdated: res.VariantsUpdated, VariantsUnchanged: res.VariantsUnchanged}
		return change{action: "catalog.import", target: "catalog", after: after}, nil
	})
	if err != nil {
		return ImportResult{}, fmt.Errorf("import products: %w", err)
	}
	return res, nil
}

// importPlan is one product of an import, validated: what is stored now
// (nil for a new product) and what it becomes.
type importPlan struct {
	prefix   string
	existing *Product
	want     Product
}

// planImport validates every product against what tx holds, collecting
// every problem before anything is written.
func (s *Service) planImport(ctx context.Context, tx *sql.Tx, ps []Product) ([]importPlan, error) {
	cats, err := loadCategories(ctx, tx)
	if err != nil {
		return nil, err
	}
	problems := shop.Problems{}
	plans := make([]importPlan, len(ps))
	slugs := map[string]bool{}
	skus := map[string]bool{}
	for i, in := range ps {
		prefix := fmt.Sprintf("products[%d].", i)
		in = clean(in)
		existing, found, err := s.storedProduct(ctx, tx, in.Slug)
		if err != nil {
			return nil, err
		}
		want := in
		if found {
			want = *existing
			want.CategorySlug = in.CategorySlug
			want.NameJa, want.NameEn, want.DescriptionJa = in.NameJa, in.NameEn, in.DescriptionJa
			want.TaxClass, want.Status, want.PractitionersOnly = in.TaxClass, in.Status, in.PractitionersOnly
		}
		want.CategoryID = 0 // the file names categories by slug
		want.CategoryID = resolveCategory(problems, prefix, want, cats)
		want.Variants = make([]Variant, len(in.Variants))
		for j, v := range in.Variants {
			if stored, ok := variantBySKU(existing, v.SKU); ok {
				v.ID, v.ProductID = stored.ID, stored.ProductID
				if v.Stock == KeepStock {
					v.Stock = stored.Stock
				}
			} else if v.Stock == KeepStock {
				v.Stock = 0
			}
			want.Variants[j] = v
		}
		// Images were checked when they were added; the file has none.
		check := want
		check.Images = nil
		validateProduct(problems, prefix, check)
		if slugs[want.Slug] {
			problems.Add(prefix+"slug", shop.ReasonTaken)
		}
		slugs[want.Slug] = true
		for j, v := range want.Variants {
			field := fmt.Sprintf("%svariants[%d].sku", prefix, j)
			if skus[v.SKU] {
				problems.Add(field, shop.ReasonTaken)
			}
			skus[v.SKU] = true
			if v.ID == 0 {
				if err := checkTaken(ctx, tx, problems, field, `SELECT COUNT(*) FROM variants WHERE sku = $1`, v.SKU); err != nil {
					return nil, err
				}
			}
		}
		plans[i] = importPlan{prefix: prefix, existing: existing, want: want}
	}
	if err := problems.Err(); err != nil {
		return nil, err
	}
	return plans, nil
}

// storedProduct reads the product with the slug, draft or published, and
// reports whether there is one: for an import, a new slug is no error.
func (s *Service) storedProduct(ctx context.Context, tx *sql.Tx, slug string) (*Product, bool, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM products WHERE slug = $1`, slug).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	p, err := s.lockProduct(ctx, tx, id)
	return p, err == nil, err
}

func variantBySKU(p *Product, sku string) (Variant, bool) {
	if p == nil {
		return Variant{}, false
	}
	for _, v := range p.Variants {
		if v.SKU == sku {
			return v, true
		}
	}
	return Variant{}, false
}

// applyImport writes the validated plans, touching only what differs, so
// that importing an unedited export changes nothing.
func (s *Service) applyImport(ctx context.Context, tx *sql.Tx, plans []importPlan) (ImportResult, error) {
	var res ImportResult
	var cats []*Category
	for _, pl := range plans {
		if pl.existing == nil {
			if cats == nil {
				var err error
				if cats, err = loadCategories(ctx, tx); err != nil {
					return res, err
				}
			}
			if _, err := s.insertProduct(ctx, tx, pl.want, cats, pl.prefix); err != nil {
				return res, err
			}
			res.ProductsCreated++
			res.VariantsCreated += len(pl.want.Variants)
			continue
		}
		old, want := pl.existing, pl.want
		changed := false
		if old.CategoryID != want.CategoryID || old.NameJa != want.NameJa || old.NameEn != want.NameEn ||
			old.DescriptionJa != want.DescriptionJa || old.TaxClass != want.TaxClass || old.Status != want.Status ||
			old.PractitionersOnly != want.PractitionersOnly {
			_, err := tx.ExecContext(ctx, `
				UPDATE products
				SET category_id = $1, name_ja = $2, name_en = $3, description_ja = $4,
					tax_class = $5, status = $6, practitioners_only = $7
				WHERE id = $8`,
				want.CategoryID, want.NameJa, want.NameEn, want.DescriptionJa,
				string(want.TaxClass), want.Status, want.PractitionersOnly, old.ID)
			if err != nil {
				return res, fmt.Errorf("update product %s: %w", want.Slug, err)
			}
			changed = true
		}
		for _, v := range want.Variants {
			if v.ID == 0 {
				if _, err := insertVariant(ctx, tx, old.ID, v); err != nil {
					return res, err
				}
				res.VariantsCreated++
				changed = true
				continue
			}
			stored, _ := old.Variant(v.ID)
			if stored.LabelJa == v.LabelJa && stored.LabelEn == v.LabelEn && stored.Price == v.Price &&
				stored.MemberPrice == v.MemberPrice && stored.Stock == v.Stock && stored.MaxPerOrder == v.MaxPerOrder {
				res.VariantsUnchanged++
				continue
			}
			_, err := tx.ExecContext(ctx, `
				UPDATE variants
				SET label_ja = $1, label_en = $2, price = $3, member_price = $4, stock = $5, max_per_order = $6
				WHERE id = $7`,
				v.LabelJa, v.LabelEn, int64(v.Price), nullIfZero(int64(v.MemberPrice)), v.Stock, v.MaxPerOrder, v.ID)
			if err != nil {
				return res, fmt.Errorf("update variant %s: %w", v.SKU, err)
			}
			res.VariantsUpdated++
			changed = true
		}
		if !changed {
			res.ProductsUnchanged++
			continue
		}
		if _, err := s.refresh(ctx, tx, old.ID); err != nil {
			return res, err
		}
		res.ProductsUpdated++
	}
	return res, nil
}

package catalog

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"kaede/internal/db"
	"kaede/internal/shop"
)

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
	q.Offset = shop.ClampOffset(q.Offset)
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

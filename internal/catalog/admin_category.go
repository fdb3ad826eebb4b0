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

// categoryState is a category as the audit log records it.
type categoryState struct {
	ID       int64  `json:"id"`
	ParentID int64  `json:"parent_id"`
	Slug     string `json:"slug"`
	NameJa   string `json:"name_ja"`
	NameEn   string `json:"name_en"`
	Position int    `json:"position"`
}

func categoryStateOf(c *Category) categoryState {
	return categoryState{ID: c.ID, ParentID: c.ParentID, Slug: c.Slug, NameJa: c.NameJa, NameEn: c.NameEn, Position: c.Position}
}

func categoryTarget(id int64) string { return "category:" + strconv.FormatInt(id, 10) }

// lockCategory reads the category with the id and locks its row (PostgreSQL).
func (s *Service) lockCategory(ctx context.Context, tx *sql.Tx, id int64) (*Category, error) {
	c := &Category{}
	err := tx.QueryRowContext(ctx, `
		SELECT id, COALESCE(parent_id, 0), slug, name_ja, name_en, position
		FROM categories
		WHERE id = $1`+s.db.ForUpdate(), id).Scan(&c.ID, &c.ParentID, &c.Slug, &c.NameJa, &c.NameEn, &c.Position)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, shop.Errorf(shop.NotFound, "no such category")
	}
	return c, err
}

// CreateCategory creates c and, beneath it, its Children (recursively), in
// one transaction, and returns c's id. Position orders siblings. Each
// category created is audited as by's "catalog.category.create".
func (s *Service) CreateCategory(ctx context.Context, c Category, by audit.Actor) (int64, error) {
	var ids []int64
	err := s.auditedAll(ctx, by, func(tx *sql.Tx) ([]change, error) {
		var err error
		if ids, err = insertCategory(ctx, tx, c, c.ParentID, ""); err != nil {
			return nil, err
		}
		cs := make([]change, len(ids))
		for i, id := range ids {
			after, err := s.lockCategory(ctx, tx, id)
			if err != nil {
				return nil, err
			}
			cs[i] = change{action: "catalog.category.create", target: categoryTarget(id), after: categoryStateOf(after)}
		}
		return cs, nil
	})
	if err != nil {
		return 0, fmt.Errorf("create category %q: %w", c.Slug, err)
	}
	return ids[0], nil
}

// CategoryUpdate is what the category form edits.
type CategoryUpdate struct {
	ParentID int64 // 0: a top-level category
	Slug     string
	NameJa   string
	NameEn   string
	Position int
}

// UpdateCategory replaces the category's fields with u, audited as
// "catalog.category.update". A parent that is the category itself or one
// beneath it would make a loop, and is ReasonChoice on "parent_id". The
// search text of every product in the category and beneath it is
// recomputed, because it holds the names of the categories above.
func (s *Service) UpdateCategory(ctx context.Context, id int64, u CategoryUpdate, by audit.Actor) error {
	err := s.audited(ctx, by, func(tx *sql.Tx) (change, error) {
		before, err := s.lockCategory(ctx, tx, id)
		if err != nil {
			return change{}, err
		}
		all, err := loadCategories(ctx, tx)
		if err != nil {
			return change{}, err
		}
		after := &Category{ID: id, ParentID: u.ParentID, Slug: strings.TrimSpace(u.Slug),
			NameJa: strings.TrimSpace(u.NameJa), NameEn: strings.TrimSpace(u.NameEn), Position: u.Position}
		problems := shop.Problems{}
		checkSlug(problems, "slug", after.Slug)
		shop.CheckText(problems, "name_ja", after.NameJa, true, 100)
		shop.CheckText(problems, "name_en", after.NameEn, false, 100)
		if after.Slug != before.Slug {
			if err := checkTaken(ctx, tx, problems, "slug", `SELECT COUNT(*) FROM categories WHERE slug = $1`, after.Slug); err != nil {
				return change{}, err
			}
		}
		if after.ParentID != 0 && !validParent(all, id, after.ParentID) {
			problems.Add("parent_id", shop.ReasonChoice)
		}
		if err := problems.Err(); err != nil {
			return change{}, err
		}
		_, err = tx.ExecContext(ctx, `
			UPDATE categories
			SET parent_id = $1, slug = $2, name_ja = $3, name_en = $4, position = $5
			WHERE id = $6`,
			nullIfZero(after.ParentID), after.Slug, after.NameJa, after.NameEn, after.Position, id)
		if db.IsUniqueViolation(err) {
			return change{}, shop.Problems{"slug": shop.ReasonTaken}.Err()
		}
		if err != nil {
			return change{}, err
		}
		if err := reindex(ctx, tx, subtree(all, id)); err != nil {
			return change{}, err
		}
		return change{action: "catalog.category.update", target: categoryTarget(id),
			before: categoryStateOf(before), after: categoryStateOf(after)}, nil
	})
	if err != nil {
		return fmt.Errorf("update category %d: %w", id, err)
	}
	return nil
}

// validParent reports whether parent exists and is neither the category
// id nor beneath it: walking up from parent must never reach id.
func validParent(all []*Category, id, parent int64) bool {
	byID := make(map[int64]*Category, len(all))
	for _, c := range all {
		byID[c.ID] = c
	}
	if _, ok := byID[parent]; !ok {
		return false
	}
	// The depth bound stops a loop already in the data from running forever.
	for depth, at := 0, parent; depth <= len(all) && at != 0; depth++ {
		if at == id {
			return false
		}
		c, ok := byID[at]
		if !ok {
			return true
		}
		at = c.ParentID
	}
	return true
}

// subtree returns id and the ids of every category beneath it.
func subtree(all []*Category, id int64) []int64 {
	ids := []int64{id}
	seen := map[int64]bool{id: true}
	for i := 0; i < len(ids); i++ {
		for _, c := range all {
			if c.ParentID == ids[i] && !seen[c.ID] {
				seen[c.ID] = true
				ids = append(ids, c.ID)
			}
		}
	}
	return ids
}

// DeleteCategory deletes an empty category, audited as
// "catalog.category.delete". A category that still holds products (drafts
// included) or categories is a Conflict: move or delete those first.
func (s *Service) DeleteCategory(ctx context.Context, id int64, by audit.Actor) error {
	err := s.audited(ctx, by, func(tx *sql.Tx) (change, error) {
		before, err := s.lockCategory(ctx, tx, id)
		if err != nil {
			return change{}, err
		}
		var products, children int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM products WHERE category_id = $1`, id).Scan(&products); err != nil {
			return change{}, err
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM categories WHERE parent_id = $1`, id).Scan(&children); err != nil {
			return change{}, err
		}
		switch {
		case products > 0:
			return change{}, shop.Errorf(shop.Conflict, "the category still has %d products: move them to another category first", products)
		case children > 0:
			return change{}, shop.Errorf(shop.Conflict, "the category still has %d categories beneath it: move or delete them first", children)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM categories WHERE id = $1`, id); err != nil {
			return change{}, err
		}
		return change{action: "catalog.category.delete", target: categoryTarget(id), before: categoryStateOf(before)}, nil
	})
	if err != nil {
		return fmt.Errorf("delete category %d: %w", id, err)
	}
	return nil
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

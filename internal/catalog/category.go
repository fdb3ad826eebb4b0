package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"kaede/internal/db"
	"kaede/internal/shop"
)

// Category groups products; categories form a tree through ParentID.
type Category struct {
	ID       int64
	ParentID int64 // 0 for a top-level category
	Slug     string
	NameJa   string
	NameEn   string
	Position int // order among its siblings, lowest first
	Children []*Category
}

// Name returns the category's name in lang, falling back to Japanese.
func (c *Category) Name(lang string) string { return pick(lang, c.NameJa, c.NameEn) }

// Categories returns the whole category tree: the top-level categories in
// position order, each with its children in position order.
func (s *Service) Categories(ctx context.Context) ([]*Category, error) {
	return cached(s, "categories", func() ([]*Category, error) { return s.categories(ctx) })
}

func (s *Service) categories(ctx context.Context) ([]*Category, error) {
	var all []*Category
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		all, err = loadCategories(ctx, tx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list categories: %w", err)
	}
	return buildTree(all), nil
}

// CategoryBySlug returns the category with its subtree of children, or a
// NotFound error.
func (s *Service) CategoryBySlug(ctx context.Context, slug string) (*Category, error) {
	roots, err := s.Categories(ctx)
	if err != nil {
		return nil, err
	}
	if c := findCategory(roots, slug); c != nil {
		return c, nil
	}
	return nil, shop.Errorf(shop.NotFound, "no such category")
}

func findCategory(cs []*Category, slug string) *Category {
	for _, c := range cs {
		if c.Slug == slug {
			return c
		}
		if found := findCategory(c.Children, slug); found != nil {
			return found
		}
	}
	return nil
}

// loadCategories reads every category; a shop has dozens, not thousands.
func loadCategories(ctx context.Context, tx *sql.Tx) ([]*Category, error) {
	rows, err := tx.QueryContext(ctx, `
		SELECT id, COALESCE(parent_id, 0), slug, name_ja, name_en, position
		FROM categories
		ORDER BY position, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var all []*Category
	for rows.Next() {
		c := &Category{}
		if err := rows.Scan(&c.ID, &c.ParentID, &c.Slug, &c.NameJa, &c.NameEn, &c.Position); err != nil {
			return nil, err
		}
		all = append(all, c)
	}
	return all, rows.Err()
}

// buildTree links categories, already in position order, to their parents
// and returns the roots. A category whose parent is missing is a root.
func buildTree(all []*Category) []*Category {
	byID := make(map[int64]*Category, len(all))
	for _, c := range all {
		byID[c.ID] = c
	}
	var roots []*Category
	for _, c := range all {
		if p, ok := byID[c.ParentID]; ok && c.ParentID != c.ID {
			p.Children = append(p.Children, c)
		} else {
			roots = append(roots, c)
		}
	}
	return roots
}

// ancestorNames returns the Japanese and English names of the category and
// of every category above it, for a product's search text.
func ancestorNames(all []*Category, id int64) []string {
	byID := make(map[int64]*Category, len(all))
	for _, c := range all {
		byID[c.ID] = c
	}
	var names []string
	// The depth bound stops a loop in bad data from running forever.
	for depth := 0; depth < len(all); depth++ {
		c, ok := byID[id]
		if !ok {
			break
		}
		names = append(names, c.NameJa, c.NameEn)
		id = c.ParentID
	}
	return names
}

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// insertCategory validates and inserts c under parent, then its children;
// field names in errors carry prefix ("children[1].") to say which one.
// It returns the ids of the categories it created, c's first.
func insertCategory(ctx context.Context, tx *sql.Tx, c Category, parent int64, prefix string) ([]int64, error) {
	p := shop.Problems{}
	c.Slug = strings.TrimSpace(c.Slug)
	checkSlug(p, prefix+"slug", c.Slug)
	shop.CheckText(p, prefix+"name_ja", strings.TrimSpace(c.NameJa), true, 100)
	shop.CheckText(p, prefix+"name_en", strings.TrimSpace(c.NameEn), false, 100)
	if err := checkTaken(ctx, tx, p, prefix+"slug", `SELECT COUNT(*) FROM categories WHERE slug = $1`, c.Slug); err != nil {
		return nil, err
	}
	if parent != 0 {
		if err := checkExists(ctx, tx, p, prefix+"parent_id", `SELECT COUNT(*) FROM categories WHERE id = $1`, parent); err != nil {
			return nil, err
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	var id int64
	err := tx.QueryRowContext(ctx, `
		INSERT INTO categories (parent_id, slug, name_ja, name_en, position)
		VALUES ($1, $2, $3, $4, $5)
		RETURNING id`,
		nullIfZero(parent), c.Slug, strings.TrimSpace(c.NameJa), strings.TrimSpace(c.NameEn), c.Position).Scan(&id)
	if db.IsUniqueViolation(err) {
		return nil, shop.Problems{prefix + "slug": shop.ReasonTaken}.Err()
	}
	if err != nil {
		return nil, err
	}
	ids := []int64{id}
	for i, child := range c.Children {
		sub, err := insertCategory(ctx, tx, *child, id, fmt.Sprintf("%schildren[%d].", prefix, i))
		if err != nil {
			return nil, err
		}
		ids = append(ids, sub...)
	}
	return ids, nil
}

func checkSlug(p shop.Problems, field, slug string) {
	switch {
	case slug == "":
		p.Add(field, shop.ReasonRequired)
	case len(slug) > 100:
		p.Add(field, shop.ReasonLength)
	case !slugPattern.MatchString(slug):
		p.Add(field, shop.ReasonFormat)
	}
}

// checkTaken records ReasonTaken for field when the counting query finds a
// row. Checking first reports every taken field at once; the unique
// constraints still decide when two writers race.
func checkTaken(ctx context.Context, tx *sql.Tx, p shop.Problems, field, query string, arg any) error {
	if _, bad := p[field]; bad {
		return nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, query, arg).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		p.Add(field, shop.ReasonTaken)
	}
	return nil
}

// checkExists records ReasonChoice for field when the counting query finds
// no row: the value does not name anything that exists.
func checkExists(ctx context.Context, tx *sql.Tx, p shop.Problems, field, query string, arg any) error {
	var n int
	if err := tx.QueryRowContext(ctx, query, arg).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		p.Add(field, shop.ReasonChoice)
	}
	return nil
}

// nullIfZero stores 0 (no parent, no member price) as NULL.
func nullIfZero(n int64) sql.NullInt64 { return sql.NullInt64{Int64: n, Valid: n != 0} }

// categoryID resolves a category slug inside tx, or returns NotFound.
func categoryID(ctx context.Context, tx *sql.Tx, slug string) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM categories WHERE slug = $1`, slug).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, shop.Errorf(shop.NotFound, "no such category")
	}
	return id, err
}

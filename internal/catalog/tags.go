package catalog

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"kaede/internal/audit"
	"kaede/internal/shop"
)

// Bounds of a product's tags and related products.
const (
	MaxTags     = 10
	maxTagRunes = 30
	MaxRelated  = 12
)

// loadTagsAndRelated fills in the tags and related ids of ps, as
// loadDetails does variants.
func loadTagsAndRelated(ctx context.Context, tx *sql.Tx, ps []Product, index map[int64]int, in string, ids []any) error {
	rows, err := tx.QueryContext(ctx, `SELECT product_id, tag FROM product_tags WHERE product_id IN `+in+`
		ORDER BY product_id, tag`, ids...)
	if err != nil {
		return fmt.Errorf("load tags: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var tag string
		if err := rows.Scan(&id, &tag); err != nil {
			return fmt.Errorf("load tags: %w", err)
		}
		p := &ps[index[id]]
		p.Tags = append(p.Tags, tag)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load tags: %w", err)
	}
	rel, err := tx.QueryContext(ctx, `SELECT product_id, related_id FROM product_related WHERE product_id IN `+in+`
		ORDER BY product_id, position, related_id`, ids...)
	if err != nil {
		return fmt.Errorf("load related: %w", err)
	}
	defer rel.Close()
	for rel.Next() {
		var id, related int64
		if err := rel.Scan(&id, &related); err != nil {
			return fmt.Errorf("load related: %w", err)
		}
		p := &ps[index[id]]
		p.Related = append(p.Related, related)
	}
	return rel.Err()
}

// NormalizeTag returns a tag as it is stored and matched: NFKC, trimmed,
// inner runs of spaces made one.
func NormalizeTag(s string) string {
	return strings.Join(strings.Fields(norm.NFKC.String(s)), " ")
}

// ParseTags splits what staff typed into tags: one a line or separated by
// commas (「、」 and 「，」 too), normalised, empty ones and repeats dropped.
func ParseTags(s string) []string {
	var tags []string
	for _, part := range strings.FieldsFunc(norm.NFKC.String(s), func(r rune) bool {
		return r == ',' || r == '、' || r == '\n' || r == '\r'
	}) {
		if t := NormalizeTag(part); t != "" && !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	return tags
}

// validateTags reports a tag list that is too long, or a tag too long or
// holding control characters, on "tags".
func validateTags(p shop.Problems, tags []string) {
	if len(tags) > MaxTags {
		p.Add("tags", shop.ReasonLength)
		return
	}
	for _, t := range tags {
		if n := utf8.RuneCountInString(t); n == 0 || n > maxTagRunes {
			p.Add("tags", shop.ReasonLength)
			return
		}
		if !utf8.ValidString(t) || strings.ContainsFunc(t, unicode.IsControl) {
			p.Add("tags", shop.ReasonFormat)
			return
		}
	}
}

// SetTags replaces the product's tags (ParseTags's output, or any list:
// it is normalised again), audited as "catalog.product.tags" with the
// product before and after. Too many or too long tags → Invalid on
// "tags"; nothing is written then.
func (s *Service) SetTags(ctx context.Context, productID int64, tags []string, by audit.Actor) error {
	var clean []string
	for _, t := range tags {
		if t = NormalizeTag(t); !slices.Contains(clean, t) {
			clean = append(clean, t)
		}
	}
	p := shop.Problems{}
	validateTags(p, clean)
	if err := p.Err(); err != nil {
		return fmt.Errorf("set tags of product %d: %w", productID, err)
	}
	err := s.audited(ctx, by, func(tx *sql.Tx) (change, error) {
		before, err := s.lockProduct(ctx, tx, productID)
		if err != nil {
			return change{}, err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM product_tags WHERE product_id = $1`, productID); err != nil {
			return change{}, err
		}
		for _, t := range clean {
			if _, err := tx.ExecContext(ctx, `INSERT INTO product_tags (product_id, tag) VALUES ($1, $2)`, productID, t); err != nil {
				return change{}, err
			}
		}
		after, err := s.refresh(ctx, tx, productID)
		if err != nil {
			return change{}, err
		}
		return change{action: "catalog.product.tags", target: productTarget(productID),
			before: stateOf(before), after: stateOf(after)}, nil
	})
	if err != nil {
		return fmt.Errorf("set tags of product %d: %w", productID, err)
	}
	return nil
}

// Tags returns the tags of published products, sorted, for the
// catalogue's filter.
func (s *Service) Tags(ctx context.Context) ([]string, error) {
	return cached(s, "tags", func() ([]string, error) {
		rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT t.tag FROM product_tags t
			JOIN products p ON p.id = t.product_id WHERE p.status = 'published' ORDER BY t.tag`)
		if err != nil {
			return nil, fmt.Errorf("list tags: %w", err)
		}
		defer rows.Close()
		var tags []string
		for rows.Next() {
			var t string
			if err := rows.Scan(&t); err != nil {
				return nil, fmt.Errorf("list tags: %w", err)
			}
			tags = append(tags, t)
		}
		return tags, rows.Err()
	})
}

// SetRelated replaces the products shown with the product by the ones
// with the slugs, in that order, audited as "catalog.product.related".
// An unknown slug, the product itself, or more than MaxRelated → Invalid
// on "related"; nothing is written then. Drafts may be chosen: they show
// once published.
func (s *Service) SetRelated(ctx context.Context, productID int64, slugs []string, by audit.Actor) error {
	err := s.audited(ctx, by, func(tx *sql.Tx) (change, error) {
		before, err := s.lockProduct(ctx, tx, productID)
		if err != nil {
			return change{}, err
		}
		p := shop.Problems{}
		var ids []int64
		for _, slug := range slugs {
			slug = strings.TrimSpace(slug)
			if slug == "" {
				continue
			}
			var id int64
			err := tx.QueryRowContext(ctx, `SELECT id FROM products WHERE slug = $1`, slug).Scan(&id)
			if err == sql.ErrNoRows || err == nil && id == productID {
				p.Add("related", shop.ReasonChoice)
				break
			}
			if err != nil {
				return change{}, err
			}
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		if len(ids) > MaxRelated {
			p.Add("related", shop.ReasonLength)
		}
		if err := p.Err(); err != nil {
			return change{}, err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM product_related WHERE product_id = $1`, productID); err != nil {
			return change{}, err
		}
		for i, id := range ids {
			if _, err := tx.ExecContext(ctx, `INSERT INTO product_related (product_id, related_id, position) VALUES ($1, $2, $3)`,
				productID, id, i); err != nil {
				return change{}, err
			}
		}
		after, err := s.refresh(ctx, tx, productID)
		if err != nil {
			return change{}, err
		}
		return change{action: "catalog.product.related", target: productTarget(productID),
			before: stateOf(before), after: stateOf(after)}, nil
	})
	if err != nil {
		return fmt.Errorf("set related products of product %d: %w", productID, err)
	}
	return nil
}

package catalog

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode/utf8"

	"kaede/internal/db"
	"kaede/internal/shop"
)

// Query is a search or listing of published products.
type Query struct {
	Q        string // space-separated terms, all of which must match
	Category string // a category slug; its descendants are included
	Tag      string // a tag (NormalizeTag); only products with it
	Sort     string // one of Sorts; "" means "recommended"
	Limit    int    // 1..MaxLimit; 0 means DefaultLimit
	Offset   int    // >= 0
	// Public leaves out practitioners-only products, which a guest or an
	// unlicensed member cannot buy; InStock leaves out sold-out ones.
	Public  bool
	InStock bool
}

// Page sizes for Query.Limit.
const (
	DefaultLimit = 30
	MaxLimit     = 100
)

// Sorts lists the sort orders a Query accepts, in the order a listing
// offers them.
var Sorts = []string{"recommended", "price_asc", "price_desc", "newest", "name"}

// minPrice is a product's lowest list price, the 「¥1,980〜」 a listing shows.
const minPrice = "(SELECT MIN(v.price) FROM variants v WHERE v.product_id = p.id)"

// orderBy maps each of Sorts to its ORDER BY; the id breaks ties so that
// pages never overlap. Names sort by their reading (五十音順) where one
// is given.
var orderBy = map[string]string{
	"recommended": "p.position, p.id",
	"price_asc":   minPrice + ", p.id",
	"price_desc":  minPrice + " DESC, p.id",
	"newest":      "p.created_at DESC, p.id DESC",
	"name":        "CASE WHEN p.name_kana <> '' THEN p.name_kana ELSE p.name_ja END, p.id",
}

// maxQueryRunes bounds a query: longer text is not a search for a product.
const maxQueryRunes = 100

// validate returns the query with defaults filled in and its terms, or an
// Invalid error naming every bad field.
func (q Query) validate() (Query, []string, error) {
	p := shop.Problems{}
	if q.Sort == "" {
		q.Sort = "recommended"
	}
	if _, ok := orderBy[q.Sort]; !ok {
		p.Add("sort", shop.ReasonChoice)
	}
	if q.Limit == 0 {
		q.Limit = DefaultLimit
	}
	if q.Limit < 1 || q.Limit > MaxLimit {
		p.Add("limit", shop.ReasonRange)
	}
	if q.Offset < 0 {
		p.Add("offset", shop.ReasonRange)
	}
	q.Offset = shop.ClampOffset(q.Offset)
	q.Tag = NormalizeTag(q.Tag)
	if utf8.RuneCountInString(q.Tag) > maxTagRunes {
		p.Add("tag", shop.ReasonLength)
	}
	if utf8.RuneCountInString(q.Q) > maxQueryRunes {
		p.Add("q", shop.ReasonLength)
	}
	return q, searchTerms(q.Q), p.Err()
}

// Search returns one page of published products matching q, with their
// variants and images, and the number of matching products on all pages.
// An unknown category is a NotFound error; bad paging or sort values are
// Invalid, naming the field.
func (s *Service) Search(ctx context.Context, q Query) (products []Product, total int, err error) {
	q, terms, err := q.validate()
	if err != nil {
		return nil, 0, err
	}
	key := fmt.Sprintf("search\x00%s\x00%s\x00%s\x00%s\x00%d\x00%d\x00%t\x00%t", strings.Join(terms, " "), q.Category, q.Tag, q.Sort, q.Limit, q.Offset, q.Public, q.InStock)
	page, err := cached(s, key, func() (searchPage, error) {
		var pg searchPage
		pg.products, pg.total, err = s.search(ctx, q, terms)
		return pg, err
	})
	return page.products, page.total, err
}

// searchPage is one cached result of Search.
type searchPage struct {
	products []Product
	total    int
}

func (s *Service) search(ctx context.Context, q Query, terms []string) (products []Product, total int, err error) {
	err = s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		where, args := []string{"p.status = 'published'"}, db.Args{}
		if q.Category != "" {
			id, err := categoryID(ctx, tx, q.Category)
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
		if q.Tag != "" {
			where = append(where, "EXISTS (SELECT 1 FROM product_tags t WHERE t.product_id = p.id AND t.tag = "+args.Add(q.Tag)+")")
		}
		if q.Public {
			where = append(where, "NOT p.practitioners_only")
		}
		if q.InStock {
			where = append(where, "EXISTS (SELECT 1 FROM variants v WHERE v.product_id = p.id AND v.stock > 0)")
		}
		for _, t := range terms {
			where = append(where, args.Contains("p.search_text", t))
		}
		cond := strings.Join(where, " AND ")
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM products p WHERE `+cond, args...).Scan(&total); err != nil {
			return err
		}
		if total == 0 || q.Offset >= total {
			return nil
		}
		query := productSelect + `
			WHERE ` + cond + `
			ORDER BY ` + orderBy[q.Sort] + `
			LIMIT ` + args.Add(q.Limit) + ` OFFSET ` + args.Add(q.Offset)
		products, err = queryProducts(ctx, tx, query, args...)
		if err != nil {
			return err
		}
		return loadDetails(ctx, tx, products)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("search products: %w", err)
	}
	return products, total, nil
}

package web

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"kaede/internal/catalog"
	"kaede/internal/shop"
)

// apiProductJSON is a product as the API lists it. Prices are what a guest
// pays: tax-included yen, never the practitioners' member price.
type apiProductJSON struct {
	ID                int64            `json:"id"`
	Slug              string           `json:"slug"`
	Name              string           `json:"name"`
	NameEn            string           `json:"name_en"`
	Category          string           `json:"category"`
	Price             shop.Yen         `json:"price"` // the lowest variant price
	TaxRate           shop.TaxRate     `json:"tax_rate"`
	PractitionersOnly bool             `json:"practitioners_only"`
	InStock           bool             `json:"in_stock"`
	Image             string           `json:"image"` // absolute URL, "" when there is none
	Variants          []apiVariantJSON `json:"variants"`
	// Description and DescriptionEn are given for a single product only:
	// a listing does not need them.
	Description   string `json:"description,omitempty"`
	DescriptionEn string `json:"description_en,omitempty"`
}

// apiVariantJSON is one buyable option of a product. The exact stock is
// left out on purpose: in_stock is what a buyer needs, and stock levels are
// the shop's business.
type apiVariantJSON struct {
	SKU     string   `json:"sku"`
	Label   string   `json:"label"`
	LabelEn string   `json:"label_en"`
	Price   shop.Yen `json:"price"`
	InStock bool     `json:"in_stock"`
}

// apiProductsJSON is one page of a product listing.
type apiProductsJSON struct {
	Products []apiProductJSON `json:"products"`
	Total    int              `json:"total"` // matching products on all pages
	Limit    int              `json:"limit"`
	Offset   int              `json:"offset"`
}

// apiCategoryJSON is one category of the flattened tree.
type apiCategoryJSON struct {
	Slug   string  `json:"slug"`
	Name   string  `json:"name"`
	NameEn string  `json:"name_en"`
	Parent *string `json:"parent"` // the parent's slug; null at the top
	// ProductCount counts the published products in the category and all
	// its descendants, as a category filter on /products finds them.
	ProductCount int `json:"product_count"`
}

// apiCategoriesJSON is the whole category tree, parents before children.
type apiCategoriesJSON struct {
	Categories []apiCategoryJSON `json:"categories"`
}

// apiProducts lists or searches published products. The body of a listing
// the catalogue has cached is encoded once (productsCache).
func (s *Server) apiProducts(c *productsCache) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q, err := parseProductQuery(r.URL.Query())
		if err != nil {
			s.writeJSONError(w, r, err)
			return
		}
		products, total, err := s.catalog.Search(r.Context(), q)
		if err != nil {
			s.writeJSONError(w, r, fmt.Errorf("api: list products: %w", err))
			return
		}
		limit := q.Limit
		if limit == 0 {
			limit = catalog.DefaultLimit
		}
		key := productsKey(q, limit)
		now := s.now()
		body, ok := c.get(key, products, total, now)
		if !ok {
			out := apiProductsJSON{Products: make([]apiProductJSON, 0, len(products)), Total: total, Limit: limit, Offset: q.Offset}
			for _, p := range products {
				out.Products = append(out.Products, s.productJSON(p))
			}
			if body, err = encodeJSON(out); err != nil {
				s.writeJSONError(w, r, fmt.Errorf("api: list products: %w", err))
				return
			}
			c.put(key, products, total, body, now)
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body) // a failed write is the client gone
	}
}

// parseProductQuery reads q, category, sort, limit and offset. Text that is
// not a number is reported here; ranges are the catalog's to check, so
// that the API and the pages agree on them. An explicit limit of 0 is out
// of range rather than "the default": the default is asked for by leaving
// limit out.
func parseProductQuery(v url.Values) (catalog.Query, error) {
	q := catalog.Query{Q: v.Get("q"), Category: v.Get("category"), Sort: v.Get("sort")}
	p := shop.Problems{}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		switch {
		case err != nil:
			p.Add("limit", shop.ReasonFormat)
		case n < 1 || n > catalog.MaxLimit:
			p.Add("limit", shop.ReasonRange)
		default:
			q.Limit = n
		}
	}
	if s := v.Get("offset"); s != "" {
		n, err := strconv.Atoi(s)
		switch {
		case errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(s, "-"):
			q.Offset = shop.MaxOffset // past every page: an empty one, not an error
		case err != nil:
			p.Add("offset", shop.ReasonFormat)
		case n < 0:
			p.Add("offset", shop.ReasonRange)
		default:
			q.Offset = n
		}
	}
	if q.Sort != "" && !slices.Contains(catalog.Sorts, q.Sort) {
		p.Add("sort", shop.ReasonChoice)
	}
	return q, p.Err()
}

// apiProduct shows one published product with its description.
func (s *Server) apiProduct(w http.ResponseWriter, r *http.Request) {
	p, err := s.catalog.ProductBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		s.writeJSONError(w, r, fmt.Errorf("api: product: %w", err))
		return
	}
	out := s.productJSON(*p)
	out.Description, out.DescriptionEn = p.DescriptionJa, p.DescriptionEn
	writeJSON(w, http.StatusOK, out)
}

// apiCategories lists every category with its product count.
func (s *Server) apiCategories(w http.ResponseWriter, r *http.Request) {
	roots, err := s.catalog.Categories(r.Context())
	if err != nil {
		s.writeJSONError(w, r, fmt.Errorf("api: categories: %w", err))
		return
	}
	out := apiCategoriesJSON{Categories: []apiCategoryJSON{}}
	var add func(cs []*catalog.Category, parent *string) error
	add = func(cs []*catalog.Category, parent *string) error {
		for _, c := range cs {
			n, err := s.productCount(r, c.Slug)
			if err != nil {
				return err
			}
			out.Categories = append(out.Categories, apiCategoryJSON{Slug: c.Slug, Name: c.NameJa, NameEn: c.NameEn,
				Parent: parent, ProductCount: n})
			if err := add(c.Children, &c.Slug); err != nil {
				return err
			}
		}
		return nil
	}
	if err := add(roots, nil); err != nil {
		s.writeJSONError(w, r, fmt.Errorf("api: categories: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// productCount is the number of published products in the category and its
// descendants: the total of a category search, the same rule the product
// listing filters by. The offset lies past any page, so the search counts
// and loads no product.
func (s *Server) productCount(r *http.Request, slug string) (int, error) {
	_, total, err := s.catalog.Search(r.Context(), catalog.Query{Category: slug, Limit: 1, Offset: math.MaxInt32})
	if err != nil {
		return 0, fmt.Errorf("count products of %s: %w", slug, err)
	}
	return total, nil
}

// productJSON is p as a guest sees it.
func (s *Server) productJSON(p catalog.Product) apiProductJSON {
	guest := shop.Viewer{}
	lowest, _ := p.PriceRange(guest)
	out := apiProductJSON{ID: p.ID, Slug: p.Slug, Name: p.NameJa, NameEn: p.NameEn, Category: p.CategorySlug,
		Price: lowest, TaxRate: p.TaxRate(), PractitionersOnly: p.PractitionersOnly, InStock: p.InStock(),
		Variants: make([]apiVariantJSON, 0, len(p.Variants))}
	if len(p.Images) > 0 {
		out.Image = s.cfg.BaseURL + p.Images[0].Path
	}
	for _, v := range p.Variants {
		out.Variants = append(out.Variants, apiVariantJSON{SKU: v.SKU, Label: v.LabelJa, LabelEn: v.LabelEn,
			Price: v.PriceFor(guest), InStock: v.Stock > 0})
	}
	return out
}

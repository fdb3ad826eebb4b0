package web

import (
	"fmt"
	"net/http"

	"kaede/internal/catalog"
	"kaede/internal/shop"
)

// navLinks is the category navigation under the header: the top-level
// categories in the shop's order, named in the page's language.
func (s *Server) navLinks(r *http.Request) ([]NavLink, error) {
	cats, err := s.catalog.Categories(r.Context())
	if err != nil {
		return nil, fmt.Errorf("navigation: %w", err)
	}
	lang := info(r).Lang
	links := make([]NavLink, len(cats))
	for i, c := range cats {
		links[i] = NavLink{URL: "/category/" + c.Slug, Label: c.Name(lang)}
	}
	return links, nil
}

// crumbs is the trail of links from the top category down to the one
// with slug, for the breadcrumb; a slug not in the tree has none.
func (s *Server) crumbs(r *http.Request, slug string) ([]NavLink, error) {
	cats, err := s.catalog.Categories(r.Context())
	if err != nil {
		return nil, fmt.Errorf("breadcrumb: %w", err)
	}
	lang := info(r).Lang
	var walk func(cs []*catalog.Category) []NavLink
	walk = func(cs []*catalog.Category) []NavLink {
		for _, c := range cs {
			here := NavLink{URL: "/category/" + c.Slug, Label: c.Name(lang)}
			if c.Slug == slug {
				return []NavLink{here}
			}
			if below := walk(c.Children); below != nil {
				return append([]NavLink{here}, below...)
			}
		}
		return nil
	}
	return walk(cats), nil
}

// cartCount is the number of items in the session's cart for the header.
// Only a session that has a cart costs a query; a cart that has gone
// counts as empty rather than failing the page.
func (s *Server) cartCount(r *http.Request) int {
	sess := CurrentSession(r)
	if sess.CartID == "" {
		return 0
	}
	n, err := s.carts.Count(r.Context(), sess.CartID, sess.MemberID)
	if err != nil {
		if shop.ErrorCode(err) != shop.NotFound {
			s.log.Error("cart count", "request_id", requestID(r), "error", err)
		}
		return 0
	}
	return n
}

package web

import (
	"fmt"
	"net/http"

	"kaede/internal/catalog"
	"kaede/internal/member"
	"kaede/internal/shop"
)

// How many favourites my page shows before 「すべて見る」, and how many
// recently viewed products a product page shows.
const (
	homeFavourites = 4
	pageRecent     = 6
)

// favouriteCards are the member's お気に入り still for sale, as cards
// priced for them, the latest first; limit 0 means all.
func (s *Server) favouriteCards(r *http.Request, m *member.Member, limit int) ([]productCard, error) {
	ids, err := s.members.Favourites(r.Context(), m.ID)
	if err != nil {
		return nil, fmt.Errorf("account: %w", err)
	}
	return s.cardsByID(r, m.Viewer(), ids, limit)
}

// recentCards are the products the member looked at lately, still for
// sale, the latest first, leaving out the product skip (the page being
// shown); limit 0 means all.
func (s *Server) recentCards(r *http.Request, m *member.Member, skip int64) ([]productCard, error) {
	ids, err := s.members.RecentViews(r.Context(), m.ID)
	if err != nil {
		return nil, fmt.Errorf("account: %w", err)
	}
	kept := ids[:0]
	for _, id := range ids {
		if id != skip {
			kept = append(kept, id)
		}
	}
	limit := 0
	if skip != 0 {
		limit = pageRecent
	}
	return s.cardsByID(r, m.Viewer(), kept, limit)
}

// cardsByID reads the published products among ids, in that order, as
// listing cards for the viewer; limit 0 means all.
func (s *Server) cardsByID(r *http.Request, viewer shop.Viewer, ids []int64, limit int) ([]productCard, error) {
	products, err := s.catalog.ProductsByID(r.Context(), ids)
	if err != nil {
		return nil, err
	}
	if limit > 0 && len(products) > limit {
		products = products[:limit]
	}
	return productCards(info(r).Lang, viewer, products), nil
}

// favouritesView is the data of account_favourites.
type favouritesView struct {
	Products []productCard
	Max      int
}

// favouritesPage lists the member's お気に入り, each with a button to take
// it off.
func (s *Server) favouritesPage(w http.ResponseWriter, r *http.Request) {
	m, err := s.me(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	cards, err := s.favouriteCards(r, m, 0)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "account_favourites", favouritesView{Products: cards, Max: member.MaxFavourites})
}

// favouriteProduct is the published product a favourite form names by its
// slug; an unknown slug is NotFound.
func (s *Server) favouriteProduct(r *http.Request) (*catalog.Product, error) {
	return s.catalog.ProductBySlug(r.Context(), r.PathValue("slug"))
}

// favouriteAdd is a product page's 「お気に入りに追加」: back to the product
// page, or that page with why it could not be added (the list is full).
func (s *Server) favouriteAdd(w http.ResponseWriter, r *http.Request) {
	s.form(w, r)
	p, err := s.favouriteProduct(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if err := s.members.AddFavourite(r.Context(), CurrentSession(r).MemberID, p.ID); err != nil {
		if shop.ErrorCode(err) != shop.Invalid {
			s.renderError(w, r, err)
			return
		}
		view, verr := s.productView(r, p.Slug)
		if verr != nil {
			s.renderError(w, r, verr)
			return
		}
		view.Notice = "favourites.full"
		s.render(w, r, http.StatusUnprocessableEntity, "product", view)
		return
	}
	http.Redirect(w, r, "/products/"+p.Slug+"#favourite", http.StatusSeeOther)
}

// favouriteRemove takes a product off the お気に入り, from the product page
// or the favourites page (?from=account), and goes back there.
func (s *Server) favouriteRemove(w http.ResponseWriter, r *http.Request) {
	f := s.form(w, r)
	p, err := s.favouriteProduct(r)
	if err != nil && shop.ErrorCode(err) != shop.NotFound {
		s.renderError(w, r, err)
		return
	}
	back := "/account/favourites"
	if err == nil {
		if err := s.members.RemoveFavourite(r.Context(), CurrentSession(r).MemberID, p.ID); err != nil {
			s.renderError(w, r, err)
			return
		}
		if f.String("from") != "account" {
			back = "/products/" + p.Slug + "#favourite"
		}
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// memberExtras fills in the product page's お気に入り state and the
// member's recently viewed products; a guest gets neither.
func (s *Server) memberExtras(r *http.Request, view *productView) error {
	m, err := s.currentMember(r)
	if err != nil || m == nil {
		return err
	}
	view.Member = true
	if view.Favourite, err = s.members.IsFavourite(r.Context(), m.ID, view.Product.ID); err != nil {
		return fmt.Errorf("product page: %w", err)
	}
	view.Recent, err = s.recentCards(r, m, view.Product.ID)
	return err
}

package admin

import (
	"context"
	"net/http"
	"strings"

	"kaede/internal/catalog"
	"kaede/internal/shop"
)

// relatedSlugs are the slugs of the products shown with p, in staff's
// order, drafts included, for the related products form.
func (s *Server) relatedSlugs(ctx context.Context, p *catalog.Product) ([]string, error) {
	slugs := make([]string, 0, len(p.Related))
	for _, id := range p.Related {
		r, err := s.catalog.ProductByID(ctx, id)
		if err != nil {
			return nil, err
		}
		slugs = append(slugs, r.Slug)
	}
	return slugs, nil
}

// imageMoveAction moves an image one place up or down the product's
// gallery (dir=up or down): buttons, not dragging, so that it works
// without JavaScript and from a keyboard.
func (s *Server) imageMoveAction(w http.ResponseWriter, r *http.Request) {
	id, err := catalogPathID(r, "id")
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	f := newForm(r)
	path, dir := f.String("path"), f.String("dir")
	if path == "" || dir != "up" && dir != "down" {
		s.renderError(w, r, shop.Errorf(shop.NotFound, "no such image"))
		return
	}
	if err := s.catalog.MoveImage(r.Context(), id, path, dir == "up", s.catalogActor(r)); err != nil {
		s.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, productURL(id)+"?done=image_moved#images", http.StatusSeeOther)
}

// tagsAction replaces the product's tags with the form's (one a line or
// separated by commas).
func (s *Server) tagsAction(w http.ResponseWriter, r *http.Request) {
	view, err := s.productPage(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	tags := newForm(r).Raw("tags")
	if err := s.catalog.SetTags(r.Context(), view.Product.ID, catalog.ParseTags(tags), s.catalogActor(r)); err != nil {
		view.Values.Set("tags", tags)
		s.catalogFormError(w, r, "catalog_product", view, err, "", "")
		return
	}
	http.Redirect(w, r, productURL(view.Product.ID)+"?done=tags_saved#product-tags", http.StatusSeeOther)
}

// relatedAction replaces the products shown with this one by the form's
// slugs, one a line (or separated by commas or spaces), in that order.
func (s *Server) relatedAction(w http.ResponseWriter, r *http.Request) {
	view, err := s.productPage(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	raw := newForm(r).Raw("related")
	slugs := strings.FieldsFunc(raw, func(c rune) bool { return c == ',' || c == '、' || c == ' ' || c == '\n' || c == '\r' || c == '\t' })
	if err := s.catalog.SetRelated(r.Context(), view.Product.ID, slugs, s.catalogActor(r)); err != nil {
		view.Values.Set("related", raw)
		s.catalogFormError(w, r, "catalog_product", view, err, "", "")
		return
	}
	http.Redirect(w, r, productURL(view.Product.ID)+"?done=related_saved#product-related", http.StatusSeeOther)
}

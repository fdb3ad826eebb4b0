package admin

import (
	"net/http"

	"kaede/internal/content"
	"kaede/internal/shop"
)

// legalPageView is the legal page form's data.
type legalPageView struct {
	Page content.Page
}

// legalPageSlug reads the {slug} of the path: one of content.LegalSlugs,
// or the page is not found.
func legalPageSlug(r *http.Request) (string, error) {
	slug := r.PathValue("slug")
	if !content.IsLegalSlug(slug) {
		return "", shop.Errorf(shop.NotFound, "no such page")
	}
	return slug, nil
}

// legalPageEditPage is the form for one legal page's text.
func (s *Server) legalPageEditPage(w http.ResponseWriter, r *http.Request) {
	slug, err := legalPageSlug(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	p, err := s.pages.Get(r.Context(), slug)
	if shop.ErrorCode(err) == shop.NotFound {
		p, err = content.Page{Slug: slug}, nil // the defaults are written at start
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "content_page", legalPageView{Page: p})
}

// legalPageSaveAction saves a legal page's text; the store shows it at
// once (it reads the row on every request).
func (s *Server) legalPageSaveAction(w http.ResponseWriter, r *http.Request) {
	slug, err := legalPageSlug(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	f := newForm(r)
	p := content.Page{Slug: slug, TitleJa: f.Raw("title_ja"), BodyJa: f.Raw("body_ja"), TitleEn: f.Raw("title_en"), BodyEn: f.Raw("body_en")}
	if err := s.pages.Save(r.Context(), p, s.actor(r).Actor); err != nil {
		s.catalogFormError(w, r, "content_page", legalPageView{Page: p}, err, "", "")
		return
	}
	http.Redirect(w, r, Prefix+"content?done=page_saved", http.StatusSeeOther)
}

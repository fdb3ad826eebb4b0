package web

import (
	"context"
	"time"

	"kaede/internal/content"
	"kaede/internal/ui"
)

// contentPage is one shop-edited page in one language. The body is plain
// text: templates escape it and split it into paragraphs, so an edited
// page can never inject markup or script.
type contentPage struct {
	Title     string
	Body      string
	UpdatedAt time.Time
}

// loadContent returns the page with the slug in lang, or a NotFound error.
// An English page without a body shows the Japanese.
func (s *Server) loadContent(ctx context.Context, slug, lang string) (contentPage, error) {
	p, err := s.legal.Get(ctx, slug)
	if err != nil {
		return contentPage{}, err
	}
	if lang == ui.English && p.BodyEn != "" {
		return contentPage{Title: p.TitleEn, Body: p.BodyEn, UpdatedAt: p.UpdatedAt}, nil
	}
	return contentPage{Title: p.TitleJa, Body: p.BodyJa, UpdatedAt: p.UpdatedAt}, nil
}

// EnsureDefaultContent inserts the default privacy policy, terms of use
// and the free-text part of the 特定商取引法 notice, in Japanese and
// English, for each one that is missing. Pages the shop has edited are left
// alone. cmd/kaede calls it at start.
func EnsureDefaultContent(ctx context.Context, pages *content.Pages) error {
	defaults, err := ui.DefaultPages()
	if err != nil {
		return err
	}
	out := make([]content.Page, len(defaults))
	for i, p := range defaults {
		out[i] = content.Page{Slug: p.Slug, TitleJa: p.TitleJa, BodyJa: p.BodyJa, TitleEn: p.TitleEn, BodyEn: p.BodyEn}
	}
	return pages.EnsureDefaults(ctx, out)
}

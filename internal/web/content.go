package web

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"kaede/internal/db"
	"kaede/internal/shop"
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
func (s *Server) loadContent(ctx context.Context, slug, lang string) (contentPage, error) {
	var ja, en contentPage
	err := s.db.QueryRowContext(ctx, `SELECT title_ja, body_ja, title_en, body_en, updated_at
		FROM content_pages WHERE slug = $1`, slug).Scan(&ja.Title, &ja.Body, &en.Title, &en.Body, &ja.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return contentPage{}, shop.Errorf(shop.NotFound, "no page %q", slug)
	}
	if err != nil {
		return contentPage{}, fmt.Errorf("load content page %s: %w", slug, err)
	}
	if lang == ui.English && en.Body != "" {
		en.UpdatedAt = ja.UpdatedAt
		return en, nil
	}
	return ja, nil
}

// EnsureDefaultContent inserts the default privacy policy, terms of use
// and the free-text part of the 特定商取引法 notice, in Japanese and
// English, for each one that is missing. Pages the shop has edited are left
// alone. cmd/kaede calls it at start (or at "migrate").
func EnsureDefaultContent(ctx context.Context, d *db.DB, now time.Time) error {
	pages, err := ui.DefaultPages()
	if err != nil {
		return err
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		for _, p := range pages {
			_, err := tx.ExecContext(ctx, `INSERT INTO content_pages
				(slug, title_ja, body_ja, title_en, body_en, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6)
				ON CONFLICT (slug) DO NOTHING`,
				p.Slug, p.TitleJa, p.BodyJa, p.TitleEn, p.BodyEn, now)
			if err != nil {
				return fmt.Errorf("default content %s: %w", p.Slug, err)
			}
		}
		return nil
	})
}

package admin

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"kaede/internal/db"
	"kaede/internal/shop"
)

// The legal pages' text lives in the content_pages table, which has no
// service package yet: the few statements below are the whole of it. They
// belong in a content-pages package (beside internal/content's news) once
// a second caller appears; until then the admin is the only writer and the
// store (internal/web) the only reader.

// legalSlugs are the pages staff may edit: the privacy policy, the terms
// of use, and the free-text part of the 特定商取引法 notice (the rest of
// that notice comes from the shop's settings).
var legalSlugs = []string{"privacy", "terms", "tokushoho"}

// Length limits of a legal page, in characters.
const (
	maxLegalTitle = 200
	maxLegalBody  = 50000
)

// legalPage is one row of content_pages. Bodies are plain text: the store
// escapes them and splits them into paragraphs, so nothing typed here is
// ever HTML.
type legalPage struct {
	Slug      string    `json:"slug"`
	TitleJa   string    `json:"title_ja"`
	BodyJa    string    `json:"body_ja"`
	TitleEn   string    `json:"title_en"`
	BodyEn    string    `json:"body_en"`
	UpdatedAt time.Time `json:"-"`
}

func isLegalSlug(slug string) bool {
	for _, s := range legalSlugs {
		if s == slug {
			return true
		}
	}
	return false
}

// loadLegalPages returns the editable pages in legalSlugs' order; a page
// with no row yet (the defaults are written at start) is shown empty.
func loadLegalPages(ctx context.Context, d *db.DB) ([]legalPage, error) {
	out := make([]legalPage, 0, len(legalSlugs))
	err := d.ReadTx(ctx, func(tx *sql.Tx) error {
		for _, slug := range legalSlugs {
			p, err := readLegalPage(ctx, tx, slug, "")
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load legal pages: %w", err)
	}
	return out, nil
}

// readLegalPage reads the page's row inside tx; lock is the dialect's
// row-lock clause (db.ForUpdate) or "". A missing row is an empty page
// with the slug.
func readLegalPage(ctx context.Context, tx *sql.Tx, slug, lock string) (legalPage, error) {
	p := legalPage{Slug: slug}
	err := tx.QueryRowContext(ctx, `
		SELECT title_ja, body_ja, title_en, body_en, updated_at
		FROM content_pages
		WHERE slug = $1`+lock, slug).Scan(&p.TitleJa, &p.BodyJa, &p.TitleEn, &p.BodyEn, &p.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return p, nil
	}
	if err != nil {
		return legalPage{}, fmt.Errorf("read content page %s: %w", slug, err)
	}
	p.UpdatedAt = p.UpdatedAt.UTC()
	return p, nil
}

// clean makes line breaks one kind and trims the text around the values.
func (p legalPage) clean() legalPage {
	crlf := strings.NewReplacer("\r\n", "\n", "\r", "\n")
	p.TitleJa, p.TitleEn = strings.TrimSpace(p.TitleJa), strings.TrimSpace(p.TitleEn)
	p.BodyJa, p.BodyEn = strings.TrimSpace(crlf.Replace(p.BodyJa)), strings.TrimSpace(crlf.Replace(p.BodyEn))
	return p
}

// validate names every bad field. The Japanese page is required; the
// English one may be empty (the store then shows the Japanese), but an
// English body needs its title.
func (p legalPage) validate() error {
	problems := shop.Problems{}
	shop.CheckText(problems, "title_ja", p.TitleJa, true, maxLegalTitle)
	shop.CheckText(problems, "title_en", p.TitleEn, p.BodyEn != "", maxLegalTitle)
	checkLegalBody(problems, "body_ja", p.BodyJa, true)
	checkLegalBody(problems, "body_en", p.BodyEn, false)
	return problems.Err()
}

// checkLegalBody allows line breaks and tabs and no other control
// character: a page of text needs none, and a NUL or an escape code pasted
// from another program would show differently to staff and to customers.
func checkLegalBody(problems shop.Problems, field, v string, required bool) {
	switch {
	case v == "" && required:
		problems.Add(field, shop.ReasonRequired)
	case utf8.RuneCountInString(v) > maxLegalBody:
		problems.Add(field, shop.ReasonLength)
	case !utf8.ValidString(v) || strings.IndexFunc(v, func(r rune) bool {
		return unicode.IsControl(r) && r != '\n' && r != '\t'
	}) >= 0:
		problems.Add(field, shop.ReasonFormat)
	}
}

// saveLegalPage validates p and writes its row, with an audit entry
// ("content.page.update", the page before and after) in the same
// transaction, so that a change to a legal text can always be traced.
func (s *Server) saveLegalPage(ctx context.Context, r *http.Request, p legalPage) error {
	p = p.clean()
	if err := p.validate(); err != nil {
		return err
	}
	p.UpdatedAt = s.now().UTC()
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		before, err := readLegalPage(ctx, tx, p.Slug, s.db.ForUpdate())
		if err != nil {
			return err
		}
		// The defaults are written at start; should a row be missing, the
		// save creates it rather than fail.
		_, err = tx.ExecContext(ctx, `
			INSERT INTO content_pages (slug, title_ja, body_ja, title_en, body_en, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (slug) DO UPDATE
			SET title_ja = excluded.title_ja, body_ja = excluded.body_ja, title_en = excluded.title_en,
				body_en = excluded.body_en, updated_at = excluded.updated_at`,
			p.Slug, p.TitleJa, p.BodyJa, p.TitleEn, p.BodyEn, p.UpdatedAt)
		if err != nil {
			return fmt.Errorf("write content page %s: %w", p.Slug, err)
		}
		var old any
		if !before.UpdatedAt.IsZero() {
			old = before
		}
		return s.audit(ctx, tx, r, "content.page.update", "content_page:"+p.Slug, old, p)
	})
	if err != nil {
		return fmt.Errorf("save content page %s: %w", p.Slug, err)
	}
	return nil
}

// legalPageView is the legal page form's data.
type legalPageView struct {
	Page legalPage
}

// legalPageSlug reads the {slug} of the path: one of legalSlugs, or the
// page is not found.
func legalPageSlug(r *http.Request) (string, error) {
	slug := r.PathValue("slug")
	if !isLegalSlug(slug) {
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
	var p legalPage
	err = s.db.ReadTx(r.Context(), func(tx *sql.Tx) error {
		p, err = readLegalPage(r.Context(), tx, slug, "")
		return err
	})
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
	p := legalPage{Slug: slug, TitleJa: f.Raw("title_ja"), BodyJa: f.Raw("body_ja"), TitleEn: f.Raw("title_en"), BodyEn: f.Raw("body_en")}
	if err := s.saveLegalPage(r.Context(), r, p); err != nil {
		s.catalogFormError(w, r, "content_page", legalPageView{Page: p}, err, "", "")
		return
	}
	http.Redirect(w, r, Prefix+"content?done=page_saved", http.StatusSeeOther)
}

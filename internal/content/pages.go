package content

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/shop"
)

// LegalSlugs are the pages staff may edit: the privacy policy, the terms
// of use, and the free-text part of the 特定商取引法 notice (the rest of
// that notice comes from the shop's settings).
var LegalSlugs = []string{"privacy", "terms", "tokushoho"}

// IsLegalSlug reports whether slug is one of LegalSlugs.
func IsLegalSlug(slug string) bool {
	for _, s := range LegalSlugs {
		if s == slug {
			return true
		}
	}
	return false
}

// Length limits of a legal page, in characters.
const (
	MaxPageTitle = 200
	MaxPageBody  = 50000
)

// Page is one of the shop's legal pages (the content_pages table), in
// Japanese and, optionally, English. Bodies are plain text: the store
// escapes them and splits them into paragraphs, so nothing typed in the
// admin is ever HTML. The JSON names are what the audit log records.
type Page struct {
	Slug      string    `json:"slug"`
	TitleJa   string    `json:"title_ja"`
	BodyJa    string    `json:"body_ja"`
	TitleEn   string    `json:"title_en"`
	BodyEn    string    `json:"body_en"`
	UpdatedAt time.Time `json:"-"`
}

// Pages reads and writes the legal pages: the admin edits them, the store
// shows them, each change audited.
type Pages struct {
	db    *db.DB
	clock shop.Clock
}

// NewPages returns the legal pages on d, stamped with clock's time.
func NewPages(d *db.DB, clock shop.Clock) *Pages {
	return &Pages{db: d, clock: clock}
}

// Get returns the page with the slug, or a NotFound error when it has no
// row (the defaults are written at start, so only an unknown slug).
func (ps *Pages) Get(ctx context.Context, slug string) (Page, error) {
	var p Page
	err := ps.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		p, err = readPage(ctx, tx, slug, "")
		return err
	})
	if err != nil {
		return Page{}, err
	}
	if p.UpdatedAt.IsZero() {
		return Page{}, shop.Errorf(shop.NotFound, "no page %q", slug)
	}
	return p, nil
}

// Legal returns the editable pages in LegalSlugs' order; a page with no
// row yet is returned empty, with its slug.
func (ps *Pages) Legal(ctx context.Context) ([]Page, error) {
	out := make([]Page, 0, len(LegalSlugs))
	err := ps.db.ReadTx(ctx, func(tx *sql.Tx) error {
		for _, slug := range LegalSlugs {
			p, err := readPage(ctx, tx, slug, "")
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

// readPage reads the page's row inside tx; lock is the dialect's row-lock
// clause (db.ForUpdate) or "". A missing row is an empty page with the
// slug and a zero UpdatedAt.
func readPage(ctx context.Context, tx *sql.Tx, slug, lock string) (Page, error) {
	p := Page{Slug: slug}
	err := tx.QueryRowContext(ctx, `
		SELECT title_ja, body_ja, title_en, body_en, updated_at
		FROM content_pages
		WHERE slug = $1`+lock, slug).Scan(&p.TitleJa, &p.BodyJa, &p.TitleEn, &p.BodyEn, &p.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return p, nil
	}
	if err != nil {
		return Page{}, fmt.Errorf("read content page %s: %w", slug, err)
	}
	p.UpdatedAt = p.UpdatedAt.UTC()
	return p, nil
}

// cleanPage makes line breaks one kind and trims the text around the
// values.
func cleanPage(p Page) Page {
	crlf := strings.NewReplacer("\r\n", "\n", "\r", "\n")
	p.TitleJa, p.TitleEn = strings.TrimSpace(p.TitleJa), strings.TrimSpace(p.TitleEn)
	p.BodyJa, p.BodyEn = strings.TrimSpace(crlf.Replace(p.BodyJa)), strings.TrimSpace(crlf.Replace(p.BodyEn))
	return p
}

// validatePage names every bad field. The Japanese page is required; the
// English one may be empty (the store then shows the Japanese), but an
// English body needs its title.
func validatePage(p Page) error {
	problems := shop.Problems{}
	if !IsLegalSlug(p.Slug) {
		problems.Add("slug", shop.ReasonChoice)
	}
	shop.CheckText(problems, "title_ja", p.TitleJa, true, MaxPageTitle)
	shop.CheckText(problems, "title_en", p.TitleEn, p.BodyEn != "", MaxPageTitle)
	checkBody(problems, "body_ja", p.BodyJa, true, MaxPageBody)
	checkBody(problems, "body_en", p.BodyEn, false, MaxPageBody)
	return problems.Err()
}

// Save validates p and writes its row, with an audit entry
// ("content.page.update", the page before and after) in the same
// transaction, so that a change to a legal text can always be traced. The
// store shows it at once: it reads the row on every request.
func (ps *Pages) Save(ctx context.Context, p Page, by audit.Actor) error {
	p = cleanPage(p)
	if err := validatePage(p); err != nil {
		return err
	}
	p.UpdatedAt = ps.clock().UTC()
	err := ps.db.Tx(ctx, func(tx *sql.Tx) error {
		before, err := readPage(ctx, tx, p.Slug, ps.db.ForUpdate())
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
		var was any // a page saved for the first time has no before
		if !before.UpdatedAt.IsZero() {
			was = before
		}
		return audit.Record(ctx, tx, p.UpdatedAt, by, "content.page.update", "content_page:"+p.Slug, was, p)
	})
	if err != nil {
		return fmt.Errorf("save content page %s: %w", p.Slug, err)
	}
	return nil
}

// EnsureDefaults inserts each default page that is missing; pages the shop
// has edited are left alone. cmd/kaede calls it at start with the default
// privacy policy, terms of use and 特定商取引法 text.
func (ps *Pages) EnsureDefaults(ctx context.Context, defaults []Page) error {
	now := ps.clock().UTC()
	return ps.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, p := range defaults {
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

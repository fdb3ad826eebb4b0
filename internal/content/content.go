// Package content holds the shop's news posts (お知らせ): holiday notices,
// new products, price changes. A post is plain text in Japanese and,
// optionally, English; the store's templates show its blank-line
// separated paragraphs, escaped, so no markup typed in the admin screen
// ever reaches a page.
package content

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/shop"
)

// Post statuses: a draft is invisible to customers.
const (
	StatusDraft     = "draft"
	StatusPublished = "published"
)

// Length limits, in characters.
const (
	MaxTitle = 200
	MaxBody  = 20000
)

// Post is one news post.
type Post struct {
	ID      int64
	TitleJa string
	TitleEn string // optional; Title("en") falls back to TitleJa
	BodyJa  string // plain text; paragraphs separated by blank lines
	BodyEn  string
	Status  string // StatusDraft or StatusPublished
	// PublishedAt is the date the post carries; a published post shows on
	// the store from this moment on. Zero on Create means now.
	PublishedAt time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Title returns the post's title in lang, falling back to Japanese.
func (p Post) Title(lang string) string {
	if lang == "en" && p.TitleEn != "" {
		return p.TitleEn
	}
	return p.TitleJa
}

// Body returns the post's body in lang; the English body is shown only
// with an English title, so that a page never mixes the two.
func (p Post) Body(lang string) string {
	if lang == "en" && p.TitleEn != "" && p.BodyEn != "" {
		return p.BodyEn
	}
	return p.BodyJa
}

// Paragraphs splits a body into its paragraphs at blank lines, each with
// its own line breaks kept, for a template to show one <p> each.
func Paragraphs(body string) []string {
	var out []string
	for _, para := range strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n\n") {
		if para = strings.Trim(para, "\n"); strings.TrimSpace(para) != "" {
			out = append(out, para)
		}
	}
	return out
}

// Service reads and writes news posts.
type Service struct {
	db    *db.DB
	clock shop.Clock
}

// New returns the news posts on d, stamped with clock's time.
func New(d *db.DB, clock shop.Clock) *Service {
	return &Service{db: d, clock: clock}
}

// clean trims titles and bodies and makes line breaks one kind.
func clean(p Post) Post {
	crlf := strings.NewReplacer("\r\n", "\n")
	p.TitleJa, p.TitleEn = strings.TrimSpace(p.TitleJa), strings.TrimSpace(p.TitleEn)
	p.BodyJa, p.BodyEn = strings.TrimSpace(crlf.Replace(p.BodyJa)), strings.TrimSpace(crlf.Replace(p.BodyEn))
	if p.Status == "" {
		p.Status = StatusDraft
	}
	return p
}

// validate names every bad field of p.
func validate(p Post) error {
	problems := shop.Problems{}
	shop.CheckText(problems, "title_ja", p.TitleJa, true, MaxTitle)
	shop.CheckText(problems, "title_en", p.TitleEn, false, MaxTitle)
	checkBody(problems, "body_ja", p.BodyJa, true, MaxBody)
	checkBody(problems, "body_en", p.BodyEn, false, MaxBody)
	if p.Status != StatusDraft && p.Status != StatusPublished {
		problems.Add("status", shop.ReasonChoice)
	}
	return problems.Err()
}

// checkBody allows line breaks and tabs, which a body has and a title
// does not, and no other control character: a NUL or an escape code pasted
// from another program would show differently to staff and to customers.
// News posts and legal pages share it with their own length limits.
func checkBody(problems shop.Problems, field, v string, required bool, max int) {
	shop.CheckMultiline(problems, field, v, required, max)
}

// postState is a post as the audit log records it.
type postState struct {
	ID          int64     `json:"id"`
	TitleJa     string    `json:"title_ja"`
	TitleEn     string    `json:"title_en"`
	BodyJa      string    `json:"body_ja"`
	BodyEn      string    `json:"body_en"`
	Status      string    `json:"status"`
	PublishedAt time.Time `json:"published_at"`
}

// stateOf is nil for no post, which leaves that side of the entry empty.
func stateOf(p *Post) *postState {
	if p == nil {
		return nil
	}
	return &postState{ID: p.ID, TitleJa: p.TitleJa, TitleEn: p.TitleEn, BodyJa: p.BodyJa, BodyEn: p.BodyEn,
		Status: p.Status, PublishedAt: p.PublishedAt}
}

func target(id int64) string { return "news:" + strconv.FormatInt(id, 10) }

// record appends the audit entry of a change inside tx; a nil post
// leaves its side empty.
func (s *Service) record(ctx context.Context, tx *sql.Tx, by audit.Actor, action string, id int64, before, after *Post) error {
	if err := audit.Record(ctx, tx, s.clock(), by, action, target(id), stateOf(before), stateOf(after)); err != nil {
		return err
	}
	// The store's pages shared between guests show the news: every
	// instance drops them when this commits.
	return s.db.Announce(ctx, tx, "news")
}

// Create validates p and stores it, with its audit entry ("news.create")
// in the same transaction, and returns its id. An empty Status means
// draft; a zero PublishedAt means now.
func (s *Service) Create(ctx context.Context, p Post, by audit.Actor) (int64, error) {
	p = clean(p)
	if err := validate(p); err != nil {
		return 0, fmt.Errorf("create news post: %w", err)
	}
	now := s.clock().UTC()
	if p.PublishedAt.IsZero() {
		p.PublishedAt = now
	}
	p.PublishedAt = p.PublishedAt.UTC().Truncate(time.Microsecond)
	p.CreatedAt, p.UpdatedAt = now, now
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `
			INSERT INTO news_posts (title_ja, title_en, body_ja, body_en, status, published_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			RETURNING id`,
			p.TitleJa, p.TitleEn, p.BodyJa, p.BodyEn, p.Status, p.PublishedAt, p.CreatedAt, p.UpdatedAt).Scan(&p.ID)
		if err != nil {
			return err
		}
		return s.record(ctx, tx, by, "news.create", p.ID, nil, &p)
	})
	if err != nil {
		return 0, fmt.Errorf("create news post: %w", err)
	}
	return p.ID, nil
}

// Update replaces the post's titles, bodies, status and date with p's,
// audited as "news.update". A zero PublishedAt keeps the post's date.
func (s *Service) Update(ctx context.Context, id int64, p Post, by audit.Actor) error {
	p = clean(p)
	if err := validate(p); err != nil {
		return fmt.Errorf("update news post %d: %w", id, err)
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		before, err := s.lock(ctx, tx, id)
		if err != nil {
			return err
		}
		p.ID, p.CreatedAt, p.UpdatedAt = id, before.CreatedAt, s.clock().UTC()
		if p.PublishedAt.IsZero() {
			p.PublishedAt = before.PublishedAt
		}
		p.PublishedAt = p.PublishedAt.UTC().Truncate(time.Microsecond)
		_, err = tx.ExecContext(ctx, `
			UPDATE news_posts
			SET title_ja = $1, title_en = $2, body_ja = $3, body_en = $4, status = $5, published_at = $6, updated_at = $7
			WHERE id = $8`,
			p.TitleJa, p.TitleEn, p.BodyJa, p.BodyEn, p.Status, p.PublishedAt, p.UpdatedAt, id)
		if err != nil {
			return err
		}
		return s.record(ctx, tx, by, "news.update", id, before, &p)
	})
	if err != nil {
		return fmt.Errorf("update news post %d: %w", id, err)
	}
	return nil
}

// Delete removes the post, audited as "news.delete" with the post as it
// was, so that the log keeps what was said.
func (s *Service) Delete(ctx context.Context, id int64, by audit.Actor) error {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		before, err := s.lock(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM news_posts WHERE id = $1`, id); err != nil {
			return err
		}
		return s.record(ctx, tx, by, "news.delete", id, before, nil)
	})
	if err != nil {
		return fmt.Errorf("delete news post %d: %w", id, err)
	}
	return nil
}

const postColumns = `id, title_ja, title_en, body_ja, body_en, status, published_at, created_at, updated_at`

func scanPosts(rows *sql.Rows) ([]Post, error) {
	defer rows.Close()
	var out []Post
	for rows.Next() {
		var p Post
		if err := rows.Scan(&p.ID, &p.TitleJa, &p.TitleEn, &p.BodyJa, &p.BodyEn, &p.Status,
			&p.PublishedAt, &p.CreatedAt, &p.UpdatedAt); err != nil {
			return nil, err
		}
		p.PublishedAt, p.CreatedAt, p.UpdatedAt = p.PublishedAt.UTC(), p.CreatedAt.UTC(), p.UpdatedAt.UTC()
		out = append(out, p)
	}
	return out, rows.Err()
}

// lock reads the post and locks its row (PostgreSQL) until tx ends.
func (s *Service) lock(ctx context.Context, tx *sql.Tx, id int64) (*Post, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+postColumns+` FROM news_posts WHERE id = $1`+s.db.ForUpdate(), id)
	if err != nil {
		return nil, err
	}
	ps, err := scanPosts(rows)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, shop.Errorf(shop.NotFound, "no such news post")
	}
	return &ps[0], nil
}

// Store page sizes.
const (
	DefaultLimit = 10
	MaxLimit     = 100
)

// Published returns the newest published posts whose date has come, at
// most limit (DefaultLimit when 0), for the store.
func (s *Service) Published(ctx context.Context, limit int) ([]Post, error) {
	if limit == 0 {
		limit = DefaultLimit
	}
	if limit < 1 || limit > MaxLimit {
		return nil, shop.Problems{"limit": shop.ReasonRange}.Err()
	}
	rows, err := s.db.QueryContext(ctx, `
		SELECT `+postColumns+`
		FROM news_posts
		WHERE status = 'published' AND published_at <= $1
		ORDER BY published_at DESC, id DESC
		LIMIT $2`, s.clock().UTC(), limit)
	if err != nil {
		return nil, fmt.Errorf("published news: %w", err)
	}
	ps, err := scanPosts(rows)
	if err != nil {
		return nil, fmt.Errorf("published news: %w", err)
	}
	return ps, nil
}

// PublishedPost returns a post the store may show, or NotFound: a draft,
// or a post whose date has not come, is not found by customers.
func (s *Service) PublishedPost(ctx context.Context, id int64) (*Post, error) {
	p, err := s.PostByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.Status != StatusPublished || p.PublishedAt.After(s.clock()) {
		return nil, fmt.Errorf("news post %d: %w", id, shop.Errorf(shop.NotFound, "no such news post"))
	}
	return p, nil
}

// PostByID returns the post, draft or published, for the admin screens,
// or NotFound.
func (s *Service) PostByID(ctx context.Context, id int64) (*Post, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+postColumns+` FROM news_posts WHERE id = $1`, id)
	if err != nil {
		return nil, fmt.Errorf("news post %d: %w", id, err)
	}
	ps, err := scanPosts(rows)
	if err != nil {
		return nil, fmt.Errorf("news post %d: %w", id, err)
	}
	if len(ps) == 0 {
		return nil, fmt.Errorf("news post %d: %w", id, shop.Errorf(shop.NotFound, "no such news post"))
	}
	return &ps[0], nil
}

// AdminQuery is a listing of posts for the admin screens.
type AdminQuery struct {
	Status string // "", StatusDraft or StatusPublished
	Limit  int    // 1..MaxLimit; 0 means 50
	Offset int    // >= 0
}

// AdminList returns one page of posts, drafts and scheduled posts
// included, newest date first, and the number on all pages.
func (s *Service) AdminList(ctx context.Context, q AdminQuery) ([]Post, int, error) {
	problems := shop.Problems{}
	if q.Limit == 0 {
		q.Limit = 50
	}
	if q.Limit < 1 || q.Limit > MaxLimit {
		problems.Add("limit", shop.ReasonRange)
	}
	if q.Offset < 0 {
		problems.Add("offset", shop.ReasonRange)
	}
	q.Offset = shop.ClampOffset(q.Offset)
	if q.Status != "" && q.Status != StatusDraft && q.Status != StatusPublished {
		problems.Add("status", shop.ReasonChoice)
	}
	if err := problems.Err(); err != nil {
		return nil, 0, err
	}
	// An empty status matches every post: "$1 = ''" keeps one query.
	var total int
	var ps []Post
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `
			SELECT COUNT(*) FROM news_posts WHERE ($1 = '' OR status = $1)`, q.Status).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `
			SELECT `+postColumns+`
			FROM news_posts
			WHERE ($1 = '' OR status = $1)
			ORDER BY published_at DESC, id DESC
			LIMIT $2 OFFSET $3`, q.Status, q.Limit, q.Offset)
		if err != nil {
			return err
		}
		ps, err = scanPosts(rows)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list news posts: %w", err)
	}
	return ps, total, nil
}

// Package mailtext is the shop's own wording of the e-mails it sends to
// customers. Each package that sends e-mail keeps its embedded templates
// as the default and registers them here as Kinds; staff with the
// settings permission replace a kind's subject and body in a language, and
// the sending package renders through Render, which uses its embedded
// set with the shop's wording in place of the default.
//
// The texts are text/template: the e-mails are plain text, and nothing
// here is ever written into a page except through html/template.
package mailtext

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"text/template"
	"time"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/shop"
)

// Kind is one e-mail a package sends, as that package registers it.
type Kind struct {
	Key     string // the template's name without language and extension: "order_paid"
	Label   string // what the admin calls it, in Japanese
	LabelEn string
	Locales []string // the languages it is written in

	// Files holds the defaults at templates/KEY.LOCALE.txt (the subject
	// line, a blank line, the body); Base is the package's parsed set of
	// them, whose helpers ({{template "_signature.ja.txt" .}}) a text may
	// use.
	Files fs.FS
	Base  *template.Template

	// Sample is a filled value of the data the kind is rendered with: a
	// text is checked against its type and executed with it.
	Sample any
	// Recent returns the data of a real recent e-mail of the kind for the
	// preview, or nil when there is none; nil: always the sample.
	Recent func(ctx context.Context, locale string) (any, error)
}

// Text is one kind's wording in one language.
type Text struct {
	Kind, Locale  string
	Subject, Body string
	Custom        bool // the shop's own; false: the embedded default
	UpdatedBy     string
	UpdatedAt     time.Time
}

// source is the template source of t: the subject line, a blank line, the
// body, as the senders' renderers expect.
func (t Text) source() string {
	return strings.TrimSpace(t.Subject) + "\n\n" + strings.TrimSpace(t.Body) + "\n"
}

// changeTopic is what a save announces to every instance's cache.
const changeTopic = "mailtext"

// Service holds the registered kinds and the shop's texts, cached for a
// short time and until a save on any instance (db.Announce).
type Service struct {
	db    *db.DB
	clock shop.Clock
	ttl   time.Duration
	kinds []Kind

	mu      sync.Mutex
	texts   map[string]Text               // by name(kind, locale); only the custom ones
	parsed  map[string]*template.Template // by name, built from texts
	expires time.Time
	gen     uint64
}

// New returns the texts on d, cached for ttl or until a save anywhere on d.
func New(d *db.DB, clock shop.Clock, ttl time.Duration) *Service {
	s := &Service{db: d, clock: clock, ttl: ttl}
	d.OnChange(s.forget, changeTopic)
	return s
}

// Register adds kinds; cmd/kaede registers every sending package's kinds
// before serving.
func (s *Service) Register(kinds ...Kind) { s.kinds = append(s.kinds, kinds...) }

// Kinds are the registered kinds, in the order registered.
func (s *Service) Kinds() []Kind { return s.kinds }

// Kind returns the registered kind with the key.
func (s *Service) Kind(key string) (Kind, bool) {
	for _, k := range s.kinds {
		if k.Key == key {
			return k, true
		}
	}
	return Kind{}, false
}

func name(kind, locale string) string { return kind + "." + locale + ".txt" }

func (s *Service) forget() {
	s.mu.Lock()
	s.expires = time.Time{}
	s.gen++
	s.mu.Unlock()
}

// custom returns the shop's texts, from the cache while it is fresh.
func (s *Service) custom(ctx context.Context) (map[string]Text, map[string]*template.Template, error) {
	now := s.clock()
	s.mu.Lock()
	if now.Before(s.expires) {
		t, p := s.texts, s.parsed
		s.mu.Unlock()
		return t, p, nil
	}
	gen := s.gen
	s.mu.Unlock()
	texts := map[string]Text{}
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT kind, locale, subject, body, updated_by, updated_at FROM mail_texts`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			t := Text{Custom: true}
			if err := rows.Scan(&t.Kind, &t.Locale, &t.Subject, &t.Body, &t.UpdatedBy, &t.UpdatedAt); err != nil {
				return err
			}
			texts[name(t.Kind, t.Locale)] = t
		}
		return rows.Err()
	})
	if err != nil {
		return nil, nil, fmt.Errorf("mailtext: load: %w", err)
	}
	parsed := map[string]*template.Template{}
	s.mu.Lock()
	if gen == s.gen {
		s.texts, s.parsed, s.expires = texts, parsed, now.Add(s.ttl)
	}
	s.mu.Unlock()
	return texts, parsed, nil
}

// templates returns the set to render kind in locale with: base, or a copy
// of it in which the shop's text replaces the default. A nil Service (a
// sender not wired to one, as in its own tests) always returns base.
func (s *Service) templates(ctx context.Context, base *template.Template, kind, locale string) (*template.Template, error) {
	if s == nil {
		return base, nil
	}
	texts, parsed, err := s.custom(ctx)
	if err != nil {
		return nil, err
	}
	n := name(kind, locale)
	t, ok := texts[n]
	if !ok {
		return base, nil
	}
	if parsed != nil {
		s.mu.Lock()
		set := parsed[n]
		s.mu.Unlock()
		if set != nil {
			return set, nil
		}
	}
	set, err := overlay(base, n, t.source())
	if err != nil {
		// Save checked it; a text that no longer parses (a helper gone
		// from the package) must not stop the e-mail: the default goes.
		return base, nil
	}
	if parsed != nil {
		s.mu.Lock()
		parsed[n] = set
		s.mu.Unlock()
	}
	return set, nil
}

// Render executes kind in locale with data, in the shop's wording where it
// has one, and returns the source's output: the subject line, a
// blank line, the body. Save checked the text against a sample, but a
// real e-mail's data can still trip it (a field nil for this payment
// method): then the default goes out rather than no e-mail and no order.
// A nil Service renders the default.
func (s *Service) Render(ctx context.Context, base *template.Template, kind, locale string, data any) (string, error) {
	n := name(kind, locale)
	set, err := s.templates(ctx, base, kind, locale)
	if err != nil {
		return "", err
	}
	if set != base {
		out := &capped{max: maxRendered}
		if err := set.ExecuteTemplate(out, n, data); err == nil {
			return out.String(), nil
		}
	}
	var out strings.Builder
	if err := base.ExecuteTemplate(&out, n, data); err != nil {
		return "", err
	}
	return out.String(), nil
}

// overlay is a copy of base with src as the template n.
func overlay(base *template.Template, n, src string) (*template.Template, error) {
	set, err := base.Clone()
	if err != nil {
		return nil, err
	}
	if _, err := set.New(n).Parse(src); err != nil {
		return nil, err
	}
	return set, nil
}

// Get returns kind's text in locale: the shop's, or the default.
func (s *Service) Get(ctx context.Context, kind, locale string) (Text, error) {
	k, err := s.kindIn(kind, locale)
	if err != nil {
		return Text{}, err
	}
	texts, _, err := s.custom(ctx)
	if err != nil {
		return Text{}, err
	}
	if t, ok := texts[name(kind, locale)]; ok {
		return t, nil
	}
	return Default(k, locale)
}

// Default is the kind's embedded text in locale.
func Default(k Kind, locale string) (Text, error) {
	b, err := fs.ReadFile(k.Files, "templates/"+name(k.Key, locale))
	if err != nil {
		return Text{}, fmt.Errorf("mailtext: default of %s: %w", k.Key, err)
	}
	subject, body, _ := strings.Cut(string(b), "\n\n")
	return Text{Kind: k.Key, Locale: locale, Subject: strings.TrimSpace(subject), Body: strings.TrimSpace(body)}, nil
}

func (s *Service) kindIn(kind, locale string) (Kind, error) {
	k, ok := s.Kind(kind)
	if !ok {
		return Kind{}, shop.Errorf(shop.NotFound, "no e-mail %q", kind)
	}
	for _, l := range k.Locales {
		if l == locale {
			return k, nil
		}
	}
	return Kind{}, shop.Errorf(shop.NotFound, "no e-mail %q in %q", kind, locale)
}

// Save stores the shop's text of kind in locale, after Check, with an
// audit entry ("mailtext.save") in the same transaction, and announces it
// to every instance. A bad text is an Invalid error naming the field
// (subject or body), the line and what is wrong; nothing is saved.
func (s *Service) Save(ctx context.Context, t Text, by audit.Actor) error {
	k, err := s.kindIn(t.Kind, t.Locale)
	if err != nil {
		return err
	}
	t.Subject, t.Body = strings.TrimSpace(t.Subject), strings.TrimSpace(t.Body)
	if _, _, err := Check(k, t, k.Sample); err != nil {
		return err
	}
	now := s.clock()
	t.Custom, t.UpdatedBy, t.UpdatedAt = true, by.Name, now
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		before, err := s.current(ctx, tx, k, t.Locale)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM mail_texts WHERE kind = $1 AND locale = $2`, t.Kind, t.Locale); err != nil {
			return fmt.Errorf("mailtext: save %s: %w", t.Kind, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO mail_texts (kind, locale, subject, body, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			t.Kind, t.Locale, t.Subject, t.Body, t.UpdatedBy, now.UTC()); err != nil {
			return fmt.Errorf("mailtext: save %s: %w", t.Kind, err)
		}
		if err := audit.Record(ctx, tx, now, by, "mailtext.save", "mailtext:"+name(t.Kind, t.Locale), before, t); err != nil {
			return err
		}
		return s.db.Announce(ctx, tx, changeTopic)
	})
}

// Reset drops the shop's text of kind in locale, so that the default goes
// out again, with an audit entry ("mailtext.reset").
func (s *Service) Reset(ctx context.Context, kind, locale string, by audit.Actor) error {
	k, err := s.kindIn(kind, locale)
	if err != nil {
		return err
	}
	now := s.clock()
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		before, err := s.current(ctx, tx, k, locale)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM mail_texts WHERE kind = $1 AND locale = $2`, kind, locale); err != nil {
			return fmt.Errorf("mailtext: reset %s: %w", kind, err)
		}
		after, err := Default(k, locale)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, now, by, "mailtext.reset", "mailtext:"+name(kind, locale), before, after); err != nil {
			return err
		}
		return s.db.Announce(ctx, tx, changeTopic)
	})
}

// current is kind's text in locale as tx sees it, for the audit entry.
func (s *Service) current(ctx context.Context, tx *sql.Tx, k Kind, locale string) (Text, error) {
	t := Text{Kind: k.Key, Locale: locale, Custom: true}
	err := tx.QueryRowContext(ctx, `SELECT subject, body, updated_by, updated_at FROM mail_texts WHERE kind = $1 AND locale = $2`, k.Key, locale).
		Scan(&t.Subject, &t.Body, &t.UpdatedBy, &t.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Default(k, locale)
	}
	if err != nil {
		return Text{}, fmt.Errorf("mailtext: read %s: %w", k.Key, err)
	}
	return t, nil
}

// Preview renders t (the shop's text or a draft) with the data of a real
// recent e-mail of the kind, or the sample when there is none; real
// reports which. A bad draft is the same Invalid error as Save's.
func (s *Service) Preview(ctx context.Context, t Text) (subject, body string, real bool, err error) {
	k, err := s.kindIn(t.Kind, t.Locale)
	if err != nil {
		return "", "", false, err
	}
	data := k.Sample
	if k.Recent != nil {
		d, err := k.Recent(ctx, t.Locale)
		if err != nil {
			return "", "", false, err
		}
		if d != nil {
			data, real = d, true
		}
	}
	subject, body, err = Check(k, t, data)
	return subject, body, real, err
}

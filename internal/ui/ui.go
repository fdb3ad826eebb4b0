// Package ui holds both edges' templates, static files and words: the
// HTML layouts and pages (html/template only) of the store and, under
// admin/, of the admin; the partials they share; the stylesheets; the
// Japanese and English message catalogues (Store, Admin); and how yen,
// dates and field errors are written. Everything is embedded in the
// binary, so that no file the server runs from sits in a writable,
// publicly served directory.
package ui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"path"
	"strings"
	"sync"

	"kaede/internal/scripts"
)

//go:embed templates static content all:admin shared
var files embed.FS

// UI is one edge's parsed page templates and fingerprinted static files:
// the store's (New) or the admin's (NewAdmin), rendered the same way.
type UI struct {
	pages  map[string]*page
	assets map[string]Asset // by source name: "kaede.css"
	served map[string]Asset // by fingerprinted name: "kaede.3f9a1c2be07d.css"
	// scripts is the edge's part of the script inventory (scripts.go).
	scripts []scripts.Script
}

// Asset is one static file with the name it is served under (which holds a
// hash of its content, so it can be cached for a year) and its Subresource
// Integrity value.
type Asset struct {
	Name      string // "kaede.css"
	URL       string // "/static/kaede.3f9a1c2be07d.css"
	Integrity string // "sha384-…"
	Body      []byte
}

// edgeFiles says where an edge's files are in the embedded tree.
type edgeFiles struct {
	layout    string   // the layout every page is parsed with
	partials  []string // globs of templates parsed into every page
	pages     string   // glob of the page templates
	static    string   // directory of the static files
	urlPrefix string   // where the static files are served

	edge    string          // the edge's name in the script inventory
	table   []scripts.Entry // the scripts its pages may run (scripts.go)
	payment []string        // its payment pages, which may run none

	// lazy pages are parsed again on first use and not kept from the
	// check at start: the admin's sixty-odd pages, each parsed with the
	// layout and every partial, held some 22 MB of parse trees in a store
	// that staff may not open all day.
	lazy bool
}

// sharedStatic holds the static files both edges serve, each under its
// own prefix: the base stylesheet both layouts load before their own.
const sharedStatic = "shared"

// partials are the templates both edges share (address fields, order
// lines, the second-factor code form).
const partials = "templates/partials/*.html"

// New parses the store's page templates with its layout and fingerprints
// its static files. It fails on a template error, so a broken template
// stops the server at start rather than on a customer's request.
func New() (*UI, error) {
	return newUI(edgeFiles{
		layout:    "templates/layout.html",
		partials:  []string{partials},
		pages:     "templates/pages/*.html",
		static:    "static",
		urlPrefix: "/static/",
		edge:      "store",
		table:     storeScripts,
		payment:   StorePaymentPages,
	}, Store, template.FuncMap{
		"yen":  Yen,
		"date": Date,
		"field": func(lang, field, reason string) string {
			return FieldMessage(lang, field, reason)
		},
		"prefecture":    PrefectureName,
		"delivery":      DeliveryWish,
		"blocks":        Blocks,
		"addressFields": AddressFields,
		"nameFields":    NameFields,
	})
}

// NewAdmin parses the admin's page templates (admin/templates; names
// starting with "_" are its partials) with its own functions and
// catalogue, and fingerprints its static files, served under
// /admin/static/.
func NewAdmin(funcs template.FuncMap) (*UI, error) {
	return newUI(edgeFiles{
		layout:    "admin/templates/layout.html",
		partials:  []string{partials, "admin/templates/_*.html"},
		pages:     "admin/templates/[^_]*.html",
		static:    "admin/static",
		urlPrefix: "/admin/static/",
		edge:      "admin",
		table:     adminScripts,
		lazy:      true,
	}, Admin, funcs)
}

func newUI(ef edgeFiles, c Catalogue, funcs template.FuncMap) (*UI, error) {
	u := &UI{pages: map[string]*page{}, assets: map[string]Asset{}, served: map[string]Asset{}}
	for _, dir := range []string{sharedStatic, ef.static} {
		if err := u.loadAssets(dir, ef.urlPrefix); err != nil {
			return nil, err
		}
	}
	all := u.funcs(c)
	for k, f := range funcs {
		all[k] = f
	}
	shared := []string{ef.layout}
	for _, g := range ef.partials {
		if m, _ := fs.Glob(files, g); len(m) > 0 {
			shared = append(shared, g)
		}
	}
	names, err := fs.Glob(files, ef.pages)
	if err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	uses := map[string]scripts.Uses{}
	for _, file := range names {
		name := strings.TrimSuffix(path.Base(file), ".html")
		if file == ef.layout {
			continue
		}
		parse := func() (*template.Template, error) {
			t, err := template.New(path.Base(ef.layout)).Funcs(all).ParseFS(files, append(shared, file)...)
			if err != nil {
				return nil, fmt.Errorf("parse template %s: %w", name, err)
			}
			return t, nil
		}
		// Every page is parsed and scanned at start, lazy or not, so that a
		// broken template or an unlisted script stops the server there.
		t, err := parse()
		if err != nil {
			return nil, err
		}
		if uses[name], err = scripts.Scan(t, "layout"); err != nil {
			return nil, fmt.Errorf("page %s: %w", name, err)
		}
		p := &page{parse: parse}
		if !ef.lazy {
			p.t = t
		}
		u.pages[name] = p
	}
	if err := u.buildInventory(ef, uses); err != nil {
		return nil, err
	}
	return u, nil
}

// page is one page template parsed with its edge's layout and partials,
// at start or, for a lazy edge, on first use.
type page struct {
	once  sync.Once
	parse func() (*template.Template, error)
	t     *template.Template
	err   error
}

func (p *page) template() (*template.Template, error) {
	p.once.Do(func() {
		if p.t == nil {
			p.t, p.err = p.parse()
		}
	})
	return p.t, p.err
}

// buildInventory finds the scripts each page loads and checks them
// against the edge's table (see package scripts): a mismatch is a start-up
// error.
func (u *UI) buildInventory(ef edgeFiles, uses map[string]scripts.Uses) error {
	var files []scripts.File
	for _, a := range u.assets {
		files = append(files, scripts.File{Name: a.Name, URL: a.URL, Integrity: a.Integrity})
	}
	inv, err := scripts.Build(ef.edge, files, uses, ef.payment, ef.table)
	if err != nil {
		return fmt.Errorf("script inventory: %w", err)
	}
	u.scripts = inv
	return nil
}

// Scripts is the edge's part of the script inventory.
func (u *UI) Scripts() []scripts.Script { return u.scripts }

// PageScripts returns the SRI values of the scripts page may run, for its
// Content-Security-Policy; none for most pages.
func (u *UI) PageScripts(page string) []string { return scripts.ForPage(u.scripts, page) }

// Files are the embedded templates, static files and page texts of both
// edges, for the release manifest.
func Files() fs.FS { return files }

func (u *UI) loadAssets(dir, urlPrefix string) error {
	return fs.WalkDir(files, dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		body, err := files.ReadFile(p)
		if err != nil {
			return fmt.Errorf("read %s: %w", p, err)
		}
		name := strings.TrimPrefix(p, dir+"/")
		sum := sha256.Sum256(body)
		ext := path.Ext(name)
		served := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:6]) + ext
		a := Asset{Name: name, URL: urlPrefix + served, Integrity: scripts.Integrity(body), Body: body}
		u.assets[name] = a
		u.served[served] = a
		return nil
	})
}

// Asset returns the static file with the source name ("kaede.css").
func (u *UI) Asset(name string) (Asset, bool) {
	a, ok := u.assets[name]
	return a, ok
}

// ServedAsset returns the static file served under the fingerprinted name
// (the part of the URL after /static/).
func (u *UI) ServedAsset(served string) (Asset, bool) {
	a, ok := u.served[served]
	return a, ok
}

// HasPage reports whether a page template of that name exists.
func (u *UI) HasPage(name string) bool {
	_, ok := u.pages[name]
	return ok
}

// Render writes the page template NAME inside the layout.
func (u *UI) Render(w io.Writer, name string, data any) error {
	p, ok := u.pages[name]
	if !ok {
		return fmt.Errorf("render: no page template %q", name)
	}
	t, err := p.template()
	if err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	if err := t.ExecuteTemplate(w, "layout", data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	return nil
}

// RenderPartial renders the template NAME (a partial's define) as the
// page template PAGE has it, without the layout: a piece of a page that
// the caller keeps and prints into pages later.
func (u *UI) RenderPartial(page, name string, data any) (template.HTML, error) {
	p, ok := u.pages[page]
	if !ok {
		return "", fmt.Errorf("render %s: no page template %q", name, page)
	}
	t, err := p.template()
	if err != nil {
		return "", fmt.Errorf("render %s: %w", name, err)
	}
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, name, data); err != nil {
		return "", fmt.Errorf("render %s: %w", name, err)
	}
	// Its output is html/template's, escaped for where it is printed: the
	// text of an HTML element, as inside the page itself.
	return template.HTML(b.String()), nil
}

// RenderBytes renders a page into memory, so that a template error can
// still become a clean error page instead of half a page.
func (u *UI) RenderBytes(name string, data any) ([]byte, error) {
	var b bytes.Buffer
	if err := u.Render(&b, name, data); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// funcs are the template functions every edge has: its catalogue's
// words and its static files' URLs and integrity values. They format and
// translate; none of them returns HTML built from data.
func (u *UI) funcs(c Catalogue) template.FuncMap {
	return template.FuncMap{
		"t": c.T,
		"asset": func(name string) (string, error) {
			a, ok := u.assets[name]
			if !ok {
				return "", fmt.Errorf("no static file %q", name)
			}
			return a.URL, nil
		},
		"sri": func(name string) (string, error) {
			a, ok := u.assets[name]
			if !ok {
				return "", fmt.Errorf("no static file %q", name)
			}
			return a.Integrity, nil
		},
	}
}

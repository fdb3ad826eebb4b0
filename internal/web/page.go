package web

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"

	"kaede/internal/edge"
	"kaede/internal/settings"
	"kaede/internal/shop"
	"kaede/internal/ui"
)

// Page is what every template receives: the common fields the layout
// needs, and the page's own data in Data. In a template, the page's data is
// {{.Data.X}}; inside {{range}} the common fields are {{$.Lang}}.
type Page struct {
	Lang      string // "ja" or "en": {{t .Lang "cart.title"}}
	Nonce     string // the CSP nonce for <script nonce="{{.Nonce}}">
	RequestID string
	Path      string
	Query     string // the search box's current words (?q=)
	ShopName  string // in the page's language
	Shop      settings.Settings
	Demo      bool
	// Notices are the shop's banners for its switches away from normal
	// (card payments or checkout stopped, maintenance), on every page.
	Notices   []Notice
	LoggedIn  bool
	CartCount int // shown in the header's cart link when above zero
	// UserNav, when set, is printed instead of the header's user nav
	// (user_nav): the mark where cacheListing's shells take the visitor's.
	UserNav template.HTML
	// ContactForm links the contact form from the footer.
	ContactForm bool
	// Nav is the category navigation under the header; empty hides it.
	Nav []NavLink
	// Errors holds a sentence per bad field, keyed by the field's dotted
	// name: {{with index $.Errors "postal_code"}}…{{end}}.
	Errors map[string]string
	// Form is the submitted form, for filling the fields in again.
	Form url.Values
	// Data is the handler's own data for the page.
	Data any

	csrf    func() template.HTML
	langURL func(lang string) string
}

// NavLink is one link of the category navigation.
type NavLink struct {
	URL   string
	Label string
}

// CSRF is the hidden csrf_token field every form must include: {{.CSRF}}.
func (p *Page) CSRF() template.HTML { return p.csrf() }

// LangURL is this page's address in another language (the language
// switch). The query is kept so that a page found by search stays found.
func (p *Page) LangURL(lang string) string { return p.langURL(lang) }

// newPage fills the common fields for a page answering r.
func (s *Server) newPage(w http.ResponseWriter, r *http.Request, data any) (*Page, error) {
	set, err := s.settings.Get(r.Context())
	if err != nil {
		return nil, fmt.Errorf("page: %w", err)
	}
	in := info(r)
	p := &Page{
		Lang:      in.Lang,
		Nonce:     in.Nonce,
		RequestID: in.ID,
		Path:      r.URL.Path,
		Query:     r.URL.Query().Get("q"),
		ShopName:  set.ShopName,
		Shop:      set,
		Demo:      s.cfg.Demo,
		Form:      r.PostForm,
		Data:      data,
	}
	s.pageLinks(w, r, p)
	if in.shell {
		p.UserNav = s.userNavMark
	} else {
		s.visitorFields(r, p)
	}
	p.Notices = notices(s.switchState(r), p.Lang)
	p.ContactForm = s.inquiries != nil
	if p.Nav, err = s.navLinks(r); err != nil {
		return nil, fmt.Errorf("page: %w", err)
	}
	if p.Lang == ui.English && set.ShopNameEn != "" {
		p.ShopName = set.ShopNameEn
	}
	return p, nil
}

// pageLinks fills the page's CSRF field and language links, the
// request's.
func (s *Server) pageLinks(w http.ResponseWriter, r *http.Request, p *Page) {
	p.csrf = func() template.HTML { return s.csrfInput(w, r) }
	p.langURL = func(l string) string {
		q := r.URL.Query()
		q.Set("lang", l)
		return r.URL.Path + "?" + q.Encode()
	}
}

// visitorFields fills the header's user nav fields, the visitor's own.
func (s *Server) visitorFields(r *http.Request, p *Page) {
	p.LoggedIn = info(r).session.memberID != 0
	p.CartCount = s.cartCount(r)
}

// render writes the page templates/pages/NAME.html with data as .Data.
// Handlers call it last: s.render(w, r, http.StatusOK, "cart", view).
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	p, err := s.newPage(w, r, data)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.writePage(w, r, status, name, p)
}

// renderForm shows a form page again after its submission failed: a
// shop.Invalid error fills Page.Errors with a sentence per field and
// answers 422; any other error gets the error page.
func (s *Server) renderForm(w http.ResponseWriter, r *http.Request, name string, data any, err error) {
	if shop.ErrorCode(err) != shop.Invalid {
		s.renderError(w, r, err)
		return
	}
	p, perr := s.newPage(w, r, data)
	if perr != nil {
		s.renderError(w, r, perr)
		return
	}
	p.Errors = ui.FieldMessages(p.Lang, err)
	s.writePage(w, r, http.StatusUnprocessableEntity, name, p)
}

// errorView is the error page's data.
type errorView struct {
	Status        int
	Message       string // catalogue key
	ShowRequestID bool
}

// renderError answers with the error page: the status from edge.Status, a
// sentence per error code in the page's language and, for invalid input, a
// sentence per field. Internal errors show only "internal error" and the
// request id; their detail goes to the log.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	s.logIfInternal(r, err)
	edge.SetRetryAfter(w, err)
	status := edge.Status(err)
	internal := status == http.StatusInternalServerError
	view := errorView{Status: status, Message: messageKey(err), ShowRequestID: internal}
	if internal {
		view.Message = "error.internal"
	}
	p, perr := s.newPage(w, r, view)
	if perr != nil {
		s.log.Error("error page", "request_id", requestID(r), "path", r.URL.Path, "error", perr)
		writePlainError(w, status)
		return
	}
	p.Errors = ui.FieldMessages(p.Lang, err)
	s.writePage(w, r, status, "error", p)
}

// writePage renders into memory first, so that a template failure becomes
// a clean 500 instead of half a page.
func (s *Server) writePage(w http.ResponseWriter, r *http.Request, status int, name string, p *Page) {
	body, err := s.ui.RenderBytes(name, p)
	if err != nil {
		s.log.Error("render page", "request_id", requestID(r), "path", r.URL.Path, "page", name, "error", err)
		writePlainError(w, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Security-Policy", s.pagePolicy(name, p.Nonce))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(body)
}

// writePlainError is the last resort when even the error page cannot be
// built (the database is down).
func writePlainError(w http.ResponseWriter, status int) {
	msg := "internal error"
	if status != http.StatusInternalServerError {
		msg = http.StatusText(status)
	}
	http.Error(w, msg, status)
}

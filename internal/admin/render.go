package admin

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"kaede/internal/edge"
	"kaede/internal/shop"
	"kaede/internal/staff"
	"kaede/internal/ui"
)

// newViews parses the admin's templates (internal/ui/admin) with the
// admin's own template functions; the words come from ui.Admin.
func newViews() (*ui.UI, error) {
	return ui.NewAdmin(template.FuncMap{
		"yen":      func(y shop.Yen) string { return y.String() },
		"when":     when,
		"day":      day,
		"clock":    func(t time.Time) string { return t.In(shop.JST).Format(time.TimeOnly) },
		"roleKey":  func(r staff.Role) string { return "role." + string(r) },
		"field":    newFieldView,
		"delivery": ui.DeliveryWish,
		// args passes several values to a partial template:
		// {{template "x" (args $.Lang .Rows "id")}}, read with index.
		"args": func(v ...any) []any { return v },
	})
}

// when formats an instant as staff read it: "2026-04-01 18:00 JST".
func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(shop.JST).Format("2006-01-02 15:04 MST")
}

// day formats an instant's calendar day in Japan for an <input type=date>.
func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(shop.JST).Format(time.DateOnly)
}

// fieldView is one labelled input of a long form, for the "text"
// template: {{template "text" (field . $values "shop_name" "text")}}.
// Type "number" is a text input with a numeric keyboard, which accepts
// full-width digits and separators that type=number would refuse.
type fieldView struct {
	Lang    string
	Name    string
	Type    string
	Numeric bool
	Values  url.Values
	Errors  map[string]string
}

func newFieldView(p *Page, values url.Values, name, typ string) fieldView {
	f := fieldView{Lang: p.Lang, Name: name, Type: typ, Values: values, Errors: p.Errors}
	if typ == "number" {
		f.Type, f.Numeric = "text", true
	}
	return f
}

// Page is what every admin template receives: the layout's fields and the
// page's own data in Data ({{.Data.X}}; {{$.Lang}} inside {{range}}).
type Page struct {
	Lang      string
	Nonce     string
	RequestID string
	Path      string
	ShopName  string
	Demo      bool
	// Staff is the logged-in member of staff, nil on the public pages.
	Staff *staff.Staff
	// Nav holds the links the role may follow; the server checks anyway.
	Nav []navLink
	// Errors holds a sentence per bad field, by the field's name:
	// {{with index $.Errors "shop_name"}}…{{end}}.
	Errors map[string]string
	// Form is the submitted form, for filling the fields in again.
	Form url.Values
	// Data is the handler's own data.
	Data any

	csrf    func() template.HTML
	langURL func(lang string) string
}

// CSRF is the hidden csrf_token field every form must include: {{.CSRF}}.
func (p *Page) CSRF() template.HTML { return p.csrf() }

// LangURL is this page's address in another language.
func (p *Page) LangURL(lang string) string { return p.langURL(lang) }

// Can reports whether the logged-in member of staff's role grants the
// permission, to show or hide links and buttons: {{if $.Can "staff.manage"}}.
func (p *Page) Can(perm string) bool {
	return p.Staff != nil && p.Staff.Role.Can(staff.Permission(perm))
}

// navLink is one entry of the admin's navigation.
type navLink struct {
	URL     string
	Label   string // catalogue key
	Current bool
}

// navItems are the admin's sections and the permission each needs.
var navItems = []struct {
	url, label string
	perm       staff.Permission // "" for every member of staff
}{
	{Prefix, "nav.dashboard", staff.DashboardRead},
	{Prefix + "orders", "nav.orders", staff.OrdersRead},
	{Prefix + "reports", "nav.reports", staff.SalesRead},
	{Prefix + "customers", "nav.customers", staff.CustomersRead},
	{Prefix + "billing", "nav.billing", staff.OrdersRead},
	{Prefix + "inquiries", "nav.inquiries", staff.InquiriesRead},
	{Prefix + "products", "nav.products", staff.CatalogRead},
	{Prefix + "coupons", "nav.coupons", staff.CatalogRead},
	{Prefix + "content", "nav.content", staff.ContentWrite},
	{Prefix + "staff", "nav.staff", staff.StaffRead},
	{Prefix + "sessions", "nav.sessions", ""},
	{Prefix + "password", "nav.password", ""},
	{Prefix + "audit", "nav.audit", staff.AuditRead},
	{Prefix + "security", "nav.security", staff.SecurityRead},
	{Prefix + "switches", "nav.switches", staff.SecurityRead},
	{Prefix + "incidents", "nav.incidents", staff.SecurityRead},
	{Prefix + "settings", "nav.settings", staff.SettingsRead},
	{Prefix + "mail-texts", "nav.mailtexts", staff.SettingsRead},
	{Prefix + "security/inventory", "nav.inventory", staff.SecurityRead},
}

func navFor(m *staff.Staff, current string) []navLink {
	if m == nil {
		return nil
	}
	var out []navLink
	for _, it := range navItems {
		if it.perm == "" || m.Role.Can(it.perm) {
			cur := current == it.url || (it.url != Prefix && strings.HasPrefix(current, it.url))
			out = append(out, navLink{URL: it.url, Label: it.label, Current: cur})
		}
	}
	return out
}

// newPage fills the layout's fields for a page answering r.
func (s *Server) newPage(w http.ResponseWriter, r *http.Request, data any) *Page {
	in := info(r)
	p := &Page{
		Lang:      in.Lang,
		Nonce:     in.Nonce,
		RequestID: in.ID,
		Path:      r.URL.Path,
		ShopName:  "Kaede",
		Demo:      s.cfg.Demo,
		Staff:     in.staff,
		Nav:       navFor(in.staff, r.URL.Path),
		Form:      newForm(r).Values(),
		Data:      data,
		csrf: func() template.HTML {
			return s.csrf.Input(s.csrfFor(w, r))
		},
		langURL: func(l string) string {
			// Only the language goes into the link: the query may hold a
			// token (enrolment) that must not be copied around.
			return r.URL.Path + "?lang=" + l
		},
	}
	// The shop's name is a courtesy in the header: a page must not fail
	// because the settings cannot be read.
	if set, err := s.settings.Get(r.Context()); err == nil {
		p.ShopName = set.ShopName
		if p.Lang == ui.English && set.ShopNameEn != "" {
			p.ShopName = set.ShopNameEn
		}
	}
	return p
}

// render writes the page templates/NAME.html with data as .Data. Handlers
// call it last: s.render(w, r, http.StatusOK, "dashboard", view).
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	s.writePage(w, r, status, name, s.newPage(w, r, data))
}

// renderForm shows a form page again after its submission failed: a
// shop.Invalid error names each bad field (422); Unauthorized (a wrong
// password or code) and TooMany show the page with the error's sentence,
// with their own status; any other error gets the error page.
func (s *Server) renderForm(w http.ResponseWriter, r *http.Request, name string, data any, err error) {
	code := shop.ErrorCode(err)
	if code != shop.Invalid && code != shop.Unauthorized && code != shop.TooMany && code != shop.Conflict {
		s.renderError(w, r, err)
		return
	}
	p := s.newPage(w, r, data)
	p.Errors = fieldMessages(p.Lang, err)
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	p.Errors["_form"] = ui.Admin.T(p.Lang, errorKey(err))
	s.writePage(w, r, edge.Status(err), name, p)
}

// Errors of the admin's own edge.
var (
	// errNotAllowed refuses a client outside the allow-list.
	errNotAllowed = &shop.Error{Code: shop.Forbidden, Message: "address not allowed"}
	// errDenied refuses an action the role does not grant.
	errDenied = &shop.Error{Code: shop.Forbidden, Message: "your role does not allow this"}
)

// errorKey is the catalogue key of the sentence shown for err.
func errorKey(err error) string {
	switch {
	case errors.Is(err, errNotAllowed):
		return "error.not_allowed"
	case errors.Is(err, errDenied):
		return "error.denied"
	}
	return edge.MessageKey(err)
}

// errorView is the error page's data.
type errorView struct {
	Status        int
	Message       string // catalogue key
	ShowRequestID bool
}

// renderError answers with the error page: the status from edge.Status,
// one sentence per error code and, for invalid input, one per field.
// Internal errors show "internal error" and the request id; their detail
// goes to the log only.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	status := edge.Status(err)
	internal := status == http.StatusInternalServerError
	view := errorView{Status: status, Message: errorKey(err), ShowRequestID: internal}
	switch {
	case internal:
		view.Message = "error.internal"
		s.log.Error("admin: internal error", "request_id", info(r).ID, "method", r.Method, "path", r.URL.Path, "error", err)
	case edge.DatabaseDown(err):
		s.log.Error("admin: database unavailable", "request_id", info(r).ID, "method", r.Method, "path", r.URL.Path, "error", err)
	}
	edge.SetRetryAfter(w, err)
	p := s.newPage(w, r, view)
	p.Errors = fieldMessages(p.Lang, err)
	s.writePage(w, r, status, "error", p)
}

// writePage renders into memory first, so that a template failure becomes
// a clean 500 instead of half a page.
func (s *Server) writePage(w http.ResponseWriter, r *http.Request, status int, name string, p *Page) {
	body, err := s.views.RenderBytes(name, p)
	if err != nil {
		s.log.Error("admin: render page", "request_id", info(r).ID, "page", name, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	// The page's policy lists the scripts the inventory lets it run
	// (passkey.js on the second-factor pages), by nonce and hash.
	w.Header().Set("Content-Security-Policy", edge.CSP{}.PagePolicy(p.Nonce, s.views.PageScripts(name)))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(body)
}

// staticTypes are the content types of the admin's static files.
var staticTypes = map[string]string{
	".css": "text/css; charset=utf-8",
	".js":  "text/javascript; charset=utf-8",
}

// staticFile serves the admin's stylesheet and its one script under their
// fingerprinted names. Cache-Control stays no-store, like every admin
// response: the files are small, and one rule for the whole admin is
// easier to check.
func (s *Server) staticFile(w http.ResponseWriter, r *http.Request) {
	a, ok := s.views.ServedAsset(r.PathValue("name"))
	if !ok {
		s.renderError(w, r, shop.Errorf(shop.NotFound, "no such file"))
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", edge.FileCSP)
	h.Set("Content-Type", staticTypes[path.Ext(a.Name)])
	w.Write(a.Body)
}

// notFound is the page for an admin URL that no route matches.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.renderError(w, r, shop.Errorf(shop.NotFound, "no such page"))
}

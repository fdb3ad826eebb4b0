package admin

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"kaede/internal/audit"
	"kaede/internal/edge"
	"kaede/internal/form"
	"kaede/internal/incident"
	"kaede/internal/order"
	"kaede/internal/shop"
	"kaede/internal/staff"
	"kaede/internal/ui"
)

// incidentScopeRoutes are an incident's scope (which orders and people it
// touched), its versions, their downloads and the card reissue fees paid
// back. Groups as in routes.
//
// Reading the scope is for those who see the security pages; saving a
// version and recording a reimbursement need SecurityManage. The
// downloads are every affected customer's name, address and orders, or
// the card transactions for the acquirer: personal data leaving the shop
// in bulk, so they need SecurityManage with a fresh second factor, and the
// incident service audits each one before a byte is sent.
func (s *Server) incidentScopeRoutes(mux *http.ServeMux) {
	if s.incidents == nil {
		return
	}
	mux.Handle("GET "+Prefix+"incidents/{id}/scope", s.can(staff.SecurityRead, s.scopePage))
	mux.Handle("POST "+Prefix+"incidents/{id}/scope", s.can(staff.SecurityManage, s.scopeSaveAction))
	mux.Handle("GET "+Prefix+"incidents/{id}/scope/{version}", s.can(staff.SecurityRead, s.scopeVersionPage))
	mux.Handle("GET "+Prefix+"incidents/{id}/scope/{version}/customers.csv", s.fresh(staff.SecurityManage, s.scopeCustomersCSV))
	mux.Handle("GET "+Prefix+"incidents/{id}/scope/{version}/acquirer.csv", s.fresh(staff.SecurityManage, s.scopeAcquirerCSV))
	mux.Handle("GET "+Prefix+"incidents/{id}/reimbursements", s.can(staff.SecurityRead, s.reimbursementsPage))
	mux.Handle("POST "+Prefix+"incidents/{id}/reimbursements", s.can(staff.SecurityManage, s.reimbursementSaveAction))
}

// scopePageSize is how many orders or people one page of a list shows.
const scopePageSize = 50

// The scope form's choices. Brands are those Stripe and the test gateway
// report; a brand not listed is still found by the command line.
var (
	scopeMethods   = []order.PaymentMethod{order.Card, order.BankTransfer, order.COD, order.Konbini, order.PayPay}
	scopeProviders = []string{"gateway", "stripe"}
	scopeBrands    = []string{"visa", "mastercard", "jcb", "amex", "diners", "discover", "unionpay"}
)

// scopeOption is one checkbox or option of the scope form.
type scopeOption struct {
	Value   string
	Label   string // a catalogue key when Key, else shown as it is
	Key     bool
	Checked bool
}

// scopeView is the scope page: the form, the preview and the versions.
type scopeView struct {
	Incident  incident.Incident
	Methods   []scopeOption
	Providers []scopeOption
	Brands    []scopeOption
	Products  []scopeOption
	// Preview is set when the form was submitted and the query is valid.
	Preview *incident.Result
	Orders  []incident.AffectedOrder
	Pager   edge.Pager
	// Hidden is the previewed query again, for the save form.
	Hidden   []hiddenField
	Versions []incident.Scope
}

type hiddenField struct{ Name, Value string }

// incidentID reads the {id} of the path; a malformed one is NotFound.
func incidentID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, shop.Errorf(shop.NotFound, "no such incident")
	}
	return id, nil
}

// scopeVersion reads {id} and {version} and returns the saved scope.
func (s *Server) scopeVersion(r *http.Request) (incident.Incident, incident.Scope, error) {
	id, err := incidentID(r)
	if err != nil {
		return incident.Incident{}, incident.Scope{}, err
	}
	inc, err := s.incidents.Get(r.Context(), id)
	if err != nil {
		return incident.Incident{}, incident.Scope{}, err
	}
	n, err := strconv.Atoi(r.PathValue("version"))
	if err != nil || n <= 0 {
		return incident.Incident{}, incident.Scope{}, shop.Errorf(shop.NotFound, "no such version")
	}
	sc, err := s.incidents.ScopeVersion(r.Context(), id, n)
	return inc, sc, err
}

// scopeQuery reads the scope form: the days from and to (both included,
// in Japan), the ticked methods, providers and brands, the chosen products
// and the customers' addresses, one a line. The service validates.
func scopeQuery(f *form.Form) incident.Query {
	from, to := incident.Window(formDay(f, "from"), formDay(f, "to"))
	q := incident.Query{From: from, To: to, Methods: f.Strings("methods"), Providers: f.Strings("providers"),
		Brands: f.Strings("brands"), Customers: f.Lines("customers")}
	for _, v := range f.Strings("products") {
		id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			f.Fail("products", shop.ReasonFormat)
			continue
		}
		q.Products = append(q.Products, id)
	}
	return q
}

// scopeValues is a saved query as the form's values, to refine it.
func scopeValues(q incident.Query) url.Values {
	v := url.Values{}
	v.Set("from", day(q.From))
	v.Set("to", day(q.To.Add(-time.Nanosecond))) // the last day included
	v["methods"], v["providers"], v["brands"] = q.Methods, q.Providers, q.Brands
	for _, id := range q.Products {
		v.Add("products", strconv.FormatInt(id, 10))
	}
	if len(q.Customers) > 0 {
		v.Set("customers", strings.Join(q.Customers, "\n"))
	}
	return v
}

// newScopeView fills the form's choices, ticked as in values.
func (s *Server) newScopeView(r *http.Request, inc incident.Incident, values url.Values) scopeView {
	v := scopeView{Incident: inc}
	ticked := func(name, value string) bool { return slices.Contains(values[name], value) }
	for _, m := range scopeMethods {
		v.Methods = append(v.Methods, scopeOption{Value: string(m), Label: "orders.method." + string(m), Key: true,
			Checked: ticked("methods", string(m))})
	}
	for _, p := range scopeProviders {
		v.Providers = append(v.Providers, scopeOption{Value: p, Label: p, Checked: ticked("providers", p)})
	}
	for _, b := range scopeBrands {
		v.Brands = append(v.Brands, scopeOption{Value: b, Label: strings.ToUpper(b), Checked: ticked("brands", b)})
	}
	if s.catalog != nil {
		// The product list is a convenience: the scope works without it.
		if ps, err := s.catalog.AllProducts(r.Context()); err == nil {
			for _, p := range ps {
				id := strconv.FormatInt(p.ID, 10)
				v.Products = append(v.Products, scopeOption{Value: id, Label: p.NameJa, Checked: ticked("products", id)})
			}
		}
	}
	return v
}

// scopePage shows the query form, filled with the request's query or the
// latest version's; with a submitted query, the counts and a page of the
// orders it finds now; and the saved versions.
func (s *Server) scopePage(w http.ResponseWriter, r *http.Request) {
	id, err := incidentID(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	inc, err := s.incidents.Get(r.Context(), id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	versions, err := s.incidents.Scopes(r.Context(), id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	f := newForm(r)
	values := r.URL.Query()
	submitted := values.Has("from") || values.Has("to")
	if !submitted && len(versions) > 0 {
		values = scopeValues(versions[0].Query)
	}
	view := s.newScopeView(r, inc, values)
	view.Versions = versions
	p := s.newPage(w, r, view)
	p.Form = values
	if !submitted {
		s.writePage(w, r, http.StatusOK, "incident_scope", p)
		return
	}
	q := scopeQuery(f)
	page := max(f.Int("page"), 1)
	if err := f.Err(); err != nil {
		s.scopeRefusal(w, r, "incident_scope", p, err)
		return
	}
	res, err := s.incidents.Preview(r.Context(), q)
	if err != nil {
		s.scopeRefusal(w, r, "incident_scope", p, err)
		return
	}
	orders, err := s.incidents.PreviewOrders(r.Context(), q, (page-1)*scopePageSize, scopePageSize)
	if err != nil {
		s.scopeRefusal(w, r, "incident_scope", p, err)
		return
	}
	view.Preview, view.Orders = &res, orders
	view.Pager = edge.NewPager(r.URL.Path, r.URL.Query(), page, scopePageSize, res.Orders)
	for _, name := range []string{"from", "to", "methods", "providers", "brands", "products", "customers"} {
		for _, v := range values[name] {
			view.Hidden = append(view.Hidden, hiddenField{name, v})
		}
	}
	p.Data = view
	s.writePage(w, r, http.StatusOK, "incident_scope", p)
}

// scopeRefusal shows the scope page again with a sentence per bad field
// (Invalid, 422) or the refusal's sentence (Conflict); anything else gets
// the error page.
func (s *Server) scopeRefusal(w http.ResponseWriter, r *http.Request, name string, p *Page, err error) {
	code := shop.ErrorCode(err)
	if code != shop.Invalid && code != shop.Conflict {
		s.renderError(w, r, err)
		return
	}
	p.Errors = map[string]string{}
	for field, reason := range shop.ErrorFields(err) {
		p.Errors[field] = scopeFieldMessage(p.Lang, field, reason)
	}
	if code == shop.Invalid {
		p.Errors["_form"] = ui.Admin.T(p.Lang, "error.invalid")
	} else {
		p.Errors["_form"] = ui.Admin.T(p.Lang, "scope.conflict", shop.ErrorMessage(err))
	}
	s.writePage(w, r, edge.Status(err), name, p)
}

// scopeFieldMessage names the scope pages' fields by their own labels
// ("scope.field.NAME"), as orderFieldMessage does for orders.
func scopeFieldMessage(lang, field, reason string) string {
	if !ui.Admin.Has("scope.field." + field) {
		return fieldMessage(lang, field, reason)
	}
	key := "reason." + reason
	if !ui.Admin.Has(key) {
		key = "reason.other"
	}
	return ui.Admin.T(lang, key, ui.Admin.T(lang, "scope.field."+field))
}

// scopeSaveAction saves the submitted query as the incident's next
// version with what it finds now (audited by the service), and shows the
// new version.
func (s *Server) scopeSaveAction(w http.ResponseWriter, r *http.Request) {
	id, err := incidentID(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	inc, err := s.incidents.Get(r.Context(), id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	f := newForm(r)
	q := scopeQuery(f)
	err = f.Err()
	var sc incident.Scope
	if err == nil {
		sc, err = s.incidents.SaveScope(r.Context(), id, q, orderActor(r))
	}
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("%sincidents/%d/scope/%d?done=saved", Prefix, id, sc.Version), http.StatusSeeOther)
		return
	}
	versions, verr := s.incidents.Scopes(r.Context(), id)
	if verr != nil {
		s.renderError(w, r, verr)
		return
	}
	view := s.newScopeView(r, inc, r.PostForm)
	view.Versions = versions
	s.scopeRefusal(w, r, "incident_scope", s.newPage(w, r, view), err)
}

// scopeVersionView is one saved version with a page of its people.
type scopeVersionView struct {
	Incident  incident.Incident
	Scope     incident.Scope
	LastDay   time.Time // the window's last day, included
	Customers []incident.Customer
	Pager     edge.Pager
	RefineURL string
	Saved     bool
}

// scopeVersionPage shows a saved version: its query, its counts, a page
// of its people with their orders, and the downloads.
func (s *Server) scopeVersionPage(w http.ResponseWriter, r *http.Request) {
	inc, sc, err := s.scopeVersion(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	f := newForm(r)
	page := max(f.Int("page"), 1)
	people, err := s.incidents.ScopeCustomersPage(r.Context(), sc.ID, (page-1)*scopePageSize, scopePageSize)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	view := scopeVersionView{Incident: inc, Scope: sc, LastDay: sc.Query.To.Add(-time.Nanosecond), Customers: people,
		Pager:     edge.NewPager(r.URL.Path, r.URL.Query(), page, scopePageSize, sc.Customers),
		RefineURL: Prefix + "incidents/" + itoa(inc.ID) + "/scope?" + scopeValues(sc.Query).Encode(),
		Saved:     r.URL.Query().Get("done") == "saved"}
	s.render(w, r, http.StatusOK, "incident_scope_version", view)
}

// scopeEncodings maps the download form's choice to the service's.
var scopeEncodings = map[string]incident.Encoding{"sjis": incident.ShiftJIS, "utf8": incident.UTF8}

// scopeCustomersCSV downloads the version's people and their orders.
func (s *Server) scopeCustomersCSV(w http.ResponseWriter, r *http.Request) {
	s.scopeDownload(w, r, "customers", s.incidents.ExportCustomers)
}

// scopeAcquirerCSV downloads the version's card transactions for the
// acquirer.
func (s *Server) scopeAcquirerCSV(w http.ResponseWriter, r *http.Request) {
	s.scopeDownload(w, r, "acquirer", s.incidents.ExportAcquirer)
}

// scopeExport is one of the incident service's exports.
type scopeExport func(ctx context.Context, w io.Writer, id int64, enc incident.Encoding, by audit.Actor) (incident.Export, error)

// scopeDownload builds the file in memory (the service audits it first)
// and sends it as an attachment. The characters Shift_JIS could not hold
// are counted in the X-Replaced-Characters header and the audit entry.
func (s *Server) scopeDownload(w http.ResponseWriter, r *http.Request, kind string, export scopeExport) {
	inc, sc, err := s.scopeVersion(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	enc, ok := scopeEncodings[newForm(r).String("encoding")]
	if !ok {
		s.renderError(w, r, &shop.Error{Code: shop.Invalid, Message: "unknown encoding",
			Fields: map[string]string{"encoding": shop.ReasonChoice}})
		return
	}
	var buf bytes.Buffer
	ex, err := export(r.Context(), &buf, sc.ID, enc, orderActor(r))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	charset := "utf-8"
	if enc == incident.ShiftJIS {
		charset = "Shift_JIS"
	}
	name := fmt.Sprintf("incident-%d-scope-v%d-%s-%s.csv", inc.ID, sc.Version, kind, enc)
	w.Header().Set("X-Replaced-Characters", strconv.Itoa(ex.Replaced))
	edge.SendAttachment(w, "text/csv; charset="+charset, name, buf.Bytes())
}

// reimbursementsView is the incident's reissue-fee claims and the form.
type reimbursementsView struct {
	Incident incident.Incident
	List     []incident.Reimbursement
	Totals   map[incident.ReimbursementState]shop.Yen
	States   []incident.ReimbursementState
	Saved    bool
}

func (s *Server) reimbursements(r *http.Request) (reimbursementsView, error) {
	id, err := incidentID(r)
	if err != nil {
		return reimbursementsView{}, err
	}
	inc, err := s.incidents.Get(r.Context(), id)
	if err != nil {
		return reimbursementsView{}, err
	}
	list, err := s.incidents.Reimbursements(r.Context(), id)
	if err != nil {
		return reimbursementsView{}, err
	}
	return reimbursementsView{Incident: inc, List: list, Totals: incident.ReimbursementTotals(list),
		States: incident.ReimbursementStates}, nil
}

// reimbursementsPage lists the card reissue fees claimed by affected
// customers, with a form to record or update one.
func (s *Server) reimbursementsPage(w http.ResponseWriter, r *http.Request) {
	view, err := s.reimbursements(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	view.Saved = r.URL.Query().Get("done") == "saved"
	s.render(w, r, http.StatusOK, "incident_reimbursements", view)
}

// reimbursementSaveAction records a claim or its new state (audited by
// the service).
func (s *Server) reimbursementSaveAction(w http.ResponseWriter, r *http.Request) {
	view, err := s.reimbursements(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	f := newForm(r)
	in := incident.ReimbursementInput{CustomerKey: f.String("customer"), Amount: f.Yen("amount"),
		State: incident.ReimbursementState(f.String("state")), Note: f.String("note")}
	err = f.Err()
	if err == nil {
		_, err = s.incidents.SaveReimbursement(r.Context(), view.Incident.ID, in, orderActor(r))
	}
	if err != nil {
		s.scopeRefusal(w, r, "incident_reimbursements", s.newPage(w, r, view), err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("%sincidents/%d/reimbursements?done=saved", Prefix, view.Incident.ID), http.StatusSeeOther)
}

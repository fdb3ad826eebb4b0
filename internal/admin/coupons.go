package admin

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"kaede/internal/coupon"
	"kaede/internal/edge"
	"kaede/internal/shop"
	"kaede/internal/staff"
	"kaede/internal/ui"
)

// couponRoutes are the coupons' pages: seen with the catalogue's read
// permission, changed with its write permission; coupon audits each change.
func (s *Server) couponRoutes(mux *http.ServeMux) {
	if s.coupons == nil {
		return
	}
	mux.Handle("GET "+Prefix+"coupons", s.can(staff.CatalogRead, s.couponsPage))
	mux.Handle("POST "+Prefix+"coupons", s.can(staff.CatalogWrite, s.couponCreateAction))
	mux.Handle("GET "+Prefix+"coupons/{id}", s.can(staff.CatalogRead, s.couponEditPage))
	mux.Handle("POST "+Prefix+"coupons/{id}", s.can(staff.CatalogWrite, s.couponUpdateAction))
	mux.Handle("POST "+Prefix+"coupons/{id}/disabled", s.can(staff.CatalogWrite, s.couponDisableAction))
}

// couponsView is the coupons' page: the list and the form for a new one,
// or the form of one being edited.
type couponsView struct {
	List   []*coupon.Coupon
	Coupon *coupon.Coupon
	Values url.Values
	Done   string
}

var couponsDone = map[string]string{"created": "coupons.done.created", "saved": "coupons.done.saved", "disabled": "coupons.done.disabled"}

func (s *Server) couponsPage(w http.ResponseWriter, r *http.Request) {
	list, err := s.coupons.List(r.Context())
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "coupons", couponsView{List: list, Values: url.Values{"kind": {"fixed"}},
		Done: couponsDone[r.URL.Query().Get("done")]})
}

func couponFromForm(r *http.Request) coupon.Input {
	f := newForm(r)
	return coupon.Input{Code: f.String("code"), Description: f.String("description"), Kind: f.String("kind"),
		Amount: f.String("amount"), MinSpend: f.String("min_spend"), StartsOn: f.String("starts_on"), EndsOn: f.String("ends_on"),
		MaxUses: f.String("max_uses"), MaxPerCustomer: f.String("max_per_customer"),
		CategoryIDs: idList(f.String("category_ids")), ProductIDs: idList(f.String("product_ids"))}
}

func (s *Server) couponCreateAction(w http.ResponseWriter, r *http.Request) {
	if _, err := s.coupons.Create(r.Context(), couponFromForm(r), orderActor(r)); err != nil {
		list, lerr := s.coupons.List(r.Context())
		if lerr != nil {
			s.renderError(w, r, lerr)
			return
		}
		s.couponRefusal(w, r, couponsView{List: list, Values: r.PostForm}, err)
		return
	}
	http.Redirect(w, r, Prefix+"coupons?done=created", http.StatusSeeOther)
}

func (s *Server) couponOfPath(r *http.Request) (*coupon.Coupon, error) {
	id, err := catalogPathID(r, "id")
	if err != nil {
		return nil, err
	}
	return s.coupons.Get(r.Context(), id)
}

func (s *Server) couponEditPage(w http.ResponseWriter, r *http.Request) {
	c, err := s.couponOfPath(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v := url.Values{"code": {c.Code}, "description": {c.Description}, "kind": {string(c.Kind)},
		"amount": {strconv.FormatInt(c.Amount, 10)}, "min_spend": {strconv.FormatInt(int64(c.MinSpend), 10)},
		"starts_on": {c.StartsOn}, "ends_on": {c.EndsOn},
		"max_uses": {strconv.Itoa(c.MaxUses)}, "max_per_customer": {strconv.Itoa(c.MaxPerCustomer)}}
	v.Set("category_ids", joinIDs(c.CategoryIDs))
	v.Set("product_ids", joinIDs(c.ProductIDs))
	s.render(w, r, http.StatusOK, "coupons", couponsView{Coupon: c, Values: v})
}

func (s *Server) couponUpdateAction(w http.ResponseWriter, r *http.Request) {
	c, err := s.couponOfPath(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if _, err := s.coupons.Update(r.Context(), c.ID, couponFromForm(r), orderActor(r)); err != nil {
		s.couponRefusal(w, r, couponsView{Coupon: c, Values: r.PostForm}, err)
		return
	}
	http.Redirect(w, r, Prefix+"coupons?done=saved", http.StatusSeeOther)
}

// couponDisableAction stops a coupon (disabled=1) or lets it be used again.
func (s *Server) couponDisableAction(w http.ResponseWriter, r *http.Request) {
	c, err := s.couponOfPath(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if err := s.coupons.SetDisabled(r.Context(), c.ID, r.PostForm.Get("disabled") == "1", orderActor(r)); err != nil {
		s.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, Prefix+"coupons?done=disabled", http.StatusSeeOther)
}

// couponRefusal shows the form again with each bad field's message (422).
func (s *Server) couponRefusal(w http.ResponseWriter, r *http.Request, v couponsView, err error) {
	if shop.ErrorCode(err) != shop.Invalid {
		s.renderError(w, r, err)
		return
	}
	p := s.newPage(w, r, v)
	p.Errors = map[string]string{}
	for field, reason := range shop.ErrorFields(err) {
		key := "reason." + reason
		if !ui.Admin.Has(key) {
			key = "reason.other"
		}
		p.Errors[field] = ui.Admin.T(p.Lang, key, ui.Admin.T(p.Lang, "coupons.field."+field))
	}
	p.Errors["_form"] = ui.Admin.T(p.Lang, "error.invalid")
	s.writePage(w, r, edge.Status(err), "coupons", p)
}

// idList splits "3, 5 8" into its ids as typed; coupon validates them.
func idList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '、' })
}

func joinIDs(ids []int64) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = itoa(id)
	}
	return strings.Join(out, ", ")
}

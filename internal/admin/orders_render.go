package admin

import (
	"net/http"
	"net/url"

	"kaede/internal/audit"
	"kaede/internal/edge"
	"kaede/internal/shop"
	"kaede/internal/ui"
)

// orderActor is the logged-in member of staff as the order and member
// services record them: s.actor gives the staff service's Actor, which
// carries a role those services do not need.
func orderActor(r *http.Request) audit.Actor {
	in := info(r)
	return audit.Actor{Name: in.staff.Email, IP: in.IP}
}

// orderRefusal shows the page name again after the domain refused an
// action: bad input (Invalid, 422) with a sentence per field, an illegal
// change (Conflict, 409) with formKey's sentence, formatted with args.
// Anything else (NotFound, an internal error) gets the error page.
func (s *Server) orderRefusal(w http.ResponseWriter, r *http.Request, name string, data any, err error, formKey string, args ...any) {
	code := shop.ErrorCode(err)
	if code != shop.Invalid && code != shop.Conflict {
		s.renderError(w, r, err)
		return
	}
	p := s.newPage(w, r, data)
	p.Errors = map[string]string{}
	for field, reason := range shop.ErrorFields(err) {
		p.Errors[field] = orderFieldMessage(p.Lang, field, reason)
	}
	if code == shop.Invalid {
		formKey, args = "error.invalid", nil
	}
	p.Errors["_form"] = ui.Admin.T(p.Lang, formKey, args...)
	s.writePage(w, r, edge.Status(err), name, p)
}

// orderFieldMessage is fieldMessage with the order and customer pages'
// own field labels ("orders.field.NAME"), kept apart from the core
// catalogue's so that the surfaces cannot define a label twice.
func orderFieldMessage(lang, field, reason string) string {
	if !ui.Admin.Has("orders.field." + field) {
		return fieldMessage(lang, field, reason)
	}
	key := "reason." + reason
	if !ui.Admin.Has(key) {
		key = "reason.other"
	}
	return ui.Admin.T(lang, key, ui.Admin.T(lang, "orders.field."+field))
}

// orderDoneKeys are the confirmations an action may ask its page to show
// (?done=…); anything else shows none.
var orderDoneKeys = map[string]string{
	"paid": "orders.done.paid", "shipped": "orders.done.shipped", "delivered": "orders.done.delivered",
	"cancelled": "orders.done.cancelled", "refunded": "orders.done.refunded",
	"approved": "licences.done.approved", "rejected": "licences.done.rejected",
	"erased": "customers.done.erased",
	"memo":   "orders.memo.saved",
	"edited": "orders.edit.saved",
}

// orderDone is the confirmation the request's ?done= asks for.
func orderDone(r *http.Request) string { return orderDoneKeys[r.URL.Query().Get("done")] }

// orderURL is the detail page of an order, with a confirmation.
func orderURL(number, done string) string {
	u := Prefix + "orders/" + url.PathEscape(number)
	if done != "" {
		u += "?done=" + done
	}
	return u
}

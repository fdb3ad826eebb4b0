package web

import (
	"net/http"

	"kaede/internal/order"
	"kaede/internal/shop"
	"kaede/internal/ui"
)

// cancelView is the data of order_cancel: the confirmation step of the
// customer's own cancellation, or its polite refusal.
type cancelView struct {
	Order     *order.Order
	Lines     ui.OrderLines
	Money     string // what happens to the money, in the page's language
	CancelURL string
	OrderURL  string
	Refusal   string // catalogue key of the refusal; "" offers the cancellation
}

// orderCancelPage asks the customer to confirm the cancellation of an
// order that has not shipped (GET /orders/{number}/cancel), for its member
// or, by its token, its guest.
func (s *Server) orderCancelPage(w http.ResponseWriter, r *http.Request) {
	o, token, err := s.visibleOrder(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.renderCancel(w, r, o, token, http.StatusOK)
}

// orderCancel cancels the order as its customer asks (POST
// /orders/{number}/cancel, with the CSRF token): the stock goes back, a
// card's money is voided or refunded through the provider, and the
// customer and the shop are e-mailed. Too late (shipped) or twice is
// refused politely, 409, on the same page.
func (s *Server) orderCancel(w http.ResponseWriter, r *http.Request) {
	o, token, err := s.visibleOrder(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if !order.CustomerMayCancel(o) {
		s.renderCancel(w, r, o, token, http.StatusConflict)
		return
	}
	by := order.CustomerActor(CurrentSession(r).MemberID, info(r).IP)
	if s.payments != nil {
		_, err = s.payments.CancelOrder(r.Context(), o.Number, by)
	} else {
		_, err = s.orders.CancelByCustomer(r.Context(), o.Number, by)
	}
	if shop.ErrorCode(err) == shop.Conflict {
		// Shipped or cancelled a moment ago: say so from the order as it
		// is now.
		if o, err = s.orders.Get(r.Context(), o.Number); err != nil {
			s.renderError(w, r, err)
			return
		}
		s.renderCancel(w, r, o, token, http.StatusConflict)
		return
	}
	if err != nil {
		s.log.Error("customer cancellation failed", "request_id", requestID(r), "order", o.Number, "error", err)
		v := s.cancelView(r, o, token)
		v.Refusal = "order.cancel.failed"
		s.render(w, r, http.StatusBadGateway, "order_cancel", v)
		return
	}
	s.log.Info("order cancelled by its customer", "request_id", requestID(r), "order", o.Number)
	http.Redirect(w, r, orderPath(o.Number, token, ""), http.StatusSeeOther)
}

func (s *Server) renderCancel(w http.ResponseWriter, r *http.Request, o *order.Order, token string, status int) {
	s.render(w, r, status, "order_cancel", s.cancelView(r, o, token))
}

// cancelView describes the cancellation of o, or why it is refused.
func (s *Server) cancelView(r *http.Request, o *order.Order, token string) cancelView {
	lang := info(r).Lang
	v := cancelView{Order: o, CancelURL: orderPath(o.Number, token, "/cancel"), OrderURL: orderPath(o.Number, token, ""),
		Lines: ui.OrderLines{Lang: lang}}
	for _, l := range o.Lines {
		name := l.Name
		if lang == ui.English && l.NameEn != "" {
			name = l.NameEn
		}
		v.Lines.Lines = append(v.Lines.Lines, storeLine(name, l.Quantity, l.UnitPrice, l.LineTotal, l.TaxRate))
	}
	switch {
	case o.Status == order.Cancelled:
		v.Refusal = "order.cancel.refused.cancelled"
	case o.Status.HasShipped():
		v.Refusal = "order.cancel.refused.shipped"
	case !order.CustomerMayCancel(o):
		v.Refusal = "order.cancel.refused.other"
	}
	switch o.Payment.State {
	case order.PaymentAuthorized:
		v.Money = ui.T(lang, "order.cancel.card.authorized")
	case order.PaymentCaptured, order.PaymentPartiallyRefunded:
		v.Money = ui.T(lang, "order.cancel.card.captured", ui.Yen(o.Payment.Amount))
	case order.PaymentSucceeded:
		v.Money = ui.T(lang, "order.cancel.transfer.paid")
	default:
		v.Money = ui.T(lang, "order.cancel.unpaid")
	}
	return v
}

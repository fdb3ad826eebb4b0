package web

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"kaede/internal/order"
	"kaede/internal/settings"
	"kaede/internal/shop"
	"kaede/internal/ui"
)

// orderView is the data of the order complete page and the order page.
type orderView struct {
	Order *order.Order
	// Discount is a coupon's: what the items and fees come to above the
	// total (checkout priced the order so); 0 without one.
	Discount shop.Yen
	Lines    ui.OrderLines
	// Token is kept in the links between the two pages for a guest.
	Token      string
	OrderURL   string
	PaymentDue time.Time
	Bank       settings.BankAccount
	Transfer   bool
	OnAccount  bool      // paid by the month's invoice (order.Invoice)
	Card       *cardView // card orders only
	// CanCancel offers the customer's own cancellation (CancelURL) while
	// nothing has shipped.
	CanCancel bool
	CancelURL string
	// DocumentsURL leads to the receipt and the invoice (PDF); "" when the
	// order has none (cancelled, awaiting its card payment).
	DocumentsURL string
}

// orderCompletePage thanks the customer and says how to pay.
func (s *Server) orderCompletePage(w http.ResponseWriter, r *http.Request) {
	s.renderOrder(w, r, "complete")
}

// orderPage shows an order to its guest (by token) or its member.
func (s *Server) orderPage(w http.ResponseWriter, r *http.Request) {
	s.renderOrder(w, r, "order")
}

func (s *Server) renderOrder(w http.ResponseWriter, r *http.Request, page string) {
	o, token, err := s.visibleOrder(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	st, err := s.settings.Get(r.Context())
	if err != nil {
		s.renderError(w, r, fmt.Errorf("order page: %w", err))
		return
	}
	view := orderView{Order: o, Token: token, Transfer: o.PaymentMethod == order.BankTransfer, Bank: st.BankTransfer}
	view.OnAccount = o.PaymentMethod == order.Invoice
	view.Discount = max(o.Subtotal+o.ShippingFee+o.CODFee-o.Total, 0)
	view.OrderURL = "/orders/" + url.PathEscape(o.Number)
	if token != "" {
		view.OrderURL += "?token=" + url.QueryEscape(token)
	}
	if view.Transfer {
		if view.PaymentDue, err = s.orders.PaymentDueOf(r.Context(), o.CreatedAt); err != nil {
			s.renderError(w, r, fmt.Errorf("order page: %w", err))
			return
		}
	}
	view.CanCancel, view.CancelURL = order.CustomerMayCancel(o), orderPath(o.Number, token, "/cancel")
	if s.docs != nil && o.Status != order.Cancelled && o.Status != order.AwaitingPayment {
		view.DocumentsURL = orderPath(o.Number, token, "/receipt")
	}
	if view.Card, err = s.newCardView(r, o, view.OrderURL); err != nil {
		s.renderError(w, r, err)
		return
	}
	lang := info(r).Lang
	view.Lines = ui.OrderLines{Lang: lang}
	for _, l := range o.Lines {
		name := l.Name
		if lang == ui.English && l.NameEn != "" {
			name = l.NameEn
		}
		view.Lines.Lines = append(view.Lines.Lines, storeLine(name, l.Quantity, l.UnitPrice, l.LineTotal, l.TaxRate))
	}
	s.render(w, r, http.StatusOK, page, view)
}

// visibleOrder returns the order if the request may see it: by its access
// token, or as the member who placed it. Anything else is NotFound, exactly
// as for an unknown number, so that order numbers cannot be probed.
func (s *Server) visibleOrder(r *http.Request) (*order.Order, string, error) {
	number := r.PathValue("number")
	if token := r.URL.Query().Get("token"); token != "" {
		o, err := s.orders.GetWithToken(r.Context(), number, token)
		if err == nil {
			return o, token, nil
		}
		if shop.ErrorCode(err) != shop.NotFound {
			return nil, "", err
		}
	}
	notFound := shop.Errorf(shop.NotFound, "no order %s for this visitor", number)
	memberID := CurrentSession(r).MemberID
	if memberID == 0 {
		return nil, "", notFound
	}
	o, err := s.orders.Get(r.Context(), number)
	if err != nil {
		return nil, "", err
	}
	if o.MemberID != memberID {
		return nil, "", notFound
	}
	return o, "", nil
}

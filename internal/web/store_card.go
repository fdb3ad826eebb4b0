package web

import (
	"fmt"
	"net/http"
	"net/url"

	"kaede/internal/cardpay"
	"kaede/internal/order"
	"kaede/internal/payment"
	"kaede/internal/shop"
	"kaede/internal/ui"
)

// The store pages of card payments. The customer pays on the provider's
// page, never here: the order button sends them there (303), and the
// provider sends them back to orderPaymentReturn, which asks the provider
// what happened before showing the order.

// cardView is what the order pages show of a card payment.
type cardView struct {
	Method   string // card, konbini or paypay: the page's words follow it
	Label    string // 「VISA 下4桁 4242」: the brand and last four digits, nothing more
	Awaiting bool   // the order waits for its payment
	Declined bool   // the last card did not go through; the customer may try another
	CanPay   bool   // the pay button is offered
	Expires  string // when the unpaid order is cancelled, in Japan time
	PayURL   string // where the pay button posts
	// Stopped: the shop has stopped card payments (a switch). There is no
	// way to move an order to another method, so the page says to order
	// again with one, or to contact the shop, and when the unpaid order
	// lapses.
	Stopped bool
	// Voucher is a konbini order's payment number while it can be paid.
	Voucher *voucherView
}

// voucherView is a konbini voucher as the order page shows it.
type voucherView struct {
	Number  string
	Expires string // in Japan time
}

// newCardView describes o's card payment for the order pages; nil for an
// order paid otherwise.
func (s *Server) newCardView(r *http.Request, o *order.Order, orderURL string) (*cardView, error) {
	if !o.PaymentMethod.ViaProvider() {
		return nil, nil
	}
	lang := info(r).Lang
	v := &cardView{Method: string(o.PaymentMethod), Awaiting: o.Status == order.AwaitingPayment}
	if o.Payment.Last4 != "" {
		v.Label = ui.T(lang, "order.card.label", brandName(o.Payment.Brand), o.Payment.Last4)
	}
	st := payment.State(o.Payment.State)
	v.Declined = v.Awaiting && (st == payment.Declined || st == payment.Failed)
	if !v.Awaiting || s.payments == nil {
		return v, nil
	}
	sum, err := s.payments.Summarize(r.Context(), o)
	if err != nil {
		return nil, fmt.Errorf("order %s: card summary: %w", o.Number, err)
	}
	v.CanPay, v.Stopped = sum.CanPay, sum.Stopped
	if !sum.ExpiresAt.IsZero() {
		v.Expires = sum.ExpiresAt.In(shop.JST).Format("2006-01-02 15:04")
	}
	if vo := sum.Voucher; vo != nil {
		v.Voucher = &voucherView{Number: vo.Number, Expires: vo.ExpiresAt.In(shop.JST).Format("2006-01-02 15:04")}
	}
	u, _ := url.Parse(orderURL)
	u.Path += "/payment"
	v.PayURL = u.String()
	return v, nil
}

// brandName is a card brand as printed on the card.
func brandName(brand string) string {
	switch brand {
	case "visa":
		return "VISA"
	case "mastercard":
		return "Mastercard"
	case "jcb":
		return "JCB"
	case "amex":
		return "American Express"
	case "diners":
		return "Diners Club"
	case "discover":
		return "Discover"
	}
	return brand
}

// orderPay is the order page's pay button (POST /orders/{number}/payment):
// it resumes the card payment in progress, or starts a new one after a
// declined card, and sends the customer to the provider's page.
func (s *Server) orderPay(w http.ResponseWriter, r *http.Request) {
	o, token, err := s.visibleOrder(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if s.payments == nil {
		s.renderError(w, r, fmt.Errorf("order %s: card payments are not configured", o.Number))
		return
	}
	s.redirectToPayment(w, r, o.Number, token)
}

// redirectToPayment sends the customer to the provider's page for the
// order; if the provider cannot be reached, to the order page, which
// offers to try again.
func (s *Server) redirectToPayment(w http.ResponseWriter, r *http.Request, number, token string) {
	c := cardpay.Client{SessionKey: s.ensureSessionID(w, r), IP: info(r).IP}
	target, err := s.payments.Start(r.Context(), number, token, c)
	if err != nil {
		s.log.Warn("card payment not started", "request_id", requestID(r), "order", number, "error", err)
		http.Redirect(w, r, orderPath(number, token, ""), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// orderPaymentReturn is where the provider sends the customer back
// (GET /orders/{number}/payment?token=…&payment=…), whatever happened: it
// asks the provider for the payment's status, applies it, and shows the
// complete page once the order is paid, or the order page otherwise (a
// declined card, a cancelled payment), which offers another try.
func (s *Server) orderPaymentReturn(w http.ResponseWriter, r *http.Request) {
	o, token, err := s.visibleOrder(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if s.payments != nil && o.Status == order.AwaitingPayment {
		if err := s.payments.Refresh(r.Context(), o.Number); err != nil {
			// The webhook or the reconciliation job will catch up.
			s.log.Warn("card status not refreshed", "request_id", requestID(r), "order", o.Number, "error", err)
		}
		if o, err = s.orders.Get(r.Context(), o.Number); err != nil {
			s.renderError(w, r, err)
			return
		}
	}
	if o.Status == order.AwaitingPayment || o.Status == order.Cancelled {
		http.Redirect(w, r, orderPath(o.Number, token, ""), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, orderPath(o.Number, token, "/complete"), http.StatusSeeOther)
}

// orderPath is the order's page (suffix "" ) or its complete page, with a
// guest's token.
func orderPath(number, token, suffix string) string {
	p := "/orders/" + url.PathEscape(number) + suffix
	if token != "" {
		p += "?token=" + url.QueryEscape(token)
	}
	return p
}

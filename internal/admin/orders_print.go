package admin

import (
	"net/http"
	"time"

	"kaede/internal/order"
	"kaede/internal/shop"
	"kaede/internal/ui"
)

// The printed documents of an order. They are ordinary admin pages (same
// headers, same CSP, same role check), laid out as an A4 sheet: the
// stylesheet's print section hides the admin's header and buttons, so
// that the browser's Print gives the bare document.

// orderInvoiceView is the invoice page's data. The document's wording
// follows the page's language; what was sold and the amounts are the ones
// recorded with the order.
type orderInvoiceView struct {
	Doc             *order.InvoiceDoc
	Lines           ui.OrderLines
	IssueDate       string
	TransactionDate string
	PaymentDue      string // an unpaid bank transfer's due date, else ""
}

// orderInvoicePage is the qualified invoice (適格請求書) of the order, a
// receipt (領収書) once the money is in: issuer and registration number,
// transaction date, the lines with reduced-rate items marked, and the
// total and the consumption tax per rate.
func (s *Server) orderInvoicePage(w http.ResponseWriter, r *http.Request) {
	doc, err := s.orders.Invoice(r.Context(), r.PathValue("number"))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	lang := info(r).Lang
	view := orderInvoiceView{Doc: doc, Lines: invoiceLines(lang, doc),
		IssueDate: documentDate(lang, doc.IssueDate), TransactionDate: documentDate(lang, doc.TransactionDate)}
	if !doc.PaymentDue.IsZero() {
		view.PaymentDue = documentDate(lang, doc.PaymentDue)
	}
	s.render(w, r, http.StatusOK, "orders_invoice", view)
}

// orderSlipView is the delivery slip page's data.
type orderSlipView struct {
	Slip      *order.DeliverySlip
	Lines     ui.OrderLines
	IssueDate string
	OrderDate string
}

// orderSlipPage is the delivery slip (納品書) that goes into the parcel.
func (s *Server) orderSlipPage(w http.ResponseWriter, r *http.Request) {
	slip, err := s.orders.DeliverySlip(r.Context(), r.PathValue("number"))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	lang := info(r).Lang
	view := orderSlipView{Slip: slip, Lines: slipLines(lang, slip), IssueDate: documentDate(lang, slip.IssueDate), OrderDate: documentDate(lang, slip.OrderDate)}
	s.render(w, r, http.StatusOK, "orders_slip", view)
}

// documentDate writes a day as a printed document does: 「2026年4月1日」,
// or "1 April 2026" in English.
func documentDate(lang string, t time.Time) string {
	t = t.In(shop.JST)
	if lang == ui.English {
		return t.Format("2 January 2006")
	}
	return t.Format("2006年1月2日")
}

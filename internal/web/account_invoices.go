package web

import (
	"fmt"
	"net/http"

	"kaede/internal/billing"
	"kaede/internal/edge"
	"kaede/internal/shop"
)

// invoicesView is my page's monthly invoices: the member's business
// account (or the form to apply for one) and their invoices.
type invoicesView struct {
	Account  *billing.Account // nil: none
	Invoices []billing.Invoice
}

func (s *Server) invoicesData(r *http.Request) (invoicesView, error) {
	id := CurrentSession(r).MemberID
	var v invoicesView
	a, err := s.billing.Account(r.Context(), id)
	if err != nil && shop.ErrorCode(err) != shop.NotFound {
		return v, fmt.Errorf("account: invoices: %w", err)
	}
	v.Account = a
	if v.Invoices, err = s.billing.Invoices(r.Context(), billing.Filter{MemberID: id}); err != nil {
		return v, fmt.Errorf("account: invoices: %w", err)
	}
	return v, nil
}

// invoicesPage lists the member's invoices, each downloadable as PDF.
func (s *Server) invoicesPage(w http.ResponseWriter, r *http.Request) {
	v, err := s.invoicesData(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "account_invoices", v)
}

// invoicesApply asks the shop to let the member pay by monthly invoice;
// staff decide on the customer's admin page.
func (s *Server) invoicesApply(w http.ResponseWriter, r *http.Request) {
	f := s.form(w, r)
	if _, err := s.billing.Apply(r.Context(), CurrentSession(r).MemberID, f.String("billing_name")); err != nil {
		v, verr := s.invoicesData(r)
		if verr != nil {
			s.renderError(w, r, verr)
			return
		}
		s.renderForm(w, r, "account_invoices", v, err)
		return
	}
	http.Redirect(w, r, billing.InvoicesPath, http.StatusSeeOther)
}

// accountInvoicePDF downloads one of the member's monthly invoices;
// another member's is not found.
func (s *Server) accountInvoicePDF(w http.ResponseWriter, r *http.Request) {
	inv, pdf, err := s.billing.PDF(r.Context(), r.PathValue("number"), CurrentSession(r).MemberID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	edge.SendAttachment(w, "application/pdf", "invoice-"+inv.Number+".pdf", pdf)
}

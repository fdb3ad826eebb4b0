package admin

import (
	"net/http"
	"net/url"
	"strconv"

	"kaede/internal/billing"
	"kaede/internal/edge"
	"kaede/internal/shop"
	"kaede/internal/staff"
)

// billingRoutes are the monthly invoices of business customers: the
// accounts, the overdue and unpaid invoices and the month's close for
// those who see orders; closing a month and recording a payment for those
// who change them; a customer's account (approval with a credit limit) on
// the customer's own page for those who manage customers. Every change is
// audited by package billing in its own transaction.
func (s *Server) billingRoutes(mux *http.ServeMux) {
	if s.billing == nil {
		return
	}
	mux.Handle("GET "+Prefix+"billing", s.can(staff.OrdersRead, s.billingPage))
	mux.Handle("POST "+Prefix+"billing/close", s.can(staff.OrdersWrite, s.billingCloseAction))
	mux.Handle("GET "+Prefix+"billing/invoices/{number}", s.can(staff.OrdersRead, s.billingInvoicePage))
	mux.Handle("GET "+Prefix+"billing/invoices/{number}/pdf", s.can(staff.OrdersRead, s.billingInvoicePDF))
	mux.Handle("POST "+Prefix+"billing/invoices/{number}/payments", s.can(staff.OrdersWrite, s.billingPaymentAction))
	mux.Handle("GET "+Prefix+"customers/{id}/billing", s.can(staff.CustomersRead, s.customerBillingPage))
	mux.Handle("POST "+Prefix+"customers/{id}/billing", s.can(staff.CustomersWrite, s.customerBillingAction))
}

// billingView is the billing page's data.
type billingView struct {
	Accounts  []billing.AccountRow
	Overdue   []billing.Invoice
	Invoices  []billing.Invoice // every invoice, newest month first
	LastMonth string            // what the close form proposes
	Issued    int               // invoices the close just issued; -1: no close
}

func (s *Server) billingData(r *http.Request) (billingView, error) {
	ctx := r.Context()
	v := billingView{LastMonth: billing.LastMonth(s.now()), Issued: -1}
	var err error
	if v.Accounts, err = s.billing.Accounts(ctx); err != nil {
		return v, err
	}
	if v.Overdue, err = s.billing.Invoices(ctx, billing.Filter{Overdue: true}); err != nil {
		return v, err
	}
	v.Invoices, err = s.billing.Invoices(ctx, billing.Filter{})
	return v, err
}

// billingPage lists the accounts, the overdue invoices and every invoice.
func (s *Server) billingPage(w http.ResponseWriter, r *http.Request) {
	v, err := s.billingData(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if n, err := strconv.Atoi(r.URL.Query().Get("issued")); err == nil && n >= 0 {
		v.Issued = n
	}
	s.render(w, r, http.StatusOK, "billing", v)
}

// billingCloseAction closes a month that has ended, as the periodic task
// does the day after; closing again issues nothing new.
func (s *Server) billingCloseAction(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	issued, err := s.billing.Close(r.Context(), f.String("month"), orderActor(r))
	if err != nil {
		v, verr := s.billingData(r)
		if verr != nil {
			s.renderError(w, r, verr)
			return
		}
		s.orderRefusal(w, r, "billing", v, err, "billing.close.conflict")
		return
	}
	http.Redirect(w, r, Prefix+"billing?issued="+strconv.Itoa(len(issued)), http.StatusSeeOther)
}

// billingInvoiceView is an invoice's page: its payments and the form to
// record one.
type billingInvoiceView struct {
	Invoice  *billing.Invoice
	Payments []billing.Payment
	Overdue  bool
	Done     bool
}

func (s *Server) billingInvoiceData(r *http.Request) (billingInvoiceView, error) {
	number := r.PathValue("number")
	inv, err := s.billing.Invoice(r.Context(), number)
	if err != nil {
		return billingInvoiceView{}, err
	}
	ps, err := s.billing.Payments(r.Context(), number)
	if err != nil {
		return billingInvoiceView{}, err
	}
	return billingInvoiceView{Invoice: inv, Payments: ps, Overdue: inv.Overdue(s.now())}, nil
}

func (s *Server) billingInvoicePage(w http.ResponseWriter, r *http.Request) {
	v, err := s.billingInvoiceData(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v.Done = r.URL.Query().Get("done") == "paid"
	s.render(w, r, http.StatusOK, "billing_invoice", v)
}

// billingInvoicePDF is the invoice's PDF, the same bytes the customer
// downloads.
func (s *Server) billingInvoicePDF(w http.ResponseWriter, r *http.Request) {
	inv, pdf, err := s.billing.PDF(r.Context(), r.PathValue("number"), 0)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	edge.SendAttachment(w, "application/pdf", "invoice-"+inv.Number+".pdf", pdf)
}

// billingPaymentAction records a payment, full or partial.
func (s *Server) billingPaymentAction(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	number := r.PathValue("number")
	_, err := s.billing.RecordPayment(r.Context(), number, billing.PaymentInput{Amount: f.String("payment_amount"),
		ReceivedOn: f.String("received_on"), Note: f.String("note")}, orderActor(r))
	if err != nil {
		v, verr := s.billingInvoiceData(r)
		if verr != nil {
			s.renderError(w, r, verr)
			return
		}
		s.orderRefusal(w, r, "billing_invoice", v, err, "billing.payment.conflict")
		return
	}
	http.Redirect(w, r, Prefix+"billing/invoices/"+url.PathEscape(number)+"?done=paid", http.StatusSeeOther)
}

// customerBillingView is a customer's business account and the decision
// form.
type customerBillingView struct {
	MemberID int64
	Name     string
	Email    string
	Account  *billing.Account // nil: none yet
	Balance  string
	Invoices []billing.Invoice
	Done     bool
}

func (s *Server) customerBillingData(r *http.Request) (customerBillingView, error) {
	id, err := customerID(r)
	if err != nil {
		return customerBillingView{}, err
	}
	ctx := r.Context()
	m, err := s.members.Get(ctx, id)
	if err != nil {
		return customerBillingView{}, err
	}
	v := customerBillingView{MemberID: id, Name: m.Name, Email: m.Email}
	if v.Account, err = s.billing.Account(ctx, id); err != nil && shop.ErrorCode(err) != shop.NotFound {
		return v, err
	}
	b, err := s.billing.Balance(ctx, id)
	if err != nil {
		return v, err
	}
	v.Balance = b.String()
	v.Invoices, err = s.billing.Invoices(ctx, billing.Filter{MemberID: id})
	return v, err
}

func (s *Server) customerBillingPage(w http.ResponseWriter, r *http.Request) {
	v, err := s.customerBillingData(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v.Done = r.URL.Query().Get("done") == "saved"
	s.render(w, r, http.StatusOK, "customers_billing", v)
}

// customerBillingAction records staff's decision: approve with a credit
// limit, reject, or suspend.
func (s *Server) customerBillingAction(w http.ResponseWriter, r *http.Request) {
	id, err := customerID(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	f := newForm(r)
	_, err = s.billing.Decide(r.Context(), id, billing.Decision{Status: billing.Status(f.String("status")),
		Company: f.String("billing_name"), CreditLimit: f.String("credit_limit"), Note: f.Raw("note")}, orderActor(r))
	if err != nil {
		v, verr := s.customerBillingData(r)
		if verr != nil {
			s.renderError(w, r, verr)
			return
		}
		s.orderRefusal(w, r, "customers_billing", v, err, "billing.account.conflict")
		return
	}
	http.Redirect(w, r, Prefix+"customers/"+itoa(id)+"/billing?done=saved", http.StatusSeeOther)
}

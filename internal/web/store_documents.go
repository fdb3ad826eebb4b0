package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"kaede/internal/edge"
	"kaede/internal/order"
	"kaede/internal/orderdoc"
	"kaede/internal/shop"
)

// The documents a customer takes from their order: the receipt (領収書),
// downloaded at most twice once the order is paid, and the qualified
// invoice (適格請求書). A member reaches them from the order page of my
// page; a guest from the order page their e-mail links to, by its token.

// receiptView is the data of order_receipt: the form for the receipt,
// the copies downloaded so far, or why there is none.
type receiptView struct {
	Order      *order.Order
	OrderURL   string
	ReceiptURL string
	InvoiceURL string
	Copies     []orderdoc.ReceiptCopy
	Remaining  int
	Max        int
	// Refusal is the catalogue key of why no receipt can be downloaded;
	// "" shows the form.
	Refusal   string
	Values    url.Values
	MaxName   int
	MaxNote   int
	TooMany   bool
	Reissue   bool // the next download is the stamped copy
	InvoiceOK bool // the order has a qualified invoice (not cancelled, not awaiting its card payment)
}

// receiptPage offers the receipt of an order (GET
// /orders/{number}/receipt): the addressee and the note to print, how
// many downloads are left, or why there is no receipt (not paid yet, cash
// on delivery, both copies taken).
func (s *Server) receiptPage(w http.ResponseWriter, r *http.Request) {
	o, token, err := s.visibleOrder(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v, err := s.receiptView(r, o, token, url.Values{"addressee": {o.Address.Name}, "proviso": {orderdoc.DefaultNote}})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "order_receipt", v)
}

// receiptDownload records a download of the receipt and sends it as PDF
// (POST /orders/{number}/receipt, with the CSRF token). A bad addressee
// or note shows the form again with the field named (422); a refusal
// (a third download, cash on delivery, unpaid) shows the page with the
// reason (409); a client asking too often is told to wait (429).
func (s *Server) receiptDownload(w http.ResponseWriter, r *http.Request) {
	o, token, err := s.visibleOrder(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	f := s.form(w, r)
	values := url.Values{"addressee": {f.Raw("addressee")}, "proviso": {f.Raw("proviso")}}
	v, err := s.receiptView(r, o, token, values)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if err := f.Err(); err != nil {
		s.renderForm(w, r, "order_receipt", v, err)
		return
	}
	in := info(r)
	if err := s.docs.AllowClient(r.Context(), in.IP); shop.ErrorCode(err) == shop.TooMany {
		s.log.Warn("receipt refused: too many", "request_id", in.ID, "ip", in.IP)
		v.TooMany = true
		s.render(w, r, http.StatusTooManyRequests, "order_receipt", v)
		return
	} else if err != nil {
		s.renderError(w, r, err)
		return
	}
	by := "guest"
	if id := CurrentSession(r).MemberID; id != 0 && token == "" {
		by = "member:" + strconv.FormatInt(id, 10)
	}
	pdf, c, err := s.docs.IssueReceipt(r.Context(), o.Number, orderdoc.ReceiptRequest{
		Addressee: values.Get("addressee"), Note: values.Get("proviso"), RequestedBy: by})
	if why := orderdoc.RefusalOf(err); why != "" {
		// Refused a moment ago (the other copy taken in another tab, the
		// payment refunded): say so from the state as it is now.
		if v, err = s.receiptView(r, o, token, values); err != nil {
			s.renderError(w, r, err)
			return
		}
		v.Refusal = refusalKey(why)
		s.render(w, r, http.StatusConflict, "order_receipt", v)
		return
	}
	if shop.ErrorCode(err) == shop.Invalid {
		s.renderForm(w, r, "order_receipt", v, err)
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.log.Info("receipt downloaded", "request_id", in.ID, "order", o.Number, "copy", c.Copy)
	edge.SendAttachment(w, "application/pdf", fmt.Sprintf("receipt-%s-%d.pdf", o.Number, c.Copy), pdf)
}

// invoicePDF sends the order's qualified invoice as PDF (GET
// /orders/{number}/invoice.pdf).
func (s *Server) invoicePDF(w http.ResponseWriter, r *http.Request) {
	o, _, err := s.visibleOrder(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if err := s.docs.AllowClient(r.Context(), info(r).IP); err != nil {
		s.renderError(w, r, err)
		return
	}
	pdf, err := s.docs.Invoice(r.Context(), o.Number)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	edge.SendAttachment(w, "application/pdf", "invoice-"+o.Number+".pdf", pdf)
}

// receiptView describes the receipt of o as it stands.
func (s *Server) receiptView(r *http.Request, o *order.Order, token string, values url.Values) (receiptView, error) {
	st, err := s.docs.ReceiptState(r.Context(), o.Number)
	if err != nil {
		return receiptView{}, err
	}
	v := receiptView{Order: o, OrderURL: orderPath(o.Number, token, ""), ReceiptURL: orderPath(o.Number, token, "/receipt"),
		InvoiceURL: orderPath(o.Number, token, "/invoice.pdf"), Copies: st.Copies, Remaining: st.Remaining(),
		Max: orderdoc.MaxReceiptCopies, Refusal: refusalKey(st.Refusal), Values: values,
		MaxName: orderdoc.MaxAddressee, MaxNote: orderdoc.MaxNote, Reissue: len(st.Copies) > 0,
		InvoiceOK: o.Status != order.Cancelled && o.Status != order.AwaitingPayment}
	return v, nil
}

// refusalKey is the catalogue key that explains a refusal, or "".
func refusalKey(r orderdoc.Refusal) string {
	if r == "" {
		return ""
	}
	return "receipt.refused." + string(r)
}

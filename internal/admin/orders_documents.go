package admin

import (
	"fmt"
	"net/http"
	"strconv"

	"kaede/internal/edge"
	"kaede/internal/order"
	"kaede/internal/orderdoc"
	"kaede/internal/shop"
)

// The order's documents as PDF, made by package orderdoc from the order as
// recorded: the qualified invoice and the delivery slip for staff to send
// or pack, and the copies of the receipt its customer downloaded, which
// staff can make again (audited) when a customer has lost theirs.

// orderReceipts is the order page's view of the receipt: the copies the
// customer downloaded and whether the shop issues one at all.
type orderReceipts struct {
	Copies []orderdoc.ReceiptCopy
	Max    int
	COD    bool // the carrier issues it
}

// receiptsOf reads the receipt downloads of o; nil when the documents are
// not wired.
func (s *Server) receiptsOf(r *http.Request, o *order.Order) (*orderReceipts, error) {
	if s.docs == nil {
		return nil, nil
	}
	copies, err := s.docs.Receipts(r.Context(), o.Number)
	if err != nil {
		return nil, err
	}
	return &orderReceipts{Copies: copies, Max: orderdoc.MaxReceiptCopies, COD: o.PaymentMethod == order.COD}, nil
}

// orderInvoicePDF sends the order's qualified invoice as PDF.
func (s *Server) orderInvoicePDF(w http.ResponseWriter, r *http.Request) {
	pdf, err := s.docs.Invoice(r.Context(), r.PathValue("number"))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	edge.SendAttachment(w, "application/pdf", "invoice-"+r.PathValue("number")+".pdf", pdf)
}

// orderSlipPDF sends the order's delivery slip as PDF.
func (s *Server) orderSlipPDF(w http.ResponseWriter, r *http.Request) {
	pdf, err := s.docs.Slip(r.Context(), r.PathValue("number"))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	edge.SendAttachment(w, "application/pdf", "slip-"+r.PathValue("number")+".pdf", pdf)
}

// orderReceiptReissue makes a copy the customer downloaded again, the
// same file, and records in the audit log who did (POST, so that a link
// followed by accident or from elsewhere cannot).
func (s *Server) orderReceiptReissue(w http.ResponseWriter, r *http.Request) {
	number := r.PathValue("number")
	n, err := strconv.Atoi(r.PathValue("copy"))
	if err != nil || n < 1 || n > orderdoc.MaxReceiptCopies {
		s.renderError(w, r, shop.Errorf(shop.NotFound, "order %s has no receipt copy %q", number, r.PathValue("copy")))
		return
	}
	pdf, err := s.docs.ReissueReceipt(r.Context(), number, n, orderActor(r))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.log.Info("receipt made again by staff", "request_id", info(r).ID, "order", number, "copy", n, "staff", info(r).staff.Email)
	edge.SendAttachment(w, "application/pdf", fmt.Sprintf("receipt-%s-%d.pdf", number, n), pdf)
}

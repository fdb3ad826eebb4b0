package admin

import (
	"net/http"

	"kaede/internal/order"
	"kaede/internal/shop"
	"kaede/internal/ui"
)

// orderDetailView is the order page's data: the order with its shipments
// and refunds, and which actions its state allows. The template also
// checks the role's permission for each form; the server checks both
// again when the form is sent.
type orderDetailView struct {
	Detail *order.Detail
	Lines  ui.OrderLines // the order's lines, totals and tax per rate
	// What the order's status and payment allow.
	CanPay, CanShip, CanDeliver, CanCancel, CanRefund bool
	// CardRefundMissing says a card order could be refunded but no
	// payment provider is configured to do it.
	CardRefundMissing bool
	Refundable        shop.Yen       // what is left to refund
	HasDocuments      bool           // an invoice and a delivery slip exist
	Receipts          *orderReceipts // nil when the PDFs are not wired
	Carriers          []order.Carrier
	Today             string     // YYYY-MM-DD in Japan, the ship form's default
	Memo              order.Memo // the shop memo, for staff only
	MemoMax           int
	Edit              *orderEditView // nil: the order can no longer be edited
	Done              string         // catalogue key of the last action's confirmation
}

// orderCarriers are the ship form's choices.
var orderCarriers = []order.Carrier{order.Yamato, order.Sagawa, order.JapanPost, order.Other}

// orderDetailPage shows one order.
func (s *Server) orderDetailPage(w http.ResponseWriter, r *http.Request) {
	view, err := s.orderDetail(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	view.Done = orderDone(r)
	s.render(w, r, http.StatusOK, "orders_detail", view)
}

// orderDetail reads the order of the request's {number} and works out
// the actions its state allows.
func (s *Server) orderDetail(r *http.Request) (orderDetailView, error) {
	d, err := s.orders.GetDetail(r.Context(), r.PathValue("number"))
	if err != nil {
		return orderDetailView{}, err
	}
	o := d.Order
	v := orderDetailView{
		Detail:       d,
		Lines:        detailLines(info(r).Lang, &o),
		CanPay:       o.PaymentMethod == order.BankTransfer && order.CanTransition(o.Status, order.Paid, o.PaymentMethod),
		CanShip:      order.CanTransition(o.Status, order.Shipped, o.PaymentMethod),
		CanDeliver:   order.CanTransition(o.Status, order.Delivered, o.PaymentMethod),
		CanCancel:    order.CanTransition(o.Status, order.Cancelled, o.PaymentMethod),
		Refundable:   o.Payment.Amount - d.Refunded,
		HasDocuments: o.Status != order.AwaitingPayment && o.Status != order.Cancelled,
		Carriers:     orderCarriers,
		Today:        day(s.now()),
		MemoMax:      order.MaxMemo,
	}
	if v.Memo, err = s.orders.Memo(r.Context(), o.Number); err != nil {
		return orderDetailView{}, err
	}
	if v.Edit, err = s.orderEditView(r, &o); err != nil {
		return orderDetailView{}, err
	}
	if v.Receipts, err = s.receiptsOf(r, &o); err != nil {
		return orderDetailView{}, err
	}
	switch o.Payment.State {
	case order.PaymentSucceeded, order.PaymentCaptured, order.PaymentPartiallyRefunded:
		v.CanRefund = v.Refundable > 0
	}
	if v.CanRefund && o.PaymentMethod.RefundsThroughProvider() && s.cardRefund == nil {
		v.CanRefund, v.CardRefundMissing = false, true
	}
	return v, nil
}

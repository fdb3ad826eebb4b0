package admin

import (
	"net/http"

	"kaede/internal/staff"
)

// orderRoutes are the routes of order and customer work: order search,
// payment received, shipments, cancellations, refunds, invoices and
// delivery slips, CSV export, customers and licence review. Groups as in
// routes.
//
// Reading an order is open to every role that handles orders (support
// answers customers' questions about them); changing one needs
// OrdersWrite. Money going back and personal data leaving the shop in bulk
// also need a fresh second factor: those are what a stolen session would
// be used for.
//
// A surface whose service is not wired (tests of the admin's foundation
// build the server without them) has no routes: its URLs are 404, not a
// crash.
func (s *Server) orderRoutes(mux *http.ServeMux) {
	if s.orders != nil {
		s.orderWorkRoutes(mux)
	}
	if s.members != nil {
		s.customerRoutes(mux)
	}
}

// orderWorkRoutes are the orders' own routes.
func (s *Server) orderWorkRoutes(mux *http.ServeMux) {
	mux.Handle("GET "+Prefix+"orders", s.can(staff.OrdersRead, s.orderListPage))
	mux.Handle("GET "+Prefix+"orders/export", s.fresh(staff.CustomersExport, s.orderExport))
	mux.Handle("POST "+Prefix+"orders/carrier-csv", s.fresh(staff.CustomersExport, s.orderCarrierCSV))
	mux.Handle("POST "+Prefix+"orders/bulk-status", s.can(staff.OrdersWrite, s.orderBulkStatus))
	mux.Handle("GET "+Prefix+"orders/tracking", s.can(staff.OrdersWrite, s.orderTrackingPage))
	mux.Handle("POST "+Prefix+"orders/tracking", s.can(staff.OrdersWrite, s.orderTrackingAction))
	mux.Handle("GET "+Prefix+"orders/{number}", s.can(staff.OrdersRead, s.orderDetailPage))
	mux.Handle("GET "+Prefix+"orders/{number}/invoice", s.can(staff.OrdersRead, s.orderInvoicePage))
	mux.Handle("GET "+Prefix+"orders/{number}/slip", s.can(staff.OrdersRead, s.orderSlipPage))
	if s.docs != nil {
		mux.Handle("GET "+Prefix+"orders/{number}/invoice.pdf", s.can(staff.OrdersRead, s.orderInvoicePDF))
		mux.Handle("GET "+Prefix+"orders/{number}/slip.pdf", s.can(staff.OrdersRead, s.orderSlipPDF))
		mux.Handle("POST "+Prefix+"orders/{number}/receipts/{copy}", s.can(staff.OrdersWrite, s.orderReceiptReissue))
	}
	mux.Handle("POST "+Prefix+"orders/{number}/paid", s.can(staff.OrdersWrite, s.orderPaidAction))
	mux.Handle("POST "+Prefix+"orders/{number}/ship", s.can(staff.OrdersWrite, s.orderShipAction))
	mux.Handle("POST "+Prefix+"orders/{number}/delivered", s.can(staff.OrdersWrite, s.orderDeliveredAction))
	mux.Handle("POST "+Prefix+"orders/{number}/cancel", s.can(staff.OrdersWrite, s.orderCancelAction))
	mux.Handle("POST "+Prefix+"orders/{number}/refund", s.fresh(staff.OrdersRefund, s.orderRefundAction))
	mux.Handle("POST "+Prefix+"orders/{number}/memo", s.can(staff.OrdersWrite, s.orderMemoAction))
	mux.Handle("POST "+Prefix+"orders/{number}/edit", s.can(staff.OrdersWrite, s.orderEditAction))
}

// customerRoutes are the routes of customers and their practitioner
// licences.
func (s *Server) customerRoutes(mux *http.ServeMux) {
	mux.Handle("GET "+Prefix+"customers", s.can(staff.CustomersRead, s.customerListPage))
	mux.Handle("GET "+Prefix+"customers/{id}", s.can(staff.CustomersRead, s.customerDetailPage))
	mux.Handle("GET "+Prefix+"customers/{id}/disclosure.json", s.fresh(staff.CustomersExport, s.customerDisclosure))
	mux.Handle("POST "+Prefix+"customers/{id}/erase", s.fresh(staff.CustomersExport, s.customerEraseAction))
	mux.Handle("GET "+Prefix+"licences", s.can(staff.CustomersRead, s.licenceQueuePage))
	mux.Handle("POST "+Prefix+"licences/{id}/approve", s.can(staff.CustomersWrite, s.licenceApproveAction))
	mux.Handle("POST "+Prefix+"licences/{id}/reject", s.can(staff.CustomersWrite, s.licenceRejectAction))
}

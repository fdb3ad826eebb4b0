package admin

import "net/http"

// orderRoutes are the routes of order and customer work: order search,
// payment received, shipments, cancellations, refunds, invoices and
// delivery slips, CSV export, customers and licence review. Groups as in
// routes.
func (s *Server) orderRoutes(mux *http.ServeMux) {
}

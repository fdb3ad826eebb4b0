package web

import "net/http"

// storeRoutes is the route table of the store pages: top, category, product, search, cart, checkout, order.
func (s *Server) storeRoutes(mux *http.ServeMux) {
}
